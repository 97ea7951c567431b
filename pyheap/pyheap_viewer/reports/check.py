"""pyheap_viewer.reports.check: --check, the gate's verdict: a summary or JSON, JUnit XML, a baseline file; the exit status."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The limits and their evaluation are gate.py's.

from ..errors import ConfigError, UsageError
from ..formatting import (escape, json_lines, num, plural, short_list,
                          tolerance_text)
from ..gate import CHECK_EXIT_CODE, baseline_text, check_spec, run_checks
from ..model import every_snapshot
from ..tree import expand_files, processes_text, roots, run_tree_checks
from .base import Report, write_file

CHECK_STACK_FRAMES = 8     # frames of the top offender in the summary


class CheckReport(Report):
    """--check: every limit evaluated; the status is CHECK_EXIT_CODE (or
    --error-exitcode) if one is crossed."""

    name = "check"

    def render(self, inputs, options, out):
        try:
            spec = check_spec(options)
        except ConfigError as exc:
            raise UsageError(str(exc))
        if options.tree:
            # The files of one run: the limits apply to the whole tree.
            processes, results, settings = run_tree_checks(
                inputs, expand_files(options.files), spec)
            profile = TreeSource(processes)
        else:
            view = inputs.read(sites=every_snapshot)
            profile = view.profile
            results, settings = run_checks(view, spec)
        n_failed = sum(1 for r in results if not r.passed)
        code = spec.settings.get("error-exitcode", CHECK_EXIT_CODE)
        status = code if n_failed else 0
        if options.gen_baseline:
            write_file(options.gen_baseline,
                       baseline_text(profile, results, settings.by,
                                     settings.tolerance))
        if options.junit_xml:
            write_file(options.junit_xml, junit_xml(profile, results))
        out.write(check_summary(profile, spec, results, settings, status,
                                options.format))
        return status


class TreeSource:
    """What the summary, the JUnit XML and the baseline say of the input
    when it is a process tree: `path` names the files, `processes` are
    tree.Process objects, in tree order."""

    def __init__(self, processes):
        self.processes = processes
        first = processes[0].path
        self.path = first if len(processes) == 1 else "%s and %d more" % (
            first, len(processes) - 1)


def _tree_lines(profile):
    """The summary's line on the processes of a tree."""
    processes = getattr(profile, "processes", None)
    if processes is None:
        return []
    tops = roots(processes)
    return ["tree: %s, %s: %s" % (
        processes_text(len(processes)),
        "root pid %d (%s)" % (tops[0].pid, escape(tops[0].command))
        if len(tops) == 1 else "%d roots" % len(tops),
        short_list(["%d%s" % (p.pid, "" if p.parent is None else
                              "<-%d" % p.parent.pid) for p in processes]))]


def _offender_where(off):
    """', in pid N (command)' for an offender of a process tree."""
    if getattr(off, "process", None) is None:
        return ""
    return ", in %s" % escape(off.process.label())


def check_summary(profile, spec, results, settings, status, fmt):
    """The summary (text) or the JSON of a --check run."""
    baseline = settings.baseline
    tolerance = settings.tolerance
    baseline_path = spec.settings.get("baseline")
    n_failed = sum(1 for r in results if not r.passed)
    unused = [e for e in baseline if not e.used]
    if fmt == "json":
        processes = getattr(profile, "processes", None)
        doc = [("file", profile.path if processes is None
                else processes[0].path)]
        if processes is not None:
            doc += [("files", [p.path for p in processes]),
                    ("processes", [p.to_json() for p in processes])]
        doc += [("passed", not n_failed),
               ("exit_status", status),
               ("by", settings.by),
               ("config", None if spec.config is None else
                {"file": spec.config[0], "section": spec.config[1]}),
               ("notes", spec.notes),
               ("limits", [r.to_json() for r in results]),
               ("baseline", None if baseline_path is None else {
                   "file": baseline_path,
                   "tolerance": tolerance_text(tolerance),
                   "entries": len(baseline),
                   "used": [{"name": e.name, "line": e.lineno,
                             "count": e.used} for e in baseline if e.used],
                   "unused": [{"name": e.name, "line": e.lineno}
                              for e in unused]})]
        return json_lines(doc)
    out = []
    if n_failed:
        out.append("pyheap check: FAILED: %d of %s crossed (%s)"
                   % (n_failed, plural(len(results), "limit"),
                      escape(profile.path)))
    else:
        out.append("pyheap check: passed: %s within bounds (%s)"
                   % (plural(len(results), "limit"), escape(profile.path)))
    for r in results:
        out.append("  %-4s %s %s: %s" % ("ok" if r.passed else "FAIL",
                                         r.name, r.limit_text,
                                         escape(r.message)))
        if not r.passed and r.offenders:
            top = r.offenders[0]
            out.append("       top offender: %s (%s), %s B%s%s"
                       % (escape(top.function or "-"), escape(top.location),
                          num(int(round(top.value))),
                          ", " + escape(top.detail) if top.detail else "",
                          _offender_where(top)))
            for loc, fn in top.stack[:CHECK_STACK_FRAMES]:
                out.append("         at %s (%s)" % (escape(fn),
                                                    escape(loc)))
            if len(top.stack) > CHECK_STACK_FRAMES:
                out.append("         ... %d more frames (--format=json, "
                           "--junit-xml: all)"
                           % (len(top.stack) - CHECK_STACK_FRAMES))
    out.extend(_tree_lines(profile))
    if spec.config is not None:
        out.append("config: %s %s" % (escape(spec.config[0]),
                                      spec.config[1]))
    else:
        out.append("config: none (looked for pyheap.cfg [pyheap], "
                   "pyproject.toml [tool.pyheap], setup.cfg [pyheap])")
    for note in spec.notes:
        out.append("note: %s" % escape(note))
    if baseline_path is not None:
        used = sum(1 for e in baseline if e.used)
        out.append("baseline: %s: %s, %d used, %d unused (tolerance %s)"
                   % (escape(baseline_path), plural(len(baseline), "entry")
                      .replace("entrys", "entries"), used, len(unused),
                      tolerance_text(tolerance)))
        for e in baseline:
            if e.used:
                out.append("  used_baseline: %d %s (line %d)"
                           % (e.used, escape(e.name), e.lineno))
        for e in unused:
            out.append("  unused_baseline: %s (line %d)"
                       % (escape(e.name), e.lineno))
    if n_failed:
        out.append("exit status %d (--error-exitcode)" % status)
    return "\n".join(out) + "\n"


def junit_xml(profile, results):
    """JUnit XML: one testsuite "pyheap.check", one testcase per limit.

    Every "time" is 0: the check measures nothing in time, and identical
    input gives identical output."""
    # Imported here: only --junit-xml needs it.
    from xml.sax.saxutils import escape as xml_escape, quoteattr

    elapsed = 0.0

    def clean(text):
        # Characters XML 1.0 cannot hold at all.
        return "".join(ch for ch in text if ch in "\t\n\r" or
                       (" " <= ch <= "\ud7ff") or
                       ("\ue000" <= ch <= "\ufffd") or ch > "\uffff")

    failures = sum(1 for r in results if not r.passed and r.error is None)
    errors = sum(1 for r in results if r.error is not None)
    suite = "pyheap.check"
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<testsuites name=%s tests="%d" failures="%d" errors="%d" '
           'time="%.3f">' % (quoteattr(suite), len(results), failures,
                             errors, elapsed),
           '  <testsuite name=%s tests="%d" failures="%d" errors="%d" '
           'skipped="0" time="%.3f">' % (quoteattr(suite), len(results),
                                         failures, errors, elapsed),
           '    <properties>',
           '      <property name="file" value=%s/>'
           % quoteattr(clean(profile.path)),
           '    </properties>']
    for r in results:
        out.append('    <testcase classname=%s name=%s time="0.000">'
                   % (quoteattr(suite), quoteattr(clean(r.name))))
        if not r.passed:
            tag = "error" if r.error is not None else "failure"
            body = [r.message]
            for off in r.offenders:
                body.append("%s (%s): %s B%s%s" % (
                    off.function, off.location, num(int(round(off.value))),
                    ", " + off.detail if off.detail else "",
                    _offender_where(off)))
                body.extend("    at %s (%s)" % (fn, loc)
                            for loc, fn in off.stack)
            out.append('      <%s message=%s type="%s">%s</%s>'
                       % (tag, quoteattr(clean(r.message)),
                          "LimitExceeded" if tag == "failure"
                          else "CheckError",
                          xml_escape(clean("\n".join(body))), tag))
        else:
            out.append('      <system-out>%s</system-out>'
                       % xml_escape(clean(r.message)))
        out.append('    </testcase>')
    out.append('  </testsuite>')
    out.append('</testsuites>')
    return "\n".join(out) + "\n"

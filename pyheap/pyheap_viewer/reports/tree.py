"""pyheap_viewer.reports.tree: several files of one run (a process tree): the processes, then their live memory merged by site (text or JSON)."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# What the files hold, how they are related and what a sum over them means
# is tree.py's.  The text: the table of processes (indented under their
# parents), the notes on what the sums mean, then for each snapshot shown
# (each process's peak, then its exit; --at one of them or a label) the
# merged totals and the top --top groups (--by) with the processes that
# hold each.  JSON: one object, every group with its per-process parts.

from ..errors import InputError
from ..formatting import (RULE, aligned, column_widths, escape, json_lines,
                          num, pct, plural, quote)
from ..grouping import BY_HEADINGS, NAME_ONLY, nouns
from ..model import CLASSES
from ..tree import (FORK_NOTE, PEAK_NOTE, Merged, bytes_text, describe_at,
                    expand_files, peak_bounds, pids_text, processes_text,
                    read_tree, roots, roots_note, tree_ats)
from .base import Report, SourceLines

# Processes named in a row of the text table; the rest are counted.
PIDS_SHOWN = 3


class TreeReport(Report):
    """The default report and --format=json for several files."""

    name = "tree"

    def wants_user_view(self, options):
        # As for one file: the text names sites by the user's own line,
        # JSON by the innermost frame unless --by=user-*.
        return options.format == "text"

    def render(self, inputs, options, out):
        ats = tree_ats(options)
        paths = expand_files(options.files)
        processes = read_tree(inputs, paths, ats, options.by)
        merged = [Merged(processes, at.text) for at in ats]
        if options.at is not None and not merged[0].present:
            raise InputError(paths[0] if len(paths) == 1 else
                             "%s and %d more" % (paths[0], len(paths) - 1),
                             None, "no process has the snapshot %s (--at)"
                             % quote(options.at.text))
        if options.format == "json":
            out.write(tree_json(processes, merged, options.by, options.top))
        else:
            out.write(tree_text(processes, merged, options))
        return 0


def process_table(processes):
    """The lines of the table of processes, children under their parent."""
    head = ("pid", "ppid", "peak (B)", "exit (B)", "ended", "file",
            "command")
    body = []
    for p in processes:
        body.append(("  " * p.depth + str(p.pid),
                     "-" if p.ppid is None else str(p.ppid),
                     bytes_text(p.peak_B), bytes_text(p.exit_B),
                     escape(p.ended), escape(p.path), escape(p.command)))
    exits = [p.exit_B for p in processes if p.exit_B is not None]
    _, _, peak_sum = peak_bounds(processes)
    body.append(("all", "", num(peak_sum) + "*", num(sum(exits)), "", "",
                 ""))
    widths = column_widths([head[:-1]] + [row[:-1] for row in body])
    left = (0, 4, 5)
    lines = ["  " + aligned(head[:-1], widths, left) + "  " + head[-1]]
    for row in body:
        lines.append(("  " + aligned(row[:-1], widths, left) + "  "
                      + row[-1]).rstrip())
    lines.append("  * the sum of the peaks: an upper bound of the tree's "
                 "peak (below)")
    return lines


def tree_text(processes, merged, options):
    n = len(processes)
    tops = roots(processes)
    out = ["=" * 80,
           "pyheap process tree: %s from %s, %s" % (
               processes_text(n), plural(n, "file"),
               "1 root" if len(tops) == 1 else "%d roots" % len(tops)),
           RULE]
    out.extend(process_table(processes))
    out.append(RULE)
    top_B, top_p, peak_sum = peak_bounds(processes)
    notes = []
    if top_p is not None:
        notes.append("Peak: %s.  Here: at least %s B (pid %d's), at most "
                     "%s B." % (PEAK_NOTE[0].upper() + PEAK_NOTE[1:],
                                num(top_B), top_p.pid, num(peak_sum)))
    if any(p.parent is not None for p in processes):
        notes.append("Forks: %s." % (FORK_NOTE[0].upper() + FORK_NOTE[1:]))
    extra = roots_note(processes)
    if extra:
        notes.append("Roots: %s." % extra)
    notes.append("One process's own report: pyheap_print FILE.")
    for note in notes:
        out.extend(_wrap(note, 78, "  "))
    source = SourceLines(enabled=not options.no_source)
    for m in merged:
        out.extend(merged_section(m, n, options, source))
    return "\n".join(out) + "\n"


def _wrap(text, width, indent):
    """`text` in lines of at most `width` columns (words are not cut)."""
    lines = []
    line = ""
    for word in text.split(" "):
        if line and len(indent) + len(line) + 1 + len(word) > width:
            lines.append(indent + line)
            line = word
        else:
            line = word if not line else line + " " + word
    if line:
        lines.append(indent + line)
    return lines


def merged_section(m, n, options, source):
    by = options.by
    top = options.top if options.top is not None else 10
    out = ["", RULE]
    out.append("Live at %s, merged by %s over %s: %s B in %s" % (
        describe_at(m.at), by, "%d of %s" % (len(m.present), processes_text(n))
        if m.missing else processes_text(n), num(m.heap_B),
        plural(m.heap_blocks, "block")))
    out.append("  " + ", ".join("%s %s B" % (name, num(m.classes[i]))
                                for i, name in enumerate(CLASSES)))
    if m.at == "peak":
        out.append("  (a sum of peaks taken at different moments: an upper "
                   "bound)")
    if m.missing:
        out.append("  not in %s: %s" % (processes_text(len(m.missing)),
                                         pids_text(m.missing)))
    out.append(RULE)
    shown = m.rows[:top] if top else m.rows
    out.append("Top %d of %s by live bytes (--by=%s), all processes:"
               % (len(shown), nouns(len(m.rows), by), by))
    if not shown:
        out.append("  (no live blocks)")
        return out
    head = ("bytes", "%", "blocks", "processes")
    body = [(num(r.bytes), pct(r.bytes, m.heap_B), num(r.blocks),
             _pids_text(r)) for r in shown]
    widths = column_widths([head] + body)
    out.append("  " + aligned(head, widths, (3,)) + "  " + BY_HEADINGS[by])
    for r, row in zip(shown, body):
        out.append("  " + aligned(row, widths, (3,)) + "  "
                   + _row_name(r, by, source))
        if by == "stack":
            indent = " " * (sum(widths) + 2 * len(widths) + 2)
            for loc, fn in r.stack:
                out.append(indent + "at %s (%s)" % (escape(fn), escape(loc)))
    return out


def _pids_text(row):
    """'4242' or '4242 60%, 4243 40%' or '... +2': who holds a row."""
    if len(row.parts) == 1:
        return str(row.parts[0][0].pid)
    text = ", ".join("%d %s" % (p.pid, pct(nbytes, row.bytes).split(".")[0]
                                + "%")
                     for p, nbytes, _, _ in row.parts[:PIDS_SHOWN])
    if len(row.parts) > PIDS_SHOWN:
        text += ", +%d" % (len(row.parts) - PIDS_SHOWN)
    return text


def _row_name(row, by, source):
    if by in ("class", "type"):
        return escape(row.location)
    if row.frame is None and row.location == "(unknown)":
        return "(no stack)"
    if by in NAME_ONLY:
        return escape(row.location)
    text = "%s (%s)" % (escape(row.function), escape(row.location))
    if by in ("line", "stack"):
        src = source.get(row.frame)
        if src:
            text += ": " + src
    return text


def tree_json(processes, merged, by, top):
    top_B, top_p, peak_sum = peak_bounds(processes)
    doc = [("format", "pyheap-tree"),
           ("files", [p.path for p in processes]),
           ("by", by),
           ("roots", [p.pid for p in roots(processes)]),
           ("processes", [p.to_json() for p in processes]),
           ("peak", {"sum_bytes": peak_sum, "max_bytes": top_B,
                     "max_pid": top_p.pid if top_p else None,
                     "upper_bound": True, "note": PEAK_NOTE}),
           ("notes", [FORK_NOTE] + ([roots_note(processes)]
                                    if roots_note(processes) else [])),
           ("snapshots", [_merged_json(m, top) for m in merged])]
    return json_lines(doc)


def _merged_json(m, top):
    rows = m.rows[:top] if top else m.rows
    return {"at": m.at,
            "processes": [p.pid for p in m.present],
            "missing": [p.pid for p in m.missing],
            "heap_bytes": m.heap_B, "heap_blocks": m.heap_blocks,
            "by_class": {name: m.classes[i]
                         for i, name in enumerate(CLASSES)},
            "groups": len(m.rows),
            "rows": [r.to_json() for r in rows]}

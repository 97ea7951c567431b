"""pyheap_viewer.cli: pyheap_print's command line: options, the report they pick, errors as one line and an exit status."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Thin on purpose: parse the options (and check the combinations argparse
# cannot), pick a Report from the registry, render it to stdout or -o
# FILE, and map the exceptions of errors.py to one line on stderr and the
# exit status --help documents.  pyheap/pyheap_print runs main().

import argparse
import os
import sys

from . import PROG, VERSION
from .errors import InputError, UsageError
from .formatting import escape, parse_size, parse_tolerance
from .gate import LIMITS
from .grouping import BY_KEYS, USER_BY_KEYS
from .growth import DEFAULT_MIN_TAU, DEFAULT_WARMUP
from .help import HELP, USAGE
from .leaks import DEFAULT_LEAK_LAG
from .model import FORMAT_VERSIONS, At
from .pagedata import DEFAULT_FOLD_BELOW, DEFAULT_SNAPSHOTS
from .registry import EXPORTS, REPORTS
from .reports.base import Inputs, Output


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (status 2) and our own --help."""

    def error(self, message):
        _fail("%s (see --help)" % message.replace("\n", " "), 2)


class _HelpAction(argparse.Action):
    def __init__(self, option_strings, dest, **kwargs):
        argparse.Action.__init__(self, option_strings, dest, nargs=0,
                                 default=argparse.SUPPRESS)

    def __call__(self, parser, namespace, values, option_string=None):
        _print(HELP)
        sys.exit(0)


class _VersionAction(_HelpAction):
    def __call__(self, parser, namespace, values, option_string=None):
        _print("pyheap_print %s (pyheap), reads format version %s\n"
               % (VERSION, ", ".join(str(v) for v in FORMAT_VERSIONS)))
        sys.exit(0)


def _int_range(low, high=None):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError("%r is not an integer" % text)
        if high is None and value < low:
            raise argparse.ArgumentTypeError(
                "%d is out of range (at least %d)" % (value, low))
        if high is not None and not low <= value <= high:
            raise argparse.ArgumentTypeError(
                "%d is out of range (%d to %d)" % (value, low, high))
        return value
    return parse


def _percent(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a number" % text)
    if not 0.0 <= value <= 100.0:
        raise argparse.ArgumentTypeError("%s is out of range (0 to 100)"
                                         % text)
    return value


def _at(text):
    if not text:
        raise argparse.ArgumentTypeError("empty value")
    return At(text)


def _glob(text):
    if not text:
        raise argparse.ArgumentTypeError("empty pattern")
    return text


def _path(text):
    if not text:
        raise argparse.ArgumentTypeError("empty file name")
    return text


def _fraction(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a number" % text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("%s is out of range (0 to 1)"
                                         % text)
    return value


def _size(text):
    try:
        parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc))
    return text


def _labelled_size(text):
    name, sep, size = text.rpartition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError("%r is not NAME=SIZE" % text)
    _size(size)
    return text


def _tolerance(text):
    try:
        parse_tolerance(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc))
    return text


def parse_args(argv):
    parser = _Parser(prog=PROG, usage=USAGE, add_help=False,
                     allow_abbrev=False)
    parser.add_argument("-h", "--help", action=_HelpAction)
    parser.add_argument("--version", action=_VersionAction)
    parser.add_argument("--format", choices=("text", "json", "csv"),
                        default=None)
    parser.add_argument("--at", type=_at, default=None)
    parser.add_argument("--at2", type=_at, default=None)
    parser.add_argument("--by", choices=BY_KEYS + USER_BY_KEYS,
                        default=None)
    parser.add_argument("--user-code", type=_glob, action="append",
                        default=[], metavar="GLOB")
    parser.add_argument("--innermost", action="store_true")
    parser.add_argument("--depth", type=_int_range(1), default=None)
    parser.add_argument("--filter", type=_glob, action="append",
                        default=[])
    parser.add_argument("--top", type=_int_range(0), default=None)
    parser.add_argument("--threshold", type=_percent, default=None)
    parser.add_argument("--x", type=_int_range(4, 1000), default=72)
    parser.add_argument("--y", type=_int_range(4, 1000), default=20)
    parser.add_argument("--samples", type=_int_range(0), default=100)
    parser.add_argument("--no-source", action="store_true")
    parser.add_argument("--no-summary", action="store_true")
    parser.add_argument("--summary", action="store_true")
    parser.add_argument("--annotate", type=_path, default=None,
                        metavar="FILE.py")
    parser.add_argument("--diff", action="store_true")
    parser.add_argument("--html", type=_path, default=None,
                        metavar="REPORT.html")
    parser.add_argument("--html-snapshots", type=_int_range(1),
                        default=None)
    parser.add_argument("--fold-below", type=_percent, default=None)
    parser.add_argument("--export", choices=tuple(EXPORTS),
                        default=None)
    parser.add_argument("-o", "--output", type=_path, default=None,
                        metavar="FILE")
    # Leak hunting and the CI gate.
    parser.add_argument("--growth", action="store_true")
    parser.add_argument("--leaks", action="store_true")
    parser.add_argument("--retainers", action="store_true")
    parser.add_argument("--type", type=_glob, action="append", default=[])
    parser.add_argument("--min-tau", type=_fraction, default=None)
    parser.add_argument("--warmup", type=_int_range(0), default=None)
    parser.add_argument("--leak-lag", type=_int_range(0), default=None)
    parser.add_argument("--check", action="store_true")
    for key, labelled, _ in LIMITS:
        parser.add_argument("--" + key, action="append", default=[],
                            type=_labelled_size if labelled else _size)
    parser.add_argument("--config", type=_path, default=None)
    parser.add_argument("--baseline", type=_path, default=None)
    parser.add_argument("--gen-baseline", type=_path, default=None)
    parser.add_argument("--tolerance", type=_tolerance, default=None)
    parser.add_argument("--error-exitcode", type=_int_range(0, 255),
                        default=None)
    parser.add_argument("--junit-xml", type=_path, default=None)
    parser.add_argument("files", metavar="FILE", nargs="+")
    options = parser.parse_args(argv)
    _check_options(parser, options)
    options.argv = list(argv)
    return options


def _check_options(parser, options):
    """The combinations argparse cannot check; status 2."""
    files = options.files
    # Several files (or a directory, or a %p pattern) but for --diff's
    # two: the files of one run's processes (tree.py).
    options.tree = not options.diff and (
        len(files) > 1 or any(os.path.isdir(f) or ("%p" in f and not
                                                    os.path.exists(f))
                              for f in files))
    # --by=user-line and the like: --by=line in the user view (naming.py).
    options.user_by = bool(options.by and options.by.startswith("user-"))
    if options.user_by:
        if options.innermost:
            parser.error("--by=%s and --innermost do not go together"
                         % options.by)
        options.by = options.by[len("user-"):]
    if options.innermost and options.user_code:
        parser.error("--user-code and --innermost do not go together")
    if options.html is None and options.threshold is None:
        options.threshold = 1.0
    if options.html is not None:
        # The page holds every view: it goes with --diff (its compare
        # view) and with the options that shape what it reads.
        for name, on in (("--format", options.format is not None),
                         ("-o", options.output is not None),
                         ("--by", options.by is not None),
                         ("--top", options.top is not None),
                         ("--threshold", options.threshold is not None)):
            if on:
                parser.error("%s does not go with --html (the page has "
                             "every table)" % name)
        if options.at is not None and not options.diff:
            parser.error("--at goes with --html only with --diff (the page "
                         "holds every snapshot)")
        if options.html_snapshots is None:
            options.html_snapshots = DEFAULT_SNAPSHOTS
        if options.fold_below is None:
            options.fold_below = DEFAULT_FOLD_BELOW
    else:
        for name, value in (("--html-snapshots", options.html_snapshots),
                            ("--fold-below", options.fold_below)):
            if value is not None:
                parser.error("%s goes with --html only" % name)
    modes = [name for name, on in (("--diff", options.diff and
                                    options.html is None),
                                   ("--html", options.html is not None),
                                   ("--annotate", options.annotate),
                                   ("--export", options.export),
                                   ("--growth", options.growth),
                                   ("--leaks", options.leaks),
                                   ("--retainers", options.retainers),
                                   ("--check", options.check),
                                   ("--summary", options.summary)) if on]
    if len(modes) > 1:
        parser.error("%s and %s do not go together" % tuple(modes[:2]))
    check_only = [name for name, on in (
        ("--config", options.config), ("--baseline", options.baseline),
        ("--gen-baseline", options.gen_baseline),
        ("--tolerance", options.tolerance),
        ("--error-exitcode", options.error_exitcode is not None),
        ("--junit-xml", options.junit_xml))
        + tuple(("--" + key, getattr(options, key.replace("-", "_")))
                for key, _, _ in LIMITS) if on]
    if check_only and not options.check:
        parser.error("%s goes with --check only" % check_only[0])
    if options.check:
        if options.format == "csv":
            parser.error("--check prints text or json")
        if options.by == "type":
            parser.error("--by=type does not go with --check (the per-site "
                         "limits need stacks; --type=GLOB selects types)")
        if options.at is not None:
            parser.error("--at does not go with --check (each limit names "
                         "its snapshot)")
    if (options.growth or options.leaks) and options.at is not None:
        parser.error("--at does not go with --%s (it reads every snapshot)"
                     % ("growth" if options.growth else "leaks"))
    if (options.min_tau is not None and not
            (options.growth or options.check)):
        parser.error("--min-tau goes with --growth or --check")
    for name, value in (("--warmup", options.warmup),
                        ("--leak-lag", options.leak_lag)):
        if value is not None and not (options.growth or options.leaks
                                      or options.check):
            parser.error("%s goes with --growth, --leaks or --check" % name)
    if not options.check:
        if options.by is None:
            options.by = "line"
        if options.min_tau is None:
            options.min_tau = DEFAULT_MIN_TAU
        if options.warmup is None:
            options.warmup = DEFAULT_WARMUP
        if options.leak_lag is None:
            options.leak_lag = DEFAULT_LEAK_LAG
    if options.diff:
        if len(files) > 2:
            parser.error("unrecognized arguments: %s (--diff compares two "
                         "files, or two snapshots of one)"
                         % " ".join(files[2:]))
        if len(files) == 1 and (options.at is None or options.at2 is None):
            parser.error("--diff with one FILE needs --at and --at2 (the "
                         "two snapshots to compare)")
    else:
        if options.tree:
            _check_tree_options(parser, options, modes)
        if options.at2 is not None:
            parser.error("--at2 goes with --diff only")
    if options.export:
        if options.format is not None:
            parser.error("--format does not go with --export (the export "
                         "is its own format)")
        if options.export in ("massif", "json") and options.at is not None:
            parser.error("--at does not go with --export=%s (it exports "
                         "every snapshot)" % options.export)
    if options.annotate and options.format not in (None, "text"):
        parser.error("--annotate prints text only")
    if options.retainers and options.format == "csv":
        parser.error("--retainers prints text or json")
    if options.retainers and options.by in ("type", "class"):
        parser.error("--by=%s does not go with --retainers (its rows are "
                     "places in the code; each says its type and class)"
                     % options.by)
    options.file = files[0]
    if options.format is None:
        options.format = "text"


def _check_tree_options(parser, options, modes):
    """What goes with several files: the default report, --format=json
    and --check."""
    if modes and modes[0] != "--check":
        parser.error("%s reads one file (several files, the processes of "
                     "a run, go with the default report, --format=json and "
                     "--check)" % modes[0])
    if options.format == "csv":
        parser.error("--format=csv reads one file (for several files, the "
                     "processes of a run: --format=json)")
    if options.at is not None and options.at.how == "n":
        parser.error("--at=%s: a sample number is one process's; with "
                     "several files use peak, exit or a label"
                     % options.at.text)


def report_for(options):
    """The Report class the options pick."""
    if options.tree and not options.check:
        return REPORTS["tree"]
    if options.export:
        return EXPORTS[options.export]
    if options.html is not None:
        return REPORTS["html"]
    for mode in ("diff", "annotate", "check", "growth", "leaks",
                 "retainers", "summary"):
        if getattr(options, mode):
            return REPORTS[mode]
    return REPORTS[options.format]


def run(options, out):
    """Render the report the options pick to `out` (an Output); return
    the exit status."""
    report = report_for(options)()
    return report.render(Inputs(options, report.wants_user_view(options)),
                         options, out)


def _print(text):
    """Write text to stdout (--help, --version)."""
    out = Output()
    out.write(text)
    out.close()


def _fail(message, status):
    line = "%s: error: %s\n" % (PROG, escape(message))
    sys.stderr.flush()
    sys.stderr.buffer.write(line.encode("utf-8", "backslashreplace"))
    sys.stderr.flush()
    sys.exit(status)


def main(argv=None):
    """Run pyheap_print with `argv` (default: sys.argv[1:]); return 0 or
    raise SystemExit with the exit status (1 to 3, or --error-exitcode)."""
    if argv is None:
        argv = sys.argv[1:]
    options = parse_args(argv)
    status = 0
    try:
        out = Output(options.html if options.html is not None
                     else options.output)
        try:
            status = run(options, out)
            out.close()
        finally:
            out.release()
    except UsageError as exc:
        _fail("%s (see --help)" % exc, 2)
    except InputError as exc:
        _fail(str(exc), 1)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("PYHEAP_PRINT_DEBUG"):
            raise
        _fail("%s: internal error: %s: %s (please report it; "
              "PYHEAP_PRINT_DEBUG=1 shows a traceback)"
              % (options.file, type(exc).__name__, exc), 1)
    if status:
        sys.exit(status)
    return 0

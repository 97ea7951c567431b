"""pyheap_viewer: the code of pyheap_print, the report viewer of pyheap output files (standard library only, Python >= 3.8).

pyheap/pyheap_print is the command; it only finds this package and runs
cli.main().  The stages are heaptrack's: one reader (reader.py) for every
front end, analyses that compute (naming to leaks), presentation that
formats (reports/, exports/).  The file format is docs/file-format.md.

The modules, in the one direction of imports: each imports only modules
listed above it (tests/test_viewer_package.py checks it).

  errors               every exception, and the exit status each means
  formatting           numbers, sizes (the size grammar), escapes, the
                       column layout of every table, JSON and CSV text
  model                the file's content: Frame, Arena, SiteTable,
                       Snapshot, Samples, Profile; At (--at)
  records              the fields of each record, free text, and what is
                       wrong with a malformed record
  invariants           the format's rules that span records (sums, order,
                       64-bit numbers), checked as the reader goes
  reader               read_profile(): the one streaming, validating
                       reader
  naming               the location rule (Locator, frame_name) and the
                       module rule (ModuleNamer)
  view                 View: a profile with --filter, --depth and --type
                       applied, and the naming caches of its stacks
                       (passed explicitly); StreamView for streamed files
  grouping             --by: Group, group_sites(), GroupKey; CallTree
  births               the leak verdict from when each group's survivors
                       were born (format 2's birth epochs)
  pinning              the arenas kept mapped at low use, and the lines
                       whose live blocks keep them
  growth               --growth's analysis: trends of live bytes
  leaks                --leaks' analysis: what each iteration leaves
  retainers            --retainers' analysis: who holds each line's
                       blocks (format 3's held chains), what nothing holds
  gate                 --check: limits, configuration files, baselines,
                       their evaluation
  tree                 several files of one run (a process tree): the
                       files, pid/ppid links, groups merged by site, the
                       gate over the tree
  pagedata             what the HTML report's page shows, as one JSON-ready
                       dict: frames, stacks, timelines, folded snapshots,
                       tables, the verdict
  reports              (the package of the reports)
  reports.base         the Report interface, Inputs (what a report
                       reads), Output (stdout or -o FILE), Spool (a
                       streamed export's output until the file is
                       checked); text pieces
  reports.summary      the default report's first screen: the answer
  reports.text         the default report (--format=text)
  reports.json_report  --format=json, the JSON contract
  reports.csv_report   --format=csv
  reports.annotate     --annotate=FILE.py
  reports.diff         --diff
  reports.growth       --growth
  reports.leaks        --leaks
  reports.retainers    --retainers
  reports.check        --check: summary, JSON, JUnit XML, baseline file
  reports.tree         several files: the processes, then their memory
                       merged by site (text, json)
  reports.html         --html=FILE: one self-contained page (its script,
                       style and template are html/report.*)
  exports              (the package of the exports)
  exports.massif       --export=massif (streamed)
  exports.collapsed    --export=collapsed
  exports.speedscope   --export=speedscope
  exports.json_export  --export=json (streamed)
  registry             REPORTS and EXPORTS: every Report by name
  help                 the --help text, source of the man page
  cli                  options, report_for(), run(), main()

Every report and export is a Report (reports/base.py):

    render(inputs, options, out) -> exit status

it reads what it shows through `inputs` (the sites of the snapshots it
reports on, the totals; a View with the options' view applied), writes
with out.write(text), and returns 0 (--check: the gate's status).

Where things go.  A new report: a module in reports/ (or exports/) with
one Report subclass, its name in registry.py, its line above, its module
in Makefile.am's lists; cli.py picks it (report_for()) from an option
declared in parse_args(), checked against the others in
_check_options(), and documented in help.py (the man page follows).  A
new option of an existing report: parse_args(), _check_options(),
help.py, and the report reads options.NAME.  A rule for naming sites
(such as the innermost frame in the user's own code) goes to naming.py
and is cached by the View; a new --by key to grouping.py; a new analysis
(such as a leak verdict from birth times) to a module of its own after
leaks, before gate.  Keep modules under ~1,000 lines and functions under
~150 (tests/test_viewer_package.py checks both).

Determinism: every sort has a complete key, numbers are formatted without
locale, and the output is always UTF-8, so identical input gives
byte-identical output.
"""
# SPDX-License-Identifier: GPL-2.0-or-later

VERSION = "0.1.0"
PROG = "pyheap_print"

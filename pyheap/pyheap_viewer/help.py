"""pyheap_viewer.help: pyheap_print's --help text, the one source of its man page (pyheap/mkman), and its usage lines."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# mkman turns HELP into pyheap_print(1): keep its layout (usage lines, a
# first paragraph, "options:", "examples:", "exit status:" and other
# paragraphs at column 0) and its lines within 79 columns.

USAGE = ("usage: pyheap_print [options] FILE\n"
         "       pyheap_print --summary [options] FILE\n"
         "       pyheap_print --diff [options] OLD NEW\n"
         "       pyheap_print --diff --at=A --at2=B [options] FILE\n"
         "       pyheap_print --html=REPORT.html [--diff] [options] FILE...\n"
         "       pyheap_print --growth | --leaks | --retainers [options] FILE\n"
         "       pyheap_print --check [limits] [--config=FILE] "
         "[--baseline=FILE] [--junit-xml=FILE] FILE\n"
         "       pyheap_print [--format=json | --check [limits]] [options] "
         "FILE FILE... | DIR | NAME.%p")

HELP = """\
usage: pyheap_print [options] FILE
       pyheap_print --summary [options] FILE
       pyheap_print --diff [options] OLD NEW
       pyheap_print --diff --at=A --at2=B [options] FILE
       pyheap_print --html=REPORT.html [--diff] [options] FILE...
       pyheap_print --growth | --leaks | --retainers [options] FILE
       pyheap_print --check [limits] [--config=FILE] [--baseline=FILE]
                    [--junit-xml=FILE] FILE
       pyheap_print [--format=json | --check [limits]] [options]
                    FILE FILE... | DIR | NAME.%p

Print a report of a pyheap output file, the file that
`valgrind --tool=pyheap python3 app.py` writes (pyheap.out.<pid>), like
ms_print does for massif; compare two files or two snapshots (--diff);
annotate a source file (--annotate); export to the formats of other tools
(--export).  The default report opens with the answer: which lines of
your own code hold the memory and which keep growing (--summary alone).
Several files of one run (a parent and its forked, multiprocessing or
--trace-children=yes children) are reported together, and --check gates
the whole tree (below: "Several files").
The file format is docs/file-format.md (versions 1, 2 and 3).

options:
  -h, --help            show this message and exit
  --version             show pyheap_print's version and exit
  --format=text|json|csv  the report to print [text]
                        text: for a terminal (described below);
                        json: a JSON array for scripts and CI (below);
                        csv: the rows of the JSON array as CSV (below)
  --at=WHEN             the snapshot to report on [json, csv, --diff,
                        --annotate, --export=collapsed|speedscope: the
                        peak; text: the peak, every user and region
                        snapshot and the exit, in time order; with --at,
                        that snapshot only]
                          peak      the exact peak of the heap
                          exit      what was still live at the end
                          N         the snapshot taken at sample number N
                          LABEL     the user snapshot with that label
                                    (pyheap.snapshot(LABEL)) or the
                                    region snapshot of that name (with
                                    pyheap.region(LABEL)); if several
                                    have it, the last one
                          label:LABEL  the same, for a label that is a
                                    number or 'peak', 'exit', 'label:...'
                        WHEN naming no snapshot is an error (status 1)
  --by=KEY              how sites are grouped in the top table (text),
                        the rows (json, csv) and --diff [line]; in the
                        text reports, --growth, --leaks and --check a
                        site is named by its line in your own code (the
                        user view, below)
                          line      the allocating line (file:line)
                          function  the function (file + function)
                          file      the file
                          stack     the whole stack (the stacks the file
                                    records, as they are, or as --depth
                                    cuts them)
                          module    the module (dotted name; the module
                                    rule below)
                          package   the top-level package: the import
                                    package, "stdlib" for the whole
                                    standard library, the program's own
                                    top directories (below)
                          class     the three classes: raw, pymalloc,
                                    python-large
                          type      the Python type of the object each
                                    block holds ("(no object)" for a
                                    list's items, a dict's keys...);
                                    Python blocks only, and only in exit,
                                    user and region snapshots
                          user-line, user-function, user-file,
                          user-module, user-package
                                    the same by the user view, in every
                                    report (json and csv too)
  --user-code=GLOB      what counts as your own code: the Python frames
                        whose file matches GLOB (fnmatch, or the base
                        name for a GLOB without '/'); repeatable [the
                        rule below: not the standard library, not
                        site-packages or dist-packages, not frozen
                        import machinery, not pyheap's own module]
  --innermost           name every site by its innermost frame, as
                        massif does (the user view off)
  --depth=N             cut every stack to its N innermost frames (N >= 1)
                        before grouping, trees and exports: sites whose
                        cut stacks are equal become one [no limit]
  --filter=GLOB         keep only the sites whose stack has a frame that
                        matches GLOB, an fnmatch pattern (*, ?, [...];
                        case-sensitive), tried on the frame's file name as
                        recorded (for a native frame also its object
                        file), on its base name if GLOB has no '/', and
                        on its function name.  Repeatable: a site is kept
                        if it matches any GLOB.  Checked on the whole
                        recorded stack, before --depth; a site without a
                        stack matches nothing.  Applies to every report,
                        view and export (the header's figures, the graph
                        and the samples stay the whole heap's)
  --top=N               show the N biggest groups only; 0 means all
                        [10 for text, all for json, csv and --diff]
  --threshold=PCT       in the text report's trees, fold the branches
                        below PCT percent of the snapshot's heap into one
                        "N sites below threshold" line; in the massif
                        export, massif's threshold [1.0]
  --x=N                 width of the graph, 4 to 1000 columns [72]
  --y=N                 height of the graph, 4 to 1000 rows [20]
  --samples=N           at most about N rows in the table of samples: the
                        first, the last, those of snapshots and evenly
                        spaced ones; 0 means all [100]
  --summary             print the default report's first screen only:
                        the peak and exit by class, the arenas, the
                        leak verdict and the top lines of your code
  --no-summary          the default report without that first screen
                        (ms_print's order: header, graph, samples, ...)
  --no-source           do not show the source line of Python locations
                        (the text report reads it from the file named,
                        relative to the current directory)
  --annotate=FILE.py    print FILE.py with, for each line, the bytes and
                        blocks live at the snapshot (--at, default the
                        peak) whose innermost Python frame is that line,
                        and the bytes and blocks allocated there over the
                        whole run (the file's totals, freed or not); lines
                        with nothing have blank columns (below)
  --diff                compare: two files OLD and NEW (the snapshot --at
                        of each, default the peak; --at2 for NEW's if it
                        differs), or two snapshots of one FILE (--at and
                        --at2, both needed).  Rows grouped by --by, with
                        bytes and blocks before, after and the change,
                        sorted by the absolute change in bytes, biggest
                        first (equal changes in the order of the
                        location); groups that did not change are left
                        out, a group present on one side only has 0 on
                        the other; then the total of all groups.
                        --format=text|json|csv (below)
  --at2=WHEN            with --diff: the NEW snapshot (as --at)
  --html=REPORT.html    write the HTML report: one self-contained page
                        (its script, style and data inline; it fetches
                        nothing, and works from file:// offline) with the
                        heap over time by class, a flame graph of the
                        live bytes of any snapshot by Python stack (zoom,
                        search, invert, hide the standard library,
                        site-packages, import machinery or native
                        frames), the verdict, tables by line, function,
                        package and type, and any two snapshots compared.
                        With --diff, OLD and NEW (or --at and --at2 of one
                        FILE) open compared: a differential flame graph
                        (red grew, blue shrank) and the lines that
                        changed (below)
  --html-snapshots=N    with --html: keep the sites of N snapshots (the
                        peak, the exit and labelled ones first, then
                        others evenly spread) [40]; every snapshot is on
                        the timeline
  --fold-below=PCT      with --html: fold a stack that holds less than
                        PCT percent of the heap, with its callees, in
                        every snapshot of the page into its nearest
                        caller that holds more (the graph shows a
                        "(folded)" frame there, the page says how many
                        stacks and bytes; all snapshots fold the same
                        stacks, so that any two compare) [0.05]; 0 keeps
                        every stack
  --export=FORMAT       write the profile in another tool's format
                        (below): massif, collapsed, speedscope or json
  -o FILE, --output=FILE  write the output to FILE instead of stdout
  --type=GLOB           keep only the blocks whose Python type matches
                        GLOB (fnmatch; "(no object)" names blocks that
                        hold none); repeatable.  In snapshots with types
                        (exit, user, region) a site keeps its blocks of
                        those types; in the others, the sites whose stack
                        holds such an object in a snapshot with types
                        keep all their bytes
Leak hunting (described below):
  --growth              rank the sites (--by) whose live bytes rise
                        steadily over the run, from every snapshot with
                        sites; text, json or csv
  --leaks               with iteration marks (pyheap.mark()): per site,
                        the bytes allocated in an iteration and still
                        live --leak-lag iterations later, the growth per
                        iteration and the survivors to the end
  --retainers           who holds it: for the growing and the biggest
                        sites (--by) of the exit snapshot (or --at's),
                        the chain of pointers that keeps their blocks
                        alive, to the first holder with a name (a
                        module global, a class attribute, a dict key);
                        then the blocks nothing points at any more;
                        text or json (format 3 files)
  --min-tau=F           --growth: the steadiness (0 to 1) a site needs to
                        be "growing" [0.6]
  --warmup=N            the first N iterations are warm-up, left out
                        [1]
  --leak-lag=N          --leaks: iterations between an allocation and the
                        look at it; less than the file's mark_window [1]
The CI gate (described below):
  --check               evaluate the limits, print a summary, exit with
                        status 3 (--error-exitcode) if one is crossed
  --max-peak=SIZE       the heap at its peak
  --max-live=SIZE       the heap at the exit snapshot
  --max-live-at=LABEL=SIZE  the heap at the snapshot LABEL (as --at);
                        repeatable
  --max-region=NAME=SIZE  what each region whose name matches the glob
                        NAME left behind; repeatable
  --max-growth-per-iter=SIZE  each site's growth per iteration (marks)
  --max-growth=SIZE     each steadily growing site's growth over the run
  --max-unreachable=SIZE  the C memory at exit nothing reachable points
                        at (--retainers: a malloc never freed), by line
  --config=FILE         the configuration file [pyheap.cfg, then
                        pyproject.toml, then setup.cfg]
  --baseline=FILE       accept the known growth FILE lists (below)
  --gen-baseline=FILE   write a baseline accepting every site over a
                        per-site limit now
  --tolerance=PCT%|SIZE  how far above its baseline figure a site may go
                        [10%]
  --error-exitcode=N    the exit status when a limit is crossed, 0 to 255
                        (0: report only) [3]
  --junit-xml=FILE      also write JUnit XML: one testcase per limit

The text report:
  first a summary of at most about 25 lines: the peak and the exit by
  class, the arenas (and how many are under 30% use, kept mapped by a
  few live blocks), the verdict (the lines --growth calls growing, with
  what they hold at exit, their share, rate, type and the library frame
  that allocated: "via csv.py:111 DictReader.__next__") and the lines of
  your own code that hold the most at the peak.  Then a header (command,
  versions, options, time unit, total allocated over
  the run, the peak split by class, and pymalloc's arenas at the peak:
  bytes the arenas hold, live pymalloc bytes, and the fragmentation
  = arena bytes - pymalloc slot bytes), the graph of the heap over time
  ('#' the peak, '@' a detailed snapshot, ':' a sample), the table of
  samples, then for each chosen snapshot a tree of its live memory by
  stack, from the outermost caller down to the allocating line (each node:
  percent of the snapshot's heap, bytes, blocks, and for the sites the
  classes; "[allocated here]" is the memory allocated by that frame
  itself, not by its callees), and a top table (--by, --top).  Where the
  source file of a Python location can be read, its line is shown.
  Native frames are shown as Valgrind does: "0xIP: function (file:line)"
  or "0xIP: function (in object)".  Numbers have thousands separators.

The JSON output (--format=json): an array, biggest first, of objects
  {"location": ..., "function": ..., "bytes": N, "blocks": N,
   "by_class": {"raw": N, "pymalloc": N, "python-large": N},
   "user_location": ..., "user_function": ...}
  with, for --by=stack, "stack": [{"location": ..., "function": ...}, ...]
  innermost frame first.  Ties are ordered by location (file, then line
  or address as a number), then function (then stack).
  location and function name the frame that names a site: the innermost
  Python frame of its stack; in a stack without one, the innermost native
  frame that is not an allocation function (malloc, operator new, ...).
  A Python frame's location is "file:line"; a native frame's is
  "file:line" if its source file is known, else "object@0xIP", else
  "0xIP"; an unknown function is "???".  A site without a stack has
  location "(unknown)" and function "".  With --by=function and --by=file
  the location is the file alone (for a native frame without a source
  file: the object file, else "???"); with --by=file the function is "".
  With --by=module, --by=package and --by=class the location is the
  module, the package or the class name and the function is "".
  user_location and user_function name the innermost frame of the row's
  memory that is your own code (the user view below; the one holding most
  of its bytes if its stacks differ), null when its stacks have none
  (start-up, imports, a library's own thread); they equal location and
  function when that frame is already yours.  By a user-* key the rows
  are the user view's, and a row also has "via": [{"location",
  "function", "bytes"}, ...], the library frames that allocated its
  memory, biggest first.
  Numbers are plain integers (bytes).

The user view: the innermost frame of a stack is often a library's
  (csv.py makes the rows, numpy's numeric.py the buffer, logging the
  logger); the line you can change is the innermost frame in your own
  code.  A Python frame is library code when its file is frozen
  ("<frozen importlib._bootstrap>"), in a site-packages or dist-packages
  directory, in the standard library (.../lib/pythonX.Y/), pyheap's own
  (pyheap.py, pytest_pyheap.py, pyheap_viewer/), or code such a frame
  exec'd ("<string>" run by site.py); any other file is yours, "<string>"
  and "<stdin>" of your own exec or python3 -c included.  --user-code
  replaces the rule.  The text reports, --growth, --leaks and --check
  name each site by its user frame (stacks without one keep their
  innermost frame) and say which library frame allocated ("via ...");
  json, csv, --annotate and the exports keep the innermost frame.

The CSV output (--format=csv): the same rows, in the same order, after a
  header row: location,function,bytes,blocks,raw,pymalloc,python-large
  (by_class as three columns), and for --by=stack a last column "stack":
  the frames innermost first, "function (location)" joined by " <- ".
  RFC 4180 quoting, "\\n" line ends, UTF-8.

The module rule (--by=module, --by=package), from the name of the file of
  the frame that names the site (the location rule above):
    "<frozen NAME>"            module NAME, package "stdlib"
    another "<...>" name       that name for both ("<string>")
    .../site-packages/REST,    module REST as a dotted name (".py" and a
    .../dist-packages/REST     last "__init__" dropped), package REST's
                               first component: the top-level package
    .../lib/pythonX.Y/REST     the standard library (also lib64/ and
                               lib-dynload/): module REST, package "stdlib"
    the program's own files    relative to the program's root: module the
                               dotted relative path, package its first
                               directory, or "(main program)" for a file
                               in the root itself (the script: module
                               "app" for app.py)
    any other file             its path, for both
  The file records no sys.path: the program's root is the directory of
  the script the command line (meta cmd) names, as the Python frames
  spell it (`python3 [options] SCRIPT`), or for `python3 -m MOD` the
  directory that holds MOD's package; file names relative to the current
  directory count as relative to the root.  Without a root (python3 -c,
  a script without Python frames), absolute names are "any other file".
  A site named by a native frame has its object file as module and the
  object's base name as package ("???" when unknown); a site without a
  stack has "(unknown)" for both.

--annotate=FILE.py: FILE.py is the file whose frames name it exactly, or
  the same file on this machine, or the one file of the profile whose
  name ends with FILE.py's path (or the other way round); the source is
  read as Python reads it (PEP 263 coding).  Columns: Line #, Live (B),
  Live blocks, Total (B), Total blocks, Line Contents, then the sums
  ("all") and the lines the profile names that the file does not have
  (the file changed since the run).  A missing FILE.py is an error
  (status 1).  Text only.

--diff output: text: the two snapshots, then one row per changed group:
  old bytes, new bytes, change, old blocks, new blocks, change and the
  group, then the total of all groups; json: an object
  {"old": SIDE, "new": SIDE, "by": KEY, "changed": N, "groups": N,
   "total": ROW, "rows": [ROW, ...]} where SIDE is {"file", "snapshot"
  (sample number), "kind", "label", "time", "heap_bytes", "heap_blocks"}
  and ROW is {"location", "function", "bytes_before", "bytes_after",
  "bytes_change", "blocks_before", "blocks_after", "blocks_change",
  "by_class_change": {"raw", "pymalloc", "python-large"}} (and "stack"
  for --by=stack; the total has no names); csv: the rows with columns
  location,function,bytes_before,bytes_after,bytes_change,blocks_before,
  blocks_after,blocks_change,raw_change,pymalloc_change,
  python-large_change[,stack], the last row the total, location
  "(total)".  Groups are matched by their names (for --by=stack, the
  whole stack), so the two files may come from different runs.

The HTML report (--html=FILE): nothing is left out without the page
  saying so.  Each snapshot's tables are exact (the 100 biggest rows and
  the sum of the rest); the flame graph folds small stacks into their
  callers (--fold-below), so every byte stays under the frames that hold
  it.  Every name the program gave (files, functions, types, labels, the
  command line) is shown as text, never as markup, and the page's
  Content-Security-Policy allows only its own script and style.

Exports (--export=FORMAT; to stdout, or to FILE with -o; --filter and
  --depth apply to all of them):
  massif      a massif output file for ms_print and massif-visualizer:
              desc: (pyheap's options), cmd:, time_unit:, one snapshot per
              sample (same numbers; mem_heap_B the heap, mem_heap_extra_B
              and mem_stacks_B 0), detailed where pyheap took a snapshot
              (heap_tree=peak for the peak; not where a region's
              snapshot, which holds part of the heap only, is), with
              massif's tree: from the allocating frame out to the
              callers, biggest first, branches below --threshold folded
              as massif does.  Python frames get the synthetic address
              0x1000000000000 + their frame id:
              "0x1000000000007: load (app.py:8)"
  collapsed   collapsed stacks (flamegraph.pl, speedscope, inferno) of the
              snapshot --at (default the peak): one line per stack,
              "outermost;...;innermost BYTES", frames "function
              (file:line)" (native frames without a source file:
              "function (in object)"), ';' in a name becomes ',', sorted;
              the bytes add up to the snapshot's heap
  speedscope  speedscope's JSON file format: "$schema", "shared":
              {"frames": [{"name", "file", "line"}]}, one profile of type
              "sampled" for the snapshot --at (default the peak) with
              "name", "unit": "bytes", "startValue": 0, "endValue" (the
              total), "samples" (frame indexes, outermost first, one per
              stack) and "weights" (bytes), biggest first
  json        everything the file holds, described below

The JSON export (--export=json): one object
  {"format": "pyheap-export", "version": 1,
   "source": {"file": FILE, "format_version": 1},
   "meta": {KEY: VALUE, ...}     the file's meta records, as strings
   "time_unit": "B",
   "peak": {"n", "time", "heap_bytes"} or null,
   "totals": {"classes": CLASSES, "sites": [SITE, ...]}   over the run
   "frames": [FRAME, ...]        the frames the sites' stacks use
   "samples": [{"n", "time", "heap_bytes", "heap_blocks", "raw_bytes",
                "pymalloc_bytes", "python_large_bytes", "arena_bytes",
                "arena_count"}, ...]
   "snapshots": [{"n", "time", "kind", "label" (null but for user and
                  region snapshots), "classes": CLASSES,
                  "arena": {"count", "arena_bytes", "pymalloc_bytes",
                            "pymalloc_slot_bytes", "other_bytes"},
                  "sites": [SITE, ...],
                  "typed_sites": [SITE + "type", ...]}, ...]}
  CLASSES is {"raw": {"bytes", "blocks"}, "pymalloc": ...,
  "python-large": ...}; a FRAME is {"id", "kind": "py", "file", "line",
  "function"} or {"id", "kind": "c", "ip": "0x...", "function", "file",
  "line", "object"} (null when unknown), in the order of "id", the
  file's frame id; a SITE is {"location", "function" (the location
  rule), "class", "bytes", "blocks", "stack": [frame id, ...] innermost
  first, the whole stack (as --depth cuts it; [] for none)}, one per
  stack and class, biggest first, then by stack and class.
  "typed_sites" are the file's `y` records (the live Python blocks split
  by the type of the object they hold, "type" null for a block that
  holds none), empty where the file has none.  A region snapshot's sites
  are the blocks allocated inside the region only.  Every array of
  objects has one object per line.

Several files: the processes of one run (a process tree).  pyheap writes
  one file per process: a forked child (os.fork(), multiprocessing's fork
  start method) writes its own, and so does each program run under
  --trace-children=yes; --pyheap-out-file=run.%p.out names them by pid.
  Give them all: as FILE FILE... (run.*.out), as a directory (its files
  that begin "pyheap-out"), or as NAME.%p (the files whose %p is a pid).
  Without --diff (whose two files keep their meaning), several files go
  with the default report, --format=json and --check; the other modes
  read one file.  The files are read one at a time (memory: the biggest
  file's, plus the groups of each).  They are related by their meta pid
  and ppid: a file whose ppid is no other file's pid is shown as a root
  of its own (a process of another run, or a child whose parent exited
  first: the ppid is the one it had at exit); two files with one pid are
  an error (status 1), as is any file that cannot be read.
  Text: the processes, children indented under their parent: pid, ppid,
  peak, bytes live at exit, how it ended, its file and command; then for
  each process's own peak and for its exit (or --at=peak|exit|LABEL: a
  LABEL in the processes that have it; not a sample number) the live
  bytes of all processes by class and the top --top groups (--by, as for
  one file: the user view; --by=type: exit only) summed over the
  processes, with the processes that hold each ("4242 60%, 4243 40%").
  At exit the sums are exact.  The peaks are not simultaneous: each
  process's peak is its own, at its own moment (each file has its own
  clock), so their sum is an upper bound of the tree's peak, which lies
  between the biggest process peak and that sum; the report says so.  A
  forked child starts with a copy of its parent's heap: what it
  inherited counts in each process that holds it, as RSS counts shared
  copy-on-write pages.  One process's own report: pyheap_print FILE.
  --format=json: one object {"format": "pyheap-tree", "files", "by",
  "roots": [pid], "processes": [{"pid", "ppid", "parent" (pid, or null
  for a root), "children": [pid], "depth", "file", "command", "end" (meta
  end), "ended" (in words), "peak_bytes", "exit_bytes", "exit_blocks",
  "time_unit"}] (in tree order), "peak": {"sum_bytes", "max_bytes",
  "max_pid", "upper_bound": true, "note"}, "notes", "snapshots": [{"at"
  ("peak", "exit" or the label), "processes": [pid], "missing": [pid],
  "heap_bytes", "heap_blocks", "by_class", "groups", "rows": [ROW +
  "processes": [{"pid", "bytes", "blocks", "by_class"}]]}]}, ROW as in
  the JSON output above (location, function, bytes, blocks, by_class,
  user_location and user_function (and via) of the process holding most
  of it; stack for --by=stack); each row's processes add up to its
  bytes, blocks and classes, the rows (all of them: --top cuts) to the
  snapshot's, and those to the processes' own heaps.
  --check: the limits apply to the whole tree.  --max-peak is the sum of
  the processes' peaks (the upper bound above); --max-live and
  --max-live-at the sum over the processes that have the snapshot; their
  top offender is the biggest site summed over the processes, with the
  process that holds most of it.  --max-region, --max-growth-per-iter and
  --max-growth are evaluated in each process: a leak in a worker fails
  the check, and each offender names its process ("in pid 4243 (python3
  app.py)"; JSON: "pid", "command"); a process where the limit cannot be
  evaluated (no marks, no such region) is left out and named, and the
  limit is an error only if no process can be evaluated.  The summary
  adds a line "tree: N processes, ..."; JSON adds "files" and
  "processes" (as above).

Classes: raw (malloc family, no Python domain asked: C code, extensions,
  PyMem_RawMalloc), pymalloc (served from a pymalloc arena, requests of
  512 bytes or less), python-large (a Python domain's request that fell
  through to malloc).

Leak hunting (docs/leak-hunting.md):
  --growth, in a file of format 2 (births): the verdict is from when each
  group's blocks still live at exit were born, which does not depend on
  where the snapshots fall.  The run's time is cut into 32 to 64 epochs;
  a group's survivors are counted by the epoch of their birth.  Its
  window is the span of epochs up to the end in which they look most
  like a steady stream (the smallest Kolmogorov-Smirnov distance D to a
  uniform spread, the window holding at least a quarter of them).  The
  group is "growing" when D <= 0.35, the last quarter of the window holds
  at least 10% of its survivors, at least half of its epochs have some,
  its last tenth (two epochs at least) a quarter of what an even stream
  puts there (born up to the end), the blocks it held at earlier
  detailed snapshots are still live at
  exit (at least 75%, where measured), it let less old memory go over
  the run than half of what it kept (old deaths: a bounded buffer or an
  LRU lets go of old items as it takes new ones), and what it kept in
  the window (growth) is at least 0.1% of the peak heap and 16 KiB.
  Blocks made under the import system (importlib's bootstrap frames,
  zipimport) are left out: imports are never growing.  Other verdicts:
  "plateau" (survivors born early, none lately: a cache that filled,
  warm-up), "burst" (born in a few epochs), "turnover" (born steadily
  but letting old ones go), "-".  A group of at most 4
  blocks (a list's item array, a dict's table: a realloc makes a new
  block) keeps the trend's verdict below.  rate = growth / the window's
  time.  JSON sites gain "births": {"window_start_time", "epoch_width",
  "distance", "coverage", "kept", "gone_bytes", "growth_bytes",
  "rate_bytes_per_time_unit", "shape", "born_bytes_by_epoch"}.
  --growth, in a file of format 1 (and the measures shown beside the
  verdict in format 2): each snapshot with sites (detailed, peak, user,
  exit, mark;
  not region; none after the exit snapshot) is a point of every group's
  series of live bytes.  A group's series starts at the point before its
  first bytes.  Two measures robust to noise and outliers are computed
  over the series and over its latter half (the points from the middle of
  its time span on, at least 3): the Theil-Sen slope (the median of the
  slopes between all pairs of points) and Kendall's tau-b (+1: every
  later point higher; 0: no trend; ties, as on a plateau, count 0; two
  points within 2% of the group's highest bytes tie, so that the
  temporaries of the current iteration, caught by one snapshot and not
  the next, do not count as a fall).
    steadiness = max(0, min(tau over the series, tau over its latter half))
    rate       = the Theil-Sen slope over the latter half (bytes per time
                 unit; shown per million B or i, or per second)
    growth     = the Theil-Sen slope over the series times its time span
  A group is "growing" when its steadiness is at least --min-tau, both
  slopes are positive, the latter half gained at least 5% of its highest
  bytes, it rose from one point to the next at least twice (one rise is a
  step, not a trend) and its growth is at least 0.1% of the highest heap;
  a cache that fills and then stays full, or start-up work, has a tau near
  0 over the latter half ("plateau"). "<free lists>" (3.13+: dead objects
  CPython keeps for reuse) is never growing, and --leaks leaves it out.
  Rows: growing first, then by rate x steadiness, then by name; each
  growing row with its series, its dominant type (from the last snapshot
  with `y` records: the type that holds most of its Python bytes) and the
  stack that holds most of it.
  With marks, "B/iter" is the slope over the marks after --warmup.
  JSON: {"file", "by", "time_unit", "points": [{"n", "time", "kind"}],
  "min_tau", "growing", "groups", "sites": [{"location", "function",
  "verdict", "growing", "score", "rate_bytes_per_time_unit",
  "slope_bytes_per_time_unit", "tau", "late_tau", "growth_bytes",
  "first_bytes", "last_bytes", "max_bytes", "end_share", "end_by_class",
  "per_iteration_bytes", "dominant_type": {"type", "bytes", "share"},
  "stack": [{"location", "function"}]}]}; CSV: the same rows.
  --leaks.  Mark snapshot k (the k-th `mark` of the file) holds the live
  blocks by birth iteration for the last mark_window iterations.  For
  each iteration j after --warmup with a mark j+N (N = --leak-lag): the
  bytes born in j still live at mark j+N; "left/iter" is their mean
  over those iterations, "growth/iter" the Theil-Sen slope of the live
  bytes over the marks after warm-up that have sites (thinned marks have
  none), "survivors" the bytes born after warm-up still live in the exit
  snapshot.  JSON: {"file", "by", "marks", "mark_window", "leak_lag",
  "warmup", "iterations", "thinned_marks", "groups", "sites":
  [{"location", "function", "mean_bytes", "total_bytes", "total_blocks",
  "max_bytes", "iterations", "growth_per_iteration", "survivor_bytes",
  "survivor_blocks", "survivor_bytes_all", "dominant_type", "stack"}]}.
  --by=type does not go with either (--type=GLOB does).
  --retainers.  At the exit snapshot, and at user and region snapshots,
  the tool reads the program's memory for pointers, as memcheck's leak
  checker does, without running its code (--retainers=no turns it off),
  and files every live block under one holder: the block (or root:
  static data, a stack, a frame) through which the scan first reached
  it.  A line's holders are its chains cut at the first link stored
  under a name its blocks share (a dict entry's str key: a module
  global, a class attribute, a dict's key), else at the first Python
  object; "through" lists the links below it (a dict's table, a list's
  item array, an instance's attribute values), nearest the holder
  first; "in module M" the module the chain reaches.  "Unreachable":
  blocks nothing reachable points at (memcheck's "definitely lost"): a
  C extension's malloc never freed, at the Python line that called it,
  or Python objects in reference cycles the collector has not freed yet.
  The scan is conservative: a word that happens to hold a block's
  address (an integer, a stale word) makes the block look held, so a
  block may be filed under the wrong holder or look reachable; never the
  other way.  On Python 3.11 and 3.12 a list, dict or tuple a free list
  handed out again shows the line that first allocated its memory.  JSON:
  {"file", "by", "snapshot", "bytes", "blocks", "unreachable_bytes",
  "unreachable_blocks", "groups", "sites": [{"location", "function",
  "user_location", "bytes", "blocks", "type", "growing",
  "unreachable_bytes", "unreachable_blocks", "held_by": [{"location",
  "function", "user_location", "class", "type", "name", "name_varies",
  "bytes", "blocks", "end", "module", "through": [links], "beyond":
  [links]}]}], "unreachable": [{"location", "function", "user_location",
  "bytes", "blocks", "direct_bytes"}]}.

The CI gate (--check):
  Every limit given on the command line or in the configuration file is
  evaluated: totals (--max-peak, --max-live, --max-live-at,
  --max-region: the top site of the snapshot is named) and per site
  (--max-growth-per-iter, from the marks; --max-growth, --growth's
  trend: only growing sites count, each named with its first holder
  when the file has retainers; --max-unreachable, the C memory at exit
  nothing reachable points at: every line with some is named), sites
  grouped by --by.  A limit that
  cannot be evaluated (no marks, no such label or region) is an error and
  fails the check.  Text: one line per limit, "ok" or "FAIL", the top
  offender and its stack, the configuration file used, the baseline's
  used and unused entries; --format=json: {"file", "passed",
  "exit_status", "by", "config", "notes", "limits": [{"name", "limit",
  "limit_bytes", "value", "passed", "message", "error", "offenders",
  "accepted"}], "baseline"}; --junit-xml=FILE: <testsuites> with one
  <testsuite name="pyheap.check"> (tests, failures, errors, skipped,
  time) and one <testcase classname="pyheap.check" name=LIMIT> per
  limit, a crossed one with a <failure message=...> holding the
  offenders and their stacks (<error> if it could not be evaluated);
  every time is 0.
  Sizes: a number, an optional space and an optional unit, any case:
  B; KB, MB, GB, TB, PB (powers of 1000: 64KB = 64,000 B); KiB, MiB,
  GiB, TiB, PiB (powers of 1024: 64KiB = 65,536 B); K, M, G as KB, MB,
  GB.  pytest-memray's forms are accepted ("64 KB", "+1.5MB"), but note
  that pytest-memray reads KB as 1024 B.
  Configuration: --config=FILE, or the first of ./pyheap.cfg (section
  [pyheap]), ./pyproject.toml ([tool.pyheap], read only on Python 3.11+,
  which has tomllib; otherwise a note says it was skipped) and
  ./setup.cfg ([pyheap]) that has the section.  Keys: the limits and
  baseline, tolerance, error-exitcode, warmup, leak-lag, min-tau, by
  (dashes or underscores); max-live-at and max-region take one NAME=SIZE
  per line (TOML: a list, or a table NAME = SIZE).  The command line
  wins.  The summary says which file was used.
  Baseline files, like Valgrind suppression files:
    # a comment
    {
       NAME                 any text naming the entry
       LIMIT                max-growth-per-iter or max-growth
       site: LOCATION       fnmatch pattern of the group's location
       function: FUNCTION   (optional) pattern of its function
       bytes: N             the accepted figure
    }
  A site an entry matches may go up to max(limit, N + tolerance); an
  entry that accepted nothing is reported as unused_baseline.
  --gen-baseline writes one entry per site over a per-site limit, with a
  comment and portable patterns (an absolute path becomes */NAME); the
  check still reports what it found.
  Exit status: 0 when every limit holds (or --error-exitcode=0), 3 (or
  --error-exitcode=N) when one is crossed or cannot be evaluated; 1 and
  2 as below.

examples:
  pyheap_print pyheap.out.4242
  pyheap_print --at=exit --threshold=0.1 pyheap.out.4242
  pyheap_print --format=json --by=function --top=20 pyheap.out.4242
  pyheap_print --by=package --filter='*/site-packages/*' pyheap.out.4242
  pyheap_print --annotate=app.py --at=exit pyheap.out.4242
  pyheap_print --diff --at=exit before.out after.out
  pyheap_print --diff --at=warm --at2=exit pyheap.out.4242
  pyheap_print --html=report.html pyheap.out.4242
  pyheap_print --html=diff.html --diff before.out after.out
  pyheap_print --export=massif -o massif.out.4242 pyheap.out.4242
  pyheap_print --export=collapsed pyheap.out.4242 | flamegraph.pl > a.svg
  pyheap_print --growth pyheap.out.4242
  pyheap_print --leaks --warmup=2 --leak-lag=2 pyheap.out.4242
  pyheap_print --retainers pyheap.out.4242
  pyheap_print --check --max-growth=1MB --max-peak=200MiB \\
      --junit-xml=pyheap.xml pyheap.out.4242
  pyheap_print run.*.out
  pyheap_print --format=json --at=exit 'run.%p.out'
  pyheap_print --check --max-growth-per-iter=10KB --max-live=1GB out/

Output is UTF-8.  Identical input gives identical output.

exit status:
  0  success
  1  the file (with --diff: either file; with several: any) cannot be
     read or is not a valid pyheap file (truncated, unknown format
     version, ...), several files have one pid, --at or --at2 names no
     snapshot (with several files: in none), the --annotate source
     cannot be read, or
     -o FILE or --html=FILE cannot be written; one line
     "pyheap_print: error: FILE: line N: WHAT" on stderr
  2  bad usage (unknown option, bad value, options that do not go
     together, a bad configuration file); one line on stderr
  3  --check: a limit was crossed (--error-exitcode=N changes it)
"""

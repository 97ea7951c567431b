"""pyheap_viewer.tree: the files of one run's processes (a process tree): which files, how they relate (pid, ppid), their groups merged by site."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# pyheap writes one file per process: a forked child (os.fork(), a
# multiprocessing worker of the fork start method) writes its own, and so
# does every program exec'd under --trace-children=yes.  Given several
# files, pyheap_print reports them together.  This module
#
#   - expands the names given (a directory: its pyheap files; a name with
#     %p, as --pyheap-out-file spells it: the files whose %p is a pid);
#   - reads the files one at a time (read_tree()), keeping of each only
#     a Process: its meta facts, the totals of the snapshots asked for and
#     their groups (--by), already named; the Profile is dropped before
#     the next file is read, so N files take the memory of the biggest
#     one plus the groups of all;
#   - links the processes by `meta ppid` (link()).  A file whose ppid is
#     not the pid of another file is a root of its own: a process of
#     another run, or a child whose parent exited first (the tool records
#     the ppid at exit, when an orphan has been re-parented).  Two files
#     with one pid are refused: two runs, or a detailed_snapshot file
#     beside its process's own file, would count a heap twice;
#   - merges the groups of the processes by their names (Merged): a row
#     is the sum over the processes, with each process's part;
#   - runs the gate over the tree (run_tree_checks(), below).
#
# What a sum means.  At exit the sum is exact: each process's live blocks
# when it ended.  The peaks are not: each process has its own clock (the
# time unit counts its own bytes or instructions), so the files cannot say
# which peaks overlapped; the tree's true peak lies between the biggest
# process peak and the sum of them all, and the sum is what the reports
# show at "peak", always called an upper bound.  A forked child starts
# with a copy of its parent's heap: what it inherited counts in both (as
# RSS counts shared copy-on-write pages in each process).

import os

from .errors import InputError, SelectionError, UsageError
from .formatting import num, pct, quote, short_list
from .gate import LimitResult, Offender, Settings, run_checks
from .grouping import NAME_ONLY, group_sites
from .model import At, describe_end
from .naming import stack_names

# The names of a group in the other view (naming.py) that one file's JSON
# rows carry; a merged row has those of the process holding most of it.
USER_KEYS = ("user_location", "user_function", "via")

# Stacks kept per process and snapshot: those of its biggest groups, to
# show where a merged row's memory was allocated (the gate's offenders).
STACKS_KEPT = 20


def expand_files(names):
    """The files the command line names: a directory stands for its
    pyheap files (first line `pyheap-out ...`), a name holding %p for the
    files whose %p is a number (run.%p.out: run.4242.out, ...); other
    names (a file whose name holds %p too) are kept as they are.  In
    order, each file once; InputError for a directory or pattern that
    names no file."""
    out = []
    seen = set()
    for name in names:
        if os.path.isdir(name):
            try:
                entries = sorted(os.listdir(name))
            except OSError as exc:
                raise InputError(name, None, exc.strerror or str(exc))
            found = [os.path.join(name, e) for e in entries
                     if _is_pyheap_file(os.path.join(name, e))]
            what = "directory with no pyheap output file in it"
        elif "%p" in name and not os.path.exists(name):
            found = _pid_pattern(name)
            what = "no file matches this pattern (%p: a pid)"
        else:
            found = [name]
            what = None
        if not found:
            raise InputError(name, None, what)
        for path in found:
            key = os.path.realpath(path)
            if key not in seen:
                seen.add(key)
                out.append(path)
    return out


def _is_pyheap_file(path):
    if not os.path.isfile(path):
        return False
    try:
        with open(path, "rb") as f:
            return f.read(11) == b"pyheap-out "
    except OSError:
        return False


def _pid_pattern(pattern):
    """The files matching PATTERN with %p a pid (decimal digits)."""
    directory, base = os.path.split(pattern)
    if "%p" in directory:
        raise InputError(pattern, None, "%p may only be in the file name")
    head, _, tail = base.partition("%p")
    if "%p" in tail:
        raise InputError(pattern, None, "%p may appear once")
    try:
        entries = sorted(os.listdir(directory or "."))
    except OSError as exc:
        raise InputError(directory or ".", None, exc.strerror or str(exc))
    found = []
    for entry in entries:
        if (len(entry) > len(head) + len(tail) and entry.startswith(head)
                and entry.endswith(tail)):
            middle = entry[len(head):len(entry) - len(tail)]
            if middle.isdigit() and middle.isascii():
                found.append(os.path.join(directory, entry))
    return found


class ProcessSnapshot:
    """What a process held at one snapshot (its peak, exit or a label):
    the totals, and the groups (--by) as rows
    [key, location, function, sort_key, frame, stack, bytes, blocks,
    by_class]; `stacks` maps the keys of its biggest groups to the stack
    (names) holding most of the group."""

    __slots__ = ("kind", "n", "time", "heap_B", "heap_blocks", "classes",
                 "rows", "stacks")


class Process:
    """One file of the tree, as far as the reports need it."""

    __slots__ = ("path", "pid", "ppid", "parent", "children", "depth",
                 "command", "end", "exec", "peak_B", "exit_B",
                 "exit_blocks", "time_unit", "snapshots")

    def __init__(self, path, meta):
        self.path = path
        self.pid = _meta_int(path, meta, "pid")
        self.ppid = _meta_int(path, meta, "ppid", required=False)
        self.parent = None          # the parent Process, if among the files
        self.children = []
        self.depth = 0
        self.command = meta.get("cmd") or ""
        self.end = meta.get("end")
        self.exec = meta.get("exec")
        self.time_unit = meta.get("time_unit", "")
        self.peak_B = None
        self.exit_B = None
        self.exit_blocks = None
        self.snapshots = {}         # at text -> ProcessSnapshot or None

    @property
    def ended(self):
        """How it ended, briefly: 'exit 0', 'exit 0, no finalisation',
        'signal', 'exec PROG', '?'."""
        if self.exec is not None:
            return "exec %s" % self.exec
        end = self.end
        if not end:
            return "?"
        words = end.split()
        if words[0] == "exit" and "without-finalisation" in words[2:]:
            return "exit %s, no finalisation" % words[1]
        return end

    def label(self):
        """'pid 4242 (python3 app.py)': how the reports name it."""
        return "pid %d (%s)" % (self.pid, self.command or "?")

    def to_json(self):
        return {"pid": self.pid, "ppid": self.ppid,
                "parent": self.parent.pid if self.parent else None,
                "children": [c.pid for c in self.children],
                "depth": self.depth, "file": self.path,
                "command": self.command, "end": self.end,
                "ended": describe_end(self.end) if self.exec is None
                else "exec %s" % self.exec,
                "peak_bytes": self.peak_B, "exit_bytes": self.exit_B,
                "exit_blocks": self.exit_blocks,
                "time_unit": self.time_unit}


def _meta_int(path, meta, key, required=True):
    value = meta.get(key)
    if value is None or value == "":
        if required:
            raise InputError(path, None, "no 'meta %s' record: the file "
                             "cannot be placed in a process tree" % key)
        return None
    if not (value.isdigit() and value.isascii()):
        raise InputError(path, None, "'meta %s' is %r, not a number"
                         % (key, value))
    return int(value)


def group_key(group, by):
    """The name a group is merged by across processes."""
    if by == "stack":
        return tuple(group.stack)
    if by in NAME_ONLY:
        return group.location
    return (group.location, group.function)


def snapshot_summary(view, snap, by):
    """A ProcessSnapshot of `snap` in `view`, its groups by `by`."""
    out = ProcessSnapshot()
    out.kind, out.n, out.time = snap.kind, snap.n, snap.time
    out.heap_B, out.heap_blocks = snap.heap_B, snap.heap_blocks
    out.classes = [list(c) for c in snap.classes]
    out.rows = []
    out.stacks = {}
    groups = group_sites(view, snap.by_stack(), by, 0, snap)
    for g in groups:
        # The user view's names of the group (naming.py), as one file's
        # JSON gives them.
        names = g.to_json()
        user = {key: names[key] for key in USER_KEYS if key in names}
        out.rows.append([group_key(g, by), g.location, g.function,
                         g.sort_key, g.frame, g.stack, g.bytes, g.blocks,
                         list(g.by_class), user])
    if by not in ("class", "type"):
        out.stacks = _biggest_stacks(view, snap, by, out.rows[:STACKS_KEPT])
    return out


def _biggest_stacks(view, snap, by, rows):
    """{key: stack names} of the stack holding most of each row's bytes."""
    wanted = set(row[0] for row in rows)
    best = {}
    site_name = view.locator().site_name
    for kid, rec in snap.by_stack().items():
        if by == "stack":
            key = tuple(stack_names(view.profile, kid))
        else:
            location, function, _, _ = site_name(kid, by)
            key = location if by in NAME_ONLY else (location, function)
        if key not in wanted:
            continue
        old = best.get(key)
        if old is None or (rec[0], -kid) > (old[0], -old[1]):
            best[key] = (rec[0], kid)
    return {key: stack_names(view.profile, kid)
            for key, (_, kid) in best.items()}


def read_tree(inputs, paths, ats, by, on_process=None, every=False):
    """Read the files `paths` one at a time; return the linked Processes
    in tree order (link()).

    `ats` are the model.At of the snapshots to keep of each process (a
    process without one has None there); `every` keeps the sites of
    every snapshot while the file is read (--check's per-site limits);
    `on_process(process, view)` runs while the file's View is alive."""
    processes = []
    if every:
        def wanted(kind, n, label):
            return True
    else:
        def wanted(kind, n, label):
            return any(at.matches(kind, n, label) for at in ats)
    for path in paths:
        view = inputs.read(sites=wanted, path=path)
        profile = view.profile
        process = Process(path, profile.meta)
        peak = profile.peak_snapshot
        if peak is not None:
            process.peak_B = peak.heap_B
        else:
            index = profile.peak_sample()
            process.peak_B = (profile.samples.heap_B[index]
                              if index is not None else None)
        exit_snap = profile.exit_snapshot
        if exit_snap is not None:
            process.exit_B = exit_snap.heap_B
            process.exit_blocks = exit_snap.heap_blocks
        snap = None
        for at in ats:
            try:
                snap = at.select(profile)
            except SelectionError:
                snap = None
            if snap is not None and snap.sites is None:
                snap = None
            process.snapshots[at.text] = (
                snapshot_summary(view, snap, by) if snap is not None
                else None)
        if on_process is not None:
            on_process(process, view)
        processes.append(process)
        # Only the Process is kept: the next file reads into a new Profile.
        del view, profile, peak, exit_snap, snap
    return link(processes)


def link(processes):
    """Link the processes by ppid; return them in tree order: the roots
    by pid, each followed by its children (by pid), depth first.
    InputError if two files have one pid."""
    by_pid = {}
    for p in processes:
        other = by_pid.get(p.pid)
        if other is not None:
            raise InputError(p.path, None, "pid %d is also the pid of %s: "
                             "two files of one process (a detailed_snapshot "
                             "file, or files of two runs); give one of them"
                             % (p.pid, other.path))
        by_pid[p.pid] = p
    for p in processes:
        parent = by_pid.get(p.ppid) if p.ppid != p.pid else None
        p.parent = parent
        p.children = []
    # A cycle of ppids (only in a damaged or hand-made file): cut it where
    # it closes, so that every process has a root.
    for p in processes:
        seen = set()
        q = p
        while q.parent is not None:
            seen.add(q.pid)
            if q.parent.pid in seen:
                q.parent = None
                break
            q = q.parent
    for p in processes:
        if p.parent is not None:
            p.parent.children.append(p)
    ordered = []
    todo = sorted((p for p in processes if p.parent is None),
                  key=lambda p: p.pid, reverse=True)
    for p in todo:
        p.depth = 0
    while todo:
        p = todo.pop()
        ordered.append(p)
        p.children.sort(key=lambda c: c.pid)
        for c in reversed(p.children):
            c.depth = p.depth + 1
            todo.append(c)
    return ordered


def roots(processes):
    return [p for p in processes if p.parent is None]


class MergedRow:
    """A group summed over the processes; `parts` [(Process, bytes,
    blocks, by_class)], biggest first (then by pid)."""

    __slots__ = ("key", "location", "function", "sort_key", "frame",
                 "stack", "bytes", "blocks", "by_class", "parts", "user",
                 "user_B")

    def to_json(self):
        obj = {"location": self.location, "function": self.function,
               "bytes": self.bytes, "blocks": self.blocks,
               "by_class": {"raw": self.by_class[0],
                            "pymalloc": self.by_class[1],
                            "python-large": self.by_class[2]}}
        if self.stack is not None:
            obj["stack"] = [{"location": loc, "function": fn}
                            for loc, fn in self.stack]
        obj.update(self.user)
        obj["processes"] = [{"pid": p.pid, "bytes": nbytes,
                             "blocks": nblocks,
                             "by_class": {"raw": by_class[0],
                                          "pymalloc": by_class[1],
                                          "python-large": by_class[2]}}
                            for p, nbytes, nblocks, by_class in self.parts]
        return obj


class Merged:
    """The groups of one snapshot (`at`) merged over the processes that
    have it: `rows` biggest first, `total` [bytes, blocks, by_class],
    `present` and `missing` the processes with and without it."""

    def __init__(self, processes, at):
        self.at = at
        self.present = [p for p in processes if p.snapshots.get(at)]
        self.missing = [p for p in processes if not p.snapshots.get(at)]
        rows = {}
        heap = [0, 0]
        classes = [0, 0, 0]
        for p in self.present:
            snap = p.snapshots[at]
            heap[0] += snap.heap_B
            heap[1] += snap.heap_blocks
            for i in range(3):
                classes[i] += snap.classes[i][0]
            for key, location, function, sort_key, frame, stack, nbytes, \
                    nblocks, by_class, user in snap.rows:
                row = rows.get(key)
                if row is None:
                    row = rows[key] = MergedRow()
                    row.key = key
                    row.location, row.function = location, function
                    row.sort_key, row.frame, row.stack = sort_key, frame, \
                        stack
                    row.bytes = row.blocks = 0
                    row.by_class = [0, 0, 0]
                    row.parts = []
                    row.user = user
                    row.user_B = -1
                if nbytes > row.user_B:
                    row.user, row.user_B = user, nbytes
                row.bytes += nbytes
                row.blocks += nblocks
                for i in range(3):
                    row.by_class[i] += by_class[i]
                row.parts.append((p, nbytes, nblocks, by_class))
        self.heap_B, self.heap_blocks = heap
        self.classes = classes
        ordered = list(rows.values())
        for row in ordered:
            row.parts.sort(key=lambda part: (-part[1], part[0].pid))
        ordered.sort(key=lambda r: (r.sort_key, r.function, r.stack or [],
                                    0))
        ordered.sort(key=lambda r: r.bytes, reverse=True)
        self.rows = ordered

    def stack_of(self, row):
        """The stack holding most of `row` in the process holding most of
        it, if that process kept it (STACKS_KEPT); [] otherwise."""
        for p, _, _, _ in row.parts[:1]:
            return p.snapshots[self.at].stacks.get(row.key, [])
        return []


def tree_ats(options):
    """The snapshots a tree report shows: --at's, or the peaks and the
    exits.  Sample numbers are one process's: refused."""
    if options.at is None:
        if options.by == "type":
            # Only exit, user and region snapshots record types.
            return [At("exit")]
        return [At("peak"), At("exit")]
    if options.at.how == "n":
        raise UsageError("--at=%s: a sample number is one process's; with "
                         "several files use peak, exit or a label"
                         % options.at.text)
    return [options.at]


def describe_at(at):
    """'the peak', 'exit', 'label "x"' for the headings."""
    if at == "peak":
        return "each process's own peak"
    if at == "exit":
        return "exit"
    return "the snapshot %s" % quote(at)


def peak_bounds(processes):
    """(largest peak, its process, sum of peaks) over the processes with
    a peak."""
    with_peak = [p for p in processes if p.peak_B is not None]
    if not with_peak:
        return None, None, 0
    top = max(with_peak, key=lambda p: (p.peak_B, -p.pid))
    return top.peak_B, top, sum(p.peak_B for p in with_peak)


PEAK_NOTE = ("each process's peak is its own exact peak, at its own moment "
             "(each file has its own clock): the sum of them is an upper "
             "bound of the tree's peak, which lies between the biggest "
             "process peak and that sum")

FORK_NOTE = ("a forked child starts with a copy of its parent's heap: what "
             "it inherited counts in each process that still holds it, as "
             "RSS counts shared copy-on-write pages")


def roots_note(processes):
    """A sentence on the roots beyond the first, or None."""
    tops = roots(processes)
    if len(tops) <= 1:
        return None
    return ("%d roots: %s; a file whose ppid is no other file's pid is a "
            "root of its own (a process of another run, or a child whose "
            "parent exited before it: its ppid is the one it had at exit)"
            % (len(tops), ", ".join("pid %d (ppid %s)" % (
                p.pid, "?" if p.ppid is None else p.ppid) for p in tops)))


def bytes_text(value):
    return "-" if value is None else num(value)


# ------------------------------------------------------------------------- #
# The gate (--check) over a tree                                            #
# ------------------------------------------------------------------------- #
#
# Each file is checked as one file is (gate.run_checks()), as it is read,
# with one Settings for all (the baseline counts its uses over the tree);
# then each limit's results are combined:
#
#   --max-peak, --max-live, --max-live-at   the tree's total: the sum over
#       the processes that have the snapshot (--max-peak: the sum of the
#       peaks, an upper bound); the offender is the biggest merged site,
#       with the process holding most of it;
#   --max-region, --max-growth-per-iter, --max-growth   per process: every
#       process's offenders, each naming its process; a process where the
#       limit cannot be evaluated (no marks, no such region) is left out
#       and named; an error only if no process could be evaluated.

def run_tree_checks(inputs, paths, spec):
    """(processes, LimitResults, Settings) of --check over the files."""
    settings = Settings(spec)
    limits = spec.limits
    ats = []
    if "max-peak" in limits:
        ats.append(At("peak"))
    if "max-live" in limits:
        ats.append(At("exit"))
    for label in sorted(limits.get("max-live-at", {})):
        ats.append(At(label))
    per_process = []

    def evaluate(process, view):
        results, _ = run_checks(view, spec, settings)
        per_process.append((process, results))

    processes = read_tree(inputs, paths, ats, settings.by,
                          on_process=evaluate, every=True)
    n = len(processes)
    combined = []
    for i, first in enumerate(per_process[0][1]):
        result = LimitResult(first.name, first.limit, first.limit_text)
        name = first.name
        if name == "max-peak":
            _tree_total(result, processes, "peak",
                        "the sum of the peaks of %s (an upper bound: "
                        "they peak at different moments)"
                        % _of_processes(n))
        elif name == "max-live":
            _tree_total(result, processes, "exit",
                        "the heap at exit, summed over %s,"
                        % _of_processes(n))
        elif name.startswith("max-live-at "):
            label = name[len("max-live-at "):]
            _tree_total(result, processes, At(label).text,
                        "the heap at %s, summed over %%s," % quote(label))
        else:
            _tree_per_process(result, [(p, results[i])
                                       for p, results in per_process])
        combined.append(result)
    return processes, combined, settings


def _of_processes(n):
    return "the %d processes" % n if n != 1 else "the 1 process"


def pids_text(processes):
    """'pid 4242' or 'pids 4242, 4243'."""
    pids = [str(p.pid) for p in processes]
    return ("pid " if len(pids) == 1 else "pids ") + short_list(pids)


def processes_text(n):
    """'1 process', '4 processes'."""
    return "1 process" if n == 1 else "%s processes" % num(n)


def _tree_total(result, processes, at, what):
    """A total limit over the tree: the sum of the processes' heaps at
    `at`."""
    merged = Merged(processes, at)
    if not merged.present:
        result.passed = False
        result.error = result.message = (
            "no process of the tree has %s" % (
                "a peak snapshot" if at == "peak" else
                "an exit snapshot" if at == "exit" else
                "a snapshot %s" % quote(at)))
        return
    if "%s" in what:
        what = what % ("%d of %d processes" % (len(merged.present),
                                                len(processes))
                       if merged.missing else _of_processes(len(processes)))
    result.value = merged.heap_B
    if result.value > result.limit:
        result.passed = False
        result.message = ("%s is %s B, over the limit of %s (%s B)"
                          % (what, num(result.value), result.limit_text,
                             num(result.limit)))
        if merged.rows:
            result.offenders.append(_merged_offender(merged, merged.rows[0]))
    else:
        result.message = "%s is %s B, within %s" % (
            what, num(result.value), result.limit_text)


def _merged_offender(merged, row):
    """The Offender of a merged row: its names and bytes over the tree,
    the process holding most of it and that process's stack."""
    off = Offender()
    off.location, off.function = row.location, row.function
    off.value = row.bytes
    off.allowed = None
    off.baseline = None
    holder, held, _, _ = row.parts[0]
    off.process = holder
    off.detail = "%s of the tree's heap" % pct(row.bytes, merged.heap_B)
    if len(row.parts) > 1:
        off.detail += ", held by %s, the most (%s B)" % (
            processes_text(len(row.parts)), num(held))
    off.stack = merged.stack_of(row)
    return off


def _tree_per_process(result, parts):
    """A limit evaluated in each process: `parts` [(Process,
    LimitResult)]; the offenders of all, each naming its process."""
    evaluated = [(p, r) for p, r in parts if r.error is None]
    skipped = [(p, r) for p, r in parts if r.error is not None]
    if not evaluated:
        result.passed = False
        result.error = result.message = "%s (in every process of the tree)" \
            % parts[0][1].error
        return
    for p, r in evaluated:
        for off in r.offenders:
            off.process = p
            result.offenders.append(off)
        for off in r.accepted:
            off.process = p
            result.accepted.append(off)

    def order(off):
        return (-off.value, off.location, off.function or "", off.process.pid)

    result.offenders.sort(key=order)
    result.accepted.sort(key=order)
    result.value = max(r.value for _, r in evaluated)
    if result.offenders:
        result.passed = False
        worst = result.offenders[0].process
        failed = [p for p, r in evaluated if not r.passed]
        message = [r.message for p, r in evaluated if p is worst][0]
        result.message = "%s, in %s" % (message, worst.label())
        if len(failed) > 1:
            result.message += "; %d of %d processes over it" % (
                len(failed), len(evaluated))
    else:
        # The words of the process whose baseline accepted the most.
        most = max(evaluated, key=lambda pr: len(pr[1].accepted))[1]
        result.message = "%s, in each of %s" % (
            most.message, processes_text(len(evaluated)))
        if len(result.accepted) > len(most.accepted):
            result.message += " (%d accepted by the baseline in all)" % len(
                result.accepted)
    if skipped:
        result.message += ("; not evaluated in %s (%s): %s"
                           % (processes_text(len(skipped)),
                              pids_text(p for p, _ in skipped),
                              skipped[0][1].error))

"""pyheap_viewer.pagedata: what the HTML report's page shows, as one JSON-ready dict (frames, stacks, timelines, folded snapshots, tables, the verdict)."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The HTML report (reports/html.py) is a page that draws everything itself
# (html/report.js); this module computes what it draws, and nothing about
# how.  One page holds one profile, or two for --diff, in one table of
# frames and one table of stacks shared by both, so that the page can
# compare any two snapshots it holds, of the same file or of two.
#
# Sizes.  A file of a long job has hundreds of snapshots of tens of
# thousands of stacks each (bench/bigfile: 244 MB, 1,000 snapshots of
# ~20,000 sites); a page of all of it would be as big and as slow.  The
# page gets, by design:
#
#   - the time series, thinned to at most MAX_SAMPLES points (each the
#     highest sample of its stretch: the peak is always one);
#   - every snapshot's totals, but the sites of at most --html-snapshots of
#     them (the peak, the exit, labelled ones first, then evenly spread
#     detailed ones);
#   - per snapshot with sites, the stacks that hold at least --fold-below
#     of its heap; a smaller stack is folded into the nearest caller whose
#     stacks together hold that much (the flame graph shows the caller's
#     frame with a "(folded)" child of their bytes), so every byte stays
#     in the graph and every frame that matters keeps its width;
#   - per snapshot with sites, its tables by line, function, package and
#     type, exact (computed before folding), the TABLE_ROWS biggest rows
#     and the sum of the rest.
#
# Nothing is dropped without the page saying so: each snapshot says how
# many stacks were folded and their bytes, and the page says how many
# snapshots kept their sites and which option raises each limit.

import heapq
import os

from .errors import InputError
from .grouping import group_sites
from .growth import GROWTH_KINDS, growth_trends
from .leaks import leak_table
from .model import CLASSES, TIME_UNITS, describe, describe_end
from .naming import STDLIB
from .pinning import pinning
from .retainers import exit_holders, holder_brief, holder_chain, module_of

# The page format's version (html/report.js reads it).
PAGE_FORMAT = 1

MAX_SAMPLES = 1500           # points of a timeline
TABLE_ROWS = 200             # rows of each table of a snapshot
VERDICT_ROWS = 10            # growing lines shown
LEAK_ROWS = 10               # --leaks rows shown
DEFAULT_SNAPSHOTS = 40       # snapshots with sites (--html-snapshots)
DEFAULT_FOLD_BELOW = 0.05    # percent of a snapshot's heap (--fold-below)
SOURCE_WIDTH = 120           # characters of a source line kept

# Frame categories, for the page's colours and its "hide" toggles.
CAT_USER, CAT_STDLIB, CAT_PACKAGES, CAT_IMPORT, CAT_NATIVE, CAT_OTHER = \
    range(6)
CATEGORY_NAMES = ("your code", "standard library", "site-packages",
                  "import machinery", "native", "other library")

TABLE_BYS = ("line", "function", "package", "type")


class PageTables:
    """The strings, frames and stacks of a page, each interned once.

    Frames and stacks are keyed by what they are, not by their ids in a
    file, so two files' stacks meet in one tree (--diff)."""

    def __init__(self, source=True):
        self.strings = []
        self._string_ids = {}
        self.frames = {"kind": [], "file": [], "line": [], "func": [],
                       "cat": [], "pkg": [], "src": []}
        self._frame_ids = {}
        self.stack_parent = []
        self.stack_frame = []
        self._stack_ids = {}
        self.source = source

    def string(self, text):
        if text is None:
            return -1
        found = self._string_ids.get(text)
        if found is None:
            found = self._string_ids[text] = len(self.strings)
            self.strings.append(text)
        return found

    @staticmethod
    def frame_key(frame):
        """What a frame is, whatever file it comes from."""
        kind, path, line, function, ip, obj = frame
        if kind == "py":
            return (0, path, line, function)
        if function is not None:
            return (1, path, line, function, obj)
        return (1, obj, ip)

    def frame(self, frame, view):
        """The page's id of a model.Frame of `view`'s profile."""
        if frame is None:
            return -1
        kind, path, line, function, ip, obj = frame
        key = self.frame_key(frame)
        found = self._frame_ids.get(key)
        if found is not None:
            return found
        found = self._frame_ids[key] = len(self.frames["kind"])
        cols = self.frames
        if kind == "py":
            cols["kind"].append(0)
            cols["file"].append(self.string(path))
            cols["line"].append(line)
            cols["func"].append(self.string(function))
            namer = view.module_namer()
            cols["pkg"].append(self.string(namer.package(frame)))
            cols["src"].append(self.string(self._source(path, line)))
        else:
            cols["kind"].append(1)
            cols["file"].append(self.string(path or obj))
            cols["line"].append(line if path else 0)
            cols["func"].append(self.string(
                function if function is not None else "0x%x" % ip))
            cols["pkg"].append(self.string(os.path.basename(obj or "")
                                           or None))
            cols["src"].append(-1)
        cols["cat"].append(frame_category(frame, view))
        return found

    def _source(self, path, line):
        if not self.source or line <= 0 or not path or path[0] == "<":
            return None
        import linecache
        try:
            if not os.path.isfile(path):
                return None
            text = linecache.getline(path, line).strip()
        except Exception:       # unreadable, bad encoding, ...
            return None
        return text[:SOURCE_WIDTH] or None

    def stack_ids(self, view, add=True):
        """A function kid -> the page's stack id, for `view`'s profile.
        With add=False it adds nothing to the page: a stack the page does
        not hold gives -1."""
        prof = view.profile
        parents = prof.stack_parent
        fids = prof.stack_frame
        frames = prof.frames
        stack_ids = self._stack_ids
        memo = {}
        missing = -2                # a stack the page does not hold

        def frame_id(frame):
            if add:
                return self.frame(frame, view)
            return self._frame_ids.get(self.frame_key(frame), missing)

        def sid_of(kid):
            if kid < 0:
                return -1
            found = memo.get(kid)
            if found is None:
                chain = []
                k = kid
                while k >= 0 and k not in memo:
                    chain.append(k)
                    k = parents[k]
                parent = memo[k] if k >= 0 else -1
                for k in reversed(chain):
                    sid = missing
                    fid = missing if parent == missing else \
                        frame_id(frames[fids[k]])
                    if fid != missing:
                        key = (parent, fid)
                        sid = stack_ids.get(key, missing)
                        if sid == missing and add:
                            sid = stack_ids[key] = len(self.stack_parent)
                            self.stack_parent.append(parent)
                            self.stack_frame.append(fid)
                    memo[k] = parent = sid
                found = memo[kid]
            return found if found != missing else -1
        return sid_of

    def to_json(self):
        return {"strings": self.strings, "frames": self.frames,
                "stacks": {"parent": self.stack_parent,
                           "frame": self.stack_frame}}


def frame_category(frame, view):
    """One of the CAT_* of a frame (the page's colours and toggles)."""
    if frame[0] != "py":
        return CAT_NATIVE
    path = frame[1] or ""
    if path.startswith("<frozen importlib") or \
            path.startswith("<frozen zipimport") or \
            "/importlib/" in path:
        return CAT_IMPORT
    if view.user_code is not None and view.user_code.is_user(frame):
        return CAT_USER
    if "/site-packages/" in path or "/dist-packages/" in path:
        return CAT_PACKAGES
    if path.startswith("<frozen ") or \
            view.module_namer().package(frame) == STDLIB:
        return CAT_STDLIB
    return CAT_OTHER


# ------------------------------------------------------------------------- #
# Folding a snapshot's stacks                                               #
# ------------------------------------------------------------------------- #

def big_stacks(parents, own, threshold):
    """The stacks of a snapshot's sites summed by stack (`own`, {kid: rec}
    as SiteTable.by_stack() gives) that, with the stacks under them (their
    callees'), hold at least `threshold` bytes: a set of kids, closed
    under callers."""
    # Each stack's own bytes, its callers added with none; then, callees
    # before callers (a stack's id is above its caller's), each total
    # into its caller's: one visit per stack, not one per frame of each.
    subtree = {}
    for kid, rec in own.items():
        if kid >= 0:
            subtree[kid] = subtree.get(kid, 0) + rec[0]
    for kid in list(subtree):
        k = parents[kid]
        while k >= 0 and k not in subtree:
            subtree[k] = 0
            k = parents[k]
    for kid in sorted(subtree, reverse=True):
        parent = parents[kid]
        if parent >= 0:
            subtree[parent] += subtree[kid]
    return set(k for k, total in subtree.items() if total >= threshold)


def nearest_kept(parents, is_kept):
    """For every stack of a profile (`parents` by kid), the nearest stack,
    itself or a caller, that `is_kept(kid)` says is kept; -1 if none (the
    root).  One pass: a caller's id is below its callees'."""
    nearest = [-1] * len(parents)
    for kid in range(len(parents)):
        if is_kept(kid):
            nearest[kid] = kid
        else:
            parent = parents[kid]
            nearest[kid] = nearest[parent] if parent >= 0 else -1
    return nearest


def fold_stacks(nearest, own):
    """Fold the sites `own` (as big_stacks() takes them) into the kept
    stacks: `nearest` (nearest_kept()) gives each stack's nearest kept
    one, or is None (keep all).

    The bytes of a stack that is not kept go to its nearest kept caller
    (-1: none, the root).  Returns {kid: (rec, kids folded here)} of the
    folded bytes; the kept stacks' own records are `own`'s minus the
    folded ones.  The page folds every snapshot into one kept set -- the
    big stacks of any of them -- so that two snapshots compared fold the
    same stacks the same way."""
    if nearest is None:
        return {}
    folded = {}
    for kid, rec in own.items():
        if kid < 0:
            continue
        k = nearest[kid]
        if k == kid:
            continue
        acc = folded.get(k)
        if acc is None:
            acc = folded[k] = [[0] * 8, []]
        for i in range(8):
            acc[0][i] += rec[i]
        acc[1].append(kid)
    return folded


def _dominant_types(snap):
    """{kid: (type, bytes)}: the type holding most of each stack's typed
    bytes at `snap`, and those bytes."""
    best = {}
    by_kid = {}
    for kid, _cls, type_name, nbytes, _n in snap.typed or ():
        if type_name is None:
            continue
        acc = by_kid.setdefault(kid, {})
        acc[type_name] = acc.get(type_name, 0) + nbytes
    for kid, acc in by_kid.items():
        name = max(acc, key=lambda t: (acc[t], t))
        best[kid] = (name, acc[name])
    return best


class ProfilePage:
    """The part of a page about one profile (a View)."""

    def __init__(self, tables, view, name, options):
        self.tables = tables
        self.view = view
        self.name = name
        self.options = options
        self.sid_of = tables.stack_ids(view)
        self._table_keys = {}       # kid -> its (line, function, package)

    def choose(self, max_snapshots, detail_at=()):
        """Pick the snapshots whose sites the page keeps."""
        prof = self.view.profile
        self.snaps = sorted(prof.snapshots, key=lambda s: (s.n, s.index))
        self.chosen = choose_snapshots(self.snaps, max_snapshots, detail_at)

    def big_sids(self, fold_below):
        """The page's ids of the stacks big enough to keep in any chosen
        snapshot (big_stacks())."""
        parents = self.view.profile.stack_parent
        sid_of = self.sid_of
        out = set()
        # In time order and by stack id: the page's ids, hence its bytes,
        # are the same on every run.
        for snap in self.snaps:
            if snap in self.chosen:
                threshold = snap.heap_B * fold_below / 100.0
                out.update(sid_of(k) for k in sorted(big_stacks(
                    parents, snap.by_stack(), threshold)))
        return out

    def to_json(self, kept_sids):
        """The profile's part of the page; `kept_sids`: the stacks not
        folded (None: none folded)."""
        view = self.view
        prof = view.profile
        snaps = self.snaps
        nearest = None
        if kept_sids is not None:
            lookup = self.tables.stack_ids(view, add=False)
            nearest = nearest_kept(prof.stack_parent,
                                   lambda kid: lookup(kid) in kept_sids)
        details = []
        snap_rows = []
        for i, snap in enumerate(snaps):
            d = -1
            if snap in self.chosen:
                d = len(details)
                details.append(self.detail(snap, i, nearest))
            snap_rows.append(self.snapshot_row(snap, d))
        with_sites = sum(1 for s in snaps if s.sites is not None
                         and s.has_sites)
        return {
            "name": self.name,
            "path": prof.path,
            "facts": self.facts(),
            "time_unit": prof.time_unit,
            "time_unit_text": TIME_UNITS.get(prof.time_unit, "time"),
            "samples": thin_samples(prof.samples, MAX_SAMPLES),
            "snapshots": snap_rows,
            "details": details,
            "snapshots_with_sites": with_sites,
            "verdict": self.verdict(),
            "leaks": self.leaks(),
            "pinning": self.pinning(),
        }

    def facts(self):
        prof = self.view.profile
        meta = prof.meta
        facts = [("Command", meta.get("cmd") or "(unknown)")]
        ids = meta.get("pid") or ""
        if ids and meta.get("ppid"):
            ids += " (parent %s)" % meta["ppid"]
        facts.append(("Python", meta.get("python") or "(unknown)"))
        facts.append(("pyheap", "%s, Valgrind %s" % (
            meta.get("pyheap", "?"), meta.get("valgrind", "?"))))
        if ids:
            facts.append(("pid", ids))
        facts.append(("Tool options", meta.get("options") or "(none)"))
        facts.append(("Time unit", "%s (%s)" % (
            prof.time_unit or "?", TIME_UNITS.get(prof.time_unit,
                                                  "unknown"))))
        if meta.get("depth"):
            facts.append(("Stacks", "depth %s, native frames %s" % (
                meta.get("depth"), meta.get("native", "?"))))
        ended = describe_end(meta.get("end"))
        if ended is not None:
            facts.append(("Ended", ended))
        if meta.get("exec") is not None:
            facts.append(("Ended by exec", meta["exec"]))
        tot_B = sum(b for b, _ in prof.total_classes)
        tot_n = sum(n for _, n in prof.total_classes)
        facts.append(("Total allocated", "%d B in %d blocks (%s)" % (
            tot_B, tot_n, ", ".join("%s %d B" % (name,
                                                 prof.total_classes[i][0])
                                    for i, name in enumerate(CLASSES)))))
        facts.append(("File", prof.path))
        return [list(f) for f in facts]

    def snapshot_row(self, snap, detail):
        arena = snap.arena
        return {
            "n": snap.n, "time": snap.time, "kind": snap.kind,
            "label": snap.label, "name": describe(snap),
            "heap": snap.heap_B, "blocks": snap.heap_blocks,
            "cls": [list(c) for c in snap.classes] or [[0, 0]] * 3,
            "arena": (None if arena is None else
                      [arena.count, arena.arena_B, arena.pymalloc_slot_B]),
            "d": detail,
        }

    def detail(self, snap, index, nearest):
        """A snapshot's sites, folded (nearest: see fold_stacks()), and its
        tables."""
        own = snap.by_stack()
        folded = fold_stacks(nearest, own)
        folded_kids = set()
        for _rec, kids in folded.values():
            folded_kids.update(kids)
        types = _dominant_types(snap)
        cols = {"sid": [], "b": [], "n": [], "raw": [], "pym": [],
                "large": [], "fold": [], "ty": [], "tyb": []}
        sid_of = self.sid_of
        string = self.tables.string

        def add(kid, rec, nfold, type_acc):
            cols["sid"].append(sid_of(kid))
            cols["b"].append(rec[0])
            cols["n"].append(rec[1])
            cols["raw"].append(rec[2])
            cols["pym"].append(rec[3])
            cols["large"].append(rec[4])
            cols["fold"].append(nfold)
            if type_acc:
                name = max(type_acc, key=lambda t: (type_acc[t], t))
                cols["ty"].append(string(name))
                cols["tyb"].append(type_acc[name])
            else:
                cols["ty"].append(-1)
                cols["tyb"].append(0)

        for kid, rec in own.items():
            if kid in folded_kids:
                continue
            t = types.get(kid)
            add(kid, rec, 0, {t[0]: t[1]} if t else None)
        folded_B = 0
        for kid, (rec, kids) in folded.items():
            acc = {}
            for k in kids:
                t = types.get(k)
                if t:
                    acc[t[0]] = acc.get(t[0], 0) + t[1]
            add(kid, rec, len(kids), acc)
            folded_B += rec[0]
        return {
            "snap": index,
            "rows": cols,
            "stacks": len(own),
            "folded_stacks": len(folded_kids),
            "folded_bytes": folded_B,
            "tables": self.snapshot_tables(snap, own),
        }

    def snapshot_tables(self, snap, own):
        """A snapshot's tables by line, function, package and type.

        The first three in one pass over its sites, each stack's three
        keys computed once for the page (a page holds tens of snapshots
        of mostly the same stacks); rows as group_sites() makes them --
        the same groups, names and order -- for the TABLE_ROWS biggest.
        The type table is group_sites()'s (only exit, user and region
        snapshots have one)."""
        site_name = self.view.locator().site_name
        keys_of = self._table_keys
        sums = ({}, {}, {})
        for kid, rec in own.items():
            keys = keys_of.get(kid)
            if keys is None:
                line = site_name(kid, "line")
                function = site_name(kid, "function")
                keys = keys_of[kid] = ((line[0], line[1]),
                                       (function[0], function[1]),
                                       site_name(kid, "package")[0])
            for acc_by, key in zip(sums, keys):
                acc = acc_by.get(key)
                if acc is None:
                    acc_by[key] = [rec[0], rec[1], rec[2], rec[3], rec[4],
                                   kid]
                else:
                    acc[0] += rec[0]
                    acc[1] += rec[1]
                    acc[2] += rec[2]
                    acc[3] += rec[3]
                    acc[4] += rec[4]
        out = {by: self._table(by, acc_by)
               for by, acc_by in zip(TABLE_BYS[:3], sums)}
        out["type"] = self._type_table(snap, own)
        return out

    def _table(self, by, sums):
        """The table of `by` from its sums ({key: [bytes, blocks, raw,
        pymalloc, large, a kid]})."""
        view = self.view
        site_name = view.locator().site_name
        rows = list(sums.values())
        if len(rows) > TABLE_ROWS:
            cut = heapq.nlargest(TABLE_ROWS, [acc[0] for acc in rows])[-1]
            rows = [acc for acc in rows if acc[0] >= cut]
        named = []
        for acc in rows:
            location, function, sort_key, frame = site_name(acc[5], by)
            if by == "package":
                function = ""
            named.append((-acc[0], sort_key, function, location, frame, acc))
        named.sort(key=lambda r: r[:3])
        string = self.tables.string
        out = []
        shown = [0, 0]
        for _, _, function, location, frame, acc in named[:TABLE_ROWS]:
            fid = (self.tables.frame(frame, view)
                   if by != "package" and frame is not None else -1)
            out.append([fid, string(location), string(function or ""),
                        acc[0], acc[1], acc[2], acc[3], acc[4]])
            shown[0] += acc[0]
            shown[1] += acc[1]
        total = [sum(acc[0] for acc in sums.values()),
                 sum(acc[1] for acc in sums.values())]
        return {"rows": out, "groups": len(sums),
                "rest": [total[0] - shown[0], total[1] - shown[1]]}

    def _type_table(self, snap, own):
        if snap.typed is None or snap.kind not in ("exit", "user", "region"):
            return None
        groups = group_sites(self.view, own, "type", TABLE_ROWS, snap)
        string = self.tables.string
        rows = [[-1, string(g.location), string(g.function or ""),
                 g.bytes, g.blocks] + list(g.by_class) for g in groups]
        shown = [sum(r[3] for r in rows), sum(r[4] for r in rows)]
        total = [sum(rec[0] for rec in own.values()),
                 sum(rec[1] for rec in own.values())]
        return {"rows": rows, "groups": groups.n_groups,
                "rest": [total[0] - shown[0], total[1] - shown[1]]}

    def verdict(self):
        """The growing lines (growth.py, births.py), as the summary has
        them."""
        view = self.view
        opts = self.options
        try:
            trends, points, _grouping = growth_trends(
                view, "line", opts.min_tau, opts.warmup)
        except InputError as exc:
            return {"judged": None, "growing": [], "note": exc.what}
        growing = [t for t in trends if t.growing]
        births = any(t.births is not None for t in trends)
        end_heap = points[-1].heap_B if points else 0
        end_time = points[-1].time if points else 0
        times = [s.time for s in points]
        rows = []
        namer = view.module_namer()
        holders = exit_holders(view, "line")
        for t in growing[:VERDICT_ROWS]:
            since = None
            if t.births is not None and t.births.growing:
                since = t.births.window_start_time()
            rows.append({
                "frame": self.tables.frame(t.frame, view),
                "location": t.location, "function": t.function,
                "short": short_location(namer, t.frame),
                "bytes": t.last, "share": (t.last / end_heap
                                           if end_heap else 0.0),
                "rate": t.late_slope,
                "since": since,
                "type": (None if t.dominant_type is None
                         else t.dominant_type[0]),
                "by_class": list(t.end_classes),
                "series": list(t.series),
                "held_by": _held_by(view, holders.get((t.location,
                                                       t.function))),
            })
        return {
            "judged": len(trends),
            "method": "births" if births else "trend",
            "growing": rows,
            "n_growing": len(growing),
            "growing_bytes": sum(t.last for t in growing),
            "end_heap": end_heap,
            "end_time": end_time,
            "times": times,
            "note": None,
        }

    def leaks(self):
        view = self.view
        if not any(s.kind == "mark" for s in view.profile.snapshots):
            return None
        opts = self.options
        try:
            rows, facts = leak_table(view, "line", opts.leak_lag,
                                     opts.warmup)
        except InputError as exc:
            return {"note": exc.what, "rows": []}
        out = []
        for r in rows[:LEAK_ROWS]:
            out.append({
                "frame": self.tables.frame(r.frame, view),
                "location": r.location, "function": r.function,
                "mean": r.mean, "survivors": r.survivors,
                "per_iteration": r.per_iter,
                "type": (None if r.dominant_type is None
                         else r.dominant_type[0]),
            })
        return {"note": None, "rows": out, "marks": facts["marks"],
                "lag": facts["lag"], "n_rows": len(rows)}

    def pinning(self):
        view = self.view
        found = pinning(view, view.profile.exit_snapshot)
        if found is None:
            return None
        obj = found.to_json()
        for h, row in zip(found.holders, obj["kept_by"]):
            row["frame"] = self.tables.frame(h.frame, view)
        return obj


def view_options(options):
    """What of the profile the page leaves out or names otherwise, in
    words: the options that shape the View."""
    out = []
    for glob in options.filter or ():
        out.append("only the stacks with a frame matching --filter=%s" % glob)
    for glob in options.type or ():
        out.append("only the blocks of types matching --type=%s" % glob)
    if options.depth:
        out.append("stacks cut to their %d innermost frames (--depth)"
                   % options.depth)
    if getattr(options, "innermost", False):
        out.append("lines named by their innermost frame (--innermost)")
    for glob in getattr(options, "user_code", None) or ():
        out.append("your code is --user-code=%s" % glob)
    return out


def diff_table(tables, old_view, old_snap, new_view, new_snap, by):
    """The groups (--by BY) that changed between two snapshots, exact (all
    groups of both sides, as pyheap_print --diff compares them): rows
    [fid, location, function, bytes before, bytes after], biggest change
    first, TABLE_ROWS of them; None for --by=type if a side has no
    types."""
    sides = []
    for view, snap in ((old_view, old_snap), (new_view, new_snap)):
        if by == "type" and (snap.typed is None or snap.kind not in
                             ("exit", "user", "region")):
            return None
        groups = group_sites(view, snap.by_stack(), by, 0, snap)
        sides.append({(g.location, g.function or ""): g for g in groups})
    old, new = sides
    rows = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        before, after = (a.bytes if a else 0), (b.bytes if b else 0)
        if before == after:
            continue
        g, view = (b, new_view) if b is not None else (a, old_view)
        fid = (tables.frame(g.frame, view)
               if by in ("line", "function") and g.frame is not None else -1)
        rows.append((-abs(after - before), key, fid, before, after))
    rows.sort()
    string = tables.string
    return {"rows": [[fid, string(key[0]), string(key[1]), before, after]
                     for _, key, fid, before, after in rows[:TABLE_ROWS]],
            "changed": len(rows),
            "groups": len(set(old) | set(new))}


def short_location(namer, frame):
    """file:line as the summary names it (ModuleNamer.short_file)."""
    if frame is None:
        return None
    if frame[0] != "py":
        return namer.short_file(frame)
    return "%s:%d" % (namer.short_file(frame), frame[2])


def choose_snapshots(snaps, limit, wanted=()):
    """The snapshots (of `snaps`, in time order) whose sites a page keeps:
    those in `wanted`, the peak, the exit, labelled ones, then detailed
    ones evenly spread, `limit` in all (at least those of `wanted`)."""
    with_sites = [s for s in snaps if s.sites is not None and s.has_sites]
    chosen = [s for s in with_sites if s in wanted]
    for kinds in (("peak", "exit"), ("user", "region"), ("mark",),
                  ("detailed",)):
        pool = [s for s in with_sites if s.kind in kinds and s not in chosen]
        room = limit - len(chosen)
        if room <= 0:
            break
        if len(pool) > room:
            pool = [pool[j * (len(pool) - 1) // max(1, room - 1)]
                    for j in range(room)] if room > 1 else [pool[-1]]
        chosen.extend(pool)
    return set(chosen)


def thin_samples(samples, limit):
    """The time series as columns, at most `limit` points: the highest
    sample of each of `limit` stretches of the run (the peak is one)."""
    n = len(samples)
    picks = range(n)
    if n > limit:
        picks = []
        heap = samples.heap_B
        for j in range(limit):
            lo, hi = j * n // limit, (j + 1) * n // limit
            best = max(range(lo, hi), key=lambda i: heap[i])
            picks.append(best)
    cols = {"time": [], "raw": [], "pym": [], "large": [], "arena": []}
    for i in picks:
        cols["time"].append(samples.time[i])
        cols["raw"].append(samples.raw_B[i])
        cols["pym"].append(samples.pymalloc_B[i])
        cols["large"].append(samples.pylarge_B[i])
        cols["arena"].append(samples.arena_B[i])
    cols["n"] = n
    return cols


def read_for_page(kind, n, label):
    """The snapshots whose sites a page reads: all of them (the verdict
    reads the growth kinds; the page keeps some of every kind)."""
    return kind in GROWTH_KINDS or kind in ("peak", "exit", "user",
                                            "region", "mark")


def page_data(views, options, compare=None):
    """The page's dict: `views` is [(View, name)], one for a profile, two
    for --diff; `compare` is ((profile index, snapshot), (profile index,
    snapshot)) to open with (old, new), or None."""
    tables = PageTables(source=not options.no_source)
    limit = options.html_snapshots
    fold_below = options.fold_below
    profiles = []
    detail_at = {}
    if compare is not None:
        for p, snap in compare:
            detail_at.setdefault(p, []).append(snap)
    pages = []
    for p, (view, name) in enumerate(views):
        page = ProfilePage(tables, view, name, options)
        page.choose(limit, detail_at.get(p, ()))
        pages.append(page)
    kept = None
    if fold_below > 0:
        kept = set()
        for page in pages:
            kept.update(page.big_sids(fold_below))
    for page in pages:
        profiles.append(page.to_json(kept))
    initial = compare_tables = None
    if compare is not None:
        initial = []
        for p, snap in compare:
            initial.append([p, pages[p].snaps.index(snap)])
        (old_p, old_snap), (new_p, new_snap) = compare
        compare_tables = {
            by: diff_table(tables, views[old_p][0], old_snap,
                           views[new_p][0], new_snap, by)
            for by in TABLE_BYS}
    data = {
        "format": PAGE_FORMAT,
        "mode": "diff" if len(views) > 1 or compare is not None
        else "profile",
        "categories": CATEGORY_NAMES,
        "classes": CLASSES,
        "limits": {"snapshots": limit, "fold_below": fold_below,
                   "table_rows": TABLE_ROWS, "samples": MAX_SAMPLES},
        "view": view_options(options),
        "compare": initial,
        "compare_tables": compare_tables,
        "profiles": profiles,
    }
    data.update(tables.to_json())
    return data


def _held_by(view, holder):
    """A growing line's first holder at exit (retainers.py) for the page:
    {"text", "share", "end", "module", "chain"}, or None."""
    if holder is None:
        return None
    h, share = holder
    return {"text": holder_brief(view, h), "share": share, "end": h.end,
            "module": module_of(h), "chain": holder_chain(view, h)}


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

import os

from .errors import InputError
from .grouping import group_sites
from .growth import GROWTH_KINDS, growth_trends
from .leaks import leak_table
from .model import CLASSES, TIME_UNITS, describe
from .naming import STDLIB, frame_name
from .pinning import pinning

# The page format's version (html/report.js reads it).
PAGE_FORMAT = 1

MAX_SAMPLES = 1500           # points of a timeline
TABLE_ROWS = 100             # rows of each table of a snapshot
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

    def frame(self, frame, view):
        """The page's id of a model.Frame of `view`'s profile."""
        if frame is None:
            return -1
        kind, path, line, function, ip, obj = frame
        if kind == "py":
            key = (0, path, line, function)
        elif function is not None:
            key = (1, path, line, function, obj)
        else:
            key = (1, obj, ip)
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

    def stack_ids(self, view):
        """A function kid -> the page's stack id, for `view`'s profile."""
        prof = view.profile
        parents = prof.stack_parent
        fids = prof.stack_frame
        frames = prof.frames
        memo = {}

        def sid_of(kid):
            if kid < 0:
                return -1
            found = memo.get(kid)
            if found is not None:
                return found
            chain = []
            k = kid
            while k >= 0 and k not in memo:
                chain.append(k)
                k = parents[k]
            parent = memo[k] if k >= 0 else -1
            for k in reversed(chain):
                fid = self.frame(frames[fids[k]], view)
                key = (parent, fid)
                sid = self._stack_ids.get(key)
                if sid is None:
                    sid = self._stack_ids[key] = len(self.stack_parent)
                    self.stack_parent.append(parent)
                    self.stack_frame.append(fid)
                memo[k] = parent = sid
            return parent
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

def fold_stacks(parents, own, threshold):
    """Fold the sites of a snapshot summed by stack (`own`, {kid: rec} as
    SiteTable.by_stack() gives) below `threshold` bytes.

    A stack is kept if it and the stacks under it (its callees') hold at
    least `threshold`; the bytes of a stack that is not kept go to its
    nearest kept caller (-1: none, the root).  Returns {kid: (rec, kids
    folded here)} of the folded bytes; the kept stacks' own records are
    `own`'s minus the folded ones."""
    if threshold <= 0:
        return {}
    subtree = {}
    for kid, rec in own.items():
        nbytes = rec[0]
        k = kid
        while k >= 0:
            subtree[k] = subtree.get(k, 0) + nbytes
            k = parents[k]
    folded = {}
    for kid, rec in own.items():
        if kid < 0 or subtree[kid] >= threshold:
            continue
        k = parents[kid]
        while k >= 0 and subtree[k] < threshold:
            k = parents[k]
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

    def to_json(self, max_snapshots, fold_below, detail_at=()):
        view = self.view
        prof = view.profile
        snaps = sorted(prof.snapshots, key=lambda s: (s.n, s.index))
        chosen = choose_snapshots(snaps, max_snapshots, detail_at)
        details = []
        snap_rows = []
        for i, snap in enumerate(snaps):
            d = -1
            if snap in chosen:
                d = len(details)
                details.append(self.detail(snap, i, fold_below))
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

    def detail(self, snap, index, fold_below):
        """A snapshot's sites, folded, and its tables."""
        view = self.view
        prof = view.profile
        own = snap.by_stack()
        heap = snap.heap_B
        threshold = heap * fold_below / 100.0
        folded = fold_stacks(prof.stack_parent, own, threshold)
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
            "tables": {by: self.table(snap, own, by) for by in TABLE_BYS},
        }

    def table(self, snap, own, by):
        view = self.view
        if by == "type" and (snap.typed is None or snap.kind not in
                             ("exit", "user", "region")):
            # Only exit, user and region snapshots record types.
            return None
        groups = group_sites(view, own, by, 0, snap)
        rows = []
        string = self.tables.string
        rest = [0, 0]
        for i, g in enumerate(groups):
            if i >= TABLE_ROWS:
                rest[0] += g.bytes
                rest[1] += g.blocks
                continue
            fid = (self.tables.frame(g.frame, view)
                   if by in ("line", "function") and g.frame is not None
                   else -1)
            rows.append([fid, string(g.location), string(g.function or ""),
                         g.bytes, g.blocks] + list(g.by_class))
        return {"rows": rows, "groups": len(groups), "rest": rest}

    def verdict(self):
        """The growing lines (growth.py, births.py), as the summary has
        them."""
        view = self.view
        prof = view.profile
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
    for p, (view, name) in enumerate(views):
        page = ProfilePage(tables, view, name, options)
        profiles.append(page.to_json(limit, fold_below,
                                     detail_at.get(p, ())))
    initial = None
    if compare is not None:
        initial = []
        for p, snap in compare:
            snaps = sorted(views[p][0].profile.snapshots,
                           key=lambda s: (s.n, s.index))
            initial.append([p, snaps.index(snap)])
    data = {
        "format": PAGE_FORMAT,
        "mode": "diff" if len(views) > 1 or compare is not None
        else "profile",
        "categories": CATEGORY_NAMES,
        "classes": CLASSES,
        "limits": {"snapshots": limit, "fold_below": fold_below,
                   "table_rows": TABLE_ROWS, "samples": MAX_SAMPLES},
        "compare": initial,
        "profiles": profiles,
    }
    data.update(tables.to_json())
    return data

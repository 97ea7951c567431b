"""pyheap_viewer.leaks: what each iteration leaves behind (--leaks), from the iteration marks' birth records."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# With iteration marks (--leaks; pyheap.mark() ends one iteration).  Mark
# snapshot k (the k-th `mark` snapshot of the file) holds, in `m` records,
# the blocks live at mark k by the iteration they were born in, for the
# last mark_window iterations.  For a lag N (--leak-lag, < mark_window),
# "allocated during iteration j and still live N iterations later" is the
# `m` records of mark snapshot j+N with birth iteration j.  The report
# averages them over the iterations j after --warmup (the first iterations
# run imports and fill caches), and gives each site's per-iteration growth
# (the Theil-Sen slope of its live bytes over the mark snapshots after
# warm-up that have `b` records) and the survivors to the end (the exit
# snapshot's `m` records: blocks never freed, by birth iteration).
#
# A site's growth per iteration and its dominant type are growth.py's.

from .errors import InputError, UsageError
from .formatting import rounded
from .grouping import GroupKey
from .growth import (DEFAULT_WARMUP, biggest_stacks, dominant_types,
                     is_free_lists, iteration_slopes, mark_snapshots)
from .naming import stack_names

DEFAULT_LEAK_LAG = 1


class SiteLeak:
    """One group's figures from the iteration marks."""

    __slots__ = ("key", "location", "function", "sort_key", "frame",
                 "lagged", "lagged_blocks", "n_iters", "lag_max",
                 "per_iter", "survivors", "survivor_blocks",
                 "survivors_all", "kid", "stack", "dominant_type",
                 "end_bytes")

    @property
    def mean(self):
        return self.lagged / self.n_iters if self.n_iters else 0.0

    def to_json(self):
        return {
            "location": self.location, "function": self.function,
            "mean_bytes": rounded(self.mean),
            "total_bytes": self.lagged, "total_blocks": self.lagged_blocks,
            "max_bytes": self.lag_max, "iterations": self.n_iters,
            "growth_per_iteration": (None if self.per_iter is None
                                     else rounded(self.per_iter)),
            "survivor_bytes": self.survivors,
            "survivor_blocks": self.survivor_blocks,
            "survivor_bytes_all": self.survivors_all,
            "dominant_type": (None if self.dominant_type is None else
                              {"type": self.dominant_type[0],
                               "bytes": self.dominant_type[1],
                               "share": rounded(self.dominant_type[2])}),
            "stack": [{"location": loc, "function": fn}
                      for loc, fn in self.stack],
        }


def mark_info(profile, lag, warmup):
    """(marks, window) of a file with marks; raises InputError without
    marks, UsageError for a lag the window cannot give."""
    marks = mark_snapshots(profile)
    if not marks:
        raise InputError(profile.path, None,
                         "the file has no mark snapshots (call "
                         "pyheap.mark() at the end of each iteration)")
    try:
        window = int(profile.meta.get("mark_window", "8"))
    except ValueError:
        window = 8
    if lag >= window:
        raise UsageError("--leak-lag=%d must be less than the file's mark "
                         "window (%d, the tool's --mark-window)"
                         % (lag, window))
    return marks, window


def leak_table(view, by, lag=DEFAULT_LEAK_LAG, warmup=DEFAULT_WARMUP):
    """SiteLeaks of every group of a View with lagged or surviving bytes,
    biggest mean first; and a dict of facts for the header."""
    profile = view.profile
    marks, window = mark_info(profile, lag, warmup)
    grouping = GroupKey(view, by)
    n_marks = len(marks)
    iters = [j for j in range(warmup + 1, n_marks - lag + 1)]
    rows = {}

    def row(key):
        found = rows.get(key)
        if found is None:
            found = rows[key] = SiteLeak()
            found.key = key
            found.lagged = found.lagged_blocks = found.lag_max = 0
            found.survivors = found.survivor_blocks = 0
            found.survivors_all = 0
            found.per_iter = None
            found.n_iters = len(iters)
            found.kid = None
            found.stack = None
            found.end_bytes = 0
        return found

    per_iteration = {}
    for j in iters:
        snap = marks[j + lag - 1]
        sums = {}
        for kid, cls, birth, nbytes, nblocks in snap.births or ():
            if birth != j:
                continue
            acc = sums.setdefault(grouping.row_key(kid, cls), [0, 0])
            acc[0] += nbytes
            acc[1] += nblocks
        for key, (nbytes, nblocks) in sums.items():
            r = row(key)
            r.lagged += nbytes
            r.lagged_blocks += nblocks
            if nbytes > r.lag_max:
                r.lag_max = nbytes
            per_iteration.setdefault(key, {})[j] = nbytes
    exit_snap = profile.exit_snapshot
    if exit_snap is not None and exit_snap.births:
        for kid, cls, birth, nbytes, nblocks in exit_snap.births:
            r = row(grouping.row_key(kid, cls))
            r.survivors_all += nbytes
            if birth > warmup:
                r.survivors += nbytes
                r.survivor_blocks += nblocks
    slopes = iteration_slopes(profile, grouping, warmup) or {}
    for key, slope in slopes.items():
        if key in rows or slope > 0:
            row(key).per_iter = slope
    types = dominant_types(profile, grouping)
    with_sites = [s for s in marks if s.sites is not None and s.has_sites]
    if exit_snap is not None and exit_snap.sites is not None:
        with_sites.append(exit_snap)
    if grouping.by != "class":
        kids = biggest_stacks(profile, grouping, list(rows), with_sites)
    for r in rows.values():
        (r.location, r.function, r.sort_key,
         r.frame) = grouping.describe(r.key)
        r.dominant_type = types.get(r.key)
        if grouping.by == "class":
            r.kid, r.stack = -1, []
        else:
            r.kid = kids[r.key]
            r.stack = stack_names(profile, r.kid)
    # Dead objects a free list keeps are no iteration's leftovers.
    out = [r for r in rows.values() if not is_free_lists(r.location)]
    out.sort(key=lambda r: (r.sort_key, r.function, str(r.key)))
    out.sort(key=lambda r: (-r.mean, -(r.per_iter or 0), -r.survivors))
    facts = {"marks": n_marks, "window": window, "lag": lag,
             "warmup": warmup, "iterations": iters,
             "label": marks[-1].label, "thinned":
             sum(1 for s in marks if not s.has_sites),
             "exit_births": bool(exit_snap is not None and
                                 exit_snap.births)}
    return out, facts

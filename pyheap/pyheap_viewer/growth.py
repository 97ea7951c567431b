"""pyheap_viewer.growth: which sites keep growing over a run (--growth): robust trends of each group's live bytes."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A Python leak is rarely lost memory: it is memory still referenced from a
# list, a dict, a cache.  What tells it apart from the rest of the heap is
# that it keeps growing, so the reports below look at each site's live bytes
# over time, not at one snapshot.
#
# Without code changes (--growth).  Every snapshot whose `b` records the file
# holds (kinds detailed, peak, user, exit and mark; not region, whose sites
# are part of the heap only; none after the exit snapshot, which see the
# interpreter's finalisation free the heap) is one point (time, live bytes)
# of each group's series (--by: line, function, ...), 0 where the group has
# no live block.  A group's series starts at the point before its first
# bytes (a site that appears late is judged over its own life).
# Two robust measures are computed per series:
#
#   - the Theil-Sen slope: the median of the slopes between every pair of
#     points.  Up to 29% of the points can be outliers (a transient spike
#     at the peak, a snapshot taken in the middle of a batch) without moving
#     it, unlike a least-squares fit;
#   - Kendall's tau (the Mann-Kendall statistic S divided by the number of
#     pairs): +1 when every later point is higher than every earlier one, 0
#     without a trend, -1 for a steady decrease.  Equal values count 0, so
#     a plateau pulls tau towards 0.  "Equal" means within GROWTH_TIE_SHARE
#     (2%) of the group's highest bytes: tau counts a reversal of 600 B in
#     1.3 MB as fully as one of 1 MB, and a leaking line usually also holds
#     the current iteration's temporaries (e.g. the list being built),
#     present at one snapshot and gone at the next.  The peak snapshot and
#     the exit snapshot, often a moment apart at the end of the run, differ
#     by just that.  Over a short latter half (3 points: a leak that starts
#     late in a run with the default --detailed-freq) one such dip took tau
#     from 1 to 0.33 and hid the seed leak on CPython 3.14, where the
#     inlined comprehension (PEP 709) puts the temporaries on the leak's own
#     line.  A plateau's jitter becomes ties, which pulls its tau further
#     towards 0.  The cost is at the margin: a noiseless straight rise by
#     the 5% of its highest bytes that a latter half must gain anyway has a
#     tau of 1 over up to 3 points, 0.77 over 5, 0.61 over 60, 0.607 over
#     GROWTH_MAX_POINTS (it was 1).
#
# Both are computed over the whole run and over its latter half (the points
# from the middle of the run's time span on; at least the last 3 points).
# A cache that fills and then stays full, or start-up work (imports,
# warm-up) that stops, has a high tau over the whole run but a tau near 0
# over the latter half: it is not growing any more.  A leak climbs in both.
# So:
#
#   steadiness = max(0, min(tau over the run, tau over the latter half))
#   rate       = the Theil-Sen slope over the latter half (the current rate)
#   score      = rate * steadiness     (bytes per time unit, ranks the sites)
#
# and a site is "growing" when its steadiness is at least --min-tau (0.6)
# and both slopes are positive, and it rose between consecutive points at
# least twice (GROWTH_MIN_RISES, by more than the tie).  One rise is a
# step, not a trend: a batch job that keeps the last file's rows shows 0
# until the parsing starts and then the same few rows at every later
# point, and with few points late in the run (the last detailed snapshot,
# the peak, the exit) tau alone calls that growth.  Sites are ranked
# growing first, then by score.  `growth` is the Theil-Sen slope over the
# run times the run's time span: how much the trend says the site
# gained.  Series of more than GROWTH_MAX_POINTS points are evenly
# subsampled (first and last kept), so that the pairwise measures stay
# cheap.
#
# The iteration marks (--leaks) are leaks.py's.
#
# A file of format 2 also says when each group's surviving blocks were
# born, which does not depend on where the snapshots fall: births.py's
# verdict then decides `growing` (the trend's measures stay, for the
# rate's sparkline and for groups of a few resized blocks).  A file
# without births (format 1) is judged by the trend alone, as above.
#
# Types.  `y` records (exit, user and region snapshots) tell which Python
# type each live block holds; a site's dominant type is the one holding
# most of its typed bytes in the last snapshot that has `y` records.
# --type=GLOB keeps only blocks of matching types (see apply_types()).

import math

from .births import BIRTH_FEW_BLOCKS, birth_evidence
from .errors import InputError
from .formatting import rounded
from .grouping import GroupKey
from .model import CLASSES, NO_OBJECT, describe
from .naming import stack_names

GROWTH_KINDS = ("detailed", "peak", "user", "exit", "mark")
GROWTH_MAX_POINTS = 120
DEFAULT_MIN_TAU = 0.6
GROWTH_MIN_LATE_GAIN = 0.05
GROWTH_TIE_SHARE = 0.02
GROWTH_MIN_RISES = 2
GROWTH_MIN_SHARE = 0.001
DEFAULT_WARMUP = 1


def median(values):
    """The median of a non-empty list (the mean of the middle two)."""
    values = sorted(values)
    n = len(values)
    mid = n // 2
    if n % 2:
        return values[mid]
    return (values[mid - 1] + values[mid]) / 2.0


def theil_sen(xs, ys):
    """The Theil-Sen slope of the points (xs[i], ys[i]): the median of the
    slopes between the pairs with different x; 0.0 if there is none."""
    slopes = []
    n = len(xs)
    for i in range(n):
        xi, yi = xs[i], ys[i]
        for j in range(i + 1, n):
            dx = xs[j] - xi
            if dx:
                slopes.append((ys[j] - yi) / dx)
    return float(median(slopes)) if slopes else 0.0


def kendall_tau(ys, tie=0):
    """Kendall's tau-b of ys against its order, in [-1, 1]: the
    Mann-Kendall S over sqrt(pairs * (pairs - tied pairs)); 0.0 for fewer
    than 2 points or a constant series.  Two values that differ by `tie`
    or less count as tied (equal)."""
    n = len(ys)
    if n < 2:
        return 0.0
    s = ties = 0
    for i in range(n):
        yi = ys[i]
        for j in range(i + 1, n):
            d = ys[j] - yi
            if d > tie:
                s += 1
            elif d < -tie:
                s -= 1
            else:
                ties += 1
    pairs = n * (n - 1) // 2
    denom = math.sqrt(pairs * (pairs - ties))
    return s / denom if denom else 0.0


def _subsample(indexes, limit):
    """At most `limit` of `indexes`, evenly spread, first and last kept."""
    n = len(indexes)
    if n <= limit:
        return list(indexes)
    return [indexes[j * (n - 1) // (limit - 1)] for j in range(limit)]


class SiteTrend:
    """One group's series and its measures (see the essay above)."""

    __slots__ = ("key", "location", "function", "sort_key", "frame",
                 "first", "last", "max", "end_share", "slope", "tau",
                 "late_slope", "late_tau", "steadiness", "score",
                 "growth", "growing", "per_iter", "kid", "stack",
                 "dominant_type", "series", "verdict", "end_classes",
                 "births", "held_by")

    def to_json(self, unit_scale):
        obj = {
            "location": self.location, "function": self.function,
            "verdict": self.verdict, "growing": self.growing,
            "score": rounded(self.score),
            "rate_bytes_per_time_unit": rounded(self.late_slope),
            "slope_bytes_per_time_unit": rounded(self.slope),
            "tau": rounded(self.tau), "late_tau": rounded(self.late_tau),
            "growth_bytes": int(round(self.growth)),
            "first_bytes": self.first, "last_bytes": self.last,
            "max_bytes": self.max, "end_share": rounded(self.end_share),
            "end_by_class": {name: self.end_classes[i]
                             for i, name in enumerate(CLASSES)},
            "per_iteration_bytes": (None if self.per_iter is None
                                    else rounded(self.per_iter)),
            "dominant_type": (None if self.dominant_type is None else
                              {"type": self.dominant_type[0],
                               "bytes": self.dominant_type[1],
                               "share": rounded(self.dominant_type[2])}),
            "stack": [{"location": loc, "function": fn}
                      for loc, fn in self.stack],
            "births": (None if self.births is None
                       else self.births.to_json(rounded)),
        }
        return obj


def growth_points(profile):
    """The snapshots that are points of the series: those with their `b`
    records, in time order."""
    points = [s for s in profile.snapshots
              if s.kind in GROWTH_KINDS and s.sites is not None
              and s.has_sites]
    points.sort(key=lambda s: (s.n, s.index))
    # Snapshots after the exit snapshot see the interpreter's finalisation
    # tear the heap down: not the program's trend.
    exit_snap = profile.exit_snapshot
    if exit_snap is not None:
        points = [s for s in points if (s.n, s.index) <=
                  (exit_snap.n, exit_snap.index)]
    return points


def mark_snapshots(profile):
    """The mark snapshots, mark 1 first."""
    return [s for s in profile.snapshots if s.kind == "mark"]


def biggest_stacks(profile, grouping, keys, snaps):
    """{key: the stack id holding most of the group's bytes in the last
    of `snaps` where it has bytes (-1 if none)} of each of `keys` (not
    --by=class).

    One pass over each snapshot, from the last, for all the keys still
    without a stack: --leaks and --growth want one for every group, and
    a group absent from the last snapshots had each of its own passes go
    back over all of them (a marked file of 111 MB took minutes).  The
    stacks are named (GroupKey.key()) in the same order as the passes of
    one key at a time did: snapshot by snapshot from the last, as far
    back as the deepest key needs."""
    pending = set(keys)
    found = {}
    all_keys = grouping.group_keys
    for snap in reversed(snaps):
        if not pending:
            break
        sites = snap.sites
        groups = grouping.numbers(sites.kids)
        wanted = [all_keys[g] in pending for g in range(len(all_keys))]
        best = {}
        for group, kid, nbytes in zip(groups, sites.kids, sites.bytes):
            if not nbytes or not wanted[group]:
                continue
            had = best.get(group)
            if had is None or (nbytes, -kid) > (had[0], -had[1]):
                best[group] = (nbytes, kid)
        for group, (_, kid) in best.items():
            found[all_keys[group]] = kid
            pending.discard(all_keys[group])
    return {key: found.get(key, -1) for key in keys}


def dominant_types(profile, grouping):
    """{key: (type name, bytes, share)} from the last snapshot with `y`
    records (an exit snapshot if there is one)."""
    typed = [s for s in profile.snapshots if s.typed]
    if not typed:
        return {}
    exits = [s for s in typed if s.kind == "exit"]
    snap = exits[-1] if exits else max(typed, key=lambda s: (s.n, s.index))
    sums = {}
    for kid, cls, name, nbytes, nblocks in snap.typed:
        key = grouping.row_key(kid, cls)
        by_type = sums.setdefault(key, {})
        name = NO_OBJECT if name is None else name
        by_type[name] = by_type.get(name, 0) + nbytes
    out = {}
    for key, by_type in sums.items():
        total = sum(by_type.values())
        ranked = sorted(by_type.items(), key=lambda item: (item[0] ==
                                                           NO_OBJECT,
                                                           -item[1],
                                                           item[0]))
        name, nbytes = ranked[0]
        out[key] = (name, nbytes, nbytes / total if total else 0.0,
                    describe(snap))
    return out


def iteration_slopes(profile, grouping, warmup):
    """{key: bytes per iteration}: the Theil-Sen slope of each group's live
    bytes over the mark snapshots after warm-up that have `b` records (x
    is the mark's number); None without at least 2 of them."""
    marks = mark_snapshots(profile)
    points = [(k, snap) for k, snap in enumerate(marks, 1)
              if k > warmup and snap.sites is not None and snap.has_sites]
    if len(points) < 2:
        return None
    points = [points[i] for i in _subsample(range(len(points)),
                                            GROWTH_MAX_POINTS)]
    series = {}
    for i, (k, snap) in enumerate(points):
        for key, (nbytes, _) in grouping.sums(snap).items():
            ys = series.get(key)
            if ys is None:
                ys = series[key] = [0] * len(points)
            ys[i] = nbytes
    xs = [k for k, _ in points]
    return {key: theil_sen(xs, ys) for key, ys in series.items()}


def _sum_series(profile, grouping, points):
    series = {}
    for i, snap in enumerate(points):
        for key, (nbytes, _) in grouping.sums(snap).items():
            ys = series.get(key)
            if ys is None:
                ys = series[key] = [0] * len(points)
            ys[i] = nbytes
    return series


FREE_LISTS_FILE = "<free lists>"


def is_free_lists(location):
    """Whether a group's location is the tool's "<free lists>" frame (3.13+:
    dead objects CPython keeps for reuse), alone or as a file:line."""
    return (location == FREE_LISTS_FILE
            or location.startswith(FREE_LISTS_FILE + ":"))


def growth_trends(view, by, min_tau=DEFAULT_MIN_TAU, warmup=DEFAULT_WARMUP):
    """The SiteTrends of every group of a View, ranked (growing first, then
    by score, then by name), the points used and the GroupKey."""
    profile = view.profile
    grouping = GroupKey(view, by)
    all_points = growth_points(profile)
    heaps = [s.heap_B for s in profile.snapshots] or [0]
    min_growth = GROWTH_MIN_SHARE * max(heaps)
    evidence = birth_evidence(profile, grouping, min_growth)
    if len(all_points) < (1 if evidence is not None else 3):
        raise InputError(profile.path, None,
                         "--growth needs at least 3 snapshots with sites "
                         "(the file has %d): run longer, or with a smaller "
                         "--detailed-freq" % len(all_points))
    chosen = _subsample(range(len(all_points)), GROWTH_MAX_POINTS)
    points = [all_points[i] for i in chosen]
    series = _sum_series(profile, grouping, points)
    ts = [s.time for s in points]
    last_heap = points[-1].heap_B
    per_iter = iteration_slopes(profile, grouping, warmup) \
        if mark_snapshots(profile) else None
    end_classes = {}
    for kid, cls, nbytes, nblocks in points[-1].sites:
        acc = end_classes.setdefault(grouping.row_key(kid, cls), [0, 0, 0])
        acc[cls] += nbytes
    types = dominant_types(profile, grouping)
    trends = []
    for key, ys in series.items():
        trend = SiteTrend()
        trend.key = key
        (trend.location, trend.function, trend.sort_key,
         trend.frame) = grouping.describe(key)
        trend.series = ys
        trend.first, trend.last, trend.max = ys[0], ys[-1], max(ys)
        trend.end_share = trend.last / last_heap if last_heap else 0.0
        _measure_trend(trend, ts, ys, min_tau, min_growth)
        trend.births = None if evidence is None else evidence.get(key)
        if evidence is not None:
            _judge_by_births(trend)
        if trend.growing and is_free_lists(trend.location):
            # CPython's free lists hold dead objects, each list up to a
            # fixed number: they fill up as a program runs and are never
            # a leak (docs/file-format.md, "<free lists>").
            trend.growing = False
            trend.verdict = "-"
        trend.per_iter = None if per_iter is None else per_iter.get(key, 0.0)
        trend.dominant_type = types.get(key)
        trend.end_classes = end_classes.get(key, [0, 0, 0])
        trend.kid = None
        trend.stack = None
        trend.held_by = None        # reports/growth.py: (text, share)
        trends.append(trend)
    trends.sort(key=lambda t: (t.sort_key, t.function, str(t.key)))
    trends.sort(key=lambda t: (not t.growing, -t.score, -t.last))
    return trends, points, grouping


def _measure_trend(trend, ts, ys, min_tau, min_growth):
    """The trend's measures of one series and its verdict by them (the
    essay above)."""
    # The site's life: from the point before its first bytes on.
    born = 0
    while born < len(ys) and not ys[born]:
        born += 1
    born = max(0, born - 1)
    life_ts, life_ys = ts[born:], ys[born:]
    middle = life_ts[0] + (life_ts[-1] - life_ts[0]) / 2.0
    late = [i for i, t in enumerate(life_ts) if t >= middle]
    if len(late) < 3:
        late = list(range(max(0, len(life_ts) - 3), len(life_ts)))
    late_ts = [life_ts[i] for i in late]
    late_ys = [life_ys[i] for i in late]
    trend.slope = theil_sen(life_ts, life_ys)
    # Changes smaller than GROWTH_TIE_SHARE of the group's highest
    # bytes are not a trend either way (see the essay above).
    tie = GROWTH_TIE_SHARE * trend.max
    trend.tau = kendall_tau(life_ys, tie)
    trend.late_slope = theil_sen(late_ts, late_ys)
    trend.late_tau = kendall_tau(late_ys, tie)
    trend.steadiness = max(0.0, min(trend.tau, trend.late_tau))
    trend.score = max(0.0, trend.late_slope) * trend.steadiness
    trend.growth = trend.slope * (life_ts[-1] - life_ts[0])
    late_gain = trend.late_slope * (late_ts[-1] - late_ts[0]) \
        if late_ts else 0.0
    rises = sum(1 for a, b in zip(life_ys, life_ys[1:]) if b - a > tie)
    trend.growing = (trend.steadiness >= min_tau
                     and len(life_ys) >= 3
                     and rises >= GROWTH_MIN_RISES
                     and trend.slope > 0 and trend.late_slope > 0
                     and late_gain >= GROWTH_MIN_LATE_GAIN * trend.max
                     and trend.growth >= min_growth)
    if trend.growing:
        trend.verdict = "growing"
    elif len(life_ys) < 3:
        trend.verdict = "-"
    elif (trend.tau >= min_tau and trend.max > trend.first and
          (trend.late_tau < min_tau or trend.late_slope <= 0)):
        trend.verdict = "plateau"
    elif trend.tau <= -min_tau and trend.slope < 0:
        trend.verdict = "shrinking"
    else:
        trend.verdict = "-"


# The verdict words of the births (births.py's shapes).
_BIRTH_VERDICTS = {"steady": "growing", "turnover": "turnover",
                   "stopped": "plateau", "burst": "burst", "mixed": "-",
                   "-": "-"}


def _judge_by_births(trend):
    """Replace the trend's verdict by the births' (births.py): a group
    with survivors is judged by when they were born; a group with none
    left at the end is not growing; a group of a few resized blocks
    keeps the trend's verdict."""
    ev = trend.births
    if ev is None:
        trend.growing = False
        if trend.verdict == "growing":
            trend.verdict = "-"
        return
    if ev.shape == "imports":
        trend.growing = False
        trend.verdict = "-"
        return
    if ev.blocks <= BIRTH_FEW_BLOCKS:
        return
    trend.growing = ev.growing
    trend.growth = ev.growth
    trend.score = ev.rate if ev.growing else 0.0
    if ev.growing:
        trend.late_slope = ev.rate
        trend.verdict = "growing"
    else:
        trend.verdict = _BIRTH_VERDICTS.get(ev.shape, "-")


def fill_stacks(profile, grouping, trends, points):
    """Give the SiteTrends their representative stacks (the biggest)."""
    todo = [trend for trend in trends if trend.stack is None]
    if grouping.by != "class":
        kids = biggest_stacks(profile, grouping,
                              [trend.key for trend in todo], points)
    for trend in todo:
        if grouping.by == "class":
            trend.kid = -1
            trend.stack = []
        else:
            trend.kid = kids[trend.key]
            trend.stack = stack_names(profile, trend.kid)

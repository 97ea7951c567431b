"""pyheap_viewer.births: the leak verdict from when each group's surviving blocks were born (format 2's birth epochs)."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Why not the trend alone.  growth.py judges a group by its live bytes at
# the snapshots the file holds.  Where those snapshots fall is chance: a
# short run's samples fall mostly in start-up imports, a loop can fit
# between two of them, one more pyheap.snapshot() moves the latter half.
# A gate built on that passed a real leak and failed its fix.
#
# What every run has, whatever the sampling, is the blocks still live at
# the end and when each was born: the tool groups the live blocks of the
# exit snapshot (and of every detailed snapshot) by the epoch of the run
# they were born in (ph_births.c: 32 to 64 equal spans of the run's time).
# The shapes tell the cases apart:
#
#   a leak           survivors born steadily, up to the end: the loop
#                    keeps a little of every iteration
#   a cache that     survivors born while it filled, none since
#   fills, warm-up,
#   imports
#   a burst          survivors born in one short span (the last batch's
#                    rows, one big index built once)
#   a bounded        survivors born steadily up to the end too -- but
#   buffer, an LRU   only the recent ones: what it held earlier is gone
#
# The measures, per group (--by), from the exit's birth histogram H (bytes
# born in each epoch e, e = 0 .. n-1, n-1 being the epoch the run ended
# in):
#
#   window    the span of epochs [s, n) whose survivors look most like a
#             steady stream: for every start s that leaves at least
#             BIRTH_MIN_SPAN epochs, the Kolmogorov-Smirnov distance D(s)
#             between the survivors' birth times in [s, n) and a uniform
#             spread over that span (the largest gap between the two
#             cumulative shares at an epoch boundary); the window is the
#             s with the smallest D among those that hold at least
#             BIRTH_MIN_WINDOW_SHARE of the group's survivors (the rest,
#             born before s, is set-up: the list itself, the first
#             imports).  The time of the last epoch counts to the exit
#             only: it is partial.
#   steady    D of the window <= BIRTH_MAX_D, and the last quarter of the
#             window's time holds at least BIRTH_MIN_TAIL_SHARE of its
#             survivors (a stream born up to the end puts a quarter
#             there).  A stream born up to the end has D near 0; a burst
#             concentrated in one of four epochs has D >= 0.5; a cache
#             that stopped half way, 0.5; one that stopped a quarter
#             before the end, D about 0.25 -- the tail rule catches it.
#             And the stream must go on to the end: the window's last
#             tenth (at least two epochs) holds at least
#             BIRTH_MIN_END_SHARE of what an even stream puts there (a
#             cache that filled over most of a short run and stopped just
#             before its end has a small D and fails here).  And
#             survivors were born in at least BIRTH_MIN_COVERAGE of the
#             window's epochs (coverage).
#   kept      from the detailed snapshots that fall inside the window: of
#             the bytes each held that were born in the window's epochs
#             before it (leaving out the last two of its epochs: the
#             iteration in flight, its temporaries), the share still live
#             at the exit.  A leak keeps them all (near 1); a buffer of
#             the last N items has let the older ones go.  No such
#             snapshot: not measured, and not held against the group.
#   growth    the survivors born in the window: what the group kept since
#             it started growing; rate = growth over the window's time.
#
#   gone      the bytes the group freed over the run at least an epoch
#             after their birth (the `gone` records: old deaths).  A leak
#             lets nothing old go; a deque of the last N items lets go of
#             one old item for each new one.  Unlike `kept` it needs no
#             snapshot: a deque that fills at half the run and a leak that
#             starts there leave the same survivors, and only this tells
#             them apart when no detailed snapshot fell inside the loop.
#
#   growing   steady, kept >= BIRTH_MIN_KEPT (or not measured), gone <
#             BIRTH_MAX_GONE_SHARE of the growth, growth >= GROWTH_MIN_SHARE
#             of the peak heap and >= BIRTH_MIN_BYTES (16 KiB: the last
#             20 records a bounded list keeps at the end of a short run are
#             born like a leak that began there, and too small to matter;
#             a real leak this small in a test run is not worth a verdict)
#
# Imports are not a leak.  A module's code objects, functions, classes and
# tables are made once, when it is first imported -- and a program may
# import throughout its run: lazily, per plugin, and the start-up of a
# short script is mostly imports (site.py, .pth files, the modules the
# script names).  Their survivors can be born as steadily as a leak's, up
# to the end of a short run, yet they are bounded by the code base, not by
# the work.  So a block whose stack passes through the import system (a
# frame of importlib's _bootstrap or _bootstrap_external, frozen or not,
# or of zipimport) is left out of the histograms and the old deaths: a
# group made only of such blocks has the shape "imports" and is never
# growing.  Code a module runs at import time counts as import; the same
# code called later does not.
#
# A realloc makes a new block, so a container grown by realloc (a list's
# item array, a dict's table) is born when it last grew: one block, never
# a stream.  Such a group -- at most BIRTH_FEW_BLOCKS blocks -- keeps the
# verdict of the trend of its live bytes (growth.py): the items it holds
# are judged at their own lines.  "<free lists>" is never growing (see
# growth.py).  The false-positive and false-negative rates of this rule,
# measured on bench/leakcorpus, are in docs/leak-hunting.md.

import math
from itertools import repeat
from operator import add, mul

from .formatting import sparkline

BIRTH_MIN_SPAN = 4
BIRTH_MIN_WINDOW_SHARE = 0.25
BIRTH_MAX_D = 0.35
BIRTH_MIN_TAIL_SHARE = 0.1
BIRTH_MIN_COVERAGE = 0.5
BIRTH_MIN_END_SHARE = 0.25
BIRTH_MAX_GONE_SHARE = 0.5
BIRTH_MIN_KEPT = 0.75
BIRTH_MIN_BYTES = 16384
BIRTH_FEW_BLOCKS = 4
BIRTH_IN_FLIGHT = 2


class BirthEvidence:
    """What the births say of one group (see the essay above)."""

    __slots__ = ("histogram", "blocks", "width", "n_epochs", "end_time",
                 "start", "distance", "coverage", "kept", "gone", "growth",
                 "rate", "steady", "growing", "shape")

    def __init__(self, hist, blocks, width, n_epochs, end_time):
        self.histogram = hist
        self.blocks = blocks
        self.width = width
        self.n_epochs = n_epochs
        self.end_time = end_time

    def window_start_time(self):
        return None if self.start is None else self.start * self.width

    def shape_text(self):
        """The evidence in words, for the reports: "born steadily since
        62% of the run (D 0.24), 100% of it kept"."""
        if self.shape == "imports":
            return "born while modules were imported"
        if self.shape == "few-blocks":
            return "%d block%s, judged by the trend of their live bytes" % (
                self.blocks, "" if self.blocks == 1 else "s")
        end = float(self.end_time or 1)
        if self.shape in ("steady", "turnover"):
            text = "born steadily since %.0f%% of the run (D %.2f)" % (
                100.0 * self.window_start_time() / end, self.distance)
            if self.kept is not None:
                text += ", %.0f%% of it kept" % (100.0 * self.kept)
            if self.gone:
                text += ", %s B old let go" % format(self.gone, ",")
            return text
        nonzero = [e for e, b in enumerate(self.histogram) if b]
        if not nonzero:
            return "none left"
        first = 100.0 * nonzero[0] * self.width / end
        last = 100.0 * min(end, (nonzero[-1] + 1) * self.width) / end
        word = {"burst": "in one burst", "stopped": "until a point, none "
                "since", "mixed": "unevenly"}.get(self.shape, self.shape)
        return "born %s, between %.0f%% and %.0f%% of the run" % (
            word, first, last)

    def to_json(self, rounded):
        return {
            "window_start_time": self.window_start_time(),
            "epoch_width": self.width,
            "distance": rounded(self.distance),
            "coverage": rounded(self.coverage),
            "kept": None if self.kept is None else rounded(self.kept),
            "gone_bytes": self.gone,
            "growth_bytes": self.growth,
            "rate_bytes_per_time_unit": rounded(self.rate),
            "shape": self.shape,
            "born_bytes_by_epoch": list(self.histogram),
        }


def exit_births(profile):
    """The snapshot whose births judge the run: the exit snapshot if it has
    them, else the last snapshot that has; None for a file without births
    (format 1)."""
    snap = profile.exit_snapshot
    if snap is not None and snap.born is not None:
        return snap
    found = [s for s in profile.snapshots if s.born is not None]
    return found[-1] if found else None


_IMPORT_FILES = frozenset((
    "<frozen importlib._bootstrap>", "<frozen importlib._bootstrap_external>",
    "<frozen zipimport>"))
_IMPORT_SUFFIXES = ("/importlib/_bootstrap.py",
                    "/importlib/_bootstrap_external.py", "/zipimport.py")


def is_import_frame(frame):
    """Whether a frame is the import system's (see the essay above)."""
    path = frame[1]
    if frame[0] != "py" or not path:
        return False
    return path in _IMPORT_FILES or path.endswith(_IMPORT_SUFFIXES)


class ImportStacks:
    """Which stacks pass through the import system, by kid (memoized: a
    kid's answer is its frame's or its parent's)."""

    def __init__(self, profile):
        self.profile = profile
        self._known = {}

    def __call__(self, kid):
        known = self._known
        chain = []
        found = None
        profile = self.profile
        while kid >= 0:
            found = known.get(kid)
            if found is not None:
                break
            chain.append(kid)
            if is_import_frame(profile.frames[profile.stack_frame[kid]]):
                found = True
                break
            kid = profile.stack_parent[kid]
        if found is None:
            found = False
        for k in chain:
            known[k] = found
        return found


def _histograms(snap, grouping, n, imported, groups, blocks=True):
    """({key: ([bytes by epoch], blocks)}, {key: same}) of a snapshot's born
    records, over `n` epochs of its own width: the blocks born outside
    the import system, and those born inside it (`imported`, a kid ->
    bool function).  Without `blocks`, the blocks are 0 (the earlier
    snapshots' are not used: a loop fewer).

    A big file has as many born records as `b` records, and every
    detailed snapshot's are read here: a record's group is looked up once
    per stack (and class) for all the snapshots (`groups`, a _Groups),
    and the sums are one loop over the columns."""
    born = snap.born
    idents = groups.idents(born.kids, born.classes)
    slots = groups.slots(idents, grouping, imported)
    n_groups = len(groups.pairs)
    flat = [0] * (n * n_groups)
    for i, nbytes in zip(map(add, map(mul, slots, repeat(n)), born.epochs),
                         born.bytes):
        flat[i] += nbytes
    sums = [0] * n_groups
    if blocks:
        for slot, nblocks in zip(slots, born.blocks):
            sums[slot] += nblocks
    out, imports = {}, {}
    for slot in dict.fromkeys(slots):
        inside, key = groups.pairs[slot]
        (imports if inside else out)[key] = [flat[slot * n:(slot + 1) * n],
                                             sums[slot]]
    return out, imports


class _Groups:
    """The group of each record identity (a stack, or a stack and class
    for --by=class), numbered, shared by the snapshots of one
    birth_evidence(): pairs[slot] is (born under imports, key)."""

    def __init__(self, by_class, n_stacks):
        self.by_class = by_class
        # By identity + 3 (identities start at -3: no stack, by class):
        # the slot, or -1 for an identity not seen yet.
        self.slot_of = [-1] * (3 * n_stacks + 6 if by_class
                               else n_stacks + 3)
        self.slot_by_pair = {}
        self.pairs = []

    def idents(self, kids, classes):
        """Each record's identity, + 3 (an index in slot_of)."""
        if self.by_class:
            return list(map(add, map(mul, kids, repeat(3)),
                            map(add, classes, repeat(3))))
        return list(map(add, kids, repeat(3)))

    def slots(self, idents, grouping, imported):
        """The slot of each identity.  New stacks are named in the order
        of their first record, as a loop over the records would name them
        (GroupKey names a key after its first stack)."""
        slot_of = self.slot_of
        slots = list(map(slot_of.__getitem__, idents))
        if -1 not in slots:
            return slots
        for ident in dict.fromkeys(idents):
            if slot_of[ident] >= 0:
                continue
            if self.by_class:
                kid, cls = divmod(ident - 3, 3)
            else:
                kid, cls = ident - 3, 0
            pair = (imported(kid), grouping.row_key(kid, cls))
            slot = self.slot_by_pair.get(pair)
            if slot is None:
                slot = self.slot_by_pair[pair] = len(self.pairs)
                self.pairs.append(pair)
            slot_of[ident] = slot
        return list(map(slot_of.__getitem__, idents))


def ks_window(hist, min_span=BIRTH_MIN_SPAN,
              min_share=BIRTH_MIN_WINDOW_SHARE, last_fraction=1.0):
    """(start, D) of the steadiest window [start, n) of a birth histogram
    (see the essay); (None, 1.0) if no window qualifies.  The last epoch
    counts `last_fraction` of an epoch's time (it is partial)."""
    n = len(hist)
    total = float(sum(hist))
    if total <= 0 or n < min_span:
        return None, 1.0
    best = (None, 1.0)
    # Suffix sums: bytes born in [s, n).
    suffix = [0] * (n + 1)
    for e in range(n - 1, -1, -1):
        suffix[e] = suffix[e + 1] + hist[e]
    for s in range(0, n - min_span + 1):
        inside = suffix[s]
        if inside <= 0 or inside < min_share * total:
            continue
        span = (n - 1 - s) + last_fraction
        d = 0.0
        cum = 0
        for e in range(s, n):
            cum += hist[e]
            end = (e - s + 1) if e < n - 1 else span
            d = max(d, abs(cum / inside - end / span))
            # Just before the epoch's births (its start): the same gap
            # seen from below.
            d = max(d, abs((cum - hist[e]) / inside - (e - s) / span))
        if d < best[1]:
            best = (s, d)
    return best


def coverage(hist, start):
    """The share of the epochs of [start, n) in which survivors were born
    (0 without a window)."""
    if start is None:
        return 0.0
    span = hist[start:]
    return sum(1 for b in span if b) / float(len(span)) if span else 0.0


def tail_share(hist, start):
    """The share of the survivors born in [start, n) that were born in the
    last quarter of those epochs (at least the last one)."""
    n = len(hist)
    inside = sum(hist[start:])
    if inside <= 0:
        return 0.0
    first_tail = min(n - 1, start + (3 * (n - start)) // 4)
    return sum(hist[first_tail:]) / float(inside)


def born_to_the_end(hist, start, last_fraction=1.0):
    """Whether the stream in [start, n) goes on to the end: the last tenth
    of the window's time (at least its last two epochs) holds at least
    BIRTH_MIN_END_SHARE of what an even stream would put there."""
    n = len(hist)
    span = (n - 1 - start) + last_fraction
    inside = sum(hist[start:])
    if inside <= 0 or span <= 0:
        return False
    k = max(2, int(math.ceil((n - start) / 10.0)))
    k = min(k, n - start)
    end_time = (k - 1) + last_fraction
    expected = inside * end_time / span
    return sum(hist[n - k:]) >= BIRTH_MIN_END_SHARE * expected


def kept_share(hist_exit, width_exit, start, snaps, key_hists):
    """The share of the bytes the detailed snapshots inside the window held
    (born in the window, before their last BIRTH_IN_FLIGHT epochs) that the
    exit still holds; None if no snapshot measures it.

    `snaps` are (snapshot, {key: hist}) pairs already reduced to this
    group: `key_hists` maps each snapshot to the group's histogram there.
    """
    held = kept = 0
    window_start = start * width_exit
    for snap, hist in zip(snaps, key_hists):
        if hist is None or snap.time <= window_start:
            continue
        w = snap.epoch_width
        # Exit epochs are unions of snapshot epochs (they nest).
        ratio = max(1, width_exit // w)
        last_whole = len(hist) - BIRTH_IN_FLIGHT
        by_exit_epoch = {}
        for e in range(last_whole):
            if hist[e]:
                by_exit_epoch.setdefault(e // ratio, []).append(e)
        for je, epochs in by_exit_epoch.items():
            # Only exit epochs entirely covered by the snapshot's whole
            # epochs compare like with like.
            if (je + 1) * ratio > last_whole:
                continue
            had = sum(hist[e] for e in epochs)
            still = hist_exit[je] if je < len(hist_exit) else 0
            held += had
            kept += min(had, still)
    if held <= 0:
        return None
    return kept / float(held)


def birth_evidence(profile, grouping, min_growth):
    """{key: BirthEvidence} of every group with survivors at the judging
    snapshot, or None if the file has no births."""
    judge = exit_births(profile)
    if judge is None:
        return None
    n = judge.n_epochs
    width = judge.epoch_width
    end_time = judge.time
    last_fraction = min(1.0, max(0.0, (end_time - (n - 1) * width)
                                 / float(width)))
    imported = ImportStacks(profile)
    groups = _Groups(grouping.by == "class", len(profile.stack_parent))
    exit_h, import_h = _histograms(judge, grouping, n, imported, groups)
    earlier = [s for s in profile.snapshots
               if s.born is not None and s is not judge
               and s.kind == "detailed" and s.time < end_time]
    earlier_h = [_histograms(s, grouping, s.n_epochs, imported, groups,
                             blocks=False)[0] for s in earlier]
    gone = {}
    for kid, cls, nbytes, nblocks in profile.gone:
        if imported(kid):
            continue
        key = grouping.row_key(kid, cls)
        gone[key] = gone.get(key, 0) + nbytes
    out = {}
    for key, (hist, blocks) in import_h.items():
        if key not in exit_h:
            out[key] = _imports_only(hist, blocks, width, n, end_time)
    for key, (hist, blocks) in exit_h.items():
        ev = BirthEvidence(hist, blocks, width, n, end_time)
        ev.start, ev.distance = ks_window(hist, last_fraction=last_fraction)
        ev.coverage = coverage(hist, ev.start)
        ev.steady = (ev.start is not None and ev.distance <= BIRTH_MAX_D
                     and tail_share(hist, ev.start) >= BIRTH_MIN_TAIL_SHARE
                     and ev.coverage >= BIRTH_MIN_COVERAGE
                     and born_to_the_end(hist, ev.start, last_fraction))
        if ev.start is None:
            ev.growth = 0
            ev.rate = 0.0
            ev.kept = None
        else:
            ev.growth = sum(hist[ev.start:])
            duration = max(1, end_time - ev.start * width)
            ev.rate = ev.growth / float(duration)
            ev.kept = kept_share(
                hist, width, ev.start, earlier,
                [(h.get(key) or (None, 0))[0] for h in earlier_h])
        ev.gone = gone.get(key, 0)
        ev.growing = (ev.steady and blocks > BIRTH_FEW_BLOCKS
                      and not _turnover(ev)
                      and ev.growth >= max(min_growth, BIRTH_MIN_BYTES))
        ev.shape = _shape(ev, hist, last_fraction)
        out[key] = ev
    return out


def _imports_only(hist, blocks, width, n, end_time):
    """The evidence of a group whose survivors were all born under the
    import system: never growing (see the essay)."""
    ev = BirthEvidence(hist, blocks, width, n, end_time)
    ev.start, ev.distance, ev.coverage = None, 1.0, 0.0
    ev.kept, ev.gone, ev.growth, ev.rate = None, 0, 0, 0.0
    ev.steady = ev.growing = False
    ev.shape = "imports"
    return ev


def _turnover(ev):
    """Whether the group lets its old blocks go: a window, not a leak."""
    return ((ev.kept is not None and ev.kept < BIRTH_MIN_KEPT)
            or ev.gone >= BIRTH_MAX_GONE_SHARE * ev.growth)


def _shape(ev, hist, last_fraction):
    """A word for the histogram: steady, kept-then-freed (a window that
    lets go), early (born before the last quarter of the run, none
    since), burst (born within a few epochs), or few-blocks."""
    n = len(hist)
    if ev.blocks <= BIRTH_FEW_BLOCKS:
        return "few-blocks"
    if ev.steady:
        return "turnover" if _turnover(ev) else "steady"
    nonzero = [e for e in range(n) if hist[e]]
    if not nonzero:
        return "-"
    if nonzero[-1] - nonzero[0] < BIRTH_MIN_SPAN:
        return "burst"
    if nonzero[-1] < n - max(2, n // 4):
        return "stopped"
    return "mixed"


def sparkline_of(hist, width=24):
    """The birth histogram as a text sparkline of `width` cells."""
    n = len(hist)
    if n <= width:
        return sparkline(list(hist), width=len(hist) or 1)
    cells = []
    for i in range(width):
        lo = i * n // width
        hi = (i + 1) * n // width
        cells.append(sum(hist[lo:hi]))
    return sparkline(cells, width=width)


"""pyheap_viewer.invariants: the rules of the file format that span records (sums, order, ranges), checked as the reader goes."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The reader (reader.py) checks each record alone: its fields, its ids,
# its place in the grammar.  A file can pass all of that and still be
# wrong: a digit changed in a `b` record, two records swapped, a line
# deleted and the trailer recounted.  docs/file-format.md states rules
# that catch those, and a file that breaks one is not what the tool wrote:
#
#   - every number fits in 64 bits;
#   - a sample's heap_B is the sum of its three classes;
#   - snapshots come in the order of their sample numbers, one per sample;
#   - the `b` records of a snapshot are sorted (bytes descending, then
#     stack, then class) and those of each class add up to its `c` line
#     (not in a region snapshot, whose `b` records are the region's blocks
#     only, nor in a mark snapshot thinned of its `b` records);
#   - the `y` records are sorted like `b` then by type, hold Python blocks
#     only, and per class add up to the `b` records of that class;
#   - the `m` records are sorted by birth iteration, then like `b`;
#   - the `born` records are sorted by epoch, then like `b`, name epochs
#     below the count, and per class add up to the `c` line;
#   - the ten `arenas` records' counts add up to the `a` line's count;
#   - the `pinned` records are sorted by band, then arena count and bytes
#     descending, then stack;
#   - the `tot` and `gone` records are sorted like `b`.
#
# A broken rule is a BadRecord like any other: one line naming the file,
# the line and the rule, exit status 1.  The checks cost little: a sorted
# run is checked by sorting its keys (linear on sorted input, in C) and the
# sums are sums of the lists the reader builds anyway.

from itertools import compress, repeat
from operator import add, mul, sub

from .errors import BadRecord
from .model import CLASSES

MAX_U64 = (1 << 64) - 1


class RuleBroken(BadRecord):
    """A rule broken by the record `index` of a run (0: the record the
    reader is at)."""

    def __init__(self, message, index=0):
        BadRecord.__init__(self, message)
        self.index = index


def check_u64(values, what):
    """Every value of `values` fits in 64 bits; RuleBroken otherwise."""
    if values and max(values) > MAX_U64:
        index = next(i for i, v in enumerate(values) if v > MAX_U64)
        raise RuleBroken("%s: %d does not fit in 64 bits"
                         % (what, values[index]), index)


def first_unsorted(keys, last=None):
    """The index of the first key of `keys` that is smaller than the one
    before it (or than `last`, the key before the run); -1 if sorted."""
    if last is not None and keys and keys[0] < last:
        return 0
    if keys == sorted(keys):
        return -1
    return next(i for i in range(1, len(keys)) if keys[i] < keys[i - 1])


def check_sorted(keys, last, what, order):
    """RuleBroken if `keys` (after `last`) are not in order."""
    bad = first_unsorted(keys, last)
    if bad >= 0:
        raise RuleBroken("'%s' records out of order (they are sorted %s)"
                         % (what, order), bad)


def run_in_order(kids, classes, major, minor=None):
    """Whether the rows of a run are in the order of the `b` records (bytes
    `major` descending, then stack, then class), or with `minor` (epochs)
    given, by `minor` first: a quick yes for the reader's runs, with no
    tuple per row.

    Each row becomes one integer whose descending order is that order:
    bytes * M - (3 * kid + class), M larger than the spread of
    3 * kid + class (kid >= -1); with `minor`, minus minor * W, W larger
    than the spread of the rest.  A no is then told apart by
    first_unsorted() on the rows' tuples, for its message."""
    if not kids:
        return True
    spread = 3 * max(kids) + 6
    keys = map(sub, map(mul, major, repeat(spread)),
               map(add, map(mul, kids, repeat(3)), classes))
    if minor is not None:
        width = (max(major) + 2) * spread
        keys = map(add, keys, map(mul, minor, repeat(-width)))
    keys = list(keys)
    return keys == sorted(keys, reverse=True)


def class_sums(classes, columns, accs):
    """accs[i][cls] += the values of columns[i] of each class (a run's
    columns): the last class found takes what the others leave of the
    column's total, one pass fewer."""
    found = sorted(set(classes))
    for i, values in enumerate(columns):
        rest = sum(values)
        for cls in found[:-1]:
            selected = sum(compress(values, map(cls.__eq__, classes)))
            accs[i][cls] += selected
            rest -= selected
        accs[i][found[-1]] += rest


BY_BYTES = "by bytes descending, then stack, then class"


class SnapshotRules:
    """The rules of one snapshot's records, fed as they are read and
    checked at its end (finish())."""

    __slots__ = ("snap", "b", "b_blocks", "b_last", "y", "y_last",
                 "m_last", "born", "born_last", "pinned_last", "held_n",
                 "held_B", "held_blocks", "held_last")

    def __init__(self, snap):
        self.snap = snap
        self.b = [0, 0, 0]
        self.b_blocks = [0, 0, 0]
        self.b_last = None
        self.y = [0, 0, 0]
        self.y_last = None
        self.m_last = None
        self.born = [0, 0, 0]
        self.born_last = None
        self.pinned_last = None
        self.held_n = 0
        self.held_B = [0, 0, 0]
        self.held_blocks = [0, 0, 0]
        self.held_last = None

    def sites(self, kids, classes, nbytes, nblocks):
        """A run of `b` records (columns)."""
        check_u64(nbytes, "'b' record")
        check_u64(nblocks, "'b' record")
        first = (-nbytes[0], kids[0], classes[0]) if kids else None
        if not ((self.b_last is None or first is None
                 or self.b_last <= first)
                and run_in_order(kids, classes, nbytes)):
            keys = list(zip([-b for b in nbytes], kids, classes))
            check_sorted(keys, self.b_last, "b", BY_BYTES)
        if kids:
            self.b_last = (-nbytes[-1], kids[-1], classes[-1])
        if kids:
            class_sums(classes, (nbytes, nblocks), (self.b, self.b_blocks))

    def typed(self, kid, cls, sid, nbytes, nblocks):
        check_u64((nbytes, nblocks), "'y' record")
        if cls == 0:
            raise RuleBroken("'y' record of a raw block (only Python "
                             "blocks, pymalloc and python-large, have "
                             "types)")
        key = (-nbytes, kid, cls, sid)
        check_sorted([key], self.y_last, "y", BY_BYTES + ", then type")
        self.y_last = key
        self.y[cls] += nbytes

    def marked(self, kid, cls, birth, nbytes, nblocks):
        check_u64((birth, nbytes, nblocks), "'m' record")
        key = (birth, -nbytes, kid, cls)
        check_sorted([key], self.m_last, "m",
                     "by birth iteration, then " + BY_BYTES)
        self.m_last = key

    def born_run(self, kids, classes, epochs, nbytes, nblocks):
        """A run of `born` records (columns)."""
        check_u64(nbytes, "'born' record")
        check_u64(nblocks, "'born' record")
        count = self.snap.n_epochs
        if epochs and max(epochs) >= count:
            index = next(i for i, e in enumerate(epochs) if e >= count)
            raise RuleBroken("'born' record: epoch %d, the snapshot has %d"
                             % (epochs[index], count), index)
        first = ((epochs[0], -nbytes[0], kids[0], classes[0]) if kids
                 else None)
        if not ((self.born_last is None or first is None
                 or self.born_last <= first)
                and run_in_order(kids, classes, nbytes, epochs)):
            keys = list(zip(epochs, [-b for b in nbytes], kids, classes))
            check_sorted(keys, self.born_last, "born",
                         "by epoch, then " + BY_BYTES)
        if kids:
            self.born_last = (epochs[-1], -nbytes[-1], kids[-1], classes[-1])
        if kids:
            class_sums(classes, (nbytes,), (self.born,))

    def pinned(self, kid, band, arenas, nbytes, nblocks):
        check_u64((arenas, nbytes, nblocks), "'pinned' record")
        key = (band, -arenas, -nbytes, kid)
        check_sorted([key], self.pinned_last, "pinned",
                     "by band, then arena count and bytes descending, "
                     "then stack")
        self.pinned_last = key

    def held(self, kid, cls, nbytes, nblocks):
        check_u64((nbytes, nblocks), "'held' record")
        key = -nbytes
        check_sorted([key], self.held_last, "held", "by bytes descending")
        self.held_last = key
        self.held_n += 1
        self.held_B[cls] += nbytes
        self.held_blocks[cls] += nblocks

    def finish(self, n_sites):
        """The sums, at the snapshot's end-snapshot record."""
        snap = self.snap
        c_bytes = [b for b, _ in snap.classes]
        thinned = snap.kind == "mark" and n_sites == 0
        if snap.kind != "region" and not thinned:
            for i, name in enumerate(CLASSES):
                for what, got, want in (
                        ("bytes", self.b[i], c_bytes[i]),
                        ("blocks", self.b_blocks[i], snap.classes[i][1])):
                    if got != want:
                        raise RuleBroken(
                            "the snapshot begun at line %d: its %s 'b' "
                            "records add up to %d %s, its 'c' line says %d"
                            % (snap.lineno, name, got, what, want))
        if self.y_last is not None:
            for i in (1, 2):
                if self.y[i] != self.b[i]:
                    raise RuleBroken(
                        "the snapshot begun at line %d: its %s 'y' records "
                        "add up to %d bytes, its 'b' records to %d"
                        % (snap.lineno, CLASSES[i], self.y[i], self.b[i]))
        if snap.n_epochs is not None:
            for i, name in enumerate(CLASSES):
                if self.born[i] != c_bytes[i]:
                    raise RuleBroken(
                        "the snapshot begun at line %d: its %s 'born' "
                        "records add up to %d bytes, its 'c' line says %d"
                        % (snap.lineno, name, self.born[i], c_bytes[i]))
        if snap.n_held is not None:
            if self.held_n != snap.n_held:
                raise RuleBroken(
                    "the snapshot begun at line %d has %d 'held' records, "
                    "its 'retainers' record says %d"
                    % (snap.lineno, self.held_n, snap.n_held))
            if not thinned:
                for i, name in enumerate(CLASSES):
                    for what, got, want in (
                            ("bytes", self.held_B[i], self.b[i]),
                            ("blocks", self.held_blocks[i],
                             self.b_blocks[i])):
                        if got != want:
                            raise RuleBroken(
                                "the snapshot begun at line %d: its %s "
                                "'held' records add up to %d %s, its 'b' "
                                "records to %d"
                                % (snap.lineno, name, got, what, want))
        bands = snap.arena_bands
        if bands is not None:
            if len(bands) != 10:
                raise RuleBroken("the snapshot begun at line %d has %d "
                                 "'arenas' records, expected 10"
                                 % (snap.lineno, len(bands)))
            if snap.arena is not None and \
                    sum(a for a, _ in bands) != snap.arena.count:
                raise RuleBroken(
                    "the snapshot begun at line %d: its 'arenas' records "
                    "count %d arenas, its 'a' line %d"
                    % (snap.lineno, sum(a for a, _ in bands),
                       snap.arena.count))


class TotalsRules:
    """The order of the `tot` and `gone` records."""

    __slots__ = ("last",)

    def __init__(self):
        self.last = {}

    def record(self, tag, kid, cls, nbytes, nblocks):
        check_u64((nbytes, nblocks), "'%s' record" % tag)
        key = (-nbytes, kid, cls)
        check_sorted([key], self.last.get(tag), tag, BY_BYTES)
        self.last[tag] = key

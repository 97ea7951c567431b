"""pyheap_viewer.model: what a pyheap output file holds (Profile, Snapshot, sites, frames) and --at."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The file format is docs/file-format.md (version 1).  The reader
# (reader.py) fills these objects; nothing here formats or analyses them.

import array

from .errors import SelectionError
from .formatting import quote, short_list

# The format versions this viewer reads.
FORMAT_VERSIONS = (1, 2, 3)

# The three block classes, in the file's order.  Everywhere a class is an
# index into this tuple.
CLASSES = ("raw", "pymalloc", "python-large")
CLASS_INDEX = {name.encode(): i for i, name in enumerate(CLASSES)}

SNAPSHOT_KINDS = ("detailed", "peak", "exit", "user", "region", "mark")

# The kinds whose snapshots have a label, which --at=LABEL names.
LABELLED_KINDS = ("user", "region", "mark")

TIME_UNITS = {
    "i": "instructions",
    "ms": "milliseconds",
    "B": "bytes allocated + freed",
}

UNKNOWN_LOCATION = "(unknown)"
UNKNOWN_FUNCTION = "???"

# The type name of blocks that hold no Python object (`y` records' -1).
NO_OBJECT = "(no object)"


def describe_end(end):
    """How a run ended, from its `meta end` (ph_exec.c), in words; None
    for a file without one (older files, exec, detailed_snapshot)."""
    if not end or end == "exec":
        return None
    words = end.split()
    if words[0] == "exit" and len(words) >= 2:
        text = "exit status %s" % words[1]
        if "without-finalisation" in words[2:]:
            text += (", without the interpreter's finalisation (os._exit(), "
                     "a C exit() or a forked child: what it would have "
                     "freed is still live at exit)")
        return text
    if words[0] == "signal":
        return ("killed by a signal (no exit call: the profile ends where "
                "the signal struck)")
    if words[0] == "running":
        return ("not finished: the last checkpoint the tool wrote while "
                "the program ran (--checkpoint); the run was killed before "
                "it could write its file (SIGKILL, the OOM killer?), and "
                "its exit snapshot is the heap at that checkpoint")
    return end


class Frame(tuple):
    """One frame of a stack: a Python frame or a native one.

    A plain tuple (kind, file, line, function, ip, obj) for speed and
    memory; `kind` is "py" or "c".  `file`, `function` and `obj` are str or
    None when unknown; `ip` is an int (0 for Python frames).
    """

    __slots__ = ()

    kind = property(lambda self: self[0])
    file = property(lambda self: self[1])
    line = property(lambda self: self[2])
    function = property(lambda self: self[3])
    ip = property(lambda self: self[4])
    obj = property(lambda self: self[5])

    @property
    def is_python(self):
        return self[0] == "py"


class Arena:
    """The `a` record of a snapshot: pymalloc arenas at that moment."""

    __slots__ = ("count", "arena_B", "pymalloc_B", "pymalloc_slot_B",
                 "other_B")

    def __init__(self, count, arena_B, pymalloc_B, pymalloc_slot_B, other_B):
        self.count = count
        self.arena_B = arena_B
        self.pymalloc_B = pymalloc_B
        self.pymalloc_slot_B = pymalloc_slot_B
        self.other_B = other_B

    @property
    def fragmentation_B(self):
        """Memory held in arenas that no live object uses (may be < 0)."""
        return self.arena_B - self.pymalloc_slot_B


class SiteTable:
    """Live bytes and blocks by (stack, class): `b` or `tot` records.

    Four parallel columns; `kid` is -1 for a site without a stack.
    """

    __slots__ = ("kids", "classes", "bytes", "blocks")

    def __init__(self):
        # Arrays, not lists: a kept snapshot of a big file has tens of
        # thousands of rows, and an int in a list costs a pointer and an
        # object (40 bytes) against 8 here.  The reader checks that bytes
        # and blocks fit in 64 bits before it stores them.
        self.kids = array.array("q")
        self.classes = array.array("b")
        self.bytes = array.array("Q")
        self.blocks = array.array("Q")

    def __len__(self):
        return len(self.kids)

    def __iter__(self):
        return zip(self.kids, self.classes, self.bytes, self.blocks)

    def extend(self, kids, classes, nbytes, nblocks):
        """Add a run of records given as columns (lists)."""
        extend_column(self.kids, kids)
        self.classes.frombytes(bytes(classes))
        extend_column(self.bytes, nbytes)
        extend_column(self.blocks, nblocks)

    def by_stack(self):
        """The sites summed by stack: {kid: [bytes, blocks, raw_B,
        pymalloc_B, python_large_B, raw_blocks, pymalloc_blocks,
        python_large_blocks]}, in the order of the file."""
        out = {}
        for kid, cls, nbytes, nblocks in self:
            rec = out.get(kid)
            if rec is None:
                rec = out[kid] = [0, 0, 0, 0, 0, 0, 0, 0]
            rec[0] += nbytes
            rec[1] += nblocks
            rec[2 + cls] += nbytes
            rec[5 + cls] += nblocks
        return out

    def rewrite(self, keep=None, remap=None):
        """Drop the rows whose stack is not in `keep` (a bytearray by kid;
        -1 is never kept) and rename stacks by `remap` (an array by kid;
        -1 stays -1), in place; rows that come to share a stack and a
        class are merged, in the order of their first row."""
        rows = {}
        for kid, cls, nbytes, nblocks in self:
            if keep is not None and (kid < 0 or not keep[kid]):
                continue
            if remap is not None and kid >= 0:
                kid = remap[kid]
            rec = rows.get((kid, cls))
            if rec is None:
                rows[(kid, cls)] = [nbytes, nblocks]
            else:
                rec[0] += nbytes
                rec[1] += nblocks
        self.kids = array.array("q", [key[0] for key in rows])
        self.classes = array.array("b", [key[1] for key in rows])
        self.bytes = array.array("Q", [rec[0] for rec in rows.values()])
        self.blocks = array.array("Q", [rec[1] for rec in rows.values()])


class BirthTable:
    """A snapshot's `born` records (format 2) or `m` records: live bytes
    and blocks by stack, class and when they were born (the epoch, or the
    birth iteration), in five parallel columns, as SiteTable keeps the
    `b` records (a big file has as many `born` records as `b` records; a
    marked one nearly as many `m`).  Iterating gives rows (kid, class,
    epoch or iteration, bytes, blocks)."""

    __slots__ = ("kids", "classes", "epochs", "bytes", "blocks")

    def __init__(self, rows=()):
        self.kids = array.array("q")
        self.classes = array.array("b")
        self.epochs = array.array("Q")
        self.bytes = array.array("Q")
        self.blocks = array.array("Q")
        for row in rows:
            self.append(row)

    def __len__(self):
        return len(self.kids)

    def __iter__(self):
        return zip(self.kids, self.classes, self.epochs, self.bytes,
                   self.blocks)

    def append(self, row):
        kid, cls, epoch, nbytes, nblocks = row
        self.kids.append(kid)
        self.classes.append(cls)
        self.epochs.append(epoch)
        self.bytes.append(nbytes)
        self.blocks.append(nblocks)

    def extend(self, kids, classes, epochs, nbytes, nblocks):
        """Add a run of records given as columns (lists)."""
        extend_column(self.kids, kids)
        self.classes.frombytes(bytes(classes))
        extend_column(self.epochs, epochs)
        extend_column(self.bytes, nbytes)
        extend_column(self.blocks, nblocks)


def extend_column(column, values):
    """column.extend(values) for an array and a list, at half the cost:
    array.extend() takes a list item by item through the iterator
    protocol, the constructor converts it in one loop (CPython 3.11:
    20 against 10 ns a value)."""
    column.extend(array.array(column.typecode, values))


# A `held` record's chain ends (format 3): at a module (sys.modules holds
# it), at a root (static data, a stack or register, a frame chunk, other
# mapped memory), at a block nothing points at ("lost"), or past the most
# links the tool records ("deep").
HELD_ENDS = ("module", "global", "stack", "frame", "mapped", "lost", "deep")

# A link's name when the blocks summed in one `held` record are stored
# under different names.
VARIOUS = "(various)"


class Held:
    """A `held` record: live blocks of one stack, class and type, and the
    chain of holders that keeps them (links: HeldLink, the nearest
    first)."""

    __slots__ = ("kid", "cls", "type", "bytes", "blocks", "end", "links")

    def __init__(self, kid, cls, type_name, nbytes, nblocks, end, links):
        self.kid = kid
        self.cls = cls              # index in CLASSES
        self.type = type_name       # str, or None: no object
        self.bytes = nbytes
        self.blocks = nblocks
        self.end = end              # one of HELD_ENDS
        self.links = links          # tuple of HeldLink


class HeldLink:
    """One holder of a chain: a block's stack, class, type (None: no
    object) and the key it is stored under in its own holder (None, a
    str, or VARIOUS)."""

    __slots__ = ("kid", "cls", "type", "name")

    def __init__(self, kid, cls, type_name, name):
        self.kid = kid
        self.cls = cls
        self.type = type_name
        self.name = name

    def key(self):
        return (self.kid, self.cls, self.type, self.name)


class Snapshot:
    """A detailed snapshot: class totals, arenas and (if kept) its sites."""

    __slots__ = ("n", "time", "kind", "label", "lineno", "index",
                 "classes", "arena", "n_sites", "sites", "typed",
                 "births", "epoch_width", "n_epochs", "born",
                 "arena_bands", "pinned", "n_held", "held", "_by_stack")

    def __init__(self, n, time, kind, label, lineno, index):
        self.n = n                  # sample number
        self.time = time
        self.kind = kind            # one of SNAPSHOT_KINDS
        self.label = label          # str (user snapshots) or None
        self.lineno = lineno
        self.index = index          # position among the file's snapshots
        self.classes = []           # [(bytes, blocks)] x 3, CLASSES order
        self.arena = None           # Arena
        self.n_sites = 0            # number of `b` records
        self.sites = None           # SiteTable, or None if not kept
        self.typed = None           # `y` records: [kid, class, type,
        #                             bytes, blocks] (type: str or None)
        self.births = None          # `m` records: BirthTable (epochs:
        #                             the birth iteration)
        self.epoch_width = None     # `epochs` record (format 2): epoch e
        self.n_epochs = None        #   is [e * width, (e + 1) * width)
        self.born = None            # `born` records: BirthTable
        self.arena_bands = None     # `arenas` records: [(arenas, slot_B)]
        #                             by tenth of use, 10 of them
        self.pinned = None          # `pinned` records: [kid, band,
        #                             arenas, bytes, blocks]
        self.n_held = None          # `retainers` record (format 3): the
        #                             number of `held` records, or None
        self.held = None            # `held` records, if kept: Held
        self._by_stack = None

    def by_stack(self):
        """Its sites summed by stack (see SiteTable.by_stack); cached."""
        if self._by_stack is None:
            self._by_stack = (self.sites.by_stack() if self.sites is not None
                              else {})
        return self._by_stack

    def forget_sums(self):
        """Drop the cached by_stack() after its sites changed."""
        self._by_stack = None

    @property
    def has_sites(self):
        """Whether the file gave this snapshot its `b` records: a mark
        snapshot thinned out (--max-mark-snapshots) has none though its
        heap is not empty."""
        return self.n_sites > 0 or self.heap_B == 0 or self.kind == "region"

    @property
    def heap_B(self):
        return sum(b for b, _ in self.classes)

    @property
    def heap_blocks(self):
        return sum(n for _, n in self.classes)


def describe(snap):
    """'peak', 'exit', 'user "label"', 'region "name"' or 'detailed'."""
    if snap.kind in LABELLED_KINDS:
        return "%s %s" % (snap.kind, quote(snap.label))
    return snap.kind


class Samples:
    """The time series (`t` records), one compact column per field."""

    FIELDS = ("time", "heap_B", "heap_blocks", "raw_B", "pymalloc_B",
              "pylarge_B", "arena_B", "arena_count")

    def __init__(self):
        for name in self.FIELDS:
            setattr(self, name, array.array("Q"))

    def __len__(self):
        return len(self.time)

    def class_B(self, i):
        return (self.raw_B[i], self.pymalloc_B[i], self.pylarge_B[i])


class Profile:
    """Everything read from one pyheap output file."""

    def __init__(self, path):
        self.path = path
        self.version = None
        self.meta = {}
        self.strings = []
        self.frames = []
        self.stack_parent = array.array("q")    # by kid: parent kid or -1
        self.stack_frame = array.array("q")     # by kid: fid
        self.samples = Samples()
        self.snapshots = []
        self.total_classes = [[0, 0], [0, 0], [0, 0]]   # bytes, blocks
        self.totals = None          # SiteTable of `tot` records, if kept
        self.gone = []              # `gone` records (format 2): (kid,
        #                             class, bytes, blocks)
        self.n_lines = 0

    # -- stacks --

    def stack(self, kid):
        """The frames of stack `kid`, innermost (allocating) first."""
        frames = []
        parent = self.stack_parent
        fids = self.stack_frame
        while kid >= 0:
            frames.append(self.frames[fids[kid]])
            kid = parent[kid]
        return frames

    # -- snapshots --

    def snapshots_of_kind(self, kind):
        return [s for s in self.snapshots if s.kind == kind]

    @property
    def peak_snapshot(self):
        peaks = self.snapshots_of_kind("peak")
        return peaks[0] if peaks else None

    @property
    def exit_snapshot(self):
        exits = self.snapshots_of_kind("exit")
        return exits[-1] if exits else None

    def peak_sample(self):
        """Index of the peak sample: the peak snapshot's, else the first
        sample with the highest heap; None without samples."""
        peak = self.peak_snapshot
        if peak is not None:
            return peak.n
        heap = self.samples.heap_B
        if not heap:
            return None
        top = max(heap)
        return heap.index(top)

    @property
    def time_unit(self):
        return self.meta.get("time_unit", "")


# ------------------------------------------------------------------------- #
# Which snapshots to read: --at, or all                                     #
# ------------------------------------------------------------------------- #

def every_snapshot(kind, n, label):
    """The reader's want_sites for keeping the sites of every snapshot."""
    return True


class At:
    """What --at names: a kind, a sample number or a user label."""

    def __init__(self, text):
        self.text = text
        if text in ("peak", "exit"):
            self.how, self.value = text, None
        elif text.startswith("label:"):
            self.how, self.value = "label", text[len("label:"):]
        elif text.isdigit() and text.isascii():
            self.how, self.value = "n", int(text)
        else:
            self.how, self.value = "label", text

    def matches(self, kind, n, label):
        if self.how == "peak":
            return kind == "peak"
        if self.how == "exit":
            return kind == "exit"
        if self.how == "n":
            return n == self.value
        return kind in LABELLED_KINDS and label == self.value

    def select(self, profile):
        """The snapshot named; raises SelectionError."""
        found = [s for s in profile.snapshots
                 if self.matches(s.kind, s.n, s.label)]
        if found:
            # The first peak, the last exit, the first snapshot at sample
            # N (all of them describe the same moment), the last user
            # snapshot with the label.
            return found[0] if self.how in ("peak", "n") else found[-1]
        if self.how in ("peak", "exit"):
            raise SelectionError("the file has no %s snapshot" % self.how)
        if self.how == "n":
            ns = sorted(set(s.n for s in profile.snapshots))
            raise SelectionError(
                "no snapshot at sample %d (snapshots are at samples: %s)"
                % (self.value, short_list([str(n) for n in ns])))
        labels = []
        for s in profile.snapshots:
            if s.kind in LABELLED_KINDS and quote(s.label) not in labels:
                labels.append(quote(s.label))
        raise SelectionError("no user snapshot labelled %s (labels: %s)"
                             % (quote(self.value), short_list(labels)))

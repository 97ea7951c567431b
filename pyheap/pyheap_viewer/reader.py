"""pyheap_viewer.reader: read_profile(), the one streaming, validating reader of pyheap output files."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Every front end reads through read_profile(): the reports keep the sites
# of the snapshots they show, the streamed exports are handed each
# snapshot as it ends (on_snapshot) and keep nothing.
#
# The reader is one loop over the lines of the file, read in large chunks
# and split on b"\n".  Records are bytes split on b" "; numbers are checked
# with bytes.isdigit() (ASCII digits only) and converted with int().  The
# frequent records (b, tot, k, f, s, t) are handled inline; when one fails
# a quick check, _diagnose() re-reads it field by field to say exactly what
# is wrong.  The runs of `b` records, the bulk of a big file, are taken
# a run at a time (_Reader._chunk()).  Memory is proportional to the
# tables (strings, frames, stacks), the samples and the sites of the
# snapshots the caller keeps; the sites of other snapshots are checked and
# dropped.
#
# The other lines go to _Reader._lines(), which hands each run of lines to
# the part of the parser that owns their records: the sites of a snapshot
# (b, y, m), its frame (snapshot, c, a, end-snapshot), the tables (s, f,
# k), the time series (t), the totals (tot), and the rest (meta, the
# trailer, what is not a record).  A part keeps the parser's state in
# locals while it loops over its run, as one loop over every line did, and
# puts it back in self when the run ends: a file switches parts a few
# times per snapshot, not per line.
#
# The rules that span records -- sums, order, 64-bit numbers -- are
# invariants.py's: the parts feed it what they read, every snapshot's
# records whether kept or not, so a damaged file is refused whatever the
# report reads of it.

from itertools import islice

from . import VERSION
from .errors import BadRecord, CallbackError, InputError
from .invariants import RuleBroken, SnapshotRules, TotalsRules, check_u64
from .model import (CLASS_INDEX, CLASSES, FORMAT_VERSIONS, HELD_ENDS,
                    LABELLED_KINDS, Arena, BirthTable, Frame, Profile,
                    Samples, SiteTable, Snapshot)
from .records import diagnose as _diagnose
from .records import held_record as _held_record
from .records import is_hex as _is_hex
from .records import run_end as _run_end
from .records import run_fields as _run_fields
from .records import show_field
from .records import text_field as _text

# Bytes read at a time (the tests make it tiny to cut records anywhere).
CHUNK_SIZE = 1 << 22

# Sections of the file, in the order the grammar fixes.
_HEADER, _TABLES, _SERIES, _SNAPSHOTS, _TOTALS = range(5)
_SECTION_NAMES = ("header", "tables", "time series", "snapshots", "totals")

def _prime_malloc():
    """Make glibc's malloc serve the chunks from its heap.

    glibc maps a block above its mmap threshold (at first 128 KiB) with
    mmap and, when it frees one, raises the threshold to that size (and
    the heap's trim threshold to twice that).  Until a block of about a
    chunk's size has come and gone, every chunk and slice of the file is
    mapped, touched and unmapped, or the heap grows and shrinks by it:
    a quarter of a second of system time on a 242 MB file, depending on
    what the process happened to allocate before.  Freeing one block of
    two chunks up front raises both thresholds above the chunks' size.
    Harmless with any other malloc."""
    block = bytes(2 * CHUNK_SIZE)       # calloc: fresh, untouched pages
    del block


def read_profile(path, want_sites=None, want_totals=False,
                 on_snapshot=None):
    """Read and check a pyheap output file; return a Profile.

    `want_sites(kind, n, label)` says whether to keep the sites of a
    snapshot (default: keep none); `want_totals` keeps the `tot` sites.
    `on_snapshot(profile, snapshot)`, if given, is called as each snapshot
    ends (`profile` is the Profile being read),
    with its sites if kept; the reader drops them (and its other rows)
    afterwards, so that
    memory does not grow with the number of snapshots (the tables are
    complete by then: the file defines every stack before its samples).
    Raises InputError.
    """
    try:
        f = open(path, "rb")
    except OSError as exc:
        raise InputError(path, None, exc.strerror or str(exc))
    try:
        with f:
            return _Reader(path, want_sites, want_totals,
                           on_snapshot).read(f)
    except CallbackError as exc:
        raise exc.args[0]
    except OSError as exc:
        raise InputError(path, None, exc.strerror or str(exc))
    except MemoryError:
        raise InputError(path, None, "out of memory")


class _Reader:
    """One use: _Reader(...).read(file) -> Profile."""

    def __init__(self, path, want_sites, want_totals, on_snapshot=None):
        self.path = path
        self.want_sites = want_sites or (lambda kind, n, label: False)
        self.on_snapshot = on_snapshot
        self.profile = Profile(path)
        self.profile.totals = SiteTable() if want_totals else None
        # The part of the parser that takes the lines of each record tag
        # (see "The other lines" above); _other_lines() takes the rest.
        self._parts = {
            b"b": self._site_lines, b"y": self._site_lines,
            b"m": self._site_lines,
            b"snapshot": self._snapshot_lines, b"c": self._snapshot_lines,
            b"a": self._snapshot_lines, b"end-snapshot": self._snapshot_lines,
            b"s": self._table_lines, b"f": self._table_lines,
            b"k": self._table_lines,
            b"t": self._series_lines,
            b"tot": self._totals_lines,
            b"epochs": self._epoch_lines, b"born": self._epoch_lines,
            b"arenas": self._epoch_lines, b"pinned": self._epoch_lines,
            b"retainers": self._held_lines, b"held": self._held_lines,
        }

    def read(self, f):
        first = f.readline(256)
        if not first:
            raise InputError(self.path, None,
                             "empty file (not a pyheap output file)")
        self._check_first_line(first)
        self.profile.n_lines = self._records(f)
        return self.profile

    def _check_first_line(self, first):
        line = first.rstrip(b"\n")
        parts = line.split(b" ")
        if not first.endswith(b"\n"):
            if len(first) < 256 and b"pyheap-out".startswith(line[:10]):
                raise InputError(self.path, 1, "truncated: the file ends "
                                 "inside its first line")
            raise InputError(self.path, 1,
                             "not a pyheap output file (first line is not "
                             "'pyheap-out <version>')")
        if len(parts) != 2 or parts[0] != b"pyheap-out":
            raise InputError(self.path, 1,
                             "not a pyheap output file (first line is not "
                             "'pyheap-out <version>')")
        if not parts[1].isdigit():
            raise InputError(self.path, 1, "bad format version %s"
                             % show_field(parts[1]))
        version = int(parts[1])
        if version not in FORMAT_VERSIONS:
            raise InputError(
                self.path, 1,
                "unsupported format version %d (this pyheap_print %s "
                "reads version %s%s)"
                % (version, VERSION,
                   ", ".join(str(v) for v in FORMAT_VERSIONS),
                   "; a newer pyheap_print is needed"
                   if version > max(FORMAT_VERSIONS) else ""))
        self.profile.version = version

    def _records(self, f):
        """Read every line after the first; return the number of lines.

        Reads chunks and hands their complete lines to _chunk(); the
        parser's state lives in self between chunks and runs of lines, and
        in locals within one.
        """
        self.state = _HEADER
        self.snap = None        # the snapshot being read
        self.snap_state = 0     # 0-2: next `c`; 3: `a`; 4: sites;
        #                         5: typed sites; 6: births (`m`)
        self.sites = None       # its SiteTable if kept
        self.n_sites = 0        # its `b` records so far
        self.counts = [0, 0, 0, 0]  # strings, frames, stacks, samples
        self.last_time = 0
        self.trailer = None     # line of the end-of-file record
        self.rules = None       # SnapshotRules of the snapshot being read
        self.totals_rules = TotalsRules()
        self.lineno = 1
        _prime_malloc()
        pending = []            # pieces of an incomplete line
        while True:
            chunk = f.read(CHUNK_SIZE)
            if not chunk:
                break
            if b"\n" not in chunk:
                pending.append(chunk)
                continue
            if pending:
                pending.append(chunk)
                chunk = b"".join(pending)
            cut = chunk.rindex(b"\n") + 1
            pending = [chunk[cut:]] if cut < len(chunk) else []
            self._chunk(chunk[:cut] if pending else chunk)
        lineno = self.lineno
        if pending:
            raise InputError(self.path, lineno + 1,
                             "truncated: the last line is incomplete (no "
                             "newline at the end of the file)")
        if self.trailer is None:
            if self.snap is not None:
                raise InputError(self.path, lineno,
                                 "truncated: the file ends inside the "
                                 "snapshot begun at line %d"
                                 % self.snap.lineno)
            raise InputError(self.path, lineno,
                             "truncated: the file ends without an "
                             "'end-of-file' trailer")
        return lineno

    def _chunk(self, data):
        """Parse `data`, complete lines (it ends with a newline); raise
        InputError on the first bad one.

        Most lines of a big file are the `b` records of snapshots, in runs
        of thousands.  A run that run_fields() takes is taken whole by
        _site_run(), with a few calls that each go over the run once;
        every other line goes through _lines(), one by one.  A `b` record
        that run_fields() does not take, or one whose stack is not defined,
        goes through _lines() too, which says what is wrong with it.
        """
        pos = 0
        end = len(data)
        while pos < end:
            if (self.snap_state == 4 and self.snap is not None
                    and data.startswith(b"b ", pos)):
                stop = _run_end(data, pos)
                if not self._site_run(data, pos, stop):
                    # Raises unless the run held records the per-line
                    # parser takes but run_fields() does not.
                    self._lines(data[pos:stop - 1].split(b"\n"))
                pos = stop
                continue
            if (self.snap_state == 7 and self.snap is not None
                    and data.startswith(b"born ", pos)):
                stop = _run_end(data, pos)
                if not self._born_run(data, pos, stop):
                    self._lines(data[pos:stop - 1].split(b"\n"))
                pos = stop
                continue
            # Up to the next `b` or `born` record (that line included if it
            # is the first: the run did not take it).
            stop = data.find(b"\nb ", pos) + 1
            if stop <= 0:
                stop = end
            born = data.find(b"\nborn ", pos, stop) + 1
            if born > 0:
                stop = born
            self._lines(data[pos:stop - 1].split(b"\n"))
            pos = stop

    def _site_run(self, data, pos, stop):
        """Take the `b` records data[pos:stop]; return False, and take
        nothing, unless run_fields() takes them all."""
        columns = _run_fields(data, pos, stop, b"b", 5, self.counts[2])
        if columns is None:
            return False
        kids, classes, nbytes, nblocks = columns
        self._run_rules(self.rules.sites, kids, classes, nbytes, nblocks)
        self.n_sites += len(kids)
        self.lineno += len(kids)
        if self.sites is not None:
            self.sites.extend(kids, classes, nbytes, nblocks)
        return True

    def _born_run(self, data, pos, stop):
        """Take the `born` records data[pos:stop], as _site_run() does."""
        columns = _run_fields(data, pos, stop, b"born", 6,
                              self.counts[2])
        if columns is None:
            return False
        self._run_rules(self.rules.born_run, *columns)
        self.lineno += len(columns[0])
        born = self.snap.born
        if born is not None:
            born.extend(*columns)
        return True

    def _run_rules(self, check, *columns):
        """check(*columns) for a run of records that starts at the line
        after self.lineno; InputError at the record that breaks a rule."""
        try:
            check(*columns)
        except RuleBroken as exc:
            raise InputError(self.path, self.lineno + 1 + exc.index,
                             str(exc))

    def _lines(self, lines):
        """Parse complete lines; raise InputError on the first bad one.

        Each run of lines goes to the part of the parser that owns its
        records (self._parts); a part returns the index of the first line
        it does not take, and leaves self.lineno at its last line, the bad
        one if it raised."""
        parts = self._parts
        other = self._other_lines
        i = 0
        end = len(lines)
        try:
            while i < end:
                if self.trailer is not None:
                    self.lineno += 1
                    raise BadRecord("data after the end-of-file trailer "
                                    "(line %d)" % self.trailer)
                tag = lines[i].split(b" ", 1)[0]
                i = parts.get(tag, other)(lines, i)
        except BadRecord as exc:
            raise InputError(self.path, self.lineno, str(exc))
        except (ValueError, IndexError, OverflowError) as exc:
            raise InputError(self.path, self.lineno,
                             "malformed record (%s)" % exc)

    # -- the parts of the parser: each takes lines[start:] while their
    # -- tags are its own, and returns the index of the first it left

    def _site_lines(self, lines, start):
        """`b`, `y` and `m` records: a snapshot's sites, typed sites and
        births."""
        strings = self.profile.strings
        class_index = CLASS_INDEX
        state = self.state
        snap = self.snap
        snap_state = self.snap_state
        sites = self.sites
        n_sites = self.n_sites
        n_strings, _, n_stacks, _ = self.counts
        first = lineno = self.lineno
        try:
            for line in islice(lines, start, None):
                parts = line.split(b" ")
                tag = parts[0]
                lineno += 1

                if tag == b"b":
                    if len(parts) != 5 or snap_state != 4:
                        self._bad_site(parts, snap, snap_state, n_stacks)
                    kid = parts[1]
                    cls = class_index.get(parts[2])
                    if (cls is None or not parts[3].isdigit()
                            or not parts[4].isdigit()):
                        self._bad_site(parts, snap, snap_state, n_stacks)
                    if kid.isdigit():
                        kid = int(kid)
                        if kid >= n_stacks:
                            self._bad_site(parts, snap, snap_state,
                                           n_stacks)
                    elif kid == b"-1":
                        kid = -1
                    else:
                        self._bad_site(parts, snap, snap_state, n_stacks)
                    n_sites += 1
                    nbytes, nblocks = int(parts[3]), int(parts[4])
                    self.rules.sites([kid], [cls], [nbytes], [nblocks])
                    if sites is not None:
                        sites.kids.append(kid)
                        sites.classes.append(cls)
                        sites.bytes.append(nbytes)
                        sites.blocks.append(nblocks)
                    continue

                if tag == b"y":
                    if snap is None or not 4 <= snap_state <= 5:
                        self._misplaced(tag, state, snap)
                    snap_state = 5
                    if len(parts) != 6:
                        _diagnose(parts, {"K": n_stacks, "S": n_strings})
                    kid = parts[1]
                    cls = class_index.get(parts[2])
                    sid = parts[3]
                    if (cls is None or not parts[4].isdigit()
                            or not parts[5].isdigit()
                            or not (kid.isdigit() or kid == b"-1")
                            or not (sid.isdigit() or sid == b"-1")):
                        _diagnose(parts, {"K": n_stacks, "S": n_strings})
                    kid = int(kid)
                    sid = int(sid)
                    if kid >= n_stacks or sid >= n_strings:
                        _diagnose(parts, {"K": n_stacks, "S": n_strings})
                    nbytes, nblocks = int(parts[4]), int(parts[5])
                    self.rules.typed(kid, cls, sid, nbytes, nblocks)
                    if snap.typed is not None:
                        snap.typed.append([kid, cls, strings[sid]
                                           if sid >= 0 else None,
                                           nbytes, nblocks])
                    continue

                if tag == b"m":
                    if snap is None or snap_state < 4:
                        self._misplaced(tag, state, snap)
                    snap_state = 6
                    if len(parts) != 6:
                        _diagnose(parts, {"K": n_stacks})
                    kid = parts[1]
                    cls = class_index.get(parts[2])
                    if (cls is None or not parts[3].isdigit()
                            or not parts[4].isdigit()
                            or not parts[5].isdigit()
                            or not (kid.isdigit() or kid == b"-1")):
                        _diagnose(parts, {"K": n_stacks})
                    kid = int(kid)
                    if kid >= n_stacks:
                        _diagnose(parts, {"K": n_stacks})
                    birth, nbytes, nblocks = (int(parts[3]), int(parts[4]),
                                              int(parts[5]))
                    self.rules.marked(kid, cls, birth, nbytes, nblocks)
                    if sites is not None:
                        if snap.births is None:
                            snap.births = BirthTable()
                        snap.births.append((kid, cls, birth, nbytes,
                                            nblocks))
                    continue

                lineno -= 1
                break
        finally:
            self.snap_state = snap_state
            self.n_sites = n_sites
            self.lineno = lineno
        return start + lineno - first

    def _epoch_lines(self, lines, start):
        """`epochs`, `born`, `arenas` and `pinned` records (format 2): when
        a snapshot's blocks were born, how full the arenas are and whose
        blocks lie in them.  They follow a snapshot's `m` records, in that
        order: states 7 (epochs, born), 8 (arenas), 9 (pinned)."""
        state = self.state
        snap = self.snap
        snap_state = self.snap_state
        n_stacks = self.counts[2]
        keep = self.sites is not None
        first = lineno = self.lineno
        try:
            for line in islice(lines, start, None):
                parts = line.split(b" ")
                tag = parts[0]
                lineno += 1
                self._require_format(tag, 2)
                if tag == b"epochs":
                    if snap is None or not 4 <= snap_state <= 6:
                        self._misplaced(tag, state, snap)
                    snap_state = 7
                    _diagnose(parts, {})
                    width, count = int(parts[1]), int(parts[2])
                    if width < 1 or width & (width - 1) or count < 1:
                        raise BadRecord("'epochs' record: the width must be a "
                                        "power of two and the count at "
                                        "least 1")
                    snap.epoch_width, snap.n_epochs = width, count
                    if keep:
                        snap.born = BirthTable()
                    continue
                if tag == b"born":
                    if snap is None or snap_state != 7:
                        self._misplaced(tag, state, snap)
                    _diagnose(parts, {"K": n_stacks})
                    kid, epoch = int(parts[1]), int(parts[3])
                    if kid >= n_stacks or epoch >= snap.n_epochs:
                        raise BadRecord("'born' record: stack %d or epoch %d "
                                        "out of range" % (kid, epoch))
                    row = [kid, CLASS_INDEX[parts[2]], epoch, int(parts[4]),
                           int(parts[5])]
                    self.rules.born_run(*([v] for v in row))
                    if keep:
                        snap.born.append(row)
                    continue
                if tag == b"arenas":
                    if snap is None or not 4 <= snap_state <= 8:
                        self._misplaced(tag, state, snap)
                    if snap_state < 8:
                        snap_state = 8
                        snap.arena_bands = []
                    if len(parts) != 4 or not b"".join(parts[1:]).isdigit():
                        _diagnose(parts, {})
                    if int(parts[1]) != len(snap.arena_bands):
                        raise BadRecord("'arenas' record: band %s, expected "
                                        "%d" % (show_field(parts[1]),
                                                len(snap.arena_bands)))
                    band = (int(parts[2]), int(parts[3]))
                    check_u64(band, "'arenas' record")
                    snap.arena_bands.append(band)
                    continue
                if tag == b"pinned":
                    if (snap is None or snap_state not in (8, 9)
                            or len(snap.arena_bands) != 10):
                        self._misplaced(tag, state, snap)
                    if snap_state == 8:
                        snap_state = 9
                        snap.pinned = [] if keep else None
                    if len(parts) != 6 or not b"".join(parts[1:]).isdigit():
                        _diagnose(parts, {"K": n_stacks})
                    kid, band = int(parts[1]), int(parts[2])
                    if kid >= n_stacks or band >= 10:
                        raise BadRecord("'pinned' record: stack %d or band %d "
                                        "out of range" % (kid, band))
                    row = [kid, band, int(parts[3]), int(parts[4]),
                           int(parts[5])]
                    self.rules.pinned(*row)
                    if keep:
                        snap.pinned.append(row)
                    continue
                lineno -= 1
                break
        finally:
            self.snap_state = snap_state
            self.lineno = lineno
        return start + lineno - first

    def _require_format(self, tag, since):
        """BadRecord if the file's format is older than the record's."""
        if self.profile.version < since:
            raise BadRecord("'%s' record in a format %d file (it came with "
                            "format %d)" % (tag.decode(), self.profile.version,
                                            since))

    def _held_lines(self, lines, start):
        """`retainers` and `held` records (format 3): what holds the live
        blocks.  They end a snapshot: state 10."""
        state = self.state
        snap = self.snap
        snap_state = self.snap_state
        n_strings, n_stacks = self.counts[0], self.counts[2]
        strings = self.profile.strings
        keep = self.sites is not None
        ends = {end.encode(): end for end in HELD_ENDS}
        first = lineno = self.lineno
        try:
            for line in islice(lines, start, None):
                parts = line.split(b" ")
                tag = parts[0]
                lineno += 1
                self._require_format(tag, 3)
                if tag == b"retainers":
                    if snap is None or not 4 <= snap_state <= 9:
                        self._misplaced(tag, state, snap)
                    _diagnose(parts, {})
                    snap_state = 10
                    snap.n_held = int(parts[1])
                    check_u64((snap.n_held,), "'retainers' record")
                    if keep:
                        snap.held = []
                    continue
                if tag == b"held":
                    if snap is None or snap_state != 10:
                        self._misplaced(tag, state, snap)
                    row = _held_record(parts, n_strings, n_stacks, strings,
                                       ends)
                    self.rules.held(row.kid, row.cls, row.bytes, row.blocks)
                    if keep:
                        snap.held.append(row)
                    continue
                lineno -= 1
                break
        finally:
            self.snap_state = snap_state
            self.lineno = lineno
        return start + lineno - first

    def _snapshot_lines(self, lines, start):
        """`snapshot`, `c`, `a` and `end-snapshot` records: a snapshot's
        beginning, class totals, arenas and end."""
        prof = self.profile
        s_time = prof.samples.time
        want_sites = self.want_sites
        state = self.state
        snap = self.snap
        snap_state = self.snap_state
        sites = self.sites
        n_sites = self.n_sites
        n_samples = self.counts[3]
        first = lineno = self.lineno
        try:
            for line in islice(lines, start, None):
                parts = line.split(b" ")
                tag = parts[0]
                lineno += 1

                if tag == b"snapshot":
                    if snap is not None:
                        raise BadRecord("'snapshot' record inside the "
                                        "snapshot begun at line %d (no "
                                        "end-snapshot)" % snap.lineno)
                    if state != _SNAPSHOTS:
                        if state > _SNAPSHOTS:
                            self._misplaced(tag, state, snap)
                        state = _SNAPSHOTS
                    _diagnose(parts, {})
                    n = int(parts[1])
                    time = int(parts[2])
                    kind = parts[3].decode()
                    label = _text(parts, 4) if len(parts) > 4 else None
                    if kind in LABELLED_KINDS and label is None:
                        label = ""
                    if n >= n_samples:
                        raise BadRecord("'snapshot' record: sample %d is not "
                                        "defined (%d samples)"
                                        % (n, n_samples))
                    if s_time[n] != time:
                        raise BadRecord("'snapshot' record: time %d differs "
                                        "from the time of sample %d (%d)"
                                        % (time, n, s_time[n]))
                    if prof.snapshots and n <= prof.snapshots[-1].n:
                        raise BadRecord("'snapshot' record: sample %d after "
                                        "the snapshot of sample %d "
                                        "(snapshots come in the order of "
                                        "their samples, one per sample)"
                                        % (n, prof.snapshots[-1].n))
                    snap = Snapshot(n, time, kind, label, lineno,
                                    len(prof.snapshots))
                    prof.snapshots.append(snap)
                    self.rules = SnapshotRules(snap)
                    snap_state = 0
                    sites = None
                    if want_sites(kind, n, label):
                        sites = snap.sites = SiteTable()
                        snap.typed = []
                    continue

                if tag == b"c":
                    if snap is None or snap_state > 2:
                        self._misplaced(tag, state, snap)
                    _diagnose(parts, {})
                    expected = CLASSES[snap_state].encode()
                    if parts[1] != expected:
                        raise BadRecord("'c' record: class %s, expected %s "
                                        "(the order is raw, pymalloc, "
                                        "python-large)"
                                        % (show_field(parts[1]),
                                           show_field(expected)))
                    values = (int(parts[2]), int(parts[3]))
                    check_u64(values, "'c' record")
                    snap.classes.append(values)
                    snap_state += 1
                    continue

                if tag == b"a":
                    if snap is None or snap_state != 3:
                        self._misplaced(tag, state, snap)
                    _diagnose(parts, {})
                    values = [int(p) for p in parts[1:]]
                    check_u64(values, "'a' record")
                    snap.arena = Arena(*values)
                    snap_state = 4
                    continue

                if tag == b"end-snapshot":
                    if snap is None or snap_state < 4:
                        self._misplaced(tag, state, snap)
                    _diagnose(parts, {})
                    snap.n_sites = n_sites
                    self.rules.finish(n_sites)
                    self.rules = None
                    if self.on_snapshot is not None:
                        self._hand_over(snap)
                    snap = sites = None
                    snap_state = n_sites = 0
                    continue

                lineno -= 1
                break
        finally:
            self.state = state
            self.snap = snap
            self.snap_state = snap_state
            self.sites = sites
            self.n_sites = n_sites
            self.lineno = lineno
        return start + lineno - first

    def _table_lines(self, lines, start):
        """`s`, `f` and `k` records: the tables of strings, frames and
        stacks."""
        prof = self.profile
        strings = prof.strings
        frames = prof.frames
        parents = prof.stack_parent
        fids = prof.stack_frame
        new = tuple.__new__
        state = self.state
        snap = self.snap
        n_strings, n_frames, n_stacks, n_samples = self.counts
        first = lineno = self.lineno
        try:
            for line in islice(lines, start, None):
                parts = line.split(b" ")
                tag = parts[0]
                lineno += 1

                if tag == b"k":
                    if state != _TABLES:
                        if state > _TABLES:
                            self._misplaced(tag, state, snap)
                        state = _TABLES
                    if (len(parts) == 4 and parts[1].isdigit()
                            and parts[3].isdigit()
                            and int(parts[1]) == n_stacks
                            and int(parts[3]) < n_frames):
                        parent = parts[2]
                        if parent == b"-1":
                            parent = -1
                        elif parent.isdigit() and int(parent) < n_stacks:
                            parent = int(parent)
                        else:
                            _diagnose(parts, {"F": n_frames,
                                              "K": n_stacks})
                        parents.append(parent)
                        fids.append(int(parts[3]))
                        n_stacks += 1
                        continue
                    self._bad_id(parts, n_stacks, {"F": n_frames,
                                                   "K": n_stacks})

                if tag == b"f":
                    if state != _TABLES:
                        if state > _TABLES:
                            self._misplaced(tag, state, snap)
                        state = _TABLES
                    counts = {"S": n_strings}
                    if not (len(parts) > 2 and parts[1].isdigit()
                            and int(parts[1]) == n_frames):
                        self._bad_id(parts, n_frames, counts)
                    if len(parts) == 6 and parts[2] == b"py":
                        fs, ln, fn = parts[3], parts[4], parts[5]
                        if (fs.isdigit() and ln.isdigit() and fn.isdigit()
                                and int(fs) < n_strings
                                and int(fn) < n_strings):
                            frames.append(new(Frame, (
                                "py", strings[int(fs)], int(ln),
                                strings[int(fn)], 0, None)))
                            n_frames += 1
                            continue
                    elif len(parts) == 8 and parts[2] == b"c":
                        frames.append(self._native_frame(parts, counts))
                        n_frames += 1
                        continue
                    _diagnose(parts, counts)
                    raise BadRecord("malformed 'f' record")

                if tag == b"s":
                    if state != _TABLES:
                        if state > _TABLES:
                            self._misplaced(tag, state, snap)
                        state = _TABLES
                    if (len(parts) >= 2 and parts[1].isdigit()
                            and int(parts[1]) == n_strings):
                        strings.append(_text(parts, 2))
                        n_strings += 1
                        continue
                    self._bad_id(parts, n_strings, {})

                lineno -= 1
                break
        finally:
            self.state = state
            self.counts = [n_strings, n_frames, n_stacks, n_samples]
            self.lineno = lineno
        return start + lineno - first

    def _series_lines(self, lines, start):
        """`t` records: the time series."""
        s_cols = [getattr(self.profile.samples, name)
                  for name in Samples.FIELDS]
        state = self.state
        snap = self.snap
        n_samples = self.counts[3]
        last_time = self.last_time
        first = lineno = self.lineno
        try:
            for line in islice(lines, start, None):
                parts = line.split(b" ")
                lineno += 1
                if parts[0] != b"t":
                    lineno -= 1
                    break
                if state != _SERIES:
                    if state > _SERIES:
                        self._misplaced(parts[0], state, snap)
                    state = _SERIES
                if (len(parts) != 10 or b"" in parts
                        or not b"".join(parts[1:]).isdigit()):
                    _diagnose(parts, {})
                    raise BadRecord("malformed 't' record")
                values = [int(p) for p in parts[1:]]
                if values[0] != n_samples:
                    raise BadRecord("'t' record: sample number %d, expected "
                                    "%d (samples are numbered 0, 1, 2, ... "
                                    "without gaps)" % (values[0], n_samples))
                if values[1] < last_time:
                    raise BadRecord("'t' record: time %d is before the "
                                    "previous sample's (%d)"
                                    % (values[1], last_time))
                last_time = values[1]
                if values[2] != values[4] + values[5] + values[6]:
                    raise BadRecord("'t' record: heap_B %d is not the sum "
                                    "of its classes (%d)"
                                    % (values[2], sum(values[4:7])))
                try:
                    for col, value in zip(s_cols, values[1:]):
                        col.append(value)
                except OverflowError:
                    for col in s_cols:
                        del col[n_samples:]
                    raise BadRecord("'t' record: a number does not fit in "
                                    "64 bits")
                n_samples += 1
        finally:
            self.state = state
            self.counts[3] = n_samples
            self.last_time = last_time
            self.lineno = lineno
        return start + lineno - first

    def _totals_lines(self, lines, start):
        """`tot` records: every site's allocations over the run."""
        class_index = CLASS_INDEX
        totals = self.profile.total_classes
        tot_sites = self.profile.totals
        state = self.state
        snap = self.snap
        n_stacks = self.counts[2]
        first = lineno = self.lineno
        try:
            for line in islice(lines, start, None):
                parts = line.split(b" ")
                tag = parts[0]
                lineno += 1
                if tag != b"tot":
                    lineno -= 1
                    break
                if state != _TOTALS:
                    if snap is not None or state > _TOTALS:
                        self._misplaced(tag, state, snap)
                    state = _TOTALS
                if len(parts) != 5:
                    _diagnose(parts, {"K": n_stacks})
                kid = parts[1]
                cls = class_index.get(parts[2])
                if (cls is None or not parts[3].isdigit()
                        or not parts[4].isdigit()):
                    _diagnose(parts, {"K": n_stacks})
                if kid.isdigit():
                    kid = int(kid)
                    if kid >= n_stacks:
                        _diagnose(parts, {"K": n_stacks})
                elif kid == b"-1":
                    kid = -1
                else:
                    _diagnose(parts, {"K": n_stacks})
                nbytes = int(parts[3])
                nblocks = int(parts[4])
                self.totals_rules.record("tot", kid, cls, nbytes, nblocks)
                acc = totals[cls]
                acc[0] += nbytes
                acc[1] += nblocks
                if tot_sites is not None:
                    tot_sites.kids.append(kid)
                    tot_sites.classes.append(cls)
                    tot_sites.bytes.append(nbytes)
                    tot_sites.blocks.append(nblocks)
        finally:
            self.state = state
            self.lineno = lineno
        return start + lineno - first

    def _other_lines(self, lines, start):
        """One line that no other part takes: a `meta` record, the
        end-of-file trailer, or not a record at all."""
        line = lines[start]
        parts = line.split(b" ")
        tag = parts[0]
        self.lineno += 1
        lineno = self.lineno
        snap = self.snap
        if tag == b"meta":
            if self.state != _HEADER:
                self._misplaced(tag, self.state, snap)
            _diagnose(parts, {})
            self.profile.meta[parts[1].decode("utf-8", "replace")] = \
                _text(parts, 2)
            return start + 1
        if tag == b"gone":
            # Old deaths (format 2), after the `tot` records.
            if self.profile.version < 2:
                raise BadRecord("'gone' record in a format %d file (it came "
                                "with format 2)" % self.profile.version)
            if snap is not None or self.state > _TOTALS or (
                    self.state < _SNAPSHOTS):
                self._misplaced(tag, self.state, snap)
            self.state = _TOTALS
            _diagnose(parts, {"K": self.counts[2]})
            row = (int(parts[1]), CLASS_INDEX[parts[2]], int(parts[3]),
                   int(parts[4]))
            self.totals_rules.record("gone", *row)
            self.profile.gone.append(row)
            return start + 1
        if tag == b"end-of-file":
            _diagnose(parts, {})
            if snap is not None:
                raise BadRecord("truncated: end-of-file inside the snapshot "
                                "begun at line %d" % snap.lineno)
            if int(parts[1]) != lineno - 1:
                raise BadRecord("truncated or corrupt: the end-of-file "
                                "trailer counts %d lines before it, the file "
                                "has %d" % (int(parts[1]), lineno - 1))
            self.trailer = lineno
            return start + 1
        if not line:
            raise BadRecord("empty line")
        raise BadRecord("unknown record tag %s" % show_field(tag))

    # -- helpers of the parts --

    def _hand_over(self, snap):
        """Give a finished snapshot to on_snapshot, then drop its sites."""
        try:
            self.on_snapshot(self.profile, snap)
        except Exception as exc:
            raise CallbackError(exc)
        # All of its rows, not only the sites: a big file's born records
        # are as many, and kept they made memory grow with the file.
        snap.sites = snap.typed = snap.births = snap.born = None
        snap.pinned = snap.held = None
        snap.forget_sums()

    def _native_frame(self, parts, counts):
        strings = self.profile.strings
        ip, fn, fs, ln, obj = parts[3], parts[4], parts[5], parts[6], parts[7]
        n = len(strings)

        def sid(raw):
            if raw == b"-1":
                return None
            if raw.isdigit() and int(raw) < n:
                return strings[int(raw)]
            _diagnose(parts, counts)
            raise BadRecord("malformed 'f' record")

        if not (ip[:2] == b"0x" and len(ip) > 2 and _is_hex(ip[2:])
                and ln.isdigit()):
            _diagnose(parts, counts)
        return tuple.__new__(Frame, ("c", sid(fs), int(ln), sid(fn),
                                     int(ip[2:], 16), sid(obj)))

    def _bad_id(self, parts, expected, counts):
        _diagnose(parts, counts)
        raise BadRecord("'%s' record defines id %s, expected %d (ids are "
                        "dense, start at 0 and come in order)"
                        % (parts[0].decode(), show_field(parts[1]), expected))

    def _bad_site(self, parts, snap, snap_state, n_stacks):
        if snap is None or snap_state != 4:
            self._misplaced(parts[0], None, snap)
        _diagnose(parts, {"K": n_stacks})
        raise BadRecord("malformed 'b' record")

    def _misplaced(self, tag, state, snap):
        name = tag.decode("utf-8", "replace")
        if name in ("c", "a", "b", "y", "m", "end-snapshot"):
            if snap is None:
                raise BadRecord("'%s' record outside a snapshot" % name)
            raise BadRecord("'%s' record out of order in the snapshot begun "
                            "at line %d (expected 3 'c' records, one 'a', "
                            "then 'b' records, then 'y' records)"
                            % (name, snap.lineno))
        if snap is not None:
            raise BadRecord("'%s' record inside the snapshot begun at line "
                            "%d (no end-snapshot)" % (name, snap.lineno))
        raise BadRecord("'%s' record after the %s (the order is header, "
                        "tables, time series, snapshots, totals)"
                        % (name, _SECTION_NAMES[state]))

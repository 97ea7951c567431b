"""pyheap_viewer.records: the fields of each record of the file format, free text, and what exactly is wrong with a malformed record."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The reader (reader.py) checks the frequent records inline, in bulk; when
# one fails, diagnose() re-reads it field by field against _RECORDS to say
# which field is wrong and why.  text_field() reads the escaped free text
# that ends a record.

import re

from .errors import BadRecord
from .formatting import escape
from .model import CLASS_INDEX, HELD_ENDS, SNAPSHOT_KINDS, VARIOUS, Held, HeldLink

# Field lists of each record, for diagnose().  Field kinds:
#   N  non-negative integer          S/F/K  string/frame/stack id, defined
#   S-/K-  the same, or -1           X  0x-prefixed hex number
#   C  class name    D  snapshot kind    W  a word    T  free text
#   =  a fixed word (given after the colon)
_RECORDS = {
    b"meta": ("W:key", "T:text"),
    b"s": ("N:sid", "T:text"),
    b"f py": ("N:fid", "=py:kind", "S:file_sid", "N:line", "S:func_sid"),
    b"f c": ("N:fid", "=c:kind", "X:ip", "S-:func_sid", "S-:file_sid",
             "N:line", "S-:obj_sid"),
    b"k": ("N:kid", "K-:parent_kid", "F:fid"),
    b"t": ("N:n", "N:time", "N:heap_B", "N:heap_blocks", "N:raw_B",
           "N:pymalloc_B", "N:pylarge_B", "N:arena_B", "N:arena_count"),
    b"snapshot": ("N:n", "N:time", "D:kind", "T:label"),
    b"c": ("C:class_name", "N:bytes", "N:blocks"),
    b"a": ("N:arena_count", "N:arena_B", "N:pymalloc_B", "N:pymalloc_slot_B",
           "N:other_arena_alloc_B"),
    b"b": ("K-:kid", "C:class_name", "N:bytes", "N:blocks"),
    b"y": ("K-:kid", "C:class_name", "S-:type_sid", "N:bytes", "N:blocks"),
    b"m": ("K-:kid", "C:class_name", "N:birth_iter", "N:bytes", "N:blocks"),
    b"tot": ("K-:kid", "C:class_name", "N:bytes", "N:blocks"),
    b"epochs": ("N:width", "N:count"),
    b"born": ("K-:kid", "C:class_name", "N:epoch", "N:bytes", "N:blocks"),
    b"arenas": ("N:band", "N:arena_count", "N:slot_B"),
    b"pinned": ("K-:kid", "N:band", "N:arena_count", "N:bytes", "N:blocks"),
    b"gone": ("K-:kid", "C:class_name", "N:bytes", "N:blocks"),
    b"retainers": ("N:count",),
    b"end-snapshot": (),
    b"end-of-file": ("N:n_lines",),
}

# Where a run of `b` or `born` records ends: the first line after it that
# does not begin with "b".  The reader takes a run whole only if every one
# of its lines is a well-formed record (run_fields() says how that is
# checked without a regular expression per line, which cost more than the
# rest of the parsing); any other run goes through its per-line parser.
_RUN_END = re.compile(rb"\n[^b]")

_ESCAPES = {b"\\": b"\\", b"n": b"\n", b"r": b"\r", b"t": b"\t"}


def show_field(raw, limit=40):
    """A bytes field shown in an error message: quoted, one line."""
    text = raw.decode("utf-8", "backslashreplace")
    if len(text) > limit:
        text = text[:limit] + "..."
    return "'%s'" % escape(text).replace("'", "\\'")


def text_field(parts, start):
    """The free-text field that starts at parts[start] (may be empty)."""
    raw = b" ".join(parts[start:])
    if b"\\" in raw:
        out = []
        pos = 0
        while True:
            j = raw.find(b"\\", pos)
            if j < 0:
                out.append(raw[pos:])
                break
            out.append(raw[pos:j])
            rep = _ESCAPES.get(raw[j + 1:j + 2])
            if rep is None:
                raise BadRecord("bad escape %s in text (only \\\\, \\n, \\r "
                                "and \\t exist)" % show_field(raw[j:j + 2]))
            out.append(rep)
            pos = j + 2
        raw = b"".join(out)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRecord("text is not valid UTF-8 (byte 0x%02x at offset %d)"
                        % (raw[exc.start], exc.start))


def diagnose(parts, counts):
    """Say what is wrong with a record; raise BadRecord.

    `counts` maps 'S', 'F', 'K' to the number of ids defined so far.
    Returns normally only if the record is well-formed.
    """
    tag = parts[0]
    if tag == b"f" and len(parts) > 2 and parts[2] in (b"py", b"c"):
        spec = _RECORDS[b"f " + parts[2]]
    elif tag == b"f":
        if len(parts) < 3:
            raise BadRecord("'f' record: expected 6 fields (py frame) or 8 "
                            "(native frame), got %d" % len(parts))
        raise BadRecord("'f' record: frame kind must be 'py' or 'c', got %s"
                        % show_field(parts[2]))
    else:
        spec = _RECORDS[tag]
    name = tag.decode()
    has_text = bool(spec) and spec[-1].startswith("T:")
    fixed = len(spec) - has_text
    if has_text and len(parts) - 1 < fixed:
        raise BadRecord("'%s' record: expected at least %d fields, got %d"
                        % (name, fixed + 1, len(parts)))
    if not has_text and len(parts) - 1 != fixed:
        raise BadRecord("'%s' record: expected %d fields, got %d"
                        % (name, fixed + 1, len(parts)))
    for i, field in enumerate(spec):
        kind, what = field.split(":")
        if kind == "T":
            text_field(parts, i + 1)
            break
        _check_field(kind, parts[i + 1],
                     "'%s' record: field %d (%s)" % (name, i + 2, what),
                     counts)


def _check_field(kind, raw, where, counts):
    """diagnose() for one field of kind `kind` (see _RECORDS)."""
    if kind.startswith("="):
        return
    if kind == "W":
        if not raw:
            raise BadRecord("%s is empty" % where)
        return
    if kind == "C":
        if raw not in CLASS_INDEX:
            raise BadRecord("%s: unknown class %s (expected raw, pymalloc "
                            "or python-large)" % (where, show_field(raw)))
        return
    if kind == "D":
        if raw.decode("utf-8", "replace") not in SNAPSHOT_KINDS:
            raise BadRecord("%s: unknown snapshot kind %s (expected %s)"
                            % (where, show_field(raw),
                               ", ".join(SNAPSHOT_KINDS)))
        return
    if kind == "X":
        if not (raw[:2] == b"0x" and len(raw) > 2 and is_hex(raw[2:])):
            raise BadRecord("%s: expected a 0x-prefixed hex number, got %s"
                            % (where, show_field(raw)))
        return
    if kind.endswith("-") and raw == b"-1":
        return
    if not raw.isdigit():
        raise BadRecord("%s: expected a non-negative integer%s, got %s"
                        % (where, " or -1" if kind.endswith("-") else "",
                           show_field(raw)))
    table = kind[0]
    if table in counts and int(raw) >= counts[table]:
        noun = {"S": "string", "F": "frame", "K": "stack"}[table]
        raise BadRecord("%s: %s id %d is not defined (%d defined so far)"
                        % (where, noun, int(raw), counts[table]))


def is_hex(raw):
    return raw.strip(b"0123456789abcdefABCDEF") == b""


def _held_id(raw, count, what, allow=(-1,)):
    """An id field of a `held` record: -1 (or another of `allow`) or a
    defined id below `count`."""
    if raw.isdigit():
        value = int(raw)
        if value < count:
            return value
    else:
        try:
            value = int(raw)
        except ValueError:
            value = None
        if value in allow:
            return value
    raise BadRecord("'held' record: %s %s is not defined" % (what,
                                                             show_field(raw)))


def held_record(parts, n_strings, n_stacks, strings, ends):
    """A `held` record as a model.Held; BadRecord if it is malformed."""
    if len(parts) < 8 or not parts[7].isdigit():
        raise BadRecord("'held' record: expected a stack, a class, a type, "
                        "bytes, blocks, an end and the number of links, then "
                        "4 fields per link")
    n_links = int(parts[7])
    if len(parts) != 8 + 4 * n_links:
        raise BadRecord("'held' record: %d fields for %d links (expected "
                        "%d)" % (len(parts) - 1, n_links, 7 + 4 * n_links))
    kid = _held_id(parts[1], n_stacks, "stack")
    cls = CLASS_INDEX.get(parts[2])
    if cls is None:
        raise BadRecord("'held' record: bad class %s" % show_field(parts[2]))
    type_sid = _held_id(parts[3], n_strings, "type string")
    if not (parts[4].isdigit() and parts[5].isdigit()):
        raise BadRecord("'held' record: bytes and blocks must be "
                        "non-negative integers")
    end = ends.get(parts[6])
    if end is None:
        raise BadRecord("'held' record: bad end %s (one of %s)"
                        % (show_field(parts[6]), ", ".join(HELD_ENDS)))
    links = []
    for i in range(8, len(parts), 4):
        lkid = _held_id(parts[i], n_stacks, "stack")
        lcls = CLASS_INDEX.get(parts[i + 1])
        if lcls is None:
            raise BadRecord("'held' record: bad class %s"
                            % show_field(parts[i + 1]))
        ltype = _held_id(parts[i + 2], n_strings, "type string")
        lname = _held_id(parts[i + 3], n_strings, "name string", (-1, -2))
        links.append(HeldLink(
            lkid, lcls, strings[ltype] if ltype >= 0 else None,
            strings[lname] if lname >= 0 else
            (VARIOUS if lname == -2 else None)))
    return Held(kid, cls, strings[type_sid] if type_sid >= 0 else None,
                int(parts[4]), int(parts[5]), end, tuple(links))


# The most bytes of a run taken at once: the fields of a run are a few
# times its size in objects, and a run of 16 KiB keeps them in the CPU's
# cache while they are converted, checked and freed (measured on a 537 MB
# file: the reader took 9.0 s at 16 KiB, 9.2 at 8 KiB and 32 KiB, 9.8 at
# 4 KiB and 64 KiB, 11.0 with a snapshot's whole run, ~500 KiB).
RUN_BYTES = 1 << 14


def run_end(data, pos):
    """The end of the lines from `pos` that begin with "b" (data ends
    with a newline), or of as many of them as fit in RUN_BYTES (at least
    one)."""
    found = _RUN_END.search(data, pos, pos + RUN_BYTES + 1)
    if found:
        return found.start() + 1
    if pos + RUN_BYTES >= len(data):
        return len(data)
    cut = data.rfind(b"\n", pos, pos + RUN_BYTES)
    return cut + 1 if cut >= 0 else data.index(b"\n", pos) + 1


def run_fields(data, pos, stop, tag, width, n_stacks):
    """The fields of the lines data[pos:stop] as columns of ints (classes
    as their index), if every line is a record `tag` of `width` fields
    (a stack id, a class, then numbers) whose stack id is -1 or a defined
    stack and whose numbers are ASCII digits; None otherwise.

    Why this is exact without looking at each line (a regular expression
    per line cost more than all the rest of the parsing):

    - Lines: the run's fields, both separators taken as one, number a
      multiple of `width`, with `tag` at every width-th place and
      nowhere else (no " tag " or " tag\n").  Every line begins with
      "b" (run_end()), at field 0.  If a line that begins at a width-th
      place had more fields, its width-th would be `tag` inside a line;
      if it had fewer, the next line's first field, "b...", would be
      where a number or a class is expected, which int() and the class
      names refuse (or, for the last line, the count would not be a
      multiple).  So every line has `width` fields.
    - Numbers: int() takes ASCII digits, and also a sign, "_" and
      whitespace; the run has no "+", "_" nor whitespace but " " and
      "\n", and its only "-" are those of "python-large" and of stack
      ids exactly "-1" (" -1 "; every other field is followed by "\n"
      or by a " " and preceded by a " "): a "-" elsewhere makes the
      counts differ, and min() refuses a negative number where a stack
      id is not."""
    run = data[pos:stop]
    if (run.count(b"-") != run.count(b" -1 ") + run.count(b"python-large")
            or b"+" in run or b"_" in run or b"\t" in run or b"\r" in run
            or b"\v" in run or b"\f" in run
            or b" " + tag + b" " in run or b" " + tag + b"\n" in run):
        return None
    fields = run[:-1].replace(b"\n", b" ").split(b" ")
    n_lines = len(fields) // width
    if (len(fields) != width * n_lines
            or fields[0::width].count(tag) != n_lines):
        return None
    try:
        kids = list(map(int, fields[1::width]))
        columns = [kids, list(map(CLASS_INDEX.__getitem__,
                                  fields[2::width]))]
        for i in range(3, width):
            columns.append(list(map(int, fields[i::width])))
    except (ValueError, KeyError):
        return None
    if min(kids) < -1 or max(kids) >= n_stacks or \
            min(min(column) for column in columns[2:]) < 0:
        return None
    return columns

"""pyheap_viewer.reports.base: the Report interface, what a report reads (Inputs) and writes to (Output), shared text pieces."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Every output of pyheap_print -- the reports here and the exports in
# exports/ -- is a Report: a class with a `name` (its key in registry.py)
# and one method,
#
#     render(inputs, options, out) -> exit status
#
# `inputs` reads the files the command line names, keeping what the report
# asks for (the sites of some snapshots, the totals), with --filter,
# --depth and --type applied; `options` is the parsed command line
# (cli.parse_args()); `out.write(text)` writes the output, in one piece or
# many (a streamed export writes each snapshot as it is read).  The status
# is 0 but for --check, whose status is the gate's verdict.  Errors are
# exceptions (errors.py); the CLI turns them into one line and a status.

import linecache
import os
import sys
import tempfile

from ..errors import InputError, SelectionError
from ..formatting import escape, pct
from ..grouping import NAME_ONLY
from ..model import UNKNOWN_FUNCTION, UNKNOWN_LOCATION
from ..naming import UserCode
from ..reader import read_profile
from ..view import StreamView, View, apply_types, apply_view


class Report:
    """One output of pyheap_print (see the top of this file)."""

    # The key the command line picks it by (registry.py).
    name = None

    # Whether it names sites by their user frame unless --innermost (the
    # user view, naming.py); the JSON and CSV tables, the exports and
    # --annotate keep the innermost frame unless --by=user-line or the
    # like asks.
    user_view = True

    def wants_user_view(self, options):
        """user_view, for these options."""
        return self.user_view

    def render(self, inputs, options, out):
        """Read through `inputs`, write with `out.write()`, return the
        exit status (0 unless --check finds a limit crossed)."""
        raise NotImplementedError


class Inputs:
    """The files of a run, read the way a report asks.

    A report reads only what it shows: the sites of the snapshots that
    `sites(kind, n, label)` accepts (model.At.matches, model.every_snapshot)
    and the totals if it wants them.  read() and read_at() give Views with
    --filter, --depth and --type applied; stream() hands each snapshot to
    a callback as it is read, and keeps none (stream_view() applies
    --filter and --depth snapshot by snapshot).
    """

    def __init__(self, options, user_view=True):
        self.options = options
        self.by_user = ((user_view or getattr(options, "user_by", False))
                        and not getattr(options, "innermost", False))
        self.user_code = UserCode(getattr(options, "user_code", None))

    def read(self, sites=None, totals=False, path=None):
        """A View of `path` (default: the first file)."""
        options = self.options
        profile = read_profile(path or options.file, want_sites=sites,
                               want_totals=totals)
        view = View(profile, self.user_code, self.by_user)
        apply_view(view, options.filter, options.depth)
        apply_types(profile, options.type)
        return view

    def read_at(self, at, totals=False, path=None):
        """(View, snapshot) of the snapshot `at` (a model.At) names;
        InputError if there is none."""
        view = self.read(sites=at.matches, totals=totals, path=path)
        return view, select_snapshot(view.profile, at)

    def stream(self, sites=None, totals=False, on_snapshot=None):
        """read_profile() of the first file, as it is (no view applied)."""
        return read_profile(self.options.file, want_sites=sites,
                            want_totals=totals, on_snapshot=on_snapshot)

    def stream_view(self):
        """A StreamView of --filter and --depth for stream()'s snapshots
        (--type is not applied to streamed exports)."""
        return StreamView(self.options.filter, self.options.depth)


def select_snapshot(profile, at):
    """The snapshot `at` names; InputError (status 1) if none."""
    try:
        return at.select(profile)
    except SelectionError as exc:
        raise InputError(profile.path, None, str(exc))


class Output:
    """Where a report goes: stdout, or FILE (-o FILE).

    Text is written as UTF-8 (lone surrogates of file names as the bytes
    they stand for).  FILE is opened at the first piece, so that an error
    found before any output (every report computes its text first; the
    streamed exports check the whole file first) leaves FILE alone; close()
    creates it even if the output is empty.
    """

    def __init__(self, path=None):
        self.path = path
        self._file = None
        self._started = False

    def write(self, text):
        data = text.encode("utf-8", "surrogateescape")
        if self.path is None:
            if not self._started:
                sys.stdout.flush()
                self._started = True
            sys.stdout.buffer.write(data)
            return
        try:
            if self._file is None:
                self._file = open(self.path, "wb")
            self._file.write(data)
        except OSError as exc:
            raise InputError(self.path, None, exc.strerror or str(exc))

    def close(self):
        """The output is complete."""
        if self.path is None:
            sys.stdout.flush()
            return
        if self._file is None:
            self.write("")
        self.release()

    def release(self):
        """Close FILE if it was opened (also after an error)."""
        f, self._file = self._file, None
        if f is not None:
            try:
                f.close()
            except OSError as exc:
                raise InputError(self.path, None, exc.strerror or str(exc))


def write_file(path, text):
    """Write a whole file (--junit-xml, --gen-baseline); InputError."""
    output = Output(path)
    try:
        output.write(text)
        output.close()
    finally:
        output.release()


# ------------------------------------------------------------------------- #
# Text pieces the reports share                                             #
# ------------------------------------------------------------------------- #

class SourceLines:
    """Source text of Python locations, read lazily and never failing."""

    def __init__(self, enabled=True, width=60):
        self.enabled = enabled
        self.width = width

    def get(self, frame):
        if not self.enabled or frame is None or frame[0] != "py":
            return None
        path, line = frame[1], frame[2]
        if line <= 0:
            return None
        try:
            # Only the file named, as it is: no search along sys.path.
            if not os.path.isfile(path):
                return None
            text = linecache.getline(path, line)
        except Exception:       # unreadable, bad encoding, ...
            return None
        text = text.strip().replace("\t", " ")
        if not text:
            return None
        if len(text) > self.width:
            text = text[:self.width - 3] + "..."
        return escape(text)


def frame_text(frame, source=None):
    """A frame as the tree and the tables show it."""
    if frame is None:
        return "(no stack)"
    if frame[0] == "py":
        text = "%s (%s:%d)" % (escape(frame[3]), escape(frame[1]), frame[2])
        src = source.get(frame) if source is not None else None
        if src:
            text += ": " + src
        return text
    function = escape(frame[3]) if frame[3] is not None else UNKNOWN_FUNCTION
    text = "0x%x: %s" % (frame[4], function)
    if frame[1] is not None:
        text += " (%s:%d)" % (escape(frame[1]), frame[2])
    elif frame[5] is not None:
        text += " (in %s)" % escape(frame[5])
    return text


def site_label(location, function, by, frame, source):
    """A group of --growth and --leaks as their tables name it."""
    if by in NAME_ONLY:
        return escape(location)
    if frame is None and location == UNKNOWN_LOCATION:
        return "(no stack)"
    text = "%s (%s)" % (escape(function), escape(location))
    if by in ("line", "stack") and source is not None and frame is not None:
        src = source.get(frame)
        if src:
            text += ": " + src
    return text


def via_text(location, function, stack):
    """The library frame that allocated a group's memory, from its
    representative stack (innermost first), when it is not the group's
    own line: "DictReader.__next__ (csv.py:111)"; None otherwise."""
    if not stack or tuple(stack[0]) == (location, function):
        return None
    loc, fn = stack[0]
    return "%s (%s)" % (escape(fn), escape(loc))


# A rate's factor and unit, by the file's time unit: (factor, the unit in
# full, the unit short).  The bytes per time unit are multiplied by the
# factor to read as bytes per the unit.
_RATE_UNITS = {"B": (1e6, "MB allocated+freed", "MB allocated"),
               "i": (1e6, "million instructions", "M instructions"),
               "ms": (1000.0, "second", "second")}


def rate_scale(unit, short=False):
    """(factor, text) to show a rate in bytes per time unit: "B per MB
    allocated+freed", or with `short` (the summary) "per MB allocated"."""
    factor, full, brief = _RATE_UNITS.get(unit, (1.0, "time unit",
                                                 "time unit"))
    return factor, ("per %s" % brief) if short else ("B per %s" % full)


def type_text(dominant):
    """A site's dominant type (growth.dominant_types()) in words."""
    if dominant is None:
        return ""
    return "%s (%s of its Python bytes at %s)" % (
        escape(dominant[0]), pct(dominant[2], 1), dominant[3])


# Spool: an export's output held back until the whole file has been read
# and checked.  The streamed exports (massif, JSON) write each snapshot as
# it is read and drop it, so that memory does not grow with the file.  A
# bad file must still write nothing, and the JSON export's head (the
# totals, the frames used) is known only at the end of the file.  Reading
# the file twice for that (to check it and find the head, then to write)
# doubled the reading, most of their time; they read it once, writing to
# a Spool: memory up to SPOOL_BYTES, then a temporary file, which goes to
# the output once the file is read.

# The output held in memory before the spool moves to a temporary file.
SPOOL_BYTES = 1 << 24


class Spool:
    """write(text) now, copy_to(out) once the file is read; a context
    manager (the temporary file goes on exit)."""

    def __init__(self):
        self._file = tempfile.SpooledTemporaryFile(
            max_size=SPOOL_BYTES, mode="w+", encoding="utf-8",
            errors="surrogateescape")

    def write(self, text):
        self._file.write(text)

    def copy_to(self, out):
        """Write what was spooled to `out` (out.write(text)), in pieces."""
        self._file.seek(0)
        while True:
            piece = self._file.read(SPOOL_BYTES)
            if not piece:
                break
            out.write(piece)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._file.close()

"""pyheap_viewer.reports.annotate: --annotate=FILE.py, a source file with the bytes live and allocated at each line."""
# SPDX-License-Identifier: GPL-2.0-or-later

import io
import os
import tokenize

from ..errors import InputError
from ..formatting import (aligned, column_widths, escape, num, pct, plural,
                          short_list)
from ..model import At, describe
from .base import Report


class AnnotateReport(Report):
    """--annotate: the source with, per line, the snapshot --at names
    (the peak) and the file's totals."""

    name = "annotate"
    user_view = False

    def render(self, inputs, options, out):
        lines = read_source(options.annotate)     # fails first if missing
        view, snap = inputs.read_at(options.at or At("peak"), totals=True)
        out.write(AnnotatedSource(view.profile, snap,
                                  options.annotate).text(lines))
        return 0


class AnnotatedSource:
    """A source file with, per line, the live bytes of a snapshot and the
    bytes allocated over the run whose innermost Python frame is that
    line (memory_profiler's layout)."""

    HEAD = ("Line #", "Live (B)", "Live blocks", "Total (B)",
            "Total blocks")

    def __init__(self, profile, snap, source_path):
        self.profile = profile
        self.snap = snap
        self.source_path = source_path

    def matching_files(self):
        """The file names of the profile's Python frames that are
        `source_path`: the same string, else the same file on this
        machine, else the one file that ends with it (or the other way
        round).  Raises InputError if several files end with it."""
        wanted = self.source_path
        files = sorted(set(f[1] for f in self.profile.frames
                           if f[0] == "py" and f[1]))
        same = [f for f in files if f == wanted]
        if same:
            return same
        try:
            real = os.path.realpath(wanted)
            same = [f for f in files if not f.startswith("<")
                    and os.path.realpath(f) == real]
        except (OSError, ValueError):
            same = []
        if same:
            return same
        norm = os.path.normpath(wanted)
        tails = [f for f in files if f.endswith("/" + norm.lstrip("/"))
                 or (not f.startswith("<")
                     and norm.endswith("/" + os.path.normpath(f)))]
        if len(tails) > 1:
            raise InputError(wanted, None, "matches several files of the "
                             "profile: %s (give more of the path)"
                             % short_list(tails))
        return tails

    def line_sums(self, own, files):
        """{line: [bytes, blocks]} of the sites in `own` whose innermost
        Python frame is in one of `files`."""
        prof = self.profile
        frames = prof.frames
        fids = prof.stack_frame
        parents = prof.stack_parent
        files = set(files)
        out = {}
        for kid, rec in own.items():
            k = kid
            while k >= 0:
                frame = frames[fids[k]]
                if frame[0] == "py":
                    if frame[1] in files:
                        acc = out.get(frame[2])
                        if acc is None:
                            out[frame[2]] = [rec[0], rec[1]]
                        else:
                            acc[0] += rec[0]
                            acc[1] += rec[1]
                    break
                k = parents[k]
        return out

    def text(self, lines):
        """The report; `lines` is the source (read_source())."""
        files = self.matching_files()
        snap = self.snap
        live = self.line_sums(snap.by_stack(), files)
        total = self.line_sums(self.profile.totals.by_stack(), files)
        out = []
        out.append("File:               %s" % escape(self.source_path))
        if files:
            out.append("Recorded as:        %s"
                       % ", ".join(escape(f) for f in files))
        else:
            out.append("Recorded as:        (no Python frame of the "
                       "profile is in this file)")
        out.append("Profile:            %s" % escape(self.profile.path))
        out.append("Snapshot:           %d (%s) at time %s: %s B in %s"
                   % (snap.n, describe(snap), num(snap.time),
                      num(snap.heap_B), plural(snap.heap_blocks, "block")))
        out.append("Live:               bytes and blocks live at the "
                   "snapshot whose innermost")
        out.append("                    Python frame is the line")
        out.append("Total:              bytes and blocks allocated there "
                   "over the whole run,")
        out.append("                    freed or not")
        out.append("")
        cells = {}
        for line in set(live) | set(total):
            a = live.get(line)
            b = total.get(line)
            cells[line] = (num(a[0]) if a else "", num(a[1]) if a else "",
                           num(b[0]) if b else "", num(b[1]) if b else "")
        sums = [sum(v[0] for v in live.values()),
                sum(v[1] for v in live.values()),
                sum(v[0] for v in total.values()),
                sum(v[1] for v in total.values())]
        widths = column_widths(
            [self.HEAD, [str(len(lines))] + [num(v) for v in sums]] +
            [[""] + list(cell) for cell in cells.values()])
        head = aligned(self.HEAD, widths)
        out.append(head + "  Line Contents")
        rule = "=" * (len(head) + 15)
        out.append(rule)
        for number, text in enumerate(lines, 1):
            row = [str(number)] + list(cells.get(number, ("",) * 4))
            prefix = aligned(row, widths)
            out.append((prefix + "  " + escape(text.expandtabs(8))).rstrip())
        out.append(rule)
        row = ["all"] + [num(v) for v in sums]
        out.append(aligned(row, widths) +
                   "  (%s of the snapshot's heap)"
                   % pct(sums[0], snap.heap_B))
        beyond = sorted(line for line in cells
                        if line < 1 or line > len(lines))
        if beyond:
            out.append("")
            out.append("Lines not in the file as it is now (it changed "
                       "since the run?), or line 0 (unknown):")
            for line in beyond:
                a = live.get(line, (0, 0))
                b = total.get(line, (0, 0))
                out.append("  line %d: live %s B in %s, total %s B in %s"
                           % (line, num(a[0]), plural(a[1], "block"),
                              num(b[0]), plural(b[1], "block")))
        return "\n".join(out) + "\n"


def read_source(path):
    """The lines of a Python source file, decoded as Python would (PEP
    263; UTF-8 with replacement characters if that fails)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise InputError(path, None, exc.strerror or str(exc))
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        text = data.decode("utf-8", "replace")
    return text.splitlines()

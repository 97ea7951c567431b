"""pyheap_viewer.reports.summary: the first screen of the default report: totals, the leak verdict and the lines of the user's code that hold the memory."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# ms_print opens with its graph: massif's question is "how big, and when".
# pyheap's user asks "which line of my code holds my memory, and which one
# keeps growing", so the default report opens with the answer, in at most
# about 25 lines (`pyheap_print FILE | head -30` is enough):
#
#   - the peak and the exit, by class, and the arenas (with those kept
#     mapped by a few blocks: ph_pinning.c);
#   - the verdict: the groups births.py (or, for a file without births,
#     growth.py's trend) calls growing, with what they keep, their share of
#     the heap at exit, when they started, their rate and type, and the
#     library frame that did the allocating ("via csv.py:111");
#   - the lines of the user's own code that hold the most at the peak.
#
# Everything is by the user's own line (naming.py's user view) unless
# --innermost; the graph, the samples and each snapshot's tree and tables
# follow (--no-summary leaves the summary out: ms_print's order).

from ..errors import InputError
from ..formatting import escape, fnum, num, pct, plural
from ..grouping import group_sites
from ..growth import GROWTH_KINDS, growth_trends
from ..model import CLASSES
from ..naming import frame_name
from ..pinning import SPARSE_BANDS, pinning
from ..retainers import exit_holders, holder_brief
from .base import Report, rate_scale

SUMMARY_GROWING = 5          # growing lines shown
SUMMARY_TOP = 5              # top lines at the peak shown
SUMMARY_PINNING = 3          # lines keeping sparse arenas shown
SUMMARY_HOLDERS = 3          # growing lines whose holder is shown


class SummaryReport(Report):
    """--summary: the first screen of the default report alone."""

    name = "summary"

    def render(self, inputs, options, out):
        view = inputs.read(sites=read_for_summary)
        out.write("\n".join(summary_lines(view, options)) + "\n")
        return 0


def read_for_summary(kind, n, label):
    """The snapshots whose sites the summary reads: every one the growth
    report does (its verdict), the peak and the exit."""
    return kind in GROWTH_KINDS or kind in ("peak", "exit")


def mib(n):
    return "%.1f MiB" % (n / 1048576.0)


class Namer:
    """Short names of frames for the summary: the user's files relative to
    the program's root, a library's by its module path."""

    def __init__(self, view):
        self.view = view

    def file(self, frame):
        return self.view.module_namer().short_file(frame)

    def line(self, frame):
        """file:line function"""
        if frame is None:
            return "(no stack)"
        loc, function, _ = frame_name(frame)
        if frame[0] == "py":
            return "%s:%d %s" % (escape(self.file(frame)), frame[2],
                                 escape(function))
        return "%s %s" % (escape(loc), escape(function))


def via_frames(view, grouping, snap, keys):
    """{key: [(innermost frame, bytes)]} of the groups `keys` at `snap`:
    the frames that did the allocating, biggest first."""
    locator = view.locator()
    out = {}
    for kid, rec in snap.by_stack().items():
        key = grouping.key(kid)
        if key not in keys:
            continue
        frame = locator.innermost_frame(kid)
        acc = out.setdefault(key, {})
        acc[frame] = acc.get(frame, 0) + rec[0]
    return {key: sorted(acc.items(), key=lambda fb: -fb[1])
            for key, acc in out.items()}


def summary_lines(view, options):
    """The summary's lines (see the top of this file)."""
    prof = view.profile
    namer = Namer(view)
    out = ["=" * 80]
    out.append("pyheap summary: %s" % escape(prof.meta.get("cmd", "?")))
    if (prof.meta.get("end") or "").startswith("running"):
        # A checkpoint (--checkpoint): the run never wrote its own file.
        out.append("NOT FINISHED: the run was killed (SIGKILL, the OOM "
                   "killer?) after checkpoint %s;" % escape(
                       prof.meta.get("checkpoint", "?")))
        out.append("          the exit snapshot below is the heap at "
                   "that checkpoint.")
    out.extend(_totals(view, namer))
    out.extend(_verdict(view, options, namer))
    out.extend(_top_user_lines(view, namer))
    out.append("More: the graph and each snapshot below; --growth for the "
               "verdict's evidence;")
    out.append("      --by=package, --at=LABEL, --innermost; pyheap_print "
               "--help.")
    out.append("=" * 80)
    return out


def _totals(view, namer):
    prof = view.profile
    out = []
    peak = prof.peak_snapshot
    if peak is not None:
        out.append("Peak:     %s in %s at %s of the run (%s)" % (
            mib(peak.heap_B), plural(peak.heap_blocks, "block"),
            pct(peak.time, max(1, prof.samples.time[-1]
                                if len(prof.samples) else 1)),
            ", ".join("%s %s" % (name, mib(peak.classes[i][0]))
                      for i, name in enumerate(CLASSES))))
    ex = prof.exit_snapshot
    if ex is not None:
        out.append("Exit:     %s in %s (%s)" % (
            mib(ex.heap_B), plural(ex.heap_blocks, "block"),
            ", ".join("%s %s" % (name, mib(ex.classes[i][0]))
                      for i, name in enumerate(CLASSES))))
        arena = ex.arena
        if arena is not None and arena.count:
            text = "Arenas:   %s (%s) at exit, %s used" % (
                plural(arena.count, "arena"), mib(arena.arena_B),
                pct(arena.pymalloc_slot_B, arena.arena_B))
            pins = pinning(view, ex)
            if pins is not None and pins.sparse:
                text += "; %s (%s) under %d%% use" % (
                    plural(pins.sparse, "arena"), mib(pins.sparse_B),
                    10 * SPARSE_BANDS)
            out.append(text)
            if pins is not None and pins.sparse and pins.holders:
                out.append("          kept mapped by the live blocks of:")
                for h in pins.holders[:SUMMARY_PINNING]:
                    out.append("            %s  (%s B in up to %s)" % (
                        namer.line(h.frame), num(h.bytes),
                        plural(h.arenas, "arena")))
    return out


def _verdict(view, options, namer):
    prof = view.profile
    try:
        trends, points, grouping = growth_trends(
            view, "line", options.min_tau, options.warmup)
    except InputError as exc:
        return ["Verdict:  not judged: %s" % escape(exc.what)]
    growing = [t for t in trends if t.growing]
    births = any(t.births is not None for t in trends)
    end_heap = points[-1].heap_B if points else 0
    if not growing:
        return ["Verdict:  no line grows steadily to the end (%s judged %s)"
                % (plural(len(trends), "line"),
                   "by when their blocks were born" if births
                   else "by their trend over %s" % plural(len(points),
                                                          "snapshot"))]
    total = sum(t.last for t in growing)
    out = ["Verdict:  LEAK? %s keep%s growing to the end: %s B, %s of the "
           "heap at exit" % (plural(len(growing), "line"),
                             "s" if len(growing) == 1 else "",
                             num(total), pct(total, end_heap))]
    factor, rate_text = rate_scale(prof.time_unit, short=True)
    shown = growing[:SUMMARY_GROWING]
    vias = via_frames(view, grouping, points[-1],
                      set(t.key for t in shown))
    holders = exit_holders(view, "line")
    end_time = points[-1].time or 1
    for i, t in enumerate(shown, 1):
        since = ""
        if t.births is not None and t.births.growing:
            since = ", since %s of the run" % pct(
                t.births.window_start_time(), end_time)
        kind = ""
        if t.dominant_type is not None:
            kind = ", %s" % escape(t.dominant_type[0])
        out.append(" %d. %s" % (i, namer.line(t.frame)))
        out.append("      %s B at exit (%s)%s, +%s B %s%s" % (
            num(t.last), pct(t.last, end_heap), kind,
            fnum(t.late_slope * factor), rate_text, since))
        via = [(f, b) for f, b in vias.get(t.key, ()) if f != t.frame]
        if via:
            f, b = via[0]
            out.append("      via %s (%s B)%s" % (
                namer.line(f), num(b),
                "" if len(via) == 1 else " and %s more" % plural(
                    len(via) - 1, "frame")))
        holder = holders.get((t.location, t.function))
        if holder is not None and i <= SUMMARY_HOLDERS:
            out.append("      held by %s (%s; --retainers)"
                       % (escape(holder_brief(view, holder[0])),
                          pct(holder[1], 1)))
    if len(growing) > len(shown):
        out.append("    (%s more: --growth)" % num(len(growing) - len(shown)))
    return out


def _top_user_lines(view, namer):
    prof = view.profile
    peak = prof.peak_snapshot
    if peak is None or peak.sites is None:
        return []
    groups = group_sites(view, peak.by_stack(), "line", 0, peak)
    mine = [g for g in groups if g.frame_is_user][:SUMMARY_TOP]
    if not mine:
        return ["Your code: no line of it holds memory at the peak"]
    out = ["Your code at the peak (%s B):" % num(peak.heap_B)]
    for g in mine:
        via = g.via()
        text = "  %7s  %14s B  %s" % (pct(g.bytes, peak.heap_B),
                                     num(g.bytes), namer.line(g.frame))
        if via and via[0][1] * 2 >= g.bytes:
            text += "  (via %s)" % namer.line(via[0][0])
        out.append(text)
    return out

"""pyheap_viewer.reports.growth: --growth, the groups whose live bytes keep growing over the run (text, json, csv)."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The method is growth.py's (its essay); this is how it is shown.

from ..formatting import (RULE, aligned, column_widths, csv_text, escape,
                          fnum, json_lines, num, pct, rounded, signed,
                          sparkline, stack_text)
from ..grouping import BY_HEADINGS, nouns
from ..births import exit_births, sparkline_of
from ..growth import fill_stacks, growth_trends
from ..model import TIME_UNITS, every_snapshot
from ..retainers import exit_holders, holder_brief
from .base import (Report, SourceLines, rate_scale, site_label, type_text,
                   via_text)


# The width of the table's birth sparkline.
BORN_CELLS = 16


class GrowthReport(Report):
    """--growth: every group's trend, growing first."""

    name = "growth"

    def render(self, inputs, options, out):
        view = inputs.read(sites=every_snapshot)
        by = options.by
        trends, points, grouping = growth_trends(
            view, by, options.min_tau, options.warmup)
        top = options.top if options.top is not None else (
            10 if options.format == "text" else 0)
        shown = trends[:top] if top else trends
        fill_stacks(view.profile, grouping, shown, points)
        holders = exit_holders(view, by)
        for t in shown:
            holder = holders.get((t.location, t.function))
            t.held_by = None if holder is None else (
                holder_brief(view, holder[0]), holder[1])
        if options.format == "json":
            text = _growth_json(view.profile, options, trends, shown, points)
        elif options.format == "csv":
            text = _growth_csv(shown)
        else:
            text = _growth_text(view.profile, options, trends, shown, points)
        out.write(text)
        return 0


def _growth_json(profile, options, trends, shown, points):
    factor, _ = rate_scale(profile.time_unit)
    head = [("file", profile.path), ("by", options.by),
            ("time_unit", profile.time_unit),
            ("points", [{"n": s.n, "time": s.time, "kind": s.kind}
                        for s in points]),
            ("min_tau", options.min_tau),
            ("growing", sum(1 for t in trends if t.growing)),
            ("groups", len(trends)),
            ("sites", [_with_holder(t.to_json(factor), t) for t in shown])]
    return json_lines(head)


def _with_holder(obj, trend):
    """A site's JSON with its first holder at exit (--retainers):
    "held_by": {"text", "share"} or null."""
    obj["held_by"] = None if trend.held_by is None else {
        "text": trend.held_by[0], "share": rounded(trend.held_by[1])}
    return obj


def _growth_csv(shown):
    header = ["rank", "verdict", "location", "function", "score",
              "rate_bytes_per_time_unit", "tau", "late_tau",
              "growth_bytes", "first_bytes", "last_bytes", "end_share",
              "per_iteration_bytes", "dominant_type", "stack"]
    rows = []
    for i, t in enumerate(shown, 1):
        rows.append([i, t.verdict, t.location, t.function,
                     rounded(t.score), rounded(t.late_slope),
                     rounded(t.tau), rounded(t.late_tau),
                     int(round(t.growth)), t.first, t.last,
                     rounded(t.end_share),
                     "" if t.per_iter is None else rounded(t.per_iter),
                     "" if t.dominant_type is None
                     else t.dominant_type[0],
                     stack_text(t.stack)])
    return csv_text(header, rows)


def _growth_text(profile, options, trends, shown, points):
    by = options.by
    unit = profile.time_unit
    factor, rate_text = rate_scale(unit)
    has_marks = any(t.per_iter is not None for t in trends)
    source = SourceLines(enabled=not options.no_source)
    out = [RULE]
    n_growing = sum(1 for t in trends if t.growing)
    out.append("Growth report:      %s (--by=%s)"
               % (escape(profile.path), by))
    out.append("Points:             %s snapshots with sites, time %s to %s "
               "(%s)" % (num(len(points)), num(points[0].time),
                         num(points[-1].time),
                         TIME_UNITS.get(unit, "unknown unit")))
    judge = exit_births(profile)
    if judge is not None:
        out.append("Growing:            %s of %s: survivors born steadily "
                   "up to the end, kept, the old ones not let go"
                   % (num(n_growing), nouns(len(trends), by)))
        out.append("Method:             when the blocks live at %s were "
                   "born (%s epochs of %s %s);"
                   % ("exit" if judge.kind == "exit" else "the last snapshot",
                      num(judge.n_epochs), num(judge.epoch_width),
                      TIME_UNITS.get(unit, "time units")))
        out.append("                    not where the snapshots fall "
                   "(see --help)")
    else:
        out.append("Growing:            %s of %s (steadiness >= %s, "
                   "rising over the run and its latter half)"
                   % (num(n_growing), nouns(len(trends), by),
                      fnum(options.min_tau, 2)))
        out.append("Method:             Theil-Sen slope and Kendall's tau of "
                   "each group's live")
        out.append("                    bytes over the run and its latter "
                   "half (see --help)")
    out.append(RULE)
    if judge is not None:
        head = ["#", "verdict", "rate", "since", "growth (B)", "end (B)",
                "end %", "born"]
    else:
        head = ["#", "verdict", "rate", "tau", "late", "growth (B)",
                "end (B)", "end %"]
    if has_marks:
        head.insert(6 if judge is None else 4, "B/iter")
    body = []
    for i, t in enumerate(shown, 1):
        if judge is not None:
            ev = t.births
            since = "-"
            if ev is not None and ev.growing:
                since = "%.0f%%" % (100.0 * ev.window_start_time()
                                    / float(ev.end_time or 1))
            cells = [str(i), t.verdict, fnum(t.late_slope * factor), since,
                     signed(int(round(t.growth))), num(t.last),
                     pct(t.last, points[-1].heap_B),
                     "|%s|" % (sparkline_of(ev.histogram, BORN_CELLS)
                               if ev is not None else " " * BORN_CELLS)]
        else:
            cells = [str(i), t.verdict, fnum(t.late_slope * factor),
                     fnum(t.tau, 2), fnum(t.late_tau, 2),
                     signed(int(round(t.growth))), num(t.last),
                     pct(t.last, points[-1].heap_B)]
        if has_marks:
            cells.insert(6 if judge is None else 4, fnum(t.per_iter or 0.0))
        body.append(cells)
    widths = column_widths([head] + body)
    if judge is not None:
        out.append("rate: the survivors born since the line started growing "
                   "over that time, %s;" % rate_text)
        out.append("since: when that was (share of the run); born: the "
                   "survivors by when they were born")
    else:
        out.append("rate: the current growth (Theil-Sen slope over the "
                   "latter half), %s" % rate_text)
    out.append("")
    out.append("  " + aligned(head, widths, left=(1, len(head) - 1)
                              if judge is not None else (1,))
               + "  " + BY_HEADINGS[by])
    for t, cells in zip(shown, body):
        out.append("  " + aligned(cells, widths, left=(1, len(head) - 1)
                                  if judge is not None else (1,)) + "  " +
                   site_label(t.location, t.function, by, t.frame, source))
    if not shown:
        out.append("  (no sites)")
    if len(shown) < len(trends):
        out.append("  (%s of %s shown: --top=0 shows all)"
                   % (num(len(shown)), nouns(len(trends), by)))
    out.extend(_growing_details(shown, by, factor, rate_text))
    return "\n".join(out) + "\n"


def _growing_details(shown, by, factor, rate_text):
    """The lines that describe each growing group of the table."""
    out = []
    for i, t in enumerate(shown, 1):
        if not t.growing:
            continue
        out.append("")
        out.append("#%d %s" % (i, site_label(t.location, t.function, by,
                                             t.frame, None)))
        out.append("    live bytes: %s B first, %s B at the end (%s of the "
                   "heap), max %s B" % (num(t.first), num(t.last),
                                        pct(t.end_share, 1), num(t.max)))
        out.append("    series:     |%s|" % sparkline(t.series))
        if t.births is not None:
            out.append("    born:       |%s| %s" % (
                sparkline_of(t.births.histogram), t.births.shape_text()))
        line = "    rate:       %s %s" % (fnum(t.late_slope * factor),
                                          rate_text)
        if t.per_iter is not None:
            line += "; %s B per iteration" % fnum(t.per_iter)
        out.append(line)
        via = via_text(t.location, t.function, t.stack)
        if via is not None:
            out.append("    via:        %s" % via)
        if t.dominant_type is not None:
            out.append("    type:       %s" % type_text(t.dominant_type))
        if t.held_by is not None:
            out.append("    held by:    %s (%s of it at exit; --retainers)"
                       % (escape(t.held_by[0]), pct(t.held_by[1], 1)))
        for j, (loc, fn) in enumerate(t.stack):
            out.append("    %s %s (%s)" % ("stack:     " if j == 0
                                           else " " * 11, escape(fn),
                                           escape(loc)))
    if not out:
        out.append("")
        out.append("No group grows steadily.")
    return out

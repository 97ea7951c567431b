"""pyheap_viewer.reports.leaks: --leaks, what each iteration between marks left behind (text, json, csv)."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The figures are leaks.py's (its essay); this is how they are shown.

from ..formatting import (RULE, aligned, column_widths, csv_text, escape,
                          fnum, json_lines, num, plural, quote, rounded,
                          stack_text)
from ..grouping import BY_HEADINGS, nouns
from ..leaks import leak_table
from ..model import every_snapshot
from .base import Report, SourceLines, site_label, type_text, via_text


class LeakReport(Report):
    """--leaks: every group that left bytes behind, biggest mean first."""

    name = "leaks"

    def render(self, inputs, options, out):
        view = inputs.read(sites=every_snapshot)
        rows, facts = leak_table(view, options.by, options.leak_lag,
                                 options.warmup)
        top = options.top if options.top is not None else (
            10 if options.format == "text" else 0)
        shown = rows[:top] if top else rows
        if options.format == "json":
            text = _leaks_json(view.profile, options, rows, shown, facts)
        elif options.format == "csv":
            text = _leaks_csv(shown)
        else:
            text = _leaks_text(view.profile, options, rows, shown, facts)
        out.write(text)
        return 0


def _leaks_json(profile, options, rows, shown, facts):
    head = [("file", profile.path), ("by", options.by),
            ("marks", facts["marks"]), ("mark_window", facts["window"]),
            ("leak_lag", facts["lag"]), ("warmup", facts["warmup"]),
            ("iterations", facts["iterations"]),
            ("thinned_marks", facts["thinned"]),
            ("groups", len(rows)),
            ("sites", [r.to_json() for r in shown])]
    return json_lines(head)


def _leaks_csv(shown):
    header = ["rank", "location", "function", "mean_bytes",
              "total_bytes", "total_blocks", "max_bytes", "iterations",
              "growth_per_iteration", "survivor_bytes",
              "survivor_blocks", "dominant_type", "stack"]
    out_rows = []
    for i, r in enumerate(shown, 1):
        out_rows.append([i, r.location, r.function, rounded(r.mean),
                         r.lagged, r.lagged_blocks, r.lag_max,
                         r.n_iters,
                         "" if r.per_iter is None else rounded(r.per_iter),
                         r.survivors, r.survivor_blocks,
                         "" if r.dominant_type is None
                         else r.dominant_type[0], stack_text(r.stack)])
    return csv_text(header, out_rows)


def _leaks_text(profile, options, rows, shown, facts):
    by = options.by
    lag = facts["lag"]
    source = SourceLines(enabled=not options.no_source)
    iters = facts["iterations"]
    out = [RULE]
    out.append("Leak report:        %s (--by=%s)"
               % (escape(profile.path), by))
    out.append("Marks:              %s (label %s), mark window %d%s"
               % (num(facts["marks"]), quote(facts["label"] or ""),
                  facts["window"],
                  "; %s without sites (thinned)" % num(facts["thinned"])
                  if facts["thinned"] else ""))
    if iters:
        out.append("Iterations counted: %d to %d (%s; --warmup=%d skips the "
                   "first)" % (iters[0], iters[-1],
                               plural(len(iters), "iteration"),
                               facts["warmup"]))
    else:
        out.append("Iterations counted: none (not enough marks after "
                   "--warmup=%d with --leak-lag=%d)"
                   % (facts["warmup"], lag))
    out.append("Left (mean):        bytes allocated during an iteration "
               "and still live %s"
               % ("at its end" if lag == 0 else
                  plural(lag, "iteration") + " later"))
    out.append("Growth:             Theil-Sen slope of the live bytes over "
               "the marks after warm-up")
    out.append("Survivors:          bytes born after warm-up still live at "
               "exit%s" % ("" if facts["exit_births"]
                           else " (the file has no exit births)"))
    out.append(RULE)
    head = ("#", "left/iter (B)", "blocks", "growth/iter (B)",
            "survivors (B)")
    body = []
    for i, r in enumerate(shown, 1):
        body.append((str(i), fnum(r.mean),
                     fnum(r.lagged_blocks / r.n_iters if r.n_iters else 0),
                     fnum(r.per_iter or 0.0), num(r.survivors)))
    widths = column_widths([head] + body)
    out.append("  " + aligned(head, widths) + "  " + BY_HEADINGS[by])
    for r, cells in zip(shown, body):
        out.append("  " + aligned(cells, widths) + "  " +
                   site_label(r.location, r.function, by, r.frame, source))
    if not shown:
        out.append("  (no site left anything behind)")
    if len(shown) < len(rows):
        out.append("  (%s of %s shown: --top=0 shows all)"
                   % (num(len(shown)), nouns(len(rows), by)))
    for i, r in enumerate(shown[:3], 1):
        if r.mean <= 0 and not r.survivors:
            continue
        out.append("")
        out.append("#%d %s" % (i, site_label(r.location, r.function, by,
                                             r.frame, None)))
        if r.dominant_type is not None:
            out.append("    type:  %s" % type_text(r.dominant_type))
        via = via_text(r.location, r.function, r.stack)
        if via is not None:
            out.append("    via:   %s" % via)
        for j, (loc, fn) in enumerate(r.stack):
            out.append("    %s %s (%s)" % ("stack:" if j == 0 else " " * 6,
                                           escape(fn), escape(loc)))
    return "\n".join(out) + "\n"

"""pyheap_viewer.reports.diff: --diff, two files or two snapshots compared group by group (text, json, csv)."""
# SPDX-License-Identifier: GPL-2.0-or-later

import json

from ..formatting import (RULE, aligned, column_widths, csv_text, escape,
                          num, plural, signed, stack_text)
from ..grouping import (BY_HEADINGS, NAME_ONLY, group_sites, group_tiebreak,
                        nouns)
from ..model import CLASSES, UNKNOWN_LOCATION, At, describe
from .base import Report, select_snapshot


class DiffReport(Report):
    """--diff OLD NEW (the snapshot --at names in each, the peak), or
    --diff --at=A --at2=B FILE: the groups (--by) that changed, biggest
    change first, in --format's form."""

    name = "diff"

    def wants_user_view(self, options):
        # The JSON and CSV rows of a diff keep the innermost frame, as
        # the JSON and CSV tables do.
        return options.format == "text"

    def render(self, inputs, options, out):
        at = options.at or At("peak")
        at2 = options.at2 or at
        if len(options.files) == 1:
            view = inputs.read(sites=lambda kind, n, label: (
                at.matches(kind, n, label) or at2.matches(kind, n, label)))
            old_side = (view, select_snapshot(view.profile, at))
            new_side = (view, select_snapshot(view.profile, at2))
        else:
            old_side = inputs.read_at(at, path=options.files[0])
            new_side = inputs.read_at(at2, path=options.files[1])
        out.write(diff_report(old_side, new_side, options.by, options.top,
                              options.format))
        return 0


class DiffRow:
    """A group of --diff: its names and (bytes, blocks, by_class) on each
    side."""

    __slots__ = ("location", "function", "stack", "sort_key", "old", "new")

    def __init__(self, group):
        self.location = group.location
        self.function = group.function
        self.stack = group.stack
        self.sort_key = group_tiebreak(group)[:3]
        self.old = [0, 0, [0, 0, 0]]
        self.new = [0, 0, [0, 0, 0]]

    @property
    def change(self):
        return self.new[0] - self.old[0]

    @property
    def blocks_change(self):
        return self.new[1] - self.old[1]

    @property
    def class_change(self):
        return [b - a for a, b in zip(self.old[2], self.new[2])]

    def to_json(self):
        obj = {"location": self.location, "function": self.function,
               "bytes_before": self.old[0], "bytes_after": self.new[0],
               "bytes_change": self.change,
               "blocks_before": self.old[1], "blocks_after": self.new[1],
               "blocks_change": self.blocks_change,
               "by_class_change": {name: value for name, value
                                   in zip(CLASSES, self.class_change)}}
        if self.stack is not None:
            obj["stack"] = [{"location": loc, "function": fn}
                            for loc, fn in self.stack]
        return obj


def _diff_key(group):
    if group.stack is not None:
        return tuple(group.stack)
    return (group.location, group.function)


def diff_rows(old_side, new_side, by):
    """Compare two snapshots, each (view, snapshot): return (rows that
    changed, sorted by the absolute change in bytes, biggest first, ties
    in location order; all rows)."""
    rows = {}
    for side, (view, snap) in (("old", old_side), ("new", new_side)):
        for group in group_sites(view, snap.by_stack(), by, 0, snap):
            key = _diff_key(group)
            row = rows.get(key)
            if row is None:
                row = rows[key] = DiffRow(group)
            value = getattr(row, side)
            value[0] += group.bytes
            value[1] += group.blocks
            value[2] = [a + b for a, b in zip(value[2], group.by_class)]
    everything = list(rows.values())
    changed = [r for r in everything if r.change or r.blocks_change]
    changed.sort(key=lambda r: r.sort_key)
    changed.sort(key=lambda r: abs(r.change), reverse=True)
    return changed, everything


def diff_report(old_side, new_side, by, top, fmt):
    """The --diff output of two (view, snapshot) sides in format `fmt`."""
    changed, everything = diff_rows(old_side, new_side, by)
    n_changed = len(changed)
    if top:
        changed = changed[:top]
    total_old = [sum(r.old[0] for r in everything),
                 sum(r.old[1] for r in everything)]
    total_new = [sum(r.new[0] for r in everything),
                 sum(r.new[1] for r in everything)]
    if fmt == "json":
        return _diff_json(old_side, new_side, by, changed, n_changed,
                          everything, total_old, total_new)
    if fmt == "csv":
        return _diff_csv(by, changed, everything, total_old, total_new)
    return _diff_text(old_side, new_side, by, changed, n_changed,
                      len(everything), total_old, total_new)


def _class_change(everything):
    return [sum(r.class_change[i] for r in everything) for i in range(3)]


def _side_json(view, snap):
    return {"file": view.profile.path, "snapshot": snap.n, "kind": snap.kind,
            "label": snap.label, "time": snap.time, "heap_bytes": snap.heap_B,
            "heap_blocks": snap.heap_blocks}


def _diff_json(old_side, new_side, by, changed, n_changed, everything,
               total_old, total_new):
    total = {"bytes_before": total_old[0], "bytes_after": total_new[0],
             "bytes_change": total_new[0] - total_old[0],
             "blocks_before": total_old[1],
             "blocks_after": total_new[1],
             "blocks_change": total_new[1] - total_old[1],
             "by_class_change": {name: value for name, value
                                 in zip(CLASSES, _class_change(everything))}}
    head = ",\n".join(
        "  %s: %s" % (json.dumps(key),
                      json.dumps(value, ensure_ascii=False))
        for key, value in (("old", _side_json(*old_side)),
                           ("new", _side_json(*new_side)),
                           ("by", by), ("changed", n_changed),
                           ("groups", len(everything)),
                           ("total", total)))
    if not changed:
        return "{\n%s,\n  \"rows\": []\n}\n" % head
    return "{\n%s,\n  \"rows\": [\n%s\n  ]\n}\n" % (head, ",\n".join(
        "    " + json.dumps(r.to_json(), ensure_ascii=False)
        for r in changed))


def _diff_csv(by, changed, everything, total_old, total_new):
    header = ["location", "function", "bytes_before", "bytes_after",
              "bytes_change", "blocks_before", "blocks_after",
              "blocks_change"] + [c + "_change" for c in CLASSES]
    if by == "stack":
        header.append("stack")
    rows = []
    for r in changed:
        row = [r.location, r.function, r.old[0], r.new[0], r.change,
               r.old[1], r.new[1], r.blocks_change] + r.class_change
        if by == "stack":
            row.append(stack_text(r.stack))
        rows.append(row)
    row = ["(total)", "", total_old[0], total_new[0],
           total_new[0] - total_old[0], total_old[1], total_new[1],
           total_new[1] - total_old[1]] + _class_change(everything)
    if by == "stack":
        row.append("")
    rows.append(row)
    return csv_text(header, rows)


def _diff_text(old_side, new_side, by, changed, n_changed, n_groups,
               total_old, total_new):
    out = [RULE]
    for name, (view, snap) in (("Old", old_side), ("New", new_side)):
        out.append("%-20s%s, snapshot %d (%s) at time %s: %s B in %s"
                   % (name + ":", escape(view.profile.path), snap.n,
                      describe(snap), num(snap.time), num(snap.heap_B),
                      plural(snap.heap_blocks, "block")))
    out.append("%-20s%s (%s of %s changed), sorted by the change in "
               "bytes" % ("By:", by, num(n_changed), nouns(n_groups, by)))
    if len(changed) < n_changed:
        out.append("%-20sthe %d biggest changes (--top)" % ("Shown:",
                                                            len(changed)))
    out.append(RULE)
    head = ("old bytes", "new bytes", "change", "old blocks", "new blocks",
            "change")
    body = []
    for r in changed:
        body.append(((num(r.old[0]), num(r.new[0]), signed(r.change),
                      num(r.old[1]), num(r.new[1]),
                      signed(r.blocks_change)), _diff_row_text(r, by)))
    total = ((num(total_old[0]), num(total_new[0]),
              signed(total_new[0] - total_old[0]), num(total_old[1]),
              num(total_new[1]), signed(total_new[1] - total_old[1])),
             "total (all %s)" % nouns(n_groups, by))
    widths = column_widths([head, total[0]] + [cells for cells, _ in body])

    def line(cells, text):
        return "  " + aligned(cells, widths) + "  " + text

    out.append(line(head, BY_HEADINGS[by]))
    if not body:
        out.append("  (no change)")
    for cells, text in body:
        out.append(line(cells, text))
    out.append(RULE)
    out.append(line(*total))
    return "\n".join(out) + "\n"


def _diff_row_text(row, by):
    if by in NAME_ONLY:
        return escape(row.location)
    text = "%s (%s)" % (escape(row.function), escape(row.location))
    if row.location == UNKNOWN_LOCATION and not row.function:
        text = "(no stack)"
    if by == "stack" and row.stack:
        text += "".join(" <- %s (%s)" % (escape(fn), escape(loc))
                        for loc, fn in row.stack[1:])
    return text

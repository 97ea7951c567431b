"""pyheap_viewer.reports.csv_report: --format=csv, the rows of the JSON contract as CSV."""
# SPDX-License-Identifier: GPL-2.0-or-later

from ..formatting import csv_text, stack_text
from ..grouping import group_sites
from ..model import CLASSES, At
from .base import Report


class CsvReport(Report):
    """The groups (--by) of the snapshot --at names (the peak) as CSV:
    by_class is three columns, --by=stack adds the stack."""

    name = "csv"
    user_view = False

    def render(self, inputs, options, out):
        view, snap = inputs.read_at(options.at or At("peak"))
        by = options.by
        groups = group_sites(view, snap.by_stack(), by, options.top or 0,
                             snap)
        header = ["location", "function", "bytes", "blocks"] + list(CLASSES)
        if by == "stack":
            header.append("stack")
        rows = []
        for g in groups:
            row = [g.location, g.function, g.bytes, g.blocks] + \
                list(g.by_class)
            if by == "stack":
                row.append(stack_text(g.stack))
            rows.append(row)
        out.write(csv_text(header, rows))
        return 0

"""pyheap_viewer.reports.json_report: --format=json, the JSON contract: one snapshot's groups, biggest first."""
# SPDX-License-Identifier: GPL-2.0-or-later

import json

from ..grouping import group_sites
from ..model import At
from .base import Report


class JsonReport(Report):
    """An array of groups (--by) of the snapshot --at names (the peak)."""

    name = "json"
    user_view = False

    def render(self, inputs, options, out):
        view, snap = inputs.read_at(options.at or At("peak"))
        out.write(json_report(view, snap, options.by, options.top))
        return 0


def json_report(view, snap, by, top):
    """The JSON contract: an array of groups, biggest first."""
    groups = group_sites(view, snap.by_stack(), by, top or 0, snap)
    if not groups:
        return "[]\n"
    # One element per line: valid JSON that line tools can still read.
    return "[\n%s\n]\n" % ",\n".join(
        "  " + json.dumps(g.to_json(), ensure_ascii=False) for g in groups)

"""pyheap_viewer.exports.speedscope: --export=speedscope, one snapshot in speedscope's file format."""
# SPDX-License-Identifier: GPL-2.0-or-later

import json
import os

from .. import VERSION
from ..model import At, describe
from ..reports.base import Report
from .collapsed import NO_STACK_FRAME, collapsed_frame


class SpeedscopeExport(Report):
    """--export=speedscope of the snapshot --at names (the peak)."""

    name = "speedscope"
    user_view = False

    def render(self, inputs, options, out):
        view, snap = inputs.read_at(options.at or At("peak"))
        out.write(export_speedscope(view.profile, snap))
        return 0


SPEEDSCOPE_SCHEMA = "https://www.speedscope.app/file-format-schema.json"


def export_speedscope(profile, snap):
    """speedscope's file format: one "sampled" profile of the snapshot,
    one sample per stack (outermost frame first), weighted by its bytes."""
    frames = profile.frames
    fids = profile.stack_frame
    parents = profile.stack_parent
    table = []
    index = {}

    def frame_index(key, obj):
        i = index.get(key)
        if i is None:
            i = index[key] = len(table)
            table.append(obj)
        return i

    stacks = {}
    for kid, rec in snap.by_stack().items():
        if kid < 0:
            path = (frame_index(None, {"name": NO_STACK_FRAME}),)
        else:
            path = []
            k = kid
            while k >= 0:
                fid = fids[k]
                frame = frames[fid]
                obj = {"name": collapsed_frame(frame)}
                if frame[1] is not None:
                    obj["file"] = frame[1]
                    if frame[2]:
                        obj["line"] = frame[2]
                elif frame[0] == "c" and frame[5] is not None:
                    obj["file"] = frame[5]
                path.append(frame_index(obj["name"], obj))
                k = parents[k]
            path = tuple(reversed(path))
        stacks[path] = stacks.get(path, 0) + rec[0]
    order = sorted(stacks.items(), key=lambda item: (-item[1], item[0]))
    total = sum(stacks.values())
    name = "%s: snapshot %d (%s)" % (profile.meta.get("cmd") or
                                     os.path.basename(profile.path),
                                     snap.n, describe(snap))
    doc = {
        "$schema": SPEEDSCOPE_SCHEMA,
        "shared": {"frames": table},
        "profiles": [{
            "type": "sampled",
            "name": name,
            "unit": "bytes",
            "startValue": 0,
            "endValue": total,
            "samples": [list(path) for path, _ in order],
            "weights": [nbytes for _, nbytes in order],
        }],
        "name": name,
        "activeProfileIndex": 0,
        "exporter": "pyheap_print %s" % VERSION,
    }
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n"

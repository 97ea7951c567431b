"""pyheap_viewer.exports.collapsed: --export=collapsed, one snapshot as collapsed stacks (flamegraph.pl, speedscope, inferno)."""
# SPDX-License-Identifier: GPL-2.0-or-later

from ..formatting import escape
from ..model import At
from ..reports.base import Report


class CollapsedExport(Report):
    """--export=collapsed of the snapshot --at names (the peak)."""

    name = "collapsed"
    user_view = False

    def render(self, inputs, options, out):
        view, snap = inputs.read_at(options.at or At("peak"))
        out.write(export_collapsed(view.profile, snap))
        return 0


def collapsed_frame(frame):
    """A frame's name in collapsed stacks and speedscope: 'function
    (file:line)' (native frames: 'function (in object)' without a source
    file; the address when the function is unknown)."""
    if frame[0] == "py":
        return "%s (%s:%d)" % (frame[3], frame[1], frame[2])
    name = frame[3] if frame[3] is not None else "0x%x" % frame[4]
    if frame[1] is not None:
        return "%s (%s:%d)" % (name, frame[1], frame[2])
    if frame[5] is not None:
        return "%s (in %s)" % (name, frame[5])
    return name


NO_STACK_FRAME = "(no stack)"


def collapsed_stacks(profile, snap):
    """{(frame names, outermost first): bytes} of a snapshot."""
    frames = profile.frames
    fids = profile.stack_frame
    parents = profile.stack_parent
    names = {}
    out = {}
    for kid, rec in snap.by_stack().items():
        if kid < 0:
            path = (NO_STACK_FRAME,)
        else:
            path = []
            k = kid
            while k >= 0:
                fid = fids[k]
                name = names.get(fid)
                if name is None:
                    name = names[fid] = collapsed_frame(frames[fid])
                path.append(name)
                k = parents[k]
            path = tuple(reversed(path))
        out[path] = out.get(path, 0) + rec[0]
    return out


def export_collapsed(profile, snap):
    """Collapsed stacks (flamegraph.pl, speedscope, inferno): one line
    'outer;...;inner BYTES' per stack, sorted; ';' in a name becomes ','
    and control characters are escaped; stacks of 0 bytes are left out."""
    lines = []
    for path, nbytes in collapsed_stacks(profile, snap).items():
        if nbytes:
            lines.append("%s %d" % (";".join(
                escape(name).replace(";", ",") for name in path), nbytes))
    lines.sort()
    return "".join(line + "\n" for line in lines)

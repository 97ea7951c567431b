"""pyheap_viewer.exports.json_export: --export=json, everything the file holds as one JSON document."""
# SPDX-License-Identifier: GPL-2.0-or-later

import array

from ..formatting import json_dumps, json_lines, json_text
from ..model import CLASSES, every_snapshot
from ..reports.base import Report, Spool


class JsonExport(Report):
    """--export=json of the first file, written as it is read.

    One pass over the file, so that memory does not grow with its
    snapshots: each snapshot is written as it is read, to a Spool, and
    the frames its sites use are noted; once the whole file is read and
    checked (a bad file writes nothing), the head (the totals, which end
    the file, and the frames used) goes to the output, then the
    snapshots."""

    name = "json"
    user_view = False

    def render(self, inputs, options, out):
        n_written = [0]
        stream_view = inputs.stream_view()
        site_rows = []
        used_kids = set()

        def take(profile, snap):
            stream_view.apply(profile, snap)
            used_kids.update(snap.sites.kids)
            used_kids.update(row[0] for row in snap.typed)
            used_kids.update(row[0] for row in snap.births or ())
            if not site_rows:
                site_rows.append(_SiteRows(stream_view.view))
            spool.write("%s    %s" % ("[\n" if not n_written[0] else ",\n",
                                      _snapshot_text(stream_view.view, snap,
                                                     site_rows[0], 4)))
            n_written[0] += 1

        with Spool() as spool:
            profile = inputs.stream(sites=every_snapshot, totals=True,
                                    on_snapshot=take)
            out.write(_export_head(stream_view, profile, used_kids))
            spool.copy_to(out)
        out.write("\n  ]\n}\n" if n_written[0] else "[]\n}\n")
        return 0


def _export_head(stream_view, profile, used_kids):
    """The export up to its "snapshots" value, once the file is read:
    `used_kids`, the stacks the snapshots' rows use."""
    stream_view.totals(profile)
    totals = _sites_json(stream_view.view, profile.totals)
    used_kids.update(profile.totals.kids)
    # The frames of the stacks used, as the sites' "stack" lists have them.
    used = set()
    seen = set()
    parents = profile.stack_parent
    fids = profile.stack_frame
    for kid in used_kids:
        while kid >= 0 and kid not in seen:
            seen.add(kid)
            used.add(fids[kid])
            kid = parents[kid]
    head = json_lines(_export_json_head(profile, _samples_json(profile),
                                        totals, used) + [("snapshots", [])])
    # That is the whole export, but for the snapshots: "[]" at its end.
    tail = '"snapshots": []\n}\n'
    assert head.endswith(tail)
    return head[:-len(tail)] + '"snapshots": '


EXPORT_JSON_FORMAT = "pyheap-export"
EXPORT_JSON_VERSION = 1


def _frame_json(fid, frame):
    if frame[0] == "py":
        return {"id": fid, "kind": "py", "file": frame[1], "line": frame[2],
                "function": frame[3]}
    return {"id": fid, "kind": "c", "ip": "0x%x" % frame[4],
            "function": frame[3], "file": frame[1], "line": frame[2],
            "object": frame[5]}


def _sites_json(view, table):
    """The rows of a SiteTable: one per stack and class, biggest first,
    then by stack (frame ids), then class."""
    fids = view.profile.stack_frame
    parents = view.profile.stack_parent
    site_name = view.locator().site_name
    rows = []
    for kid, cls, nbytes, nblocks in table:
        stack = []
        k = kid
        while k >= 0:
            stack.append(fids[k])
            k = parents[k]
        location, function, _, _ = site_name(kid, "line")
        rows.append((-nbytes, stack, cls, {
            "location": location, "function": function,
            "class": CLASSES[cls], "bytes": nbytes, "blocks": nblocks,
            "stack": stack}))
    rows.sort(key=lambda row: row[:3])
    return [row[3] for row in rows]


class _SiteRows:
    """The rows of _sites_json() as their JSON text, for big exports.

    The same text in the same order, without a dict and a json.dumps()
    per row: the parts of a row that depend on its stack alone (location,
    function, the frame list) are made once per stack, and the rows are
    sorted by a rank of the frame lists made once per profile.
    """

    def __init__(self, view):
        self.view = view
        self.profile = view.profile
        self.parts = {}         # kid -> (text before the class, after)
        self.rank = None        # by kid: dense rank of its frame list

    def _ranks(self):
        fids = self.profile.stack_frame
        parents = self.profile.stack_parent
        stacks = []
        for kid in range(len(fids)):
            stack = []
            k = kid
            while k >= 0:
                stack.append(fids[k])
                k = parents[k]
            stacks.append(stack)
        order = sorted(range(len(stacks)), key=stacks.__getitem__)
        rank = array.array("q", [0]) * len(stacks)
        r = 0
        for i, kid in enumerate(order):
            if i and stacks[kid] != stacks[order[i - 1]]:
                r += 1
            rank[kid] = r
        return rank

    def _parts(self, kid):
        profile = self.profile
        fids = profile.stack_frame
        parents = profile.stack_parent
        stack = []
        k = kid
        while k >= 0:
            stack.append(fids[k])
            k = parents[k]
        location, function, _, _ = self.view.site_name(kid, "line")
        found = self.parts[kid] = (
            '{"location": %s, "function": %s, "class": "'
            % (json_dumps(location), json_dumps(function)),
            ', "stack": %s}' % json_dumps(stack))
        return found

    def rows(self, table):
        """The JSON text of each row of `table`, in _sites_json()'s
        order."""
        if self.rank is None:
            self.rank = self._ranks()
        rank = self.rank
        kids, classes = table.kids, table.classes
        nbytes, nblocks = table.bytes, table.blocks
        # _sites_json() sorts (-bytes, frame list, class) stably: the
        # index i keeps equal keys in the order of the table.
        order = sorted(zip(map(int.__neg__, nbytes),
                           [rank[k] if k >= 0 else -1 for k in kids],
                           classes, range(len(kids))))
        parts = self.parts
        out = []
        for _, _, cls, i in order:
            kid = kids[i]
            found = parts.get(kid)
            if found is None:
                found = self._parts(kid)
            out.append('%s%s", "bytes": %d, "blocks": %d%s'
                       % (found[0], CLASSES[cls], nbytes[i], nblocks[i],
                          found[1]))
        return out


def _snapshot_text(view, snap, site_rows, indent):
    """json_text(_snapshot_json(view, snap), indent), with the sites
    made by `site_rows`, a _SiteRows."""
    if not len(snap.sites):
        return json_text(_snapshot_json(view, snap), indent)
    doc = _snapshot_json(view, snap, sites=False)
    pad = " " * indent
    inner = " " * (indent + 4)
    parts = []
    for key, value in doc.items():
        if key == "sites":
            text = "[\n%s\n%s  ]" % (",\n".join(
                inner + row for row in site_rows.rows(snap.sites)), pad)
        else:
            text = json_text(value, indent + 2)
        parts.append("%s  %s: %s" % (pad, json_dumps(key), text))
    return "{\n%s\n%s}" % (",\n".join(parts), pad)


def _typed_json(view, rows):
    """The `y` rows of a snapshot, sorted like _sites_json(), then by
    type."""
    fids = view.profile.stack_frame
    parents = view.profile.stack_parent
    site_name = view.locator().site_name
    out = []
    for kid, cls, name, nbytes, nblocks in rows or ():
        stack = []
        k = kid
        while k >= 0:
            stack.append(fids[k])
            k = parents[k]
        location, function, _, _ = site_name(kid, "line")
        out.append((-nbytes, stack, cls, name or "", {
            "location": location, "function": function,
            "class": CLASSES[cls], "type": name, "bytes": nbytes,
            "blocks": nblocks, "stack": stack}))
    out.sort(key=lambda row: row[:4])
    return [row[4] for row in out]


def _births_json(view, rows):
    """The `m` rows of a snapshot, in the file's order: the names and the
    stack of each (birth iteration, bytes and blocks are the caller's)."""
    fids = view.profile.stack_frame
    parents = view.profile.stack_parent
    site_name = view.locator().site_name
    out = []
    for kid, cls, birth, nbytes, nblocks in rows:
        stack = []
        k = kid
        while k >= 0:
            stack.append(fids[k])
            k = parents[k]
        location, function, _, _ = site_name(kid, "line")
        out.append({"location": location, "function": function,
                    "class": CLASSES[cls], "stack": stack})
    return out


def export_json(view):
    """Everything the file holds, as one JSON object (see --help); the
    View must have kept every snapshot's sites and the totals.  Sites are
    named by their innermost frame whatever the View's naming, as
    JsonExport names them."""
    view = view.innermost()
    profile = view.profile
    samples = _samples_json(profile)
    snapshots = [_snapshot_json(view, snap)
                 for snap in profile.snapshots]
    totals = _sites_json(view, profile.totals)
    used = set()
    for site in totals:
        used.update(site["stack"])
    for snap in snapshots:
        for site in (snap["sites"] + snap["typed_sites"] +
                     snap.get("births", [])):
            used.update(site["stack"])
    return json_lines(_export_json_head(profile, samples, totals, used) +
                      [("snapshots", snapshots)])


def _snapshot_json(view, snap, sites=True):
    """A snapshot for the JSON export ("sites" [] without `sites`)."""
    arena = snap.arena
    return {
        "n": snap.n, "time": snap.time, "kind": snap.kind,
        "label": snap.label,
        "classes": {name: {"bytes": snap.classes[i][0],
                           "blocks": snap.classes[i][1]}
                    for i, name in enumerate(CLASSES)},
        "arena": {"count": arena.count, "arena_bytes": arena.arena_B,
                  "pymalloc_bytes": arena.pymalloc_B,
                  "pymalloc_slot_bytes": arena.pymalloc_slot_B,
                  "other_bytes": arena.other_B},
        "sites": _sites_json(view, snap.sites) if sites else [],
        "typed_sites": _typed_json(view, snap.typed),
        **_births_extra(view, snap)}


def _births_extra(view, snap):
    """{"births": [...]} for a snapshot with `m` records, else {}."""
    if snap.births is None:
        return {}
    return {"births": [
        {"location": site["location"], "function": site["function"],
         "class": site["class"], "birth_iteration": row[2],
         "bytes": row[3], "blocks": row[4], "stack": site["stack"]}
        for row, site in zip(snap.births,
                             _births_json(view, snap.births))]}


def _export_json_head(profile, samples, totals, used):
    """The (key, value) pairs of the JSON export before "snapshots"."""
    peak = profile.peak_snapshot
    return [
        ("format", EXPORT_JSON_FORMAT),
        ("version", EXPORT_JSON_VERSION),
        ("source", {"file": profile.path, "format_version": profile.version}),
        ("meta", profile.meta),
        ("time_unit", profile.time_unit),
        ("peak", None if peak is None else {"n": peak.n, "time": peak.time,
                                            "heap_bytes": peak.heap_B}),
        ("totals", {"classes": {name: {"bytes": profile.total_classes[i][0],
                                       "blocks": profile.total_classes[i][1]}
                                for i, name in enumerate(CLASSES)},
                    "sites": totals}),
        ("frames", [_frame_json(fid, profile.frames[fid])
                    for fid in sorted(used)]),
        ("samples", samples),
    ]


def _samples_json(profile):
    smp = profile.samples
    samples = []
    for i in range(len(smp)):
        samples.append({"n": i, "time": smp.time[i],
                        "heap_bytes": smp.heap_B[i],
                        "heap_blocks": smp.heap_blocks[i],
                        "raw_bytes": smp.raw_B[i],
                        "pymalloc_bytes": smp.pymalloc_B[i],
                        "python_large_bytes": smp.pylarge_B[i],
                        "arena_bytes": smp.arena_B[i],
                        "arena_count": smp.arena_count[i]})
    return samples

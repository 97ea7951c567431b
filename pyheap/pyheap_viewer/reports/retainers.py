"""pyheap_viewer.reports.retainers: --retainers, who holds each line's live blocks and what nothing holds (text, json)."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The figures are retainers.py's (its essay); this is how they are shown.
# The snapshot is --at's, else the exit snapshot, else the last snapshot
# the tool scanned (a user or region snapshot, a detailed_snapshot file).

from ..errors import InputError
from ..formatting import escape, json_lines, num, pct, plural
from ..growth import GROWTH_KINDS, growth_trends
from ..model import CLASSES, VARIOUS
from ..retainers import (END_TEXT, lost_rows, merged_holders, module_of,
                         ranked_groups, site_holders, within_of)
from .base import Report, SourceLines, select_snapshot, site_label

# Holders shown per line in text; the rest are summed.
TEXT_HOLDERS = 3


class RetainersReport(Report):
    """--retainers: for the top and growing lines, the chain of pointers
    that keeps their blocks alive; then the unreachable blocks."""

    name = "retainers"

    def render(self, inputs, options, out):
        at = options.at

        def wanted(kind, n, label):
            if at is not None and at.matches(kind, n, label):
                return True
            return kind in GROWTH_KINDS or kind == "region"

        view = inputs.read(sites=wanted)
        profile = view.profile
        if at is not None:
            snap = select_snapshot(profile, at)
            if snap.n_held is None:
                raise InputError(profile.path, None,
                                 "the %s snapshot (sample %d) has no "
                                 "retainers: the tool scans the exit, user "
                                 "and region snapshots" % (snap.kind, snap.n))
        else:
            scanned = [s for s in profile.snapshots if s.n_held is not None]
            exits = [s for s in scanned if s.kind == "exit"]
            if not scanned:
                raise InputError(
                    profile.path, None,
                    "no retainers in the file: it was written with "
                    "--retainers=no, or by a pyheap that wrote format %d "
                    "(retainers came with format 3)" % profile.version
                    if profile.version < 3 else
                    "no retainers in the file: it was written with "
                    "--retainers=no")
            snap = exits[-1] if exits else scanned[-1]
        groups, _ = site_holders(view, snap, options.by)
        growing = ()
        if snap.kind == "exit":
            try:
                trends, _, _ = growth_trends(view, options.by,
                                             options.min_tau, options.warmup)
                growing = [t.key for t in trends if t.growing]
            except InputError:
                growing = ()        # too few snapshots to judge
        rows = ranked_groups(groups, growing)
        lost = lost_rows(groups)
        top = options.top if options.top is not None else (
            10 if options.format == "text" else 0)
        shown = rows[:top] if top else rows
        shown_lost = lost[:top] if top else lost
        if options.format == "json":
            text = _json(view, options, snap, rows, shown, lost, shown_lost)
        else:
            source = SourceLines(not options.no_source)
            text = _text(view, options, snap, rows, shown, lost, shown_lost,
                         source)
        out.write(text)
        return 0


def _link_site(view, link):
    """(location, function, user location or None) of a link's stack."""
    location, function, _, frame = view.site_name(link.kid, "line")
    user = view.locator().user_frame(link.kid)
    user_location = None
    if user is not None and user is not frame:
        user_location = "%s:%d" % (user[1], user[2])
    return location, function, user_location


def _link_text(view, link, what=None):
    """`dict `_index` made at app.py:14 in <module>`."""
    location, function, user_location = _link_site(view, link)
    noun = what or (link.type if link.type is not None
                    else "%s storage (no object)" % CLASSES[link.cls])
    text = escape(noun)
    if isinstance(link.name, str) and link.name != VARIOUS:
        text += " `%s`" % escape(link.name)
    if link.kid < 0:
        text += " (no stack)"
    else:
        text += " made at %s %s" % (escape(location), escape(function))
        if user_location:
            text += " (your code: %s)" % escape(user_location)
    return text


def _holder_lines(view, holder, nbytes, total):
    share = pct(nbytes, total)
    head = "%8s  %s B" % (share, num(nbytes))
    if holder.link is None:
        lines = ["%s  held by %s" % (head, END_TEXT[holder.end])]
    else:
        text = "held by " + _link_text(view, holder.link)
        within = within_of(holder)
        if within is not None:
            text += ", in %s `%s`" % (escape(within[0]), escape(within[1]))
        module = module_of(holder)
        if module is not None and not (holder.link.type == "module"):
            text += ", in module `%s`" % escape(module)
        elif holder.end not in ("module", "deep"):
            text += ", which %s holds" % END_TEXT[holder.end]
        lines = ["%s  %s" % (head, text)]
    # From the holder down to the blocks: "the dict, through its table".
    through = holder.through[::-1] if holder.link is not None \
        else holder.through
    for link in through:
        lines.append("%18s through %s" % ("", _link_text(view, link)))
    return lines


def _text(view, options, snap, rows, shown, lost, shown_lost, source):
    total = sum(g.bytes for g in rows)
    out = ["Who holds it: the %s snapshot%s (sample %d): %s in %s"
           % (snap.kind, " " + repr(snap.label) if snap.label else "",
              snap.n, plural(total, "byte"),
              plural(sum(g.blocks for g in rows), "block"))]
    out.append("Each line's live blocks and what keeps them alive: the "
               "first holder with a name")
    out.append("(a module global, a class attribute, a dict key), else the "
               "first object, found by")
    out.append("scanning the program's memory for pointers (conservative: "
               "see --help).")
    out.append("")
    for rank, g in enumerate(shown, 1):
        type_name, share = g.type_name()
        label = site_label(g.location, g.function, options.by, g.frame,
                           source)
        out.append("%2d. %s%s" % (rank, label,
                                  "  [growing]" if g.growing else ""))
        what = "%s in %s" % (plural(g.bytes, "byte"),
                             plural(g.blocks, "block"))
        if type_name is not None:
            what += ", %s (%s)" % (escape(type_name), pct(share, 1.0))
        out.append("    " + what)
        ways = merged_holders(view, g)
        for h, nbytes, _ in ways[:TEXT_HOLDERS]:
            out.extend("    " + line for line in
                       _holder_lines(view, h, nbytes, g.bytes))
        rest = ways[TEXT_HOLDERS:]
        if rest:
            out.append("    %8s  %s B  held %s"
                       % (pct(sum(w[1] for w in rest), g.bytes),
                          num(sum(w[1] for w in rest)),
                          plural(len(rest), "other way")))
    if len(rows) > len(shown):
        out.append("(%s more; --top=0 shows all)"
                   % plural(len(rows) - len(shown), "line"))
    out.append("")
    lost_B = sum(g.lost_bytes for g in lost)
    if not lost:
        out.append("Unreachable: none (every live block is reachable from "
                   "the program's roots).")
    else:
        out.append("Unreachable: %s in %s that nothing reachable points at "
                   "any more" % (plural(lost_B, "byte"),
                                 plural(sum(g.lost_blocks for g in lost),
                                        "block")))
        out.append("(memcheck's \"definitely lost\": raw blocks are a C "
                   "extension's malloc never freed,")
        out.append("at the Python line that called it; Python objects are "
                   "reference cycles the")
        out.append("garbage collector has not freed yet)")
        for rank, g in enumerate(shown_lost, 1):
            label = site_label(g.location, g.function, options.by, g.frame,
                               source)
            classes = ", ".join("%s %s" % (CLASSES[i], num(b))
                                for i, b in enumerate(g.lost_classes) if b)
            out.append("%2d. %s" % (rank, label))
            out.append("    %s in %s (%s B): %s B of C memory, %s B of "
                       "uncollected cycles"
                       % (plural(g.lost_bytes, "byte"),
                          plural(g.lost_blocks, "block"), classes,
                          num(g.lost_c_bytes),
                          num(g.lost_bytes - g.lost_c_bytes)))
    return "\n".join(out) + "\n"


def _link_json(view, link):
    location, function, user_location = _link_site(view, link)
    return {"location": location, "function": function,
            "user_location": user_location,
            "class": CLASSES[link.cls], "type": link.type,
            "name": None if link.name == VARIOUS else link.name,
            "name_varies": link.name == VARIOUS}


def _json(view, options, snap, rows, shown, lost, shown_lost):
    def group_json(g):
        type_name, _ = g.type_name()
        held_by = []
        for h in g.ranked_holders():
            entry = {"bytes": h.bytes, "blocks": h.blocks, "end": h.end}
            if h.link is not None:
                entry.update(_link_json(view, h.link))
            else:
                entry.update({"location": None, "function": None,
                              "user_location": None, "class": None,
                              "type": None, "name": None,
                              "name_varies": False})
            entry["module"] = module_of(h)
            within = within_of(h)
            entry["within"] = None if within is None else {
                "type": within[0], "name": within[1]}
            entry["through"] = [_link_json(view, link)
                                for link in h.through]
            entry["beyond"] = [_link_json(view, link) for link in h.beyond]
            held_by.append(entry)
        return {"location": g.location, "function": g.function,
                "user_location": _user_location(view, g),
                "bytes": g.bytes, "blocks": g.blocks, "type": type_name,
                "growing": g.growing, "unreachable_bytes": g.lost_bytes,
                "unreachable_blocks": g.lost_blocks, "held_by": held_by}

    head = [("file", view.profile.path), ("by", options.by),
            ("snapshot", {"n": snap.n, "kind": snap.kind,
                          "label": snap.label}),
            ("bytes", sum(g.bytes for g in rows)),
            ("blocks", sum(g.blocks for g in rows)),
            ("unreachable_bytes", sum(g.lost_bytes for g in lost)),
            ("unreachable_blocks", sum(g.lost_blocks for g in lost)),
            ("groups", len(rows)),
            ("sites", [group_json(g) for g in shown]),
            ("unreachable", [{"location": g.location,
                              "function": g.function,
                              "user_location": _user_location(view, g),
                              "bytes": g.lost_bytes,
                              "blocks": g.lost_blocks,
                              "by_class": dict(zip(CLASSES,
                                                   g.lost_classes)),
                              "direct_bytes": g.direct_lost_bytes,
                              "c_bytes": g.lost_c_bytes,
                              "c_blocks": g.lost_c_blocks}
                             for g in shown_lost])]
    return json_lines(head)


def _user_location(view, g):
    """The user's line of a group named by a frame (the group's own frame
    in the user view)."""
    frame = g.frame
    if frame is None or frame[0] != "py":
        return None
    if view.user_code is not None and view.user_code.is_user(frame):
        return "%s:%d" % (frame[1], frame[2])
    return None

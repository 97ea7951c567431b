"""pyheap_viewer.retainers: who holds each line's live blocks, from the `held` records (format 3): the first holder a user can name, the chain to it, and what nothing holds."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The tool (pyheap/ph_retainers.c, its essay) gives every live block of a
# scanned snapshot one holder -- the block, or the root, through which its
# scan of the program's memory first reached it -- and writes, per stack,
# class and type, the chain of holders up from the blocks: each link a
# block's stack, class, type (None: no object, e.g. a list's item array
# or a dict's table) and the key it is stored under in its own holder (a
# dict entry's str key: a module global, a class attribute, a dict's key).
#
# What a user asks is "what keeps this alive?", and the answer is not the
# nearest link (a list's item array, an instance's attribute values) but
# the first one with a name: "the dict `_index`", or failing a name the
# first Python object: "a Record".  So a chain is cut at its holder:
#
#   - the first link that is an object stored under one name for all the
#     blocks summed in it (VARIOUS, a dict's many keys, is no name: the
#     Records of an index are each under their own key, and what holds
#     them is the index);
#   - else the first link that is an object;
#   - else none: the chain is storage only, and its end (a root, or
#     nothing: lost) is the answer.
#
# The links before the holder are "through" (its table, the instance's
# values), those after it are where the holder lives (a module).  A
# line's blocks may be held several ways: each holder with its bytes.
#
# Unreachable blocks -- memcheck's "definitely lost" when nothing points
# at a block (a chain of no links ending "lost"), "indirectly lost" when
# only unreachable blocks do -- are a table of their own, by line.

from .grouping import GroupKey
from .model import CLASSES, VARIOUS

# Words for a chain's end.
END_TEXT = {
    "module": "a module",
    "global": "static data (a C global of the program or a library)",
    "stack": "a thread's stack or registers",
    "frame": "a running function's frame (a local variable)",
    "mapped": "memory mapped outside the heap",
    "lost": "nothing (unreachable)",
    "deep": "a longer chain (more links than the tool records)",
}


def holder_index(links, kid=None):
    """The index in `links` of the holder of a chain (see the top of this
    file), or None if no link is an object.  Links made by the held
    blocks' own stack `kid` are their own object (a dict holding its
    table, an instance its values): never the holder."""
    first_object = None
    for i, link in enumerate(links):
        if link.type is None or (kid is not None and link.kid == kid):
            continue
        if isinstance(link.name, str) and link.name != VARIOUS:
            return i
        if first_object is None:
            first_object = i
    return first_object


class Holder:
    """One way a group's blocks are held: the holder link (None: the end
    of a chain of storage), the links through which, those beyond it, the
    chain's end, and the bytes and blocks held that way."""

    __slots__ = ("link", "through", "beyond", "end", "bytes", "blocks")

    def __init__(self, link, through, beyond, end):
        self.link = link
        self.through = through
        self.beyond = beyond
        self.end = end
        self.bytes = 0
        self.blocks = 0


class SiteHolders:
    """A group of sites (a --by key) at a snapshot: its live bytes and
    blocks, its biggest type, its holders (biggest first) and how much of
    it is unreachable."""

    __slots__ = ("key", "location", "function", "sort_key", "frame",
                 "bytes", "blocks", "types", "holders", "lost_bytes",
                 "lost_blocks", "direct_lost_bytes", "growing", "classes",
                 "lost_classes", "lost_c_bytes", "lost_c_blocks")

    def __init__(self, key, described):
        self.key = key
        (self.location, self.function, self.sort_key,
         self.frame) = described
        self.bytes = self.blocks = 0
        self.types = {}
        self.holders = {}
        self.lost_bytes = self.lost_blocks = self.direct_lost_bytes = 0
        self.growing = False
        self.classes = [0, 0, 0]
        self.lost_classes = [0, 0, 0]
        # Of the unreachable bytes, those no Python object owns (the
        # blocks and every link up the chain hold no object): C memory
        # lost for good, where the rest are cycles the collector will free.
        self.lost_c_bytes = self.lost_c_blocks = 0

    def type_name(self):
        """Its biggest type by bytes (None: no object), and that share."""
        if not self.types:
            return None, 0.0
        name, nbytes = max(self.types.items(),
                           key=lambda kv: (kv[1], kv[0] or ""))
        return name, nbytes / self.bytes if self.bytes else 0.0

    def ranked_holders(self):
        return sorted(self.holders.values(),
                      key=lambda h: (-h.bytes, h.end,
                                     str(h.link.key() if h.link else "")))


def _link_key(view, link):
    """A link by what the report shows of it: its site's name, class, type
    and name (stacks that name the same line are one)."""
    location, function, _, _ = view.site_name(link.kid, "line")
    return (location, function, link.cls, link.type, link.name)


def site_holders(view, snap, by):
    """{key: SiteHolders} of every --by group of a snapshot with `held`
    records, and the GroupKey."""
    grouping = GroupKey(view, by)
    groups = {}
    for row in snap.held:
        key = grouping.row_key(row.kid, row.cls)
        group = groups.get(key)
        if group is None:
            group = groups[key] = SiteHolders(key, grouping.describe(key))
        group.bytes += row.bytes
        group.blocks += row.blocks
        group.classes[row.cls] += row.bytes
        group.types[row.type] = group.types.get(row.type, 0) + row.bytes
        if row.end == "lost":
            group.lost_bytes += row.bytes
            group.lost_blocks += row.blocks
            group.lost_classes[row.cls] += row.bytes
            if row.type is None and all(l.type is None for l in row.links):
                group.lost_c_bytes += row.bytes
                group.lost_c_blocks += row.blocks
            if not row.links:
                group.direct_lost_bytes += row.bytes
        links = row.links
        i = holder_index(links, row.kid)
        if i is None:
            hkey = (tuple(_link_key(view, l) for l in links), row.end)
            link, through, beyond = None, links, ()
        else:
            hkey = (tuple(_link_key(view, l) for l in links[:i + 1]),
                    _beyond_key(view, links[i + 1:], row.end))
            link, through, beyond = links[i], links[:i], links[i + 1:]
        holder = group.holders.get(hkey)
        if holder is None:
            holder = group.holders[hkey] = Holder(link, through, beyond,
                                                  row.end)
        holder.bytes += row.bytes
        holder.blocks += row.blocks
    return groups, grouping


def _beyond_key(view, beyond, end):
    """What the report shows of the links past a holder: the module it is
    in, if the chain reaches one."""
    if end == "module" and beyond:
        return ("module", beyond[-1].name)
    return ("end", end)


def within_of(holder):
    """(type, name) of the first object past a holder that is stored under
    a name (a list `TRACE` holding dicts keyed `headers`), if it is not
    the module; else None."""
    for link in holder.beyond:
        if link.type is not None and link.type != "module" and \
                isinstance(link.name, str) and link.name != VARIOUS:
            return link.type, link.name
    return None


def module_of(holder):
    """The name of the module a holder lives in (its chain ends at a module
    whose sys.modules key is known), or None."""
    if holder.end != "module":
        return None
    last = holder.beyond[-1] if holder.beyond else holder.link
    if last is not None and last.type == "module" and \
            isinstance(last.name, str) and last.name != VARIOUS:
        return last.name
    return None


def lost_rows(groups):
    """The groups with unreachable bytes, most first."""
    rows = [g for g in groups.values() if g.lost_bytes]
    rows.sort(key=lambda g: (-g.lost_bytes, g.sort_key, g.function))
    return rows


def ranked_groups(groups, growing_keys=()):
    """The groups, growing ones first, then by bytes."""
    for key in growing_keys:
        if key in groups:
            groups[key].growing = True
    rows = list(groups.values())
    rows.sort(key=lambda g: (g.sort_key, g.function))
    rows.sort(key=lambda g: (not g.growing, -g.bytes))
    return rows


def class_name(cls):
    return CLASSES[cls]


def merged_holders(view, group):
    """A group's holders with the same holder link (or, for chains of
    storage, the same end) summed: [(Holder of the biggest way, bytes,
    blocks)], biggest first.  "dict `_index`" holds the Records and,
    through them, their attributes: one answer."""
    ways = {}
    for h in group.ranked_holders():
        key = (None if h.link is None else _link_key(view, h.link),
               h.end if h.link is None else module_of(h))
        if key in ways:
            ways[key][1] += h.bytes
            ways[key][2] += h.blocks
        else:
            ways[key] = [h, h.bytes, h.blocks]
    out = [tuple(w) for w in ways.values()]
    out.sort(key=lambda w: -w[1])         # stable: ties keep their rank
    return out


def exit_holders(view, by):
    """{(location, function): (Holder, share)}: the first holder of each
    --by group of the exit snapshot (the way that holds most of its
    bytes) and the share of its bytes held that way; empty if the exit
    snapshot has no `held` records (or they were not kept)."""
    snap = view.profile.exit_snapshot
    if snap is None or snap.held is None:
        return {}
    groups, _ = site_holders(view, snap, by)
    out = {}
    for g in groups.values():
        if not g.bytes:
            continue
        best = merged_holders(view, g)[0]
        out[(g.location, g.function)] = (best[0], best[1] / g.bytes)
    return out


def holder_brief(view, holder):
    """A holder in a few words: "dict `_index` in module `__main__`",
    "list made at app.py:12", "nothing (unreachable)"."""
    link = holder.link
    if link is None:
        return END_TEXT[holder.end]
    noun = link.type if link.type is not None else \
        "%s storage" % CLASSES[link.cls]
    if isinstance(link.name, str) and link.name != VARIOUS:
        text = "%s `%s`" % (noun, link.name)
    else:
        location, _, _, _ = view.site_name(link.kid, "line")
        text = "%s made at %s" % (noun, location)
    within = within_of(holder)
    if within is not None:
        text += " in %s `%s`" % within
    module = module_of(holder)
    if module is not None and link.type != "module":
        text += " in module `%s`" % module
    return text


def holder_chain(view, holder):
    """The chain of a holder from the holder down to the blocks, as
    [{"what", "name", "location", "function"}]: what a page lists."""
    links = ([holder.link] if holder.link is not None else []) + \
        list(holder.through[::-1] if holder.link is not None
             else holder.through)
    out = []
    for link in links:
        location, function, _, _ = view.site_name(link.kid, "line")
        out.append({"what": link.type if link.type is not None
                    else "%s storage" % CLASSES[link.cls],
                    "name": link.name if isinstance(link.name, str)
                    and link.name != VARIOUS else None,
                    "location": location, "function": function})
    return out


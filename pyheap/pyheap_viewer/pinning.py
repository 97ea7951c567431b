"""pyheap_viewer.pinning: the pymalloc arenas kept mapped at low use, and the lines whose live blocks keep them (format 2's `arenas` and `pinned` records)."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# "My heap is small but my RSS is huge."  pymalloc returns an arena (1 MiB
# on 64-bit builds) to the system only when every block in it is free, so a
# few long-lived objects scattered through arenas that were filled by
# temporaries keep all of them mapped: 200,000 objects made, all but every
# 100th dropped, and 33 arenas stay mapped at 2% use.  The tool records at
# the exit and at each labelled snapshot how many arenas are in each tenth
# of use (band 0: under 10% of their size-class slots used) and, per stack,
# how many arenas of each band hold its live blocks (ph_pinning.c).  An
# arena in the sparse bands (under SPARSE_BANDS tenths) is memory the
# program does not use; the lines holding blocks in it are what keeps it.
#
# One arena may hold the blocks of many stacks, so a line's arena count is
# the sum over its stacks, at most the sparse arenas' count: "in up to N
# arenas".

from .grouping import GroupKey

SPARSE_BANDS = 3             # under 30% use: mostly empty


class Pinning:
    """The sparse arenas of a snapshot and the groups that keep them."""

    __slots__ = ("arenas", "arena_B", "sparse", "sparse_B", "sparse_used_B",
                 "holders")

    def to_json(self):
        return {
            "arenas": self.arenas,
            "arena_bytes": self.arena_B,
            "sparse_bands": SPARSE_BANDS,
            "sparse_arenas": self.sparse,
            "sparse_arena_bytes": self.sparse_B,
            "sparse_used_slot_bytes": self.sparse_used_B,
            "kept_by": [{"location": h.location, "function": h.function,
                         "bytes": h.bytes, "blocks": h.blocks,
                         "arenas": h.arenas} for h in self.holders],
        }


class Holder:
    """One group's live blocks in the sparse arenas."""

    __slots__ = ("key", "location", "function", "frame", "bytes", "blocks",
                 "arenas")


def pinning(view, snap, by="line"):
    """The Pinning of a snapshot with `arenas` records, None otherwise.
    Holders are grouped --by BY (the view's user view applies) and ranked
    by their bytes in the sparse arenas."""
    if snap is None or snap.arena_bands is None or snap.arena is None \
       or not snap.arena.count:
        return None
    p = Pinning()
    p.arenas = snap.arena.count
    p.arena_B = snap.arena.arena_B
    each_B = snap.arena.arena_B // snap.arena.count
    bands = snap.arena_bands[:SPARSE_BANDS]
    p.sparse = sum(count for count, _ in bands)
    p.sparse_B = p.sparse * each_B
    p.sparse_used_B = sum(slot_B for _, slot_B in bands)
    grouping = GroupKey(view, by)
    holders = {}
    for kid, band, count, nbytes, nblocks in snap.pinned or ():
        if band >= SPARSE_BANDS:
            continue
        key = grouping.row_key(kid, 1)
        h = holders.get(key)
        if h is None:
            h = holders[key] = Holder()
            h.key = key
            h.bytes = h.blocks = h.arenas = 0
        h.bytes += nbytes
        h.blocks += nblocks
        h.arenas += count
    for h in holders.values():
        h.arenas = min(h.arenas, p.sparse)
        h.location, h.function, _, h.frame = grouping.describe(h.key)
    p.holders = sorted(holders.values(),
                       key=lambda h: (-h.arenas, -h.bytes, h.location,
                                      h.function))
    return p

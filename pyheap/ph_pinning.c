/* pyheap: the tool: how full the pymalloc arenas are, and which stacks' blocks keep them mapped. */
/* SPDX-License-Identifier: GPL-2.0-or-later */

/*--------------------------------------------------------------------*/
/*--- pyheap: arena use and pinning.                   ph_pinning.c ---*/
/*--------------------------------------------------------------------*/

/*
   This file is part of pyheap, a Valgrind tool.

   This program is free software; you can redistribute it and/or
   modify it under the terms of the GNU General Public License as
   published by the Free Software Foundation; either version 2 of the
   License, or (at your option) any later version.

   This program is distributed in the hope that it will be useful, but
   WITHOUT ANY WARRANTY; without even the implied warranty of
   MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the GNU
   General Public License for more details.
*/

#include "config.h"
#include "pub_tool_basics.h"
#include "pub_tool_hashtable.h"
#include "pub_tool_libcassert.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_mallocfree.h"

#include "ph_include.h"

//------------------------------------------------------------//
//--- Arena use and pinning                                ---//
//------------------------------------------------------------//

/* "My heap is small but my RSS is huge."  pymalloc serves small objects
   from 1 MiB arenas and gives an arena back to the system only when every
   block in it is free.  A program that makes 200,000 small objects and
   keeps one in a hundred leaves each arena it filled at about 1% use, and
   every one of them stays mapped: a few kilobytes of survivors hold tens
   of megabytes.  The survivors are "pinning" the arenas, and the lines
   that made them are the answer -- not the lines that made the most bytes.

   At each snapshot that scans the live blocks (exit, user, the
   detailed_snapshot monitor command) the tool finds, for every live
   pymalloc block, the arena it lies in (a binary search in the sorted
   arena starts: arenas are not aligned, so the address alone does not
   say), and sums per arena the live slots (requests rounded up to
   pymalloc's 16-byte size classes).  An arena's use is that sum over its
   size; the arenas are counted by tenths of use (the `arenas` record).
   Then per stack and band of use, the stack's live pymalloc bytes and
   blocks in arenas of that band, and in how many distinct arenas of that
   band they lie (the `pinned` record): a line with one block in each of
   forty nearly empty arenas keeps all forty mapped, however few its
   bytes.  Deciding what counts as "mostly empty" is the viewer's.

   What this does not see: a pool's own header (48 bytes of each 16 KiB)
   and the slack of partly used pools count as unused, so a full arena
   reads at about 99%; blocks the tool does not know as pymalloc (made
   before the hooks were in place) do not count as use. */

typedef struct _PinKey {
   struct _PinKey *next;
   UWord           key;          /* kid, arena index: seen together once */
} PinKey;

/* The index of the arena in STARTS[0..N) that holds A, or -1. */
static Int arena_of(const Addr *starts, UInt n, Addr a)
{
   UInt lo = 0, hi = n;                 /* first start > a */
   while (lo < hi) {
      UInt mid = lo + (hi - lo) / 2;
      if (starts[mid] <= a)
         lo = mid + 1;
      else
         hi = mid;
   }
   if (lo == 0 || a - starts[lo - 1] >= PYMALLOC_ARENA_SZB)
      return -1;
   return (Int)lo - 1;
}

static UInt band_of(ULong slot_B)
{
   ULong b = slot_B * PH_ARENA_BANDS / PYMALLOC_ARENA_SZB;
   return b >= PH_ARENA_BANDS ? PH_ARENA_BANDS - 1 : (UInt)b;
}

void PH_(scan_arena_use)(Detail *d)
{
   UInt n_arenas, j, n;
   Addr *starts = PH_(arena_starts)(&n_arenas);
   ULong *used = VG_(calloc)("ph.pin.used", n_arenas ? n_arenas : 1, sizeof(ULong));
   VgHashTable *by_band = VG_(HT_construct)("ph.pin.bands");
   VgHashTable *seen = VG_(HT_construct)("ph.pin.seen");
   UWord i, n_slots = ph_bt_n_slots(&PH_(block_table));
   ScanAgg *a;

   /* Pass 1: each arena's live slots. */
   for (i = 0; i < n_slots; i++) {
      Block copy;
      const Block *b = &copy;
      Int ai;
      if (!ph_bt_at(&PH_(block_table), i, &copy) || b->cls != ClsPymalloc)
         continue;
      ai = arena_of(starts, n_arenas, b->addr);
      if (ai >= 0)
         used[ai] += PYMALLOC_SLOT_SZB(b->szB);
   }
   VG_(memset)(d->bands, 0, sizeof d->bands);
   for (j = 0; j < n_arenas; j++) {
      d->bands[band_of(used[j])].arenas++;
      d->bands[band_of(used[j])].slot_B += used[j];
   }

   /* Pass 2: each stack's blocks by the band of their arena.  The
      aggregate's class field holds the band, and `aux` the distinct
      arenas: each (stack, arena) pair counts once. */
   for (i = 0; i < n_slots; i++) {
      Block copy;
      const Block *b = &copy;
      Int ai;
      UInt band;
      UWord pair;
      if (!ph_bt_at(&PH_(block_table), i, &copy) || b->cls != ClsPymalloc)
         continue;
      ai = arena_of(starts, n_arenas, b->addr);
      if (ai < 0)
         continue;
      band = band_of(used[ai]);
      a = PH_(scan_add)(by_band, b->kid, band, 0, b->szB);
      pair = ((UWord)b->kid << 32) | (UWord)(UInt)ai;
      if (VG_(HT_lookup)(seen, pair) == NULL) {
         PinKey *k = VG_(malloc)("ph.pin.key", sizeof(PinKey));
         k->key = pair;
         VG_(HT_add_node)(seen, k);
         a->aux++;                      /* one more arena for (kid, band) */
      }
   }

   if (d->pinned)
      VG_(free)(d->pinned);
   n = VG_(HT_count_nodes)(by_band);
   d->n_pinned = n;
   d->pinned = n ? VG_(malloc)("ph.detail.p", n * sizeof(PinEntry)) : NULL;
   VG_(HT_ResetIter)(by_band);
   for (j = 0; (a = VG_(HT_Next)(by_band)) != NULL; j++) {
      d->pinned[j].kid = a->kid;
      d->pinned[j].band = a->cls;
      d->pinned[j].arenas = (UInt)a->aux;
      d->pinned[j].B = a->B;
      d->pinned[j].n = a->n;
   }
   d->has_arena_use = True;
   VG_(HT_destruct)(by_band, VG_(free));
   VG_(HT_destruct)(seen, VG_(free));
   VG_(free)(used);
   VG_(free)(starts);
}

/*--------------------------------------------------------------------*/
/*--- end                                            ph_pinning.c ---*/
/*--------------------------------------------------------------------*/

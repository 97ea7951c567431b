/* pyheap: the tool: iteration marks and regions: what each unit of repeated work left live. */
/* SPDX-License-Identifier: GPL-2.0-or-later */

/*--------------------------------------------------------------------*/
/*--- pyheap: iteration marks and regions.              ph_marks.c ---*/
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
#include "pub_tool_libcprint.h"
#include "pub_tool_mallocfree.h"
#include "pub_tool_xarray.h"

#include "ph_include.h"

//------------------------------------------------------------//
//--- Iteration marks                                      ---//
//------------------------------------------------------------//

/* pyheap.mark() / PYHEAP_MARK end one iteration of the program's repeated
   work.  Iteration 1 runs from the start to mark 1, iteration k from mark
   k-1 to mark k.  A block's birth iteration is not stored in the block:
   blocks already carry their allocation number (seq), and mark_seq[k-1]
   is the allocation number reached at mark k, so the birth iteration of a
   block is one plus the number of marks whose mark_seq is below its seq --
   a binary search, paid only by the scans below, never by the event path.
   A realloc makes a new block with a new seq, so a moved or resized block
   belongs to the iteration of the realloc; a re-filed block keeps its seq.

   At mark k the snapshot keeps the whole heap by stack (b records, cheap:
   a copy of the site counters) and, from a scan of the live blocks, the
   bytes by stack, class and birth iteration for the last --mark-window
   iterations (m records).  Every mark snapshot is kept; to bound the file,
   only the marks whose number is a multiple of mark_b_stride keep their b
   records, and the stride doubles whenever more than --max-mark-snapshots
   marks would keep them (massif's culling, applied to the b records). */

UInt          PH_(n_marks);
static ULong *mark_seq;               /* [k-1]: alloc_seq at mark k */
static UInt   mark_seq_cap;
UInt          PH_(mark_b_stride) = 1;

/* The birth iteration of the block born at allocation number SEQ. */
static UInt birth_iter(ULong seq)
{
   UInt lo = 0, hi = PH_(n_marks);
   while (lo < hi) {                  /* first mark with mark_seq >= seq */
      UInt mid = lo + (hi - lo) / 2;
      if (mark_seq[mid] < seq)
         lo = mid + 1;
      else
         hi = mid;
   }
   return lo + 1;
}

/* Fill D's m records: the live blocks born in iteration FIRST_ITER or later. */
void PH_(scan_marks)(Detail *d, UInt first_iter)
{
   VgHashTable *by_iter = VG_(HT_construct)("ph.scan.iters");
   ULong min_seq = first_iter <= 1 ? 0 : mark_seq[first_iter - 2] + 1;
   UWord i, n_slots = ph_bt_n_slots(&PH_(block_table));
   UInt n, j;
   ScanAgg *a;

   tl_assert(first_iter <= PH_(n_marks) + 1);
   for (i = 0; i < n_slots; i++) {
      Block copy;
      const Block *b = &copy;
      if (!ph_bt_at(&PH_(block_table), i, &copy) || b->seq < min_seq)
         continue;
      /* The aggregate's third key holds the iteration here. */
      PH_(scan_add)(by_iter, b->kid, b->cls, (Int)birth_iter(b->seq), b->szB);
   }
   if (d->marked)
      VG_(free)(d->marked);
   n = VG_(HT_count_nodes)(by_iter);
   d->n_marked = n;
   d->marked = n ? VG_(malloc)("ph.detail.m", n * sizeof(MarkEntry)) : NULL;
   VG_(HT_ResetIter)(by_iter);
   for (j = 0; (a = VG_(HT_Next)(by_iter)) != NULL; j++) {
      d->marked[j].kid = a->kid;
      d->marked[j].cls = a->cls;
      d->marked[j].iter = (UInt)a->type_sid;
      d->marked[j].B = a->B;
      d->marked[j].n = a->n;
   }
   VG_(HT_destruct)(by_iter, VG_(free));
}

static void drop_sites(Detail *d)
{
   if (d->entries)
      VG_(free)(d->entries);
   d->entries = NULL;
   d->n_entries = 0;
}

void PH_(take_mark)(const HChar *label)
{
   Snapshot s;
   UInt first, i;

   if (PH_(n_marks) == mark_seq_cap) {
      mark_seq_cap = mark_seq_cap ? 2 * mark_seq_cap : 256;
      mark_seq = VG_(realloc)("ph.markseq", mark_seq, mark_seq_cap * sizeof(ULong));
   }
   mark_seq[PH_(n_marks)++] = PH_(alloc_seq);
   PH_(take_snapshot)(&s, SnapMark, ph_now());
   s.label = VG_(strdup)("ph.label", label);
   s.mark_no = PH_(n_marks);
   first = PH_(n_marks) > (UInt)PH_(clo_mark_window)
           ? PH_(n_marks) - PH_(clo_mark_window) + 1 : 1;
   PH_(scan_marks)(s.detail, first);
   if (PH_(n_marks) % PH_(mark_b_stride) != 0)
      drop_sites(s.detail);
   VG_(addToXA)(PH_(user_snaps), &s);

   if (PH_(n_marks) / PH_(mark_b_stride) > (UInt)PH_(clo_max_mark_snapshots)) {
      /* One mark too many keeps the whole heap: thin them out. */
      PH_(mark_b_stride) *= 2;
      for (i = 0; i < VG_(sizeXA)(PH_(user_snaps)); i++) {
         Snapshot *m = VG_(indexXA)(PH_(user_snaps), i);
         if (m->kind == SnapMark && m->mark_no % PH_(mark_b_stride) != 0)
            drop_sites(m->detail);
      }
   }
}

//------------------------------------------------------------//
//--- Regions                                              ---//
//------------------------------------------------------------//

/* Regions (pyheap.region(), PYHEAP_REGION_BEGIN): open ones, innermost
   last.  Each keeps the highest heap seen while it is the innermost; a
   closing region passes its maximum on to the one around it. */
typedef struct {
   HChar *label;
   ULong  start_seq;
   ULong  start_heap_B;
   ULong  max_heap_B;
} OpenRegion;

static XArray *open_regions;
UInt           PH_(n_open_regions);

void PH_(region_begin)(const HChar *label)
{
   OpenRegion r;
   r.label = VG_(strdup)("ph.region", label);
   r.start_seq = PH_(alloc_seq) + 1;
   r.start_heap_B = heap_B(&PH_(cur));
   r.max_heap_B = heap_B(&PH_(cur));
   if (PH_(n_open_regions) < VG_(sizeXA)(open_regions))
      *(OpenRegion *)VG_(indexXA)(open_regions, PH_(n_open_regions)) = r;
   else
      VG_(addToXA)(open_regions, &r);
   PH_(n_open_regions)++;
}

/* Close the innermost region; fill the guest's PyheapRegionStats at
   STATS (if not 0).  Returns the bytes it left live. */
ULong PH_(region_end)(Addr stats)
{
   OpenRegion *r;
   Snapshot s;
   ULong live_B = 0, live_n = 0;
   UInt j;

   if (PH_(n_open_regions) == 0) {
      VG_(umsg)("pyheap: warning: region end without a region begin: ignored\n");
      return 0;
   }
   PH_(n_open_regions)--;
   r = VG_(indexXA)(open_regions, PH_(n_open_regions));
   if (PH_(n_open_regions) > 0) {
      OpenRegion *outer = VG_(indexXA)(open_regions, PH_(n_open_regions) - 1);
      if (r->max_heap_B > outer->max_heap_B)
         outer->max_heap_B = r->max_heap_B;
   }
   PH_(take_snapshot)(&s, SnapRegion, ph_now());
   PH_(scan_blocks)(s.detail, r->start_seq, True);
   s.label = r->label;
   for (j = 0; j < s.detail->n_entries; j++) {
      live_B += s.detail->entries[j].B;
      live_n += s.detail->entries[j].n;
   }
   /* Who holds what the region left; a region that left nothing (most
      tests of a suite run under the pytest plugin) costs no scan. */
   if (live_n > 0)
      PH_(scan_retainers)(s.detail, r->start_seq);
   VG_(addToXA)(PH_(user_snaps), &s);
   if (stats != 0) {
      PyheapRegionStats out;
      out.live_bytes = live_B;
      out.live_blocks = live_n;
      out.peak_increase = r->max_heap_B - r->start_heap_B;
      PH_(write_guest)(stats, &out, sizeof out);
   }
   return live_B;
}

/* Called at every allocation while a region is open: the innermost
   region keeps the highest heap it saw. */
void PH_(region_note_heap)(ULong now_B)
{
   OpenRegion *r = VG_(indexXA)(open_regions, PH_(n_open_regions) - 1);
   if (now_B > r->max_heap_B)
      r->max_heap_B = now_B;
}

//------------------------------------------------------------//
//--- Initialisation                                       ---//
//------------------------------------------------------------//

void PH_(init_marks)(void)
{
   open_regions = VG_(newXA)(VG_(malloc), "ph.regions", VG_(free), sizeof(OpenRegion));
}

/*--------------------------------------------------------------------*/
/*--- end                                               ph_marks.c ---*/
/*--------------------------------------------------------------------*/

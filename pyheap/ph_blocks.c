/* pyheap: the tool: live blocks and arenas, the totals, the time and the exact peak. */
/* SPDX-License-Identifier: GPL-2.0-or-later */

/*--------------------------------------------------------------------*/
/*--- pyheap: blocks, arenas, totals, the exact peak.  ph_blocks.c ---*/
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
#include "pub_tool_xarray.h"

#include "ph_include.h"

//------------------------------------------------------------//
//--- Live blocks and arenas                               ---//
//------------------------------------------------------------//

/* The live blocks, by address (ph_blocktable.c says why not VgHashTable). */
PhBlockTable PH_(block_table);

typedef struct _Arena {
   struct _Arena *next;
   UWord          key;
   SizeT          szB;
   Bool           is_arena;      /* a pymalloc arena, not a frame-stack chunk */
} Arena;

static VgHashTable *arena_table;


void PH_(arena_alloc)(Addr p, SizeT szB)
{
   Arena *a = VG_(HT_lookup)(arena_table, p);
   if (a != NULL)
      return;
   a = VG_(malloc)("ph.arena", sizeof(Arena));
   a->key = p;
   a->szB = szB;
   a->is_arena = szB == PYMALLOC_ARENA_SZB;
   VG_(HT_add_node)(arena_table, a);
   if (a->is_arena) {
      PH_(cur).arena_B += szB;
      PH_(cur).arena_n++;
   } else {
      PH_(cur).other_arena_B += szB;
   }
}

void PH_(arena_free)(Addr p)
{
   Arena *a = VG_(HT_remove)(arena_table, p);
   if (a == NULL)
      return;
   if (a->is_arena) {
      PH_(cur).arena_B -= a->szB;
      PH_(cur).arena_n--;
   } else {
      PH_(cur).other_arena_B -= a->szB;
   }
   VG_(free)(a);
}

static Int cmp_addrs(const void *a, const void *b)
{
   Addr x = *(const Addr *)a, y = *(const Addr *)b;
   return x < y ? -1 : x > y ? 1 : 0;
}

/* The start addresses of the pymalloc arenas now mapped, sorted (a new
   array, VG_(free) it); their number in *N.  Each is PYMALLOC_ARENA_SZB
   long. */
Addr *PH_(arena_starts)(UInt *n)
{
   Addr *out;
   Arena *a;
   UInt i = 0;
   *n = 0;
   VG_(HT_ResetIter)(arena_table);
   while ((a = VG_(HT_Next)(arena_table)) != NULL)
      if (a->is_arena)
         (*n)++;
   out = VG_(malloc)("ph.arenas.sorted", (*n ? *n : 1) * sizeof(Addr));
   VG_(HT_ResetIter)(arena_table);
   while ((a = VG_(HT_Next)(arena_table)) != NULL)
      if (a->is_arena)
         out[i++] = a->key;
   VG_(ssort)(out, *n, sizeof(Addr), cmp_addrs);
   return out;
}

static Int cmp_arena_ranges(const void *a, const void *b)
{
   Addr x = ((const PhArenaRange *)a)->start, y = ((const PhArenaRange *)b)->start;
   return x < y ? -1 : x > y ? 1 : 0;
}

PhArenaRange *PH_(arena_ranges)(UInt *n)
{
   PhArenaRange *out;
   Arena *a;
   UInt i = 0;
   *n = VG_(HT_count_nodes)(arena_table);
   out = VG_(malloc)("ph.arenas.ranges", (*n ? *n : 1) * sizeof(PhArenaRange));
   VG_(HT_ResetIter)(arena_table);
   while ((a = VG_(HT_Next)(arena_table)) != NULL) {
      out[i].start = a->key;
      out[i].szB = a->szB;
      out[i].is_arena = a->is_arena;
      i++;
   }
   VG_(ssort)(out, *n, sizeof(PhArenaRange), cmp_arena_ranges);
   return out;
}

//------------------------------------------------------------//
//--- Totals, the time and the exact peak                  ---//
//------------------------------------------------------------//

Totals PH_(cur);                       /* the heap now */

/* The time, in the three units of --time-unit (ph_now()). */
ULong PH_(guest_instrs_executed);     /* counted by PH_(instrument) */
ULong PH_(total_bytes_events);        /* bytes allocated + freed */

ULong PH_(n_reclassified);
ULong PH_(n_stale_blocks);
ULong PH_(n_peak_materialisations);

/* The exact peak.

   massif takes a detailed peak snapshot only when the heap exceeds the
   last one by --peak-inaccuracy (1%), because copying the whole tree at
   every new maximum is too slow.  pyheap keeps the peak exact at a cost
   of O(1) per event, amortised.

   When the heap reaches a new maximum we record only the totals and the
   time, and start a change log: every later change to a (stack, class)
   entry is appended.  The composition at the peak is then "the current
   entries minus the log".  When the log grows as long as twice the number
   of stacks, we materialise it -- copy the current entries, undo the log
   into the copy -- and stop logging until the next new maximum.  Each
   materialisation costs O(stacks + log) and is paid for by the log
   entries that filled it, so the cost per event stays bounded.  At exit
   the same undo gives the peak if it was not materialised yet. */

typedef struct {
   UInt kid;
   UInt cls;
   Long dB;
   Long dn;
} PeakLogEntry;

static Totals        peak;
static ULong         peak_time;
static Bool          peak_seen;
static Detail       *peak_detail;     /* materialised composition, or NULL */
static PeakLogEntry *peak_log;
static UInt          peak_log_n, peak_log_cap;

ULong         PH_(alloc_seq);       /* blocks allocated so far */
static ULong  peak_seq;             /* alloc_seq at the peak */

static Detail *detail_at_peak(void)
{
   Long j;
   SiteStats *copy;
   Detail *d;

   /* Copy the live entries, undo the log (newest first), keep non-zero. */
   copy = VG_(malloc)("ph.peak.copy", PH_(n_stacks) * sizeof(SiteStats));
   VG_(memcpy)(copy, PH_(sites), PH_(n_stacks) * sizeof(SiteStats));
   for (j = (Long)peak_log_n - 1; j >= 0; j--) {
      const PeakLogEntry *e = &peak_log[j];
      copy[e->kid].live_B[e->cls] -= e->dB;
      copy[e->kid].live_n[e->cls] -= e->dn;
   }
   d = VG_(calloc)("ph.detail", 1, sizeof(Detail));
   d->entries = PH_(site_entries)(copy, PH_(n_stacks), False, &d->n_entries);
   VG_(free)(copy);
   return d;
}

/* Called after the change is applied to the live entries. */
static void peak_log_change(UInt kid, UInt cls, Long dB, Long dn)
{
   if (peak_detail != NULL)
      return;                          /* materialised: nothing to undo */
   if (peak_log_n == peak_log_cap) {
      peak_log_cap = peak_log_cap ? 2 * peak_log_cap : 1024;
      peak_log = VG_(realloc)("ph.peak.log", peak_log, peak_log_cap * sizeof(PeakLogEntry));
   }
   peak_log[peak_log_n].kid = kid;
   peak_log[peak_log_n].cls = cls;
   peak_log[peak_log_n].dB = dB;
   peak_log[peak_log_n].dn = dn;
   peak_log_n++;
   if (peak_log_n >= 2 * PH_(n_stacks) + 1024) {
      /* The log now costs as much as a copy: make the copy. */
      peak_detail = detail_at_peak();
      peak_log_n = 0;
      PH_(n_peak_materialisations)++;
   }
}

/* --snapshot-above: the heap crossed it (once). */
Bool        PH_(snapshot_pending);
static Bool snapshot_above_taken;

/* Every change to the live bytes goes through here. */
void PH_(site_change)(UInt kid, UInt cls, Long dB, Long dn)
{
   PH_(sites)[kid].live_B[cls] += dB;
   PH_(sites)[kid].live_n[cls] += dn;
   PH_(cur).cls_B[cls] += dB;
   PH_(cur).cls_n[cls] += dn;
   if (dB > 0 && PH_(n_open_regions) > 0)
      PH_(region_note_heap)(heap_B(&PH_(cur)));
   if (dB > 0 && heap_B(&PH_(cur)) > heap_B(&peak)) {
      /* A new maximum: the peak is now. */
      if (UNLIKELY(PH_(clo_snapshot_above) > 0 && !snapshot_above_taken
                   && heap_B(&PH_(cur)) > (ULong)PH_(clo_snapshot_above))) {
         snapshot_above_taken = True;
         PH_(snapshot_pending) = True;     /* taken when the event is done */
      }
      peak = PH_(cur);
      peak_time = ph_now();
      peak_seen = True;
      peak_seq = PH_(alloc_seq);
      peak_log_n = 0;
      PH_(free_detail)(peak_detail);
      peak_detail = NULL;
   } else if (peak_seen) {
      peak_log_change(kid, cls, dB, dn);
   }
}

/* The exact peak as a snapshot, for the writer: the materialised
   composition if there is one, else one made now from the change log.
   PH_(drop_peak_snapshot) frees what this made. */
void PH_(take_peak_snapshot)(Snapshot *s)
{
   VG_(memset)(s, 0, sizeof *s);
   s->kind = SnapPeak;
   s->time = peak_time;
   s->t = peak;
   s->detail = peak_detail ? peak_detail : detail_at_peak();
}

void PH_(drop_peak_snapshot)(Snapshot *s)
{
   if (s->detail != peak_detail)
      PH_(free_detail)(s->detail);
   s->detail = NULL;
}

//------------------------------------------------------------//
//--- Recording blocks                                     ---//
//------------------------------------------------------------//

static void account_alloc(const Block *b)
{
   PH_(sites)[b->kid].tot_B[b->cls] += b->szB;
   PH_(sites)[b->kid].tot_n[b->cls] += 1;
   if (b->cls == ClsPymalloc)
      PH_(cur).pym_slot_B += PYMALLOC_SLOT_SZB(b->szB);
   PH_(site_change)(b->kid, b->cls, (Long)b->szB, 1);
}

static void account_free(const Block *b)
{
   /* Old deaths count up to the exit snapshot: the interpreter's
      finalisation frees everything, the leaks too.  The old block of a
      realloc is not a death: a list's item array that grows is one
      block that lives on. */
   if (b->seq < PH_(old_seq) && !PH_(exit_snap_taken) && !PH_(in_realloc))
      PH_(note_old_death)(b->kid, b->cls, b->szB);
   if (b->cls == ClsPymalloc)
      PH_(cur).pym_slot_B -= PYMALLOC_SLOT_SZB(b->szB);
   PH_(site_change)(b->kid, b->cls, -(Long)b->szB, -1);
}

/* What the walker cached about the block's contents is stale: the block
   is gone, or holds a new object. */
void PH_(forget_contents)(const Block *b)
{
   if (b->flags & BF_TSTATE)
      PH_(forget_tstates)();
   if (b->flags & BF_CODE)
      PH_(forget_code)(b->addr);
}

/* Mark the block at ADDR, if there is one, as holding FLAG's contents. */
void PH_(flag_block)(Addr addr, UInt flag)
{
   Block b;
   UWord i = ph_bt_find(&PH_(block_table), addr, &b);
   if (i != PH_BT_NONE) {
      b.flags |= flag;
      ph_bt_store(&PH_(block_table), i, &b);
   }
}

/* A block removed from the table (B is a copy) is gone. */
void PH_(unrecord_block)(const Block *b)
{
   PH_(total_bytes_events) += b->szB;
   account_free(b);
   PH_(forget_contents)(b);
   PH_(maybe_sample)();
}

void PH_(record_block)(ThreadId tid, Addr p, SizeT szB, BlockClass cls)
{
   Block old, b;

   ph_bt_prefetch(&PH_(block_table), p);    /* loads while the stack is walked */
   b.kid = PH_(capture_stack)(tid);

   if (PH_(py_finalizing) && !PH_(exit_snap_taken))
      PH_(take_exit_snapshot)();
   b.addr = p;
   b.szB = szB;
   b.cls = cls;
   b.flags = 0;
   b.seq = ++PH_(alloc_seq);
   if (ph_bt_insert(&PH_(block_table), &b, &old)) {
      /* A block the tool thought live sat here: an event was missed (a
         free made before the hooks were in place, or memory released
         behind the allocator's back).  It is gone now. */
      PH_(n_stale_blocks)++;
      PH_(unrecord_block)(&old);
   }
   PH_(total_bytes_events) += szB;
   account_alloc(&b);
   PH_(maybe_sample)();
}

/* Re-file a live block.  This corrects what was known of the block when
   it was allocated; it is not a change of the heap.  So if the block was
   already live at the peak, the peak is corrected too (the hook's report
   often arrives just after the malloc that made the peak), rather than
   the correction being logged as a change made after the peak. */
void PH_(reclassify)(UWord index, Block *b, BlockClass cls)
{
   UInt kid = b->kid, old = b->cls, i;
   UInt n_log = peak_log_n;
   Bool found = False;

   PH_(sites)[kid].tot_B[old] -= b->szB;
   PH_(sites)[kid].tot_n[old] -= 1;
   PH_(sites)[kid].tot_B[cls] += b->szB;
   PH_(sites)[kid].tot_n[cls] += 1;
   PH_(site_change)(kid, old, -(Long)b->szB, -1);
   PH_(site_change)(kid, cls, (Long)b->szB, 1);
   b->cls = cls;
   ph_bt_store(&PH_(block_table), index, b);
   PH_(n_reclassified)++;
   if (!peak_seen || b->seq > peak_seq)
      return;                     /* born after the peak: a real change */

   peak.cls_B[old] -= b->szB;
   peak.cls_n[old] -= 1;
   peak.cls_B[cls] += b->szB;
   peak.cls_n[cls] += 1;
   if (peak_detail == NULL) {
      /* Drop the two log entries: the peak's composition has them too. */
      peak_log_n = n_log;
      return;
   }
   /* The composition was materialised (before, or by the first change
      above, which was then undone in the copy): correct the copy. */
   for (i = 0; i < peak_detail->n_entries; i++) {
      SiteEntry *e = &peak_detail->entries[i];
      if (e->kid == kid && e->cls == old) {
         e->B -= b->szB;
         e->n -= 1;
      } else if (e->kid == kid && e->cls == cls) {
         e->B += b->szB;
         e->n += 1;
         found = True;
      }
   }
   if (!found) {
      peak_detail->entries = VG_(realloc)("ph.detail.e", peak_detail->entries,
                                          (peak_detail->n_entries + 1) * sizeof(SiteEntry));
      peak_detail->entries[peak_detail->n_entries].kid = kid;
      peak_detail->entries[peak_detail->n_entries].cls = cls;
      peak_detail->entries[peak_detail->n_entries].B = b->szB;
      peak_detail->entries[peak_detail->n_entries].n = 1;
      peak_detail->n_entries++;
   }
}

//------------------------------------------------------------//
//--- Initialisation                                       ---//
//------------------------------------------------------------//

void PH_(init_blocks)(void)
{
   ph_bt_init(&PH_(block_table), VG_(malloc), VG_(free));
   arena_table = VG_(HT_construct)("ph.arenas");
}

/*--------------------------------------------------------------------*/
/*--- end                                              ph_blocks.c ---*/
/*--------------------------------------------------------------------*/

/* pyheap: the tool: samples and snapshots of the heap, and scans of the live blocks. */
/* SPDX-License-Identifier: GPL-2.0-or-later */

/*--------------------------------------------------------------------*/
/*--- pyheap: samples, snapshots, scans.            ph_snapshots.c ---*/
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
#include "pub_tool_libcprint.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_mallocfree.h"
#include "pub_tool_xarray.h"

#include "ph_include.h"

//------------------------------------------------------------//
//--- Samples and snapshots                                ---//
//------------------------------------------------------------//

Snapshot     *PH_(series);          /* the culled time series */
UInt          PH_(n_series);
static ULong  sample_interval;      /* in time units */
static ULong  next_sample_time;
static UInt   n_samples_taken;
XArray       *PH_(user_snaps);      /* of Snapshot (user, region, mark), never culled */
Snapshot      PH_(exit_snap);
Bool          PH_(exit_snap_taken);

/* The non-zero (stack, class) entries of ST[0 .. N_ST-1]: live ones, or
   totals over the run if TOTALS.  *N_OUT gets their number. */
SiteEntry *PH_(site_entries)(const SiteStats *st, UInt n_st, Bool totals, UInt *n_out)
{
   UInt kid, c, n = 0, i = 0;
   SiteEntry *e;

   for (kid = 0; kid < n_st; kid++)
      for (c = 0; c < N_CLASSES; c++)
         if ((totals ? st[kid].tot_n[c] : st[kid].live_n[c]) != 0)
            n++;
   e = n ? VG_(malloc)("ph.detail.e", n * sizeof(SiteEntry)) : NULL;
   for (kid = 0; kid < n_st; kid++)
      for (c = 0; c < N_CLASSES; c++) {
         ULong B = totals ? st[kid].tot_B[c] : st[kid].live_B[c];
         ULong blocks = totals ? st[kid].tot_n[c] : st[kid].live_n[c];
         if (blocks == 0)
            continue;
         e[i].kid = kid;
         e[i].cls = c;
         e[i].B = B;
         e[i].n = blocks;
         i++;
      }
   *n_out = n;
   return e;
}

static Detail *detail_from_sites(void)
{
   Detail *d = VG_(calloc)("ph.detail", 1, sizeof(Detail));
   d->entries = PH_(site_entries)(PH_(sites), PH_(n_stacks), False, &d->n_entries);
   return d;
}

void PH_(free_detail)(Detail *d)
{
   if (d == NULL)
      return;
   if (d->entries)
      VG_(free)(d->entries);
   if (d->typed)
      VG_(free)(d->typed);
   if (d->marked)
      VG_(free)(d->marked);
   if (d->born)
      VG_(free)(d->born);
   if (d->pinned)
      VG_(free)(d->pinned);
   if (d->held)
      VG_(free)(d->held);
   VG_(free)(d);
}

void PH_(take_snapshot)(Snapshot *s, SnapKind kind, ULong time)
{
   s->time = time;
   s->t = PH_(cur);
   s->kind = kind;
   s->label = NULL;
   s->mark_no = 0;
   s->detail = (kind == SnapSample) ? NULL : detail_from_sites();
   /* A periodic detailed snapshot also says when its blocks were born:
      compared with the exit's, it tells blocks kept from blocks that
      came and went (ph_births.c). */
   if (kind == SnapDetailed)
      PH_(scan_births)(s->detail);
}

/* Halve the series, keeping the first and the last sample, and double the
   spacing of samples from now on, as massif does. */
static void cull_series(void)
{
   UInt i, j = 0;
   for (i = 0; i < PH_(n_series); i++) {
      if (i == 0 || i == PH_(n_series) - 1 || (i % 2) == 0)
         PH_(series)[j++] = PH_(series)[i];
      else
         PH_(free_detail)(PH_(series)[i].detail);
   }
   PH_(n_series) = j;
   if (PH_(n_series) >= 2) {
      ULong span = PH_(series)[PH_(n_series) - 1].time - PH_(series)[0].time;
      sample_interval = 2 * span / PH_(clo_max_snapshots) + 1;
   } else {
      sample_interval = sample_interval * 2 + 1;
   }
}

void PH_(maybe_sample)(void)
{
   ULong now = ph_now();
   if (UNLIKELY(--PH_(checkpoint_countdown) == 0))
      PH_(checkpoint_tick)();
   if (UNLIKELY(PH_(snapshot_pending))) {
      /* --snapshot-above: the heap just crossed the size. */
      HChar label[64];
      PH_(snapshot_pending) = False;
      VG_(sprintf)(label, "heap-above-%lld", PH_(clo_snapshot_above));
      PH_(take_user_snapshot)(label);
   }
   if (now >= PH_(next_epoch_time))
      PH_(epoch_tick)(now);
   if (now < next_sample_time)
      return;
   if (PH_(n_series) == (UInt)PH_(clo_max_snapshots))
      cull_series();
   n_samples_taken++;
   PH_(take_snapshot)(&PH_(series)[PH_(n_series)],
                      (n_samples_taken % PH_(clo_detailed_freq)) == 0 ? SnapDetailed
                                                                      : SnapSample,
                      now);
   PH_(n_series)++;
   next_sample_time = now + sample_interval;
}

/* The live heap now as an exit snapshot: by type, and by birth iteration
   if the program made marks.  Also the "now" of detailed_snapshot. */
void PH_(take_live_snapshot)(Snapshot *s)
{
   PH_(take_snapshot)(s, SnapExit, ph_now());
   PH_(scan_blocks)(s->detail, 0, False);
   PH_(scan_births)(s->detail);
   PH_(scan_arena_use)(s->detail);
   PH_(scan_retainers)(s->detail, 0);
   if (PH_(n_marks) > 0)
      PH_(scan_marks)(s->detail, 1);
}

void PH_(take_exit_snapshot)(void)
{
   if (PH_(exit_snap_taken))
      return;
   PH_(take_live_snapshot)(&PH_(exit_snap));
   PH_(exit_snap_taken) = True;
}

void PH_(take_user_snapshot)(const HChar *label)
{
   Snapshot s;
   PH_(take_snapshot)(&s, SnapUser, ph_now());
   PH_(scan_blocks)(s.detail, 0, False);
   PH_(scan_births)(s.detail);
   PH_(scan_arena_use)(s.detail);
   PH_(scan_retainers)(s.detail, 0);
   s.label = VG_(strdup)("ph.label", label);
   VG_(addToXA)(PH_(user_snaps), &s);
}

//------------------------------------------------------------//
//--- Scans of the live blocks                             ---//
//------------------------------------------------------------//

/* Some snapshots look at every live block: the exit and user snapshots,
   to say which Python types hold the memory (the type of an object is
   read in ph_python.c), and region snapshots, which keep only the blocks
   born inside the region. */

static Word cmp_scan_agg(const void *a, const void *b)
{
   const ScanAgg *x = a, *y = b;
   return (x->kid == y->kid && x->cls == y->cls && x->type_sid == y->type_sid) ? 0 : 1;
}

ScanAgg *PH_(scan_add)(VgHashTable *t, UInt kid, UInt cls, Int type_sid, SizeT szB)
{
   ScanAgg probe, *a;
   probe.kid = kid;
   probe.cls = cls;
   probe.type_sid = type_sid;
   probe.key = ((UWord)kid << 34) ^ ((UWord)cls << 32) ^ (UWord)(UInt)type_sid;
   a = VG_(HT_gen_lookup)(t, &probe, cmp_scan_agg);
   if (a == NULL) {
      a = VG_(malloc)("ph.scan.agg", sizeof(ScanAgg));
      *a = probe;
      a->B = 0;
      a->n = 0;
      a->aux = 0;
      VG_(HT_add_node)(t, a);
   }
   a->B += szB;
   a->n += 1;
   return a;
}

/* The type of one block's object, read guarded. */
typedef struct {
   const Block *b;
   Int          type_sid;
} TypeProbe;

static void probe_type(void *arg)
{
   TypeProbe *t = arg;
   t->type_sid = PH_(block_type_sid)(t->b);
}

/* Scan the live blocks born at allocation number MIN_SEQ or later into D:
   by type always (Python blocks only), by stack too if WANT_SITES. */
void PH_(scan_blocks)(Detail *d, ULong min_seq, Bool want_sites)
{
   VgHashTable *by_type = VG_(HT_construct)("ph.scan.types");
   VgHashTable *by_site = want_sites ? VG_(HT_construct)("ph.scan.sites") : NULL;
   Bool python = PH_(python_readable)();
   UWord i, n_slots = ph_bt_n_slots(&PH_(block_table));
   UInt n, j;
   ScanAgg *a;

   for (i = 0; i < n_slots; i++) {
      Block copy;
      const Block *b = &copy;
      TypeProbe t;
      if (!ph_bt_at(&PH_(block_table), i, &copy) || b->seq < min_seq)
         continue;
      if (by_site)
         PH_(scan_add)(by_site, b->kid, b->cls, -1, b->szB);
      if (b->cls == ClsRaw || !python)
         continue;
      t.b = b;
      t.type_sid = -1;                 /* stays -1 if a read faults */
      PH_(guarded)(probe_type, &t);
      PH_(scan_add)(by_type, b->kid, b->cls, t.type_sid, b->szB);
   }

   if (by_site) {
      if (d->entries)
         VG_(free)(d->entries);
      n = VG_(HT_count_nodes)(by_site);
      d->n_entries = n;
      d->entries = n ? VG_(malloc)("ph.detail.e", n * sizeof(SiteEntry)) : NULL;
      VG_(HT_ResetIter)(by_site);
      for (j = 0; (a = VG_(HT_Next)(by_site)) != NULL; j++) {
         d->entries[j].kid = a->kid;
         d->entries[j].cls = a->cls;
         d->entries[j].B = a->B;
         d->entries[j].n = a->n;
      }
      VG_(HT_destruct)(by_site, VG_(free));
   }
   n = VG_(HT_count_nodes)(by_type);
   d->n_typed = n;
   d->typed = n ? VG_(malloc)("ph.detail.t", n * sizeof(TypedEntry)) : NULL;
   VG_(HT_ResetIter)(by_type);
   for (j = 0; (a = VG_(HT_Next)(by_type)) != NULL; j++) {
      d->typed[j].kid = a->kid;
      d->typed[j].cls = a->cls;
      d->typed[j].type_sid = a->type_sid;
      d->typed[j].B = a->B;
      d->typed[j].n = a->n;
   }
   VG_(HT_destruct)(by_type, VG_(free));
}

//------------------------------------------------------------//
//--- Initialisation                                       ---//
//------------------------------------------------------------//

void PH_(init_snapshots)(void)
{
   PH_(user_snaps) = VG_(newXA)(VG_(malloc), "ph.user", VG_(free), sizeof(Snapshot));
}

/* After the options: the series' size is --max-snapshots. */
void PH_(init_series)(void)
{
   PH_(series) = VG_(calloc)("ph.series", PH_(clo_max_snapshots), sizeof(Snapshot));
   /* Sample 0: the empty heap at time 0. */
   PH_(take_snapshot)(&PH_(series)[0], SnapSample, 0);
   PH_(n_series) = 1;
}

/*--------------------------------------------------------------------*/
/*--- end                                           ph_snapshots.c ---*/
/*--------------------------------------------------------------------*/

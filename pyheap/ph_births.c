/* pyheap: the tool: birth epochs: when, in the run's time, each live block was born. */
/* SPDX-License-Identifier: GPL-2.0-or-later */

/*--------------------------------------------------------------------*/
/*--- pyheap: birth epochs.                             ph_births.c ---*/
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
//--- Birth epochs                                         ---//
//------------------------------------------------------------//

/* Why.  A leak is memory a program keeps allocating and never lets go.
   The time series says how much a line holds at a handful of moments;
   where those moments fall decides what a trend over them shows (a short
   run's samples fall mostly in start-up imports).  What the survivors
   themselves say does not depend on sampling: the blocks a line still
   holds at the end, grouped by when each was born.  A leak's survivors
   were born all through its loop, up to the end; a cache's, while it
   filled and no later; start-up's and imports', at the start; a bounded
   buffer's, only lately.  So every snapshot that scans the live blocks
   (exit, user, and the detailed_snapshot monitor command's) also says,
   per stack and class, the live bytes born in each epoch of the run --
   and so does every periodic detailed snapshot, which costs a scan of
   the block table each: a buffer that keeps the last N items has
   survivors born steadily up to the end too, and only an earlier look
   tells that the ones it held then are gone (blocks kept, or blocks
   that came and went).

   The clock.  Epochs cut the run's time (the --time-unit's) from 0 into
   equal spans of `epoch_width`, a power of two: epoch e is
   [e * width, (e + 1) * width).  There are at most PH_MAX_EPOCHS of them:
   when the run reaches the end of the last one, pairs of epochs merge and
   the width doubles, as massif culls its snapshots.  So a snapshot at
   time T has between PH_MAX_EPOCHS / 2 and PH_MAX_EPOCHS epochs (the last
   one partial), each at most 2 * T / PH_MAX_EPOCHS long, and the epochs
   of two snapshots nest: every epoch of the later one is a union of
   epochs of the earlier one.

   A block does not store its birth time: it has its allocation number
   (seq), and epoch_start_seq[e] is the first allocation number of epoch
   e, recorded when the clock passes into it.  The epoch of a block is a
   binary search in that array, paid by the scans, not by the event path,
   which only compares the time with the start of the next epoch (in
   PH_(maybe_sample)).  The epoch boundaries are therefore exact to the
   event: the first block allocated once the time has reached
   e * width belongs to epoch e.  A realloc makes a new block (a new
   seq): a list's item array grown by realloc is born when it last grew;
   a block re-filed as python-large keeps its seq. */

/* Old deaths.  A block freed at least one whole epoch after it was born
   -- born before the epoch that ended last began -- died old.  A leak's
   blocks never die; temporaries die young; a bounded buffer, an LRU
   cache, a queue let old blocks go as they take new ones.  Per stack and
   class, the bytes and blocks that died old (the `gone` records) tell
   those apart where the survivors alone cannot: a deque of the last N
   items and a leak that began half way leave the same survivors. */

ULong        PH_(old_seq);                    /* born before: dies old */
Bool         PH_(in_realloc);
static ULong *gone_B, *gone_n;                /* [kid * N_CLASSES + cls] */
static UInt  gone_cap;                        /* in stacks */

void PH_(note_old_death)(UInt kid, UInt cls, SizeT szB)
{
   if (kid >= gone_cap) {
      UInt cap = gone_cap ? gone_cap : 1024, old = gone_cap;
      while (cap <= kid)
         cap *= 2;
      gone_B = VG_(realloc)("ph.gone.B", gone_B, cap * N_CLASSES * sizeof(ULong));
      gone_n = VG_(realloc)("ph.gone.n", gone_n, cap * N_CLASSES * sizeof(ULong));
      VG_(memset)(gone_B + old * N_CLASSES, 0, (cap - old) * N_CLASSES * sizeof(ULong));
      VG_(memset)(gone_n + old * N_CLASSES, 0, (cap - old) * N_CLASSES * sizeof(ULong));
      gone_cap = cap;
   }
   gone_B[kid * N_CLASSES + cls] += szB;
   gone_n[kid * N_CLASSES + cls] += 1;
}

SiteEntry *PH_(gone_entries)(UInt *n_out)
{
   UInt i, n = 0, j = 0;
   SiteEntry *e;
   for (i = 0; i < gone_cap * N_CLASSES; i++)
      if (gone_n[i] != 0)
         n++;
   e = VG_(malloc)("ph.gone.e", (n ? n : 1) * sizeof(SiteEntry));
   for (i = 0; i < gone_cap * N_CLASSES; i++)
      if (gone_n[i] != 0) {
         e[j].kid = i / N_CLASSES;
         e[j].cls = i % N_CLASSES;
         e[j].B = gone_B[i];
         e[j].n = gone_n[i];
         j++;
      }
   *n_out = n;
   return e;
}

static ULong epoch_width = 1;                 /* time units, a power of two */
static ULong epoch_start_seq[PH_MAX_EPOCHS];  /* [0] = 0: from the start */
static UInt  n_epochs = 1;                    /* epochs begun so far */
ULong        PH_(next_epoch_time) = 1;        /* n_epochs * epoch_width */

void PH_(epoch_tick)(ULong now)
{
   UInt i;
   while (now / epoch_width >= n_epochs) {
      if (n_epochs == PH_MAX_EPOCHS) {
         /* Merge pairs: epoch i of the new width is 2i and 2i+1 of the old. */
         for (i = 0; i < PH_MAX_EPOCHS / 2; i++)
            epoch_start_seq[i] = epoch_start_seq[2 * i];
         n_epochs = PH_MAX_EPOCHS / 2;
         epoch_width *= 2;
         continue;
      }
      /* The next block allocated is the new epoch's first. */
      epoch_start_seq[n_epochs++] = PH_(alloc_seq) + 1;
   }
   PH_(next_epoch_time) = (ULong)n_epochs * epoch_width;
   /* Born before the last whole epoch began: a free now is an old death. */
   PH_(old_seq) = n_epochs >= 2 ? epoch_start_seq[n_epochs - 2] : 0;
}

/* The epoch of the block born at allocation number SEQ. */
static UInt birth_epoch(ULong seq)
{
   UInt lo = 0, hi = n_epochs;        /* last e with epoch_start_seq[e] <= seq */
   while (hi - lo > 1) {
      UInt mid = lo + (hi - lo) / 2;
      if (epoch_start_seq[mid] <= seq)
         lo = mid;
      else
         hi = mid;
   }
   return lo;
}

/* Fill D's birth records: every live block by stack, class and epoch. */
void PH_(scan_births)(Detail *d)
{
   VgHashTable *by_epoch = VG_(HT_construct)("ph.scan.epochs");
   UWord i, n_slots = ph_bt_n_slots(&PH_(block_table));
   UInt n, j;
   ScanAgg *a;

   for (i = 0; i < n_slots; i++) {
      Block copy;
      const Block *b = &copy;
      if (!ph_bt_at(&PH_(block_table), i, &copy))
         continue;
      /* The aggregate's third key holds the epoch here. */
      PH_(scan_add)(by_epoch, b->kid, b->cls, (Int)birth_epoch(b->seq), b->szB);
   }
   if (d->born)
      VG_(free)(d->born);
   n = VG_(HT_count_nodes)(by_epoch);
   d->n_born = n;
   d->born = n ? VG_(malloc)("ph.detail.r", n * sizeof(BornEntry)) : NULL;
   d->epoch_width = epoch_width;
   d->n_epochs = n_epochs;
   VG_(HT_ResetIter)(by_epoch);
   for (j = 0; (a = VG_(HT_Next)(by_epoch)) != NULL; j++) {
      d->born[j].kid = a->kid;
      d->born[j].cls = a->cls;
      d->born[j].epoch = (UInt)a->type_sid;
      d->born[j].B = a->B;
      d->born[j].n = a->n;
   }
   VG_(HT_destruct)(by_epoch, VG_(free));
}

/*--------------------------------------------------------------------*/
/*--- end                                             ph_births.c ---*/
/*--------------------------------------------------------------------*/

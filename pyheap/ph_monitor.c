/* pyheap: the tool: gdb monitor commands (vgdb): snapshots and growth of a running program. */
/* SPDX-License-Identifier: GPL-2.0-or-later */

/*--------------------------------------------------------------------*/
/*--- pyheap: monitor commands.                       ph_monitor.c ---*/
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
#include "pub_tool_gdbserver.h"
#include "pub_tool_libcassert.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_libcprint.h"
#include "pub_tool_libcproc.h"
#include "pub_tool_mallocfree.h"

#include "ph_include.h"

//------------------------------------------------------------//
//--- Monitor commands                                     ---//
//------------------------------------------------------------//

/* For programs that cannot be changed (a server): run under --vgdb=yes,
   then from another shell `vgdb --pid=PID <command>`, as with massif.
   Valgrind's gdbserver calls the client-request handler with the command
   text; the answer goes back to vgdb through VG_(gdb_printf).

      snapshot [LABEL]             a user snapshot now (as pyheap.snapshot)
      detailed_snapshot [FILE]     a complete pyheap file of everything so far
      growth [N]                   the N sites that grew most since last time

   The growth baseline is a copy of the live (stack, class) counters taken
   at the previous growth command: sites born since then count from 0. */

static UInt   n_monitor_snapshots;
static UInt   n_monitor_dumps;
static UInt   n_growth_reports;
static ULong *growth_base_B;          /* [kid * N_CLASSES + cls] */
static ULong *growth_base_n;
static UInt   growth_base_stacks;
static ULong  growth_base_time;
static ULong  growth_base_heap_B;

#define GROWTH_DEFAULT_TOP 10
#define GROWTH_FRAMES      4          /* innermost frames shown per site */

static void print_monitor_help(void)
{
   VG_(gdb_printf)(
"pyheap monitor commands:\n"
"  snapshot [<label>]         : take a user snapshot now, kept in the output\n"
"                               file (label [monitor-<n>])\n"
"  detailed_snapshot [<file>] : write a complete pyheap file of everything so\n"
"                               far, with the live heap now as its exit\n"
"                               snapshot [pyheap.out.<pid>.snapshot.<n>]\n"
"  growth [<n>]               : the <n> [%d] sites whose live bytes grew most\n"
"                               since the last growth command (or the start)\n",
   GROWTH_DEFAULT_TOP);
}

/* The innermost frames of stack KID, Python frames only if it has any. */
static void print_site_frames(UInt kid)
{
   UInt k, shown = 0;
   Bool has_py = False;

   if (kid == 0) {
      VG_(gdb_printf)("      (no stack)\n");
      return;
   }
   for (k = kid; k != 0; k = PH_(stack_nodes)[k]->parent)
      if (PH_(frame_of)(PH_(stack_nodes)[k]->fid)->kind == FramePy)
         has_py = True;
   for (k = kid; k != 0 && shown < GROWTH_FRAMES; k = PH_(stack_nodes)[k]->parent) {
      const Frame *f = PH_(frame_of)(PH_(stack_nodes)[k]->fid);
      if (has_py && f->kind != FramePy)
         continue;
      if (f->kind == FramePy)
         VG_(gdb_printf)("      %s:%d %s\n", PH_(str_text)(f->file_sid), f->line,
                         PH_(str_text)(f->func_sid));
      else if (f->file_sid >= 0)
         VG_(gdb_printf)("      %s:%d %s\n", PH_(str_text)(f->file_sid), f->line,
                         PH_(str_text)(f->func_sid));
      else
         VG_(gdb_printf)("      %#lx %s\n", f->ip, PH_(str_text)(f->func_sid));
      shown++;
   }
}

typedef struct {
   UInt  kid;
   UInt  cls;
   ULong then_B, now_B;
   ULong then_n, now_n;
} GrowthEntry;

static Int cmp_growth(const void *a, const void *b)
{
   const GrowthEntry *x = a, *y = b;
   ULong dx = x->now_B - x->then_B, dy = y->now_B - y->then_B;
   if (dx != dy)
      return dx > dy ? -1 : 1;
   if (x->kid != y->kid)
      return x->kid < y->kid ? -1 : 1;
   return x->cls < y->cls ? -1 : x->cls > y->cls ? 1 : 0;
}

static void monitor_growth(ULong top)
{
   GrowthEntry *g = VG_(malloc)("ph.growth",
                                (PH_(n_stacks) * N_CLASSES + 1) * sizeof(GrowthEntry));
   UInt kid, c, n = 0, i;
   ULong now = ph_now();

   for (kid = 0; kid < PH_(n_stacks); kid++)
      for (c = 0; c < N_CLASSES; c++) {
         ULong then_B = kid < growth_base_stacks ? growth_base_B[kid * N_CLASSES + c] : 0;
         ULong then_n = kid < growth_base_stacks ? growth_base_n[kid * N_CLASSES + c] : 0;
         if (PH_(sites)[kid].live_B[c] <= then_B)
            continue;
         g[n].kid = kid;
         g[n].cls = c;
         g[n].then_B = then_B;
         g[n].now_B = PH_(sites)[kid].live_B[c];
         g[n].then_n = then_n;
         g[n].now_n = PH_(sites)[kid].live_n[c];
         n++;
      }
   VG_(ssort)(g, n, sizeof(GrowthEntry), cmp_growth);
   VG_(gdb_printf)("pyheap growth since %s (time %llu -> %llu %s): heap %llu -> %llu B; "
                   "%u sites grew\n",
                   n_growth_reports == 0 ? "the start" : "the last growth command",
                   growth_base_time, now, PH_(time_unit_name)(PH_(clo_time_unit)),
                   growth_base_heap_B, heap_B(&PH_(cur)), n);
   for (i = 0; i < n && i < top; i++) {
      VG_(gdb_printf)("  %u. +%llu B %s: %llu -> %llu B, %llu -> %llu blocks\n", i + 1,
                      g[i].now_B - g[i].then_B, PH_(class_names)[g[i].cls],
                      g[i].then_B, g[i].now_B, g[i].then_n, g[i].now_n);
      print_site_frames(g[i].kid);
   }
   VG_(free)(g);

   /* The state now is the next command's baseline. */
   if (growth_base_stacks < PH_(n_stacks)) {
      growth_base_B = VG_(realloc)("ph.growth.base", growth_base_B,
                                   PH_(n_stacks) * N_CLASSES * sizeof(ULong));
      growth_base_n = VG_(realloc)("ph.growth.base", growth_base_n,
                                   PH_(n_stacks) * N_CLASSES * sizeof(ULong));
      growth_base_stacks = PH_(n_stacks);
   }
   for (kid = 0; kid < PH_(n_stacks); kid++)
      for (c = 0; c < N_CLASSES; c++) {
         growth_base_B[kid * N_CLASSES + c] = PH_(sites)[kid].live_B[c];
         growth_base_n[kid * N_CLASSES + c] = PH_(sites)[kid].live_n[c];
      }
   growth_base_time = now;
   growth_base_heap_B = heap_B(&PH_(cur));
   n_growth_reports++;
}

static void monitor_snapshot(const HChar *label)
{
   HChar buf[PYHEAP_LABEL_MAX + 1];
   n_monitor_snapshots++;
   if (label == NULL || label[0] == 0)
      VG_(sprintf)(buf, "monitor-%u", n_monitor_snapshots);
   else {
      VG_(strncpy)(buf, label, sizeof buf - 1);
      buf[sizeof buf - 1] = 0;
   }
   PH_(take_user_snapshot)(buf);
   VG_(gdb_printf)("pyheap: user snapshot '%s' taken\n", buf);
}

static void monitor_dump(const HChar *name)
{
   Snapshot peak_snap, now_snap, final_sample;
   HChar *path;
   Bool ok;

   n_monitor_dumps++;
   if (name != NULL) {
      path = VG_(strdup)("ph.dump.path", name);
   } else {
      path = VG_(malloc)("ph.dump.path", 64);
      VG_(sprintf)(path, "pyheap.out.%d.snapshot.%u", VG_(getpid)(), n_monitor_dumps);
   }
   PH_(take_peak_snapshot)(&peak_snap);
   PH_(take_live_snapshot)(&now_snap);
   PH_(take_snapshot)(&final_sample, SnapSample, ph_now());

   ok = PH_(write_output)(path, &peak_snap, &now_snap, &final_sample, n_monitor_dumps);
   if (ok)
      VG_(gdb_printf)("pyheap: wrote %s\n", path);
   else
      VG_(gdb_printf)("pyheap: error: cannot write '%s': no detailed snapshot written\n",
                      path);
   PH_(drop_peak_snapshot)(&peak_snap);
   PH_(free_detail)(now_snap.detail);
   VG_(free)(path);
}

Bool PH_(handle_monitor_command)(ThreadId tid, const HChar *req)
{
   HChar *copy = VG_(strdup)("ph.monitor", req);
   HChar *save = NULL, *wcmd, *word, *end;
   Bool handled = True;
   Long top;
   Int i;

   wcmd = VG_(strtok_r)(copy, " ", &save);
   if (wcmd == NULL) {
      VG_(free)(copy);
      return False;
   }
   switch (VG_(keyword_id)("help snapshot detailed_snapshot growth", wcmd,
                           kwd_report_duplicated_matches)) {
   case -2:                           /* ambiguous: reported */
      break;
   case -1:                           /* not ours */
      handled = False;
      break;
   case 0:
      print_monitor_help();
      break;
   case 1:
      /* The label is the rest of the line. */
      word = save;
      while (word != NULL && *word == ' ')
         word++;
      if (word != NULL)
         for (i = (Int)VG_(strlen)(word) - 1; i >= 0 && word[i] == ' '; i--)
            word[i] = 0;
      monitor_snapshot(word);
      break;
   case 2:
      monitor_dump(VG_(strtok_r)(NULL, " ", &save));
      break;
   case 3:
      word = VG_(strtok_r)(NULL, " ", &save);
      top = GROWTH_DEFAULT_TOP;
      if (word != NULL) {
         top = VG_(strtoll10)(word, &end);
         if (*end != 0 || top < 1) {
            VG_(gdb_printf)("pyheap: growth: '%s' is not a positive number\n", word);
            break;
         }
      }
      monitor_growth((ULong)top);
      break;
   default:
      tl_assert(0);
   }
   VG_(free)(copy);
   return handled;
}

/*--------------------------------------------------------------------*/
/*--- end                                             ph_monitor.c ---*/
/*--------------------------------------------------------------------*/

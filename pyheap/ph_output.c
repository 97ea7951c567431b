/* pyheap: the tool: the output file, one per process (docs/file-format.md). */
/* SPDX-License-Identifier: GPL-2.0-or-later */

/*--------------------------------------------------------------------*/
/*--- pyheap: writing the output file.                 ph_output.c ---*/
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
#include "pub_tool_vki.h"
#include "pub_tool_clientstate.h"
#include "pub_tool_libcassert.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_libcfile.h"
#include "pub_tool_libcprint.h"
#include "pub_tool_libcproc.h"
#include "pub_tool_mallocfree.h"
#include "pub_tool_options.h"
#include "pub_tool_xarray.h"

#include "ph_include.h"
#include "ph_text.h"

#define PH_FORMAT_VERSION 3

//------------------------------------------------------------//
//--- Writing the output file                              ---//
//------------------------------------------------------------//

/* The format is documented in docs/file-format.md.  A short sample:

      pyheap-out 3
      meta cmd python3 demo.py
      meta time_unit B
      ...
      s 0 demo.py
      s 1 <module>
      f 0 py 0 9 1                      demo.py:9 in <module>
      k 0 -1 0                          a stack: frame 0, no caller
      t 0 0 0 0 0 0 0 0 0               the time series
      t 1 7340032 6296632 12 1024 4096 6291512 1048576 1
      snapshot 1 7340032 peak
      c raw 1024 1
      c pymalloc 4096 10
      c python-large 6291512 1
      a 1 1048576 4096 4096 16384
      b 0 python-large 6291512 1        live bytes by stack and class
      end-snapshot
      tot 0 python-large 6291512 1      allocated over the run
      end-of-file 22                    the lines before it

   Stack ids in the file are the internal ones minus one, so that "no
   stack" (internal 0) is -1. */

static VgFile *out_fp;
static ULong   out_lines;

/* Free text, escaped, as the last field of a line. */
static void out_text_line(const HChar *prefix, const HChar *text)
{
   static HChar buf[16 * 1024];
   ph_escape_field(text, VG_(strlen)(text), buf, sizeof buf);
   VG_(fprintf)(out_fp, "%s%s\n", prefix, buf);
   out_lines++;
}

static Int cmp_site_entries(const void *a, const void *b)
{
   const SiteEntry *x = a, *y = b;
   if (x->B != y->B)
      return x->B > y->B ? -1 : 1;
   if (x->kid != y->kid)
      return x->kid < y->kid ? -1 : 1;
   return x->cls < y->cls ? -1 : x->cls > y->cls ? 1 : 0;
}

static Int cmp_mark_entries(const void *a, const void *b)
{
   const MarkEntry *x = a, *y = b;
   if (x->iter != y->iter)
      return x->iter < y->iter ? -1 : 1;
   if (x->B != y->B)
      return x->B > y->B ? -1 : 1;
   if (x->kid != y->kid)
      return x->kid < y->kid ? -1 : 1;
   return x->cls < y->cls ? -1 : x->cls > y->cls ? 1 : 0;
}

static Int cmp_born_entries(const void *a, const void *b)
{
   const BornEntry *x = a, *y = b;
   if (x->epoch != y->epoch)
      return x->epoch < y->epoch ? -1 : 1;
   if (x->B != y->B)
      return x->B > y->B ? -1 : 1;
   if (x->kid != y->kid)
      return x->kid < y->kid ? -1 : 1;
   return x->cls < y->cls ? -1 : x->cls > y->cls ? 1 : 0;
}

static Int cmp_pin_entries(const void *a, const void *b)
{
   const PinEntry *x = a, *y = b;
   if (x->band != y->band)
      return x->band < y->band ? -1 : 1;
   if (x->arenas != y->arenas)
      return x->arenas > y->arenas ? -1 : 1;
   if (x->B != y->B)
      return x->B > y->B ? -1 : 1;
   return x->kid < y->kid ? -1 : x->kid > y->kid ? 1 : 0;
}

static Int cmp_typed_entries(const void *a, const void *b)
{
   const TypedEntry *x = a, *y = b;
   if (x->B != y->B)
      return x->B > y->B ? -1 : 1;
   if (x->kid != y->kid)
      return x->kid < y->kid ? -1 : 1;
   if (x->cls != y->cls)
      return x->cls < y->cls ? -1 : 1;
   return x->type_sid < y->type_sid ? -1 : x->type_sid > y->type_sid ? 1 : 0;
}

/* Held entries: bytes descending, then the whole key, so that the order
   is the same in every run. */
static Int cmp_held_entries(const void *a, const void *b)
{
   const HeldEntry *x = a, *y = b;
   UInt k;
#define CMP(f) if (x->f != y->f) return x->f < y->f ? -1 : 1
   if (x->B != y->B)
      return x->B > y->B ? -1 : 1;
   CMP(kid);
   CMP(cls);
   CMP(type_sid);
   CMP(end);
   CMP(n_links);
   for (k = 0; k < x->n_links; k++) {
      CMP(links[k].kid);
      CMP(links[k].cls);
      CMP(links[k].type_sid);
      CMP(links[k].name_sid);
   }
   CMP(n);
#undef CMP
   return 0;
}

static void write_held(const Detail *d)
{
   UInt i, k;
   VG_(ssort)(d->held, d->n_held, sizeof(HeldEntry), cmp_held_entries);
   for (i = 0; i < d->n_held; i++) {
      const HeldEntry *e = &d->held[i];
      VG_(fprintf)(out_fp, "held %d %s %d %llu %llu %s %u", (Int)e->kid - 1,
                   PH_(class_names)[e->cls], e->type_sid, e->B, e->n,
                   PH_(held_end_names)[e->end], e->n_links);
      for (k = 0; k < e->n_links; k++)
         VG_(fprintf)(out_fp, " %d %s %d %d", (Int)e->links[k].kid - 1,
                      PH_(class_names)[e->links[k].cls], e->links[k].type_sid,
                      e->links[k].name_sid);
      VG_(fprintf)(out_fp, "\n");
      out_lines++;
   }
}

static void write_sample(UInt n, const Snapshot *s)
{
   VG_(fprintf)(out_fp, "t %u %llu %llu %llu %llu %llu %llu %llu %llu\n",
                n, s->time, heap_B(&s->t), heap_n(&s->t),
                s->t.cls_B[ClsRaw], s->t.cls_B[ClsPymalloc], s->t.cls_B[ClsPyLarge],
                s->t.arena_B, s->t.arena_n);
   out_lines++;
}

static const HChar *snap_kind_name(SnapKind k)
{
   switch (k) {
   case SnapDetailed: return "detailed";
   case SnapPeak:     return "peak";
   case SnapExit:     return "exit";
   case SnapUser:     return "user";
   case SnapRegion:   return "region";
   case SnapMark:     return "mark";
   default:           tl_assert(0);
   }
}

static void write_detail(UInt n, const Snapshot *s)
{
   UInt i, c;
   const Detail *d = s->detail;

   if (s->kind == SnapUser || s->kind == SnapRegion || s->kind == SnapMark) {
      HChar prefix[64];
      VG_(sprintf)(prefix, "snapshot %u %llu %s ", n, s->time, snap_kind_name(s->kind));
      out_text_line(prefix, s->label);
   } else {
      VG_(fprintf)(out_fp, "snapshot %u %llu %s\n", n, s->time, snap_kind_name(s->kind));
      out_lines++;
   }
   for (c = 0; c < N_CLASSES; c++) {
      VG_(fprintf)(out_fp, "c %s %llu %llu\n", PH_(class_names)[c], s->t.cls_B[c],
                   s->t.cls_n[c]);
      out_lines++;
   }
   VG_(fprintf)(out_fp, "a %llu %llu %llu %llu %llu\n", s->t.arena_n, s->t.arena_B,
                s->t.cls_B[ClsPymalloc], s->t.pym_slot_B, s->t.other_arena_B);
   out_lines++;
   if (d != NULL && d->n_entries > 0) {
      VG_(ssort)(d->entries, d->n_entries, sizeof(SiteEntry), cmp_site_entries);
      for (i = 0; i < d->n_entries; i++) {
         if (d->entries[i].n == 0)
            continue;             /* emptied by a correction (reclassify) */
         VG_(fprintf)(out_fp, "b %d %s %llu %llu\n", (Int)d->entries[i].kid - 1,
                      PH_(class_names)[d->entries[i].cls], d->entries[i].B, d->entries[i].n);
         out_lines++;
      }
   }
   if (d != NULL && d->n_typed > 0) {
      VG_(ssort)(d->typed, d->n_typed, sizeof(TypedEntry), cmp_typed_entries);
      for (i = 0; i < d->n_typed; i++) {
         VG_(fprintf)(out_fp, "y %d %s %d %llu %llu\n", (Int)d->typed[i].kid - 1,
                      PH_(class_names)[d->typed[i].cls], d->typed[i].type_sid,
                      d->typed[i].B, d->typed[i].n);
         out_lines++;
      }
   }
   if (d != NULL && d->n_marked > 0) {
      VG_(ssort)(d->marked, d->n_marked, sizeof(MarkEntry), cmp_mark_entries);
      for (i = 0; i < d->n_marked; i++) {
         VG_(fprintf)(out_fp, "m %d %s %u %llu %llu\n", (Int)d->marked[i].kid - 1,
                      PH_(class_names)[d->marked[i].cls], d->marked[i].iter,
                      d->marked[i].B, d->marked[i].n);
         out_lines++;
      }
   }
   if (d != NULL && d->n_epochs > 0) {
      VG_(fprintf)(out_fp, "epochs %llu %u\n", d->epoch_width, d->n_epochs);
      out_lines++;
      VG_(ssort)(d->born, d->n_born, sizeof(BornEntry), cmp_born_entries);
      for (i = 0; i < d->n_born; i++) {
         VG_(fprintf)(out_fp, "born %d %s %u %llu %llu\n", (Int)d->born[i].kid - 1,
                      PH_(class_names)[d->born[i].cls], d->born[i].epoch,
                      d->born[i].B, d->born[i].n);
         out_lines++;
      }
   }
   if (d != NULL && d->has_arena_use) {
      for (i = 0; i < PH_ARENA_BANDS; i++) {
         VG_(fprintf)(out_fp, "arenas %u %u %llu\n", i, d->bands[i].arenas,
                      d->bands[i].slot_B);
         out_lines++;
      }
      VG_(ssort)(d->pinned, d->n_pinned, sizeof(PinEntry), cmp_pin_entries);
      for (i = 0; i < d->n_pinned; i++) {
         VG_(fprintf)(out_fp, "pinned %d %u %u %llu %llu\n", (Int)d->pinned[i].kid - 1,
                      d->pinned[i].band, d->pinned[i].arenas, d->pinned[i].B,
                      d->pinned[i].n);
         out_lines++;
      }
   }
   if (d != NULL && d->has_held) {
      VG_(fprintf)(out_fp, "retainers %u\n", d->n_held);
      out_lines++;
      write_held(d);
   }
   VG_(fprintf)(out_fp, "end-snapshot\n");
   out_lines++;
}

/* All snapshots in time order; the peak, the exit and user snapshots are
   kept apart from the culled series and merged here. */
typedef struct {
   const Snapshot *s;
   UInt order;                  /* tie-break: order of taking */
} SnapRef;

static Int cmp_snaprefs(const void *a, const void *b)
{
   const SnapRef *x = a, *y = b;
   if (x->s->time != y->s->time)
      return x->s->time < y->s->time ? -1 : 1;
   return x->order < y->order ? -1 : x->order > y->order ? 1 : 0;
}

/* The header: what ran, with which options, on which interpreter. */
static void write_meta(const Snapshot *peak_snap, UInt dump_no)
{
   XArray *cmd = VG_(newXA)(VG_(malloc), "ph.cmd", VG_(free), 1);
   unsigned long v = PH_(py_version_hex);
   HChar zero = 0;
   UInt i;

   VG_(fprintf)(out_fp, "pyheap-out %d\n", PH_FORMAT_VERSION);
   out_lines++;
   /* The command line. */
   VG_(addBytesToXA)(cmd, VG_(args_the_exename), VG_(strlen)(VG_(args_the_exename)));
   for (i = 0; i < VG_(sizeXA)(VG_(args_for_client)); i++) {
      const HChar *a = *(HChar **)VG_(indexXA)(VG_(args_for_client), i);
      VG_(addBytesToXA)(cmd, " ", 1);
      VG_(addBytesToXA)(cmd, a, VG_(strlen)(a));
   }
   VG_(addToXA)(cmd, &zero);
   out_text_line("meta cmd ", VG_(indexXA)(cmd, 0));
   VG_(deleteXA)(cmd);
   VG_(fprintf)(out_fp, "meta pid %d\nmeta ppid %d\n", VG_(getpid)(), VG_(getppid)());
   VG_(fprintf)(out_fp, "meta pyheap %s\nmeta valgrind %s\n", PACKAGE_VERSION,
                PH_VALGRIND_VERSION);
   out_lines += 4;
   VG_(addToXA)(PH_(given_options), &zero);
   out_text_line("meta options ", VG_(indexXA)(PH_(given_options), 0));
   VG_(dropTailXA)(PH_(given_options), 1);
   VG_(fprintf)(out_fp, "meta time_unit %s\nmeta depth %d\nmeta native %s\n",
                PH_(time_unit_name)(PH_(clo_time_unit)), PH_(clo_depth),
                PH_(clo_native) ? "yes" : "no");
   out_lines += 3;
   if (!PH_(py_registered))
      VG_(fprintf)(out_fp, "meta python none\n");
   else if (!PH_(python_readable)() && v == 0)
      VG_(fprintf)(out_fp, "meta python unsupported pre-3.11\n");
   else
      VG_(fprintf)(out_fp, "meta python %s%lu.%lu.%lu\n",
                   PH_(python_readable)() ? "" : "unsupported ",
                   (v >> 24) & 0xff, (v >> 16) & 0xff, (v >> 8) & 0xff);
   out_lines++;
   if (PH_(py_hooks_lost)())
      VG_(fprintf)(out_fp, "meta hooks lost\n");
   else
      VG_(fprintf)(out_fp, "meta hooks %s\n",
                   PH_(py_hooks) == PH_HOOKS_INSTALLED ? "installed"
                   : PH_(py_hooks) == PH_HOOKS_REINSTALLED ? "reinstalled" : "none");
   VG_(fprintf)(out_fp, "meta peak_time %llu\nmeta peak_B %llu\n",
                peak_snap->time, heap_B(&peak_snap->t));
   out_lines += 3;
   VG_(fprintf)(out_fp, "meta marks %u\nmeta mark_window %d\nmeta mark_b_stride %u\n",
                PH_(n_marks), PH_(clo_mark_window), PH_(mark_b_stride));
   out_lines += 3;
   if (dump_no == PH_DUMP_CHECKPOINT) {
      /* Written while the program runs: if it is the last one, the run
         ended without writing its file. */
      VG_(fprintf)(out_fp, "meta checkpoint %llu\nmeta end running\n",
                   PH_(n_checkpoints));
      out_lines += 2;
      return;
   }
   if (dump_no > 0) {
      VG_(fprintf)(out_fp, "meta detailed_snapshot %u\n", dump_no);
      out_lines++;
   }
   if (PH_(exec_target) != NULL && dump_no == 0)
      out_text_line("meta exec ", PH_(exec_target));
   if (dump_no == 0) {
      HChar end[64];
      PH_(end_text)(end, sizeof end);
      out_text_line("meta end ", end);
   }
}

/* The strings, frames and stacks, in the order of their ids. */
static void write_tables(void)
{
   HChar buf[64];
   UInt i;

   for (i = 0; i < VG_(sizeXA)(PH_(strs)); i++) {
      const Str *s = *(Str **)VG_(indexXA)(PH_(strs), i);
      VG_(sprintf)(buf, "s %d ", s->sid);
      out_text_line(buf, s->text);
   }
   for (i = 0; i < VG_(sizeXA)(PH_(frames)); i++) {
      const Frame *f = *(Frame **)VG_(indexXA)(PH_(frames), i);
      if (f->kind == FramePy)
         VG_(fprintf)(out_fp, "f %d py %d %d %d\n", f->fid, f->file_sid, f->line, f->func_sid);
      else
         VG_(fprintf)(out_fp, "f %d c %#lx %d %d %d %d\n", f->fid, f->ip, f->func_sid,
                      f->file_sid, f->line, f->obj_sid);
      out_lines++;
   }
   for (i = 1; i < PH_(n_stacks); i++) {
      VG_(fprintf)(out_fp, "k %u %d %d\n", i - 1, (Int)PH_(stack_nodes)[i]->parent - 1,
                   PH_(stack_nodes)[i]->fid);
      out_lines++;
   }
}

/* Samples and snapshots, merged in time order: the series, the peak, the
   user snapshots, LIVE_SNAP as the exit snapshot and a last sample. */
static void write_series(const Snapshot *peak_snap, const Snapshot *live_snap,
                         const Snapshot *final_sample)
{
   UInt i, n_refs = 0, n_user = VG_(sizeXA)(PH_(user_snaps));
   SnapRef *refs = VG_(malloc)("ph.refs", (PH_(n_series) + n_user + 3) * sizeof(SnapRef));

   for (i = 0; i < PH_(n_series); i++, n_refs++)
      refs[n_refs].s = &PH_(series)[i], refs[n_refs].order = n_refs;
   refs[n_refs].s = peak_snap, refs[n_refs].order = n_refs, n_refs++;
   for (i = 0; i < n_user; i++, n_refs++)
      refs[n_refs].s = VG_(indexXA)(PH_(user_snaps), i), refs[n_refs].order = n_refs;
   refs[n_refs].s = live_snap, refs[n_refs].order = n_refs, n_refs++;
   refs[n_refs].s = final_sample, refs[n_refs].order = n_refs, n_refs++;
   VG_(ssort)(refs, n_refs, sizeof(SnapRef), cmp_snaprefs);
   for (i = 0; i < n_refs; i++)
      write_sample(i, refs[i].s);
   for (i = 0; i < n_refs; i++)
      if (refs[i].s->kind != SnapSample)
         write_detail(i, refs[i].s);
   VG_(free)(refs);
}

/* What each (stack, class) allocated over the run. */
static void write_totals(void)
{
   UInt n_tot, j;
   SiteEntry *tot = PH_(site_entries)(PH_(sites), PH_(n_stacks), True, &n_tot);

   VG_(ssort)(tot, n_tot, sizeof(SiteEntry), cmp_site_entries);
   for (j = 0; j < n_tot; j++) {
      VG_(fprintf)(out_fp, "tot %d %s %llu %llu\n", (Int)tot[j].kid - 1,
                   PH_(class_names)[tot[j].cls], tot[j].B, tot[j].n);
      out_lines++;
   }
   if (tot)
      VG_(free)(tot);
   /* What each (stack, class) freed at least an epoch after its birth
      (ph_births.c, "Old deaths"). */
   tot = PH_(gone_entries)(&n_tot);
   VG_(ssort)(tot, n_tot, sizeof(SiteEntry), cmp_site_entries);
   for (j = 0; j < n_tot; j++) {
      VG_(fprintf)(out_fp, "gone %d %s %llu %llu\n", (Int)tot[j].kid - 1,
                   PH_(class_names)[tot[j].cls], tot[j].B, tot[j].n);
      out_lines++;
   }
   VG_(free)(tot);
}

/* Write the file to PATH: everything so far, with LIVE_SNAP as the exit
   snapshot.  DUMP_NO is 0 at the end of the run, N for the Nth
   detailed_snapshot monitor command.  False if PATH cannot be written. */
Bool PH_(write_output)(const HChar *path, const Snapshot *peak_snap,
                       const Snapshot *live_snap, const Snapshot *final_sample,
                       UInt dump_no)
{
   out_fp = VG_(fopen)(path, VKI_O_CREAT | VKI_O_TRUNC | VKI_O_WRONLY,
                       VKI_S_IRUSR | VKI_S_IWUSR | VKI_S_IRGRP | VKI_S_IROTH);
   if (out_fp == NULL)
      return False;
   out_lines = 0;
   write_meta(peak_snap, dump_no);
   write_tables();
   write_series(peak_snap, live_snap, final_sample);
   write_totals();
   VG_(fprintf)(out_fp, "end-of-file %llu\n", out_lines);
   VG_(fclose)(out_fp);
   out_fp = NULL;
   return True;
}

/* May the file at PATH be replaced by renaming another over it: is it a
   plain file of one name, or not there yet?  Not /dev/null or a FIFO (a
   rename would put a file in the device's place; a checkpoint written to
   a FIFO nobody reads would block the program), not a symbolic or hard
   link (the rename would cut it). */
static Bool replaceable(const HChar *path)
{
   struct vg_stat st;
   HChar link[8];
   if (sr_isError(VG_(stat)(path, &st)))
      return True;
   return VKI_S_ISREG(st.mode) && st.nlink == 1
          && VG_(readlink)(path, link, sizeof link) < 0;
}

/* Write the file at PATH whole or not at all: into PATH.partial, then
   renamed over PATH, so that a process killed while it writes leaves the
   previous file (a checkpoint) complete.  A PATH that cannot be replaced
   (replaceable()) is written in place. */
static Bool write_output_atomically(const HChar *path, const Snapshot *peak_snap,
                                    const Snapshot *live_snap,
                                    const Snapshot *final_sample, UInt dump_no)
{
   HChar *tmp;
   Bool ok;
   if (!replaceable(path))
      return PH_(write_output)(path, peak_snap, live_snap, final_sample, dump_no);
   tmp = VG_(malloc)("ph.out.tmp", VG_(strlen)(path) + 9);
   VG_(sprintf)(tmp, "%s.partial", path);
   ok = PH_(write_output)(tmp, peak_snap, live_snap, final_sample, dump_no);
   if (ok && VG_(rename)(tmp, path) != 0) {
      VG_(unlink)(tmp);
      ok = PH_(write_output)(path, peak_snap, live_snap, final_sample, dump_no);
   }
   VG_(free)(tmp);
   return ok;
}

/* The end of the program as pyheap records it: the exit snapshot (unless
   interpreter finalisation already took it), the exact peak and a last
   sample, written to the output file.  Returns the file's name. */
HChar *PH_(write_profile)(void)
{
   Snapshot peak_snap, final_sample;
   HChar *path;

   PH_(take_exit_snapshot)();
   PH_(take_peak_snapshot)(&peak_snap);
   PH_(take_snapshot)(&final_sample, SnapSample, ph_now());

   path = VG_(expand_file_name)("--pyheap-out-file", PH_(clo_out_file));
   if (!write_output_atomically(path, &peak_snap, &PH_(exit_snap), &final_sample, 0))
      VG_(umsg)("pyheap: error: cannot write output file '%s'\n", path);
   PH_(drop_peak_snapshot)(&peak_snap);
   return path;
}

//------------------------------------------------------------//
//--- Checkpoints                                          ---//
//------------------------------------------------------------//

/* A run killed by SIGKILL or by the kernel's OOM killer -- the very runs
   a memory profiler is for -- never reaches ph_fini: without more, it
   leaves no file at all.  So while the program runs, every --checkpoint
   seconds of wall-clock time, the tool writes the file as it would be if
   the program ended now (the live heap as its exit snapshot, without the
   retainers scan), marked `meta end running`: each checkpoint replaces
   the last (written aside, then renamed over it), and the file of a run
   that ends normally replaces the last checkpoint.  A killed run leaves
   its last checkpoint: complete, valid, saying it is one.

   Why whole files rather than records appended as they are taken: the
   format's sections (tables, then the culled time series, then the
   snapshots) are what every reader checks, and the culled series is
   rewritten as it thins.  The price is the time to write the file, which
   grows with the run: the next checkpoint waits at least 20 times as
   long as the last one took, so that writing them costs at most about 5%
   of the run.  The clock is looked at every CHECKPOINT_EVENTS heap events
   (not at all in a program that stops allocating: then nothing changes
   to write). */
#define PH_CHECKPOINT_EVENTS 4096

Int   PH_(clo_checkpoint) = 10;
ULong PH_(n_checkpoints);
UInt  PH_(checkpoint_countdown) = PH_CHECKPOINT_EVENTS;
Bool  PH_(in_checkpoint);
static ULong next_checkpoint_ms;
static Bool  checkpoint_failed;

void PH_(checkpoint_tick)(void)
{
   Snapshot peak_snap, now_snap, final_sample;
   ULong now, took, wait;
   HChar *path;

   PH_(checkpoint_countdown) = PH_CHECKPOINT_EVENTS;
   if (PH_(clo_checkpoint) == 0 || PH_(in_checkpoint))
      return;
   now = VG_(read_millisecond_timer)();
   if (next_checkpoint_ms == 0)
      next_checkpoint_ms = (ULong)PH_(clo_checkpoint) * 1000;
   if (now < next_checkpoint_ms)
      return;
   path = VG_(expand_file_name)("--pyheap-out-file", PH_(clo_out_file));
   if (!replaceable(path)) {
      /* /dev/null, a FIFO, a link: no checkpoints (see replaceable()). */
      VG_(free)(path);
      PH_(clo_checkpoint) = 0;
      return;
   }
   PH_(in_checkpoint) = True;
   PH_(n_checkpoints)++;
   PH_(take_peak_snapshot)(&peak_snap);
   PH_(take_live_snapshot)(&now_snap);
   PH_(take_snapshot)(&final_sample, SnapSample, ph_now());
   if (!write_output_atomically(path, &peak_snap, &now_snap, &final_sample,
                                PH_DUMP_CHECKPOINT) && !checkpoint_failed) {
      checkpoint_failed = True;
      VG_(umsg)("pyheap: warning: cannot write a checkpoint to '%s'\n", path);
   }
   PH_(drop_peak_snapshot)(&peak_snap);
   PH_(free_detail)(now_snap.detail);
   VG_(free)(path);
   PH_(in_checkpoint) = False;
   took = VG_(read_millisecond_timer)() - now;
   wait = (ULong)PH_(clo_checkpoint) * 1000;
   if (wait < 20 * took)
      wait = 20 * took;
   next_checkpoint_ms = now + took + wait;
}

/*--------------------------------------------------------------------*/
/*--- end                                              ph_output.c ---*/
/*--------------------------------------------------------------------*/

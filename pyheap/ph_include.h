/* pyheap: the tool's private header: what each of its files owns and exports. */
/* SPDX-License-Identifier: GPL-2.0-or-later */

/*--------------------------------------------------------------------*/
/*--- pyheap: the map of the tool's files.            ph_include.h ---*/
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

/* The tool is split by concern, as memcheck is (mc_main.c,
   mc_malloc_wrappers.c, ... joined by mc_include.h), and this header is
   the map: one section per file, saying what the file owns and what it
   exports.  Everything else of a file is static to it.

      ph_main.c             options, client requests, ph_fini, initialisation
      ph_guest.c            reading the guest's memory: the fault catcher
      ph_tables.c           interned strings, frames and stacks; the
                            per-stack counters (sites)
      ph_python.c           the interpreter: what the preload registers,
                            thread states, code objects, the Python frame
                            walk, the stack of an allocation, object types
      ph_native.c           native frames
      ph_blocks.c           live blocks, arenas, totals, the time, the exact
                            peak
      ph_events.c           events from the preload (the Python allocator
                            hooks, free lists) and the instrumentation that
                            delivers them
      ph_malloc_wrappers.c  the malloc-family replacement
      ph_snapshots.c        samples, snapshots, scans of the live blocks
      ph_marks.c            iteration marks and regions
      ph_births.c           birth epochs: when each live block was born
      ph_pinning.c          how full the pymalloc arenas are, and which
                            stacks' blocks keep the emptiest ones mapped
      ph_retainers.c        who holds the live blocks: the chain of
                            pointers from a root, and what nothing holds
      ph_output.c           the output file (docs/file-format.md)
      ph_monitor.c          gdb monitor commands (vgdb)
      ph_exec.c             how the program ends (exit, a signal, exec: its
                            profile written first) and a forked child's file

   The per-event path is two files: ph_events.c (the handler and the
   hooks' reports) and ph_blocks.c (PH_(record_block),
   PH_(unrecord_block), PH_(site_change) and the peak log), which asks
   ph_python.c for the stack (PH_(capture_stack), whose walk runs inside
   PH_(guarded)) and ph_snapshots.c for a sample (PH_(maybe_sample)).
   Those calls were out of line when the tool was one file too; what
   every event runs many times (the guest reads, heap_B(), ph_now()) is
   static inline below.

   Where things go: an option in ph_main.c (its clo_ variable exported
   here when another file reads it); a new report from the preload in
   ph_clreq.h (PhEventOp, or a request), ph_preload.c and ph_events.c's
   handler (or ph_main.c's client requests); a new record of the file in
   ph_output.c and docs/file-format.md; a snapshot kind in ph_snapshots.c.

   Naming: what a file exports is PH_(name) (vgPyheap_name when linked
   with the core), as memcheck writes MC_(name); static inline helpers
   defined here keep plain names.  Include config.h first: the malloc
   replacement's prototypes depend on PH_MALLOC_API_ORIG_ALIGN. */

#ifndef __PH_INCLUDE_H
#define __PH_INCLUDE_H

#include "pub_tool_basics.h"
#include "pub_tool_hashtable.h"
#include "pub_tool_libcassert.h"
#include "pub_tool_libcfile.h"
#include "pub_tool_libcproc.h"
#include "pub_tool_tooliface.h"
#include "pub_tool_xarray.h"

#include "ph_blocktable.h"
#include "ph_clreq.h"
#include "ph_pylayout.h"

#define PH_(str) VGAPPEND(vgPyheap_,str)

//------------------------------------------------------------//
//--- ph_main.c: options, client requests, fini, init      ---//
//------------------------------------------------------------//

typedef enum { TimeI, TimeMS, TimeB } TimeUnit;

/* The deepest stack --depth allows. */
#define PH_MAX_DEPTH 256

extern const HChar *PH_(clo_out_file);
extern TimeUnit     PH_(clo_time_unit);
extern Int          PH_(clo_depth);
extern Bool         PH_(clo_native);
extern Int          PH_(clo_max_snapshots);
extern Int          PH_(clo_detailed_freq);
extern Int          PH_(clo_mark_window);
extern Int          PH_(clo_max_mark_snapshots);
extern Long         PH_(clo_snapshot_above);   /* bytes; 0: none */

/* The tool options as given, for the output file's header. */
extern XArray *PH_(given_options);            /* of HChar */

const HChar *PH_(time_unit_name)(TimeUnit u);

//------------------------------------------------------------//
//--- ph_guest.c: reading the guest's memory               ---//
//------------------------------------------------------------//

extern ULong PH_(n_read_faults);      /* guest reads that faulted */

/* Run FN(ARG) with the fault catcher set: True if FN ran to its end,
   False if a guest read faulted or was abandoned and FN stopped there.
   Every read below is made inside it. */
Bool PH_(guarded)(void (*fn)(void *), void *arg);

/* Jump out of FN without a fault (an implausible pointer). */
void PH_(read_abandon)(void) __attribute__((noreturn));

/* Inside PH_(guarded): reads that jump out instead of returning garbage.
   Every event's stack walk makes dozens of these: inline. */
static inline Bool plausible_addr(Addr a)
{
   return a >= 4096 && a < 0x800000000000UL;
}

static inline void check_range(Addr a, SizeT n)
{
   if (!plausible_addr(a) || !plausible_addr(a + n - 1))
      PH_(read_abandon)();
}

static inline UWord rd_word(Addr a)
{
   if (!plausible_addr(a))
      PH_(read_abandon)();
   return *(volatile UWord *)a;
}

static inline UInt rd_u32(Addr a)
{
   if (!plausible_addr(a))
      PH_(read_abandon)();
   return *(volatile UInt *)a;
}

static inline UChar rd_u8(Addr a)
{
   if (!plausible_addr(a))
      PH_(read_abandon)();
   return *(volatile UChar *)a;
}

void PH_(rd_bytes)(void *dst, Addr src, SizeT n);

/* Outside PH_(guarded): each makes one guarded copy. */
Bool PH_(read_guest)(void *dst, Addr src, SizeT n);
Bool PH_(write_guest)(Addr dst, const void *src, SizeT n);
void PH_(read_guest_cstring)(Addr a, HChar *buf, SizeT cap);
/* The label a client request passes at A (pyheap.h), or DFLT if A is 0. */
void PH_(read_guest_label)(Addr a, const HChar *dflt, HChar label[PYHEAP_LABEL_MAX + 1]);

//------------------------------------------------------------//
//--- ph_tables.c: strings, frames, stacks, site counters  ---//
//------------------------------------------------------------//

/* An interned string: its sid is its index in PH_(strs). */
typedef struct _Str {
   struct _Str *next;
   UWord        key;             /* hash of the text */
   Int          sid;
   UInt         len;
   const HChar *text;
} Str;

extern XArray *PH_(strs);             /* of Str*, indexed by sid */

Int PH_(intern_str_n)(const HChar *s, SizeT n);
Int PH_(intern_str)(const HChar *s);
const HChar *PH_(str_text)(Int sid);   /* "???" for a bad sid */

typedef enum { FramePy, FrameNative } FrameKind;

typedef struct _Frame {
   struct _Frame *next;
   UWord          key;
   Int            fid;
   FrameKind      kind;
   Int            file_sid;
   Int            line;
   Int            func_sid;
   Int            obj_sid;       /* native only */
   Addr           ip;            /* native only */
} Frame;

extern XArray *PH_(frames);           /* of Frame*, indexed by fid */

Frame *PH_(new_frame)(FrameKind kind);
Int PH_(intern_py_frame)(Int file_sid, Int line, Int func_sid);
const Frame *PH_(frame_of)(Int fid);

typedef struct _StackNode {
   struct _StackNode *next;
   UWord              key;
   UInt               kid;
   UInt               parent;    /* 0: outermost frame */
   Int                fid;
} StackNode;

/* Live and total bytes and blocks of one stack, per class. */
typedef enum { ClsRaw = 0, ClsPymalloc = 1, ClsPyLarge = 2, N_CLASSES = 3 } BlockClass;
extern const HChar *const PH_(class_names)[N_CLASSES];

typedef struct {
   ULong live_B[N_CLASSES];
   ULong live_n[N_CLASSES];
   ULong tot_B[N_CLASSES];
   ULong tot_n[N_CLASSES];
} SiteStats;

extern StackNode **PH_(stack_nodes);  /* indexed by kid; [0] unused */
extern SiteStats  *PH_(sites);        /* indexed by kid; [0] = no stack */
extern UInt        PH_(n_stacks);     /* kids in use, counting 0 */

UInt PH_(intern_stack)(UInt parent, Int fid);

void PH_(init_tables)(void);

//------------------------------------------------------------//
//--- ph_python.c: the interpreter                         ---//
//------------------------------------------------------------//

extern unsigned long PH_(py_version_hex);
extern Bool          PH_(py_registered);  /* the preload found CPython */
extern PhHooksState  PH_(py_hooks);
extern Bool          PH_(py_finalizing);  /* finalisation started */

extern ULong PH_(n_rawstack_hits);
extern ULong PH_(n_rawstack_recent_hits); /* of those, one of the last few */
extern ULong PH_(n_rawstack_misses);

/* PH_REQ_PY_REGISTER: the preload found CPython; INFO_ADDR is its PhPyInfo. */
void PH_(py_register)(Addr info_addr);
/* Can Python stacks and objects be read (a layout for this version)? */
Bool PH_(python_readable)(void);
/* The interpreter replaced the hooks, and they never came back. */
Bool PH_(py_hooks_lost)(void);

/* Per Valgrind thread: its OS thread id and the PyThreadState found for
   it.  The cached thread state is checked at every use (its
   native_thread_id must still be ours) and forgotten when its block is
   freed. */
typedef struct {
   Int   os_tid;
   Addr  tstate;
   /* The last malloc block this thread made: a Python hook's report that
      follows it names that block if the request fell through to malloc,
      and otherwise a pymalloc block -- no table look-up needed. */
   Addr  last_raw;
   SizeT last_raw_szB;
} ThreadCache;

ThreadCache *PH_(thread_cache_for)(ThreadId tid);
void PH_(forget_thread)(ThreadId tid);
void PH_(forget_all_threads)(ThreadId tid);

/* What the walker cached of a block's contents is stale. */
void PH_(forget_tstates)(void);
void PH_(forget_code)(Addr block_addr);

/* The stack of the allocation the running thread is making. */
UInt PH_(capture_stack)(ThreadId tid);

/* The type of the Python object in block B, or -1.  Inside PH_(guarded). */
Int PH_(block_type_sid)(const PhBlock *b);
/* The same, with the object's offset in B and its type object; with
   DEAD, also a dead object (reference count 0) a free list keeps. */
Int PH_(block_object)(const PhBlock *b, UInt *obj_off, Addr *type, Bool *dead);
/* Is the type object T a weak reference type (its referent not held)? */
Bool PH_(type_is_weakref)(Addr t);
/* Where the pointer-free data of object OBJ of type T, with ROOM bytes to
   its block's end, starts (0: none, or not sure). */
UInt PH_(object_data_off)(Addr obj, Addr t, SizeT room);
/* Are the instances of the type object T types (a class's type)? */
Bool PH_(type_makes_types)(Addr t);
/* Is the type object T built in (not a class made at run time)? */
Bool PH_(type_is_static)(Addr t);
/* The text of OBJ if it is a str object, interned; else -1. */
Int PH_(str_object_sid)(Addr obj);

void PH_(init_python)(void);

//------------------------------------------------------------//
//--- ph_native.c: native frames                           ---//
//------------------------------------------------------------//

/* Fill OUT with the native stack of thread TID below the allocator
   functions, innermost first, at most --depth IPs; with STOP_AT_EVAL,
   only the part below the innermost eval loop.  Returns their number. */
UInt PH_(walk_native_frames)(ThreadId tid, Bool stop_at_eval, UWord *out);
/* The frame of the native instruction address IP. */
Int PH_(native_fid)(Addr ip);

void PH_(init_native)(void);

//------------------------------------------------------------//
//--- ph_blocks.c: blocks, arenas, totals, time, the peak  ---//
//------------------------------------------------------------//

/* Block flags: the block holds something the walker has cached. */
#define BF_TSTATE 1
#define BF_CODE   2

/* The live blocks, by address (ph_blocktable.c says why not VgHashTable). */
typedef PhBlock Block;
extern PhBlockTable PH_(block_table);

typedef struct {
   ULong cls_B[N_CLASSES];
   ULong cls_n[N_CLASSES];
   ULong arena_B;
   ULong arena_n;
   ULong pym_slot_B;             /* live pymalloc bytes, rounded to classes */
   ULong other_arena_B;          /* arena-allocator memory that is no arena */
} Totals;

extern Totals PH_(cur);

static inline ULong heap_B(const Totals *t)
{
   return t->cls_B[ClsRaw] + t->cls_B[ClsPymalloc] + t->cls_B[ClsPyLarge];
}

static inline ULong heap_n(const Totals *t)
{
   return t->cls_n[ClsRaw] + t->cls_n[ClsPymalloc] + t->cls_n[ClsPyLarge];
}

extern ULong PH_(guest_instrs_executed);
extern ULong PH_(total_bytes_events);      /* bytes allocated + freed */
extern ULong PH_(alloc_seq);               /* blocks allocated so far */

static inline ULong ph_now(void)
{
   switch (PH_(clo_time_unit)) {
   case TimeI:  return PH_(guest_instrs_executed);
   case TimeMS: return VG_(read_millisecond_timer)();
   case TimeB:  return PH_(total_bytes_events);
   default:     tl_assert(0);
   }
}

extern ULong PH_(n_reclassified);     /* raw blocks re-filed as python-large */
extern ULong PH_(n_stale_blocks);     /* a new block at a live block's address */
extern ULong PH_(n_peak_materialisations);

/* A snapshot --snapshot-above asked for is to be taken (PH_(maybe_sample)). */
extern Bool PH_(snapshot_pending);

void PH_(record_block)(ThreadId tid, Addr p, SizeT szB, BlockClass cls);
void PH_(unrecord_block)(const Block *b);
/* Re-file B, the block at table index INDEX, as class CLS. */
void PH_(reclassify)(UWord index, Block *b, BlockClass cls);
void PH_(forget_contents)(const Block *b);
/* Mark the block at ADDR, if there is one, as holding FLAG's contents. */
void PH_(flag_block)(Addr addr, UInt flag);
/* Every change to the live bytes goes through here. */
void PH_(site_change)(UInt kid, UInt cls, Long dB, Long dn);

/* pymalloc's arenas are 1 MiB (ARENA_BITS 20) from 3.10 on; the arena
   allocator also hands out the interpreter's frame-stack chunks (16 KiB
   and up), which are not arenas. */
#define PYMALLOC_ARENA_SZB ((SizeT)1 << 20)
/* pymalloc rounds requests up to its size classes, 16 bytes apart. */
#define PYMALLOC_SLOT_SZB(n) (((n) == 0 ? 16 : (((n) + 15) & ~(SizeT)15)))

void PH_(arena_alloc)(Addr p, SizeT szB);
void PH_(arena_free)(Addr p);
/* The pymalloc arenas mapped now, sorted by address; VG_(free) the array. */
Addr *PH_(arena_starts)(UInt *n);
/* Everything the arena allocator handed out (arenas and CPython's frame
   chunks), sorted by address; VG_(free) the array. */
typedef struct {
   Addr  start;
   SizeT szB;
   Bool  is_arena;
} PhArenaRange;
PhArenaRange *PH_(arena_ranges)(UInt *n);

void PH_(init_blocks)(void);

//------------------------------------------------------------//
//--- ph_events.c: events from the preload                 ---//
//------------------------------------------------------------//

extern ULong PH_(n_py_events);        /* reports from the Python hooks */
extern ULong PH_(n_bad_events);       /* events with an unknown operation */
extern ULong PH_(n_reborn);           /* objects a free list handed out again */
extern ULong PH_(n_reborn_unknown);   /* of those, in no block the tool knows */
extern ULong PH_(n_dead);             /* objects destroyed into a free list */
extern UInt  PH_(dead_kid);           /* their stack, "<free lists>"; 0: none yet */

/* PH_REQ_EVENT_FN: the preload's event function is at A. */
void PH_(set_event_fn)(Addr a, UWord abi);

IRSB *PH_(instrument)(VgCallbackClosure *closure, IRSB *sb_in,
                      const VexGuestLayout *layout,
                      const VexGuestExtents *vge,
                      const VexArchInfo *archinfo_host,
                      IRType gWordTy, IRType hWordTy);

//------------------------------------------------------------//
//--- ph_malloc_wrappers.c: the malloc replacement         ---//
//------------------------------------------------------------//

extern ULong PH_(n_allocs);           /* malloc-family allocations */
extern ULong PH_(n_frees);

void *PH_(malloc)(ThreadId tid, SizeT szB);
void *PH_(__builtin_new)(ThreadId tid, SizeT szB);
void *PH_(__builtin_vec_new)(ThreadId tid, SizeT szB);
void *PH_(calloc)(ThreadId tid, SizeT m, SizeT szB);
#if defined(PH_MALLOC_API_ORIG_ALIGN)
void *PH_(memalign)(ThreadId tid, SizeT align, SizeT orig_align, SizeT szB);
void *PH_(__builtin_new_aligned)(ThreadId tid, SizeT szB, SizeT align, SizeT orig_align);
void *PH_(__builtin_vec_new_aligned)(ThreadId tid, SizeT szB, SizeT align,
                                     SizeT orig_align);
#else
void *PH_(memalign)(ThreadId tid, SizeT align, SizeT szB);
void *PH_(__builtin_new_aligned)(ThreadId tid, SizeT szB, SizeT align);
void *PH_(__builtin_vec_new_aligned)(ThreadId tid, SizeT szB, SizeT align);
#endif
void PH_(free)(ThreadId tid, void *p);
void PH_(__builtin_delete)(ThreadId tid, void *p);
void PH_(__builtin_delete_aligned)(ThreadId tid, void *p, SizeT align);
void PH_(__builtin_vec_delete)(ThreadId tid, void *p);
void PH_(__builtin_vec_delete_aligned)(ThreadId tid, void *p, SizeT align);
void *PH_(realloc)(ThreadId tid, void *p_old, SizeT new_szB);
SizeT PH_(malloc_usable_size)(ThreadId tid, void *p);

//------------------------------------------------------------//
//--- ph_snapshots.c: samples, snapshots, scans            ---//
//------------------------------------------------------------//

/* A detailed snapshot: the non-zero (stack, class) entries. */
typedef struct {
   UInt  kid;
   UInt  cls;
   ULong B;
   ULong n;
} SiteEntry;

/* The same by object type, for snapshots that scan the blocks. */
typedef struct {
   UInt  kid;
   UInt  cls;
   Int   type_sid;
   ULong B;
   ULong n;
} TypedEntry;

/* The same by birth iteration, for mark snapshots (ph_marks.c). */
typedef struct {
   UInt  kid;
   UInt  cls;
   UInt  iter;
   ULong B;
   ULong n;
} MarkEntry;

/* How full the pymalloc arenas are, for snapshots that scan the blocks
   (ph_pinning.c): arenas by tenths of use, band b holding those whose
   live slots fill [b/10, (b+1)/10) of them (band 9 also the full ones). */
#define PH_ARENA_BANDS 10

typedef struct {
   UInt  arenas;
   ULong slot_B;                      /* their live pymalloc slots */
} ArenaBand;

/* A stack's live pymalloc blocks in the arenas of one band, and in how
   many distinct such arenas they lie. */
typedef struct {
   UInt  kid;
   UInt  band;
   UInt  arenas;
   ULong B;
   ULong n;
} PinEntry;

/* The same by birth epoch, for snapshots that scan the blocks (ph_births.c). */
typedef struct {
   UInt  kid;
   UInt  cls;
   UInt  epoch;
   ULong B;
   ULong n;
} BornEntry;

/* What holds a stack's live blocks (ph_retainers.c): the chain of
   holders up from them, each link a block's stack, class, type and the
   name it is stored under, to a module (which sys.modules holds), a root,
   or none (lost). */
#define PH_RET_MAX_LINKS 12
#define PH_RET_NAME_VARIOUS (-2)         /* the blocks' links disagree */

typedef enum { HeldModule, HeldGlobal, HeldStack, HeldFrame, HeldMapped, HeldLost,
               HeldDeep, N_HELD_ENDS } HeldEnd;
extern const HChar *const PH_(held_end_names)[N_HELD_ENDS];

typedef struct {
   UInt  kid;
   UInt  cls;
   Int   type_sid;
   Int   name_sid;
} HeldLink;

typedef struct {
   UInt     kid;
   UInt     cls;
   Int      type_sid;
   UInt     end;                      /* HeldEnd */
   UInt     n_links;
   HeldLink links[PH_RET_MAX_LINKS];
   ULong    B;
   ULong    n;
} HeldEntry;

typedef struct {
   UInt        n_entries;
   SiteEntry  *entries;
   UInt        n_typed;
   TypedEntry *typed;
   UInt        n_marked;
   MarkEntry  *marked;
   UInt        n_born;
   BornEntry  *born;
   ULong       epoch_width;           /* of the born entries' epochs */
   UInt        n_epochs;
   Bool        has_arena_use;         /* the arena fields below are filled */
   ArenaBand   bands[PH_ARENA_BANDS];
   UInt        n_pinned;
   PinEntry   *pinned;
   Bool        has_held;              /* the retainers scan ran */
   UInt        n_held;
   HeldEntry  *held;
} Detail;

typedef enum { SnapSample, SnapDetailed, SnapPeak, SnapExit, SnapUser, SnapRegion,
               SnapMark } SnapKind;

typedef struct {
   ULong     time;
   Totals    t;
   SnapKind  kind;
   Detail   *detail;                  /* NULL for a plain sample */
   HChar    *label;                   /* user, region and mark snapshots */
   UInt      mark_no;                 /* mark snapshots: 1, 2, ... */
} Snapshot;

extern Snapshot *PH_(series);         /* the culled time series */
extern UInt      PH_(n_series);
extern XArray   *PH_(user_snaps);     /* of Snapshot (user, region, mark), never culled */
extern Snapshot  PH_(exit_snap);
extern Bool      PH_(exit_snap_taken);

SiteEntry *PH_(site_entries)(const SiteStats *st, UInt n_st, Bool totals, UInt *n_out);
void PH_(free_detail)(Detail *d);

void PH_(take_snapshot)(Snapshot *s, SnapKind kind, ULong time);
void PH_(maybe_sample)(void);
void PH_(take_live_snapshot)(Snapshot *s);
void PH_(take_exit_snapshot)(void);
void PH_(take_user_snapshot)(const HChar *label);
/* The exact peak as a snapshot; PH_(drop_peak_snapshot) frees what
   PH_(take_peak_snapshot) made (ph_blocks.c). */
void PH_(take_peak_snapshot)(Snapshot *s);
void PH_(drop_peak_snapshot)(Snapshot *s);

/* Aggregates of live blocks by (stack, class, third key). */
typedef struct _ScanAgg {
   struct _ScanAgg *next;
   UWord            key;
   UInt             kid;
   UInt             cls;
   Int              type_sid;    /* or what the scan keys on: marks' iteration */
   ULong            B;
   ULong            n;
   ULong            aux;         /* the caller's own count, 0 at first */
} ScanAgg;

/* Add a block of SZB bytes to the aggregate (KID, CLS, TYPE_SID) of T;
   returns the aggregate. */
ScanAgg *PH_(scan_add)(VgHashTable *t, UInt kid, UInt cls, Int type_sid, SizeT szB);
void PH_(scan_blocks)(Detail *d, ULong min_seq, Bool want_sites);

void PH_(init_snapshots)(void);           /* before the options */
void PH_(init_series)(void);              /* after them */

//------------------------------------------------------------//
//--- ph_marks.c: iteration marks and regions              ---//
//------------------------------------------------------------//

extern UInt PH_(n_marks);
extern UInt PH_(mark_b_stride);
extern UInt PH_(n_open_regions);

void PH_(take_mark)(const HChar *label);
void PH_(scan_marks)(Detail *d, UInt first_iter);
void PH_(region_begin)(const HChar *label);
ULong PH_(region_end)(Addr stats);
/* The heap grew to NOW_B while a region is open. */
void PH_(region_note_heap)(ULong now_B);

void PH_(init_marks)(void);

//------------------------------------------------------------//
//--- ph_births.c: birth epochs                            ---//
//------------------------------------------------------------//

/* At most this many epochs cut the run's time (a power of two). */
#define PH_MAX_EPOCHS 64

/* When the time reaches this, PH_(epoch_tick) must run. */
extern ULong PH_(next_epoch_time);

void PH_(epoch_tick)(ULong now);

/* A block born before this allocation number dies old when freed. */
extern ULong PH_(old_seq);
/* The block being freed is the old one of a realloc (not a death). */
extern Bool PH_(in_realloc);
void PH_(note_old_death)(UInt kid, UInt cls, SizeT szB);
/* The old deaths by stack and class (VG_(free) the array). */
SiteEntry *PH_(gone_entries)(UInt *n_out);
/* Fill D's born entries from the live blocks. */
void PH_(scan_births)(Detail *d);

//------------------------------------------------------------//
//--- ph_pinning.c: how full the arenas are, and who keeps them ---//
//------------------------------------------------------------//

/* Fill D's arena bands and pinned entries from the live blocks. */
void PH_(scan_arena_use)(Detail *d);

//------------------------------------------------------------//
//--- ph_retainers.c: who holds the live blocks            ---//
//------------------------------------------------------------//

extern Bool  PH_(clo_retainers);
extern ULong PH_(n_retainer_scans);
extern ULong PH_(n_retainer_faults);

/* Fill D's held entries from the live blocks born at allocation number
   MIN_SEQ or later. */
void PH_(scan_retainers)(Detail *d, ULong min_seq);

//------------------------------------------------------------//
//--- ph_output.c: the output file                         ---//
//------------------------------------------------------------//

/* DUMP_NO of a checkpoint: the file of the run so far, while it runs. */
#define PH_DUMP_CHECKPOINT 0xffffffffu

Bool PH_(write_output)(const HChar *path, const Snapshot *peak_snap,
                       const Snapshot *live_snap, const Snapshot *final_sample,
                       UInt dump_no);
HChar *PH_(write_profile)(void);

extern Int   PH_(clo_checkpoint);     /* seconds between checkpoints; 0: none */
extern ULong PH_(n_checkpoints);
extern UInt  PH_(checkpoint_countdown); /* heap events to the next clock look */
extern Bool  PH_(in_checkpoint);      /* a checkpoint is being written */
void PH_(checkpoint_tick)(void);

//------------------------------------------------------------//
//--- ph_monitor.c: monitor commands                       ---//
//------------------------------------------------------------//

Bool PH_(handle_monitor_command)(ThreadId tid, const HChar *req);

//------------------------------------------------------------//
//--- ph_exec.c: how the program ends                      ---//
//------------------------------------------------------------//

extern HChar *PH_(exec_target);       /* the program of a pending execve */
extern Bool   PH_(forked_with_fixed_name); /* a forked child, file renamed */

/* How the run ended, for the file's `meta end` line (ph_output.c):
   "exit N", "exit N without-finalisation", "signal" or "exec"; written
   into BUF of SIZE bytes. */
void PH_(end_text)(HChar *buf, Int size);

void PH_(pre_syscall)(ThreadId tid, UInt syscallno, UWord *args, UInt nArgs);
void PH_(post_syscall)(ThreadId tid, UInt syscallno, UWord *args, UInt nArgs,
                       SysRes res);

void PH_(init_exec)(void);
void PH_(at_fork_child)(ThreadId tid);

#endif /* __PH_INCLUDE_H */

/*--------------------------------------------------------------------*/
/*--- end                                             ph_include.h ---*/
/*--------------------------------------------------------------------*/

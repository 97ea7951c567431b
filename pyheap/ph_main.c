/* pyheap: the Valgrind tool: heap blocks of a (Python) process, classified, with their stacks. */
/* SPDX-License-Identifier: GPL-2.0-or-later */

/*--------------------------------------------------------------------*/
/*--- pyheap: a heap profiler for Python programs.     ph_main.c ---*/
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

/* How it works, in short.

   - Every malloc-family call of the program is redirected here (Valgrind's
     malloc replacement, as massif does).  The block is recorded as class
     "raw" with the stack of the thread that asked for it.
   - pyheap's preload (ph_preload.c) wraps CPython's MEM and OBJ allocator
     domains and its arena allocator (PEP 445) and reports each call: the
     frequent ones by calling an empty function that the instrumentation
     intercepts (see "Events from the preload"), the rare ones with a
     client request.  A Python-domain block that is not already a live
     malloc block was served by pymalloc inside an arena: class "pymalloc".
     One that is a live malloc block fell through to malloc (a request over
     512 bytes): it is re-filed from "raw" to "python-large".  So each block
     is counted once, under its outermost domain.
   - The stack of an allocation is read from the interpreter's memory: the
     thread's frame chain, each frame's code object and instruction, hence
     file, line and function (ph_pylayout.h has the offsets).  Every guest
     read is protected by a fault catcher: a garbage pointer gives a
     truncated stack, never a crash.  When there is no Python frame (not a
     Python program, C code before the interpreter starts) the native stack
     is used; --native=yes adds native frames below the Python ones.
   - Per stack and class, live and total bytes and blocks are kept up to
     date at every event, so a detailed snapshot is a copy of the non-zero
     entries.  The peak is exact: see "The exact peak".
   - At exit everything is written to one file (docs/file-format.md).
   - Iteration marks (pyheap.mark, PYHEAP_MARK) and gdb monitor commands
     (vgdb: snapshot, detailed_snapshot, growth) find what grows.
*/

#include "config.h"
#include "pub_tool_basics.h"
#include "pub_tool_vki.h"
#include "pub_tool_vkiscnums.h"
#include "pub_tool_aspacemgr.h"
#include "pub_tool_clientstate.h"
#include "pub_tool_debuginfo.h"
#include "pub_tool_gdbserver.h"
#include "pub_tool_hashtable.h"
#include "pub_tool_libcassert.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_libcfile.h"
#include "pub_tool_libcprint.h"
#include "pub_tool_libcproc.h"
#include "pub_tool_libcsetjmp.h"
#include "pub_tool_libcsignal.h"
#include "pub_tool_machine.h"
#include "pub_tool_mallocfree.h"
#include "pub_tool_options.h"
#include "pub_tool_poolalloc.h"
#include "pub_tool_replacemalloc.h"
#include "pub_tool_signals.h"
#include "pub_tool_stacktrace.h"
#include "pub_tool_threadstate.h"
#include "pub_tool_tooliface.h"
#include "pub_tool_transtab.h"
#include "pub_tool_xarray.h"
#include "libvex_guest_amd64.h"

#include "ph_blocktable.h"
#include "ph_clreq.h"
#include "ph_debugoffsets.h"
#include "ph_linetable.h"
#include "ph_pylayout.h"
#include "ph_text.h"

#define PH_FORMAT_VERSION 1

//------------------------------------------------------------//
//--- Options                                              ---//
//------------------------------------------------------------//

typedef enum { TimeI, TimeMS, TimeB } TimeUnit;

#define PH_MAX_DEPTH 256

static const HChar *clo_out_file      = "pyheap.out.%p";
static TimeUnit     clo_time_unit     = TimeI;
static Int          clo_depth         = 30;
static Bool         clo_native        = False;
static Int          clo_max_snapshots = 100;
static Int          clo_detailed_freq = 10;
static Int          clo_mark_window   = 8;
static Int          clo_max_mark_snapshots = 1000;

/* The tool options as given, for the output file's header. */
static XArray *given_options;            /* of HChar */

static const HChar *time_unit_name(TimeUnit u)
{
   switch (u) {
   case TimeI:  return "i";
   case TimeMS: return "ms";
   case TimeB:  return "B";
   default:     tl_assert(0);
   }
}

static Bool ph_process_cmd_line_option(const HChar *arg)
{
   const HChar *tmp_str;

   if      VG_STR_CLO(arg, "--pyheap-out-file", clo_out_file) {}
   else if VG_XACT_CLO(arg, "--time-unit=i",  clo_time_unit, TimeI) {}
   else if VG_XACT_CLO(arg, "--time-unit=ms", clo_time_unit, TimeMS) {}
   else if VG_XACT_CLO(arg, "--time-unit=B",  clo_time_unit, TimeB) {}
   else if VG_BINT_CLO(arg, "--depth", clo_depth, 1, PH_MAX_DEPTH) {}
   else if VG_BOOL_CLO(arg, "--native", clo_native) {}
   else if VG_BINT_CLO(arg, "--max-snapshots", clo_max_snapshots, 10, 1000) {}
   else if VG_BINT_CLO(arg, "--detailed-freq", clo_detailed_freq, 1, 1000000) {}
   else if VG_BINT_CLO(arg, "--mark-window", clo_mark_window, 1, 1000) {}
   else if VG_BINT_CLO(arg, "--max-mark-snapshots", clo_max_mark_snapshots, 1, 1000000) {}
   else if VG_STR_CLO(arg, "--time-unit", tmp_str) {
      VG_(fmsg_bad_option)(arg, "--time-unit takes i, ms or B, not '%s'\n", tmp_str);
   }
   else
      return False;

   if (VG_(sizeXA)(given_options) > 0)
      VG_(addBytesToXA)(given_options, " ", 1);
   VG_(addBytesToXA)(given_options, arg, VG_(strlen)(arg));
   return True;
}

static void ph_print_usage(void)
{
   VG_(printf)(
"    --pyheap-out-file=<file>  output file name [pyheap.out.%%p]\n"
"                              (%%p is the pid, %%q{VAR} the value of $VAR)\n"
"    --time-unit=i|ms|B        time unit: instructions executed, milliseconds\n"
"                              or bytes allocated/freed [i]\n"
"    --depth=<number>          most frames kept per stack, innermost first\n"
"                              (1..%d) [30]\n"
"    --native=no|yes           add native (C) frames below the Python\n"
"                              frames of each allocation [no]\n"
"    --max-snapshots=<number>  time-series samples kept (10..1000) [100]\n"
"    --detailed-freq=<number>  every Nth sample is detailed [10]\n"
"    --mark-window=<number>    iterations a mark snapshot follows (1..1000) [8]\n"
"    --max-mark-snapshots=<number>  mark snapshots that keep the whole heap\n"
"                              by stack; more marks are thinned [1000]\n"
"  Python code can take labelled snapshots with `import pyheap;\n"
"  pyheap.snapshot(\"label\")`, C code with PYHEAP_SNAPSHOT() from <pyheap.h>;\n"
"  pyheap.mark() / PYHEAP_MARK() end one iteration of repeated work.\n"
"  With --vgdb=yes, `vgdb --pid=<pid> <command>` runs the monitor commands\n"
"  snapshot [<label>], detailed_snapshot [<file>] and growth [<n>]\n"
"  (`vgdb --pid=<pid> help` describes them).\n"
"  View the output with pyheap_print.\n",
   PH_MAX_DEPTH);
}

static void ph_print_debug_usage(void)
{
   VG_(printf)("    (none)\n");
}

//------------------------------------------------------------//
//--- Statistics                                           ---//
//------------------------------------------------------------//

static ULong n_allocs;           /* malloc-family allocations */
static ULong n_frees;
static ULong n_py_events;        /* reports from the Python hooks */
static ULong n_bad_events;       /* events with an unknown operation */
static ULong n_reclassified;     /* raw blocks re-filed as python-large */
static ULong n_stale_blocks;     /* a new block at a live block's address */
static ULong n_reborn;           /* objects a free list handed out again */
static ULong n_reborn_unknown;   /* of those, in no block the tool knows */
static ULong n_dead;             /* objects destroyed into a free list */
static ULong n_read_faults;      /* guest reads that faulted */
static ULong n_rawstack_hits;
static ULong n_rawstack_recent_hits; /* of those, one of the last few */
static ULong n_rawstack_misses;
static ULong n_peak_materialisations;

//------------------------------------------------------------//
//--- Reading the guest's memory safely                    ---//
//------------------------------------------------------------//

/* The frame walker follows pointers found in the interpreter's memory.
   Any of them may be garbage (a thread state being torn down, a frame
   half-built).  Reads are plain loads; a load that faults raises SIGSEGV
   in the tool, which Valgrind passes to our fault catcher, which jumps
   back to the start of the walk.  The walk then keeps what it had.  The
   catcher is set only around a walk: Valgrind asserts that none is set
   when a fault happens in generated code (the program's own faults).

   guarded() below is the one place that sets the catcher and the jump
   buffer: whatever reads the guest's memory runs inside it.  What the
   function it runs must keep across such a jump it stores in memory
   (through its argument, or in statics), not in its own locals. */

static VG_MINIMAL_JMP_BUF(read_jmpbuf);

static void read_fault_catcher(Int sigNo, Addr addr)
{
   vki_sigset_t mask;

   /* The handler runs with the signal blocked; unblock it before jumping
      out, or the next fault would kill the process. */
   VG_(sigprocmask)(VKI_SIG_SETMASK, NULL, &mask);
   VG_(sigdelset)(&mask, sigNo);
   VG_(sigprocmask)(VKI_SIG_SETMASK, &mask, NULL);
   if (sigNo == VKI_SIGSEGV || sigNo == VKI_SIGBUS) {
      n_read_faults++;
      VG_MINIMAL_LONGJMP(read_jmpbuf);
   }
}

/* Jump out of a walk without a fault (an implausible pointer). */
static void __attribute__((noreturn)) read_abandon(void)
{
   VG_MINIMAL_LONGJMP(read_jmpbuf);
   tl_assert(0);
}

static inline Bool plausible_addr(Addr a)
{
   return a >= 4096 && a < 0x800000000000UL;
}

static inline UWord rd_word(Addr a)
{
   if (!plausible_addr(a))
      read_abandon();
   return *(volatile UWord *)a;
}

static inline UInt rd_u32(Addr a)
{
   if (!plausible_addr(a))
      read_abandon();
   return *(volatile UInt *)a;
}

static inline UChar rd_u8(Addr a)
{
   if (!plausible_addr(a))
      read_abandon();
   return *(volatile UChar *)a;
}

static inline void check_range(Addr a, SizeT n)
{
   if (!plausible_addr(a) || !plausible_addr(a + n - 1))
      read_abandon();
}

static void rd_bytes(void *dst, Addr src, SizeT n)
{
   if (n == 0)
      return;
   check_range(src, n);
   VG_(memcpy)(dst, (const void *)src, n);
}

/* Run FN(ARG) with the fault catcher set.  True if FN ran to its end;
   False if a guest read faulted or was abandoned, and FN stopped there.
   Not nested (there is one jump buffer), and not inlined: the jump lands
   in this frame, FN's caller never sees it. */
static __attribute__((noinline)) Bool guarded(void (*fn)(void *), void *arg)
{
   static Bool busy;
   fault_catcher_t saved;
   Bool ok;

   tl_assert(!busy);
   busy = True;
   saved = VG_(set_fault_catcher)(read_fault_catcher);
   ok = VG_MINIMAL_SETJMP(read_jmpbuf) == 0;
   if (ok)
      fn(arg);
   VG_(set_fault_catcher)(saved);
   busy = False;
   return ok;
}

typedef struct {
   void       *dst;
   const void *src;
   SizeT       n;
} GuestCopy;

static void copy_from_guest(void *arg)
{
   const GuestCopy *c = arg;
   rd_bytes(c->dst, (Addr)c->src, c->n);
}

static void copy_to_guest(void *arg)
{
   const GuestCopy *c = arg;
   check_range((Addr)c->dst, c->n);
   VG_(memcpy)(c->dst, c->src, c->n);
}

/* Copy N bytes of the guest's memory at SRC to DST.  False if that
   faulted (DST then holds what was copied, if anything). */
static Bool read_guest(void *dst, Addr src, SizeT n)
{
   GuestCopy c = { dst, (const void *)src, n };
   return guarded(copy_from_guest, &c);
}

/* Copy N bytes from SRC to the guest's memory at DST.  False if that
   faulted. */
static Bool write_guest(Addr dst, const void *src, SizeT n)
{
   GuestCopy c = { (void *)dst, src, n };
   if (n == 0)
      return True;
   return guarded(copy_to_guest, &c);
}

typedef struct {
   Addr   a;
   HChar *buf;
   SizeT  cap;
} GuestCString;

static void copy_cstring(void *arg)
{
   const GuestCString *c = arg;
   SizeT n;
   for (n = 0; n + 1 < c->cap; n++) {
      c->buf[n] = (HChar)rd_u8(c->a + n);
      if (c->buf[n] == 0)
         return;
   }
}

/* Copy a NUL-terminated string from the guest, at most CAP-1 bytes; a
   fault ends it where it happened. */
static void read_guest_cstring(Addr a, HChar *buf, SizeT cap)
{
   GuestCString c = { a, buf, cap };
   VG_(memset)(buf, 0, cap);
   guarded(copy_cstring, &c);
}

/* The label a client request passes at A (pyheap.h), or DFLT if A is 0. */
static void read_guest_label(Addr a, const HChar *dflt, HChar label[PYHEAP_LABEL_MAX + 1])
{
   if (a == 0)
      VG_(strcpy)(label, dflt);
   else
      read_guest_cstring(a, label, PYHEAP_LABEL_MAX + 1);
}

//------------------------------------------------------------//
//--- Interned strings                                     ---//
//------------------------------------------------------------//

/* File names, function names and object names, each stored once.
   Identified by a dense number (sid) in order of first use. */

typedef struct _Str {
   struct _Str *next;
   UWord        key;             /* hash of the text */
   Int          sid;
   UInt         len;
   HChar       *text;
} Str;

static VgHashTable *str_table;
static XArray      *strs;        /* of Str*, indexed by sid */

static UWord hash_bytes(const HChar *s, SizeT n)
{
   UWord h = 1469598103934665603UL;   /* FNV-1a */
   SizeT i;
   for (i = 0; i < n; i++) {
      h ^= (UChar)s[i];
      h *= 1099511628211UL;
   }
   return h;
}

static Word cmp_str(const void *a, const void *b)
{
   const Str *x = a, *y = b;
   if (x->len != y->len)
      return 1;
   return VG_(memcmp)(x->text, y->text, x->len) == 0 ? 0 : 1;
}

static Int intern_str_n(const HChar *s, SizeT n)
{
   Str probe, *found;

   probe.key = hash_bytes(s, n);
   probe.len = n;
   probe.text = (HChar *)s;
   found = VG_(HT_gen_lookup)(str_table, &probe, cmp_str);
   if (found)
      return found->sid;
   found = VG_(malloc)("ph.str", sizeof(Str));
   found->key = probe.key;
   found->len = n;
   found->text = VG_(malloc)("ph.str.text", n + 1);
   VG_(memcpy)(found->text, s, n);
   found->text[n] = 0;
   found->sid = VG_(sizeXA)(strs);
   VG_(addToXA)(strs, &found);
   VG_(HT_add_node)(str_table, found);
   return found->sid;
}

static Int intern_str(const HChar *s)
{
   return intern_str_n(s, VG_(strlen)(s));
}

//------------------------------------------------------------//
//--- Frames and stacks                                    ---//
//------------------------------------------------------------//

/* A frame is a Python location (file, line, function) or a native one
   (an instruction address and what the debug info says of it).  A stack
   is stored as a trie node: its innermost frame and the stack of its
   callers, so stacks that share callers share storage, and the file
   format writes them the same way.  Stack 0 is "no stack". */

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

static VgHashTable *py_frame_table;   /* Python frames by content */
static XArray      *frames;           /* of Frame*, indexed by fid */

static Word cmp_py_frame(const void *a, const void *b)
{
   const Frame *x = a, *y = b;
   return (x->file_sid == y->file_sid && x->line == y->line
           && x->func_sid == y->func_sid) ? 0 : 1;
}

static Frame *new_frame(FrameKind kind)
{
   Frame *f = VG_(calloc)("ph.frame", 1, sizeof(Frame));
   f->kind = kind;
   f->fid = VG_(sizeXA)(frames);
   f->obj_sid = -1;
   VG_(addToXA)(frames, &f);
   return f;
}

static Int intern_py_frame(Int file_sid, Int line, Int func_sid)
{
   Frame probe, *f;
   probe.file_sid = file_sid;
   probe.line = line;
   probe.func_sid = func_sid;
   probe.key = ((UWord)file_sid * 0x9E3779B97F4A7C15UL)
               ^ ((UWord)(UInt)line << 20) ^ (UWord)func_sid * 31;
   f = VG_(HT_gen_lookup)(py_frame_table, &probe, cmp_py_frame);
   if (f)
      return f->fid;
   f = new_frame(FramePy);
   f->key = probe.key;
   f->file_sid = file_sid;
   f->line = line;
   f->func_sid = func_sid;
   VG_(HT_add_node)(py_frame_table, f);
   return f->fid;
}

typedef struct _StackNode {
   struct _StackNode *next;
   UWord              key;
   UInt               kid;
   UInt               parent;    /* 0: outermost frame */
   Int                fid;
} StackNode;

/* Live and total bytes and blocks of one stack, per class. */
typedef enum { ClsRaw = 0, ClsPymalloc = 1, ClsPyLarge = 2, N_CLASSES = 3 } BlockClass;
static const HChar *const class_names[N_CLASSES] = { "raw", "pymalloc", "python-large" };

typedef struct {
   ULong live_B[N_CLASSES];
   ULong live_n[N_CLASSES];
   ULong tot_B[N_CLASSES];
   ULong tot_n[N_CLASSES];
} SiteStats;

static VgHashTable *stack_table;
static StackNode  **stack_nodes;      /* indexed by kid; [0] unused */
static SiteStats   *sites;            /* indexed by kid; [0] = no stack */
static UInt         n_stacks = 1;     /* kids in use, counting 0 */
static UInt         stacks_cap;

static Word cmp_stack(const void *a, const void *b)
{
   const StackNode *x = a, *y = b;
   return (x->parent == y->parent && x->fid == y->fid) ? 0 : 1;
}

static void grow_stacks(void)
{
   UInt new_cap = stacks_cap ? 2 * stacks_cap : 1024;
   stack_nodes = VG_(realloc)("ph.stacks", stack_nodes, new_cap * sizeof(StackNode *));
   sites = VG_(realloc)("ph.sites", sites, new_cap * sizeof(SiteStats));
   VG_(memset)(sites + stacks_cap, 0, (new_cap - stacks_cap) * sizeof(SiteStats));
   stacks_cap = new_cap;
}

static UInt intern_stack(UInt parent, Int fid)
{
   StackNode probe, *n;
   probe.parent = parent;
   probe.fid = fid;
   probe.key = ((UWord)parent * 0x9E3779B97F4A7C15UL) ^ (UWord)fid;
   n = VG_(HT_gen_lookup)(stack_table, &probe, cmp_stack);
   if (n)
      return n->kid;
   if (n_stacks == stacks_cap)
      grow_stacks();
   n = VG_(malloc)("ph.stack", sizeof(StackNode));
   *n = probe;
   n->kid = n_stacks++;
   stack_nodes[n->kid] = n;
   VG_(HT_add_node)(stack_table, n);
   return n->kid;
}

//------------------------------------------------------------//
//--- The Python interpreter                               ---//
//------------------------------------------------------------//

static const PhPyLayout *py;         /* NULL: no usable interpreter */
static unsigned long py_version_hex;
static Bool  py_registered;          /* the preload found CPython */
static Addr  py_runtime;
static Addr  py_code_type, py_unicode_type, py_bytes_type;
static PhHooksState py_hooks = PH_HOOKS_NONE;
static Bool  py_finalizing;          /* finalisation started: exit snapshot taken */

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

static ThreadCache *thread_cache;
static UInt         thread_cache_n;

static ThreadCache *thread_cache_for(ThreadId tid)
{
   if (tid >= thread_cache_n) {
      UInt n = tid + 16;
      thread_cache = VG_(realloc)("ph.tcache", thread_cache, n * sizeof(ThreadCache));
      VG_(memset)(thread_cache + thread_cache_n, 0,
                  (n - thread_cache_n) * sizeof(ThreadCache));
      thread_cache_n = n;
   }
   if (thread_cache[tid].os_tid == 0)
      thread_cache[tid].os_tid = VG_(gettid)();
   return &thread_cache[tid];
}

static void forget_tstates(void)
{
   UInt i;
   for (i = 0; i < thread_cache_n; i++)
      thread_cache[i].tstate = 0;
}

static void forget_thread(ThreadId tid)
{
   if (tid < thread_cache_n)
      VG_(memset)(&thread_cache[tid], 0, sizeof(ThreadCache));
}

static void forget_all_threads(ThreadId tid)
{
   if (thread_cache_n > 0)
      VG_(memset)(thread_cache, 0, thread_cache_n * sizeof(ThreadCache));
}

/* Code objects: what a walk needs of one, read once.  An entry is dropped
   when its block is freed (the address may then hold another code
   object); that also invalidates every cached raw stack naming it. */
typedef struct _CodeInfo {
   struct _CodeInfo *next;
   UWord             key;        /* the code object's address */
   Int               file_sid;
   Int               func_sid;
   Int               firstlineno;
   UInt              lt_len;
   UChar            *linetable;  /* a copy of co_linetable */
   Addr              code_start; /* &co_code_adaptive[0] */
} CodeInfo;

static VgHashTable *code_table;

//------------------------------------------------------------//
//--- Live blocks and arenas                               ---//
//------------------------------------------------------------//

/* Block flags: the block holds something the walker has cached. */
#define BF_TSTATE 1
#define BF_CODE   2

/* The live blocks, by address (ph_blocktable.c says why not VgHashTable). */
typedef PhBlock Block;
static PhBlockTable block_table;

typedef struct _Arena {
   struct _Arena *next;
   UWord          key;
   SizeT          szB;
   Bool           is_arena;      /* a pymalloc arena, not a frame-stack chunk */
} Arena;

static VgHashTable *arena_table;

/* pymalloc's arenas are 1 MiB (ARENA_BITS 20) from 3.10 on; the arena
   allocator also hands out the interpreter's frame-stack chunks (16 KiB
   and up), which are not arenas. */
#define PYMALLOC_ARENA_SZB ((SizeT)1 << 20)
/* pymalloc rounds requests up to its size classes, 16 bytes apart. */
#define PYMALLOC_SLOT_SZB(n) (((n) == 0 ? 16 : (((n) + 15) & ~(SizeT)15)))

//------------------------------------------------------------//
//--- Totals, the time and the exact peak                  ---//
//------------------------------------------------------------//

typedef struct {
   ULong cls_B[N_CLASSES];
   ULong cls_n[N_CLASSES];
   ULong arena_B;
   ULong arena_n;
   ULong pym_slot_B;             /* live pymalloc bytes, rounded to classes */
   ULong other_arena_B;          /* arena-allocator memory that is no arena */
} Totals;

static Totals cur;

static inline ULong heap_B(const Totals *t)
{
   return t->cls_B[ClsRaw] + t->cls_B[ClsPymalloc] + t->cls_B[ClsPyLarge];
}

static inline ULong heap_n(const Totals *t)
{
   return t->cls_n[ClsRaw] + t->cls_n[ClsPymalloc] + t->cls_n[ClsPyLarge];
}

static ULong guest_instrs_executed;
static ULong total_bytes_events;     /* bytes allocated + freed */

static ULong ph_now(void)
{
   switch (clo_time_unit) {
   case TimeI:  return guest_instrs_executed;
   case TimeMS: return VG_(read_millisecond_timer)();
   case TimeB:  return total_bytes_events;
   default:     tl_assert(0);
   }
}

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

/* The same by birth iteration, for mark snapshots (see "Iteration marks"). */
typedef struct {
   UInt  kid;
   UInt  cls;
   UInt  iter;
   ULong B;
   ULong n;
} MarkEntry;

typedef struct {
   UInt        n_entries;
   SiteEntry  *entries;
   UInt        n_typed;
   TypedEntry *typed;
   UInt        n_marked;
   MarkEntry  *marked;
} Detail;

/* The non-zero (stack, class) entries of ST[0 .. N_ST-1]: live ones, or
   totals over the run if TOTALS.  *N_OUT gets their number. */
static SiteEntry *site_entries(const SiteStats *st, UInt n_st, Bool totals, UInt *n_out)
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
   d->entries = site_entries(sites, n_stacks, False, &d->n_entries);
   return d;
}

static void free_detail(Detail *d)
{
   if (d == NULL)
      return;
   if (d->entries)
      VG_(free)(d->entries);
   if (d->typed)
      VG_(free)(d->typed);
   if (d->marked)
      VG_(free)(d->marked);
   VG_(free)(d);
}

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

static Detail *detail_at_peak(void)
{
   Long j;
   SiteStats *copy;
   Detail *d;

   /* Copy the live entries, undo the log (newest first), keep non-zero. */
   copy = VG_(malloc)("ph.peak.copy", n_stacks * sizeof(SiteStats));
   VG_(memcpy)(copy, sites, n_stacks * sizeof(SiteStats));
   for (j = (Long)peak_log_n - 1; j >= 0; j--) {
      const PeakLogEntry *e = &peak_log[j];
      copy[e->kid].live_B[e->cls] -= e->dB;
      copy[e->kid].live_n[e->cls] -= e->dn;
   }
   d = VG_(calloc)("ph.detail", 1, sizeof(Detail));
   d->entries = site_entries(copy, n_stacks, False, &d->n_entries);
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
   if (peak_log_n >= 2 * n_stacks + 1024) {
      /* The log now costs as much as a copy: make the copy. */
      peak_detail = detail_at_peak();
      peak_log_n = 0;
      n_peak_materialisations++;
   }
}

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
static UInt    n_open_regions;
static ULong   alloc_seq;             /* blocks allocated so far */
static ULong   peak_seq;              /* alloc_seq at the peak */

/* Every change to the live bytes goes through here. */
static void site_change(UInt kid, UInt cls, Long dB, Long dn)
{
   sites[kid].live_B[cls] += dB;
   sites[kid].live_n[cls] += dn;
   cur.cls_B[cls] += dB;
   cur.cls_n[cls] += dn;
   if (dB > 0 && n_open_regions > 0) {
      OpenRegion *r = VG_(indexXA)(open_regions, n_open_regions - 1);
      if (heap_B(&cur) > r->max_heap_B)
         r->max_heap_B = heap_B(&cur);
   }
   if (dB > 0 && heap_B(&cur) > heap_B(&peak)) {
      /* A new maximum: the peak is now. */
      peak = cur;
      peak_time = ph_now();
      peak_seen = True;
      peak_seq = alloc_seq;
      peak_log_n = 0;
      free_detail(peak_detail);
      peak_detail = NULL;
   } else if (peak_seen) {
      peak_log_change(kid, cls, dB, dn);
   }
}

//------------------------------------------------------------//
//--- Samples and snapshots                                ---//
//------------------------------------------------------------//

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

static Snapshot *series;              /* the culled time series */
static UInt      n_series;
static ULong     sample_interval;     /* in time units */
static ULong     next_sample_time;
static UInt      n_samples_taken;
static XArray   *user_snaps;          /* of Snapshot (user, region, mark), never culled */
static Snapshot  exit_snap;
static Bool      exit_snap_taken;

static void take_snapshot(Snapshot *s, SnapKind kind, ULong time)
{
   s->time = time;
   s->t = cur;
   s->kind = kind;
   s->label = NULL;
   s->mark_no = 0;
   s->detail = (kind == SnapSample) ? NULL : detail_from_sites();
}

/* Halve the series, keeping the first and the last sample, and double the
   spacing of samples from now on, as massif does. */
static void cull_series(void)
{
   UInt i, j = 0;
   for (i = 0; i < n_series; i++) {
      if (i == 0 || i == n_series - 1 || (i % 2) == 0)
         series[j++] = series[i];
      else
         free_detail(series[i].detail);
   }
   n_series = j;
   if (n_series >= 2) {
      ULong span = series[n_series - 1].time - series[0].time;
      sample_interval = 2 * span / clo_max_snapshots + 1;
   } else {
      sample_interval = sample_interval * 2 + 1;
   }
}

static void maybe_sample(void)
{
   ULong now = ph_now();
   if (now < next_sample_time)
      return;
   if (n_series == (UInt)clo_max_snapshots)
      cull_series();
   n_samples_taken++;
   take_snapshot(&series[n_series],
                 (n_samples_taken % clo_detailed_freq) == 0 ? SnapDetailed : SnapSample,
                 now);
   n_series++;
   next_sample_time = now + sample_interval;
}

static void scan_blocks(Detail *d, ULong min_seq, Bool want_sites);
static void scan_marks(Detail *d, UInt first_iter);
static UInt n_marks;

/* The live heap now as an exit snapshot: by type, and by birth iteration
   if the program made marks.  Also the "now" of detailed_snapshot. */
static void take_live_snapshot(Snapshot *s)
{
   take_snapshot(s, SnapExit, ph_now());
   scan_blocks(s->detail, 0, False);
   if (n_marks > 0)
      scan_marks(s->detail, 1);
}

static void take_exit_snapshot(void)
{
   if (exit_snap_taken)
      return;
   take_live_snapshot(&exit_snap);
   exit_snap_taken = True;
}

static void take_user_snapshot(const HChar *label)
{
   Snapshot s;
   take_snapshot(&s, SnapUser, ph_now());
   scan_blocks(s.detail, 0, False);
   s.label = VG_(strdup)("ph.label", label);
   VG_(addToXA)(user_snaps, &s);
}

/* The exact peak as a snapshot, for the writer: the materialised
   composition if there is one, else one made now from the change log.
   drop_peak_snapshot() frees what this made. */
static void take_peak_snapshot(Snapshot *s)
{
   VG_(memset)(s, 0, sizeof *s);
   s->kind = SnapPeak;
   s->time = peak_time;
   s->t = peak;
   s->detail = peak_detail ? peak_detail : detail_at_peak();
}

static void drop_peak_snapshot(Snapshot *s)
{
   if (s->detail != peak_detail)
      free_detail(s->detail);
   s->detail = NULL;
}

//------------------------------------------------------------//
//--- Walking the Python stack                             ---//
//------------------------------------------------------------//

/* The raw stack of an allocation, before interpretation: the native
   instruction addresses and, for each Python frame, the code object and
   the instruction pointer.  It is the key of a cache whose value is the
   interned stack, so the common case -- an allocation from a place seen
   before -- costs one walk and one hash look-up, and line tables are
   decoded only for new places. */

#define RAW_MAX_WORDS (1 + 2 * PH_MAX_DEPTH + PH_MAX_DEPTH)

static UWord raw_words[RAW_MAX_WORDS];
static UInt  raw_n_native;            /* native IPs, innermost first */
static UInt  raw_n_py;                /* Python frames, innermost first */
/* Layout of raw_words: [0] = raw_n_native, [1 .. n_native] the IPs,
   then (code, instr) pairs. */

typedef struct _RawStack {
   struct _RawStack *next;
   UWord             key;
   UInt              gen;
   UInt              kid;
   UInt              n_words;
   UWord             words[0];
} RawStack;

static VgHashTable *rawstack_table;
static UInt         rawstack_gen = 1;

/* The raw stacks resolved last, tried before the table.  Allocations
   come in runs from a few places: a loop body that allocates at three
   instructions goes round them in turn (a raw stack names the
   instruction, not only the line).  A look-up in the table hashes the
   whole raw stack; a miss here costs a comparison or two of one word.
   An entry is valid while its gen is rawstack_gen, like the table's. */
#define N_RECENT_STACKS 8

typedef struct {
   UInt  n_words;                     /* 0: empty */
   UInt  gen;
   UInt  kid;
   UWord words[RAW_MAX_WORDS];
} RecentStack;

static RecentStack recent_stacks[N_RECENT_STACKS];
static UInt        recent_last;       /* the entry that matched last */
static UInt        recent_next;       /* the entry to replace next */

/* The innermost frame of thread state TS.  Inside a walk. */
static Addr current_frame(Addr ts)
{
   Addr link = rd_word(ts + py->ts_cframe);
   if (py->cf_current_frame < 0)
      return link;                     /* 3.13+: no _PyCFrame */
   return rd_word(link + py->cf_current_frame);
}

/* Find the PyThreadState of the running thread.  Inside a walk. */
static Addr find_tstate(ThreadId tid)
{
   ThreadCache *tc = thread_cache_for(tid);
   Addr interp, ts, fallback = 0;
   Int guard = 0;

   if (tc->tstate != 0
       && (Int)rd_u32(tc->tstate + py->ts_native_thread_id) == tc->os_tid)
      return tc->tstate;
   tc->tstate = 0;
   for (interp = rd_word(py_runtime + py->rt_interpreters_head);
        interp != 0 && guard < 10000;
        interp = rd_word(interp + py->is_next)) {
      for (ts = rd_word(interp + py->is_threads_head);
           ts != 0 && guard < 10000;
           ts = rd_word(ts + py->ts_next), guard++) {
         if ((Int)rd_u32(ts + py->ts_native_thread_id) != tc->os_tid)
            continue;
         /* A thread state made for a thread that has not started yet
            still carries its creator's id: prefer one that runs code. */
         if (current_frame(ts) == 0) {
            if (fallback == 0)
               fallback = ts;
            continue;
         }
         tc->tstate = ts;
         {
            Block *b = ph_bt_lookup(&block_table, ts);
            if (b)
               b->flags |= BF_TSTATE;
         }
         return ts;
      }
   }
   return fallback;
}

/* Fill the Python part of raw_words.  Inside a walk. */
static void walk_python_frames(ThreadId tid)
{
   Addr tstate, frame, code, instr, first;
   UInt guard, owner;
   UWord *out = &raw_words[1 + raw_n_native];

   if (!py_finalizing && rd_word(py_runtime + py->rt_finalizing) != 0) {
      /* The program is done; the interpreter starts tearing down.  What
         is live now is what the program left behind: the exit snapshot is
         taken before this allocation is recorded (not here, inside a
         walk: the snapshot reads guest memory itself). */
      py_finalizing = True;
   }
   tstate = find_tstate(tid);
   if (tstate == 0)
      return;
   frame = current_frame(tstate);
   for (guard = 0; frame != 0 && raw_n_py < (UInt)clo_depth && guard < 100000; guard++) {
      code = rd_word(frame + py->fr_code) & ~py->fr_code_tag_bits;
      if (py_code_type != 0 && rd_word(code + py->ob_type) != py_code_type) {
         /* 3.13+: a frame may run something that is not a code object
            (or this is garbage): nothing to show for it. */
         frame = rd_word(frame + py->fr_previous);
         continue;
      }
      instr = rd_word(frame + py->fr_instr);
      owner = rd_u8(frame + py->fr_owner);
      if ((Int)owner == py->owner_cstack) {
         frame = rd_word(frame + py->fr_previous);
         continue;                     /* a shim between C and Python */
      }
      if (owner != py->owner_generator && py->co_firsttraceable >= 0) {
         /* A frame still being set up has not reached its first
            traceable instruction; CPython hides those too. */
         first = code + py->co_code_adaptive
                 + 2 * (Addr)(Int)rd_u32(code + py->co_firsttraceable);
         if (instr < first) {
            frame = rd_word(frame + py->fr_previous);
            continue;
         }
      }
      out[2 * raw_n_py] = code;
      out[2 * raw_n_py + 1] = instr;
      raw_n_py++;
      frame = rd_word(frame + py->fr_previous);
   }
}

/* Read a str object as UTF-8 and intern it.  Inside a walk. */
static Int read_str_sid(Addr obj)
{
   static UChar raw[4 * 1024];
   static HChar utf8[4 * 4 * 1024 + 1];
   UInt state, kind;
   UWord len;
   Addr data;
   SizeT n;

   if (obj == 0)
      return -1;
   if (py_unicode_type != 0 && rd_word(obj + py->ob_type) != py_unicode_type)
      return intern_str("?");
   state = rd_u32(obj + py->str_state);
   if (!(state & (1u << py->str_compact_bit)))
      return intern_str("?");          /* legacy string: not used for names */
   kind = (state >> py->str_kind_shift) & 7;
   if (kind != 1 && kind != 2 && kind != 4)
      return intern_str("?");
   len = rd_word(obj + py->str_length);
   data = obj + ((state & (1u << py->str_ascii_bit)) ? py->str_ascii_data
                                                     : py->str_compact_data);
   if (len > sizeof raw / kind)
      len = sizeof raw / kind;
   rd_bytes(raw, data, len * kind);
   n = ph_ucs_to_utf8(raw, kind, len, utf8, sizeof utf8);
   return intern_str_n(utf8, n);
}

static CodeInfo *code_info(Addr code)
{
   CodeInfo *ci = VG_(HT_lookup)(code_table, code);
   Addr lt;
   UWord lt_len;
   Block *b;

   if (ci)
      return ci;
   ci = VG_(calloc)("ph.code", 1, sizeof(CodeInfo));
   ci->key = code;
   /* Names stay "?" if a read below faults. */
   ci->file_sid = intern_str("?");
   ci->func_sid = ci->file_sid;
   ci->firstlineno = (Int)rd_u32(code + py->co_firstlineno);
   ci->code_start = code + py->co_code_adaptive;
   /* Insert first: if a read below faults, the entry stays with what was
      read, and the walk goes on from the next allocation. */
   VG_(HT_add_node)(code_table, ci);
   ci->file_sid = read_str_sid(rd_word(code + py->co_filename));
   ci->func_sid = read_str_sid(rd_word(code + py->co_qualname));
   if (ci->file_sid < 0)
      ci->file_sid = intern_str("?");
   if (ci->func_sid < 0)
      ci->func_sid = intern_str("?");
   lt = rd_word(code + py->co_linetable);
   if (lt != 0 && (py_bytes_type == 0 || rd_word(lt + py->ob_type) == py_bytes_type)) {
      lt_len = rd_word(lt + py->var_size);
      if (lt_len > (1 << 20))
         lt_len = 1 << 20;
      ci->linetable = VG_(malloc)("ph.code.lt", lt_len ? lt_len : 1);
      rd_bytes(ci->linetable, lt + py->bytes_sval, lt_len);
      ci->lt_len = lt_len;
   }
   /* Mark the block holding the code object (GC objects have a two-word
      header before the object), so that freeing it drops this entry. */
   b = ph_bt_lookup(&block_table, code);
   if (b == NULL)
      b = ph_bt_lookup(&block_table, code - 2 * sizeof(UWord));
   if (b)
      b->flags |= BF_CODE;
   return ci;
}

static void forget_code(Addr block_addr)
{
   CodeInfo *ci = VG_(HT_remove)(code_table, block_addr);
   if (ci == NULL)
      ci = VG_(HT_remove)(code_table, block_addr + 2 * sizeof(UWord));
   if (ci) {
      if (ci->linetable)
         VG_(free)(ci->linetable);
      VG_(free)(ci);
   }
   rawstack_gen++;                     /* cached raw stacks may name it */
}

//------------------------------------------------------------//
//--- What the live blocks are: scans and object types      ---//
//------------------------------------------------------------//

/* Some snapshots look at every live block: the exit and user snapshots,
   to say which Python types hold the memory, and region snapshots, which
   keep only the blocks born inside the region.

   Is a block a Python object, and of what type?  CPython places an object
   at the start of its block, or after the GC header (two words) for a
   type with Py_TPFLAGS_HAVE_GC, or after the GC header and two more words
   when the type keeps its __dict__ (and, from 3.12, its weak references)
   before the object (Py_TPFLAGS_MANAGED_DICT, MANAGED_WEAKREF).  For each
   candidate place, the word after the reference count must point to a
   type object -- one that is ready and whose own type is `type` or a
   subclass of it (Py_TPFLAGS_TYPE_SUBCLASS), with a printable name -- whose
   flags agree with that place.  Anything else (a list's item array, a
   dict's keys, C data) has no type and is reported as such.  PyTypeObject
   is public API and tp_name and tp_flags have kept their offsets (24 and
   168) since Python 3.8. */

#define TP_NAME_OFF          24
#define TP_FLAGS_OFF         168
#define TPFLAG_HAVE_GC       (1UL << 14)
#define TPFLAG_READY         (1UL << 12)
#define TPFLAG_TYPE_SUBCLASS (1UL << 31)
#define TPFLAG_PREHEADER     ((1UL << 4) | (1UL << 3))

static Addr py_type_type;
static VgHashTable *type_table;       /* type object address -> name sid */

typedef struct _TypeName {
   struct _TypeName *next;
   UWord             key;
   Int               sid;
} TypeName;

/* The name of the type object T, or -1 if T is not one.  Inside a read. */
static Int type_name_sid(Addr t)
{
   TypeName *tn;
   Addr meta, name;
   HChar buf[128];
   UInt i;

   if (t == 0 || (t & 7) != 0)
      return -1;
   tn = VG_(HT_lookup)(type_table, t);
   if (tn)
      return tn->sid;
   meta = rd_word(t + 8);
   if (meta != py_type_type
       && (meta == 0 || !(rd_word(meta + TP_FLAGS_OFF) & TPFLAG_TYPE_SUBCLASS)))
      return -1;
   if (!(rd_word(t + TP_FLAGS_OFF) & TPFLAG_READY))
      return -1;
   name = rd_word(t + TP_NAME_OFF);
   for (i = 0; i + 1 < sizeof buf; i++) {
      buf[i] = (HChar)rd_u8(name + i);
      if (buf[i] == 0)
         break;
      if ((UChar)buf[i] < 0x20 || (UChar)buf[i] == 0x7f)
         return -1;
   }
   buf[i] = 0;
   if (i == 0 || !ph_is_utf8(buf, i))
      return -1;
   tn = VG_(malloc)("ph.typename", sizeof(TypeName));
   tn->key = t;
   tn->sid = intern_str(buf);
   VG_(HT_add_node)(type_table, tn);
   return tn->sid;
}

/* The type of the object in block B, or -1.  Inside a read. */
static Int block_type_sid(const Block *b)
{
   static const UInt offsets[] = { 0, 2 * sizeof(UWord), 4 * sizeof(UWord) };
   UInt i;
   for (i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
      Addr obj = b->addr + offsets[i];
      UWord refcnt, flags;
      Int sid;
      if (offsets[i] + 2 * sizeof(UWord) > b->szB)
         break;
      refcnt = rd_word(obj);
      if (refcnt == 0 || refcnt > (1UL << 40))
         continue;
      sid = type_name_sid(rd_word(obj + 8));
      if (sid < 0)
         continue;
      flags = rd_word(rd_word(obj + 8) + TP_FLAGS_OFF);
      if (i == 0 && !(flags & TPFLAG_HAVE_GC))
         return sid;
      if (i == 1 && (flags & TPFLAG_HAVE_GC) && !(flags & TPFLAG_PREHEADER))
         return sid;
      if (i == 2 && (flags & TPFLAG_HAVE_GC) && (flags & TPFLAG_PREHEADER))
         return sid;
   }
   return -1;
}

typedef struct _ScanAgg {
   struct _ScanAgg *next;
   UWord            key;
   UInt             kid;
   UInt             cls;
   Int              type_sid;
   ULong            B;
   ULong            n;
} ScanAgg;

static Word cmp_scan_agg(const void *a, const void *b)
{
   const ScanAgg *x = a, *y = b;
   return (x->kid == y->kid && x->cls == y->cls && x->type_sid == y->type_sid) ? 0 : 1;
}

static void scan_add(VgHashTable *t, UInt kid, UInt cls, Int type_sid, SizeT szB)
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
      VG_(HT_add_node)(t, a);
   }
   a->B += szB;
   a->n += 1;
}

/* Scan the live blocks born at allocation number MIN_SEQ or later into D:
   by type always (Python blocks only), by stack too if WANT_SITES. */
typedef struct {
   const Block *b;
   Int          type_sid;
} TypeProbe;

static void probe_type(void *arg)
{
   TypeProbe *t = arg;
   t->type_sid = block_type_sid(t->b);
}

static void scan_blocks(Detail *d, ULong min_seq, Bool want_sites)
{
   VgHashTable *by_type = VG_(HT_construct)("ph.scan.types");
   VgHashTable *by_site = want_sites ? VG_(HT_construct)("ph.scan.sites") : NULL;
   UWord i;
   UInt n, j;
   ScanAgg *a;

   for (i = 0; i <= block_table.mask; i++) {
      const Block *b = &block_table.slots[i];
      TypeProbe t;
      if (b->addr == 0 || b->seq < min_seq)
         continue;
      if (by_site)
         scan_add(by_site, b->kid, b->cls, -1, b->szB);
      if (b->cls == ClsRaw || py == NULL)
         continue;
      t.b = b;
      t.type_sid = -1;                 /* stays -1 if a read faults */
      guarded(probe_type, &t);
      scan_add(by_type, b->kid, b->cls, t.type_sid, b->szB);
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

static void region_begin(const HChar *label)
{
   OpenRegion r;
   r.label = VG_(strdup)("ph.region", label);
   r.start_seq = alloc_seq + 1;
   r.start_heap_B = heap_B(&cur);
   r.max_heap_B = heap_B(&cur);
   if (n_open_regions < VG_(sizeXA)(open_regions))
      *(OpenRegion *)VG_(indexXA)(open_regions, n_open_regions) = r;
   else
      VG_(addToXA)(open_regions, &r);
   n_open_regions++;
}

/* Close the innermost region; fill the guest's PyheapRegionStats at
   STATS (if not 0).  Returns the bytes it left live. */
static ULong region_end(Addr stats)
{
   OpenRegion *r;
   Snapshot s;
   ULong live_B = 0, live_n = 0;
   UInt j;

   if (n_open_regions == 0) {
      VG_(umsg)("pyheap: warning: region end without a region begin: ignored\n");
      return 0;
   }
   n_open_regions--;
   r = VG_(indexXA)(open_regions, n_open_regions);
   if (n_open_regions > 0) {
      OpenRegion *outer = VG_(indexXA)(open_regions, n_open_regions - 1);
      if (r->max_heap_B > outer->max_heap_B)
         outer->max_heap_B = r->max_heap_B;
   }
   take_snapshot(&s, SnapRegion, ph_now());
   scan_blocks(s.detail, r->start_seq, True);
   s.label = r->label;
   VG_(addToXA)(user_snaps, &s);
   for (j = 0; j < s.detail->n_entries; j++) {
      live_B += s.detail->entries[j].B;
      live_n += s.detail->entries[j].n;
   }
   if (stats != 0) {
      PyheapRegionStats out;
      out.live_bytes = live_B;
      out.live_blocks = live_n;
      out.peak_increase = r->max_heap_B - r->start_heap_B;
      write_guest(stats, &out, sizeof out);
   }
   return live_B;
}

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

static ULong *mark_seq;               /* [k-1]: alloc_seq at mark k */
static UInt   mark_seq_cap;
static UInt   mark_b_stride = 1;

/* The birth iteration of the block born at allocation number SEQ. */
static UInt birth_iter(ULong seq)
{
   UInt lo = 0, hi = n_marks;
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
static void scan_marks(Detail *d, UInt first_iter)
{
   VgHashTable *by_iter = VG_(HT_construct)("ph.scan.iters");
   ULong min_seq = first_iter <= 1 ? 0 : mark_seq[first_iter - 2] + 1;
   UWord i;
   UInt n, j;
   ScanAgg *a;

   tl_assert(first_iter <= n_marks + 1);
   for (i = 0; i <= block_table.mask; i++) {
      const Block *b = &block_table.slots[i];
      if (b->addr == 0 || b->seq < min_seq)
         continue;
      /* The aggregate's third key holds the iteration here. */
      scan_add(by_iter, b->kid, b->cls, (Int)birth_iter(b->seq), b->szB);
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

static void take_mark(const HChar *label)
{
   Snapshot s;
   UInt first, i;

   if (n_marks == mark_seq_cap) {
      mark_seq_cap = mark_seq_cap ? 2 * mark_seq_cap : 256;
      mark_seq = VG_(realloc)("ph.markseq", mark_seq, mark_seq_cap * sizeof(ULong));
   }
   mark_seq[n_marks++] = alloc_seq;
   take_snapshot(&s, SnapMark, ph_now());
   s.label = VG_(strdup)("ph.label", label);
   s.mark_no = n_marks;
   first = n_marks > (UInt)clo_mark_window ? n_marks - clo_mark_window + 1 : 1;
   scan_marks(s.detail, first);
   if (n_marks % mark_b_stride != 0)
      drop_sites(s.detail);
   VG_(addToXA)(user_snaps, &s);

   if (n_marks / mark_b_stride > (UInt)clo_max_mark_snapshots) {
      /* One mark too many keeps the whole heap: thin them out. */
      mark_b_stride *= 2;
      for (i = 0; i < VG_(sizeXA)(user_snaps); i++) {
         Snapshot *m = VG_(indexXA)(user_snaps, i);
         if (m->kind == SnapMark && m->mark_no % mark_b_stride != 0)
            drop_sites(m->detail);
      }
   }
}

//------------------------------------------------------------//
//--- Native frames                                        ---//
//------------------------------------------------------------//

#define IPF_ALLOC   1   /* an allocator function: not shown */
#define IPF_EVAL    2   /* CPython's eval loop: Python frames take over */
#define IPF_PRELOAD 4   /* in pyheap's preload: malloc replacement, hooks */
#define IPF_BELOW_MAIN 8 /* the C library's start-up code below main() */

typedef struct _IpInfo {
   struct _IpInfo *next;
   UWord           key;          /* the address looked up */
   Int             fid;
   UInt            flags;
} IpInfo;

static VgHashTable *ip_table;

/* Functions whose frames are left out at the top of a native stack. */
static const HChar *const alloc_fns[] = {
   "malloc", "calloc", "realloc", "free", "memalign", "posix_memalign",
   "aligned_alloc", "valloc", "pvalloc", "malloc_usable_size",
   "reallocarray", "strdup", "strndup",
   "PyMem_RawMalloc", "PyMem_RawCalloc", "PyMem_RawRealloc",
   "_PyMem_RawMalloc", "_PyMem_RawCalloc", "_PyMem_RawRealloc",
   "PyMem_Malloc", "PyMem_Calloc", "PyMem_Realloc",
   "PyObject_Malloc", "PyObject_Calloc", "PyObject_Realloc",
   "_PyObject_Malloc", "_PyObject_Calloc", "_PyObject_Realloc",
   "pymalloc_alloc", "pymalloc_realloc", "_PyObject_ArenaMmap",
   "_PyMem_DebugRawAlloc", "_PyMem_DebugRawMalloc", "_PyMem_DebugRawCalloc",
   "_PyMem_DebugRawRealloc", "_PyMem_DebugMalloc", "_PyMem_DebugCalloc",
   "_PyMem_DebugRealloc",
};

static Bool is_alloc_fn(const HChar *name)
{
   UInt i;
   if (VG_(strncmp)(name, "operator new", 12) == 0
       || VG_(strncmp)(name, "_vgr", 4) == 0)
      return True;
   for (i = 0; i < sizeof alloc_fns / sizeof alloc_fns[0]; i++)
      if (VG_(strcmp)(name, alloc_fns[i]) == 0)
         return True;
   return False;
}

static IpInfo *ip_info(Addr ip)
{
   IpInfo *ii = VG_(HT_lookup)(ip_table, ip);
   const HChar *fn = NULL, *file = NULL, *dir = NULL, *obj = NULL;
   UInt line = 0;
   DiEpoch ep;
   Frame *f;

   if (ii)
      return ii;
   ep = VG_(current_DiEpoch)();
   ii = VG_(malloc)("ph.ip", sizeof(IpInfo));
   ii->key = ip;
   ii->flags = 0;
   f = new_frame(FrameNative);
   f->ip = ip;
   f->func_sid = VG_(get_fnname)(ep, ip, &fn) ? intern_str(fn) : -1;
   f->file_sid = -1;
   if (VG_(get_filename_linenum)(ep, ip, &file, &dir, &line)) {
      if (dir && dir[0]) {
         HChar *path = VG_(malloc)("ph.path", VG_(strlen)(dir) + VG_(strlen)(file) + 2);
         VG_(sprintf)(path, "%s/%s", dir, file);
         f->file_sid = intern_str(path);
         VG_(free)(path);
      } else {
         f->file_sid = intern_str(file);
      }
      f->line = line;
   }
   if (VG_(get_objname)(ep, ip, &obj)) {
      f->obj_sid = intern_str(obj);
      if (VG_(strstr)(obj, "vgpreload_") != NULL)
         ii->flags |= IPF_PRELOAD;
   }
   if (VG_(get_fnname_kind_from_IP)(ep, ip) == Vg_FnNameBelowMain)
      ii->flags |= IPF_BELOW_MAIN;
   if (fn != NULL) {
      if (is_alloc_fn(fn))
         ii->flags |= IPF_ALLOC;
      if (VG_(strcmp)(fn, "_PyEval_EvalFrameDefault") == 0)
         ii->flags |= IPF_EVAL;
   }
   ii->fid = f->fid;
   VG_(HT_add_node)(ip_table, ii);
   return ii;
}

/* Fill the native part of raw_words: the stack below the allocator
   functions, innermost first; with Python frames present, only the part
   below the innermost eval loop. */
static void walk_native_frames(ThreadId tid, Bool stop_at_eval)
{
   Addr ips[PH_MAX_DEPTH + 16];
   UInt n, i, skip = 0;

   n = VG_(get_StackTrace)(tid, ips, clo_depth + 16, NULL, NULL, 0);
   /* Return addresses point after the call: look up the call itself. */
   for (i = 1; i < n; i++)
      ips[i] -= 1;
   /* The allocation's own frames are not shown: the malloc replacement,
      and when a Python hook is below it, the interpreter's allocator
      between the two (in a stripped binary it has no names to match). */
   for (i = 0; i < n && i < 12; i++)
      if (ip_info(ips[i])->flags & IPF_PRELOAD)
         skip = i + 1;
   while (skip < n && (ip_info(ips[skip])->flags & (IPF_ALLOC | IPF_PRELOAD)))
      skip++;
   raw_n_native = 0;
   for (i = skip; i < n && raw_n_native < (UInt)clo_depth; i++) {
      UInt flags = ip_info(ips[i])->flags;
      /* Stop at the eval loop (Python frames take over) and at the C
         library's code that calls main(): beyond it the unwinder reads
         the bottom of the stack, which holds no frames. */
      if ((stop_at_eval && (flags & IPF_EVAL)) || (flags & IPF_BELOW_MAIN))
         break;
      raw_words[1 + raw_n_native++] = ips[i];
   }
}

//------------------------------------------------------------//
//--- The stack of an allocation                           ---//
//------------------------------------------------------------//

static UWord hash_words(const UWord *w, UInt n)
{
   UWord h = 0x9E3779B97F4A7C15UL;
   UInt i;
   for (i = 0; i < n; i++) {
      h ^= w[i];
      h *= 0xFF51AFD7ED558CCDUL;
      h ^= h >> 29;
   }
   return h;
}

/* Raw stacks are compared at every event: word by word (VG_(memcmp)
   goes byte by byte). */
static inline Bool words_equal(const UWord *a, const UWord *b, UInt n)
{
   UInt i;
   for (i = 0; i < n; i++)
      if (a[i] != b[i])
         return False;
   return True;
}

static inline void copy_words(UWord *dst, const UWord *src, UInt n)
{
   UInt i;
   for (i = 0; i < n; i++)
      dst[i] = src[i];
}

static Word cmp_rawstack(const void *a, const void *b)
{
   const RawStack *x = a, *y = b;
   if (x->n_words != y->n_words)
      return 1;
   return words_equal(x->words, y->words, x->n_words) ? 0 : 1;
}

/* Interpret raw_words into an interned stack.  Python frames are the
   callers (outermost first), native frames come below them. */
static UInt resolve_raw_stack(void)
{
   UInt kid = 0, i, n_py = raw_n_py, n_native = raw_n_native;
   const UWord *pairs = &raw_words[1 + n_native];

   /* Keep the innermost --depth frames. */
   if (n_native + n_py > (UInt)clo_depth)
      n_py = clo_depth > (Int)n_native ? clo_depth - n_native : 0;
   for (i = n_py; i > 0; i--) {
      Addr code = pairs[2 * (i - 1)], instr = pairs[2 * (i - 1) + 1];
      CodeInfo *ci = code_info(code);
      Int line = ph_linetable_addr2line(ci->linetable, ci->lt_len, ci->firstlineno,
                                        (Int)(instr - ci->code_start));
      kid = intern_stack(kid, intern_py_frame(ci->file_sid, line < 0 ? 0 : line,
                                              ci->func_sid));
   }
   for (i = n_native; i > 0; i--)
      kid = intern_stack(kid, ip_info(raw_words[i])->fid);
   return kid;
}

static void remember_raw_stack(UInt n_words, UInt kid)
{
   RecentStack *r = &recent_stacks[recent_next];
   copy_words(r->words, raw_words, n_words);
   r->n_words = n_words;
   r->gen = rawstack_gen;
   r->kid = kid;
   recent_last = recent_next;
   recent_next = (recent_next + 1) % N_RECENT_STACKS;
}

/* Is raw_words one of the recent stacks?  Starts with the last match. */
static inline Bool recent_stack_kid(UInt n_words, UInt *kid)
{
   UInt i, j = recent_last;
   for (i = 0; i < N_RECENT_STACKS; i++) {
      const RecentStack *r = &recent_stacks[j];
      if (r->n_words == n_words && r->gen == rawstack_gen
          && words_equal(r->words, raw_words, n_words)) {
         recent_last = j;
         *kid = r->kid;
         return True;
      }
      j = (j + 1) % N_RECENT_STACKS;
   }
   return False;
}

/* Fill raw_words with the stack of the running thread.  Run guarded: a
   read that faults ends the walk, and the frames found so far stay. */
static void walk_stack(void *arg)
{
   ThreadId tid = *(const ThreadId *)arg;

   if (py != NULL)
      walk_python_frames(tid);
   if (raw_n_py == 0 || clo_native) {
      /* Native frames when there is no Python frame (C program, C code
         outside the interpreter), or when asked for.  Move the Python
         pairs out of the way first. */
      UWord pairs[2 * PH_MAX_DEPTH];
      UInt n_py = raw_n_py;
      VG_(memcpy)(pairs, &raw_words[1], 2 * n_py * sizeof(UWord));
      raw_n_py = 0;
      walk_native_frames(tid, n_py > 0);
      VG_(memcpy)(&raw_words[1 + raw_n_native], pairs, 2 * n_py * sizeof(UWord));
      raw_n_py = n_py;
   }
}

/* Resolve raw_words into *ARG (a UInt kid).  Run guarded: it reads code
   objects. */
static void resolve_stack(void *arg)
{
   *(UInt *)arg = resolve_raw_stack();
}

/* The stack of the allocation the running thread is making. */
static UInt capture_stack(ThreadId tid)
{
   /* Look raw stacks up without allocating. */
   static UWord probe_buf[(sizeof(RawStack) / sizeof(UWord)) + RAW_MAX_WORDS + 1];
   RawStack *p = (RawStack *)probe_buf, *rs;
   UInt n_words, kid = 0;

   raw_n_native = 0;
   raw_n_py = 0;
   if (!guarded(walk_stack, &tid) && raw_n_py + raw_n_native == 0)
      return 0;                        /* a read faulted before any frame */
   raw_words[0] = raw_n_native;
   n_words = 1 + raw_n_native + 2 * raw_n_py;
   if (recent_stack_kid(n_words, &kid)) {
      n_rawstack_hits++;
      n_rawstack_recent_hits++;
      return kid;
   }
   p->n_words = n_words;
   copy_words(p->words, raw_words, n_words);
   p->key = hash_words(raw_words, n_words);
   rs = VG_(HT_gen_lookup)(rawstack_table, p, cmp_rawstack);
   if (rs != NULL && rs->gen == rawstack_gen) {
      n_rawstack_hits++;
      remember_raw_stack(n_words, rs->kid);
      return rs->kid;
   }
   if (rs != NULL) {
      /* Stale: a code object it names was freed.  Resolve again. */
      VG_(HT_remove)(rawstack_table, rs->key);
      /* HT_remove removes the first node with that key, which may be
         another raw stack with the same hash: put that one back. */
      if (cmp_rawstack(rs, p) != 0) {
         VG_(HT_add_node)(rawstack_table, rs);
      } else {
         VG_(free)(rs);
      }
   }
   n_rawstack_misses++;
   if (!guarded(resolve_stack, &kid))
      return 0;                        /* a code object's read faulted: give up */
   rs = VG_(malloc)("ph.rawstack", sizeof(RawStack) + n_words * sizeof(UWord));
   rs->key = p->key;
   rs->gen = rawstack_gen;
   rs->kid = kid;
   rs->n_words = n_words;
   copy_words(rs->words, raw_words, n_words);
   VG_(HT_add_node)(rawstack_table, rs);
   remember_raw_stack(n_words, kid);
   return kid;
}

//------------------------------------------------------------//
//--- Recording blocks                                     ---//
//------------------------------------------------------------//

static void account_alloc(const Block *b)
{
   sites[b->kid].tot_B[b->cls] += b->szB;
   sites[b->kid].tot_n[b->cls] += 1;
   if (b->cls == ClsPymalloc)
      cur.pym_slot_B += PYMALLOC_SLOT_SZB(b->szB);
   site_change(b->kid, b->cls, (Long)b->szB, 1);
}

static void account_free(const Block *b)
{
   if (b->cls == ClsPymalloc)
      cur.pym_slot_B -= PYMALLOC_SLOT_SZB(b->szB);
   site_change(b->kid, b->cls, -(Long)b->szB, -1);
}

/* What the walker cached about the block's contents is stale: the block
   is gone, or holds a new object. */
static void forget_contents(const Block *b)
{
   if (b->flags & BF_TSTATE)
      forget_tstates();
   if (b->flags & BF_CODE)
      forget_code(b->addr);
}

/* A block removed from the table (B is a copy) is gone. */
static void unrecord_block(const Block *b)
{
   total_bytes_events += b->szB;
   account_free(b);
   forget_contents(b);
   maybe_sample();
}

static void record_block(ThreadId tid, Addr p, SizeT szB, BlockClass cls)
{
   Block old, copy, *b;
   Int had_old;
   UInt kid;

   ph_bt_prefetch(&block_table, p);    /* loads while the stack is walked */
   kid = capture_stack(tid);

   if (py_finalizing && !exit_snap_taken)
      take_exit_snapshot();
   b = ph_bt_insert(&block_table, p, &old, &had_old);
   b->szB = szB;
   b->cls = cls;
   b->kid = kid;
   b->seq = ++alloc_seq;
   copy = *b;
   if (had_old) {
      /* A block the tool thought live sat here: an event was missed (a
         free made before the hooks were in place, or memory released
         behind the allocator's back).  It is gone now. */
      n_stale_blocks++;
      unrecord_block(&old);
   }
   total_bytes_events += szB;
   account_alloc(&copy);
   maybe_sample();
}

/* Re-file a live block.  This corrects what was known of the block when
   it was allocated; it is not a change of the heap.  So if the block was
   already live at the peak, the peak is corrected too (the hook's report
   often arrives just after the malloc that made the peak), rather than
   the correction being logged as a change made after the peak. */
static void reclassify(Block *b, BlockClass cls)
{
   UInt kid = b->kid, old = b->cls, i;
   UInt n_log = peak_log_n;
   Bool found = False;

   sites[kid].tot_B[old] -= b->szB;
   sites[kid].tot_n[old] -= 1;
   sites[kid].tot_B[cls] += b->szB;
   sites[kid].tot_n[cls] += 1;
   site_change(kid, old, -(Long)b->szB, -1);
   site_change(kid, cls, (Long)b->szB, 1);
   b->cls = cls;
   n_reclassified++;
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
//--- malloc() et al replacement wrappers                  ---//
//------------------------------------------------------------//

static void note_raw_alloc(ThreadId tid, Addr p, SizeT szB)
{
   ThreadCache *tc = thread_cache_for(tid);
   tc->last_raw = p;
   tc->last_raw_szB = szB;
}

static void *alloc_and_record(ThreadId tid, SizeT szB, SizeT align, Bool zero)
{
   void *p;
   if ((SSizeT)szB < 0)
      return NULL;
   p = VG_(cli_malloc)(align, szB);
   if (p == NULL)
      return NULL;
   if (zero)
      VG_(memset)(p, 0, szB);
   n_allocs++;
   record_block(tid, (Addr)p, szB, ClsRaw);
   note_raw_alloc(tid, (Addr)p, szB);
   return p;
}

static void free_and_unrecord(void *p)
{
   Block b;
   if (!ph_bt_remove(&block_table, (Addr)p, &b))
      return;                  /* not ours: a bogus free, ignore it */
   n_frees++;
   unrecord_block(&b);
   VG_(cli_free)(p);
}

static void *ph_malloc(ThreadId tid, SizeT szB)
{
   return alloc_and_record(tid, szB, VG_(clo_alignment), False);
}

static void *ph___builtin_new(ThreadId tid, SizeT szB)
{
   return alloc_and_record(tid, szB, VG_(clo_alignment), False);
}

static void *ph___builtin_vec_new(ThreadId tid, SizeT szB)
{
   return alloc_and_record(tid, szB, VG_(clo_alignment), False);
}

static void *ph_calloc(ThreadId tid, SizeT m, SizeT szB)
{
   if (szB != 0 && m > (SizeT)-1 / szB)
      return NULL;             /* the product overflows */
   return alloc_and_record(tid, m * szB, VG_(clo_alignment), True);
}

/* Valgrind 3.21 gave memalign and aligned new one more argument: the
   alignment the program asked for, before the core rounded it up to what
   it can serve (configure finds out which interface these headers have).
   pyheap records the block it hands out, so it needs only the served one. */
#if defined(PH_MALLOC_API_ORIG_ALIGN)
static void *ph_memalign(ThreadId tid, SizeT align, SizeT orig_align, SizeT szB)
{
   return alloc_and_record(tid, szB, align, False);
}

static void *ph___builtin_new_aligned(ThreadId tid, SizeT szB, SizeT align, SizeT orig_align)
{
   return alloc_and_record(tid, szB, align, False);
}

static void *ph___builtin_vec_new_aligned(ThreadId tid, SizeT szB, SizeT align,
                                          SizeT orig_align)
{
   return alloc_and_record(tid, szB, align, False);
}

static void ph___builtin_delete_aligned(ThreadId tid, void *p, SizeT align)
{
   free_and_unrecord(p);
}

static void ph___builtin_vec_delete_aligned(ThreadId tid, void *p, SizeT align)
{
   free_and_unrecord(p);
}
#else
static void *ph_memalign(ThreadId tid, SizeT align, SizeT szB)
{
   return alloc_and_record(tid, szB, align, False);
}

static void *ph___builtin_new_aligned(ThreadId tid, SizeT szB, SizeT align)
{
   return alloc_and_record(tid, szB, align, False);
}

static void *ph___builtin_vec_new_aligned(ThreadId tid, SizeT szB, SizeT align)
{
   return alloc_and_record(tid, szB, align, False);
}

static void ph___builtin_delete_aligned(ThreadId tid, void *p, SizeT align)
{
   free_and_unrecord(p);
}

static void ph___builtin_vec_delete_aligned(ThreadId tid, void *p, SizeT align)
{
   free_and_unrecord(p);
}
#endif

static void ph_free(ThreadId tid, void *p)
{
   free_and_unrecord(p);
}

static void ph___builtin_delete(ThreadId tid, void *p)
{
   free_and_unrecord(p);
}

static void ph___builtin_vec_delete(ThreadId tid, void *p)
{
   free_and_unrecord(p);
}

/* realloc: a new block, the contents copied, the old block freed -- as
   seen by the program, and so as recorded (new stack, new time). */
static void *ph_realloc(ThreadId tid, void *p_old, SizeT new_szB)
{
   Block *b;
   void *p_new;

   if (p_old == NULL)
      return ph_malloc(tid, new_szB);
   b = ph_bt_lookup(&block_table, (Addr)p_old);
   if (b == NULL)
      return NULL;             /* not a block of ours */
   p_new = VG_(cli_malloc)(VG_(clo_alignment), new_szB);
   if (p_new == NULL)
      return NULL;             /* the old block stays valid */
   VG_(memcpy)(p_new, p_old, b->szB < new_szB ? b->szB : new_szB);
   free_and_unrecord(p_old);
   n_allocs++;
   record_block(tid, (Addr)p_new, new_szB, ClsRaw);
   note_raw_alloc(tid, (Addr)p_new, new_szB);
   return p_new;
}

static SizeT ph_malloc_usable_size(ThreadId tid, void *p)
{
   Block *b = ph_bt_lookup(&block_table, (Addr)p);
   return b ? b->szB : 0;
}

//------------------------------------------------------------//
//--- Reports from the Python allocator hooks              ---//
//------------------------------------------------------------//

/* Which block a Python hook reports.  A request that fell through to
   malloc was seen first, as this thread's last malloc block: the report
   names it -- or, when CPython's debug hooks are on (PYTHONMALLOC=debug,
   -X dev), a pointer a few words into it, past the debug header (one per
   hooked domain the request went through).  Anything else was served by
   pymalloc.  So the common case, a pymalloc block, needs no look-up. */
#define PY_DEBUG_MAX_HEAD_SZB (8 * sizeof(UWord))

static Block *underlying_malloc_block(ThreadId tid, Addr p, SizeT szB)
{
   ThreadCache *tc = thread_cache_for(tid);
   Addr base = tc->last_raw;
   Block *b;

   if (base == 0 || p < base || p - base > PY_DEBUG_MAX_HEAD_SZB
       || base + tc->last_raw_szB < p + szB)
      return NULL;
   tc->last_raw = 0;
   b = ph_bt_lookup(&block_table, base);
   return (b != NULL && b->cls != ClsPymalloc) ? b : NULL;
}

static void py_alloc(ThreadId tid, Addr p, SizeT szB)
{
   Block *b = underlying_malloc_block(tid, p, szB);
   n_py_events++;
   if (b != NULL) {
      /* The request fell through to malloc, which we saw first. */
      if (b->cls == ClsRaw)
         reclassify(b, ClsPyLarge);
      return;
   }
   record_block(tid, p, szB, ClsPymalloc);
}

/* Forget the pymalloc block at P, if there is one.  A python-large block
   stays: the free() or realloc() that follows the report handles it. */
static void py_forget(Addr p)
{
   Block *b = ph_bt_lookup(&block_table, p), gone;
   if (b != NULL && b->cls == ClsPymalloc) {
      ph_bt_remove_slot(&block_table, b, &gone);
      unrecord_block(&gone);
   }
}

static void py_free(Addr p)
{
   n_py_events++;
   py_forget(p);
}

static void py_realloc(ThreadId tid, Addr p_old, Addr p_new, SizeT szB)
{
   /* A pymalloc block is gone: moved, or resized in place and recorded
      anew below. */
   if (p_old != 0)
      py_forget(p_old);
   py_alloc(tid, p_new, szB);
}

/* Objects that free lists keep and hand out again (3.13+; see
   ph_preload.c, "Objects a free list hands out again").

   An object destroyed into a free list is dead, but its block stays
   allocated: it is still heap, and the time series counts it, but no line
   of the program holds it.  It is filed under a stack of its own, one
   frame "<free lists>" (PH_EV_PY_DEAD): the bytes the interpreter keeps for
   reuse.  When a free list hands the object out again, the object is new
   and its block is born again, here: filed under the current stack, with
   a new allocation number (regions and marks count it as made now).  The
   heap does not change in either move, so the time in bytes does not
   move either; the moves are logged like any change after the peak.

   The tracer reports the object, which starts at its block or after the
   GC header and the managed dict and weakref words in front of it
   (PH_MAX_PREHEADER_SZB); blocks do not overlap, so the first block found
   below it either holds it or nothing does. */
static UInt dead_kid;               /* the "<free lists>" stack, once made */

static Block *object_block(Addr op)
{
   Block *b = NULL;
   UWord back;
   for (back = 0; back <= PH_MAX_PREHEADER_SZB && b == NULL; back += 16)
      b = ph_bt_lookup(&block_table, op - back);
   if (b == NULL || op >= b->addr + b->szB || b->cls == ClsRaw)
      return NULL;                  /* not made by Python's allocators */
   return b;
}

static void refile_block(Block *b, UInt kid)
{
   if (kid == b->kid)
      return;
   site_change(b->kid, b->cls, -(Long)b->szB, -1);
   site_change(kid, b->cls, (Long)b->szB, 1);
   b->kid = kid;
}

static void py_dead(Addr op)
{
   Block *b = object_block(op);
   if (b == NULL)
      return;
   n_dead++;
   if (dead_kid == 0)
      dead_kid = intern_stack(0, intern_py_frame(intern_str("<free lists>"), 0,
                                                 intern_str("")));
   refile_block(b, dead_kid);
}

static void py_reborn(ThreadId tid, Addr op)
{
   Block *b = object_block(op);
   UInt kid;

   n_reborn++;
   if (b == NULL) {
      n_reborn_unknown++;
      return;
   }
   kid = capture_stack(tid);
   /* capture_stack adds no block and removes none: b is still valid. */
   refile_block(b, kid);
   b->seq = ++alloc_seq;
   forget_contents(b);
   b->flags = 0;
}

/* Events from the preload.

   The domain hooks report through ph_event, an empty guest function (a
   bare `ret`, ph_preload.c), rather than through client requests: a
   client request leaves generated code, goes through the scheduler and
   comes back, ~70 ns an event, which on an allocation-heavy program was
   a third of the tool's time.  The preload tells us the function's
   address first thing (PH_REQ_EVENT_FN); from then on ph_instrument puts
   a dirty call to ph_event_handler at every IMark with that address,
   reading the argument registers.  The hooks call ph_event at the points
   where they used to make their client requests (after an allocation
   returned, before a free), so the events arrive in the same order.

   The handler runs inside generated code, which changes two things.

   - The stack walk reads guest memory with the fault catcher set.  The
     core asserts that no catcher is set while generated code runs
     (VG_(in_generated_code)); a fault here is our own read, not the
     program's, so the flag is cleared for the handler's duration and put
     back after.  The signal mask and the dispatcher are not affected: the
     catcher unblocks the signal and jumps back into the handler's own
     frames (capture_stack).  One thing does not come back by itself: the
     kernel runs a signal handler with a fresh FPU state (x87 control word
     0x37F), and jumping out of the handler skips the sigreturn that would
     restore ours.  The dispatcher checks on its way out that generated
     code left the x87 and SSE control words as it set them, and stops
     Valgrind ("host state invariant failure") if not.  So the handler
     saves both on entry and puts them back when a read faulted.
   - The guest state is up to date only where the IR says so: the dirty
     call declares that it reads RIP, RSP and RBP, so VEX writes them back
     before the call and the native unwinder starts from the right frame
     (ph_event's entry, in the preload, which the native walk skips). */
static Addr event_fn_addr;          /* ph_event's entry, or 0: not known yet */

/* The core's "a fault now is the guest's" flag (pub_core_scheduler.h). */
extern Bool VG_(in_generated_code);

static void ph_event_handler(UWord op, UWord a, UWord b, UWord c)
{
   ThreadId tid = VG_(get_running_tid)();
   Bool in_gen = VG_(in_generated_code);
   ULong faults = n_read_faults;
   UShort fpu_cw;
   UInt sse_csr;

   __asm__ __volatile__("fnstcw %0\n\tstmxcsr %1" : "=m"(fpu_cw), "=m"(sse_csr));
   VG_(in_generated_code) = False;
   switch (op) {
   case PH_EV_PY_ALLOC:
      py_alloc(tid, a, b);
      break;
   case PH_EV_PY_FREE:
      py_free(a);
      break;
   case PH_EV_PY_REALLOC:
      py_realloc(tid, a, b, c);
      break;
   case PH_EV_PY_REBORN:
      py_reborn(tid, a);
      break;
   case PH_EV_PY_DEAD:
      py_dead(a);
      break;
   default:
      n_bad_events++;
      break;
   }
   if (n_read_faults != faults)
      __asm__ __volatile__("fldcw %0\n\tldmxcsr %1" : : "m"(fpu_cw), "m"(sse_csr));
   VG_(in_generated_code) = in_gen;
}

static void set_event_fn(Addr a, UWord abi)
{
   if (abi != PH_EVENT_ABI || a == 0 || event_fn_addr != 0)
      return;
   event_fn_addr = a;
   /* A translation made before now has no call to the handler. */
   VG_(discard_translations_safely)(a, 1, "pyheap event function");
}

static void arena_alloc(Addr p, SizeT szB)
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
      cur.arena_B += szB;
      cur.arena_n++;
   } else {
      cur.other_arena_B += szB;
   }
}

static void arena_free(Addr p)
{
   Arena *a = VG_(HT_remove)(arena_table, p);
   if (a == NULL)
      return;
   if (a->is_arena) {
      cur.arena_B -= a->szB;
      cur.arena_n--;
   } else {
      cur.other_arena_B -= a->szB;
   }
   VG_(free)(a);
}

static void py_register(Addr info_addr)
{
   PhPyInfo info;
   /* Why the interpreter cannot be read: one warning line says it all. */
   const HChar *why = "not supported";
   VG_(memset)(&info, 0, sizeof info);
   read_guest(&info, info_addr, sizeof info);

   py_registered = True;
   py_version_hex = info.version_hex;
   py_runtime = info.runtime;
   py_code_type = info.code_type;
   py_unicode_type = info.unicode_type;
   py_bytes_type = info.bytes_type;
   if (info.info_szB >= sizeof(PhPyInfo))
      py_type_type = info.type_type;
   py = ph_py_layout_for(py_version_hex);
   if (py == NULL && py_version_hex >= PH_PY_DEBUG_OFFSETS_FROM && py_runtime != 0) {
      /* The interpreter publishes its offsets at the start of _PyRuntime. */
      static UChar runtime_head[PH_DEBUG_OFFSETS_READ_SZB];
      static PhPyLayout from_runtime;
      Bool ok = read_guest(runtime_head, py_runtime, sizeof runtime_head);
      Int rc;
      rc = ok ? ph_py_layout_from_debug_offsets(runtime_head, sizeof runtime_head,
                                                py_version_hex, &from_runtime)
              : PH_DO_SHORT;
      if (rc == PH_DO_OK)
         py = &from_runtime;
      else
         why = ph_debug_offsets_strerror(rc);
   }
   if (py_runtime == 0)
      why = "_PyRuntime was not found";
   if (py == NULL || py_runtime == 0) {
      py = NULL;
      if (py_version_hex == 0)
         VG_(umsg)("pyheap: warning: this Python is older than 3.11 and not "
                   "supported: profiling native frames only\n");
      else
         VG_(umsg)("pyheap: warning: Python %lu.%lu.%lu: %s: "
                   "profiling native frames only\n",
                   (py_version_hex >> 24) & 0xff, (py_version_hex >> 16) & 0xff,
                   (py_version_hex >> 8) & 0xff, why);
   }
}

//------------------------------------------------------------//
//--- Client requests                                      ---//
//------------------------------------------------------------//

static Bool handle_monitor_command(ThreadId tid, const HChar *req);

static Bool ph_handle_client_request(ThreadId tid, UWord *arg, UWord *ret)
{
   if (arg[0] == VG_USERREQ__GDB_MONITOR_COMMAND) {
      /* arg[1] is the gdbserver's copy of the command, not guest memory. */
      *ret = handle_monitor_command(tid, (const HChar *)arg[1]);
      return *ret != 0;
   }
   if (!VG_IS_TOOL_USERREQ('P', 'H', arg[0]))
      return False;
   *ret = 0;
   switch (arg[0]) {
   case PYHEAP_REQ_SNAPSHOT: {
      HChar label[PYHEAP_LABEL_MAX + 1];
      read_guest_label(arg[1], "snapshot", label);
      take_user_snapshot(label);
      return True;
   }
   case PYHEAP_REQ_RUNNING:
      *ret = 1;
      return True;
   case PYHEAP_REQ_REGION_BEGIN: {
      HChar label[PYHEAP_LABEL_MAX + 1];
      read_guest_label(arg[1], "region", label);
      region_begin(label);
      return True;
   }
   case PYHEAP_REQ_REGION_END:
      *ret = region_end(arg[1]);
      return True;
   case PYHEAP_REQ_MARK: {
      HChar label[PYHEAP_LABEL_MAX + 1];
      read_guest_label(arg[1], "iteration", label);
      take_mark(label);
      return True;
   }
   case PH_REQ_PY_REGISTER:
      py_register(arg[1]);
      return True;
   case PH_REQ_EVENT_FN:
      set_event_fn(arg[1], arg[2]);
      return True;
   case PH_REQ_ARENA_ALLOC:
      arena_alloc(arg[1], arg[2]);
      return True;
   case PH_REQ_ARENA_FREE:
      arena_free(arg[1]);
      return True;
   case PH_REQ_HOOKS_STATE:
      py_hooks = (PhHooksState)arg[1];
      return True;
   default:
      VG_(message)(Vg_UserMsg, "pyheap: unknown client request 0x%lx ignored\n", arg[0]);
      return False;
   }
}

//------------------------------------------------------------//
//--- Instrumentation                                      ---//
//------------------------------------------------------------//

/* With --time-unit=i, count guest instructions: before each exit of a
   superblock and at its end, add the number of instructions passed. */
static void add_instr_count(IRSB *sb, Int n)
{
   IRTemp t1 = newIRTemp(sb->tyenv, Ity_I64);
   IRTemp t2 = newIRTemp(sb->tyenv, Ity_I64);
   IRExpr *counter = mkIRExpr_HWord((HWord)&guest_instrs_executed);
   addStmtToIRSB(sb, IRStmt_WrTmp(t1, IRExpr_Load(Iend_LE, Ity_I64, counter)));
   addStmtToIRSB(sb, IRStmt_WrTmp(t2, IRExpr_Binop(Iop_Add64, IRExpr_RdTmp(t1),
                                                   IRExpr_Const(IRConst_U64(n)))));
   addStmtToIRSB(sb, IRStmt_Store(Iend_LE, counter, IRExpr_RdTmp(t2)));
}

/* At the entry of the preload's event function (see "Events from the
   preload"): call the handler with the four argument registers.  Dirty
   call arguments must be flat, hence the temps.  VEX chases calls, so the
   entry is usually in the middle of a superblock: every IMark is checked,
   not only the first.  The function is a bare `ret`, which ends the
   superblock, so no later write to the argument registers can have been
   folded into the ones we read. */
static Bool is_event_imark(const IRStmt *st)
{
   return event_fn_addr != 0 && st != NULL && st->tag == Ist_IMark
          && st->Ist.IMark.addr == event_fn_addr;
}

static void add_event_call(IRSB *sb)
{
   static const Int arg_offB[4] = {
      offsetof(VexGuestAMD64State, guest_RDI),
      offsetof(VexGuestAMD64State, guest_RSI),
      offsetof(VexGuestAMD64State, guest_RDX),
      offsetof(VexGuestAMD64State, guest_RCX),
   };
   static const Int unwind_offB[3] = {
      offsetof(VexGuestAMD64State, guest_RIP),
      offsetof(VexGuestAMD64State, guest_RSP),
      offsetof(VexGuestAMD64State, guest_RBP),
   };
   IRExpr *args[4];
   IRDirty *di;
   Int i;

   for (i = 0; i < 4; i++) {
      IRTemp t = newIRTemp(sb->tyenv, Ity_I64);
      addStmtToIRSB(sb, IRStmt_WrTmp(t, IRExpr_Get(arg_offB[i], Ity_I64)));
      args[i] = IRExpr_RdTmp(t);
   }
   /* The instruction's own IP, as VEX would write it, so that the native
      unwinder sees a consistent RIP/RSP pair: ph_event's entry. */
   addStmtToIRSB(sb, IRStmt_Put(unwind_offB[0], mkIRExpr_HWord(event_fn_addr)));
   di = unsafeIRDirty_0_N(0, "ph_event_handler",
                          VG_(fnptr_to_fnentry)(&ph_event_handler),
                          mkIRExprVec_4(args[0], args[1], args[2], args[3]));
   di->nFxState = 3;
   VG_(memset)(&di->fxState, 0, sizeof(di->fxState));
   for (i = 0; i < 3; i++) {
      di->fxState[i].fx = Ifx_Read;
      di->fxState[i].offset = unwind_offB[i];
      di->fxState[i].size = sizeof(ULong);
   }
   addStmtToIRSB(sb, IRStmt_Dirty(di));
}

static IRSB *ph_instrument(VgCallbackClosure *closure, IRSB *sb_in,
                           const VexGuestLayout *layout,
                           const VexGuestExtents *vge,
                           const VexArchInfo *archinfo_host,
                           IRType gWordTy, IRType hWordTy)
{
   IRSB *sb_out;
   Bool count = clo_time_unit == TimeI;
   Int i, n = 0;

   if (!count) {
      /* Only the event function needs anything: leave other code alone. */
      for (i = 0; i < sb_in->stmts_used; i++)
         if (is_event_imark(sb_in->stmts[i]))
            break;
      if (i == sb_in->stmts_used)
         return sb_in;
   }
   sb_out = deepCopyIRSBExceptStmts(sb_in);
   for (i = 0; i < sb_in->stmts_used; i++) {
      IRStmt *st = sb_in->stmts[i];
      if (st == NULL || st->tag == Ist_NoOp)
         continue;
      if (is_event_imark(st)) {
         /* The handler reads the time: count what ran before it. */
         if (count && n > 0)
            add_instr_count(sb_out, n);
         n = 1;
         addStmtToIRSB(sb_out, st);
         add_event_call(sb_out);
         continue;
      }
      if (st->tag == Ist_IMark) {
         n++;
      } else if (st->tag == Ist_Exit && n > 0) {
         if (count)
            add_instr_count(sb_out, n);
         n = 0;
      }
      addStmtToIRSB(sb_out, st);
   }
   if (count && n > 0)
      add_instr_count(sb_out, n);
   return sb_out;
}

//------------------------------------------------------------//
//--- Writing the output file                              ---//
//------------------------------------------------------------//

/* The format is documented in docs/file-format.md.  A short sample:

      pyheap-out 1
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
static HChar  *exec_target;     /* the program of a pending execve (below) */

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
      VG_(fprintf)(out_fp, "c %s %llu %llu\n", class_names[c], s->t.cls_B[c], s->t.cls_n[c]);
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
                      class_names[d->entries[i].cls], d->entries[i].B, d->entries[i].n);
         out_lines++;
      }
   }
   if (d != NULL && d->n_typed > 0) {
      VG_(ssort)(d->typed, d->n_typed, sizeof(TypedEntry), cmp_typed_entries);
      for (i = 0; i < d->n_typed; i++) {
         VG_(fprintf)(out_fp, "y %d %s %d %llu %llu\n", (Int)d->typed[i].kid - 1,
                      class_names[d->typed[i].cls], d->typed[i].type_sid,
                      d->typed[i].B, d->typed[i].n);
         out_lines++;
      }
   }
   if (d != NULL && d->n_marked > 0) {
      VG_(ssort)(d->marked, d->n_marked, sizeof(MarkEntry), cmp_mark_entries);
      for (i = 0; i < d->n_marked; i++) {
         VG_(fprintf)(out_fp, "m %d %s %u %llu %llu\n", (Int)d->marked[i].kid - 1,
                      class_names[d->marked[i].cls], d->marked[i].iter,
                      d->marked[i].B, d->marked[i].n);
         out_lines++;
      }
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

/* Write the file to PATH: everything so far, with LIVE_SNAP as the exit
   snapshot.  DUMP_NO is 0 at the end of the run, N for the Nth
   detailed_snapshot monitor command.  False if PATH cannot be written. */
static Bool write_output(const HChar *path, const Snapshot *peak_snap,
                         const Snapshot *live_snap, const Snapshot *final_sample,
                         UInt dump_no)
{
   UInt i, n_refs = 0, n_user = VG_(sizeXA)(user_snaps);
   SnapRef *refs;
   HChar buf[64];

   out_fp = VG_(fopen)(path, VKI_O_CREAT | VKI_O_TRUNC | VKI_O_WRONLY,
                       VKI_S_IRUSR | VKI_S_IWUSR | VKI_S_IRGRP | VKI_S_IROTH);
   if (out_fp == NULL)
      return False;
   out_lines = 0;
   VG_(fprintf)(out_fp, "pyheap-out %d\n", PH_FORMAT_VERSION);
   out_lines++;
   {
      /* The command line. */
      XArray *cmd = VG_(newXA)(VG_(malloc), "ph.cmd", VG_(free), 1);
      HChar zero = 0;
      VG_(addBytesToXA)(cmd, VG_(args_the_exename), VG_(strlen)(VG_(args_the_exename)));
      for (i = 0; i < VG_(sizeXA)(VG_(args_for_client)); i++) {
         const HChar *a = *(HChar **)VG_(indexXA)(VG_(args_for_client), i);
         VG_(addBytesToXA)(cmd, " ", 1);
         VG_(addBytesToXA)(cmd, a, VG_(strlen)(a));
      }
      VG_(addToXA)(cmd, &zero);
      out_text_line("meta cmd ", VG_(indexXA)(cmd, 0));
      VG_(deleteXA)(cmd);
   }
   VG_(fprintf)(out_fp, "meta pid %d\nmeta ppid %d\n", VG_(getpid)(), VG_(getppid)());
   VG_(fprintf)(out_fp, "meta pyheap %s\nmeta valgrind %s\n", PACKAGE_VERSION,
                PH_VALGRIND_VERSION);
   out_lines += 4;
   {
      HChar zero = 0;
      VG_(addToXA)(given_options, &zero);
      out_text_line("meta options ", VG_(indexXA)(given_options, 0));
      VG_(dropTailXA)(given_options, 1);
   }
   VG_(fprintf)(out_fp, "meta time_unit %s\nmeta depth %d\nmeta native %s\n",
                time_unit_name(clo_time_unit), clo_depth, clo_native ? "yes" : "no");
   out_lines += 3;
   if (!py_registered)
      VG_(fprintf)(out_fp, "meta python none\n");
   else if (py == NULL && py_version_hex == 0)
      VG_(fprintf)(out_fp, "meta python unsupported pre-3.11\n");
   else if (py == NULL)
      VG_(fprintf)(out_fp, "meta python unsupported %lu.%lu.%lu\n",
                   (py_version_hex >> 24) & 0xff, (py_version_hex >> 16) & 0xff,
                   (py_version_hex >> 8) & 0xff);
   else
      VG_(fprintf)(out_fp, "meta python %lu.%lu.%lu\n", (py_version_hex >> 24) & 0xff,
                   (py_version_hex >> 16) & 0xff, (py_version_hex >> 8) & 0xff);
   out_lines++;
   if (py_hooks == PH_HOOKS_INSTALLED && py_registered && n_py_events == 0)
      VG_(fprintf)(out_fp, "meta hooks lost\n");
   else
      VG_(fprintf)(out_fp, "meta hooks %s\n",
                   py_hooks == PH_HOOKS_INSTALLED ? "installed"
                   : py_hooks == PH_HOOKS_REINSTALLED ? "reinstalled" : "none");
   VG_(fprintf)(out_fp, "meta peak_time %llu\nmeta peak_B %llu\n",
                peak_snap->time, heap_B(&peak_snap->t));
   out_lines += 3;
   VG_(fprintf)(out_fp, "meta marks %u\nmeta mark_window %d\nmeta mark_b_stride %u\n",
                n_marks, clo_mark_window, mark_b_stride);
   out_lines += 3;
   if (dump_no > 0) {
      VG_(fprintf)(out_fp, "meta detailed_snapshot %u\n", dump_no);
      out_lines++;
   }
   if (exec_target != NULL && dump_no == 0)
      out_text_line("meta exec ", exec_target);

   /* Tables. */
   for (i = 0; i < VG_(sizeXA)(strs); i++) {
      const Str *s = *(Str **)VG_(indexXA)(strs, i);
      VG_(sprintf)(buf, "s %d ", s->sid);
      out_text_line(buf, s->text);
   }
   for (i = 0; i < VG_(sizeXA)(frames); i++) {
      const Frame *f = *(Frame **)VG_(indexXA)(frames, i);
      if (f->kind == FramePy)
         VG_(fprintf)(out_fp, "f %d py %d %d %d\n", f->fid, f->file_sid, f->line, f->func_sid);
      else
         VG_(fprintf)(out_fp, "f %d c %#lx %d %d %d %d\n", f->fid, f->ip, f->func_sid,
                      f->file_sid, f->line, f->obj_sid);
      out_lines++;
   }
   for (i = 1; i < n_stacks; i++) {
      VG_(fprintf)(out_fp, "k %u %d %d\n", i - 1, (Int)stack_nodes[i]->parent - 1,
                   stack_nodes[i]->fid);
      out_lines++;
   }

   /* Samples and snapshots, merged in time order. */
   refs = VG_(malloc)("ph.refs", (n_series + n_user + 3) * sizeof(SnapRef));
   for (i = 0; i < n_series; i++, n_refs++)
      refs[n_refs].s = &series[i], refs[n_refs].order = n_refs;
   refs[n_refs].s = peak_snap, refs[n_refs].order = n_refs, n_refs++;
   for (i = 0; i < n_user; i++, n_refs++)
      refs[n_refs].s = VG_(indexXA)(user_snaps, i), refs[n_refs].order = n_refs;
   refs[n_refs].s = live_snap, refs[n_refs].order = n_refs, n_refs++;
   refs[n_refs].s = final_sample, refs[n_refs].order = n_refs, n_refs++;
   VG_(ssort)(refs, n_refs, sizeof(SnapRef), cmp_snaprefs);
   for (i = 0; i < n_refs; i++)
      write_sample(i, refs[i].s);
   for (i = 0; i < n_refs; i++)
      if (refs[i].s->kind != SnapSample)
         write_detail(i, refs[i].s);
   VG_(free)(refs);

   /* Totals over the run. */
   {
      UInt n_tot, j;
      SiteEntry *tot = site_entries(sites, n_stacks, True, &n_tot);
      VG_(ssort)(tot, n_tot, sizeof(SiteEntry), cmp_site_entries);
      for (j = 0; j < n_tot; j++) {
         VG_(fprintf)(out_fp, "tot %d %s %llu %llu\n", (Int)tot[j].kid - 1,
                      class_names[tot[j].cls], tot[j].B, tot[j].n);
         out_lines++;
      }
      if (tot)
         VG_(free)(tot);
   }
   VG_(fprintf)(out_fp, "end-of-file %llu\n", out_lines);
   VG_(fclose)(out_fp);
   out_fp = NULL;
   return True;
}

/* The end of the program as pyheap records it: the exit snapshot (unless
   interpreter finalisation already took it), the exact peak and a last
   sample, written to the output file.  Returns the file's name. */
static HChar *write_profile(void)
{
   Snapshot peak_snap, final_sample;
   HChar *path;

   take_exit_snapshot();
   take_peak_snapshot(&peak_snap);
   take_snapshot(&final_sample, SnapSample, ph_now());

   path = VG_(expand_file_name)("--pyheap-out-file", clo_out_file);
   if (!write_output(path, &peak_snap, &exit_snap, &final_sample, 0))
      VG_(umsg)("pyheap: error: cannot write output file '%s'\n", path);
   drop_peak_snapshot(&peak_snap);
   return path;
}

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

static const HChar *str_text(Int sid)
{
   if (sid < 0 || sid >= (Int)VG_(sizeXA)(strs))
      return "???";
   return (*(Str **)VG_(indexXA)(strs, sid))->text;
}

static const Frame *frame_of(Int fid)
{
   return *(Frame **)VG_(indexXA)(frames, fid);
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
   for (k = kid; k != 0; k = stack_nodes[k]->parent)
      if (frame_of(stack_nodes[k]->fid)->kind == FramePy)
         has_py = True;
   for (k = kid; k != 0 && shown < GROWTH_FRAMES; k = stack_nodes[k]->parent) {
      const Frame *f = frame_of(stack_nodes[k]->fid);
      if (has_py && f->kind != FramePy)
         continue;
      if (f->kind == FramePy)
         VG_(gdb_printf)("      %s:%d %s\n", str_text(f->file_sid), f->line,
                         str_text(f->func_sid));
      else if (f->file_sid >= 0)
         VG_(gdb_printf)("      %s:%d %s\n", str_text(f->file_sid), f->line,
                         str_text(f->func_sid));
      else
         VG_(gdb_printf)("      %#lx %s\n", f->ip, str_text(f->func_sid));
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
   GrowthEntry *g = VG_(malloc)("ph.growth", (n_stacks * N_CLASSES + 1) * sizeof(GrowthEntry));
   UInt kid, c, n = 0, i;
   ULong now = ph_now();

   for (kid = 0; kid < n_stacks; kid++)
      for (c = 0; c < N_CLASSES; c++) {
         ULong then_B = kid < growth_base_stacks ? growth_base_B[kid * N_CLASSES + c] : 0;
         ULong then_n = kid < growth_base_stacks ? growth_base_n[kid * N_CLASSES + c] : 0;
         if (sites[kid].live_B[c] <= then_B)
            continue;
         g[n].kid = kid;
         g[n].cls = c;
         g[n].then_B = then_B;
         g[n].now_B = sites[kid].live_B[c];
         g[n].then_n = then_n;
         g[n].now_n = sites[kid].live_n[c];
         n++;
      }
   VG_(ssort)(g, n, sizeof(GrowthEntry), cmp_growth);
   VG_(gdb_printf)("pyheap growth since %s (time %llu -> %llu %s): heap %llu -> %llu B; "
                   "%u sites grew\n",
                   n_growth_reports == 0 ? "the start" : "the last growth command",
                   growth_base_time, now, time_unit_name(clo_time_unit),
                   growth_base_heap_B, heap_B(&cur), n);
   for (i = 0; i < n && i < top; i++) {
      VG_(gdb_printf)("  %u. +%llu B %s: %llu -> %llu B, %llu -> %llu blocks\n", i + 1,
                      g[i].now_B - g[i].then_B, class_names[g[i].cls],
                      g[i].then_B, g[i].now_B, g[i].then_n, g[i].now_n);
      print_site_frames(g[i].kid);
   }
   VG_(free)(g);

   /* The state now is the next command's baseline. */
   if (growth_base_stacks < n_stacks) {
      growth_base_B = VG_(realloc)("ph.growth.base", growth_base_B,
                                   n_stacks * N_CLASSES * sizeof(ULong));
      growth_base_n = VG_(realloc)("ph.growth.base", growth_base_n,
                                   n_stacks * N_CLASSES * sizeof(ULong));
      growth_base_stacks = n_stacks;
   }
   for (kid = 0; kid < n_stacks; kid++)
      for (c = 0; c < N_CLASSES; c++) {
         growth_base_B[kid * N_CLASSES + c] = sites[kid].live_B[c];
         growth_base_n[kid * N_CLASSES + c] = sites[kid].live_n[c];
      }
   growth_base_time = now;
   growth_base_heap_B = heap_B(&cur);
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
   take_user_snapshot(buf);
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
   take_peak_snapshot(&peak_snap);
   take_live_snapshot(&now_snap);
   take_snapshot(&final_sample, SnapSample, ph_now());

   ok = write_output(path, &peak_snap, &now_snap, &final_sample, n_monitor_dumps);
   if (ok)
      VG_(gdb_printf)("pyheap: wrote %s\n", path);
   else
      VG_(gdb_printf)("pyheap: error: cannot write '%s': no detailed snapshot written\n",
                      path);
   drop_peak_snapshot(&peak_snap);
   free_detail(now_snap.detail);
   VG_(free)(path);
}

static Bool handle_monitor_command(ThreadId tid, const HChar *req)
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

//------------------------------------------------------------//
//--- When the program execs                               ---//
//------------------------------------------------------------//

/* execve replaces the program, and neither ph_fini nor anything else of
   this tool runs in the new one.  With --trace-children=yes a new pyheap
   starts there, under the same pid, and writes its own file (with the
   default %p name, the same file: the new program's profile replaces the
   old one's).  Without it the new program runs natively.  Either way the
   profile of the program that execs is written here, just before the
   exec: otherwise a wrapper -- a pyenv shim is a shell script that execs
   the real python -- would leave an empty file and no hint of why.  The
   file says which program was exec'd (meta exec).  If the exec fails the
   program goes on, and the file is written again when it ends, from a new
   exit snapshot.

   Only the process valgrind started does this.  A forked child that execs
   is how subprocess.run() starts a command: its heap is a copy of the
   parent's and says nothing of its own, so it gets no file, as before. */

static Int start_pid;                   /* the process valgrind started */

/* The core's --trace-children is not part of the tool interface; the
   options it was given are (the last one given wins, as in the core). */
static Bool tracing_children(void)
{
   Bool yes = False;
   UInt i;
   for (i = 0; i < VG_(sizeXA)(VG_(args_for_valgrind)); i++) {
      const HChar *a = *(HChar **)VG_(indexXA)(VG_(args_for_valgrind), i);
      if (VG_(strcmp)(a, "--trace-children=yes") == 0)
         yes = True;
      else if (VG_(strcmp)(a, "--trace-children=no") == 0)
         yes = False;
   }
   return yes;
}

static void ph_pre_syscall(ThreadId tid, UInt syscallno, UWord *args, UInt nArgs)
{
   HChar target[4096];            /* Linux's PATH_MAX */
   HChar *path;
   struct vg_stat st;

   if ((syscallno != __NR_execve && syscallno != __NR_execveat)
       || VG_(getpid)() != start_pid)
      return;
   read_guest_cstring(syscallno == __NR_execve ? args[0] : args[1], target,
                      sizeof target);
   /* `env` and shells try each directory of $PATH in turn: most of those
      execs fail at once, and only one that can succeed is worth a file. */
   if (sr_isError(VG_(stat)(target, &st)) || !VKI_S_ISREG(st.mode)
       || (st.mode & (VKI_S_IXUSR | VKI_S_IXGRP | VKI_S_IXOTH)) == 0)
      return;
   VG_(free)(exec_target);
   exec_target = VG_(strdup)("ph.exec", target);
   path = write_profile();
   if (!tracing_children())
      VG_(umsg)("pyheap: the program execs '%s', which pyheap does not follow: "
                "%s holds what ran before the exec (use --trace-children=yes, "
                "or give valgrind that program itself)\n", target, path);
   VG_(free)(path);
}

static void ph_post_syscall(ThreadId tid, UInt syscallno, UWord *args, UInt nArgs,
                            SysRes res)
{
   if ((syscallno != __NR_execve && syscallno != __NR_execveat) || !sr_isError(res)
       || exec_target == NULL)
      return;
   /* The exec failed: the program goes on, and its end is still to come. */
   VG_(free)(exec_target);
   exec_target = NULL;
   if (exit_snap_taken && !py_finalizing) {
      free_detail(exit_snap.detail);
      exit_snap.detail = NULL;
      exit_snap_taken = False;
   }
}

//------------------------------------------------------------//
//--- Finalisation                                         ---//
//------------------------------------------------------------//

static void ph_fini(Int exit_status)
{
   HChar *path = write_profile();

   if (VG_(clo_stats)) {
      VG_(dmsg)("pyheap: allocs %llu, frees %llu, python events %llu "
                "(bad %llu)\n", n_allocs, n_frees, n_py_events, n_bad_events);
      VG_(dmsg)("pyheap: re-filed as python-large %llu, stale blocks %llu\n",
                n_reclassified, n_stale_blocks);
      VG_(dmsg)("pyheap: objects into free lists %llu, out of them %llu "
                "(%llu in no known block)\n", n_dead, n_reborn, n_reborn_unknown);
      VG_(dmsg)("pyheap: stacks %u, frames %lu, strings %lu\n", n_stacks - 1,
                VG_(sizeXA)(frames), VG_(sizeXA)(strs));
      VG_(dmsg)("pyheap: raw stack cache hits %llu (%llu recent ones), misses %llu; "
                "read faults %llu\n", n_rawstack_hits, n_rawstack_recent_hits,
                n_rawstack_misses, n_read_faults);
      VG_(dmsg)("pyheap: peak materialisations %llu\n", n_peak_materialisations);
   }
   if (py_hooks == PH_HOOKS_INSTALLED && py_registered && n_py_events == 0)
      VG_(umsg)("pyheap: warning: the interpreter replaced pyheap's allocator "
                "hooks (PYTHONMALLOC?): Python blocks are counted as raw\n");
   if (VG_(clo_verbosity) > 0)
      VG_(umsg)("pyheap: wrote %s\n", path);
}

//------------------------------------------------------------//
//--- Initialisation                                       ---//
//------------------------------------------------------------//

static void ph_post_clo_init(void)
{
   HChar *path = VG_(expand_file_name)("--pyheap-out-file", clo_out_file);
   SysRes sres;

   /* Fail now, not after a long run, if the output cannot be written. */
   sres = VG_(open)(path, VKI_O_CREAT | VKI_O_WRONLY | VKI_O_APPEND,
                    VKI_S_IRUSR | VKI_S_IWUSR | VKI_S_IRGRP | VKI_S_IROTH);
   if (sr_isError(sres)) {
      VG_(fmsg)("pyheap: cannot create output file '%s'\n", path);
      VG_(exit)(1);
   }
   VG_(close)(sr_Res(sres));
   VG_(free)(path);
   start_pid = VG_(getpid)();

   series = VG_(calloc)("ph.series", clo_max_snapshots, sizeof(Snapshot));
   /* Sample 0: the empty heap at time 0. */
   take_snapshot(&series[0], SnapSample, 0);
   n_series = 1;
}

static void ph_pre_clo_init(void)
{
   VG_(details_name)            ("pyheap");
   VG_(details_version)         (PACKAGE_VERSION);
   VG_(details_description)     ("a heap profiler for Python programs");
   VG_(details_copyright_author)("Copyright (C) the pyheap authors; GPL-2.0-or-later.");
   VG_(details_bug_reports_to)  ("the pyheap issue tracker");
   VG_(details_avg_translation_sizeB)(330);

   VG_(clo_vex_control).iropt_register_updates_default
      = VG_(clo_px_file_backed)
      = VexRegUpdSpAtMemAccess;   /* stack traces need a correct SP */

   VG_(basic_tool_funcs)          (ph_post_clo_init, ph_instrument, ph_fini);
   VG_(needs_libc_freeres)();
   VG_(needs_cxx_freeres)();
   VG_(needs_command_line_options)(ph_process_cmd_line_option,
                                   ph_print_usage, ph_print_debug_usage);
   VG_(needs_client_requests)     (ph_handle_client_request);
   VG_(needs_syscall_wrapper)     (ph_pre_syscall, ph_post_syscall);
   VG_(needs_malloc_replacement)  (ph_malloc,
                                   ph___builtin_new,
                                   ph___builtin_new_aligned,
                                   ph___builtin_vec_new,
                                   ph___builtin_vec_new_aligned,
                                   ph_memalign,
                                   ph_calloc,
                                   ph_free,
                                   ph___builtin_delete,
                                   ph___builtin_delete_aligned,
                                   ph___builtin_vec_delete,
                                   ph___builtin_vec_delete_aligned,
                                   ph_realloc,
                                   ph_malloc_usable_size,
                                   0);
   VG_(track_pre_thread_ll_exit)(forget_thread);
   VG_(atfork)(NULL, NULL, forget_all_threads);

   ph_bt_init(&block_table, VG_(malloc), VG_(free));
   arena_table    = VG_(HT_construct)("ph.arenas");
   str_table      = VG_(HT_construct)("ph.strs");
   strs           = VG_(newXA)(VG_(malloc), "ph.strs.xa", VG_(free), sizeof(Str *));
   py_frame_table = VG_(HT_construct)("ph.pyframes");
   frames         = VG_(newXA)(VG_(malloc), "ph.frames.xa", VG_(free), sizeof(Frame *));
   stack_table    = VG_(HT_construct)("ph.stacks");
   rawstack_table = VG_(HT_construct)("ph.rawstacks");
   code_table     = VG_(HT_construct)("ph.code");
   ip_table       = VG_(HT_construct)("ph.ips");
   user_snaps     = VG_(newXA)(VG_(malloc), "ph.user", VG_(free), sizeof(Snapshot));
   open_regions   = VG_(newXA)(VG_(malloc), "ph.regions", VG_(free), sizeof(OpenRegion));
   type_table     = VG_(HT_construct)("ph.types");
   given_options  = VG_(newXA)(VG_(malloc), "ph.opts", VG_(free), 1);
   grow_stacks();
}

VG_DETERMINE_INTERFACE_VERSION(ph_pre_clo_init)

/*--------------------------------------------------------------------*/
/*--- end                                                ph_main.c ---*/
/*--------------------------------------------------------------------*/

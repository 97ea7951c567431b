/* pyheap: the tool: events from the preload (allocator hooks, free lists) and their delivery. */
/* SPDX-License-Identifier: GPL-2.0-or-later */

/*--------------------------------------------------------------------*/
/*--- pyheap: events from the preload.                 ph_events.c ---*/
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
#include "pub_tool_libcassert.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_machine.h"
#include "pub_tool_threadstate.h"
#include "pub_tool_tooliface.h"
#include "pub_tool_transtab.h"
#include "libvex_guest_amd64.h"

#include "ph_include.h"

//------------------------------------------------------------//
//--- Reports from the Python allocator hooks              ---//
//------------------------------------------------------------//

ULong PH_(n_py_events);
ULong PH_(n_bad_events);

/* Which block a Python hook reports.  A request that fell through to
   malloc was seen first, as this thread's last malloc block: the report
   names it -- or, when CPython's debug hooks are on (PYTHONMALLOC=debug,
   -X dev), a pointer a few words into it, past the debug header (one per
   hooked domain the request went through).  Anything else was served by
   pymalloc.  So the common case, a pymalloc block, needs no look-up. */
#define PY_DEBUG_MAX_HEAD_SZB (8 * sizeof(UWord))

/* The table index of that block, filled into *B, or PH_BT_NONE. */
static UWord underlying_malloc_block(ThreadId tid, Addr p, SizeT szB, Block *b)
{
   ThreadCache *tc = PH_(thread_cache_for)(tid);
   Addr base = tc->last_raw;
   UWord i;

   if (base == 0 || p < base || p - base > PY_DEBUG_MAX_HEAD_SZB
       || base + tc->last_raw_szB < p + szB)
      return PH_BT_NONE;
   tc->last_raw = 0;
   i = ph_bt_find(&PH_(block_table), base, b);
   return (i != PH_BT_NONE && b->cls != ClsPymalloc) ? i : PH_BT_NONE;
}

static void py_alloc(ThreadId tid, Addr p, SizeT szB)
{
   Block b;
   UWord i = underlying_malloc_block(tid, p, szB, &b);
   PH_(n_py_events)++;
   if (i != PH_BT_NONE) {
      /* The request fell through to malloc, which we saw first. */
      if (b.cls == ClsRaw)
         PH_(reclassify)(i, &b, ClsPyLarge);
      return;
   }
   PH_(record_block)(tid, p, szB, ClsPymalloc);
}

/* Forget the pymalloc block at P, if there is one.  A python-large block
   stays: the free() or realloc() that follows the report handles it. */
static void py_forget(Addr p)
{
   Block b;
   UWord i = ph_bt_find(&PH_(block_table), p, &b);
   if (i != PH_BT_NONE && b.cls == ClsPymalloc) {
      ph_bt_remove_at(&PH_(block_table), i, &b);
      PH_(unrecord_block)(&b);
   }
}

static void py_free(Addr p)
{
   PH_(n_py_events)++;
   py_forget(p);
}

static void py_realloc(ThreadId tid, Addr p_old, Addr p_new, SizeT szB)
{
   /* A pymalloc block is gone: moved, or resized in place and recorded
      anew below. */
   if (p_old != 0) {
      PH_(in_realloc) = True;
      py_forget(p_old);
      PH_(in_realloc) = False;
   }
   py_alloc(tid, p_new, szB);
}

//------------------------------------------------------------//
//--- Free lists                                           ---//
//------------------------------------------------------------//

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
UInt PH_(dead_kid);                /* the "<free lists>" stack, once made */

ULong PH_(n_reborn);
ULong PH_(n_reborn_unknown);
ULong PH_(n_dead);

/* The table index of the block holding the object at OP, filled into *B,
   or PH_BT_NONE. */
static UWord object_block(Addr op, Block *b)
{
   UWord i = PH_BT_NONE, back;
   for (back = 0; back <= PH_MAX_PREHEADER_SZB && i == PH_BT_NONE; back += 16)
      i = ph_bt_find(&PH_(block_table), op - back, b);
   if (i == PH_BT_NONE || op >= b->addr + b->szB || b->cls == ClsRaw)
      return PH_BT_NONE;            /* not made by Python's allocators */
   return i;
}

static void refile_block(Block *b, UInt kid)
{
   if (kid == b->kid)
      return;
   PH_(site_change)(b->kid, b->cls, -(Long)b->szB, -1);
   PH_(site_change)(kid, b->cls, (Long)b->szB, 1);
   b->kid = kid;
}

static void py_dead(Addr op)
{
   Block b;
   UWord i = object_block(op, &b);
   if (i == PH_BT_NONE)
      return;
   PH_(n_dead)++;
   if (PH_(dead_kid) == 0)
      PH_(dead_kid) = PH_(intern_stack)(0, PH_(intern_py_frame)(PH_(intern_str)("<free lists>"),
                                                           0, PH_(intern_str)("")));
   refile_block(&b, PH_(dead_kid));
   ph_bt_store(&PH_(block_table), i, &b);
}

static void py_reborn(ThreadId tid, Addr op)
{
   Block b;
   UWord i = object_block(op, &b);

   PH_(n_reborn)++;
   if (i == PH_BT_NONE) {
      PH_(n_reborn_unknown)++;
      return;
   }
   /* capture_stack adds no block and removes none: i is still valid. */
   refile_block(&b, PH_(capture_stack)(tid));
   b.seq = ++PH_(alloc_seq);
   PH_(forget_contents)(&b);
   b.flags = 0;
   ph_bt_store(&PH_(block_table), i, &b);
}

//------------------------------------------------------------//
//--- Events from the preload                              ---//
//------------------------------------------------------------//

/* Events from the preload.

   The domain hooks report through ph_event, an empty guest function (a
   bare `ret`, ph_preload.c), rather than through client requests: a
   client request leaves generated code, goes through the scheduler and
   comes back, ~70 ns an event, which on an allocation-heavy program was
   a third of the tool's time.  The preload tells us the function's
   address first thing (PH_REQ_EVENT_FN); from then on PH_(instrument) puts
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
     frames (PH_(guarded), which PH_(capture_stack) calls).  One thing
     does not come back by itself: the kernel runs a signal handler with a
     fresh FPU state (x87 control word 0x37F), and jumping out of the
     handler skips the sigreturn that would restore ours.  The dispatcher
     checks on its way out that generated code left the x87 and SSE
     control words as it set them, and stops Valgrind ("host state
     invariant failure") if not.  So the handler saves both on entry and
     puts them back when a read faulted.
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
   ULong faults = PH_(n_read_faults);
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
      PH_(n_bad_events)++;
      break;
   }
   if (PH_(n_read_faults) != faults)
      __asm__ __volatile__("fldcw %0\n\tldmxcsr %1" : : "m"(fpu_cw), "m"(sse_csr));
   VG_(in_generated_code) = in_gen;
}

void PH_(set_event_fn)(Addr a, UWord abi)
{
   if (abi != PH_EVENT_ABI || a == 0 || event_fn_addr != 0)
      return;
   event_fn_addr = a;
   /* A translation made before now has no call to the handler. */
   VG_(discard_translations_safely)(a, 1, "pyheap event function");
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
   IRExpr *counter = mkIRExpr_HWord((HWord)&PH_(guest_instrs_executed));
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

IRSB *PH_(instrument)(VgCallbackClosure *closure, IRSB *sb_in,
                      const VexGuestLayout *layout,
                      const VexGuestExtents *vge,
                      const VexArchInfo *archinfo_host,
                      IRType gWordTy, IRType hWordTy)
{
   IRSB *sb_out;
   Bool count = PH_(clo_time_unit) == TimeI;
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

/*--------------------------------------------------------------------*/
/*--- end                                              ph_events.c ---*/
/*--------------------------------------------------------------------*/

/* pyheap: the tool: reading the guest's memory, with every read checked. */
/* SPDX-License-Identifier: GPL-2.0-or-later */

/*--------------------------------------------------------------------*/
/*--- pyheap: reading the guest's memory.               ph_guest.c ---*/
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
#include "pub_tool_libcassert.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_libcsetjmp.h"
#include "pub_tool_libcsignal.h"
#include "pub_tool_signals.h"

#include "ph_include.h"

//------------------------------------------------------------//
//--- Reading the guest's memory safely                    ---//
//------------------------------------------------------------//

/* The frame walker follows pointers found in the interpreter's memory.
   Any of them may be garbage (a thread state being torn down, a frame
   half-built).  Reads are plain loads (rd_word() and the others, inline
   in ph_include.h); a load that faults raises SIGSEGV in the tool, which
   Valgrind passes to our fault catcher, which jumps back out of the walk.
   The walk then keeps what it had.  The catcher is set only around a
   walk: Valgrind asserts that none is set when a fault happens in
   generated code (the program's own faults).

   PH_(guarded) is the one place that sets the catcher and the jump
   buffer: whatever reads the guest's memory runs inside it, as a function
   it calls.  The jump lands in PH_(guarded)'s frame, which returns False;
   what that function must keep across the jump it stores through its
   argument or in statics, never in its own locals. */

ULong PH_(n_read_faults);

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
      PH_(n_read_faults)++;
      VG_MINIMAL_LONGJMP(read_jmpbuf);
   }
}

/* Jump out of a walk without a fault (an implausible pointer). */
void __attribute__((noreturn)) PH_(read_abandon)(void)
{
   VG_MINIMAL_LONGJMP(read_jmpbuf);
   tl_assert(0);
}

void PH_(rd_bytes)(void *dst, Addr src, SizeT n)
{
   if (n == 0)
      return;
   check_range(src, n);
   VG_(memcpy)(dst, (const void *)src, n);
}

/* Run FN(ARG) with the fault catcher set.  True if FN ran to its end;
   False if a guest read faulted or was abandoned, and FN stopped there.
   Not nested (there is one jump buffer), and never inlined: the jump
   lands in this frame, and the caller's variables stay out of it. */
__attribute__((noinline)) Bool PH_(guarded)(void (*fn)(void *), void *arg)
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
   PH_(rd_bytes)(c->dst, (Addr)c->src, c->n);
}

static void copy_to_guest(void *arg)
{
   const GuestCopy *c = arg;
   check_range((Addr)c->dst, c->n);
   VG_(memcpy)(c->dst, c->src, c->n);
}

/* Copy N bytes of the guest's memory at SRC to DST.  False if that
   faulted (DST then holds what was copied, if anything). */
Bool PH_(read_guest)(void *dst, Addr src, SizeT n)
{
   GuestCopy c = { dst, (const void *)src, n };
   return PH_(guarded)(copy_from_guest, &c);
}

/* Copy N bytes from SRC to the guest's memory at DST.  False if that
   faulted. */
Bool PH_(write_guest)(Addr dst, const void *src, SizeT n)
{
   GuestCopy c = { (void *)dst, src, n };
   if (n == 0)
      return True;
   return PH_(guarded)(copy_to_guest, &c);
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
void PH_(read_guest_cstring)(Addr a, HChar *buf, SizeT cap)
{
   GuestCString c = { a, buf, cap };
   VG_(memset)(buf, 0, cap);
   PH_(guarded)(copy_cstring, &c);
}

/* The label a client request passes at A (pyheap.h), or DFLT if A is 0. */
void PH_(read_guest_label)(Addr a, const HChar *dflt, HChar label[PYHEAP_LABEL_MAX + 1])
{
   if (a == 0)
      VG_(strcpy)(label, dflt);
   else
      PH_(read_guest_cstring)(a, label, PYHEAP_LABEL_MAX + 1);
}

/*--------------------------------------------------------------------*/
/*--- end                                               ph_guest.c ---*/
/*--------------------------------------------------------------------*/

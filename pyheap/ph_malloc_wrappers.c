/* pyheap: the tool: the malloc-family replacement: every malloc block of the program. */
/* SPDX-License-Identifier: GPL-2.0-or-later */

/*--------------------------------------------------------------------*/
/*--- pyheap: malloc() et al replacements.    ph_malloc_wrappers.c ---*/
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
#include "pub_tool_replacemalloc.h"

#include "ph_include.h"

//------------------------------------------------------------//
//--- malloc() et al replacement wrappers                  ---//
//------------------------------------------------------------//

ULong PH_(n_allocs);
ULong PH_(n_frees);

static void note_raw_alloc(ThreadId tid, Addr p, SizeT szB)
{
   ThreadCache *tc = PH_(thread_cache_for)(tid);
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
   PH_(n_allocs)++;
   PH_(record_block)(tid, (Addr)p, szB, ClsRaw);
   note_raw_alloc(tid, (Addr)p, szB);
   return p;
}

static void free_and_unrecord(void *p)
{
   Block b;
   if (!ph_bt_remove(&PH_(block_table), (Addr)p, &b))
      return;                  /* not ours: a bogus free, ignore it */
   PH_(n_frees)++;
   PH_(unrecord_block)(&b);
   VG_(cli_free)(p);
}

void *PH_(malloc)(ThreadId tid, SizeT szB)
{
   return alloc_and_record(tid, szB, VG_(clo_alignment), False);
}

void *PH_(__builtin_new)(ThreadId tid, SizeT szB)
{
   return alloc_and_record(tid, szB, VG_(clo_alignment), False);
}

void *PH_(__builtin_vec_new)(ThreadId tid, SizeT szB)
{
   return alloc_and_record(tid, szB, VG_(clo_alignment), False);
}

void *PH_(calloc)(ThreadId tid, SizeT m, SizeT szB)
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
void *PH_(memalign)(ThreadId tid, SizeT align, SizeT orig_align, SizeT szB)
{
   return alloc_and_record(tid, szB, align, False);
}

void *PH_(__builtin_new_aligned)(ThreadId tid, SizeT szB, SizeT align, SizeT orig_align)
{
   return alloc_and_record(tid, szB, align, False);
}

void *PH_(__builtin_vec_new_aligned)(ThreadId tid, SizeT szB, SizeT align,
                                     SizeT orig_align)
{
   return alloc_and_record(tid, szB, align, False);
}

void PH_(__builtin_delete_aligned)(ThreadId tid, void *p, SizeT align)
{
   free_and_unrecord(p);
}

void PH_(__builtin_vec_delete_aligned)(ThreadId tid, void *p, SizeT align)
{
   free_and_unrecord(p);
}
#else
void *PH_(memalign)(ThreadId tid, SizeT align, SizeT szB)
{
   return alloc_and_record(tid, szB, align, False);
}

void *PH_(__builtin_new_aligned)(ThreadId tid, SizeT szB, SizeT align)
{
   return alloc_and_record(tid, szB, align, False);
}

void *PH_(__builtin_vec_new_aligned)(ThreadId tid, SizeT szB, SizeT align)
{
   return alloc_and_record(tid, szB, align, False);
}

void PH_(__builtin_delete_aligned)(ThreadId tid, void *p, SizeT align)
{
   free_and_unrecord(p);
}

void PH_(__builtin_vec_delete_aligned)(ThreadId tid, void *p, SizeT align)
{
   free_and_unrecord(p);
}
#endif

void PH_(free)(ThreadId tid, void *p)
{
   free_and_unrecord(p);
}

void PH_(__builtin_delete)(ThreadId tid, void *p)
{
   free_and_unrecord(p);
}

void PH_(__builtin_vec_delete)(ThreadId tid, void *p)
{
   free_and_unrecord(p);
}

/* realloc: a new block, the contents copied, the old block freed -- as
   seen by the program, and so as recorded (new stack, new time). */
void *PH_(realloc)(ThreadId tid, void *p_old, SizeT new_szB)
{
   Block b;
   void *p_new;

   if (p_old == NULL)
      return PH_(malloc)(tid, new_szB);
   if (ph_bt_find(&PH_(block_table), (Addr)p_old, &b) == PH_BT_NONE)
      return NULL;             /* not a block of ours */
   p_new = VG_(cli_malloc)(VG_(clo_alignment), new_szB);
   if (p_new == NULL)
      return NULL;             /* the old block stays valid */
   VG_(memcpy)(p_new, p_old, b.szB < new_szB ? b.szB : new_szB);
   PH_(in_realloc) = True;
   free_and_unrecord(p_old);
   PH_(in_realloc) = False;
   PH_(n_allocs)++;
   PH_(record_block)(tid, (Addr)p_new, new_szB, ClsRaw);
   note_raw_alloc(tid, (Addr)p_new, new_szB);
   return p_new;
}

SizeT PH_(malloc_usable_size)(ThreadId tid, void *p)
{
   Block b;
   return ph_bt_find(&PH_(block_table), (Addr)p, &b) != PH_BT_NONE ? b.szB : 0;
}

/*--------------------------------------------------------------------*/
/*--- end                                     ph_malloc_wrappers.c ---*/
/*--------------------------------------------------------------------*/

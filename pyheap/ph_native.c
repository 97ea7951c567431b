/* pyheap: the tool: native frames: what the debug info says of an instruction address. */
/* SPDX-License-Identifier: GPL-2.0-or-later */

/*--------------------------------------------------------------------*/
/*--- pyheap: native frames.                           ph_native.c ---*/
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
#include "pub_tool_debuginfo.h"
#include "pub_tool_hashtable.h"
#include "pub_tool_libcassert.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_libcprint.h"
#include "pub_tool_mallocfree.h"
#include "pub_tool_stacktrace.h"

#include "ph_include.h"

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
   f = PH_(new_frame)(FrameNative);
   f->ip = ip;
   f->func_sid = VG_(get_fnname)(ep, ip, &fn) ? PH_(intern_str)(fn) : -1;
   f->file_sid = -1;
   if (VG_(get_filename_linenum)(ep, ip, &file, &dir, &line)) {
      if (dir && dir[0]) {
         HChar *path = VG_(malloc)("ph.path", VG_(strlen)(dir) + VG_(strlen)(file) + 2);
         VG_(sprintf)(path, "%s/%s", dir, file);
         f->file_sid = PH_(intern_str)(path);
         VG_(free)(path);
      } else {
         f->file_sid = PH_(intern_str)(file);
      }
      f->line = line;
   }
   if (VG_(get_objname)(ep, ip, &obj)) {
      f->obj_sid = PH_(intern_str)(obj);
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

/* Fill OUT with the stack below the allocator functions, innermost
   first; with Python frames present, only the part below the innermost
   eval loop.  Returns the number of IPs. */
UInt PH_(walk_native_frames)(ThreadId tid, Bool stop_at_eval, UWord *out)
{
   Addr ips[PH_MAX_DEPTH + 16];
   UInt n, i, skip = 0, n_out = 0;

   n = VG_(get_StackTrace)(tid, ips, PH_(clo_depth) + 16, NULL, NULL, 0);
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
   for (i = skip; i < n && n_out < (UInt)PH_(clo_depth); i++) {
      UInt flags = ip_info(ips[i])->flags;
      /* Stop at the eval loop (Python frames take over) and at the C
         library's code that calls main(): beyond it the unwinder reads
         the bottom of the stack, which holds no frames. */
      if ((stop_at_eval && (flags & IPF_EVAL)) || (flags & IPF_BELOW_MAIN))
         break;
      out[n_out++] = ips[i];
   }
   return n_out;
}

Int PH_(native_fid)(Addr ip)
{
   return ip_info(ip)->fid;
}

//------------------------------------------------------------//
//--- Initialisation                                       ---//
//------------------------------------------------------------//

void PH_(init_native)(void)
{
   ip_table = VG_(HT_construct)("ph.ips");
}

/*--------------------------------------------------------------------*/
/*--- end                                              ph_native.c ---*/
/*--------------------------------------------------------------------*/

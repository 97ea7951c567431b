/* pyheap: the tool: interned strings, frames and stacks, and the counters per stack. */
/* SPDX-License-Identifier: GPL-2.0-or-later */

/*--------------------------------------------------------------------*/
/*--- pyheap: strings, frames, stacks.                 ph_tables.c ---*/
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
#include "pub_tool_xarray.h"

#include "ph_include.h"

//------------------------------------------------------------//
//--- Interned strings                                     ---//
//------------------------------------------------------------//

/* File names, function names and object names, each stored once.
   Identified by a dense number (sid) in order of first use. */

static VgHashTable *str_table;
XArray             *PH_(strs);        /* of Str*, indexed by sid */

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

Int PH_(intern_str_n)(const HChar *s, SizeT n)
{
   Str probe, *found;
   HChar *text;

   probe.key = hash_bytes(s, n);
   probe.len = n;
   probe.text = s;
   found = VG_(HT_gen_lookup)(str_table, &probe, cmp_str);
   if (found)
      return found->sid;
   text = VG_(malloc)("ph.str.text", n + 1);
   VG_(memcpy)(text, s, n);
   text[n] = 0;
   found = VG_(malloc)("ph.str", sizeof(Str));
   found->key = probe.key;
   found->len = n;
   found->text = text;
   found->sid = VG_(sizeXA)(PH_(strs));
   VG_(addToXA)(PH_(strs), &found);
   VG_(HT_add_node)(str_table, found);
   return found->sid;
}

Int PH_(intern_str)(const HChar *s)
{
   return PH_(intern_str_n)(s, VG_(strlen)(s));
}

const HChar *PH_(str_text)(Int sid)
{
   if (sid < 0 || sid >= (Int)VG_(sizeXA)(PH_(strs)))
      return "???";
   return (*(Str **)VG_(indexXA)(PH_(strs), sid))->text;
}

//------------------------------------------------------------//
//--- Frames and stacks                                    ---//
//------------------------------------------------------------//

/* A frame is a Python location (file, line, function) or a native one
   (an instruction address and what the debug info says of it).  A stack
   is stored as a trie node: its innermost frame and the stack of its
   callers, so stacks that share callers share storage, and the file
   format writes them the same way.  Stack 0 is "no stack". */

static VgHashTable *py_frame_table;   /* Python frames by content */
XArray             *PH_(frames);      /* of Frame*, indexed by fid */

static Word cmp_py_frame(const void *a, const void *b)
{
   const Frame *x = a, *y = b;
   return (x->file_sid == y->file_sid && x->line == y->line
           && x->func_sid == y->func_sid) ? 0 : 1;
}

Frame *PH_(new_frame)(FrameKind kind)
{
   Frame *f = VG_(calloc)("ph.frame", 1, sizeof(Frame));
   f->kind = kind;
   f->fid = VG_(sizeXA)(PH_(frames));
   f->obj_sid = -1;
   VG_(addToXA)(PH_(frames), &f);
   return f;
}

Int PH_(intern_py_frame)(Int file_sid, Int line, Int func_sid)
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
   f = PH_(new_frame)(FramePy);
   f->key = probe.key;
   f->file_sid = file_sid;
   f->line = line;
   f->func_sid = func_sid;
   VG_(HT_add_node)(py_frame_table, f);
   return f->fid;
}

const Frame *PH_(frame_of)(Int fid)
{
   return *(Frame **)VG_(indexXA)(PH_(frames), fid);
}

const HChar *const PH_(class_names)[N_CLASSES] = { "raw", "pymalloc", "python-large" };

/* Each stack has its counters beside it, per class (SiteStats), which
   ph_blocks.c keeps up to date at every event: both arrays grow together. */
static VgHashTable *stack_table;
StackNode         **PH_(stack_nodes); /* indexed by kid; [0] unused */
SiteStats          *PH_(sites);       /* indexed by kid; [0] = no stack */
UInt                PH_(n_stacks) = 1; /* kids in use, counting 0 */
static UInt         stacks_cap;

static Word cmp_stack(const void *a, const void *b)
{
   const StackNode *x = a, *y = b;
   return (x->parent == y->parent && x->fid == y->fid) ? 0 : 1;
}

static void grow_stacks(void)
{
   UInt new_cap = stacks_cap ? 2 * stacks_cap : 1024;
   PH_(stack_nodes) = VG_(realloc)("ph.stacks", PH_(stack_nodes),
                                   new_cap * sizeof(StackNode *));
   PH_(sites) = VG_(realloc)("ph.sites", PH_(sites), new_cap * sizeof(SiteStats));
   VG_(memset)(PH_(sites) + stacks_cap, 0, (new_cap - stacks_cap) * sizeof(SiteStats));
   stacks_cap = new_cap;
}

UInt PH_(intern_stack)(UInt parent, Int fid)
{
   StackNode probe, *n;
   probe.parent = parent;
   probe.fid = fid;
   probe.key = ((UWord)parent * 0x9E3779B97F4A7C15UL) ^ (UWord)fid;
   n = VG_(HT_gen_lookup)(stack_table, &probe, cmp_stack);
   if (n)
      return n->kid;
   if (PH_(n_stacks) == stacks_cap)
      grow_stacks();
   n = VG_(malloc)("ph.stack", sizeof(StackNode));
   *n = probe;
   n->kid = PH_(n_stacks)++;
   PH_(stack_nodes)[n->kid] = n;
   VG_(HT_add_node)(stack_table, n);
   return n->kid;
}

//------------------------------------------------------------//
//--- Initialisation                                       ---//
//------------------------------------------------------------//

void PH_(init_tables)(void)
{
   str_table      = VG_(HT_construct)("ph.strs");
   PH_(strs)      = VG_(newXA)(VG_(malloc), "ph.strs.xa", VG_(free), sizeof(Str *));
   py_frame_table = VG_(HT_construct)("ph.pyframes");
   PH_(frames)    = VG_(newXA)(VG_(malloc), "ph.frames.xa", VG_(free), sizeof(Frame *));
   stack_table    = VG_(HT_construct)("ph.stacks");
   grow_stacks();
}

/*--------------------------------------------------------------------*/
/*--- end                                              ph_tables.c ---*/
/*--------------------------------------------------------------------*/

/* pyheap: the tool: the interpreter: thread states, the Python stack walk, object types. */
/* SPDX-License-Identifier: GPL-2.0-or-later */

/*--------------------------------------------------------------------*/
/*--- pyheap: what pyheap reads of the interpreter.    ph_python.c ---*/
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
#include "pub_tool_libcprint.h"
#include "pub_tool_libcproc.h"
#include "pub_tool_mallocfree.h"

#include "ph_include.h"
#include "ph_debugoffsets.h"
#include "ph_linetable.h"
#include "ph_text.h"

//------------------------------------------------------------//
//--- The interpreter                                      ---//
//------------------------------------------------------------//

/* What the preload told us (PhPyInfo), and the layout of this version. */
static const PhPyLayout *py;         /* NULL: no usable interpreter */
unsigned long PH_(py_version_hex);
Bool          PH_(py_registered);    /* the preload found CPython */
PhHooksState  PH_(py_hooks) = PH_HOOKS_NONE;
Bool          PH_(py_finalizing);    /* finalisation started: exit snapshot taken */
static Addr   py_runtime;
static Addr   py_code_type, py_unicode_type, py_bytes_type, py_type_type;

Bool PH_(python_readable)(void)
{
   return py != NULL;
}

/* The hooks were installed, the interpreter ran, and not one of its
   allocations was reported: it replaced them (PYTHONMALLOC=...). */
Bool PH_(py_hooks_lost)(void)
{
   return PH_(py_hooks) == PH_HOOKS_INSTALLED && PH_(py_registered)
          && PH_(n_py_events) == 0;
}

void PH_(py_register)(Addr info_addr)
{
   PhPyInfo info;
   unsigned long v;
   /* Why the interpreter cannot be read: one warning line says it all. */
   const HChar *why = "not supported";
   VG_(memset)(&info, 0, sizeof info);
   PH_(read_guest)(&info, info_addr, sizeof info);

   PH_(py_registered) = True;
   PH_(py_version_hex) = v = info.version_hex;
   py_runtime = info.runtime;
   py_code_type = info.code_type;
   py_unicode_type = info.unicode_type;
   py_bytes_type = info.bytes_type;
   if (info.info_szB >= sizeof(PhPyInfo))
      py_type_type = info.type_type;
   py = ph_py_layout_for(v);
   if (py == NULL && v >= PH_PY_DEBUG_OFFSETS_FROM && py_runtime != 0) {
      /* The interpreter publishes its offsets at the start of _PyRuntime. */
      static UChar runtime_head[PH_DEBUG_OFFSETS_READ_SZB];
      static PhPyLayout from_runtime;
      Bool ok = PH_(read_guest)(runtime_head, py_runtime, sizeof runtime_head);
      Int rc = ok ? ph_py_layout_from_debug_offsets(runtime_head, sizeof runtime_head,
                                                    v, &from_runtime)
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
      if (v == 0)
         VG_(umsg)("pyheap: warning: this Python is older than 3.11 and not "
                   "supported: profiling native frames only\n");
      else
         VG_(umsg)("pyheap: warning: Python %lu.%lu.%lu: %s: "
                   "profiling native frames only\n",
                   (v >> 24) & 0xff, (v >> 16) & 0xff, (v >> 8) & 0xff, why);
   }
}

//------------------------------------------------------------//
//--- Thread states                                        ---//
//------------------------------------------------------------//

static ThreadCache *thread_cache;
static UInt         thread_cache_n;

ThreadCache *PH_(thread_cache_for)(ThreadId tid)
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

void PH_(forget_tstates)(void)
{
   UInt i;
   for (i = 0; i < thread_cache_n; i++)
      thread_cache[i].tstate = 0;
}

void PH_(forget_thread)(ThreadId tid)
{
   if (tid < thread_cache_n)
      VG_(memset)(&thread_cache[tid], 0, sizeof(ThreadCache));
}

void PH_(forget_all_threads)(ThreadId tid)
{
   if (thread_cache_n > 0)
      VG_(memset)(thread_cache, 0, thread_cache_n * sizeof(ThreadCache));
}

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
   ThreadCache *tc = PH_(thread_cache_for)(tid);
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
         PH_(flag_block)(ts, BF_TSTATE);
         return ts;
      }
   }
   return fallback;
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

/* The table's raw stacks are paths in a tree of frames, outermost frame
   nearest the root, so a program's stacks share what they have in common
   (the test runner's thirty frames under every test's own).  Whole, a raw
   stack took 16 bytes a Python frame: 450 bytes a stack on the average in
   CPython's test suite, and a run of test_lib2to3 interned 925,000 stacks.
   A tree node is 28 bytes, and a new stack adds a node or two.  The tree
   is walked only to compare a table entry, which happens on the ~1% of
   events whose stack is not one of the recent ones (they keep whole
   copies), and to add one.  Nodes are never removed: a stale raw stack's
   frames may come back, and the tree is as big as the program's code. */
typedef struct {
   UWord w1, w2;                      /* (code, instr), or (IP, NATIVE_TAG) */
   UInt  parent;                      /* the next frame out; 0: the root */
   UInt  next;                        /* the next node in its hash chain */
} RawNode;

#define NATIVE_TAG (~0UL)              /* never an instruction address */

static RawNode *raw_nodes;             /* [0] is the root */
static UInt     n_raw_nodes, cap_raw_nodes;
static UInt    *raw_node_heads;        /* hash chains, by (parent, w1, w2) */
static UInt     raw_node_mask;

typedef struct _RawStack {
   struct _RawStack *next;
   UWord             key;
   UInt              gen;
   UInt              kid;
   UInt              n_words;
   UInt              node;            /* its innermost frame */
} RawStack;

static VgHashTable *rawstack_table;
static UInt         rawstack_gen = 1;

ULong PH_(n_rawstack_hits);
ULong PH_(n_rawstack_recent_hits);
ULong PH_(n_rawstack_misses);

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

/* What the walk decided about a frame, by (frame, instruction).  A walk
   reads six words a frame (the code object, its type on 3.13+, the
   instruction, the owner, where the code's first traceable instruction
   is, the next frame); allocations come from the same deep stacks again
   and again (a test runner's thirty frames under every test), and a
   frame that was at the same instruction last time runs the same code
   object (the instruction lies in its bytecode) in the same way.  So a
   frame found here costs two reads, its instruction and the next frame.
   Valid while rawstack_gen is, like the raw-stack cache: a freed code
   object's address may come back as another one. */
#define N_FRAME_MEMO 1024

typedef struct {
   Addr frame, instr, code;           /* code 0: the walk skips this frame */
   UInt gen;
} FrameMemo;

static FrameMemo frame_memo[N_FRAME_MEMO];

static inline FrameMemo *frame_memo_for(Addr frame, Addr instr)
{
   UWord h = (frame ^ (instr * 0x9E3779B97F4A7C15UL)) >> 4;
   return &frame_memo[(h ^ (h >> 17)) & (N_FRAME_MEMO - 1)];
}

/* Fill the Python part of raw_words.  Inside a walk. */
static void walk_python_frames(ThreadId tid)
{
   Addr tstate, frame, code, instr, first;
   UInt guard, owner;
   UWord *out = &raw_words[1 + raw_n_native];
   FrameMemo *m;

   if (!PH_(py_finalizing) && rd_word(py_runtime + py->rt_finalizing) != 0) {
      /* The program is done; the interpreter starts tearing down.  What
         is live now is what the program left behind: the exit snapshot is
         taken before this allocation is recorded (not here, inside a
         walk: the snapshot reads guest memory itself). */
      PH_(py_finalizing) = True;
   }
   tstate = find_tstate(tid);
   if (tstate == 0)
      return;
   frame = current_frame(tstate);
   for (guard = 0; frame != 0 && raw_n_py < (UInt)PH_(clo_depth) && guard < 100000; guard++) {
      instr = rd_word(frame + py->fr_instr);
      m = frame_memo_for(frame, instr);
      if (m->frame != frame || m->instr != instr || m->gen != rawstack_gen) {
         code = rd_word(frame + py->fr_code) & ~py->fr_code_tag_bits;
         if (py_code_type != 0 && rd_word(code + py->ob_type) != py_code_type) {
            /* 3.13+: a frame may run something that is not a code object
               (or this is garbage): nothing to show for it. */
            code = 0;
         } else if ((Int)(owner = rd_u8(frame + py->fr_owner)) == py->owner_cstack) {
            code = 0;                  /* a shim between C and Python */
         } else if (owner != py->owner_generator && py->co_firsttraceable >= 0) {
            /* A frame still being set up has not reached its first
               traceable instruction; CPython hides those too. */
            first = code + py->co_code_adaptive
                    + 2 * (Addr)(Int)rd_u32(code + py->co_firsttraceable);
            if (instr < first)
               code = 0;
         }
         m->frame = frame;
         m->instr = instr;
         m->code = code;
         m->gen = rawstack_gen;
      }
      if (m->code != 0) {
         out[2 * raw_n_py] = m->code;
         out[2 * raw_n_py + 1] = instr;
         raw_n_py++;
      }
      frame = rd_word(frame + py->fr_previous);
   }
}

//------------------------------------------------------------//
//--- Code objects                                         ---//
//------------------------------------------------------------//

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
      return PH_(intern_str)("?");
   state = rd_u32(obj + py->str_state);
   if (!(state & (1u << py->str_compact_bit)))
      return PH_(intern_str)("?");          /* legacy string: not used for names */
   kind = (state >> py->str_kind_shift) & 7;
   if (kind != 1 && kind != 2 && kind != 4)
      return PH_(intern_str)("?");
   len = rd_word(obj + py->str_length);
   data = obj + ((state & (1u << py->str_ascii_bit)) ? py->str_ascii_data
                                                     : py->str_compact_data);
   if (len > sizeof raw / kind)
      len = sizeof raw / kind;
   PH_(rd_bytes)(raw, data, len * kind);
   n = ph_ucs_to_utf8(raw, kind, len, utf8, sizeof utf8);
   return PH_(intern_str_n)(utf8, n);
}

static CodeInfo *code_info(Addr code)
{
   CodeInfo *ci = VG_(HT_lookup)(code_table, code);
   Addr lt;
   UWord lt_len;

   if (ci)
      return ci;
   ci = VG_(calloc)("ph.code", 1, sizeof(CodeInfo));
   ci->key = code;
   /* Names stay "?" if a read below faults. */
   ci->file_sid = PH_(intern_str)("?");
   ci->func_sid = ci->file_sid;
   ci->firstlineno = (Int)rd_u32(code + py->co_firstlineno);
   ci->code_start = code + py->co_code_adaptive;
   /* Insert first: if a read below faults, the entry stays with what was
      read, and the walk goes on from the next allocation. */
   VG_(HT_add_node)(code_table, ci);
   ci->file_sid = read_str_sid(rd_word(code + py->co_filename));
   ci->func_sid = read_str_sid(rd_word(code + py->co_qualname));
   if (ci->file_sid < 0)
      ci->file_sid = PH_(intern_str)("?");
   if (ci->func_sid < 0)
      ci->func_sid = PH_(intern_str)("?");
   lt = rd_word(code + py->co_linetable);
   if (lt != 0 && (py_bytes_type == 0 || rd_word(lt + py->ob_type) == py_bytes_type)) {
      lt_len = rd_word(lt + py->var_size);
      if (lt_len > (1 << 20))
         lt_len = 1 << 20;
      ci->linetable = VG_(malloc)("ph.code.lt", lt_len ? lt_len : 1);
      PH_(rd_bytes)(ci->linetable, lt + py->bytes_sval, lt_len);
      ci->lt_len = lt_len;
   }
   /* Mark the block holding the code object (GC objects have a two-word
      header before the object), so that freeing it drops this entry. */
   if (ph_bt_find(&PH_(block_table), code, NULL) != PH_BT_NONE)
      PH_(flag_block)(code, BF_CODE);
   else
      PH_(flag_block)(code - 2 * sizeof(UWord), BF_CODE);
   return ci;
}

void PH_(forget_code)(Addr block_addr)
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

static inline UInt raw_node_hash(UInt parent, UWord w1, UWord w2)
{
   UWord h = (w1 * 0xFF51AFD7ED558CCDUL) ^ (w2 * 0xC4CEB9FE1A85EC53UL) ^ parent;
   return (UInt)((h ^ (h >> 31)) & raw_node_mask);
}

static UInt raw_node(UInt parent, UWord w1, UWord w2)
{
   UInt h = raw_node_hash(parent, w1, w2), i;
   RawNode *n;

   for (i = raw_node_heads[h]; i != 0; i = raw_nodes[i].next)
      if (raw_nodes[i].w1 == w1 && raw_nodes[i].w2 == w2 && raw_nodes[i].parent == parent)
         return i;
   if (n_raw_nodes == cap_raw_nodes) {
      cap_raw_nodes *= 2;
      raw_nodes = VG_(realloc)("ph.rawnode", raw_nodes, cap_raw_nodes * sizeof(RawNode));
   }
   if (n_raw_nodes > raw_node_mask) {
      /* As many chains as nodes: link them all again. */
      UInt j;
      VG_(free)(raw_node_heads);
      raw_node_mask = 2 * raw_node_mask + 1;
      raw_node_heads = VG_(calloc)("ph.rawnode.heads", raw_node_mask + 1, sizeof(UInt));
      for (j = 1; j < n_raw_nodes; j++) {
         UInt hj = raw_node_hash(raw_nodes[j].parent, raw_nodes[j].w1, raw_nodes[j].w2);
         raw_nodes[j].next = raw_node_heads[hj];
         raw_node_heads[hj] = j;
      }
      h = raw_node_hash(parent, w1, w2);
   }
   i = n_raw_nodes++;
   n = &raw_nodes[i];
   n->w1 = w1;
   n->w2 = w2;
   n->parent = parent;
   n->next = raw_node_heads[h];
   raw_node_heads[h] = i;
   return i;
}

/* The innermost node of raw_words's path, added as needed. */
static UInt raw_path(void)
{
   const UWord *pairs = &raw_words[1 + raw_n_native];
   UInt node = 0, i;
   for (i = raw_n_py; i > 0; i--)
      node = raw_node(node, pairs[2 * (i - 1)], pairs[2 * (i - 1) + 1]);
   for (i = raw_n_native; i > 0; i--)
      node = raw_node(node, raw_words[i], NATIVE_TAG);
   return node;
}

/* Is the path of B, a table entry, raw_words?  (A, the probe of a look-up,
   is only its key: VG_(HT_gen_lookup) passes the probe first.) */
static Word cmp_rawstack(const void *a, const void *b)
{
   const RawStack *x = b;
   const UWord *pairs = &raw_words[1 + raw_n_native];
   UInt node = x->node, i;
   (void)a;
   if (x->n_words != 1 + raw_n_native + 2 * raw_n_py)
      return 1;
   for (i = 0; i < raw_n_native; i++, node = raw_nodes[node].parent)
      if (node == 0 || raw_nodes[node].w1 != raw_words[1 + i]
          || raw_nodes[node].w2 != NATIVE_TAG)
         return 1;
   for (i = 0; i < raw_n_py; i++, node = raw_nodes[node].parent)
      if (node == 0 || raw_nodes[node].w1 != pairs[2 * i]
          || raw_nodes[node].w2 != pairs[2 * i + 1])
         return 1;
   return node == 0 ? 0 : 1;
}

/* Interpret raw_words into an interned stack.  Python frames are the
   callers (outermost first), native frames come below them. */
static UInt resolve_raw_stack(void)
{
   UInt kid = 0, i, n_py = raw_n_py, n_native = raw_n_native;
   const UWord *pairs = &raw_words[1 + n_native];

   /* Keep the innermost --depth frames. */
   if (n_native + n_py > (UInt)PH_(clo_depth))
      n_py = PH_(clo_depth) > (Int)n_native ? PH_(clo_depth) - n_native : 0;
   for (i = n_py; i > 0; i--) {
      Addr code = pairs[2 * (i - 1)], instr = pairs[2 * (i - 1) + 1];
      CodeInfo *ci = code_info(code);
      Int line = ph_linetable_addr2line(ci->linetable, ci->lt_len, ci->firstlineno,
                                        (Int)(instr - ci->code_start));
      Int fid = PH_(intern_py_frame)(ci->file_sid, line < 0 ? 0 : line, ci->func_sid);
      kid = PH_(intern_stack)(kid, fid);
   }
   for (i = n_native; i > 0; i--)
      kid = PH_(intern_stack)(kid, PH_(native_fid)(raw_words[i]));
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
   if (raw_n_py == 0 || PH_(clo_native)) {
      /* Native frames when there is no Python frame (C program, C code
         outside the interpreter), or when asked for.  Move the Python
         pairs out of the way first. */
      UWord pairs[2 * PH_MAX_DEPTH];
      UInt n_py = raw_n_py;
      VG_(memcpy)(pairs, &raw_words[1], 2 * n_py * sizeof(UWord));
      raw_n_py = 0;
      raw_n_native = PH_(walk_native_frames)(tid, n_py > 0, &raw_words[1]);
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
UInt PH_(capture_stack)(ThreadId tid)
{
   RawStack probe, *p = &probe, *rs;
   UInt n_words, kid = 0;

   raw_n_native = 0;
   raw_n_py = 0;
   if (!PH_(guarded)(walk_stack, &tid) && raw_n_py + raw_n_native == 0)
      return 0;                        /* a read faulted before any frame */
   raw_words[0] = raw_n_native;
   n_words = 1 + raw_n_native + 2 * raw_n_py;
   if (recent_stack_kid(n_words, &kid)) {
      PH_(n_rawstack_hits)++;
      PH_(n_rawstack_recent_hits)++;
      return kid;
   }
   p->n_words = n_words;
   p->key = hash_words(raw_words, n_words);
   rs = VG_(HT_gen_lookup)(rawstack_table, p, cmp_rawstack);
   if (rs != NULL && rs->gen == rawstack_gen) {
      PH_(n_rawstack_hits)++;
      remember_raw_stack(n_words, rs->kid);
      return rs->kid;
   }
   if (rs != NULL) {
      /* Stale: a code object it names was freed.  Resolve again. */
      VG_(HT_remove)(rawstack_table, rs->key);
      /* HT_remove removes the first node with that key, which may be
         another raw stack with the same hash: put that one back. */
      if (cmp_rawstack(p, rs) != 0) {
         VG_(HT_add_node)(rawstack_table, rs);
      } else {
         VG_(free)(rs);
      }
   }
   PH_(n_rawstack_misses)++;
   if (!PH_(guarded)(resolve_stack, &kid))
      return 0;                        /* a code object's read faulted: give up */
   rs = VG_(malloc)("ph.rawstack", sizeof(RawStack));
   rs->key = p->key;
   rs->gen = rawstack_gen;
   rs->kid = kid;
   rs->n_words = n_words;
   rs->node = raw_path();
   VG_(HT_add_node)(rawstack_table, rs);
   remember_raw_stack(n_words, kid);
   return kid;
}

//------------------------------------------------------------//
//--- What the live blocks are: object types               ---//
//------------------------------------------------------------//

/* Is a block a Python object, and of what type?  CPython places an object
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
   tn->sid = PH_(intern_str)(buf);
   VG_(HT_add_node)(type_table, tn);
   return tn->sid;
}

/* The object in block B: its type's name (-1: B holds no object), with
   the object's offset in the block and its type object.  With DEAD, an
   object whose reference count is 0 counts too (*DEAD says which): a
   dead object a free list keeps, its words stale but for the list's
   link.  Inside a read. */
Int PH_(block_object)(const Block *b, UInt *obj_off, Addr *type, Bool *dead)
{
   static const UInt offsets[] = { 0, 2 * sizeof(UWord), 4 * sizeof(UWord) };
   UInt i;
   for (i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
      Addr obj = b->addr + offsets[i];
      UWord refcnt, flags;
      Addr t;
      Int sid;
      if (offsets[i] + 2 * sizeof(UWord) > b->szB)
         break;
      refcnt = rd_word(obj);
      if ((refcnt == 0 && dead == NULL) || refcnt > (1UL << 40))
         continue;
      t = rd_word(obj + 8);
      sid = type_name_sid(t);
      if (sid < 0)
         continue;
      flags = rd_word(t + TP_FLAGS_OFF);
      if ((i == 0 && !(flags & TPFLAG_HAVE_GC))
          || (i == 1 && (flags & TPFLAG_HAVE_GC) && !(flags & TPFLAG_PREHEADER))
          || (i == 2 && (flags & TPFLAG_HAVE_GC) && (flags & TPFLAG_PREHEADER))) {
         *obj_off = offsets[i];
         *type = t;
         if (dead != NULL)
            *dead = refcnt == 0;
         return sid;
      }
   }
   return -1;
}

/* The type of the object in block B, or -1.  Inside a read. */
Int PH_(block_type_sid)(const Block *b)
{
   UInt obj_off;
   Addr type;
   return PH_(block_object)(b, &obj_off, &type, NULL);
}

/* Is T (a type object) weakref.ref, a proxy type or a subclass of one?
   Their referent is not held.  PyWeakReference starts with the object
   header and wr_object; tp_base is at 256 in PyTypeObject, public API
   unchanged since 3.8.  Inside a read. */
#define TP_BASE_OFF 256

Bool PH_(type_is_weakref)(Addr t)
{
   static Int ref_sids[3] = { -2, -2, -2 };
   static const HChar *const names[3] = {
      "weakref.ReferenceType", "weakref.ProxyType", "weakref.CallableProxyType"
   };
   UInt depth, i;
   if (ref_sids[0] == -2)
      for (i = 0; i < 3; i++)
         ref_sids[i] = PH_(intern_str)(names[i]);
   for (depth = 0; depth < 16 && t != 0; depth++) {
      Int sid = type_name_sid(t);
      if (sid < 0)
         return False;
      for (i = 0; i < 3; i++)
         if (sid == ref_sids[i])
            return True;
      t = rd_word(t + TP_BASE_OFF);
   }
   return False;
}

/* Where the pointer-free part of the object OBJ of type T, with ROOM
   bytes to its block's end, starts, from OBJ; 0 if it may hold pointers
   anywhere.  A str's characters, a bytes'
   bytes, an int's digits, a float's value and a code object's bytecode
   are data: read as words they look like heap addresses (Valgrind puts
   the heap low, and two 16-bit code units followed by two empty inline
   caches make a 32-bit number).  Subclasses are read whole.  Inside a
   read. */
#define TPFLAG_HEAPTYPE (1UL << 9)

UInt PH_(object_data_off)(Addr obj, Addr t, SizeT room)
{
   static Int int_sid = -2, float_sid = -2;
   Int sid;
   if (py == NULL)
      return 0;
   /* Each kind is checked against the room the object has in its block
      (from the object to the block's end): a block whose words only look
      like such an object (a list's item array holding `int` and `str`
      themselves) must be read whole, or real pointers would be missed. */
   if (t == py_unicode_type && t != 0) {
      UInt state = rd_u32(obj + py->str_state), kind;
      UWord len = rd_word(obj + py->str_length), data;
      if (!(state & (1u << py->str_compact_bit)))
         return 0;
      kind = (state >> py->str_kind_shift) & 7;
      data = (state & (1u << py->str_ascii_bit)) ? py->str_ascii_data
                                                  : py->str_compact_data;
      if ((kind != 1 && kind != 2 && kind != 4) || len > room
          || data + (len + 1) * kind != room)
         return 0;
      return (UInt)data;
   }
   if (t == py_bytes_type && t != 0) {
      UWord len = rd_word(obj + py->var_size);
      return len < room && py->bytes_sval + len + 1 == room ? py->bytes_sval : 0;
   }
   if (t == py_code_type && t != 0)
      return room > (SizeT)py->co_code_adaptive ? py->co_code_adaptive : 0;
   if (int_sid == -2) {
      int_sid = PH_(intern_str)("int");
      float_sid = PH_(intern_str)("float");
   }
   sid = type_name_sid(t);
   if ((sid == int_sid || sid == float_sid) && PH_(type_is_static)(t)) {
      /* A float is 24 bytes; an int's digits (4 bytes each) follow its
         size word, at most a few hundred bytes for the ints programs keep
         by the million. */
      if (sid == float_sid)
         return room == 3 * sizeof(UWord) ? 2 * sizeof(UWord) : 0;
      return room >= py->var_size + sizeof(UWord) + 4 && room <= 4096
             ? py->var_size + sizeof(UWord) : 0;
   }
   return 0;
}

/* Are the instances of type T types (T is `type` or a metaclass)?
   Inside a read. */
Bool PH_(type_makes_types)(Addr t)
{
   return (rd_word(t + TP_FLAGS_OFF) & TPFLAG_TYPE_SUBCLASS) != 0;
}

/* Is the type object T one of the interpreter's own (not a class made at
   run time)?  Inside a read. */
Bool PH_(type_is_static)(Addr t)
{
   return !(rd_word(t + TP_FLAGS_OFF) & TPFLAG_HEAPTYPE);
}

/* The text of OBJ if it is a str object, interned; else -1.  Inside a read. */
Int PH_(str_object_sid)(Addr obj)
{
   if (py == NULL || py_unicode_type == 0 || obj == 0 || (obj & 7) != 0)
      return -1;
   if (rd_word(obj + py->ob_type) != py_unicode_type)
      return -1;
   return read_str_sid(obj);
}

//------------------------------------------------------------//
//--- Initialisation                                       ---//
//------------------------------------------------------------//

void PH_(init_python)(void)
{
   rawstack_table = VG_(HT_construct)("ph.rawstacks");
   cap_raw_nodes = 1024;
   raw_nodes = VG_(malloc)("ph.rawnode", cap_raw_nodes * sizeof(RawNode));
   n_raw_nodes = 1;                    /* the root */
   raw_node_mask = 1023;
   raw_node_heads = VG_(calloc)("ph.rawnode.heads", raw_node_mask + 1, sizeof(UInt));
   code_table     = VG_(HT_construct)("ph.code");
   type_table     = VG_(HT_construct)("ph.types");
}

/*--------------------------------------------------------------------*/
/*--- end                                              ph_python.c ---*/
/*--------------------------------------------------------------------*/

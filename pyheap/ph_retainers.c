/* pyheap: the tool: who holds the live blocks: a scan of the program's memory for pointers, as memcheck's leak checker scans. */
/* SPDX-License-Identifier: GPL-2.0-or-later */

/*--------------------------------------------------------------------*/
/*--- pyheap: what keeps each live block alive.     ph_retainers.c ---*/
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

/* Who holds it
   ~~~~~~~~~~~~
   A Python leak is memory something still points at: a module-level
   list, a dict used as an index, a bound method in a registry.  The
   stack that allocated a block says where it was made; what keeps it
   alive is the chain of blocks that point at it, up to something the
   user can name.  This file finds that chain for every live block, the
   way memcheck's leak checker finds what is reachable: it reads the
   program's memory word by word, without running any of its code, and
   treats every word whose value falls inside a live block as a pointer
   to that block.

   The scan, at the exit snapshot and at user and region snapshots (and
   so in the file of the detailed_snapshot monitor command):

   1. The live blocks are sorted by address, so that the block a word
      points into (its start, or inside it: an object behind its GC
      header, a dict's values behind their prefix) is a binary search.
   2. Roots: the program's writable mappings that are not heap --
      static data of the executable and its libraries (`global`), thread
      stacks from the stack pointer up, and the registers (`stack`), the
      chunks where CPython keeps its running frames' locals (`frame`),
      other mappings (`mapped`).  The heap itself (Valgrind's client
      arena, where freed chunks keep stale words) and pymalloc's arenas
      (free slots do too) are not roots: only live blocks are read there.
   3. From the roots, breadth first -- static data, then stacks and
      registers, then the frame chunks, each read out before the next (at
      the exit snapshot no frame runs: the chunks hold only stale words)
      -- a block reached for the first time records who reached it (its
      holder: a root kind, or the block and the offset in it where the
      pointer was) and is read in its turn.  Breadth first gives the
      shortest chains, the ones through which a program names things
      (sys.modules, a module's dict, a global), rather than the first
      path a depth-first walk happens on.  Every reachable block has one
      holder, and following holders up always ends at a root: no cycles.
      Then three corrections, each checked to make no cycle: a block
      that also points at a block a root reached is the better holder
      (static data and stacks keep stale words: a free list's slot still
      naming the dict it handed out); an owner takes what it owns
      whoever reached it first (a module its dict, which each of its
      functions also points at; a list its item array; numpy's ndarray
      its data); a dead object a free list keeps is read last and holds
      only what nothing else reaches (its words are stale).
   4. What no root reaches is unreachable -- memcheck's "definitely
      lost" when nothing points at a block at all, "indirectly lost"
      when only other unreachable blocks do: each such cluster is read
      from a block nothing points at (its holder is `lost`), and its
      other blocks hold through it.
   5. For each block, its chain: holder after holder, up to the first
      one stored under a name (the key of a dict entry: a module global,
      a class attribute, a dict's key) or a root, at most
      PH_RET_MAX_LINKS links.  Blocks with the same stack, class, type
      and chain (each link's stack, class and type) are summed; a link's
      name is kept where all of them agree (else "various").

   What the words of an object are: CPython links every GC-tracked object
   to its neighbours in the collector's lists through its GC header, the
   two words before the object; those are not references and are
   skipped.  The type pointer of an object is a reference (an instance
   keeps its class alive) but a poor answer to "who holds this class", so
   it is followed last: a type gets an instance as its holder only if
   nothing else reaches it.  A weak reference's referent (wr_object) is
   not held by it and is skipped.

   What a conservative scan cannot tell: a word that happens to have a
   heap address's value (an integer, a hash, a stale word in a list's
   spare capacity or in a block's unused tail) makes a block look held:
   blocks may be reported reachable that are not (never the other way:
   a real pointer is always seen, unless the program hides it, e.g. XORed
   or kept only in a file).  A block reachable several ways is filed
   under the first holder found; every holder is a real pointer, but not
   necessarily the one the program thinks of as the owner.  Pointers
   kept by tools in the same process (tracemalloc's table of traces)
   hold every block they trace.

   What is read as data, not pointers: a list's spare capacity (past
   ob_size), a bytearray's bytes, the characters of a str, the bytes of
   a bytes, an int's digits, a float's value, a code object's bytecode
   (two 16-bit code units and two empty inline caches read as one word
   make a heap address: Valgrind puts the heap low).

   Cost: about 50 bytes per live block while the scan runs (the blocks
   sorted by address, a node each, the queue; freed after it), and time
   linear in the heap's size plus a binary search per word that looks
   like a heap address: 0.2 s and 0.9 s at 1 M and 4 M live objects
   (bench/retainers/run).
*/

#include "config.h"
#include "pub_tool_basics.h"
#include "pub_tool_aspacehl.h"
#include "pub_tool_aspacemgr.h"
#include "pub_tool_hashtable.h"
#include "pub_tool_libcassert.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_libcprint.h"
#include "pub_tool_machine.h"
#include "pub_tool_mallocfree.h"
#include "pub_tool_threadstate.h"

#include "ph_include.h"
#include "ph_heapgraph.h"

Bool  PH_(clo_retainers) = True;
ULong PH_(n_retainer_scans);
ULong PH_(n_retainer_faults);

const HChar *const PH_(held_end_names)[N_HELD_ENDS] = {
   "module", "global", "stack", "frame", "mapped", "lost", "deep"
};

//------------------------------------------------------------//
//--- The scan's state                                     ---//
//------------------------------------------------------------//

/* A node's holder when it is not a block. */
#define HOLDER_NONE    0xffffffffu      /* not reached yet */
#define HOLDER_LOST    0xfffffff0u      /* nothing points at it */
#define HOLDER_ROOT(e) (0xfffffff1u + (UInt)(e))   /* a root of kind HeldEnd e */
#define IS_BLOCK(h)    ((h) < HOLDER_LOST)

#define NODE_TYPE_LATER 1               /* a type reached only by ob_type so far */
#define NODE_WEAKREF    2
#define NODE_DEAD       4               /* a dead object on a free list */
#define NODE_READ       8               /* its words were read */
#define NODE_LIMITED    16              /* only words below data_off hold pointers */
#define NODE_LIST       32              /* a list (the built-in type) */
#define NODE_BYTEARRAY  64              /* a bytearray (the built-in type) */
#define NODE_CLASS      128             /* a type object (a class) */
#define NODE_ROOT_LATER 256             /* Python storage a root reached: read late */

typedef struct {
   UInt  slot;            /* its index in PH_(block_table) */
   UInt  szB;             /* the block's size, at most 4 GiB - 1 */
   UInt  holder;          /* a node, or HOLDER_* */
   UInt  off;             /* where in the holder the pointer was */
   Int   type_sid;        /* -1: no object */
   Int   name_sid;        /* NAME_UNREAD, or the key it is stored under, or -1 */
   UInt  data_off;        /* words from here on are data, not pointers (0: none) */
   UChar obj_off;         /* where the object starts in the block */
   UShort flags;
} Node;

#define NAME_UNREAD (-3)

typedef struct _HeldAgg {
   struct _HeldAgg *next;
   UWord            key;
   HeldEntry        e;
} HeldAgg;

/* Statics: a fault jumps out of the function that reads, and the scan
   resumes from here. */
static UInt  n_nodes;
static Addr *starts;               /* sorted */
static Node *nodes;                /* in the same order */
static UInt *todo;                 /* the breadth-first queue: */
static UInt  todo_head, todo_tail; /* each node enters it once */
static Addr  heap_lo, heap_hi;
static UInt  cur_lost;             /* the cluster being read in step 4 */
static XArray *type_later;         /* of TypeLater */
static Int     module_sid;         /* the type names "module", "list", */
static Int     list_sid;           /* "bytearray", "numpy.ndarray" */
static Int     bytearray_sid;
static Int     ndarray_sid;
static XArray *dead_later;         /* of UInt: dead objects, read last */
static Bool    reading_dead;       /* reading them: reach only the unreached */

/* The block in table slot SLOT, copied into *COPY (no block is added or
   removed while the scan runs, so slots stay put). */
static const Block *block_at(UWord slot, Block *copy)
{
   Bool live = ph_bt_at(&PH_(block_table), slot, copy);
   tl_assert(live);
   return copy;
}

typedef struct {
   UInt node;
   UInt holder;
   UInt off;
} TypeLater;

/* The node of the block the word W points into, or -1. */
static inline Int node_of(UWord w)
{
   long i;
   if (w < heap_lo || w >= heap_hi)
      return -1;
   i = ph_hg_floor(starts, n_nodes, w);
   if (i < 0)
      return -1;
   if (w - starts[i] >= nodes[i].szB && !(w == starts[i]))
      return -1;
   return (Int)i;
}

/* Is node J among the holders of node I (or I itself)?  True also when
   the chain is too long to tell. */
static Bool holds(UInt j, UInt i)
{
   UInt steps;
   for (steps = 0; steps < 256; steps++) {
      if (i == j)
         return True;
      if (!IS_BLOCK(i))
         return False;
      i = nodes[i].holder;
   }
   return True;
}

/* Word W was found at OFF in HOLDER (a node or a root).  OWNS: the word
   is one by which the holder owns what it points at (a module's dict),
   which makes it the holder whoever reached the block first. */
static inline void reach_word(UWord w, UInt holder, UInt off, Bool owns)
{
   Int j = node_of(w);
   UInt h;
   if (j < 0)
      return;
   h = nodes[j].holder;
   if (owns && !reading_dead && IS_BLOCK(h) && h != holder
       && !holds((UInt)j, holder)) {
      nodes[j].holder = holder;
      nodes[j].off = off;
      return;
   }
   if (h == HOLDER_NONE) {
      nodes[j].holder = holder;
      nodes[j].off = off;
      todo[todo_tail++] = (UInt)j;
   } else if (IS_BLOCK(h) || !IS_BLOCK(holder) || reading_dead) {
      return;
   } else if (h == HOLDER_LOST) {
      /* A cluster read earlier is held by this one: it is lost through it. */
      if ((UInt)j != cur_lost) {
         nodes[j].holder = holder;
         nodes[j].off = off;
      }
   } else if (!holds((UInt)j, holder)) {
      /* Reached from a root, and a block points at it too: the block is
         the better answer.  Static data and stacks keep stale words (a
         free list's slot, a dead frame's local), and what the program
         really holds is reached through the heap. */
      nodes[j].holder = holder;
      nodes[j].off = off;
   }
}

static inline void reach(UWord w, UInt holder, UInt off)
{
   reach_word(w, holder, off, False);
}

//------------------------------------------------------------//
//--- Reading blocks                                       ---//
//------------------------------------------------------------//

/* What block I holds: its object's type (which words to skip), then
   every word.  A node is read in two stages, each of which may fault: a
   type probe follows pointers that may be garbage (a block that is no
   object), and a fault there only means "no object".  The words of a live
   block are always mapped. */
static UInt cur_node = HOLDER_NONE;   /* the node being read */
static Bool cur_probed;               /* its type probe was started */

static void probe_node(UInt i)
{
   Node *nd = &nodes[i];
   Block copy;
   const Block *b = block_at(nd->slot, &copy);
   UInt obj_off = 0, data_off;
   Addr type = 0;
   Int sid;

   Bool dead = False;

   if (!PH_(python_readable)() || b->cls == ClsRaw)
      return;
   /* Dead: filed under "<free lists>" (3.13 on, where the tool sees
      objects go on and off a free list; 3.14's lists keep their link
      where the reference count was), or a reference count of 0. */
   if (PH_(dead_kid) != 0 && b->kid == PH_(dead_kid))
      nd->flags |= NODE_DEAD;
   sid = PH_(block_object)(b, &obj_off, &type, &dead);
   if (sid < 0)
      return;
   if (dead)
      nd->flags |= NODE_DEAD;
   nd->obj_off = (UChar)obj_off;
   if (PH_(type_is_weakref)(type))
      nd->flags |= NODE_WEAKREF;
   data_off = PH_(object_data_off)(b->addr + obj_off, type, b->szB - obj_off);
   nd->data_off = data_off ? obj_off + data_off : 0;
   if ((sid == list_sid || sid == bytearray_sid) && PH_(type_is_static)(type))
      nd->flags |= sid == list_sid ? NODE_LIST : NODE_BYTEARRAY;
   if (PH_(type_makes_types)(type))
      nd->flags |= NODE_CLASS;
   nd->type_sid = sid;
}

/* A list owns its item array, of which only the first ob_size words are
   items (the rest is spare capacity, stale words of whatever the memory
   held before); a bytearray owns its bytes, which are data.  Said before
   the storage is read, if it has not been (PyListObject: ob_size at 16,
   ob_item at 24; PyByteArrayObject: ob_bytes at 32; public layouts,
   unchanged since 3.8; `allocated` at 32, ob_alloc at 24).  Returns the
   offset of the owning word. */
#define TP_DICT_OFF    264             /* PyTypeObject.tp_dict */
#define LIST_SIZE_OFF  16
#define LIST_ITEMS_OFF 24
#define LIST_ALLOCATED_OFF 32
#define BYTEARRAY_ALLOC_OFF 24
#define BYTEARRAY_BYTES_OFF 32

static UInt own_storage(UInt i)
{
   const Node *nd = &nodes[i];
   Addr obj = starts[i] + nd->obj_off;
   UInt word = (nd->flags & NODE_LIST) ? LIST_ITEMS_OFF : BYTEARRAY_BYTES_OFF;
   UWord storage = rd_word(obj + word);
   /* The storage's size is what the object says it allocated (a list's
      `allocated` words, a bytearray's ob_alloc bytes), or this is no list
      (a block whose words happen to look like one) and limits nothing:
      cutting a block's words short on a false word would hide real
      pointers. */
   UWord alloc_szB = (nd->flags & NODE_LIST)
                     ? rd_word(obj + LIST_ALLOCATED_OFF) * sizeof(UWord)
                     : rd_word(obj + BYTEARRAY_ALLOC_OFF);
   Int j = node_of(storage);
   if (j >= 0 && storage == starts[j] && !(nodes[j].flags & NODE_READ)
       && alloc_szB == nodes[j].szB) {
      UWord limit = 0;
      if (nd->flags & NODE_LIST) {
         UWord size = rd_word(obj + LIST_SIZE_OFF);
         if (size * sizeof(UWord) > alloc_szB)
            return nd->obj_off + word;
         limit = size * sizeof(UWord);
      }
      nodes[j].flags |= NODE_LIMITED;
      nodes[j].data_off = (UInt)limit;
   }
   return nd->obj_off + word;
}

static void read_words(UInt i)
{
   Node *nd = &nodes[i];
   Block copy;
   const Block *b = block_at(nd->slot, &copy);
   Addr a = b->addr;
   UInt gc_lo = 0, gc_hi = 0, type_word = ~0u, skip_word = ~0u, owned_word = ~0u;
   SizeT off, len = b->szB;

   if ((nd->flags & NODE_DEAD) && !reading_dead) {
      VG_(addToXA)(dead_later, &i);
      return;
   }
   nd->flags |= NODE_READ;

   if (nd->type_sid >= 0) {
      if (nd->obj_off >= 2 * sizeof(UWord)) {
         gc_lo = nd->obj_off - 2 * sizeof(UWord);
         gc_hi = nd->obj_off;
      }
      type_word = nd->obj_off + sizeof(UWord);
      if (nd->flags & NODE_WEAKREF)
         skip_word = nd->obj_off + 2 * sizeof(UWord);
      /* A module owns its dict (md_dict, right after the object header):
         every function of the module points at that dict too (its
         globals), and whichever the scan read first would be named. */
      if (nd->type_sid == module_sid)
         owned_word = nd->obj_off + 2 * sizeof(UWord);
      if ((nd->flags & (NODE_LIST | NODE_BYTEARRAY)) && !(nd->flags & NODE_DEAD))
         owned_word = own_storage(i);
      /* numpy's ndarray owns its data (the field after the header; a
         view's data lies inside its base's buffer, which it does not own
         but holds as `base`). */
      if (nd->type_sid == ndarray_sid)
         owned_word = nd->obj_off + 2 * sizeof(UWord);
      /* A class owns its dict (tp_dict, public PyTypeObject layout): its
         attributes are "class attributes", however the scan reached the
         dict first (a method cache in static data names its values). */
      if (nd->flags & NODE_CLASS)
         owned_word = nd->obj_off + TP_DICT_OFF;
   }
   if ((nd->data_off > 0 || (nd->flags & NODE_LIMITED)) && nd->data_off < len)
      len = nd->data_off;
   if (len < sizeof(UWord))
      return;
   check_range(a, len);
   for (off = 0; off + sizeof(UWord) <= len; off += sizeof(UWord)) {
      UWord w;
      if ((off >= gc_lo && off < gc_hi) || off == skip_word)
         continue;
      w = *(volatile UWord *)(a + off);
      if (off == type_word) {
         Int j = node_of(w);
         if (j >= 0 && nodes[j].holder == HOLDER_NONE
             && !(nodes[j].flags & NODE_TYPE_LATER)) {
            TypeLater tl = { (UInt)j, i, (UInt)off };
            nodes[j].flags |= NODE_TYPE_LATER;
            VG_(addToXA)(type_later, &tl);
         }
         continue;
      }
      reach_word(w, i, (UInt)(off > 0xffffffffUL ? 0xffffffffUL : off),
                 off == owned_word);
   }
}

static Bool cur_reading;              /* its words are being read */

/* A root reached storage of Python's (no object in it: a dict's table, a
   list's item array, an instance's values) and nothing else has yet: read
   it last.  C code keeps objects in its static data, not their storage;
   a word there naming storage is most likely stale (3.11's free list of
   dict tables keeps the last table it handed out), and reading the
   storage now would make its owner -- reached through the storage's own
   contents, a class through its attributes' descriptors -- look held by
   it, so that the owner could never take it back. */
static XArray *root_later;           /* of UInt */

static Bool defer_root_storage(UInt i)
{
   Node *nd = &nodes[i];
   Block copy;
   if (IS_BLOCK(nd->holder) || nd->holder == HOLDER_LOST
       || nd->type_sid >= 0 || (nd->flags & NODE_ROOT_LATER)
       || block_at(nd->slot, &copy)->cls == ClsRaw)
      return False;
   nd->flags |= NODE_ROOT_LATER;
   VG_(addToXA)(root_later, &i);
   return True;
}

static void drain(void *unused)
{
   for (;;) {
      if (cur_node == HOLDER_NONE) {
         if (todo_head == todo_tail)
            return;
         cur_node = todo[todo_head++];
         cur_probed = False;
         cur_reading = False;
      }
      if (!cur_probed) {
         cur_probed = True;
         probe_node(cur_node);
         if (defer_root_storage(cur_node)) {
            cur_node = HOLDER_NONE;
            continue;
         }
      }
      cur_reading = True;
      read_words(cur_node);
      cur_node = HOLDER_NONE;
   }
}

/* Read everything reachable from what TODO holds.  A fault in a type
   probe leaves the block without a type; one in its words (which should
   not happen: the block is live) leaves the rest of it unread. */
static void drain_all(void)
{
   while (!PH_(guarded)(drain, NULL)) {
      PH_(n_retainer_faults)++;
      if (cur_reading)
         cur_node = HOLDER_NONE;
   }
}

//------------------------------------------------------------//
//--- Roots                                                ---//
//------------------------------------------------------------//

typedef struct {
   Addr start;
   Addr end;              /* exclusive */
   UInt kind;             /* HeldEnd */
} Range;

static Addr root_cur, root_end;
static UInt root_holder;

static void read_root(void *unused)
{
   while (root_cur < root_end) {
      Addr page_end = (root_cur | 4095) + 1;
      if (page_end > root_end)
         page_end = root_end;
      check_range(root_cur, page_end - root_cur);
      for (; root_cur + sizeof(UWord) <= page_end; root_cur += sizeof(UWord))
         reach(*(volatile UWord *)root_cur, root_holder, 0);
      root_cur = page_end;
   }
}

static void scan_range(Addr start, Addr end, UInt kind)
{
   root_cur = VG_ROUNDUP(start, sizeof(UWord));
   root_end = end;
   root_holder = HOLDER_ROOT(kind);
   while (root_cur < root_end) {
      if (!PH_(guarded)(read_root, NULL)) {
         PH_(n_retainer_faults)++;
         root_cur = (root_cur | 4095) + 1;   /* skip the page that faulted */
      }
   }
}

static void reach_register(ThreadId tid, const HChar *name, UWord val)
{
   reach(val, HOLDER_ROOT(HeldStack), 0);
}

static Int cmp_ranges(const void *a, const void *b)
{
   const Range *x = a, *y = b;
   return x->start < y->start ? -1 : x->start > y->start ? 1 : 0;
}

/* Scan [START, END) of kind KIND, less the EXCL ranges (sorted). */
static void scan_less(Addr start, Addr end, UInt kind, const Range *excl, UInt n_excl)
{
   UInt i;
   for (i = 0; i < n_excl && start < end; i++) {
      if (excl[i].end <= start || excl[i].start >= end)
         continue;
      if (excl[i].start > start)
         scan_range(start, excl[i].start, kind);
      start = excl[i].end;
   }
   if (start < end)
      scan_range(start, end, kind);
}

static void scan_roots(void)
{
   XArray *excl = VG_(newXA)(VG_(malloc), "ph.ret.excl", VG_(free), sizeof(Range));
   XArray *frames = VG_(newXA)(VG_(malloc), "ph.ret.frames", VG_(free), sizeof(Range));
   Addr *segs, prev_file_end = 0;
   Int n_segs, s, pass;
   UInt n_ar, i;
   PhArenaRange *ar = PH_(arena_ranges)(&n_ar);
   ThreadId tid;
   Addr smin, smax;

   /* Not roots: pymalloc's arenas (live blocks there are read as blocks),
      and the dead part of each stack, below the stack pointer.  CPython's
      frame chunks are roots of their own kind. */
   for (i = 0; i < n_ar; i++) {
      Range r = { ar[i].start, ar[i].start + ar[i].szB, HeldMapped };
      VG_(addToXA)(excl, &r);
      if (!ar[i].is_arena) {
         r.kind = HeldFrame;
         VG_(addToXA)(frames, &r);
      }
   }
   VG_(free)(ar);
   VG_(thread_stack_reset_iter)(&tid);
   while (VG_(thread_stack_next)(&tid, &smin, &smax)) {
      const NSegment *seg = VG_(am_find_nsegment)(smin);
      if (seg != NULL && seg->start < smin) {
         Range r = { seg->start, smin, HeldMapped };
         VG_(addToXA)(excl, &r);
      }
   }
   VG_(setCmpFnXA)(excl, cmp_ranges);
   VG_(sortXA)(excl);

   /* Static data first: what the interpreter reaches from its own state
      (sys.modules, the modules' dicts) gets its holders along those
      chains, not along a stale word on a stack. */
   segs = VG_(get_segment_starts)(SkFileC | SkAnonC | SkShmC, &n_segs);
   for (pass = 0; pass < 2; pass++, drain_all())
   for (s = 0; s < n_segs; s++) {
      const NSegment *seg = VG_(am_find_nsegment)(segs[s]);
      UInt kind;
      Bool is_stack = False;
      if (seg == NULL)
         continue;
      if (seg->kind == SkFileC && seg->hasW)
         prev_file_end = seg->end + 1;
      if (!seg->hasR || !seg->hasW || seg->isCH)
         continue;
      VG_(thread_stack_reset_iter)(&tid);
      while (VG_(thread_stack_next)(&tid, &smin, &smax))
         if (smax >= seg->start && smin <= seg->end)
            is_stack = True;
      if (is_stack)
         kind = HeldStack;
      else if (seg->kind == SkFileC || seg->start == prev_file_end)
         kind = HeldGlobal;          /* data, or the .bss right after it */
      else
         kind = HeldMapped;
      if ((kind == HeldGlobal) != (pass == 0))
         continue;
      scan_less(seg->start, seg->end + 1, kind,
                VG_(sizeXA)(excl) ? VG_(indexXA)(excl, 0) : NULL,
                (UInt)VG_(sizeXA)(excl));
   }
   VG_(free)(segs);
   VG_(apply_to_GP_regs)(reach_register);
   drain_all();
   /* CPython's frame chunks last: above the running frames they hold
      stale words (at the exit snapshot no frame runs at all), so they
      only get what nothing else reaches. */
   for (i = 0; i < (UInt)VG_(sizeXA)(frames); i++) {
      const Range *r = VG_(indexXA)(frames, i);
      scan_range(r->start, r->end, HeldFrame);
   }
   drain_all();
   VG_(deleteXA)(excl);
   VG_(deleteXA)(frames);
}

/* What only dead objects point at: their words are stale (the free
   list's link aside), so they hold only what nothing else reaches. */
/* Storage that roots reached (defer_root_storage), once the rest is read:
   by now its owner has taken it, or nothing else holds it. */
static void reach_root_storage_later(void)
{
   Word k;
   for (k = 0; k < VG_(sizeXA)(root_later); k++) {
      cur_node = *(UInt *)VG_(indexXA)(root_later, k);
      cur_probed = True;
      cur_reading = False;
      drain_all();
   }
   VG_(dropHeadXA)(root_later, VG_(sizeXA)(root_later));
}

static UInt dead_node;

static void read_dead_node(void *unused)
{
   read_words(dead_node);
}

static void reach_from_dead(void)
{
   Word k;
   for (k = 0; k < VG_(sizeXA)(dead_later); k++) {
      dead_node = *(UInt *)VG_(indexXA)(dead_later, k);
      reading_dead = True;
      if (!PH_(guarded)(read_dead_node, NULL))
         PH_(n_retainer_faults)++;
      reading_dead = False;
      drain_all();                 /* may add to dead_later */
   }
   VG_(dropHeadXA)(dead_later, VG_(sizeXA)(dead_later));
}

/* Types reached only through their instances' type pointers. */
static void reach_types_later(void)
{
   Word k;
   for (k = 0; k < VG_(sizeXA)(type_later); k++) {
      TypeLater *tl = VG_(indexXA)(type_later, k);
      Node *nd = &nodes[tl->node];
      if (nd->holder != HOLDER_NONE)
         continue;
      nd->holder = tl->holder;
      nd->off = tl->off;
      todo[todo_tail++] = tl->node;
      drain_all();                 /* may add to type_later */
   }
   VG_(dropHeadXA)(type_later, VG_(sizeXA)(type_later));
}

//------------------------------------------------------------//
//--- Chains                                               ---//
//------------------------------------------------------------//

/* The key a block is stored under in its holder, if the holder is a
   dict's keys table and the block the value of an entry with a str key. */
static UInt name_node;

static void read_name(void *unused)
{
   Node *nd = &nodes[name_node];
   const Node *h = &nodes[nd->holder];
   UChar hdr[PH_DICTKEYS_HEADER_SZB];
   PhDictKeys dk;
   UWord key_off;
   Addr table = starts[nd->holder];

   if (h->type_sid >= 0 || h->szB < PH_DICTKEYS_HEADER_SZB)
      return;                      /* an object is not a keys table */
   PH_(rd_bytes)(hdr, table, sizeof hdr);
   if (!ph_dictkeys_parse(hdr, h->szB, &dk))
      return;
   if (!ph_dictkeys_key_of_value(&dk, nd->off, &key_off))
      return;
   nd->name_sid = PH_(str_object_sid)(rd_word(table + key_off));
}

static Int name_of(UInt i)
{
   Node *nd = &nodes[i];
   if (nd->name_sid == NAME_UNREAD) {
      nd->name_sid = -1;
      if (IS_BLOCK(nd->holder) && PH_(python_readable)()) {
         name_node = i;
         if (!PH_(guarded)(read_name, NULL)) {
            PH_(n_retainer_faults)++;
            nd->name_sid = -1;
         }
      }
   }
   return nd->name_sid;
}

static Word cmp_held(const void *a, const void *b)
{
   const HeldEntry *x = &((const HeldAgg *)a)->e, *y = &((const HeldAgg *)b)->e;
   UInt k;
   if (x->kid != y->kid || x->cls != y->cls || x->type_sid != y->type_sid
       || x->end != y->end || x->n_links != y->n_links)
      return 1;
   for (k = 0; k < x->n_links; k++)
      if (x->links[k].kid != y->links[k].kid || x->links[k].cls != y->links[k].cls
          || x->links[k].type_sid != y->links[k].type_sid)
         return 1;
   return 0;
}

static UWord held_key(const HeldEntry *e)
{
   UWord h = ((UWord)e->kid << 32) ^ ((UWord)e->cls << 29) ^ (UWord)(UInt)e->type_sid
             ^ ((UWord)e->end << 40) ^ ((UWord)e->n_links << 44);
   UInt k;
   for (k = 0; k < e->n_links; k++)
      h = h * 0x100000001b3UL ^ (((UWord)e->links[k].kid << 20) ^ e->links[k].cls
                                 ^ ((UWord)(UInt)e->links[k].type_sid << 2));
   return h;
}

/* The chain of node I, into E (names filled). */
static void chain_of(UInt i, HeldEntry *e)
{
   Block copy;
   const Block *b = block_at(nodes[i].slot, &copy);
   UInt cur = i;
   e->kid = b->kid;
   e->cls = b->cls;
   e->type_sid = nodes[i].type_sid;
   e->n_links = 0;
   e->end = HeldDeep;
   for (;;) {
      UInt h = nodes[cur].holder;
      HeldLink *l;
      if (h == HOLDER_LOST) {
         e->end = HeldLost;
         return;
      }
      if (!IS_BLOCK(h)) {
         e->end = h == HOLDER_NONE ? HeldMapped : h - HOLDER_ROOT(0);
         return;
      }
      if (e->n_links == PH_RET_MAX_LINKS) {
         e->end = HeldDeep;
         return;
      }
      b = block_at(nodes[h].slot, &copy);
      l = &e->links[e->n_links++];
      l->kid = b->kid;
      l->cls = b->cls;
      l->type_sid = nodes[h].type_sid;
      l->name_sid = l->type_sid >= 0 ? name_of(h) : -1;
      if (l->type_sid >= 0 && l->type_sid == module_sid) {
         e->end = HeldModule;         /* sys.modules holds it */
         return;
      }
      cur = h;
   }
}

//------------------------------------------------------------//
//--- The scan                                             ---//
//------------------------------------------------------------//

/* Fill D's held entries: every live block born at allocation number
   MIN_SEQ or later, by stack, class, type and chain. */
void PH_(scan_retainers)(Detail *d, ULong min_seq)
{
   const PhBlockTable *bt = &PH_(block_table);
   PhHgBlock *hg, *tmp;
   VgHashTable *aggs;
   HeldAgg *a;
   Block copy;
   UWord s, n_slots;
   UInt i, j;

   if (!PH_(clo_retainers) || PH_(in_checkpoint))
      return;
   PH_(n_retainer_scans)++;
   n_nodes = (UInt)bt->n_live;
   d->n_held = 0;
   d->held = NULL;
   d->has_held = True;
   if (n_nodes == 0)
      return;

   /* 1. The live blocks by address. */
   hg = VG_(malloc)("ph.ret.sort", n_nodes * sizeof(PhHgBlock));
   tmp = VG_(malloc)("ph.ret.sort.tmp", n_nodes * sizeof(PhHgBlock));
   n_slots = ph_bt_n_slots(bt);
   tl_assert(n_slots <= 0xffffffffUL);   /* a node's slot is a UInt */
   for (s = 0, i = 0; s < n_slots; s++)
      if (ph_bt_at(bt, s, &copy)) {
         hg[i].start = copy.addr;
         hg[i].slot = s;
         i++;
      }
   tl_assert(i == n_nodes);
   ph_hg_sort(hg, tmp, n_nodes);
   VG_(free)(tmp);
   /* The slots wait in the queue's array while the sorted pairs are let go
      before the nodes are made: the scan's peak is then 44 bytes a block
      (starts, queue, nodes), not 56 (starts, pairs, nodes). */
   starts = VG_(malloc)("ph.ret.starts", n_nodes * sizeof(Addr));
   todo = VG_(malloc)("ph.ret.todo", n_nodes * sizeof(UInt));
   for (i = 0; i < n_nodes; i++) {
      starts[i] = hg[i].start;
      todo[i] = (UInt)hg[i].slot;
   }
   VG_(free)(hg);
   nodes = VG_(malloc)("ph.ret.nodes", n_nodes * sizeof(Node));
   heap_lo = starts[0];
   heap_hi = 0;
   for (i = 0; i < n_nodes; i++) {
      const Block *b = block_at(todo[i], &copy);
      Addr end = b->addr + (b->szB ? b->szB : 1);
      nodes[i].slot = todo[i];
      nodes[i].szB = b->szB > 0xffffffffUL ? 0xffffffffu : (UInt)b->szB;
      nodes[i].holder = HOLDER_NONE;
      nodes[i].off = 0;
      nodes[i].type_sid = -1;
      nodes[i].name_sid = NAME_UNREAD;
      nodes[i].obj_off = 0;
      nodes[i].data_off = 0;
      nodes[i].flags = 0;
      if (end > heap_hi)
         heap_hi = end;
   }
   todo_head = todo_tail = 0;
   type_later = VG_(newXA)(VG_(malloc), "ph.ret.types", VG_(free), sizeof(TypeLater));
   dead_later = VG_(newXA)(VG_(malloc), "ph.ret.dead", VG_(free), sizeof(UInt));
   root_later = VG_(newXA)(VG_(malloc), "ph.ret.rootlater", VG_(free), sizeof(UInt));
   cur_lost = HOLDER_NONE;
   module_sid = PH_(intern_str)("module");
   list_sid = PH_(intern_str)("list");
   bytearray_sid = PH_(intern_str)("bytearray");
   ndarray_sid = PH_(intern_str)("numpy.ndarray");

   /* 2, 3. What the roots reach; types reached only by their instances. */
   scan_roots();
   reach_types_later();
   reach_root_storage_later();
   reach_types_later();
   reach_from_dead();
   reach_types_later();

   /* 4. What they do not: clusters, each from a block nothing points at. */
   for (i = 0; i < n_nodes; i++) {
      if (nodes[i].holder != HOLDER_NONE)
         continue;
      nodes[i].holder = HOLDER_LOST;
      cur_lost = i;
      todo[todo_tail++] = i;
      drain_all();
      reach_types_later();
      reach_from_dead();
   }

   /* 5. Chains, summed. */
   aggs = VG_(HT_construct)("ph.ret.aggs");
   for (i = 0; i < n_nodes; i++) {
      HeldAgg probe;
      const Block *b = block_at(nodes[i].slot, &copy);
      if (b->seq < min_seq)
         continue;
      chain_of(i, &probe.e);
      probe.key = held_key(&probe.e);
      a = VG_(HT_gen_lookup)(aggs, &probe, cmp_held);
      if (a == NULL) {
         a = VG_(malloc)("ph.ret.agg", sizeof(HeldAgg));
         *a = probe;
         a->e.B = 0;
         a->e.n = 0;
         VG_(HT_add_node)(aggs, a);
      } else {
         for (j = 0; j < a->e.n_links; j++)
            if (a->e.links[j].name_sid != probe.e.links[j].name_sid)
               a->e.links[j].name_sid = PH_RET_NAME_VARIOUS;
      }
      a->e.B += b->szB;
      a->e.n += 1;
   }
   d->n_held = VG_(HT_count_nodes)(aggs);
   d->held = d->n_held ? VG_(malloc)("ph.detail.held", d->n_held * sizeof(HeldEntry)) : NULL;
   VG_(HT_ResetIter)(aggs);
   for (j = 0; (a = VG_(HT_Next)(aggs)) != NULL; j++)
      d->held[j] = a->e;
   VG_(HT_destruct)(aggs, VG_(free));

   VG_(free)(starts);
   VG_(free)(nodes);
   VG_(free)(todo);
   VG_(deleteXA)(type_later);
   VG_(deleteXA)(dead_later);
   VG_(deleteXA)(root_later);
   starts = NULL;
   nodes = NULL;
   todo = NULL;
   n_nodes = 0;
}

/*--------------------------------------------------------------------*/
/*--- end                                           ph_retainers.c ---*/
/*--------------------------------------------------------------------*/

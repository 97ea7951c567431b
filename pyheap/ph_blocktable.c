/* pyheap: the live-block table: heap blocks by address, packed in 16 bytes, in segments that split. */
/* SPDX-License-Identifier: GPL-2.0-or-later */

/* Every allocation and free of the program goes through this table, and a
   Python program easily has millions of live blocks, so two things matter:
   the cache misses of a look-up, and the bytes the tool spends per block
   (the program pays them in RSS; the target is at most 40).

   Why not the core's VgHashTable.  A chained table costs two or three cache
   misses a look-up (the chain head, the node, the node's neighbours), a
   64-bit division by a prime, and a node of 40 bytes or more with its
   allocator's header.  Here a block lives inline in its slot, slots are
   found by a hash that keeps neighbours together (home_slot), collisions by
   linear probing, and removal shifts the following entries back instead of
   leaving tombstones, so look-ups stay short after any amount of churn.

   Packing.  A block is an address, a size, an allocation number, a stack
   and a class: 30 bytes plainly.  Packed it takes 16 (PhPacked):

     w0: bits  0-43  address / 16      (aligned, below 2^48)
         bits 44-45  class
         bits 46-47  flags
         bits 48-63  size, low 16 bits
     w1: bits  0-1   size, bits 16-17  (so below 256 KiB)
         bits  2-25  stack             (below 2^24)
         bits 26-63  allocation number (below 2^38)

   A block that does not fit -- a size of 256 KiB or more, an address that
   malloc did not align, the 16,777,216th stack, the 274,877,906,944th
   allocation -- goes to a plain table of whole blocks beside (the "wide"
   table): few blocks are that big, and the limits on the others are
   reached only by runs that would have spent far more elsewhere.  Every
   look-up that misses the packed table asks the wide one when it is not
   empty; nothing else changes for the users.

   Segments.  One big open-addressing table doubles when it fills: at the
   moment it doubles the old and the new table are both there (three times
   the table), and between doublings its load is anywhere from a quarter to
   a half at the usual limits.  Here the packed slots are in segments of
   8,192 (128 KiB), found by the leading bits of the hash through a
   directory, as in extendible hashing: a segment that passes 80% load
   splits in two by the next bit of the hash, its blocks re-placed, and
   nothing else moves.  Loads stay between 40% and 80% (about 28 bytes a
   block on average), and growing costs one new segment at a time.

   Pure C with no library calls: built into the tool (with VG_(malloc)) and
   natively for tests/unit/test_blocktable.c. */

#include "ph_blocktable.h"

/* Where a block's search starts.  Heap addresses are 16-byte aligned, and
   blocks allocated together lie together (a pymalloc pool is 16 KiB of
   same-size blocks; malloc carves neighbours out of one chunk), and are
   often freed together.  Hashing each address on its own would scatter
   neighbours over the table: with a million blocks the table is tens of
   MiB, and every access a cache miss that the processor cannot see coming.
   So the 16 KiB region an address is in is hashed (Fibonacci hashing) to
   choose its segment, and its 2 KiB group (GROUP_BITS) to choose a place
   in the segment, and the address's place in its group is kept: the
   neighbours of a group use neighbouring slots, which the processor
   prefetches.  Not the whole region: at 80% load, runs of a thousand
   slots merged into clusters that every search had to cross (threaded.py
   took 1.4-2.2x as long); groups of 64 and 256 slots cost 4-6% more time
   than 128 on small_objects.py and threaded.py. */
#define REGION_BITS 14
#define SEG_MASK (PH_BT_SEG_SLOTS - 1)
#define SEG_MAX_LIVE ((unsigned int)(PH_BT_SEG_SLOTS * 80 / 100))
#define WIDE_MIN_BITS 6

static inline unsigned long region_hash(unsigned long addr)
{
   return (addr >> REGION_BITS) * 0x9E3779B97F4A7C15UL;
}

static inline unsigned int dir_index(const PhBlockTable *t, unsigned long hash)
{
   return t->depth ? (unsigned int)(hash >> (64 - t->depth)) : 0;
}

#define GROUP_BITS 7

static inline unsigned long home_slot(unsigned long addr)
{
   unsigned long group = ((addr >> (4 + GROUP_BITS)) * 0xC2B2AE3D27D4EB4FUL) >> (64 - PH_BT_SEG_BITS);
   return (group + ((addr >> 4) & ((1UL << GROUP_BITS) - 1))) & SEG_MASK;
}

static inline unsigned long wide_home(const PhWideTable *w, unsigned long addr)
{
   return (region_hash(addr) >> 20) & w->mask;
}

//------------------------------------------------------------//
//--- Packing                                              ---//
//------------------------------------------------------------//

#define ADDR_BITS PH_BT_ADDR_BITS
#define SIZE_BITS PH_BT_SIZE_BITS
#define KID_BITS  PH_BT_KID_BITS
#define SEQ_BITS  PH_BT_SEQ_BITS
#define ADDR_MASK ((1UL << ADDR_BITS) - 1)

static inline int packs(const PhBlock *b)
{
   return (b->addr & 15) == 0 && (b->addr >> (ADDR_BITS + 4)) == 0
      && (b->szB >> SIZE_BITS) == 0 && (b->kid >> KID_BITS) == 0
      && (b->seq >> SEQ_BITS) == 0 && b->cls < 4 && b->flags < 4;
}

/* The packed key of ADDR, or 0 if it cannot be in the packed table. */
static inline unsigned long packed_key(unsigned long addr)
{
   if ((addr & 15) != 0 || (addr >> (ADDR_BITS + 4)) != 0)
      return 0;
   return addr >> 4;
}

static inline void pack(PhPacked *p, const PhBlock *b)
{
   p->w0 = (b->addr >> 4) | ((unsigned long)b->cls << 44)
      | ((unsigned long)b->flags << 46) | ((b->szB & 0xFFFF) << 48);
   p->w1 = (b->szB >> 16) | ((unsigned long)b->kid << 2) | (b->seq << (64 - SEQ_BITS));
}

//------------------------------------------------------------//
//--- Segments                                             ---//
//------------------------------------------------------------//

static void zero_packed(PhPacked *s, unsigned long n)
{
   unsigned long i;
   for (i = 0; i < n; i++) {
      s[i].w0 = 0;
      s[i].w1 = 0;
   }
}

static unsigned int new_segment(PhBlockTable *t, unsigned int depth)
{
   PhSegment *s;
   if (t->n_segs == t->cap_segs) {
      unsigned int cap = t->cap_segs ? 2 * t->cap_segs : 16, i;
      PhSegment *segs = t->alloc("ph.blocktable.segs", cap * sizeof(PhSegment));
      for (i = 0; i < t->n_segs; i++)
         segs[i] = t->segs[i];
      if (t->segs)
         t->free(t->segs);
      t->segs = segs;
      t->cap_segs = cap;
   }
   s = &t->segs[t->n_segs];
   s->slots = t->alloc("ph.blocktable.seg", PH_BT_SEG_SLOTS * sizeof(PhPacked));
   zero_packed(s->slots, PH_BT_SEG_SLOTS);
   s->n_live = 0;
   s->depth = depth;
   return t->n_segs++;
}

static inline PhSegment *segment_of(const PhBlockTable *t, unsigned long addr)
{
   return &t->segs[t->dir[dir_index(t, region_hash(addr))]];
}

/* Put packed block P, whose address is not in segment S, into S. */
static void place(PhSegment *s, const PhPacked *p)
{
   unsigned long i = home_slot((p->w0 & ADDR_MASK) << 4);
   while (s->slots[i].w0 != 0)
      i = (i + 1) & SEG_MASK;
   s->slots[i] = *p;
   s->n_live++;
}

static void double_directory(PhBlockTable *t)
{
   unsigned long n = 1UL << t->depth, j;
   unsigned int *dir = t->alloc("ph.blocktable.dir", 2 * n * sizeof(unsigned int));
   for (j = 0; j < n; j++)
      dir[2 * j] = dir[2 * j + 1] = t->dir[j];
   t->free(t->dir);
   t->dir = dir;
   t->depth++;
}

/* Split segment K in two by the next bit of the hash. */
static void split(PhBlockTable *t, unsigned int k)
{
   unsigned int depth = t->segs[k].depth, m;
   unsigned long j, n, bit;
   PhSegment *s;

   if (depth == t->depth)
      double_directory(t);
   m = new_segment(t, depth + 1);
   t->segs[k].depth = depth + 1;
   n = 1UL << t->depth;
   bit = 1UL << (t->depth - depth - 1);
   for (j = 0; j < n; j++)
      if (t->dir[j] == k && (j & bit))
         t->dir[j] = m;

   s = &t->segs[k];
   for (j = 0; j < PH_BT_SEG_SLOTS; j++)
      t->scratch[j] = s->slots[j];
   zero_packed(s->slots, PH_BT_SEG_SLOTS);
   s->n_live = 0;
   for (j = 0; j < PH_BT_SEG_SLOTS; j++)
      if (t->scratch[j].w0 != 0)
         place(segment_of(t, (t->scratch[j].w0 & ADDR_MASK) << 4), &t->scratch[j]);
}

/* The slot of KEY (a packed key) in S, or -1. */
static inline long seg_find(const PhSegment *s, unsigned long key)
{
   unsigned long i = home_slot(key << 4);
   for (;;) {
      unsigned long w0 = s->slots[i].w0;
      if ((w0 & ADDR_MASK) == key && w0 != 0)
         return (long)i;
      if (w0 == 0)
         return -1;
      i = (i + 1) & SEG_MASK;
   }
}

static void seg_remove_at(PhSegment *s, unsigned long i)
{
   unsigned long j = i, k;

   s->n_live--;
   /* Shift back every following entry of the run that may move into the
      hole: one whose home slot is not cyclically in (i, j]. */
   for (;;) {
      j = (j + 1) & SEG_MASK;
      if (s->slots[j].w0 == 0)
         break;
      k = home_slot((s->slots[j].w0 & ADDR_MASK) << 4);
      if ((i < j) ? (k <= i || k > j) : (k <= i && k > j)) {
         s->slots[i] = s->slots[j];
         i = j;
      }
   }
   s->slots[i].w0 = 0;
   s->slots[i].w1 = 0;
}

//------------------------------------------------------------//
//--- The wide table                                       ---//
//------------------------------------------------------------//

static void wide_alloc(PhBlockTable *t, unsigned long cap)
{
   unsigned long i;
   t->wide.slots = t->alloc("ph.blocktable.wide", cap * sizeof(PhBlock));
   for (i = 0; i < cap; i++)
      t->wide.slots[i].addr = 0;
   t->wide.mask = cap - 1;
}

static long wide_find(const PhWideTable *w, unsigned long addr)
{
   unsigned long i;
   if (w->n_live == 0)
      return -1;
   i = wide_home(w, addr);
   for (;;) {
      if (w->slots[i].addr == addr)
         return (long)i;
      if (w->slots[i].addr == 0)
         return -1;
      i = (i + 1) & w->mask;
   }
}

static void wide_put(PhBlockTable *t, const PhBlock *b)
{
   PhWideTable *w = &t->wide;
   unsigned long i;

   if (2 * (w->n_live + 1) > w->mask + 1) {
      PhBlock *old = w->slots;
      unsigned long old_cap = w->mask + 1;
      wide_alloc(t, 2 * old_cap);
      for (i = 0; i < old_cap; i++) {
         if (old[i].addr != 0) {
            unsigned long j = wide_home(w, old[i].addr);
            while (w->slots[j].addr != 0)
               j = (j + 1) & w->mask;
            w->slots[j] = old[i];
         }
      }
      t->free(old);
   }
   i = wide_home(w, b->addr);
   while (w->slots[i].addr != 0)
      i = (i + 1) & w->mask;
   w->slots[i] = *b;
   w->n_live++;
}

static void wide_remove_at(PhWideTable *w, unsigned long i)
{
   unsigned long j = i, k;

   w->n_live--;
   for (;;) {
      j = (j + 1) & w->mask;
      if (w->slots[j].addr == 0)
         break;
      k = wide_home(w, w->slots[j].addr);
      if ((i < j) ? (k <= i || k > j) : (k <= i && k > j)) {
         w->slots[i] = w->slots[j];
         i = j;
      }
   }
   w->slots[i].addr = 0;
}

//------------------------------------------------------------//
//--- The table                                            ---//
//------------------------------------------------------------//

void ph_bt_init(PhBlockTable *t, PhAllocFn alloc, PhFreeFn free_fn)
{
   t->alloc = alloc;
   t->free = free_fn;
   t->n_live = 0;
   t->segs = 0;
   t->n_segs = t->cap_segs = 0;
   t->depth = 0;
   t->dir = alloc("ph.blocktable.dir", sizeof(unsigned int));
   t->dir[0] = new_segment(t, 0);
   t->scratch = alloc("ph.blocktable.scratch", PH_BT_SEG_SLOTS * sizeof(PhPacked));
   t->wide.n_live = 0;
   wide_alloc(t, 1UL << WIDE_MIN_BITS);
}

void ph_bt_destroy(PhBlockTable *t)
{
   unsigned int i;
   for (i = 0; i < t->n_segs; i++)
      t->free(t->segs[i].slots);
   t->free(t->segs);
   t->free(t->dir);
   t->free(t->scratch);
   t->free(t->wide.slots);
}

/* Indices: segment number * PH_BT_SEG_SLOTS + slot for packed blocks, then
   the wide table's slots. */
static inline unsigned long wide_base(const PhBlockTable *t)
{
   return (unsigned long)t->n_segs * PH_BT_SEG_SLOTS;
}

unsigned long ph_bt_find(const PhBlockTable *t, unsigned long addr, PhBlock *out)
{
   unsigned long key = packed_key(addr);
   long i;

   if (key != 0) {
      unsigned int k = t->dir[dir_index(t, region_hash(addr))];
      i = seg_find(&t->segs[k], key);
      if (i >= 0) {
         if (out)
            ph_bt_unpack(&t->segs[k].slots[i], out);
         return (unsigned long)k * PH_BT_SEG_SLOTS + (unsigned long)i;
      }
   }
   i = wide_find(&t->wide, addr);
   if (i < 0)
      return PH_BT_NONE;
   if (out)
      *out = t->wide.slots[i];
   return wide_base(t) + (unsigned long)i;
}

void ph_bt_prefetch(const PhBlockTable *t, unsigned long addr)
{
   __builtin_prefetch(&segment_of(t, addr)->slots[home_slot(addr)], 1);
}

void ph_bt_remove_at(PhBlockTable *t, unsigned long index, PhBlock *out)
{
   unsigned long base = wide_base(t);
   if (index >= base) {
      *out = t->wide.slots[index - base];
      wide_remove_at(&t->wide, index - base);
   } else {
      PhSegment *s = &t->segs[index >> PH_BT_SEG_BITS];
      ph_bt_unpack(&s->slots[index & SEG_MASK], out);
      seg_remove_at(s, index & SEG_MASK);
   }
   t->n_live--;
}

int ph_bt_remove(PhBlockTable *t, unsigned long addr, PhBlock *out)
{
   unsigned long i = ph_bt_find(t, addr, 0);
   if (i == PH_BT_NONE)
      return 0;
   ph_bt_remove_at(t, i, out);
   return 1;
}

int ph_bt_insert(PhBlockTable *t, const PhBlock *b, PhBlock *old)
{
   unsigned long key = packed_key(b->addr), i;
   int had_old = 0;
   unsigned int k;
   long w;
   PhSegment *s;

   if (key != 0) {
      /* One search finds the block there or the free slot for it. */
      s = &t->segs[t->dir[dir_index(t, region_hash(b->addr))]];
      for (i = home_slot(b->addr); s->slots[i].w0 != 0; i = (i + 1) & SEG_MASK) {
         if ((s->slots[i].w0 & ADDR_MASK) != key)
            continue;
         ph_bt_unpack(&s->slots[i], old);
         if (packs(b)) {
            pack(&s->slots[i], b);
            return 1;
         }
         seg_remove_at(s, i);
         wide_put(t, b);
         return 1;
      }
      w = wide_find(&t->wide, b->addr);
      if (w >= 0) {
         *old = t->wide.slots[w];
         wide_remove_at(&t->wide, (unsigned long)w);
         t->n_live--;
         had_old = 1;
      }
      t->n_live++;
      if (!packs(b)) {
         wide_put(t, b);
         return had_old;
      }
      if (s->n_live < SEG_MAX_LIVE) {
         pack(&s->slots[i], b);
         s->n_live++;
         return had_old;
      }
   } else {
      w = wide_find(&t->wide, b->addr);
      if (w >= 0) {
         *old = t->wide.slots[w];
         t->wide.slots[w] = *b;
         return 1;
      }
      t->n_live++;
      wide_put(t, b);
      return 0;
   }
   /* The segment is full: split it (again, if its blocks all go one way). */
   {
      PhPacked p;
      pack(&p, b);
      k = t->dir[dir_index(t, region_hash(b->addr))];
      while (t->segs[k].n_live >= SEG_MAX_LIVE) {
         split(t, k);
         k = t->dir[dir_index(t, region_hash(b->addr))];
      }
      place(&t->segs[k], &p);
   }
   return had_old;
}

void ph_bt_store(PhBlockTable *t, unsigned long index, const PhBlock *b)
{
   unsigned long base = wide_base(t);
   PhBlock gone;

   if (index >= base) {
      t->wide.slots[index - base] = *b;
   } else if (packs(b)) {
      pack(&t->segs[index >> PH_BT_SEG_BITS].slots[index & SEG_MASK], b);
   } else {
      ph_bt_remove_at(t, index, &gone);
      t->n_live++;
      wide_put(t, b);
   }
}



unsigned long ph_bt_bytes(const PhBlockTable *t)
{
   return (unsigned long)(t->n_segs + 1) * PH_BT_SEG_SLOTS * sizeof(PhPacked)
      + (unsigned long)t->cap_segs * sizeof(PhSegment)
      + (1UL << t->depth) * sizeof(unsigned int)
      + (t->wide.mask + 1) * sizeof(PhBlock);
}

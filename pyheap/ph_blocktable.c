/* pyheap: the live-block table: heap blocks by address, open addressing. */
/* SPDX-License-Identifier: GPL-2.0-or-later */

/* Why not the core's VgHashTable.  Every allocation and free of the
   program goes through this table, and a Python program easily has a
   million live blocks.  A chained table costs two or three cache misses a
   look-up there (the chain head, the node, the node's neighbours) and a
   64-bit division by a prime; measured on the bench workloads, add and
   remove were a tenth of the tool's time.  Here a block lives inline in
   its slot, slots are found by a hash that keeps neighbours together (see
   home_slot), collisions by linear probing, and removal shifts the following
   entries back instead of leaving tombstones, so look-ups stay short after
   any amount of churn.  The load factor stays at or below one half.

   Pure C with no library calls: built into the tool (with VG_(malloc)) and
   natively for tests/unit/test_blocktable.c. */

#include "ph_blocktable.h"

#define PH_BT_MIN_BITS 12

/* Where a block's search starts.  Heap addresses are 16-byte aligned, and
   blocks allocated together lie together (a pymalloc pool is 16 KiB of
   same-size blocks; malloc carves neighbours out of one chunk).  Hashing
   each address on its own would scatter neighbours over the whole table:
   with a million blocks the table is tens of MiB and every access a cache
   and TLB miss.  So the 16 KiB region an address is in is hashed
   (Fibonacci hashing), and the address's place inside the region is kept:
   neighbouring blocks use neighbouring slots. */
#define PH_BT_REGION_BITS 14

static unsigned long home_slot(const PhBlockTable *t, unsigned long addr)
{
   unsigned long region = ((addr >> PH_BT_REGION_BITS) * 0x9E3779B97F4A7C15UL) >> t->shift;
   unsigned long within = (addr >> 4) & ((1UL << (PH_BT_REGION_BITS - 4)) - 1);
   return (region + within) & t->mask;
}

static void zero_slots(PhBlock *slots, unsigned long n)
{
   unsigned long i;
   for (i = 0; i < n; i++) {
      slots[i].addr = 0;
      slots[i].szB = 0;
      slots[i].seq = 0;
      slots[i].kid = 0;
      slots[i].cls = 0;
      slots[i].flags = 0;
   }
}

static void alloc_slots(PhBlockTable *t, unsigned int bits)
{
   unsigned long cap = 1UL << bits;
   t->slots = t->alloc("ph.blocktable", cap * sizeof(PhBlock));
   zero_slots(t->slots, cap);
   t->mask = cap - 1;
   t->shift = 64 - bits;
}

void ph_bt_init(PhBlockTable *t, PhAllocFn alloc, PhFreeFn free_fn)
{
   t->alloc = alloc;
   t->free = free_fn;
   t->n_live = 0;
   alloc_slots(t, PH_BT_MIN_BITS);
}

PhBlock *ph_bt_lookup(const PhBlockTable *t, unsigned long addr)
{
   unsigned long i = home_slot(t, addr);
   for (;;) {
      PhBlock *b = &t->slots[i];
      if (b->addr == addr)
         return b;
      if (b->addr == 0)
         return 0;
      i = (i + 1) & t->mask;
   }
}

void ph_bt_prefetch(const PhBlockTable *t, unsigned long addr)
{
   __builtin_prefetch(&t->slots[home_slot(t, addr)], 1);
}

static void grow(PhBlockTable *t)
{
   PhBlock *old = t->slots;
   unsigned long old_cap = t->mask + 1, i;
   alloc_slots(t, 64 - t->shift + 1);
   for (i = 0; i < old_cap; i++) {
      if (old[i].addr != 0) {
         unsigned long j = home_slot(t, old[i].addr);
         while (t->slots[j].addr != 0)
            j = (j + 1) & t->mask;
         t->slots[j] = old[i];
      }
   }
   t->free(old);
}

PhBlock *ph_bt_insert(PhBlockTable *t, unsigned long addr, PhBlock *old, int *had_old)
{
   unsigned long i;
   PhBlock *b;

   *had_old = 0;
   if (2 * (t->n_live + 1) > t->mask + 1)
      grow(t);
   i = home_slot(t, addr);
   for (;;) {
      b = &t->slots[i];
      if (b->addr == 0)
         break;
      if (b->addr == addr) {
         *old = *b;
         *had_old = 1;
         t->n_live--;
         break;
      }
      i = (i + 1) & t->mask;
   }
   b->addr = addr;
   b->szB = 0;
   b->seq = 0;
   b->kid = 0;
   b->cls = 0;
   b->flags = 0;
   t->n_live++;
   return b;
}

static void remove_at(PhBlockTable *t, unsigned long i, PhBlock *out)
{
   unsigned long j, k;

   *out = t->slots[i];
   t->n_live--;
   /* Shift back every following entry of the run that may move into the
      hole: one whose home slot is not cyclically in (i, j]. */
   j = i;
   for (;;) {
      j = (j + 1) & t->mask;
      if (t->slots[j].addr == 0)
         break;
      k = home_slot(t, t->slots[j].addr);
      if ((i < j) ? (k <= i || k > j) : (k <= i && k > j)) {
         t->slots[i] = t->slots[j];
         i = j;
      }
   }
   t->slots[i].addr = 0;
}

int ph_bt_remove(PhBlockTable *t, unsigned long addr, PhBlock *out)
{
   unsigned long i = home_slot(t, addr);

   for (;;) {
      if (t->slots[i].addr == addr)
         break;
      if (t->slots[i].addr == 0)
         return 0;
      i = (i + 1) & t->mask;
   }
   remove_at(t, i, out);
   return 1;
}

void ph_bt_remove_slot(PhBlockTable *t, PhBlock *slot, PhBlock *out)
{
   remove_at(t, (unsigned long)(slot - t->slots), out);
}

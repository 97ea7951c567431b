/* pyheap: the live-block table: heap blocks by address, packed in 16 bytes, in segments that split. */
/* SPDX-License-Identifier: GPL-2.0-or-later */

#ifndef PH_BLOCKTABLE_H
#define PH_BLOCKTABLE_H

#include <stddef.h>

/* One live block, as the table's users see it: they get copies and write
   changes back with ph_bt_store().  The table keeps it packed (see
   ph_blocktable.c). */
typedef struct {
   unsigned long addr;         /* never 0 */
   unsigned long szB;
   unsigned long seq;          /* allocation number: order of birth */
   unsigned int  kid;          /* the stack that allocated it */
   unsigned char cls;          /* raw, pymalloc, python-large (< 4) */
   unsigned char flags;        /* < 4 */
} PhBlock;

typedef void *(*PhAllocFn)(const char *cost_centre, size_t szB);
typedef void (*PhFreeFn)(void *p);

/* A packed block; w0 == 0 marks an empty slot. */
typedef struct {
   unsigned long w0, w1;
} PhPacked;

typedef struct {
   PhPacked    *slots;         /* PH_BT_SEG_SLOTS of them */
   unsigned int n_live;
   unsigned int depth;         /* leading hash bits its blocks share */
} PhSegment;

/* Blocks that do not pack: whole PhBlocks, open addressing. */
typedef struct {
   PhBlock      *slots;
   unsigned long mask;
   unsigned long n_live;
} PhWideTable;

typedef struct {
   PhSegment    *segs;
   unsigned int  n_segs, cap_segs;
   unsigned int *dir;          /* 1 << depth segment numbers */
   unsigned int  depth;
   PhPacked     *scratch;      /* a segment's worth, for splitting */
   PhWideTable   wide;
   unsigned long n_live;
   PhAllocFn     alloc;
   PhFreeFn      free;
} PhBlockTable;

#define PH_BT_SEG_BITS 13
#define PH_BT_SEG_SLOTS (1UL << PH_BT_SEG_BITS)

/* No block: what ph_bt_find returns for an address not in the table. */
#define PH_BT_NONE (~0UL)

void ph_bt_init(PhBlockTable *t, PhAllocFn alloc, PhFreeFn free_fn);
void ph_bt_destroy(PhBlockTable *t);

/* The index of the block at ADDR and, if OUT is not NULL, the block; or
   PH_BT_NONE.  An index is valid until the next insert, remove or store. */
unsigned long ph_bt_find(const PhBlockTable *t, unsigned long addr, PhBlock *out);

/* Start loading the slot where a search for ADDR begins.  The table is
   far bigger than the caches: a caller with other work to do before it
   inserts ADDR hides the cache miss behind that work. */
void ph_bt_prefetch(const PhBlockTable *t, unsigned long addr);

/* Add the block B (B->addr not 0).  If a block already lives at its
   address, it is copied to *OLD and replaced, and 1 is returned (else 0). */
int ph_bt_insert(PhBlockTable *t, const PhBlock *b, PhBlock *old);

/* Write back B, the block at INDEX (same address) with fields changed. */
void ph_bt_store(PhBlockTable *t, unsigned long index, const PhBlock *b);

/* Remove the block at ADDR, copying it to *OUT.  Returns 1 if there was one. */
int ph_bt_remove(PhBlockTable *t, unsigned long addr, PhBlock *out);

/* Remove the block at INDEX, copying it to *OUT. */
void ph_bt_remove_at(PhBlockTable *t, unsigned long index, PhBlock *out);

/* The packed layout (ph_blocktable.c, "Packing"). */
#define PH_BT_ADDR_BITS 44          /* address / 16 */
#define PH_BT_SIZE_BITS 18
#define PH_BT_KID_BITS  24
#define PH_BT_SEQ_BITS  38

/* A packed block's fields. */
static inline void ph_bt_unpack(const PhPacked *p, PhBlock *b)
{
   b->addr = (p->w0 & ((1UL << PH_BT_ADDR_BITS) - 1)) << 4;
   b->cls = (unsigned char)((p->w0 >> 44) & 3);
   b->flags = (unsigned char)((p->w0 >> 46) & 3);
   b->szB = (p->w0 >> 48) | ((p->w1 & 3) << 16);
   b->kid = (unsigned int)((p->w1 >> 2) & ((1UL << PH_BT_KID_BITS) - 1));
   b->seq = p->w1 >> (64 - PH_BT_SEQ_BITS);
}

/* Every block: for I from 0 to ph_bt_n_slots() - 1, ph_bt_at() fills OUT
   and returns 1 if slot I holds a block.  Valid while nothing is added or
   removed; an index is also one for ph_bt_store.  Packed blocks have the
   indices segment * PH_BT_SEG_SLOTS + slot, the wide table's come after. */
static inline unsigned long ph_bt_n_slots(const PhBlockTable *t)
{
   return (unsigned long)t->n_segs * PH_BT_SEG_SLOTS + t->wide.mask + 1;
}

static inline int ph_bt_at(const PhBlockTable *t, unsigned long i, PhBlock *out)
{
   unsigned long base = (unsigned long)t->n_segs * PH_BT_SEG_SLOTS;
   if (i >= base) {
      if (t->wide.slots[i - base].addr == 0)
         return 0;
      *out = t->wide.slots[i - base];
      return 1;
   } else {
      const PhPacked *p = &t->segs[i / PH_BT_SEG_SLOTS].slots[i % PH_BT_SEG_SLOTS];
      if (p->w0 == 0)
         return 0;
      ph_bt_unpack(p, out);
      return 1;
   }
}

/* The memory the table holds, in bytes. */
unsigned long ph_bt_bytes(const PhBlockTable *t);

#endif /* PH_BLOCKTABLE_H */

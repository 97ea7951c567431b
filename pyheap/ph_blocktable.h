/* pyheap: the live-block table: heap blocks by address, open addressing. */
/* SPDX-License-Identifier: GPL-2.0-or-later */

#ifndef PH_BLOCKTABLE_H
#define PH_BLOCKTABLE_H

#include <stddef.h>

/* One live block.  Address 0 marks an empty slot (no block lives at 0). */
typedef struct {
   unsigned long addr;
   unsigned long szB;
   unsigned long seq;          /* allocation number: order of birth */
   unsigned int  kid;          /* the stack that allocated it */
   unsigned char cls;          /* raw, pymalloc, python-large */
   unsigned char flags;
} PhBlock;

typedef void *(*PhAllocFn)(const char *cost_centre, size_t szB);
typedef void (*PhFreeFn)(void *p);

typedef struct {
   PhBlock      *slots;
   unsigned long mask;         /* capacity - 1; capacity a power of two */
   unsigned long n_live;
   unsigned int  shift;        /* 64 - log2(capacity) */
   PhAllocFn     alloc;
   PhFreeFn      free;
} PhBlockTable;

void ph_bt_init(PhBlockTable *t, PhAllocFn alloc, PhFreeFn free_fn);

/* The block at ADDR, or NULL.  The pointer is valid until the next insert
   or remove. */
PhBlock *ph_bt_lookup(const PhBlockTable *t, unsigned long addr);

/* Start loading the slot where a search for ADDR begins.  The table is
   far bigger than the caches: a caller with other work to do before it
   inserts ADDR hides the cache miss behind that work. */
void ph_bt_prefetch(const PhBlockTable *t, unsigned long addr);

/* Add a block at ADDR (not 0) and return its slot, fields other than addr
   zeroed.  If a block already lives at ADDR, it is copied to *OLD, replaced,
   and 1 is stored in *HAD_OLD (else 0). */
PhBlock *ph_bt_insert(PhBlockTable *t, unsigned long addr, PhBlock *old, int *had_old);

/* Remove the block at ADDR, copying it to *OUT.  Returns 1 if there was one. */
int ph_bt_remove(PhBlockTable *t, unsigned long addr, PhBlock *out);

/* Remove the block in SLOT, as returned by ph_bt_lookup (no search again),
   copying it to *OUT. */
void ph_bt_remove_slot(PhBlockTable *t, PhBlock *slot, PhBlock *out);

#endif /* PH_BLOCKTABLE_H */

/* pyheap: the heap as a graph: blocks sorted by address, the block an address falls in, dict tables' slots. */
/* SPDX-License-Identifier: GPL-2.0-or-later */

/* The pure parts of the retainers scan (ph_retainers.c): no Valgrind, no
   guest memory, so that tests/unit/test_heapgraph.c builds them natively. */

#ifndef PH_HEAPGRAPH_H
#define PH_HEAPGRAPH_H

/* A live block for the scan: its start and where it is in the block table. */
typedef struct {
   unsigned long start;
   unsigned long slot;
} PhHgBlock;

/* Sort A[0..N) by start, ascending.  TMP has room for N blocks.  A radix
   sort: the scan sorts every live block, millions of them. */
void ph_hg_sort(PhHgBlock *a, PhHgBlock *tmp, unsigned long n);

/* The index of the last of the ascending STARTS[0..N) at or below ADDR,
   or -1 if ADDR is below them all. */
long ph_hg_floor(const unsigned long *starts, unsigned long n, unsigned long addr);

/* What may be a CPython dict's keys table (PyDictKeysObject, 3.11 on):
   a header of 32 bytes, the index of 2^log2_index_bytes bytes, then the
   entries: (hash, key, value) words, or (key, value) in a table whose keys
   are all str. */
#define PH_DICTKEYS_HEADER_SZB 32

typedef struct {
   unsigned long entries_off;       /* from the table's start */
   unsigned long entry_szB;         /* 24 or 16 */
   unsigned long key_off;           /* in an entry */
   unsigned long value_off;
   unsigned long n_entries;         /* entries in use (some may be deleted) */
} PhDictKeys;

/* Parse HDR, the first PH_DICTKEYS_HEADER_SZB bytes of a block of
   BLOCK_SZB bytes: 1 if it is plausibly a dict's keys table (every field
   in range, the entries inside the block), with *DK filled; else 0. */
int ph_dictkeys_parse(const unsigned char *hdr, unsigned long block_szB, PhDictKeys *dk);

/* 1 if the word at OFF from the table's start is the value of one of its
   entries, with *KEY_OFF the offset of that entry's key; else 0. */
int ph_dictkeys_key_of_value(const PhDictKeys *dk, unsigned long off,
                             unsigned long *key_off);

#endif /* PH_HEAPGRAPH_H */

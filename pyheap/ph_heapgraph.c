/* pyheap: the heap as a graph: blocks sorted by address, the block an address falls in, dict tables' slots. */
/* SPDX-License-Identifier: GPL-2.0-or-later */

/* Pure C with no library calls: built into the tool and natively for
   tests/unit/test_heapgraph.c.  See ph_retainers.c for what uses it. */

#include "ph_heapgraph.h"

/* LSD radix sort in 16-bit digits.  Only the digits in which some start
   differs from the first are sorted on: heap addresses share their top
   bits, so that is usually three passes, not four. */
#define DIGIT_BITS 16
#define N_BUCKETS  (1UL << DIGIT_BITS)

static unsigned long counts[N_BUCKETS];

void ph_hg_sort(PhHgBlock *a, PhHgBlock *tmp, unsigned long n)
{
   unsigned long differ = 0, i, shift;
   PhHgBlock *src = a, *dst = tmp;

   for (i = 1; i < n; i++)
      differ |= a[i].start ^ a[0].start;
   for (shift = 0; shift < 64; shift += DIGIT_BITS) {
      unsigned long sum = 0;
      PhHgBlock *t;
      if (((differ >> shift) & (N_BUCKETS - 1)) == 0)
         continue;
      for (i = 0; i < N_BUCKETS; i++)
         counts[i] = 0;
      for (i = 0; i < n; i++)
         counts[(src[i].start >> shift) & (N_BUCKETS - 1)]++;
      for (i = 0; i < N_BUCKETS; i++) {
         unsigned long c = counts[i];
         counts[i] = sum;
         sum += c;
      }
      for (i = 0; i < n; i++)
         dst[counts[(src[i].start >> shift) & (N_BUCKETS - 1)]++] = src[i];
      t = src;
      src = dst;
      dst = t;
   }
   if (src != a)
      for (i = 0; i < n; i++)
         a[i] = src[i];
}

long ph_hg_floor(const unsigned long *starts, unsigned long n, unsigned long addr)
{
   unsigned long lo = 0, hi = n;       /* the answer is lo - 1 */
   while (lo < hi) {
      unsigned long mid = lo + (hi - lo) / 2;
      if (starts[mid] <= addr)
         lo = mid + 1;
      else
         hi = mid;
   }
   return (long)lo - 1;
}

static unsigned long read_le(const unsigned char *p, int n)
{
   unsigned long v = 0;
   int i;
   for (i = n - 1; i >= 0; i--)
      v = (v << 8) | p[i];
   return v;
}

/* The header: dk_refcnt (8 bytes), dk_log2_size, dk_log2_index_bytes,
   dk_kind (one byte each), dk_version (4 bytes at 12), dk_usable (8 at
   16), dk_nentries (8 at 24).  Unchanged from 3.11 to 3.15 in the default
   (GIL) build.  Kinds: 0 general, 1 all keys str, 2 split (an instance
   dict's shared keys; its values live elsewhere). */
int ph_dictkeys_parse(const unsigned char *hdr, unsigned long block_szB, PhDictKeys *dk)
{
   unsigned long refcnt = read_le(hdr, 8);
   unsigned long log2_size = hdr[8], log2_index = hdr[9], kind = hdr[10];
   unsigned long usable = read_le(hdr + 16, 8), nentries = read_le(hdr + 24, 8);
   unsigned long size, capacity;

   if (refcnt == 0 || refcnt > (1UL << 40) || kind > 2)
      return 0;
   if (log2_size < 3 || log2_size > 40 || log2_index < log2_size || log2_index > log2_size + 3)
      return 0;
   size = 1UL << log2_size;
   capacity = (size << 1) / 3;         /* USABLE_FRACTION */
   if (nentries > capacity || usable > capacity || usable + nentries > capacity)
      return 0;
   dk->entries_off = PH_DICTKEYS_HEADER_SZB + (1UL << log2_index);
   dk->entry_szB = kind == 0 ? 24 : 16;
   dk->key_off = kind == 0 ? 8 : 0;
   dk->value_off = kind == 0 ? 16 : 8;
   dk->n_entries = nentries;
   if (dk->entries_off + nentries * dk->entry_szB > block_szB)
      return 0;
   return 1;
}

int ph_dictkeys_key_of_value(const PhDictKeys *dk, unsigned long off, unsigned long *key_off)
{
   unsigned long rel, i;
   if (off < dk->entries_off)
      return 0;
   rel = off - dk->entries_off;
   i = rel / dk->entry_szB;
   if (i >= dk->n_entries || rel % dk->entry_szB != dk->value_off)
      return 0;
   *key_off = dk->entries_off + i * dk->entry_szB + dk->key_off;
   return 1;
}

/* pyheap: unit tests of the retainers scan's pure parts: the sort by address, the block an address falls in, dict keys tables. */
/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ph_heapgraph.h"

static unsigned long long rng = 0x9e3779b97f4a7c15ULL;

static unsigned long next_rand(void)
{
   rng ^= rng << 13;
   rng ^= rng >> 7;
   rng ^= rng << 17;
   return (unsigned long)rng;
}

static int check(int ok, const char *what)
{
   printf("%s - %s\n", ok ? "ok" : "not ok", what);
   return ok ? 0 : 1;
}

static int cmp_ul(const void *a, const void *b)
{
   unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
   return x < y ? -1 : x > y;
}

/* Sort N heap-like addresses (clustered, 16-byte aligned, some far apart)
   and compare with qsort; every slot must follow its start. */
static int test_sort(unsigned long n, unsigned long spread)
{
   PhHgBlock *a = malloc(n * sizeof *a), *tmp = malloc(n * sizeof *tmp);
   unsigned long *ref = malloc(n * sizeof *ref), i;
   int ok = 1;
   char what[96];
   for (i = 0; i < n; i++) {
      unsigned long base = (next_rand() % 4 == 0) ? 0x7f0000000000UL : 0x4000000UL;
      a[i].start = base + 16 * (next_rand() % spread);
      a[i].slot = a[i].start ^ 0x5555;
      ref[i] = a[i].start;
   }
   ph_hg_sort(a, tmp, n);
   qsort(ref, n, sizeof *ref, cmp_ul);
   for (i = 0; i < n; i++)
      if (a[i].start != ref[i] || a[i].slot != (a[i].start ^ 0x5555))
         ok = 0;
   snprintf(what, sizeof what, "sort of %lu addresses (spread %lu) equals qsort's", n, spread);
   free(a); free(tmp); free(ref);
   return check(ok, what);
}

static int test_floor(void)
{
   unsigned long starts[1000], i;
   int ok = 1;
   for (i = 0; i < 1000; i++)
      starts[i] = 1000 + 48 * i;
   ok &= ph_hg_floor(starts, 1000, 999) == -1;
   ok &= ph_hg_floor(starts, 1000, 1000) == 0;
   ok &= ph_hg_floor(starts, 1000, 1047) == 0;
   ok &= ph_hg_floor(starts, 1000, 1048) == 1;
   ok &= ph_hg_floor(starts, 1000, (unsigned long)-1) == 999;
   ok &= ph_hg_floor(starts, 0, 5000) == -1;
   for (i = 0; i < 100000; i++) {
      unsigned long x = next_rand() % 60000, j;
      long want = -1;
      for (j = 0; j < 1000 && starts[j] <= x; j++)
         want = (long)j;
      if (ph_hg_floor(starts, 1000, x) != want)
         ok = 0;
   }
   return check(ok, "floor: the last start at or below an address, or -1");
}

static void put(unsigned char *p, unsigned long v, int n)
{
   int i;
   for (i = 0; i < n; i++)
      p[i] = (unsigned char)(v >> (8 * i));
}

static int test_dictkeys(void)
{
   unsigned char hdr[PH_DICTKEYS_HEADER_SZB];
   PhDictKeys dk;
   unsigned long key_off;
   int fails = 0;

   /* A str-keys table of 8 slots, 1-byte indices, 3 entries used. */
   memset(hdr, 0, sizeof hdr);
   put(hdr, 1, 8);                 /* dk_refcnt */
   hdr[8] = 3;                     /* log2 size */
   hdr[9] = 3;                     /* log2 index bytes */
   hdr[10] = 1;                    /* unicode keys */
   put(hdr + 16, 2, 8);            /* usable */
   put(hdr + 24, 3, 8);            /* nentries */
   fails += check(ph_dictkeys_parse(hdr, 32 + 8 + 5 * 16, &dk) == 1
                  && dk.entries_off == 40 && dk.entry_szB == 16,
                  "a str-keys table parses: entries after the 8-byte index");
   fails += check(ph_dictkeys_key_of_value(&dk, 40 + 16 + 8, &key_off) == 1
                  && key_off == 40 + 16, "the value of entry 1 has its key just before");
   fails += check(ph_dictkeys_key_of_value(&dk, 40 + 16, &key_off) == 0,
                  "a key's own word is no value");
   fails += check(ph_dictkeys_key_of_value(&dk, 40 + 3 * 16 + 8, &key_off) == 0,
                  "an entry past nentries is not used");
   fails += check(ph_dictkeys_key_of_value(&dk, 8, &key_off) == 0,
                  "the header is no entry");
   fails += check(ph_dictkeys_parse(hdr, 32 + 8 + 2 * 16, &dk) == 0,
                  "entries that do not fit the block: not a table");
   /* General keys: (hash, key, value) entries. */
   hdr[10] = 0;
   fails += check(ph_dictkeys_parse(hdr, 200, &dk) == 1 && dk.entry_szB == 24
                  && ph_dictkeys_key_of_value(&dk, 40 + 24 + 16, &key_off) == 1
                  && key_off == 40 + 24 + 8, "a general table: the key is the middle word");
   /* Not tables: a bad kind, sizes out of range, a zero refcount. */
   hdr[10] = 3;
   fails += check(ph_dictkeys_parse(hdr, 200, &dk) == 0, "kind 3 is no table");
   hdr[10] = 1;
   hdr[9] = 7;
   fails += check(ph_dictkeys_parse(hdr, 4096, &dk) == 0,
                  "an index wider than 8 bytes a slot is no table");
   hdr[9] = 3;
   put(hdr + 24, 6, 8);
   fails += check(ph_dictkeys_parse(hdr, 4096, &dk) == 0,
                  "more entries than two thirds of the slots: no table");
   put(hdr + 24, 3, 8);
   put(hdr, 0, 8);
   fails += check(ph_dictkeys_parse(hdr, 4096, &dk) == 0, "refcount 0: no table");
   /* Random headers never claim entries outside the block. */
   {
      int i, bad = 0;
      for (i = 0; i < 200000; i++) {
         unsigned long szB = 32 + next_rand() % 4096;
         int k;
         for (k = 0; k < PH_DICTKEYS_HEADER_SZB; k++)
            hdr[k] = (unsigned char)next_rand();
         if (i % 2) {
            put(hdr, 1 + next_rand() % 100, 8);
            hdr[8] = (unsigned char)(3 + next_rand() % 8);
            hdr[9] = (unsigned char)(hdr[8] + next_rand() % 4);
            hdr[10] = (unsigned char)(next_rand() % 3);
            put(hdr + 16, next_rand() % 64, 8);
            put(hdr + 24, next_rand() % 64, 8);
         }
         if (ph_dictkeys_parse(hdr, szB, &dk)
             && dk.entries_off + dk.n_entries * dk.entry_szB > szB)
            bad = 1;
      }
      fails += check(!bad, "random headers: a parsed table's entries lie in its block");
   }
   return fails;
}

int main(void)
{
   int fails = 0;
   fails += test_sort(1, 10);
   fails += test_sort(1000, 1000000);
   fails += test_sort(300000, 1UL << 30);
   fails += test_sort(100000, 50);        /* many equal starts */
   fails += test_floor();
   fails += test_dictkeys();
   printf("%s\n", fails ? "FAILED" : "PASSED");
   return fails ? 1 : 0;
}

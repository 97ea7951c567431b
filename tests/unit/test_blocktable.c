/* pyheap: unit tests of the live-block table against a simple reference. */
/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ph_blocktable.h"

static void *test_alloc(const char *cc, size_t n)
{
   (void)cc;
   return malloc(n);
}

static unsigned long long rng = 0x1234567887654321ULL;

static unsigned long next_rand(void)
{
   rng ^= rng << 13;
   rng ^= rng >> 7;
   rng ^= rng << 17;
   return (unsigned long)rng;
}

/* The reference: which of N_KEYS candidate addresses are live, and the
   block each holds.  Candidates are 16-byte aligned and clustered, like a
   heap -- but one in 64 is not aligned, and some blocks get fields too big
   to pack: they exercise the wide table. */
#define N_KEYS 200000

static unsigned long keys[N_KEYS];
static PhBlock ref[N_KEYS];               /* addr 0: not live */

static int check(int ok, const char *what)
{
   printf("%s - %s\n", ok ? "ok" : "not ok", what);
   return ok ? 0 : 1;
}

static int same(const PhBlock *a, const PhBlock *b)
{
   return a->addr == b->addr && a->szB == b->szB && a->seq == b->seq
      && a->kid == b->kid && a->cls == b->cls && a->flags == b->flags;
}

/* A block for key K at operation OP: mostly small, sometimes a field that
   does not pack (size >= 256 KiB, a stack >= 2^24, a number >= 2^38). */
static PhBlock make_block(unsigned long k, unsigned long op)
{
   PhBlock b;
   unsigned long r = next_rand() % 100;
   b.addr = keys[k];
   b.szB = r == 0 ? (1UL << 20) + op : op % 70000;
   b.seq = r == 1 ? (1UL << 40) + op : op + 1;
   b.kid = r == 2 ? (1u << 25) + (unsigned)k : (unsigned)k;
   b.cls = (unsigned char)(op % 3);
   b.flags = (unsigned char)(op % 4);
   return b;
}

int main(void)
{
   PhBlockTable t;
   PhBlock out, old, b;
   int fails = 0, mismatches = 0;
   unsigned long i, op, live = 0, max_live = 0, n_slots, seen;

   for (i = 0; i < N_KEYS; i++)
      keys[i] = 0x10000000UL + 16 * i + (i / 1000) * 0x100000UL + (i % 64 == 5 ? 8 : 0);

   ph_bt_init(&t, test_alloc, free);

   /* Random inserts, stores, removes and look-ups: 4 million operations,
      biased to grow to ~150,000 live blocks, then shrink, then grow. */
   for (op = 0; op < 4000000; op++) {
      unsigned long k = next_rand() % N_KEYS;
      unsigned long phase = op / 1000000;
      unsigned long r = next_rand() % 100;
      int grow_bias = (phase % 2 == 0) ? 60 : 25;
      if ((long)r < grow_bias) {
         int had_old;
         b = make_block(k, op);
         had_old = ph_bt_insert(&t, &b, &old);
         if (had_old != (ref[k].addr != 0) || (had_old && !same(&old, &ref[k])))
            mismatches++;
         if (!ref[k].addr)
            live++;
         ref[k] = b;
      } else if (r < 80) {
         /* Half of the removals by address, half by a look-up's index. */
         int found;
         if (r < grow_bias + (80 - grow_bias) / 2) {
            found = ph_bt_remove(&t, keys[k], &out);
         } else {
            unsigned long idx = ph_bt_find(&t, keys[k], NULL);
            found = idx != PH_BT_NONE;
            if (found)
               ph_bt_remove_at(&t, idx, &out);
         }
         if (found != (ref[k].addr != 0) || (found && !same(&out, &ref[k])))
            mismatches++;
         if (ref[k].addr)
            live--;
         ref[k].addr = 0;
      } else if (r < 90) {
         /* Change a live block's fields and store it back (it may stop
            packing: then it moves to the wide table). */
         unsigned long idx = ph_bt_find(&t, keys[k], &out);
         if ((idx != PH_BT_NONE) != (ref[k].addr != 0)
             || (idx != PH_BT_NONE && !same(&out, &ref[k])))
            mismatches++;
         if (idx != PH_BT_NONE) {
            out.kid = next_rand() % 50 == 0 ? (1u << 24) + 7 : out.kid ^ 1;
            out.seq += 1000;
            out.cls = (unsigned char)((out.cls + 1) % 3);
            out.flags = (unsigned char)((out.flags + 1) % 4);
            ph_bt_store(&t, idx, &out);
            ref[k] = out;
         }
      } else {
         unsigned long idx = ph_bt_find(&t, keys[k], &out);
         if ((idx != PH_BT_NONE) != (ref[k].addr != 0)
             || (idx != PH_BT_NONE && !same(&out, &ref[k])))
            mismatches++;
      }
      if (live > max_live)
         max_live = live;
   }
   {
      char what[200];
      snprintf(what, sizeof what, "4,000,000 random operations agree with the "
               "reference (up to %lu live blocks, %lu in the wide table at the end)",
               max_live, t.wide.n_live);
      fails += check(mismatches == 0 && t.n_live == live && t.wide.n_live > 0, what);
   }

   /* Every key: look-up agrees after the churn. */
   mismatches = 0;
   for (i = 0; i < N_KEYS; i++) {
      unsigned long idx = ph_bt_find(&t, keys[i], &out);
      if ((idx != PH_BT_NONE) != (ref[i].addr != 0)
          || (idx != PH_BT_NONE && !same(&out, &ref[i])))
         mismatches++;
   }
   fails += check(mismatches == 0, "every address looked up after the churn");

   /* Iteration visits every live block once, and its indices are ones
      ph_bt_store accepts. */
   mismatches = 0;
   seen = 0;
   n_slots = ph_bt_n_slots(&t);
   for (i = 0; i < n_slots; i++) {
      if (!ph_bt_at(&t, i, &out))
         continue;
      seen++;
      if (ph_bt_find(&t, out.addr, NULL) != i)
         mismatches++;
   }
   fails += check(mismatches == 0 && seen == live, "iteration visits every live block once");

   /* Remove everything: the table ends empty and every slot is free. */
   for (i = 0; i < N_KEYS; i++)
      if (ref[i].addr)
         ph_bt_remove(&t, keys[i], &out);
   mismatches = 0;
   n_slots = ph_bt_n_slots(&t);
   for (i = 0; i < n_slots; i++)
      if (ph_bt_at(&t, i, &out))
         mismatches++;
   fails += check(t.n_live == 0 && mismatches == 0, "removing every block empties every slot");
   ph_bt_destroy(&t);

   /* Memory: a million and four million small blocks laid out as pymalloc
      lays them out (16 KiB pools of 16- to 64-byte blocks, in 1 MiB
      arenas) take at most 40 bytes a block. */
   {
      static const unsigned long counts[] = { 1000000, 4000000 };
      unsigned long c;
      for (c = 0; c < 2; c++) {
         unsigned long n = 0, pool = 0;
         char what[200];
         double per_block;
         ph_bt_init(&t, test_alloc, free);
         while (n < counts[c]) {
            unsigned long size = 16 * (1 + pool % 4);
            unsigned long base = 0x7f0000000000UL + (pool / 64) * 0x100000UL
               + (pool % 64) * 0x4000UL + 48, a;
            for (a = base; a + size <= base - 48 + 0x4000UL && n < counts[c]; a += size, n++) {
               b.addr = a;
               b.szB = size - 3;
               b.seq = n + 1;
               b.kid = (unsigned)(n % 5000);
               b.cls = 1;
               b.flags = 0;
               ph_bt_insert(&t, &b, &old);
            }
            pool++;
         }
         per_block = (double)ph_bt_bytes(&t) / (double)t.n_live;
         snprintf(what, sizeof what, "%lu pymalloc-like blocks: %.1f bytes a block (<= 40), none wide",
                  counts[c], per_block);
         fails += check(t.n_live == counts[c] && per_block <= 40.0 && t.wide.n_live == 0, what);
         ph_bt_destroy(&t);
      }
   }
   return fails ? 1 : 0;
}

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

/* The reference: which of N_KEYS candidate addresses are live, and with
   what size.  Candidates are 16-byte aligned and clustered, like a heap. */
#define N_KEYS 200000

static unsigned long keys[N_KEYS];
static unsigned long ref_size[N_KEYS];    /* 0: not live */

static int check(int ok, const char *what)
{
   printf("%s - %s\n", ok ? "ok" : "not ok", what);
   return ok ? 0 : 1;
}

int main(void)
{
   PhBlockTable t;
   PhBlock out, old;
   int had_old, fails = 0, mismatches = 0;
   unsigned long i, op, live = 0, max_live = 0;

   for (i = 0; i < N_KEYS; i++)
      keys[i] = 0x10000000UL + 16 * i + (i / 1000) * 0x100000UL;

   ph_bt_init(&t, test_alloc, free);

   /* Random inserts, removes and look-ups: 4 million operations, biased to
      grow to ~150,000 live blocks, then shrink, then grow again. */
   for (op = 0; op < 4000000; op++) {
      unsigned long k = next_rand() % N_KEYS;
      unsigned long phase = op / 1000000;
      unsigned long r = next_rand() % 100;
      int grow_bias = (phase % 2 == 0) ? 70 : 30;
      if ((long)r < grow_bias) {
         PhBlock *b = ph_bt_insert(&t, keys[k], &old, &had_old);
         if (had_old != (ref_size[k] != 0)
             || (had_old && old.szB != ref_size[k]))
            mismatches++;
         b->szB = op + 1;
         b->kid = (unsigned)k;
         if (!ref_size[k])
            live++;
         ref_size[k] = op + 1;
      } else if (r < 90) {
         /* Half of the removals by address, half by the slot a look-up
            returned. */
         int found;
         if (r < 80) {
            found = ph_bt_remove(&t, keys[k], &out);
         } else {
            PhBlock *b = ph_bt_lookup(&t, keys[k]);
            found = b != NULL;
            if (b)
               ph_bt_remove_slot(&t, b, &out);
         }
         if (found != (ref_size[k] != 0) || (found && (out.szB != ref_size[k]
                                                      || out.kid != k)))
            mismatches++;
         if (ref_size[k])
            live--;
         ref_size[k] = 0;
      } else {
         PhBlock *b = ph_bt_lookup(&t, keys[k]);
         if ((b != NULL) != (ref_size[k] != 0) || (b && b->szB != ref_size[k]))
            mismatches++;
      }
      if (live > max_live)
         max_live = live;
   }
   {
      char what[200];
      snprintf(what, sizeof what, "4,000,000 random operations agree with the "
               "reference (up to %lu live blocks)", max_live);
      fails += check(mismatches == 0 && t.n_live == live, what);
   }

   /* Every key: look-up agrees after the churn. */
   mismatches = 0;
   for (i = 0; i < N_KEYS; i++) {
      PhBlock *b = ph_bt_lookup(&t, keys[i]);
      if ((b != NULL) != (ref_size[i] != 0))
         mismatches++;
   }
   fails += check(mismatches == 0, "every address looked up after the churn");

   /* Remove everything: the table ends empty and every slot is free. */
   for (i = 0; i < N_KEYS; i++)
      if (ref_size[i])
         ph_bt_remove(&t, keys[i], &out);
   mismatches = 0;
   for (i = 0; i <= t.mask; i++)
      if (t.slots[i].addr != 0)
         mismatches++;
   fails += check(t.n_live == 0 && mismatches == 0, "removing every block empties every slot");

   /* Load factor: at most one half after growth to a million blocks. */
   for (i = 1; i <= 1000000; i++)
      ph_bt_insert(&t, i * 32, &old, &had_old);
   fails += check(t.n_live == 1000000 && 2 * t.n_live <= t.mask + 1,
                  "a million blocks, load factor <= 1/2");
   free(t.slots);
   return fails ? 1 : 0;
}

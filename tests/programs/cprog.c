/* pyheap test program: a C program (not Python) with known allocations from distinct functions. */
/* SPDX-License-Identifier: GPL-2.0-or-later */

/* Every function allocates with a distinct size, so that a report can be
   checked function by function:

     alloc_alpha     malloc(100000)                 kept to the end
     alloc_beta      malloc(23456)                  freed after "middle"
     alloc_gamma     calloc(300, 77) = 23100        kept
     grow_delta      malloc(1000) -> realloc 50000  kept (one block)
     alloc_transient malloc(2000000)                freed at once: the peak

   and PYHEAP_SNAPSHOT("middle") is taken when alpha, beta, gamma and delta
   are live. */

#include <stdlib.h>
#include <string.h>

#include "pyheap.h"

static void *keep[4];

void *alloc_alpha(void)
{
   return malloc(100000);                        /* LINE:alpha */
}

void *alloc_beta(void)
{
   return malloc(23456);                         /* LINE:beta */
}

void *alloc_gamma(void)
{
   return calloc(300, 77);                       /* LINE:gamma */
}

void *grow_delta(void)
{
   char *p = malloc(1000);                       /* LINE:delta_malloc */
   memset(p, 1, 1000);
   return realloc(p, 50000);                     /* LINE:delta_realloc */
}

void alloc_transient(void)
{
   char *p = malloc(2000000);                    /* LINE:transient */
   memset(p, 2, 2000000);
   free(p);
}

int main(void)
{
   void *beta;

   keep[0] = alloc_alpha();
   beta = alloc_beta();
   keep[1] = alloc_gamma();
   keep[2] = grow_delta();
   PYHEAP_SNAPSHOT("middle");
   free(beta);
   alloc_transient();
   PYHEAP_SNAPSHOT("late");
   return keep[0] && keep[1] && keep[2] ? 0 : 1;
}

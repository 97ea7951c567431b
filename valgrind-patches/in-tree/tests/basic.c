/* pyheap: regression test program: known malloc, calloc and free calls from known functions. */
/* SPDX-License-Identifier: GPL-2.0-or-later */

/* No stdio: its buffer would be one more block, sized by the C library. */
#include <stdlib.h>

static void *keep[8];

__attribute__((noinline)) static void *alloc_small(int i)
{
   return malloc(100 + i);
}

__attribute__((noinline)) static void *alloc_big(void)
{
   return malloc(100000);
}

int main(void)
{
   int i;
   void *tmp;

   for (i = 0; i < 8; i++)
      keep[i] = alloc_small(i);      /* 828 bytes in 8 blocks */
   tmp = alloc_big();                /* the peak: 100000 + 828 */
   free(tmp);
   tmp = calloc(10, 1000);           /* live at exit with 7 small ones */
   free(keep[0]);
   keep[0] = NULL;
   return tmp == NULL;
}

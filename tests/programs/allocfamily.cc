// pyheap test program: one call of every member of the malloc family, each with its own size.
// SPDX-License-Identifier: GPL-2.0-or-later

// Each function below allocates one block of a size no other function uses,
// so that a report by function says exactly what each allocator call did.
// At PYHEAP_SNAPSHOT("all") every block is live; then each is released with
// its own deallocator and PYHEAP_SNAPSHOT("freed") is taken.  The sizes are
// listed in tests/test_tool_cprogram.py (FAMILY_SIZES); keep the two in step.
//
// realloc is exercised for its three interesting cases: from NULL (it is a
// malloc), growing, and shrinking (both move the block to the realloc call,
// with the new size); realloc to 0 bytes is checked apart ("zero" below).

#include <cstdlib>
#include <cstring>
#include <malloc.h>
#include <new>

#include "pyheap.h"

#define NOINLINE __attribute__((noinline))

struct alignas(64) Aligned64 {
   char data[448];
};

static void *keep[16];

NOINLINE static void *use_malloc() { return malloc(1111); }              // LINE:malloc
NOINLINE static void *use_calloc() { return calloc(37, 61); }            // LINE:calloc
NOINLINE static void *use_realloc_null() { return realloc(NULL, 2222); } // LINE:realloc_null
NOINLINE static void *use_realloc_grow()
{
   void *p = malloc(100);
   return realloc(p, 3333);                                              // LINE:realloc_grow
}
NOINLINE static void *use_realloc_shrink()
{
   void *p = malloc(50000);
   return realloc(p, 4444);                                              // LINE:realloc_shrink
}
NOINLINE static void *use_memalign() { return memalign(256, 5555); }    // LINE:memalign
NOINLINE static void *use_posix_memalign()
{
   void *p = NULL;
   return posix_memalign(&p, 128, 6666) == 0 ? p : NULL;                 // LINE:posix_memalign
}
NOINLINE static void *use_aligned_alloc() { return aligned_alloc(64, 7680); } // LINE:aligned_alloc
NOINLINE static void *use_valloc() { return valloc(8888); }              // LINE:valloc
NOINLINE static void *use_new() { return new char[9999]; }                // LINE:new_array
NOINLINE static void *use_new_object() { return new int(7); }            // LINE:new_object
NOINLINE static void *use_new_nothrow() { return new (std::nothrow) char[1212]; } // LINE:new_nothrow
NOINLINE static void *use_new_aligned() { return new Aligned64(); }      // LINE:new_aligned
NOINLINE static void *use_new_aligned_array() { return new Aligned64[3]; } // LINE:new_aligned_array

int main()
{
   keep[0] = use_malloc();
   keep[1] = use_calloc();
   keep[2] = use_realloc_null();
   keep[3] = use_realloc_grow();
   keep[4] = use_realloc_shrink();
   keep[5] = use_memalign();
   keep[6] = use_posix_memalign();
   keep[7] = use_aligned_alloc();
   keep[8] = use_valloc();
   keep[9] = use_new();
   keep[10] = use_new_object();
   keep[11] = use_new_nothrow();
   keep[12] = use_new_aligned();
   keep[13] = use_new_aligned_array();
   for (int i = 0; i < 14; i++)
      if (keep[i] == NULL)
         return 10 + i;
   // The replacement reports the size that was asked for.
   if (malloc_usable_size(keep[0]) < 1111)
      return 2;
   // calloc's memory is zeroed; realloc keeps the contents it had.
   for (int i = 0; i < 37 * 61; i++)
      if (((char *)keep[1])[i] != 0)
         return 3;
   PYHEAP_SNAPSHOT("all");

   for (int i = 0; i < 9; i++)
      free(keep[i]);
   delete[] (char *)keep[9];
   delete (int *)keep[10];
   delete[] (char *)keep[11];
   delete (Aligned64 *)keep[12];
   delete[] (Aligned64 *)keep[13];

   // realloc to 0 bytes: glibc frees the block (Valgrind's replacement
   // follows it on Linux); whatever it returns may be freed.
   void *zero = malloc(1313);                                            // LINE:zero
   void *after = realloc(zero, 0);
   PYHEAP_SNAPSHOT("freed");
   free(after);
   return 0;
}

/* pyheap: test program: a C program that embeds CPython (links libpython, calls Py_Initialize). */
/* SPDX-License-Identifier: GPL-2.0-or-later */

/* Usage: embed SCRIPT.py
   Mallocs a known block natively, starts the interpreter, runs SCRIPT as
   __main__ (its own lines allocate), then frees the native block and
   finalises.  Built by tests/test_tool_versions.py with the flags of
   `python3.X-config --embed`. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdio.h>
#include <stdlib.h>

#define NATIVE_SZB 77777

static void *native_block;

__attribute__((noinline)) static void alloc_native(void)
{
   native_block = malloc(NATIVE_SZB);                 /* LINE:native */
}

int main(int argc, char **argv)
{
   FILE *f;
   int rc;

   if (argc != 2) {
      fprintf(stderr, "usage: embed SCRIPT.py\n");
      return 2;
   }
   alloc_native();
   Py_Initialize();
   f = fopen(argv[1], "r");
   if (f == NULL) {
      perror(argv[1]);
      return 2;
   }
   rc = PyRun_SimpleFileExFlags(f, argv[1], 1, NULL);   /* closes f */
   if (Py_FinalizeEx() < 0)
      rc = 1;
   free(native_block);
   return rc == 0 ? 0 : 1;
}

/* pyheap: decoder of CPython's code-object location table (co_linetable). */
/* SPDX-License-Identifier: GPL-2.0-or-later */

/*
   This file is part of pyheap, a Valgrind tool that profiles Python heaps.

   This module is pure: it uses no libc and no Valgrind core function, so
   it is compiled both into the tool and natively for the unit tests
   (tests/unit/test_linetable.c).  It only ever reads bytes inside the
   table it is given, whatever those bytes are, so the tool may hand it a
   copy of guest memory that it does not trust.

   The format is the one of CPython 3.11 up to at least 3.14; the essay at
   the top of ph_linetable.c describes it.
*/

#ifndef PH_LINETABLE_H
#define PH_LINETABLE_H

#include <stddef.h>

/* The line of the instruction at 'byte_offset' (the index of its code
   unit times 2) in a code object whose location table is
   table[0 .. table_len-1] and whose co_firstlineno is 'firstlineno'.
   Same answer as CPython's PyCode_Addr2Line:
     - 'firstlineno' when byte_offset < 0;
     - -1 when the instruction has no line (e.g. artificial instructions)
       or when byte_offset lies past what the table describes.
   A malformed table yields some answer, never a read outside the table;
   the cost is linear in table_len. */
int ph_linetable_addr2line ( const unsigned char *table, size_t table_len,
                             int firstlineno, int byte_offset );

/* A cursor keeps the decoder's position in one table, so that lookups
   with non-decreasing offsets (e.g. all instructions of one code object,
   or several frames executing the same function further and further on)
   cost only the walk between them.  A lookup before the cursor's
   position restarts from the beginning of the table; answers are always
   exactly those of ph_linetable_addr2line.  The cursor does not copy the
   table: it must stay valid and unchanged while the cursor is used.
   Fields are private to ph_linetable.c. */
typedef
   struct {
      const unsigned char *table;
      size_t table_len;
      size_t next;           /* index of the next entry's first byte */
      size_t ar_start;       /* current range [ar_start, ar_end), bytes */
      size_t ar_end;
      unsigned int line;     /* line reached by the walk (wraps on garbage) */
      int ar_line;           /* line of the current range, -1 = none */
      int firstlineno;
   }
   PH_LineCursor;

void ph_linetable_cursor_init ( PH_LineCursor *cur,
                                const unsigned char *table, size_t table_len,
                                int firstlineno );

int ph_linetable_cursor_addr2line ( PH_LineCursor *cur, int byte_offset );

#endif /* PH_LINETABLE_H */

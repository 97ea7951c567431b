/* pyheap: text helpers: Python str payloads to UTF-8, field escaping. */
/* SPDX-License-Identifier: GPL-2.0-or-later */

/*
   This file is part of pyheap, a Valgrind tool that profiles Python heaps.

   This module is pure: it uses no libc and no Valgrind core function, so
   it is compiled both into the tool and natively for the unit tests
   (tests/unit/test_text.c).

   Both functions write into a caller-supplied buffer of out_cap bytes:
   they never write more than out_cap - 1 bytes of text, always add a
   terminating NUL when out_cap > 0 (nothing at all is written when
   out_cap == 0), cut only between whole units (a whole code point, a
   whole escape), and return the number of text bytes written, NUL not
   counted.
*/

#ifndef PH_TEXT_H
#define PH_TEXT_H

#include <stddef.h>

/* Convert 'length' code points stored as CPython stores a str payload
   (PEP 393) to UTF-8.  'kind' is the width of one code point in bytes:
   1 (latin-1), 2 (UCS-2, native byte order) or 4 (UCS-4, native byte
   order); 'data' needs no particular alignment.  Surrogates
   (U+D800..U+DFFF, which a Python str may hold alone) and values above
   U+10FFFF become U+FFFD, so the output is always valid UTF-8.  Any
   other 'kind' produces the empty string. */
size_t ph_ucs_to_utf8 ( const void *data, int kind, size_t length,
                        char *out, size_t out_cap );

/* Escape in_len bytes for a free-text field of the output file
   (docs/file-format.md): backslash -> "\\", newline -> "\n",
   carriage return -> "\r", tab -> "\t"; every other byte is copied as
   it is.  An escape is never split by truncation. */
size_t ph_escape_field ( const char *in, size_t in_len,
                         char *out, size_t out_cap );

/* 1 if the N bytes at S are valid UTF-8 (no overlong forms, surrogates or
   code points past U+10FFFF), else 0. */
int ph_is_utf8(const char *s, size_t n);

#endif /* PH_TEXT_H */

/* pyheap: text helpers: Python str payloads to UTF-8, field escaping. */
/* SPDX-License-Identifier: GPL-2.0-or-later */

/*
   This file is part of pyheap, a Valgrind tool that profiles Python heaps.

   Copyright (C) the pyheap authors.

   This program is free software; you can redistribute it and/or
   modify it under the terms of the GNU General Public License as
   published by the Free Software Foundation; either version 2 of the
   License, or (at your option) any later version.

   This program is distributed in the hope that it will be useful, but
   WITHOUT ANY WARRANTY; without even the implied warranty of
   MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the GNU
   General Public License for more details.
*/

/*
   The tool copies file names and function names (str objects) out of
   guest memory as raw PEP 393 payloads: one, two or four bytes per code
   point, no encoding done by the interpreter.  The output file is UTF-8,
   so the conversion happens here, with a fixed buffer and no allocator.
   A str may legally hold lone surrogates, and a payload read from a
   process in the middle of changing it may hold anything; both are
   replaced by U+FFFD so the file stays valid UTF-8 whatever was read.
*/

#include <stdint.h>
#include "ph_text.h"

#define PH_REPLACEMENT_CHAR 0xFFFDu

/* Load one code point of width 'kind' without assuming alignment (the
   payload may sit in a buffer at any address) and in native byte
   order, as the interpreter stored it. */
static uint32_t load_cp ( const unsigned char *p, int kind )
{
   if (kind == 1)
      return p[0];
   if (kind == 2) {
      uint16_t v;
      unsigned char *d = (unsigned char *)&v;
      d[0] = p[0]; d[1] = p[1];
      return v;
   } else {
      uint32_t v;
      unsigned char *d = (unsigned char *)&v;
      d[0] = p[0]; d[1] = p[1]; d[2] = p[2]; d[3] = p[3];
      return v;
   }
}

/* Encode cp (already a valid scalar value) into buf; returns its
   length, 1..4. */
static size_t encode_utf8 ( uint32_t cp, unsigned char buf[4] )
{
   if (cp < 0x80) {
      buf[0] = (unsigned char)cp;
      return 1;
   }
   if (cp < 0x800) {
      buf[0] = (unsigned char)(0xC0 | (cp >> 6));
      buf[1] = (unsigned char)(0x80 | (cp & 0x3F));
      return 2;
   }
   if (cp < 0x10000) {
      buf[0] = (unsigned char)(0xE0 | (cp >> 12));
      buf[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
      buf[2] = (unsigned char)(0x80 | (cp & 0x3F));
      return 3;
   }
   buf[0] = (unsigned char)(0xF0 | (cp >> 18));
   buf[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
   buf[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
   buf[3] = (unsigned char)(0x80 | (cp & 0x3F));
   return 4;
}

size_t ph_ucs_to_utf8 ( const void *data, int kind, size_t length,
                        char *out, size_t out_cap )
{
   const unsigned char *src = (const unsigned char *)data;
   size_t n = 0;   /* bytes written so far */
   size_t i;

   if (out_cap == 0)
      return 0;
   if (src == NULL || (kind != 1 && kind != 2 && kind != 4)) {
      out[0] = '\0';
      return 0;
   }

   for (i = 0; i < length; i++) {
      unsigned char buf[4];
      size_t k, len;
      uint32_t cp = load_cp(src + i * (size_t)kind, kind);
      if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
         cp = PH_REPLACEMENT_CHAR;
      len = encode_utf8(cp, buf);
      /* Keep one byte for the NUL; stop before a code point that does
         not fit whole. */
      if (len > out_cap - 1 - n)
         break;
      for (k = 0; k < len; k++)
         out[n++] = (char)buf[k];
   }
   out[n] = '\0';
   return n;
}

size_t ph_escape_field ( const char *in, size_t in_len,
                         char *out, size_t out_cap )
{
   size_t n = 0;
   size_t i;

   if (out_cap == 0)
      return 0;
   if (in == NULL)
      in_len = 0;

   for (i = 0; i < in_len; i++) {
      char c = in[i];
      char esc;
      switch (c) {
         case '\\': esc = '\\'; break;
         case '\n': esc = 'n';  break;
         case '\r': esc = 'r';  break;
         case '\t': esc = 't';  break;
         default:   esc = 0;    break;
      }
      if (esc) {
         if (out_cap - 1 - n < 2)
            break;   /* never leave half an escape */
         out[n++] = '\\';
         out[n++] = esc;
      } else {
         if (out_cap - 1 - n < 1)
            break;
         out[n++] = c;
      }
   }
   out[n] = '\0';
   return n;
}

/*--------------------------------------------------------------------*/
/*--- end                                                          ---*/
/*--------------------------------------------------------------------*/

int ph_is_utf8(const char *s, size_t n)
{
   const unsigned char *p = (const unsigned char *)s;
   size_t i = 0;
   while (i < n) {
      unsigned char c = p[i];
      unsigned long cp;
      size_t len, k;
      if (c < 0x80) {
         i++;
         continue;
      }
      if (c >= 0xC2 && c <= 0xDF) {
         len = 2;
         cp = c & 0x1F;
      } else if (c >= 0xE0 && c <= 0xEF) {
         len = 3;
         cp = c & 0x0F;
      } else if (c >= 0xF0 && c <= 0xF4) {
         len = 4;
         cp = c & 0x07;
      } else {
         return 0;
      }
      if (n - i < len)
         return 0;
      for (k = 1; k < len; k++) {
         if ((p[i + k] & 0xC0) != 0x80)
            return 0;
         cp = (cp << 6) | (p[i + k] & 0x3F);
      }
      if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))
          || (cp >= 0xD800 && cp <= 0xDFFF))
         return 0;
      i += len;
   }
   return 1;
}

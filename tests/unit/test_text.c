/* pyheap: unit tests of the text helpers (pyheap/ph_text.c). */
/* SPDX-License-Identifier: GPL-2.0-or-later */

/*
   One TAP-like line per check group, "ok - ..." or "not ok - ...";
   exit status 0 only if all are ok.  Output buffers are heap blocks of
   exactly out_cap bytes, so memcheck or ASan catch any write past the
   capacity; inputs are exact-size blocks too.
*/

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ph_text.h"

static int n_failed_groups = 0;
static int group_ok;
static int n_details = 0;

static void fail ( const char *fmt, ... )
{
   va_list ap;
   group_ok = 0;
   if (n_details++ >= 40)
      return;
   fprintf(stderr, "# ");
   va_start(ap, fmt);
   vfprintf(stderr, fmt, ap);
   va_end(ap);
   fprintf(stderr, "\n");
}

static void begin ( void ) { group_ok = 1; }

static void end ( const char *desc )
{
   printf("%s - %s\n", group_ok ? "ok" : "not ok", desc);
   fflush(stdout);
   if (!group_ok)
      n_failed_groups++;
}

static void *exact_copy ( const void *src, size_t len )
{
   void *p = malloc(len);
   if (!p && len) { perror("malloc"); exit(2); }
   if (len) memcpy(p, src, len);
   return p;
}

/* Render bytes as hex for messages. */
static const char *hex ( const char *s, size_t n )
{
   static char buf[4][256];
   static int which = 0;
   char *b = buf[which++ & 3];
   size_t i, k = 0;
   for (i = 0; i < n && k + 4 < sizeof buf[0]; i++)
      k += (size_t)snprintf(b + k, sizeof buf[0] - k, "%02x ",
                            (unsigned char)s[i]);
   b[k] = 0;
   return b;
}

/* Convert with an out buffer of exactly out_cap bytes and compare with
   the expected bytes (expected NUL-terminated, or empty string). */
static void check_utf8 ( const char *what, const void *data, int kind,
                         size_t length, size_t out_cap,
                         const char *expect, size_t expect_len )
{
   void *in = exact_copy(data, length * (size_t)(kind > 0 && kind <= 4
                                                 ? kind : 1));
   char *out = malloc(out_cap);
   size_t n;
   if (!out && out_cap) { perror("malloc"); exit(2); }
   if (out_cap) memset(out, 'Z', out_cap);
   n = ph_ucs_to_utf8(in, kind, length, out, out_cap);
   if (n != expect_len) {
      fail("%s (cap %zu): returned %zu, expected %zu", what, out_cap, n,
           expect_len);
   } else if (out_cap > 0) {
      if (memcmp(out, expect, n) != 0)
         fail("%s (cap %zu): wrote %s, expected %s", what, out_cap,
              hex(out, n), hex(expect, n));
      if (out[n] != '\0')
         fail("%s (cap %zu): no NUL after %zu bytes", what, out_cap, n);
   }
   free(out);
   free(in);
}

static void check_escape ( const char *what, const char *in_s, size_t in_len,
                           size_t out_cap, const char *expect,
                           size_t expect_len )
{
   char *in = exact_copy(in_s, in_len);
   char *out = malloc(out_cap);
   size_t n;
   if (!out && out_cap) { perror("malloc"); exit(2); }
   if (out_cap) memset(out, 'Z', out_cap);
   n = ph_escape_field(in, in_len, out, out_cap);
   if (n != expect_len) {
      fail("%s (cap %zu): returned %zu, expected %zu", what, out_cap, n,
           expect_len);
   } else if (out_cap > 0) {
      if (memcmp(out, expect, n) != 0)
         fail("%s (cap %zu): wrote \"%.*s\", expected \"%.*s\"", what,
              out_cap, (int)n, out, (int)n, expect);
      if (out[n] != '\0')
         fail("%s (cap %zu): no NUL after %zu bytes", what, out_cap, n);
   }
   free(out);
   free(in);
}

/* Longest prefix of whole units (given their byte lengths) that fits in
   cap - 1 bytes. */
static size_t fit ( const size_t *unit_len, size_t n_units, size_t cap )
{
   size_t used = 0, i;
   if (cap == 0) return 0;
   for (i = 0; i < n_units; i++) {
      if (used + unit_len[i] > cap - 1) break;
      used += unit_len[i];
   }
   return used;
}

int main ( void )
{
   /*--- ph_ucs_to_utf8 ---*/

   begin();
   {
      static const unsigned char s[] = "hello, world";
      check_utf8("ascii", s, 1, 12, 64, "hello, world", 12);
      check_utf8("ascii exact fit", s, 1, 12, 13, "hello, world", 12);
      check_utf8("empty", s, 1, 0, 8, "", 0);
   }
   end("utf8: ASCII (kind 1) copied as is, NUL-terminated");

   begin();
   {
      static const unsigned char s[] = { 'c', 'a', 'f', 0xE9, 0xFF, 0x80 };
      check_utf8("latin-1", s, 1, 6, 64,
                 "caf\xC3\xA9\xC3\xBF\xC2\x80", 9);
   }
   end("utf8: latin-1 (kind 1): e-acute -> C3 A9, U+00FF, U+0080");

   begin();
   {
      static const uint16_t s[] = { 0x20AC, 'x', 0x00E9, 0x07FF, 0x0800,
                                    0xFFFF, 0xFFFD };
      check_utf8("ucs2", s, 2, 7, 64,
                 "\xE2\x82\xAC" "x" "\xC3\xA9" "\xDF\xBF" "\xE0\xA0\x80"
                 "\xEF\xBF\xBF" "\xEF\xBF\xBD", 17);
   }
   end("utf8: UCS-2 (kind 2): euro sign -> E2 82 AC, 2/3-byte edges");

   begin();
   {
      static const uint32_t s[] = { 0x1F600, 'a', 0x10000, 0x10FFFF,
                                    0x20AC };
      check_utf8("ucs4", s, 4, 5, 64,
                 "\xF0\x9F\x98\x80" "a" "\xF0\x90\x80\x80"
                 "\xF4\x8F\xBF\xBF" "\xE2\x82\xAC", 16);
   }
   end("utf8: UCS-4 (kind 4): emoji U+1F600 -> F0 9F 98 80, U+10000, "
       "U+10FFFF");

   begin();
   {
      static const uint16_t s2[] = { 'a', 0xD800, 0xDFFF, 0xD83D, 0xDE00,
                                     'b' };
      static const uint32_t s4[] = { 0xD800, 0x110000, 0xFFFFFFFF,
                                     0x7FFFFFFF, 'c', 0xDBFF };
      check_utf8("ucs2 surrogates", s2, 2, 6, 64,
                 "a" "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD" "b",
                 14);
      check_utf8("ucs4 invalid", s4, 4, 6, 64,
                 "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD" "c"
                 "\xEF\xBF\xBD", 16);
   }
   end("utf8: surrogates (even a valid-looking pair in UCS-2) and values "
       "> U+10FFFF -> U+FFFD");

   begin();
   {
      /* a(1) e-acute(2) euro(3) emoji(4) z(1): every cap from 0 to 16 */
      static const uint32_t s[] = { 'a', 0xE9, 0x20AC, 0x1F600, 'z' };
      static const char full[] = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z";
      static const size_t ul[] = { 1, 2, 3, 4, 1 };
      size_t cap;
      for (cap = 0; cap <= 16; cap++) {
         size_t want = fit(ul, 5, cap);
         check_utf8("truncation", s, 4, 5, cap, full, want);
      }
   }
   end("utf8: truncation only at code-point boundaries, every out_cap "
       "0..16, never past out_cap-1 bytes + NUL");

   begin();
   {
      static const unsigned char s[] = "abc";
      char one[1] = { 'Z' };
      /* out_cap 0: nothing written at all (a NULL buffer is fine) */
      if (ph_ucs_to_utf8(s, 1, 3, NULL, 0) != 0)
         fail("out_cap 0 with NULL out did not return 0");
      if (ph_ucs_to_utf8(s, 1, 3, one, 0) != 0 || one[0] != 'Z')
         fail("out_cap 0 wrote to the buffer");
      /* out_cap 1: only the NUL */
      if (ph_ucs_to_utf8(s, 1, 3, one, 1) != 0 || one[0] != '\0')
         fail("out_cap 1 did not give the empty string");
      check_utf8("cap 1", s, 1, 3, 1, "", 0);
   }
   end("utf8: out_cap 0 writes nothing, out_cap 1 writes only the NUL");

   begin();
   {
      static const unsigned char s[] = "abc";
      check_utf8("kind 3", s, 3, 1, 8, "", 0);
      check_utf8("kind 0", s, 0, 3, 8, "", 0);
      if (ph_ucs_to_utf8(NULL, 1, 3, (char[4]){ 'Z', 'Z', 'Z', 'Z' }, 4)
          != 0)
         fail("NULL data did not give the empty string");
   }
   end("utf8: unknown kind or NULL data -> empty string");

   begin();
   {
      /* unaligned UCS-2/UCS-4 payloads (the tool copies them from guest
         memory into byte buffers) */
      unsigned char raw[1 + 3 * 4];
      uint32_t v4[3] = { 0x1F600, 0x20AC, 'q' };
      uint16_t v2[3] = { 0x20AC, 'q', 0xE9 };
      memcpy(raw + 1, v4, sizeof v4);
      check_utf8("ucs4 unaligned", raw + 1, 4, 3, 32,
                 "\xF0\x9F\x98\x80\xE2\x82\xACq", 8);
      memcpy(raw + 1, v2, sizeof v2);
      check_utf8("ucs2 unaligned", raw + 1, 2, 3, 32,
                 "\xE2\x82\xACq\xC3\xA9", 6);
   }
   end("utf8: payloads at odd addresses");

   begin();
   {
      /* exhaustive: every UCS-2 value, against a reference encoder */
      uint32_t cp;
      for (cp = 0; cp <= 0x10FFFF + 2; cp += (cp < 0x20000 ? 1 : 97)) {
         uint32_t v = cp;
         char out[8], want[5];
         size_t wl, n;
         uint32_t c = (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF
                      ? 0xFFFD : cp;
         if (c < 0x80) { want[0] = (char)c; wl = 1; }
         else if (c < 0x800) {
            want[0] = (char)(0xC0 | (c >> 6)); want[1] = (char)(0x80 | (c & 63));
            wl = 2;
         } else if (c < 0x10000) {
            want[0] = (char)(0xE0 | (c >> 12));
            want[1] = (char)(0x80 | ((c >> 6) & 63));
            want[2] = (char)(0x80 | (c & 63)); wl = 3;
         } else {
            want[0] = (char)(0xF0 | (c >> 18));
            want[1] = (char)(0x80 | ((c >> 12) & 63));
            want[2] = (char)(0x80 | ((c >> 6) & 63));
            want[3] = (char)(0x80 | (c & 63)); wl = 4;
         }
         n = ph_ucs_to_utf8(&v, 4, 1, out, sizeof out);
         if (n != wl || memcmp(out, want, wl) != 0 || out[n] != 0)
            fail("U+%04X: got %s, expected %s", (unsigned)cp, hex(out, n),
                 hex(want, wl));
         if (cp <= 0xFFFF) {
            uint16_t v2 = (uint16_t)cp;
            char out2[8];
            size_t n2 = ph_ucs_to_utf8(&v2, 2, 1, out2, sizeof out2);
            if (n2 != wl || memcmp(out2, want, wl) != 0)
               fail("UCS-2 U+%04X: got %s", (unsigned)cp, hex(out2, n2));
         }
         if (cp <= 0xFF) {
            unsigned char v1 = (unsigned char)cp;
            char out1[8];
            size_t n1 = ph_ucs_to_utf8(&v1, 1, 1, out1, sizeof out1);
            if (n1 != wl || memcmp(out1, want, wl) != 0)
               fail("latin-1 %02X: got %s", (unsigned)cp, hex(out1, n1));
         }
      }
   }
   end("utf8: every code point up to U+20000 and a stride beyond, "
       "all three kinds, agree with a reference encoder");

   /*--- ph_escape_field ---*/

   begin();
   {
      static const char s[] = "a\\b\nc\rd\te";
      check_escape("four escapes", s, 9, 64, "a\\\\b\\nc\\rd\\te", 13);
      check_escape("plain", "/usr/lib/x.py", 13, 64, "/usr/lib/x.py", 13);
      check_escape("only escapes", "\\\n\r\t", 4, 64, "\\\\\\n\\r\\t", 8);
      check_escape("empty", "", 0, 4, "", 0);
      {
         char o[4] = { 'Z', 'Z', 'Z', 'Z' };
         if (ph_escape_field(NULL, 5, o, sizeof o) != 0 || o[0] != '\0')
            fail("NULL in did not give the empty string");
      }
      check_escape("utf8 bytes", "caf\xC3\xA9 \x01\x7f", 8, 64,
                   "caf\xC3\xA9 \x01\x7f", 8);
   }
   end("escape: backslash, newline, CR, tab escaped; other bytes copied");

   begin();
   {
      /* "x\ny\\" -> x \ n y \ \ ; units of 1, 2, 1, 2 bytes */
      static const size_t ul[] = { 1, 2, 1, 2 };
      size_t cap;
      for (cap = 0; cap <= 9; cap++)
         check_escape("truncation", "x\ny\\", 4, cap, "x\\ny\\\\",
                      fit(ul, 4, cap));
      /* the case that matters: room for one byte, next is an escape */
      check_escape("escape not split", "ab\t", 3, 4, "ab", 2);
      check_escape("escape just fits", "ab\t", 3, 5, "ab\\t", 4);
   }
   end("escape: truncation never splits an escape, every out_cap 0..9");

   begin();
   {
      char one[1] = { 'Z' };
      if (ph_escape_field("abc", 3, NULL, 0) != 0)
         fail("out_cap 0 with NULL out did not return 0");
      if (ph_escape_field("abc", 3, one, 0) != 0 || one[0] != 'Z')
         fail("out_cap 0 wrote to the buffer");
      if (ph_escape_field("\n", 1, one, 1) != 0 || one[0] != '\0')
         fail("out_cap 1 did not give the empty string");
   }
   end("escape: out_cap 0 writes nothing, out_cap 1 writes only the NUL");

   /*--- ph_is_utf8 ---*/

   begin();
   {
      /* Valid: ASCII, 2-, 3- and 4-byte forms at their edges. */
      static const char *const good[] = {
         "", "abc", "\xC2\x80", "\xDF\xBF", "\xE0\xA0\x80", "\xED\x9F\xBF",
         "\xEE\x80\x80", "\xEF\xBF\xBF", "\xF0\x90\x80\x80", "\xF4\x8F\xBF\xBF",
         "Gr\xC3\xB6\xC3\x9F" "e", "\xE2\x82\xAC" "1",
      };
      /* Invalid: stray continuation, overlong, surrogate, past U+10FFFF,
         truncated sequences, bytes that never start one. */
      static const char *const bad[] = {
         "\x80", "\xBF", "\xC0\x80", "\xC1\xBF", "\xE0\x80\x80", "\xED\xA0\x80",
         "\xF0\x80\x80\x80", "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xC2",
         "\xE2\x82", "\xF0\x90\x80", "\xFF", "a\xC2\xCA\x9A;", "\xC3\x28",
      };
      size_t i;
      for (i = 0; i < sizeof good / sizeof good[0]; i++)
         if (!ph_is_utf8(good[i], strlen(good[i])))
            fail("valid UTF-8 #%zu refused", i);
      for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
         if (ph_is_utf8(bad[i], strlen(bad[i])))
            fail("invalid UTF-8 #%zu accepted", i);
      /* Every 2-byte string: accepted exactly when Python's rule says so
         (lead C2..DF and a continuation byte, or two ASCII bytes, ...). */
      {
         unsigned a, b;
         for (a = 0; a < 256; a++)
            for (b = 1; b < 256; b++) {
               char t[2] = { (char)a, (char)b };
               int want = (a >= 1 && a < 0x80 && b < 0x80)
                          || (a >= 0xC2 && a <= 0xDF && b >= 0x80 && b <= 0xBF);
               if (a == 0)
                  want = b < 0x80;
               if (ph_is_utf8(t, 2) != want)
                  fail("2-byte string %02x %02x: got %d", a, b, !want);
            }
      }
   }
   end("utf8 check: edges of every form valid; overlong, surrogates, > U+10FFFF, truncated, stray bytes refused; all 2-byte strings");

   if (n_failed_groups)
      fprintf(stderr, "# %d check group(s) failed\n", n_failed_groups);
   return n_failed_groups ? 1 : 0;
}

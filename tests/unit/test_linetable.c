/* pyheap: unit tests of the location-table decoder (pyheap/ph_linetable.c). */
/* SPDX-License-Identifier: GPL-2.0-or-later */

/*
   Three kinds of checks, each group printed as one TAP-like line,
   "ok - ..." or "not ok - ...", exit status 0 only if all are ok:

   1. Agreement with the interpreter.  gen_linetable_vectors.py (run with
      $PYHEAP_PYTHON, default python3) compiles many standard-library
      modules and synthetic snippets and prints, for every code object,
      its co_linetable and the line co_lines() gives for every
      instruction; the decoder must give the same, through the one-shot
      function and through a cursor walked in order and out of order.
   2. Hand-made tables with answers worked out by hand, one per entry
      form, so a failure points at a form rather than at "some module".
   3. Robustness: garbage, truncated and bit-flipped tables from a
      fixed-seed PRNG.  These must never crash nor hang (a watchdog alarm
      turns a hang into "not ok"), and every table is in a heap block of
      exactly its own size, so that Valgrind's memcheck or ASan reports
      any read outside it.  Answers are checked against invariants that
      hold for any bytes (e.g. a table of L bytes describes at most 16*L
      bytes of code; the cursor and the one-shot function agree).

   The generator is found as $PYHEAP_SRCDIR/tests/unit/gen_linetable_vectors.py;
   without PYHEAP_SRCDIR, next to this source file (from __FILE__), then
   under the current directory.
*/

#define _GNU_SOURCE
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ph_linetable.h"

#define GEN_REL "tests/unit/gen_linetable_vectors.py"

static int n_failed_groups = 0;

static void report ( int ok, const char *fmt, ... )
{
   va_list ap;
   printf("%s - ", ok ? "ok" : "not ok");
   va_start(ap, fmt);
   vprintf(fmt, ap);
   va_end(ap);
   printf("\n");
   fflush(stdout);
   if (!ok)
      n_failed_groups++;
}

/* Mismatch details go to stderr, at most MAX_DETAILS lines per run. */
#define MAX_DETAILS 30
static int n_details = 0;

static void detail ( const char *fmt, ... )
{
   va_list ap;
   if (n_details++ >= MAX_DETAILS) {
      if (n_details == MAX_DETAILS + 1)
         fprintf(stderr, "# (further mismatches not shown)\n");
      return;
   }
   fprintf(stderr, "# ");
   va_start(ap, fmt);
   vfprintf(stderr, fmt, ap);
   va_end(ap);
   fprintf(stderr, "\n");
}

static void on_alarm ( int sig )
{
   static const char msg[] =
      "not ok - watchdog: test did not finish in time (endless loop?)\n";
   (void)sig;
   if (write(1, msg, sizeof msg - 1) < 0) { /* nothing more to do */ }
   _exit(1);
}

/* Deterministic PRNG (xorshift64*): the same garbage on every run. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint64_t rng ( void )
{
   rng_state ^= rng_state >> 12;
   rng_state ^= rng_state << 25;
   rng_state ^= rng_state >> 27;
   return rng_state * 0x2545F4914F6CDD1DULL;
}

/* A copy of 'len' bytes in a heap block of exactly that size, so that
   memcheck/ASan catch a read just past the end. */
static unsigned char *exact_copy ( const unsigned char *src, size_t len )
{
   unsigned char *p = malloc(len);   /* malloc(0): a 0-byte block */
   if (!p && len) { perror("malloc"); exit(2); }
   if (len) memcpy(p, src, len);
   return p;
}

/*------------------------------------------------------------*/
/*--- A test-side scanner of entries                       ---*/
/*------------------------------------------------------------*/

/* Index of the header byte that follows the entry starting at h. */
static size_t next_header ( const unsigned char *t, size_t len, size_t h )
{
   h++;
   while (h < len && (t[h] & 0x80) == 0)
      h++;
   return h;
}

/*------------------------------------------------------------*/
/*--- 1. Vectors from the interpreter                      ---*/
/*------------------------------------------------------------*/

typedef struct {
   long n_records, n_stdlib, n_synth;
   long n_offsets_stdlib, n_offsets_synth;   /* one-shot lookups checked */
   long n_cursor_seq, n_cursor_shuffled, n_past_end;
   long bad_oneshot, bad_cursor_seq, bad_cursor_shuffled, bad_past_end;
   long bad_neg, bad_parse;
   long n_codes[16];                        /* entry headers per code */
   long n_neg_delta, n_long_varint;         /* deltas < 0, varints >= 3 B */
   long n_no_line;                          /* expected -1 inside code */
   long n_trunc_tables, n_trunc_lookups, bad_trunc;
   int  saw_end;
   long end_count;
   char pyver[64];
} VecStats;

static int hexval ( int c )
{
   if (c >= '0' && c <= '9') return c - '0';
   if (c >= 'a' && c <= 'f') return c - 'a' + 10;
   if (c >= 'A' && c <= 'F') return c - 'A' + 10;
   return -1;
}

/* Coverage bookkeeping for one valid table: which forms, negative
   deltas, long varints occur, so the report can say that the vectors
   exercised them. */
static void scan_coverage ( const unsigned char *t, size_t len, VecStats *st )
{
   size_t h = 0;
   while (h < len) {
      size_t nx = next_header(t, len, h);
      unsigned code = (t[h] >> 3) & 15;
      st->n_codes[code]++;
      if ((code == 13 || code == 14) && h + 1 < len) {
         size_t k = h + 1, nb = 1;
         if (t[k] & 1) st->n_neg_delta++;
         while (k < nx && (t[k] & 0x40)) { k++; nb++; }
         if (nb >= 3) st->n_long_varint++;
      }
      h = nx;
   }
}

/* Truncated copies of a valid table: every entry that lies wholly inside
   the prefix must still give the full table's answers; past what the
   prefix can describe the answer is -1; nothing may be read past the
   prefix (memcheck/ASan watch the exact-size copy). */
static void check_truncations ( const char *label, const unsigned char *t,
                                size_t len, int first, const int *exp,
                                long n, VecStats *st )
{
   size_t cut;
   for (cut = 0; cut <= len; cut++) {
      unsigned char *p = exact_copy(t, cut);
      size_t h = 0, safe_end = 0;   /* bytes of code fully described */
      long k;
      /* an entry is complete when the next header is inside the prefix
         (or the prefix is the whole table) */
      while (h < cut) {
         size_t nx = next_header(t, len, h);
         if (nx > cut) break;
         safe_end += ((t[h] & 7) + 1) * 2;
         h = nx;
      }
      for (k = 0; k < n && (size_t)(2 * k) < safe_end; k++) {
         int got = ph_linetable_addr2line(p, cut, first, (int)(2 * k));
         st->n_trunc_lookups++;
         if (got != exp[k]) {
            st->bad_trunc++;
            detail("%s: table cut at %zu of %zu bytes: offset %ld: "
                   "expected %d, got %d", label, cut, len, 2 * k, exp[k], got);
         }
      }
      {
         int got = ph_linetable_addr2line(p, cut, first, (int)(16 * cut));
         st->n_trunc_lookups++;
         if (got != -1) {
            st->bad_trunc++;
            detail("%s: table cut at %zu: offset %zu past it gave %d",
                   label, cut, 16 * cut, got);
         }
      }
      free(p);
   }
   st->n_trunc_tables++;
}

static void check_record ( char *line, VecStats *st )
{
   char *save = NULL, *tok;
   char *label, *hex;
   int first;
   long n, k;
   size_t hexlen, len, i;
   unsigned char *tbl;
   int *exp;
   int exp_neg;
   int synth;
   PH_LineCursor cur;
   long stride;

   tok = strtok_r(line, " \n", &save);            /* "V" */
   label = strtok_r(NULL, " \n", &save);
   tok = strtok_r(NULL, " \n", &save);
   hex = strtok_r(NULL, " \n", &save);
   if (!label || !tok || !hex) { st->bad_parse++; return; }
   first = (int)strtol(tok, NULL, 10);
   tok = strtok_r(NULL, " \n", &save);
   if (!tok) { st->bad_parse++; return; }
   n = strtol(tok, NULL, 10);
   tok = strtok_r(NULL, " \n", &save);
   if (!tok || n < 0) { st->bad_parse++; return; }
   exp_neg = (int)strtol(tok, NULL, 10);

   exp = malloc(sizeof(int) * (size_t)(n ? n : 1));
   for (k = 0; k < n; k++) {
      tok = strtok_r(NULL, " \n", &save);
      if (!tok) { st->bad_parse++; free(exp); return; }
      exp[k] = (int)strtol(tok, NULL, 10);
      if (exp[k] == -1) st->n_no_line++;
   }

   if (strcmp(hex, "-") == 0) hex = (char *)"";
   hexlen = strlen(hex);
   if (hexlen % 2) { st->bad_parse++; free(exp); return; }
   len = hexlen / 2;
   {
      unsigned char *tmp = malloc(len ? len : 1);
      for (i = 0; i < len; i++) {
         int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
         if (hi < 0 || lo < 0) { st->bad_parse++; free(tmp); free(exp); return; }
         tmp[i] = (unsigned char)(hi * 16 + lo);
      }
      tbl = exact_copy(tmp, len);
      free(tmp);
   }

   synth = strncmp(label, "synthetic/", 10) == 0;
   st->n_records++;
   if (synth) st->n_synth++; else st->n_stdlib++;
   scan_coverage(tbl, len, st);

   /* Negative offset: co_firstlineno, as the generator says. */
   if (ph_linetable_addr2line(tbl, len, first, -2) != exp_neg
       || exp_neg != first) {
      st->bad_neg++;
      detail("%s: offset -2: expected %d, got %d", label, exp_neg,
             ph_linetable_addr2line(tbl, len, first, -2));
   }

   /* One-shot lookups: every offset of small code objects; of big ones
      (cost is quadratic) a stride plus the last one. */
   stride = n <= 3000 ? 1 : (n + 2999) / 3000;
   for (k = 0; k < n; k += stride) {
      long kk = (k + stride >= n) ? n - 1 : k;
      int got = ph_linetable_addr2line(tbl, len, first, (int)(2 * kk));
      if (synth) st->n_offsets_synth++; else st->n_offsets_stdlib++;
      if (got != exp[kk]) {
         st->bad_oneshot++;
         detail("%s (firstlineno %d): offset %ld: expected %d, got %d",
                label, first, 2 * kk, exp[kk], got);
      }
      if (kk == n - 1) break;
   }

   /* Cursor, ascending: every offset, and the odd byte inside each code
      unit (same unit, same line). */
   ph_linetable_cursor_init(&cur, tbl, len, first);
   for (k = 0; k < n; k++) {
      int g0 = ph_linetable_cursor_addr2line(&cur, (int)(2 * k));
      int g1 = ph_linetable_cursor_addr2line(&cur, (int)(2 * k + 1));
      st->n_cursor_seq += 2;
      if (g0 != exp[k] || g1 != exp[k]) {
         st->bad_cursor_seq++;
         detail("%s: cursor at offset %ld/%ld: expected %d, got %d/%d",
                label, 2 * k, 2 * k + 1, exp[k], g0, g1);
      }
   }

   /* Cursor, out of order (forces restarts), including negative ones. */
   for (k = 0; k < (n < 64 ? n : 64); k++) {
      long o = (long)(rng() % (uint64_t)n);
      int got;
      if (k % 16 == 15) {
         got = ph_linetable_cursor_addr2line(&cur, -2);
         st->n_cursor_shuffled++;
         if (got != first) {
            st->bad_cursor_shuffled++;
            detail("%s: shuffled cursor at -2: got %d", label, got);
         }
      }
      got = ph_linetable_cursor_addr2line(&cur, (int)(2 * o));
      st->n_cursor_shuffled++;
      if (got != exp[o]) {
         st->bad_cursor_shuffled++;
         detail("%s: shuffled cursor at offset %ld: expected %d, got %d",
                label, 2 * o, exp[o], got);
      }
   }

   /* Past the end of the code: no line. */
   {
      int a = ph_linetable_addr2line(tbl, len, first, (int)(2 * n));
      int b = ph_linetable_addr2line(tbl, len, first, INT_MAX);
      int c = ph_linetable_cursor_addr2line(&cur, (int)(2 * n + 2));
      st->n_past_end += 3;
      if (a != -1 || b != -1 || c != -1) {
         st->bad_past_end++;
         detail("%s: offsets past the end (%ld, INT_MAX, %ld) gave %d %d %d",
                label, 2 * n, 2 * n + 2, a, b, c);
      }
   }

   /* Truncations of a sample of small tables (cost: len^2). */
   if (len <= 400 && (st->n_records % 40 == 1 || synth))
      check_truncations(label, tbl, len, first, exp, n, st);

   free(tbl);
   free(exp);
}

static int file_exists ( const char *p )
{
   return access(p, R_OK) == 0;
}

/* Where the generator is: $PYHEAP_SRCDIR, else the tree this file was
   compiled from (__FILE__ minus GEN_REL's directory part), else ".". */
static char *find_generator ( void )
{
   static char buf[4096];
   const char *env = getenv("PYHEAP_SRCDIR");
   const char *suffix = "tests/unit/test_linetable.c";
   const char *f = __FILE__;
   size_t fl = strlen(f), sl = strlen(suffix);

   if (env && *env) {
      snprintf(buf, sizeof buf, "%s/%s", env, GEN_REL);
      return buf;   /* if it is missing, say so rather than guess */
   }
   if (fl >= sl && strcmp(f + fl - sl, suffix) == 0) {
      if (fl == sl)
         snprintf(buf, sizeof buf, "./%s", GEN_REL);
      else
         snprintf(buf, sizeof buf, "%.*s%s", (int)(fl - sl), f, GEN_REL);
      if (file_exists(buf))
         return buf;
   }
   snprintf(buf, sizeof buf, "./%s", GEN_REL);
   return buf;
}

/* Single-quote s for /bin/sh. */
static void shell_quote ( char *out, size_t cap, const char *s )
{
   size_t n = 0;
   if (cap < 3) { if (cap) out[0] = 0; return; }
   out[n++] = '\'';
   for (; *s && n + 6 < cap; s++) {
      if (*s == '\'') {
         memcpy(out + n, "'\\''", 4);
         n += 4;
      } else {
         out[n++] = *s;
      }
   }
   out[n++] = '\'';
   out[n] = 0;
}

static void test_vectors ( void )
{
   VecStats st;
   const char *python = getenv("PYHEAP_PYTHON");
   const char *gen = find_generator();
   char qpy[4200], qgen[4200], cmd[8600];
   FILE *fp;
   char *line = NULL;
   size_t cap = 0;
   ssize_t got;
   int status, c, all_codes = 1;
   long fewest;

   memset(&st, 0, sizeof st);
   strcpy(st.pyver, "?");
   if (!python || !*python)
      python = "python3";

   if (!file_exists(gen)) {
      report(0, "stdlib vectors: generator %s not found "
                "(set PYHEAP_SRCDIR to the source tree)", gen);
      return;
   }
   shell_quote(qpy, sizeof qpy, python);
   shell_quote(qgen, sizeof qgen, gen);
   snprintf(cmd, sizeof cmd, "%s %s", qpy, qgen);
   fp = popen(cmd, "r");
   if (!fp) {
      report(0, "stdlib vectors: cannot run %s", cmd);
      return;
   }
   while ((got = getline(&line, &cap, fp)) > 0) {
      if (line[0] == 'V' && line[1] == ' ') {
         check_record(line, &st);
      } else if (strncmp(line, "END ", 4) == 0) {
         st.saw_end = 1;
         st.end_count = strtol(line + 4, NULL, 10);
      } else if (strncmp(line, "# gen_linetable_vectors.py, CPython ", 36)
                 == 0) {
         snprintf(st.pyver, sizeof st.pyver, "%s", line + 36);
         st.pyver[strcspn(st.pyver, "\n")] = 0;
      }
   }
   free(line);
   status = pclose(fp);

   report(status == 0 && st.saw_end && st.end_count == st.n_records
          && st.bad_parse == 0 && st.n_stdlib >= 1000,
          "generator: %s ran (CPython %s), %ld records read of %ld announced"
          " (status %d, %ld unparsable)",
          cmd, st.pyver, st.n_records, st.end_count, status, st.bad_parse);

   report(st.n_stdlib >= 1000 && st.bad_oneshot == 0 && st.bad_neg == 0,
          "stdlib vectors: %ld offsets in %ld code objects agree with"
          " co_lines() (one-shot lookups; offset -2 gives co_firstlineno)",
          st.n_offsets_stdlib, st.n_stdlib);
   report(st.n_synth >= 10 && st.bad_oneshot == 0,
          "synthetic vectors: %ld offsets in %ld code objects agree with"
          " co_lines()", st.n_offsets_synth, st.n_synth);
   report(st.n_cursor_seq > 0 && st.bad_cursor_seq == 0,
          "cursor in order: %ld lookups (every even and odd offset of every"
          " code object) agree", st.n_cursor_seq);
   report(st.n_cursor_shuffled > 0 && st.bad_cursor_shuffled == 0,
          "cursor out of order: %ld lookups agree", st.n_cursor_shuffled);
   report(st.n_past_end > 0 && st.bad_past_end == 0,
          "offsets past the code: %ld lookups give -1", st.n_past_end);
   report(st.n_trunc_tables > 0 && st.bad_trunc == 0,
          "truncated real tables: %ld tables cut at every length, %ld lookups"
          " keep the answers of complete entries and give -1 past them",
          st.n_trunc_tables, st.n_trunc_lookups);

   fewest = st.n_codes[0];
   for (c = 0; c < 16; c++) {
      if (st.n_codes[c] == 0) all_codes = 0;
      if (st.n_codes[c] < fewest) fewest = st.n_codes[c];
   }
   report(all_codes && st.n_neg_delta > 0 && st.n_long_varint > 0
          && st.n_no_line > 0,
          "vectors cover all 16 entry codes (fewest: %ld), %ld negative"
          " varint deltas, %ld varints of 3+ bytes, %ld no-line offsets",
          fewest,
          st.n_neg_delta, st.n_long_varint, st.n_no_line);
}

/*------------------------------------------------------------*/
/*--- 2. Hand-made tables                                  ---*/
/*------------------------------------------------------------*/

/* Header byte: top bit, 4-bit code, length-1 in code units. */
#define H(code, units) (unsigned char)(0x80 | ((code) << 3) | ((units) - 1))

typedef struct { int off; int line; } Probe;

static int check_table ( const char *what, const unsigned char *t, size_t len,
                         int first, const Probe *pr, size_t n_pr )
{
   unsigned char *p = exact_copy(t, len);
   size_t i;
   int ok = 1;
   PH_LineCursor cur;
   ph_linetable_cursor_init(&cur, p, len, first);
   for (i = 0; i < n_pr; i++) {
      int g = ph_linetable_addr2line(p, len, first, pr[i].off);
      int gc = ph_linetable_cursor_addr2line(&cur, pr[i].off);
      if (g != pr[i].line || gc != pr[i].line) {
         detail("hand-made %s: offset %d: expected %d, got %d (cursor %d)",
                what, pr[i].off, pr[i].line, g, gc);
         ok = 0;
      }
   }
   free(p);
   return ok;
}

static void test_handmade ( void )
{
   int ok = 1, n = 0;

   { /* empty table: nothing has a line, except "before the start" */
      static const Probe pr[] = { {-2, 7}, {-1, 7}, {0, -1}, {100, -1} };
      ok &= check_table("empty", (const unsigned char *)"", 0, 7, pr, 4); n++;
   }
   { /* short forms (codes 0..9) keep the running line; lengths 1 and 8 */
      static const unsigned char t[] = { H(0, 1), 0x00, H(9, 8), 0x7f };
      static const Probe pr[] = { {0, 10}, {1, 10}, {2, 10}, {16, 10},
                                  {17, 10}, {18, -1}, {-4, 10} };
      ok &= check_table("short forms", t, sizeof t, 10, pr, 7); n++;
   }
   { /* one-line forms: deltas 0, 1, 2 */
      static const unsigned char t[] = { H(10, 1), 1, 2, H(11, 2), 3, 4,
                                         H(12, 1), 5, 6, H(11, 1), 0, 0 };
      static const Probe pr[] = { {0, 5}, {2, 6}, {4, 6}, {6, 8}, {8, 9},
                                  {10, -1}, {7, 8} };
      ok &= check_table("one-line forms", t, sizeof t, 5, pr, 7); n++;
   }
   { /* no-column form (13) with signed varints: +3, -2, +31, -32 */
      static const unsigned char t[] = { H(13, 1), 6, H(13, 1), 5,
                                         H(13, 1), 62, H(13, 1), 0x41, 0x01 };
      /* 0x41,0x01 = 1 | (1 << 6) = 65 -> odd -> -(65 >> 1) = -32 */
      static const Probe pr[] = { {0, 103}, {2, 101}, {4, 132}, {6, 100},
                                  {8, -1} };
      ok &= check_table("no-column form", t, sizeof t, 100, pr, 5); n++;
   }
   { /* long form (14): delta, end delta, columns; multi-byte varints */
      /* +1000: 2000 = 0b11111010000 -> groups 010000 (16), 011111 (31):
         bytes 0x40|16 = 0x50, 31 = 0x1f */
      static const unsigned char t[] = {
         H(14, 3), 0x50, 0x1f, 0x02, 0x05, 0x09,
         /* -1000000: 2000001 = 0x1E8481 -> 6-bit groups 1, 18, 40, 7 */
         H(14, 1), 0x41, 0x52, 0x68, 0x07, 0x00, 0x01, 0x01,
         H(15, 2),                     /* no location */
         H(0, 1), 0x00 };              /* back to the running line */
      static const Probe pr[] = { {0, 1001001}, {4, 1001001},
                                  {6, 1001}, {8, -1}, {10, -1}, {12, 1001},
                                  {14, -1}, {-2, 1000001} };
      ok &= check_table("long form", t, sizeof t, 1000001, pr, 8); n++;
   }
   { /* no-location entries do not move the running line */
      static const unsigned char t[] = { H(11, 1), 0, 0, H(15, 8), H(15, 1),
                                         H(11, 1), 0, 0 };
      static const Probe pr[] = { {0, 2}, {2, -1}, {17, -1}, {18, -1},
                                  {20, 3}, {22, -1} };
      ok &= check_table("no-location", t, sizeof t, 1, pr, 6); n++;
   }
   { /* varint cut by the end of the table, and a run of continuation
        bits longer than any real varint: bounded, no read past the end */
      static const unsigned char t1[] = { H(13, 1), 0x45 };      /* cut */
      static const unsigned char t2[] = { H(13, 1), 0x7f, 0x7f, 0x7f, 0x7f,
                                          0x7f, 0x7f, 0x7f, 0x7f, 0x7f,
                                          0x7f, 0x7f, 0x7f, H(10, 1), 0, 0 };
      /* t1: 0x45 -> value 5 (continuation has nowhere to go) -> -2 */
      static const Probe pr1[] = { {0, 8}, {2, -1} };
      ok &= check_table("varint cut by the end", t1, sizeof t1, 10, pr1, 2);
      n++;
      {
         unsigned char *p = exact_copy(t2, sizeof t2);
         int a = ph_linetable_addr2line(p, sizeof t2, 1, 0);
         int b = ph_linetable_addr2line(p, sizeof t2, 1, 2);
         /* whatever the line, the second entry is found and equal */
         if (b != a) {
            detail("hand-made over-long varint: lines %d then %d", a, b);
            ok = 0;
         }
         if (ph_linetable_addr2line(p, sizeof t2, 1, 4) != -1) ok = 0;
         free(p);
         n++;
      }
   }
   { /* first byte without the top bit: decoded as a header anyway */
      static const unsigned char t[] = { 0x58 /* code 11, 1 unit */, 0, 0,
                                         H(11, 1), 0, 0 };
      static const Probe pr[] = { {0, 6}, {2, 7}, {4, -1} };
      ok &= check_table("headless first byte", t, sizeof t, 5, pr, 3); n++;
   }
   report(ok, "hand-made tables: %d tables with known answers "
              "(every entry form, varint edge cases)", n);
}

/*------------------------------------------------------------*/
/*--- 3. Robustness on garbage                             ---*/
/*------------------------------------------------------------*/

static void test_garbage ( void )
{
   long n_tables = 0, n_lookups = 0, bad = 0;
   int round;
   unsigned char buf[4096];

   for (round = 0; round < 20000; round++) {
      size_t len, i;
      unsigned char *p;
      int first, j;
      PH_LineCursor cur;

      /* mostly short tables, some long; several byte distributions */
      len = (size_t)(round % 10 == 0 ? rng() % 4096 : rng() % 48);
      for (i = 0; i < len; i++) {
         uint64_t r = rng();
         switch (round % 4) {
            case 0:  buf[i] = (unsigned char)r; break;            /* any */
            case 1:  buf[i] = (unsigned char)(r | 0x80); break;   /* headers */
            case 2:  buf[i] = (unsigned char)(r & 0x7f); break;   /* data */
            default: buf[i] = (r & 3) ? 0xff : 0x7f; break;       /* extremes */
         }
      }
      first = (int)(rng() % 5 == 0 ? (int64_t)(int32_t)rng() : (int64_t)(rng() % 5000));
      p = exact_copy(buf, len);
      ph_linetable_cursor_init(&cur, p, len, first);
      n_tables++;

      for (j = 0; j < 24; j++) {
         int off, a, b;
         switch (j % 4) {
            case 0:  off = (int)(rng() % (16 * len + 40)); break;
            case 1:  off = (int)(uint32_t)rng(); break;           /* any int */
            case 2:  off = (int)(rng() % 64); break;
            default: off = -(int)(rng() % 100) - 1; break;
         }
         a = ph_linetable_addr2line(p, len, first, off);
         b = ph_linetable_cursor_addr2line(&cur, off);
         n_lookups++;
         if (a != b) {
            bad++;
            detail("garbage table %ld (len %zu): offset %d: one-shot %d,"
                   " cursor %d", n_tables, len, off, a, b);
         }
         if (off < 0 && a != first) {
            bad++;
            detail("garbage table: negative offset gave %d, not %d", a, first);
         }
         /* a table of len bytes has at most len entries of 16 bytes */
         if (off >= 0 && (size_t)off >= 16 * len && a != -1) {
            bad++;
            detail("garbage table (len %zu): offset %d past 16*len gave %d",
                   len, off, a);
         }
      }
      free(p);
   }
   report(bad == 0, "garbage tables: %ld random tables, %ld lookups: no "
          "crash, no hang, cursor == one-shot, -1 past 16*len", n_tables,
          n_lookups);

   /* Mutations of a plausible table: real-looking structure with bits
      flipped, bytes dropped or duplicated. */
   {
      static const unsigned char base[] = {
         0xf0, 0x03, 0x01, 0x01, 0x01, 0xd8, 0x00, 0x10, 0x80, 0x00,
         0xf5, 0x0a, 0x00, 0x0e, 0x12, 0x90, 0x21, 0x89, 0x57, 0x8c,
         0x57, 0xf0, 0x00, 0x08, 0x09, 0x15, 0x98, 0x01, 0xdd, 0x0d,
         0x11, 0xf8, 0x80, 0x00, 0xe8, 0x00, 0xf0, 0x42, 0x52, 0x3c };
      long n_mut = 0;
      bad = 0;
      for (round = 0; round < 20000; round++) {
         size_t len = sizeof base, i;
         unsigned char *p;
         int nflip = 1 + (int)(rng() % 4), j, first = 1;
         PH_LineCursor cur;
         memcpy(buf, base, len);
         for (j = 0; j < nflip; j++) {
            size_t at = (size_t)(rng() % len);
            switch (rng() % 3) {
               case 0: buf[at] ^= (unsigned char)(1u << (rng() % 8)); break;
               case 1: memmove(buf + at, buf + at + 1, len - at - 1);
                       len--; break;
               default: if (len < sizeof buf - 1) {
                           memmove(buf + at + 1, buf + at, len - at);
                           len++;
                        }
                        break;
            }
         }
         len = (size_t)(rng() % (len + 1));          /* and truncate */
         p = exact_copy(buf, len);
         ph_linetable_cursor_init(&cur, p, len, first);
         for (i = 0; i < 16 * len + 4; i += 2) {
            int a = ph_linetable_addr2line(p, len, first, (int)i);
            int b = ph_linetable_cursor_addr2line(&cur, (int)i);
            n_lookups++;
            if (a != b || (i >= 16 * len && a != -1)) {
               bad++;
               detail("mutated table (len %zu): offset %zu: %d vs %d",
                      len, i, a, b);
            }
         }
         free(p);
         n_mut++;
      }
      report(bad == 0, "mutated tables: %ld flipped/shifted/truncated "
             "tables, every offset: no crash, cursor == one-shot", n_mut);
   }

   { /* NULL table of length 0 is an empty table */
      int a = ph_linetable_addr2line(NULL, 0, 3, 0);
      int b = ph_linetable_addr2line(NULL, 0, 3, -2);
      report(a == -1 && b == 3, "NULL empty table: -1 at offset 0, "
             "firstlineno before it");
   }
}

int main ( void )
{
   signal(SIGALRM, on_alarm);
   /* generous: under memcheck the whole run takes a few minutes at most */
   alarm(1200);
   test_handmade();
   test_garbage();
   test_vectors();
   if (n_failed_groups)
      fprintf(stderr, "# %d check group(s) failed\n", n_failed_groups);
   return n_failed_groups ? 1 : 0;
}

/* pyheap: unit tests of the _Py_DebugOffsets parser (pyheap/ph_debugoffsets.c). */
/* SPDX-License-Identifier: GPL-2.0-or-later */

/*
   Two kinds of checks, each group printed as one TAP-like line,
   "ok - ..." or "not ok - ...", exit status 0 only if all are ok:

   1. Real interpreters.  For every CPython 3.13 or later found -- the
      paths in $PYHEAP_TEST_PYTHONS (separated by spaces or colons), else
      $PYHEAP_PYTHON and python3.13, python3.14, python3.15, python3.16 on
      PATH -- the interpreter dumps the first 4096 bytes of its own
      _PyRuntime (ctypes), and a probe compiled against its headers with
      -DPy_BUILD_CORE ($CC, default cc) prints offsetof() of every member
      pyheap reads, of the real structs and of _Py_DebugOffsets itself.
      The parser's positions table and the layout it builds from the dump
      must agree with the probe on every field.  An interpreter found on
      PATH that does not run (e.g. a pyenv shim of a version not
      selected) or has no headers is reported as skipped; one named in
      $PYHEAP_TEST_PYTHONS must work.  Without any interpreter the group
      prints "ok - real interpreters skipped: no interpreter".
   2. Hand-made inputs: 3.13, 3.14 and 3.15 images written from the
      numbers of their headers and builds (independently of the parser's
      table) must parse into the layouts their headers give, so that the
      parser is checked for every version even where no such interpreter
      is installed;
      copies with a bad cookie, another version, the free-threaded flag,
      a short buffer, an unknown minor version, and each member in turn
      set to an absurd value must be refused; random corruptions must
      never crash and never yield an offset out of bounds.
*/

#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ph_debugoffsets.h"

static int n_failed_groups = 0;

static void report(int ok, const char *fmt, ...)
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

#define MAX_DETAILS 40
static int n_details = 0;

static void detail(const char *fmt, ...)
{
   va_list ap;
   if (n_details++ >= MAX_DETAILS)
      return;
   va_start(ap, fmt);
   fprintf(stderr, "  ");
   vfprintf(stderr, fmt, ap);
   fprintf(stderr, "\n");
   va_end(ap);
}

/* ---- The layout's fields, by name ------------------------------------------ */

typedef struct {
   const char *name;
   size_t off;
   int is_ulong;
} LayoutField;

#define LF(m) { #m, offsetof(PhPyLayout, m), 0 }
static const LayoutField layout_fields[] = {
   LF(rt_finalizing), LF(rt_interpreters_head), LF(is_next), LF(is_threads_head),
   LF(ts_next), LF(ts_native_thread_id), LF(ts_cframe), LF(cf_current_frame),
   LF(fr_code), LF(fr_previous), LF(fr_instr), LF(fr_owner),
   { "fr_code_tag_bits", offsetof(PhPyLayout, fr_code_tag_bits), 1 },
   LF(owner_generator), LF(owner_cstack),
   LF(co_firstlineno), LF(co_filename), LF(co_qualname), LF(co_linetable),
   LF(co_firsttraceable), LF(co_code_adaptive),
   LF(ob_type), LF(var_size), LF(bytes_sval),
   LF(str_length), LF(str_state), LF(str_ascii_data), LF(str_compact_data),
   LF(str_kind_shift), LF(str_compact_bit), LF(str_ascii_bit),
};
#define N_LAYOUT_FIELDS (sizeof layout_fields / sizeof layout_fields[0])

static long layout_get(const PhPyLayout *L, const LayoutField *f)
{
   const char *base = (const char *)L + f->off;
   if (f->is_ulong)
      return (long)*(const unsigned long *)base;
   return *(const int *)base;
}

static const LayoutField *layout_field(const char *name)
{
   size_t i;
   for (i = 0; i < N_LAYOUT_FIELDS; i++)
      if (strcmp(layout_fields[i].name, name) == 0)
         return &layout_fields[i];
   return NULL;
}

/* ---- Real interpreters ------------------------------------------------------- */

/* Run in the interpreter: its version, include directory, whether it is
   free-threaded, and the head of its _PyRuntime in hex. */
static const char dump_script[] =
   "import ctypes, sys, sysconfig\n"
   "a = ctypes.addressof(ctypes.c_char.in_dll(ctypes.pythonapi, '_PyRuntime'))\n"
   "print(sys.hexversion)\n"
   "print(sys.version.split()[0])\n"
   "print(sysconfig.get_paths()['include'])\n"
   "print(1 if sysconfig.get_config_var('Py_GIL_DISABLED') else 0)\n"
   "print(ctypes.string_at(a, 4096).hex())\n";

/* Compiled against the interpreter's headers: "P <member> <position in
   _Py_DebugOffsets>" and "V <PhPyLayout field> <value from the headers>". */
static const char probe_source[] =
   "#define Py_BUILD_CORE 1\n"
   "#include <Python.h>\n"
   "#include <stddef.h>\n"
   "#include <stdio.h>\n"
   "#include <string.h>\n"
   "#include <internal/pycore_runtime.h>\n"
   "#include <internal/pycore_interp.h>\n"
   "#include <internal/pycore_frame.h>\n"
   "#if PY_VERSION_HEX >= 0x030E0000\n"
   "#include <internal/pycore_debug_offsets.h>\n"
   "#include <internal/pycore_stackref.h>\n"
   "#endif\n"
   "#define P(m) printf(\"P %s %lu\\n\", #m, (unsigned long)offsetof(_Py_DebugOffsets, m))\n"
   "#define V(n, e) printf(\"V %s %ld\\n\", n, (long)(e))\n"
   "static int bit_of(unsigned w) { int i = 0; while (w && !(w & 1)) { w >>= 1; i++; } return i; }\n"
   "int main(void)\n"
   "{\n"
   "   PyASCIIObject o; unsigned w;\n"
   "   printf(\"H %lu\\n\", (unsigned long)PY_VERSION_HEX);\n"
   "   P(runtime_state.size); P(runtime_state.finalizing); P(runtime_state.interpreters_head);\n"
   "   P(interpreter_state.size); P(interpreter_state.next); P(interpreter_state.threads_head);\n"
   "   P(thread_state.size); P(thread_state.next); P(thread_state.current_frame);\n"
   "   P(thread_state.native_thread_id);\n"
   "   P(interpreter_frame.size); P(interpreter_frame.previous); P(interpreter_frame.executable);\n"
   "   P(interpreter_frame.instr_ptr); P(interpreter_frame.owner);\n"
   "   P(code_object.size); P(code_object.filename); P(code_object.qualname);\n"
   "   P(code_object.linetable); P(code_object.firstlineno); P(code_object.co_code_adaptive);\n"
   "   P(pyobject.size); P(pyobject.ob_type);\n"
   "   P(bytes_object.size); P(bytes_object.ob_size); P(bytes_object.ob_sval);\n"
   "   P(unicode_object.size); P(unicode_object.state); P(unicode_object.length);\n"
   "   P(unicode_object.asciiobject_size);\n"
   "   printf(\"S %lu\\n\", (unsigned long)sizeof(_Py_DebugOffsets));\n"
   "   V(\"rt_finalizing\", offsetof(_PyRuntimeState, _finalizing));\n"
   "   V(\"rt_interpreters_head\", offsetof(_PyRuntimeState, interpreters.head));\n"
   "   V(\"is_next\", offsetof(PyInterpreterState, next));\n"
   "   V(\"is_threads_head\", offsetof(PyInterpreterState, threads.head));\n"
   "   V(\"ts_next\", offsetof(PyThreadState, next));\n"
   "   V(\"ts_native_thread_id\", offsetof(PyThreadState, native_thread_id));\n"
   "   V(\"ts_cframe\", offsetof(PyThreadState, current_frame));\n"
   "   V(\"cf_current_frame\", -1);\n"
   "   V(\"fr_code\", offsetof(_PyInterpreterFrame, f_executable));\n"
   "   V(\"fr_previous\", offsetof(_PyInterpreterFrame, previous));\n"
   "   V(\"fr_instr\", offsetof(_PyInterpreterFrame, instr_ptr));\n"
   "   V(\"fr_owner\", offsetof(_PyInterpreterFrame, owner));\n"
   "   V(\"owner_generator\", FRAME_OWNED_BY_GENERATOR);\n"
   "#if PY_VERSION_HEX >= 0x030E0000\n"
   "   /* _PyFrame_IsIncomplete: owner >= FRAME_OWNED_BY_INTERPRETER */\n"
   "   V(\"owner_cstack\", FRAME_OWNED_BY_INTERPRETER);\n"
   "   V(\"fr_code_tag_bits\", Py_TAG_BITS);\n"
   "#else\n"
   "   V(\"owner_cstack\", FRAME_OWNED_BY_CSTACK);\n"
   "   V(\"fr_code_tag_bits\", 0);\n"
   "#endif\n"
   "   V(\"co_firstlineno\", offsetof(PyCodeObject, co_firstlineno));\n"
   "   V(\"co_filename\", offsetof(PyCodeObject, co_filename));\n"
   "   V(\"co_qualname\", offsetof(PyCodeObject, co_qualname));\n"
   "   V(\"co_linetable\", offsetof(PyCodeObject, co_linetable));\n"
   "   V(\"co_firsttraceable\", offsetof(PyCodeObject, _co_firsttraceable));\n"
   "   V(\"co_code_adaptive\", offsetof(PyCodeObject, co_code_adaptive));\n"
   "   V(\"ob_type\", offsetof(PyObject, ob_type));\n"
   "   V(\"var_size\", offsetof(PyVarObject, ob_size));\n"
   "   V(\"bytes_sval\", offsetof(PyBytesObject, ob_sval));\n"
   "   V(\"str_length\", offsetof(PyASCIIObject, length));\n"
   "   V(\"str_state\", offsetof(PyASCIIObject, state));\n"
   "   V(\"str_ascii_data\", sizeof(PyASCIIObject));\n"
   "   V(\"str_compact_data\", sizeof(PyCompactUnicodeObject));\n"
   "   memset(&o, 0, sizeof o); o.state.kind = 7; memcpy(&w, &o.state, sizeof w);\n"
   "   V(\"str_kind_shift\", bit_of(w));\n"
   "   memset(&o, 0, sizeof o); o.state.compact = 1; memcpy(&w, &o.state, sizeof w);\n"
   "   V(\"str_compact_bit\", bit_of(w));\n"
   "   memset(&o, 0, sizeof o); o.state.ascii = 1; memcpy(&w, &o.state, sizeof w);\n"
   "   V(\"str_ascii_bit\", bit_of(w));\n"
   "   return 0;\n"
   "}\n";

static char tmpdir[64];

static void cleanup_tmpdir(void)
{
   char cmd[128];
   if (tmpdir[0]) {
      snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
      if (system(cmd) != 0)
         fprintf(stderr, "could not remove %s\n", tmpdir);
   }
}

/* Single-quote S for sh. */
static void shquote(char *dst, size_t cap, const char *s)
{
   size_t n = 0;
   if (cap < 3)
      return;
   dst[n++] = '\'';
   for (; *s && n + 6 < cap; s++) {
      if (*s == '\'') {
         memcpy(dst + n, "'\\''", 4);
         n += 4;
      } else {
         dst[n++] = *s;
      }
   }
   dst[n++] = '\'';
   dst[n] = '\0';
}

/* Run CMD through sh; its stdout into a malloc'd string.  Returns the
   exit status (-1 if it could not run). */
static int run_capture(const char *cmd, char **out)
{
   FILE *p = popen(cmd, "r");
   size_t cap = 16384, n = 0;
   char *buf;
   int st;

   *out = NULL;
   if (p == NULL)
      return -1;
   buf = malloc(cap);
   for (;;) {
      size_t got;
      if (n + 4096 + 1 > cap) {
         cap *= 2;
         buf = realloc(buf, cap);
      }
      got = fread(buf + n, 1, 4096, p);
      if (got == 0)
         break;
      n += got;
   }
   buf[n] = '\0';
   st = pclose(p);
   *out = buf;
   if (st == -1 || !WIFEXITED(st))
      return -1;
   return WEXITSTATUS(st);
}

static int hexval(int c)
{
   if (c >= '0' && c <= '9') return c - '0';
   if (c >= 'a' && c <= 'f') return c - 'a' + 10;
   if (c >= 'A' && c <= 'F') return c - 'A' + 10;
   return -1;
}

/* What the probe printed. */
#define MAX_PROBE 128
typedef struct {
   char kind;            /* 'P' or 'V' */
   char name[64];
   long value;
} ProbeLine;

static int parse_probe(char *text, ProbeLine *lines, int cap, unsigned long *hex, long *debug_szB)
{
   int n = 0;
   char *line = strtok(text, "\n");
   *hex = 0;
   *debug_szB = -1;
   for (; line != NULL; line = strtok(NULL, "\n")) {
      char name[64];
      long v;
      if (sscanf(line, "H %lu", hex) == 1)
         continue;
      if (sscanf(line, "S %ld", debug_szB) == 1)
         continue;
      if ((line[0] == 'P' || line[0] == 'V') && n < cap
          && sscanf(line + 2, "%63s %ld", name, &v) == 2) {
         lines[n].kind = line[0];
         strcpy(lines[n].name, name);
         lines[n].value = v;
         n++;
      }
   }
   return n;
}

/* Check one interpreter.  REQUIRED: named by the user (must work). */
static void check_interpreter(const char *python, int required)
{
   char q[1024], cmd[4096], src[512], exe[512];
   char *out = NULL, *probe_out = NULL, *lines[6], *save = NULL;
   unsigned char runtime[PH_DEBUG_OFFSETS_READ_SZB];
   unsigned long hex, probe_hex;
   long debug_szB;
   const char *cc;
   int st, i, free_threaded, rc, n_lines, bad;
   ProbeLine probe[MAX_PROBE];
   PhPyLayout L;
   FILE *f;

   shquote(q, sizeof q, python);
   snprintf(cmd, sizeof cmd, "%s -I -c \"$PH_DUMP_SCRIPT\" 2>/dev/null", q);
   setenv("PH_DUMP_SCRIPT", dump_script, 1);
   st = run_capture(cmd, &out);
   if (st != 0) {
      report(!required, "%s: %s: dumps its _PyRuntime (exit %d)", python,
             required ? "FAILED" : "skipped: it does not run", st);
      free(out);
      return;
   }
   for (i = 0; i < 5; i++) {
      lines[i] = strtok_r(i == 0 ? out : NULL, "\n", &save);
      if (lines[i] == NULL)
         break;
   }
   if (i < 5 || strlen(lines[4]) != 2 * sizeof runtime) {
      report(0, "%s: its dump is malformed", python);
      free(out);
      return;
   }
   hex = strtoul(lines[0], NULL, 10);
   free_threaded = atoi(lines[3]);
   for (i = 0; i < (int)sizeof runtime; i++)
      runtime[i] = (unsigned char)(hexval(lines[4][2 * i]) * 16 + hexval(lines[4][2 * i + 1]));
   if (hex < 0x030D0000) {
      report(!required, "%s (%s): %s: older than 3.13, no _Py_DebugOffsets", python,
             lines[1], required ? "FAILED" : "skipped");
      free(out);
      return;
   }

   /* The parse alone. */
   memset(&L, 0, sizeof L);
   rc = ph_py_layout_from_debug_offsets(runtime, sizeof runtime, hex, &L);
   if (free_threaded) {
      report(rc == PH_DO_FREE_THREADED, "%s (%s): a free-threaded build is refused (rc %d)",
             python, lines[1], rc);
      free(out);
      return;
   }
   report(rc == PH_DO_OK, "%s (%s): its _Py_DebugOffsets parse (rc %d: %s)", python, lines[1],
          rc, ph_debug_offsets_strerror(rc));
   {
      PhPyLayout L2;
      int rc2 = ph_py_layout_from_debug_offsets(runtime, sizeof runtime, hex + 1, &L2);
      int rc3 = ph_py_layout_from_debug_offsets(runtime, 200, hex, &L2);
      report(rc2 == PH_DO_VERSION && rc3 == PH_DO_SHORT,
             "%s (%s): its dump is refused with another version (rc %d) or cut short (rc %d)",
             python, lines[1], rc2, rc3);
   }

   /* The probe, compiled against its headers. */
   snprintf(src, sizeof src, "%s/probe.c", tmpdir);
   snprintf(exe, sizeof exe, "%s/probe-%lx", tmpdir, hex);
   {
      char inc[1024], incq[1100];
      struct stat sb;
      snprintf(inc, sizeof inc, "%s/internal/pycore_frame.h", lines[2]);
      if (stat(inc, &sb) != 0) {
         report(!required, "%s (%s): %s: no internal headers in %s (install python%lu.%lu-dev)",
                python, lines[1], required ? "FAILED" : "header checks skipped", lines[2],
                hex >> 24, (hex >> 16) & 0xff);
         free(out);
         return;
      }
      f = fopen(src, "w");
      if (f == NULL || fputs(probe_source, f) < 0 || fclose(f) != 0) {
         report(0, "%s: cannot write %s", python, src);
         free(out);
         return;
      }
      cc = getenv("CC");
      if (cc == NULL || *cc == '\0')
         cc = "cc";
      shquote(incq, sizeof incq, lines[2]);
      snprintf(cmd, sizeof cmd, "%s -I%s -o %s %s 1>&2 && %s", cc, incq, exe, src, exe);
   }
   st = run_capture(cmd, &probe_out);
   if (st != 0) {
      report(0, "%s (%s): a probe compiles against its headers (%s)", python, lines[1], cmd);
      free(out);
      free(probe_out);
      return;
   }
   n_lines = parse_probe(probe_out, probe, MAX_PROBE, &probe_hex, &debug_szB);
   if (probe_hex != hex)
      fprintf(stderr, "  note: %s is 0x%lx, its headers say 0x%lx\n", python, hex, probe_hex);

   /* Positions in _Py_DebugOffsets. */
   bad = 0;
   for (i = 0; i < n_lines; i++) {
      long pos;
      if (probe[i].kind != 'P')
         continue;
      pos = ph_debug_offsets_position((hex >> 16) & 0xff, probe[i].name);
      if (pos != probe[i].value) {
         detail("%s: _Py_DebugOffsets.%s is at %ld, the table says %ld", python,
                probe[i].name, probe[i].value, pos);
         bad++;
      }
   }
   report(bad == 0 && n_lines > 30, "%s (%s): the positions table matches its _Py_DebugOffsets "
          "(%d members, sizeof %ld)", python, lines[1], n_lines > 30 ? 30 : n_lines, debug_szB);

   /* The layout against offsetof() of the real structs. */
   bad = 0;
   if (rc == PH_DO_OK) {
      int seen = 0;
      for (i = 0; i < n_lines; i++) {
         const LayoutField *lf;
         if (probe[i].kind != 'V')
            continue;
         lf = layout_field(probe[i].name);
         if (lf == NULL) {
            detail("%s: probe printed unknown field %s", python, probe[i].name);
            bad++;
            continue;
         }
         seen++;
         if (layout_get(&L, lf) != probe[i].value) {
            detail("%s: %s: parsed %ld, the headers say %ld", python, lf->name,
                   layout_get(&L, lf), probe[i].value);
            bad++;
         }
      }
      if (seen != (int)N_LAYOUT_FIELDS) {
         detail("%s: the probe printed %d of %d fields", python, seen, (int)N_LAYOUT_FIELDS);
         bad++;
      }
      if (L.hex_min > hex || L.hex_max <= hex) {
         detail("%s: the entry covers 0x%lx..0x%lx", python, L.hex_min, L.hex_max);
         bad++;
      }
   }
   report(rc == PH_DO_OK && bad == 0,
          "%s (%s): the parsed layout matches offsetof() in its headers", python, lines[1]);
   free(out);
   free(probe_out);
}

static int already(char seen[][4096], int n, const char *path)
{
   int i;
   for (i = 0; i < n; i++)
      if (strcmp(seen[i], path) == 0)
         return 1;
   return 0;
}

static void check_real_interpreters(void)
{
   static char seen[32][4096];
   int n_seen = 0, n_checked = 0;
   const char *list = getenv("PYHEAP_TEST_PYTHONS");

   if (mkdtemp(strcpy(tmpdir, "/tmp/ph-debugoffsets-XXXXXX")) == NULL) {
      report(0, "a temporary directory");
      tmpdir[0] = '\0';
      return;
   }
   if (list != NULL && *list != '\0') {
      char *copy = strdup(list), *save = NULL, *p;
      for (p = strtok_r(copy, " :", &save); p; p = strtok_r(NULL, " :", &save)) {
         check_interpreter(p, 1);
         n_checked++;
      }
      free(copy);
   } else {
      static const char *names[] = { "", "python3.13", "python3.14", "python3.15", "python3.16" };
      const char *path = getenv("PATH");
      unsigned k;
      for (k = 0; k < sizeof names / sizeof names[0]; k++) {
         char found[1024], real[4096];
         found[0] = '\0';
         if (k == 0) {
            const char *pp = getenv("PYHEAP_PYTHON");
            if (pp == NULL || *pp == '\0')
               continue;
            snprintf(found, sizeof found, "%s", pp);
         } else if (path != NULL) {
            char *copy = strdup(path), *save = NULL, *dir;
            for (dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
               char cand[1024];
               snprintf(cand, sizeof cand, "%s/%s", dir, names[k]);
               if (access(cand, X_OK) == 0) {
                  snprintf(found, sizeof found, "%s", cand);
                  break;
               }
            }
            free(copy);
         }
         if (found[0] == '\0')
            continue;
         if (realpath(found, real) == NULL)
            snprintf(real, sizeof real, "%s", found);
         /* A pyenv shim resolves to itself: keep the name it was found by. */
         if (already(seen, n_seen, found) || already(seen, n_seen, real))
            continue;
         if (n_seen + 2 <= 32) {
            snprintf(seen[n_seen++], sizeof seen[0], "%s", found);
            snprintf(seen[n_seen++], sizeof seen[0], "%s", real);
         }
         check_interpreter(found, 0);
         n_checked++;
      }
   }
   if (n_checked == 0)
      report(1, "real interpreters skipped: no interpreter (python3.13+ on PATH or "
             "$PYHEAP_TEST_PYTHONS)");
}

/* ---- Hand-made inputs ---------------------------------------------------------- */

typedef struct { unsigned pos; unsigned long value; } PosValue;

/* A 3.13 _PyRuntime head, written from Include/internal/pycore_runtime.h
   of 3.13 (positions) and the values in pyenv's 3.13.0 build (its
   _PyRuntime read with ctypes), without the parser's table. */
#define HEX_3_13_5 0x030D05F0UL

static const PosValue image_3_13[] = {
   /* runtime_state: size, finalizing, interpreters_head */
   { 24, 283320 }, { 32, 608 }, { 40, 632 },
   /* interpreter_state: size, id, next, threads_head */
   { 48, 194968 }, { 56, 7272 }, { 64, 7264 }, { 72, 7344 },
   /* thread_state: size, prev, next, interp, current_frame, thread_id,
      native_thread_id */
   { 152, 304 }, { 160, 0 }, { 168, 8 }, { 176, 16 }, { 184, 72 }, { 192, 152 },
   { 200, 160 },
   /* interpreter_frame: size, previous, executable, instr_ptr, localsplus, owner */
   { 224, 80 }, { 232, 8 }, { 240, 0 }, { 248, 56 }, { 256, 72 }, { 264, 70 },
   /* code_object: size, filename, name, qualname, linetable, firstlineno,
      co_code_adaptive */
   { 272, 208 }, { 280, 112 }, { 288, 120 }, { 296, 128 }, { 304, 136 }, { 312, 68 },
   { 344, 200 },
   /* pyobject */ { 352, 16 }, { 360, 8 },
   /* bytes_object */ { 512, 40 }, { 520, 16 }, { 528, 32 },
   /* unicode_object: size, state, length, asciiobject_size */
   { 536, 64 }, { 544, 32 }, { 552, 16 }, { 560, 40 },
};

/* The same for 3.14 and 3.15: positions from their
   Include/internal/pycore_debug_offsets.h, values from Debian sid's
   3.14.10 and 3.15.2 (their _PyRuntime read with ctypes), and the layout
   their headers give (checked by the real-interpreter part). */
static const PosValue image_3_14[] = {
   { 24, 316616 }, { 32, 784 }, { 40, 808 }, { 48, 225864 }, { 64, 7272 }, { 72, 7344 },
   { 176, 832 }, { 192, 8 }, { 208, 72 }, { 224, 160 },
   { 248, 88 }, { 256, 8 }, { 264, 0 }, { 272, 56 }, { 288, 74 },
   { 312, 216 }, { 320, 112 }, { 336, 128 }, { 344, 136 }, { 352, 68 }, { 384, 208 },
   { 400, 16 }, { 408, 8 }, { 592, 40 }, { 600, 16 }, { 608, 32 },
   { 616, 64 }, { 624, 32 }, { 632, 16 }, { 640, 40 },
};

static const PosValue image_3_15[] = {
   { 24, 346568 }, { 32, 912 }, { 40, 936 }, { 48, 226240 }, { 64, 7264 }, { 72, 7336 },
   { 176, 888 }, { 192, 8 }, { 208, 72 }, { 248, 184 },
   { 312, 88 }, { 320, 8 }, { 328, 0 }, { 336, 56 }, { 352, 74 },
   { 376, 216 }, { 384, 112 }, { 400, 128 }, { 408, 136 }, { 416, 68 }, { 448, 208 },
   { 464, 16 }, { 472, 8 }, { 688, 40 }, { 696, 16 }, { 704, 32 },
   { 712, 64 }, { 720, 32 }, { 728, 16 }, { 736, 40 },
};

/* Expected layouts, in layout_fields order. */
static const long expect_3_14[] = {
   784, 808, 7272, 7344, 8, 160, 72, -1,       /* runtime .. cf_current_frame */
   0, 8, 56, 74, 3, 1, 3,                      /* frame, tag bits, owners */
   68, 112, 128, 136, 192, 208,                /* code */
   8, 16, 32, 16, 32, 40, 56, 2, 5, 6,         /* objects, str */
};
static const long expect_3_15[] = {
   912, 936, 7264, 7336, 8, 184, 72, -1,
   0, 8, 56, 74, 3, 1, 3,
   68, 112, 128, 136, 192, 208,
   8, 16, 32, 16, 32, 40, 56, 2, 5, 6,
};

static void check_image(const char *what, unsigned long hex, const PosValue *pv, size_t n_pv,
                        const long *expect)
{
   static unsigned char img[PH_DEBUG_OFFSETS_READ_SZB];
   PhPyLayout L;
   size_t i;
   int rc, bad = 0;

   memset(img, 0, sizeof img);
   memcpy(img, "xdebugpy", 8);
   for (i = 0; i < 8; i++)
      img[8 + i] = (unsigned char)(hex >> (8 * i));
   for (i = 0; i < n_pv; i++) {
      unsigned k;
      for (k = 0; k < 8; k++)
         img[pv[i].pos + k] = (unsigned char)((uint64_t)pv[i].value >> (8 * k));
   }
   memset(&L, 0, sizeof L);
   rc = ph_py_layout_from_debug_offsets(img, sizeof img, hex, &L);
   if (rc == PH_DO_OK) {
      for (i = 0; i < N_LAYOUT_FIELDS; i++)
         if (layout_get(&L, &layout_fields[i]) != expect[i]) {
            detail("%s: %s: parsed %ld, expected %ld", what, layout_fields[i].name,
                   layout_get(&L, &layout_fields[i]), expect[i]);
            bad++;
         }
   }
   report(rc == PH_DO_OK && bad == 0, "a hand-made %s image parses into the %s layout (rc %d)",
          what, what, rc);
}

static void put64(unsigned char *p, uint64_t v)
{
   int i;
   for (i = 0; i < 8; i++)
      p[i] = (unsigned char)(v >> (8 * i));
}

static void make_image(unsigned char *img, size_t n)
{
   size_t i;
   memset(img, 0, n);
   memcpy(img, "xdebugpy", 8);
   put64(img + 8, HEX_3_13_5);
   put64(img + 16, 0);
   for (i = 0; i < sizeof image_3_13 / sizeof image_3_13[0]; i++)
      put64(img + image_3_13[i].pos, image_3_13[i].value);
}

/* Every offset of a layout lies in [0, limit). */
static int layout_in_bounds(const PhPyLayout *L, long limit)
{
   size_t i;
   for (i = 0; i < N_LAYOUT_FIELDS; i++) {
      long v = layout_get(L, &layout_fields[i]);
      const char *nm = layout_fields[i].name;
      if (strcmp(nm, "cf_current_frame") == 0 || strcmp(nm, "co_firsttraceable") == 0)
         continue;
      if (v < 0 || v >= limit)
         return 0;
   }
   return L->co_firsttraceable < L->co_code_adaptive;
}

static void check_hand_made(void)
{
   static unsigned char img[PH_DEBUG_OFFSETS_READ_SZB], bad[PH_DEBUG_OFFSETS_READ_SZB];
   PhPyLayout L;
   int rc, ok;
   size_t i;

   make_image(img, sizeof img);
   memset(&L, 0, sizeof L);
   rc = ph_py_layout_from_debug_offsets(img, sizeof img, HEX_3_13_5, &L);
   ok = rc == PH_DO_OK && L.rt_finalizing == 608 && L.rt_interpreters_head == 632
        && L.is_next == 7264 && L.is_threads_head == 7344 && L.ts_next == 8
        && L.ts_native_thread_id == 160 && L.ts_cframe == 72 && L.cf_current_frame == -1
        && L.fr_code == 0 && L.fr_previous == 8 && L.fr_instr == 56 && L.fr_owner == 70
        && L.fr_code_tag_bits == 0 && L.owner_generator == 1 && L.owner_cstack == 3
        && L.co_firstlineno == 68 && L.co_filename == 112 && L.co_qualname == 128
        && L.co_linetable == 136 && L.co_firsttraceable == 184 && L.co_code_adaptive == 200
        && L.ob_type == 8 && L.var_size == 16 && L.bytes_sval == 32
        && L.str_length == 16 && L.str_state == 32 && L.str_ascii_data == 40
        && L.str_compact_data == 56 && L.str_kind_shift == 2 && L.str_compact_bit == 5
        && L.str_ascii_bit == 6 && L.hex_min == 0x030D0000 && L.hex_max == 0x030E0000;
   report(ok, "a hand-made 3.13 image parses into the 3.13 layout (rc %d)", rc);

   memcpy(bad, img, sizeof bad);
   bad[0] = 'X';
   rc = ph_py_layout_from_debug_offsets(bad, sizeof bad, HEX_3_13_5, &L);
   report(rc == PH_DO_BAD_COOKIE, "a bad cookie is refused (rc %d)", rc);
   rc = ph_py_layout_from_debug_offsets(img, sizeof img, HEX_3_13_5 + 0x100, &L);
   report(rc == PH_DO_VERSION, "a version other than sys.hexversion is refused (rc %d)", rc);
   rc = ph_py_layout_from_debug_offsets(img, sizeof img, 0, &L);
   report(rc == PH_DO_VERSION, "a zero sys.hexversion is refused (rc %d)", rc);

   memcpy(bad, img, sizeof bad);
   put64(bad + 16, 1);
   rc = ph_py_layout_from_debug_offsets(bad, sizeof bad, HEX_3_13_5, &L);
   put64(bad + 8, 0x031000F0);        /* a free-threaded 3.16 is named as such */
   ok = ph_py_layout_from_debug_offsets(bad, sizeof bad, 0x031000F0, &L) == PH_DO_FREE_THREADED;
   report(rc == PH_DO_FREE_THREADED && ok, "the free-threaded flag is refused (rc %d): %s", rc,
          ph_debug_offsets_strerror(rc));

   ok = 1;
   {
      static const unsigned long hexes[] = { 0x030C01F0, 0x03100000, 0x04000000, 0x030DFFFF };
      for (i = 0; i < sizeof hexes / sizeof hexes[0]; i++) {
         memcpy(bad, img, sizeof bad);
         put64(bad + 8, hexes[i]);
         rc = ph_py_layout_from_debug_offsets(bad, sizeof bad, hexes[i], &L);
         if (rc != (i == 3 ? PH_DO_OK : PH_DO_UNKNOWN_MINOR)) {
            detail("version 0x%lx: rc %d", hexes[i], rc);
            ok = 0;
         }
      }
   }
   report(ok, "unknown minor versions (3.12, 3.16, 4.0) are refused, any 3.13.x is taken");

   ok = ph_py_layout_from_debug_offsets(img, 583, HEX_3_13_5, &L) == PH_DO_SHORT
        && ph_py_layout_from_debug_offsets(img, 16, HEX_3_13_5, &L) == PH_DO_SHORT
        && ph_py_layout_from_debug_offsets(NULL, 4096, HEX_3_13_5, &L) == PH_DO_SHORT
        && ph_py_layout_from_debug_offsets(img, 584, HEX_3_13_5, &L) == PH_DO_OK;
   report(ok, "a short buffer is refused, one of exactly sizeof(_Py_DebugOffsets) is taken");

   /* Each member in turn set to absurd values. */
   ok = 1;
   for (i = 0; i < sizeof image_3_13 / sizeof image_3_13[0]; i++) {
      static const uint64_t absurd[] = { ~(uint64_t)0, (uint64_t)1 << 40, 0x7fffffff,
                                         0xfffff001 };
      size_t k;
      unsigned pos = image_3_13[i].pos;
      /* Members the parser does not read: id, prev, interp, thread_id,
         localsplus, name. */
      if (pos == 56 || pos == 160 || pos == 176 || pos == 192 || pos == 256 || pos == 288)
         continue;
      for (k = 0; k < sizeof absurd / sizeof absurd[0]; k++) {
         PhPyLayout before;
         memcpy(bad, img, sizeof bad);
         put64(bad + pos, absurd[k]);
         memset(&L, 0x5a, sizeof L);
         memcpy(&before, &L, sizeof L);
         rc = ph_py_layout_from_debug_offsets(bad, sizeof bad, HEX_3_13_5, &L);
         if (rc != PH_DO_IMPLAUSIBLE || memcmp(&before, &L, sizeof L) != 0) {
            detail("member at %u = 0x%llx: rc %d", pos, (unsigned long long)absurd[k], rc);
            ok = 0;
         }
      }
   }
   report(ok, "each member set to an absurd value is refused, the output left alone");

   /* Relations broken with plausible-looking values. */
   {
      static const struct { unsigned pos; uint64_t value; const char *what; } cases[] = {
         { 360, 0, "ob_type not PyObject's last word" },
         { 520, 24, "bytes ob_size not after the header" },
         { 552, 24, "str length not after the header" },
         { 544, 8, "str state before its length" },
         { 240, 8, "frame executable == previous" },
         { 344, 136, "co_code_adaptive before co_linetable" },
         { 264, 80, "frame owner outside the frame" },
         { 200, 305, "native_thread_id outside the thread state" },
         { 184, 74, "current_frame misaligned" },
         { 152, 0, "a zero-sized thread state" },
         { 24, 8, "a tiny runtime" },
         { 560, 120, "asciiobject_size beyond the str size" },
      };
      ok = 1;
      for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
         memcpy(bad, img, sizeof bad);
         put64(bad + cases[i].pos, cases[i].value);
         rc = ph_py_layout_from_debug_offsets(bad, sizeof bad, HEX_3_13_5, &L);
         if (rc != PH_DO_IMPLAUSIBLE) {
            detail("%s: rc %d", cases[i].what, rc);
            ok = 0;
         }
      }
      report(ok, "broken relations between members are refused (%d cases)",
             (int)(sizeof cases / sizeof cases[0]));
   }

   /* Random corruption: never a crash, never an offset out of bounds. */
   {
      uint64_t seed = 0x9e3779b97f4a7c15ULL;
      int accepted = 0, trials = 200000, t;
      ok = 1;
      for (t = 0; t < trials; t++) {
         int flips, j;
         memcpy(bad, img, sizeof bad);
         seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
         flips = 1 + (int)((seed >> 60) & 3);
         for (j = 0; j < flips; j++) {
            unsigned pos;
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            pos = (unsigned)((seed >> 33) % 600);
            bad[pos] ^= (unsigned char)(1u << ((seed >> 20) & 7));
         }
         rc = ph_py_layout_from_debug_offsets(bad, sizeof bad, HEX_3_13_5, &L);
         if (rc == PH_DO_OK) {
            accepted++;
            if (!layout_in_bounds(&L, 64L << 20)) {
               detail("trial %d: accepted a layout with an offset out of bounds", t);
               ok = 0;
            }
         }
      }
      report(ok, "%d random corruptions: no crash, %d accepted, all in bounds", trials, accepted);
   }

   check_image("3.14.10", 0x030E0AF0UL, image_3_14, sizeof image_3_14 / sizeof image_3_14[0],
               expect_3_14);
   check_image("3.15.2", 0x030F02F0UL, image_3_15, sizeof image_3_15 / sizeof image_3_15[0],
               expect_3_15);
   /* A 3.14 image is not a 3.15 one. */
   {
      static unsigned char img[PH_DEBUG_OFFSETS_READ_SZB];
      memset(img, 0, sizeof img);
      memcpy(img, "xdebugpy", 8);
      put64(img + 8, 0x030F02F0UL);
      for (i = 0; i < sizeof image_3_14 / sizeof image_3_14[0]; i++)
         put64(img + image_3_14[i].pos, image_3_14[i].value);
      rc = ph_py_layout_from_debug_offsets(img, sizeof img, 0x030F02F0UL, &L);
      report(rc == PH_DO_IMPLAUSIBLE, "a 3.14 image labelled 3.15 is refused (rc %d)", rc);
   }

   /* Every known minor version has a complete, ordered positions table. */
   {
      static const char *members[] = {
         "runtime_state.size", "thread_state.current_frame", "interpreter_frame.owner",
         "code_object.co_code_adaptive", "unicode_object.asciiobject_size" };
      unsigned minor;
      ok = 1;
      for (minor = 13; minor <= 15; minor++)
         for (i = 0; i < sizeof members / sizeof members[0]; i++)
            if (ph_debug_offsets_position(minor, members[i]) < 24)
               ok = 0;
      ok = ok && ph_debug_offsets_position(12, "runtime_state.size") == -1
              && ph_debug_offsets_position(13, "no.such") == -1;
      report(ok, "the positions table knows 3.13, 3.14 and 3.15, and nothing else");
   }
}

int main(void)
{
   check_hand_made();
   check_real_interpreters();
   cleanup_tmpdir();
   return n_failed_groups ? 1 : 0;
}

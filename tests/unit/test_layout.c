/* pyheap: checks the tool's CPython layout table against the installed interpreter's real structs. */
/* SPDX-License-Identifier: GPL-2.0-or-later */

/* Built with -DPy_BUILD_CORE against the headers of the Python the tests
   profile (python3-dev), so offsetof() sees the interpreter's private
   structs.  Output: one TAP-like line per check group. */

#include <Python.h>
#include <internal/pycore_runtime.h>
#include <internal/pycore_interp.h>
#include <internal/pycore_frame.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "ph_pylayout.h"

static int n_bad;

static void check(const char *what, long table, long real)
{
   if (table != real) {
      fprintf(stderr, "  %s: table says %ld, the headers say %ld\n", what, table, real);
      n_bad++;
   }
}

#define CHECK(field, expr) check(#field, L->field, (long)(expr))

int main(void)
{
   const PhPyLayout *L = ph_py_layout_for(PY_VERSION_HEX);
   int fails = 0;

#if PY_VERSION_HEX >= 0x030D0000   /* PH_PY_DEBUG_OFFSETS_FROM (a cast: not for #if) */
   /* 3.13 and later publish their offsets in _Py_DebugOffsets, which the
      tool reads at run time (test_debugoffsets checks that parser against
      these same headers): a table entry would shadow it. */
   printf("%s - no layout table entry for %s: its layout comes from _Py_DebugOffsets\n",
          L == NULL ? "ok" : "not ok", PY_VERSION);
   return L == NULL ? 0 : 1;
#endif
   if (L == NULL) {
      printf("not ok - layout table has an entry for %s (0x%08lx)\n",
             PY_VERSION, (unsigned long)PY_VERSION_HEX);
      return 1;
   }
   printf("ok - layout table has an entry for %s: %s\n", PY_VERSION, L->name);

#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030D0000
   n_bad = 0;
   CHECK(rt_finalizing, offsetof(_PyRuntimeState, _finalizing));
   CHECK(rt_interpreters_head, offsetof(_PyRuntimeState, interpreters.head));
   CHECK(is_next, offsetof(PyInterpreterState, next));
   CHECK(is_threads_head, offsetof(PyInterpreterState, threads.head));
   CHECK(ts_next, offsetof(PyThreadState, next));
   CHECK(ts_native_thread_id, offsetof(PyThreadState, native_thread_id));
   CHECK(ts_cframe, offsetof(PyThreadState, cframe));
   CHECK(cf_current_frame, offsetof(_PyCFrame, current_frame));
   printf("%s - runtime, interpreter and thread state offsets\n", n_bad ? "not ok" : "ok");
   fails += n_bad != 0;

   n_bad = 0;
   CHECK(fr_code, offsetof(_PyInterpreterFrame, f_code));
   CHECK(fr_previous, offsetof(_PyInterpreterFrame, previous));
   CHECK(fr_instr, offsetof(_PyInterpreterFrame, prev_instr));
   CHECK(fr_owner, offsetof(_PyInterpreterFrame, owner));
   CHECK(owner_generator, FRAME_OWNED_BY_GENERATOR);
#if PY_VERSION_HEX >= 0x030C0000
   CHECK(owner_cstack, FRAME_OWNED_BY_CSTACK);
#else
   CHECK(owner_cstack, -1);
#endif
   CHECK(co_firstlineno, offsetof(PyCodeObject, co_firstlineno));
   CHECK(co_filename, offsetof(PyCodeObject, co_filename));
   CHECK(co_qualname, offsetof(PyCodeObject, co_qualname));
   CHECK(co_linetable, offsetof(PyCodeObject, co_linetable));
   CHECK(co_firsttraceable, offsetof(PyCodeObject, _co_firsttraceable));
   CHECK(co_code_adaptive, offsetof(PyCodeObject, co_code_adaptive));
   printf("%s - frame and code object offsets\n", n_bad ? "not ok" : "ok");
   fails += n_bad != 0;

   n_bad = 0;
   CHECK(ob_type, offsetof(PyObject, ob_type));
   CHECK(var_size, offsetof(PyVarObject, ob_size));
   CHECK(bytes_sval, offsetof(PyBytesObject, ob_sval));
   CHECK(str_length, offsetof(PyASCIIObject, length));
   CHECK(str_state, offsetof(PyASCIIObject, state));
   CHECK(str_ascii_data, sizeof(PyASCIIObject));
   CHECK(str_compact_data, sizeof(PyCompactUnicodeObject));
   {
      /* The bit-field positions: set each field alone, look at the word. */
      PyASCIIObject o;
      unsigned int word;
      memset(&o, 0, sizeof o);
      o.state.kind = 7;
      memcpy(&word, &o.state, sizeof word);
      check("str_kind_shift", L->str_kind_shift, __builtin_ctz(word));
      check("str_kind width", 7u << L->str_kind_shift, word);
      memset(&o, 0, sizeof o);
      o.state.compact = 1;
      memcpy(&word, &o.state, sizeof word);
      check("str_compact_bit", 1u << L->str_compact_bit, word);
      memset(&o, 0, sizeof o);
      o.state.ascii = 1;
      memcpy(&word, &o.state, sizeof word);
      check("str_ascii_bit", 1u << L->str_ascii_bit, word);
   }
   printf("%s - object, bytes and str layouts\n", n_bad ? "not ok" : "ok");
   fails += n_bad != 0;
#else
   printf("not ok - no field checks written for %s\n", PY_VERSION);
   fails++;
#endif
   return fails ? 1 : 0;
}

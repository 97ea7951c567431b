/* pyheap: where CPython keeps threads, frames and code objects, per interpreter version. */
/* SPDX-License-Identifier: GPL-2.0-or-later */

/* All of pyheap's knowledge of CPython's private structures is this table.
   The tool reads the interpreter's memory with these offsets to find, for
   the thread that allocates, its chain of frames and for each frame the code
   object, the instruction being run and so the file, line and function.

   The route, in 3.11:

      _PyRuntime.interpreters.head -> PyInterpreterState
         .threads.head -> PyThreadState -> .next ...   (match native_thread_id
                                                        with the thread's OS id)
         .cframe -> _PyCFrame.current_frame -> _PyInterpreterFrame
            .f_code      the PyCodeObject
            .prev_instr  the instruction being executed (a _Py_CODEUNIT*)
            .previous    the calling frame
            .owner       who owns the frame (thread, generator, frame object)

   `_PyRuntime.gilstate.tstate_current` is *not* used: it names the thread
   holding the GIL, and a thread that allocates without it (PyMem_RawMalloc
   in a C extension that released the GIL) must get its own stack.

   The offsets of an entry are checked against the real structs of the
   interpreter the tests run (tests/unit/test_layout.c, compiled with
   -DPy_BUILD_CORE), and were checked against DWARF for Debian's 3.11.2 and
   pyenv's 3.11.7.  3.12 moved the current thread state into a C thread-local
   and changed frames and code objects; 3.13 on publish their offsets in
   _Py_DebugOffsets at the start of _PyRuntime.  Those slot in here as new
   entries. */

#ifndef PH_PYLAYOUT_H
#define PH_PYLAYOUT_H

typedef struct {
   unsigned long hex_min;          /* first sys.hexversion this entry fits */
   unsigned long hex_max;          /* first sys.hexversion it does not fit */
   const char *name;

   /* _PyRuntimeState */
   int rt_finalizing;              /* PyThreadState* while finalizing */
   int rt_interpreters_head;
   /* PyInterpreterState */
   int is_next;
   int is_threads_head;
   /* PyThreadState */
   int ts_next;
   int ts_native_thread_id;
   int ts_cframe;                  /* _PyCFrame* (3.11, 3.12); from 3.13 on,
                                      the current frame itself */
   int cf_current_frame;           /* in _PyCFrame; -1: no _PyCFrame */
   /* _PyInterpreterFrame */
   int fr_code;
   int fr_previous;
   int fr_instr;                   /* prev_instr (3.11, 3.12) */
   int fr_owner;                   /* a char */
   unsigned long fr_code_tag_bits; /* low bits of f_executable that tag a
                                      _PyStackRef (3.14+), else 0 */
   int owner_generator;            /* FRAME_OWNED_BY_GENERATOR */
   int owner_cstack;               /* FRAME_OWNED_BY_CSTACK (3.12+), else -1:
                                      shim frames the C stack owns, skipped */
   /* PyCodeObject */
   int co_firstlineno;             /* an int */
   int co_filename;
   int co_qualname;
   int co_linetable;
   int co_firsttraceable;          /* an int: index of the first traceable
                                      unit; -1: unknown (no check) */
   int co_code_adaptive;           /* the bytecode, inline in the object */
   /* PyObject, PyVarObject, PyBytesObject */
   int ob_type;
   int var_size;
   int bytes_sval;
   /* str (PEP 393 compact representation) */
   int str_length;
   int str_state;                  /* the bit-field word */
   int str_ascii_data;             /* data of a compact ASCII string */
   int str_compact_data;           /* data of a compact non-ASCII string */
   int str_kind_shift;             /* state bits: kind (3 bits) */
   int str_compact_bit;
   int str_ascii_bit;
} PhPyLayout;

#define PH_PY_HEX(major, minor) (((unsigned long)(major) << 24) | ((unsigned long)(minor) << 16))

static const PhPyLayout ph_py_layouts[] = {
   {
      PH_PY_HEX(3, 11), PH_PY_HEX(3, 12), "3.11",
      /* _PyRuntimeState */ 24, 40,
      /* PyInterpreterState */ 0, 16,
      /* PyThreadState */ 8, 160, 56,
      /* _PyCFrame */ 8,
      /* _PyInterpreterFrame */ 32, 48, 56, 69, 0, 1, -1,
      /* PyCodeObject */ 72, 112, 128, 136, 168, 184,
      /* objects */ 8, 16, 32,
      /* str */ 16, 32, 48, 72, 2, 5, 6,
   },
   {
      /* 3.12: the thread state's frame link is still a _PyCFrame, but
         frames start with f_code, the C stack owns "shim" frames, and str
         lost its wstr fields.  Checked against pyenv's 3.12.1 headers. */
      PH_PY_HEX(3, 12), PH_PY_HEX(3, 13), "3.12",
      /* _PyRuntimeState */ 24, 40,
      /* PyInterpreterState */ 0, 72,
      /* PyThreadState */ 8, 144, 56,
      /* _PyCFrame */ 0,
      /* _PyInterpreterFrame */ 0, 8, 56, 70, 0, 1, 3,
      /* PyCodeObject */ 68, 112, 128, 136, 176, 192,
      /* objects */ 8, 16, 32,
      /* str */ 16, 32, 40, 56, 2, 5, 6,
   },
};

#define PH_N_PY_LAYOUTS (sizeof ph_py_layouts / sizeof ph_py_layouts[0])

/* 3.13 and later describe themselves: see ph_debugoffsets.h. */
#define PH_PY_DEBUG_OFFSETS_FROM PH_PY_HEX(3, 13)

/* The entry for sys.hexversion HEX, or NULL if pyheap does not know it. */
static inline const PhPyLayout *ph_py_layout_for(unsigned long hex)
{
   unsigned long i;
   for (i = 0; i < PH_N_PY_LAYOUTS; i++)
      if (hex >= ph_py_layouts[i].hex_min && hex < ph_py_layouts[i].hex_max)
         return &ph_py_layouts[i];
   return 0;
}

#endif /* PH_PYLAYOUT_H */

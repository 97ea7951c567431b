/* pyheap: a layout entry built at run time from CPython's _Py_DebugOffsets (3.13+). */
/* SPDX-License-Identifier: GPL-2.0-or-later */

/*
   This file is part of pyheap, a Valgrind tool that profiles Python heaps.

   From 3.13 on, CPython starts _PyRuntime with a _Py_DebugOffsets struct
   for out-of-process debuggers and profilers (py-spy, austin, pystack,
   and the 3.14 `python -m pdb -p` remote attach):

      char     cookie[8];          "xdebugpy", no NUL
      uint64_t version;            PY_VERSION_HEX of the build
      uint64_t free_threaded;      1 for a Py_GIL_DISABLED build
      struct { uint64_t size; uint64_t <member offsets>...; } runtime_state;
      struct { ... } interpreter_state, thread_state, interpreter_frame,
                     code_object, pyobject, ..., bytes_object, unicode_object, ...

   Each inner struct gives sizeof() of one of the interpreter's structs and
   offsetof() of some of its members, filled in by the compiler that built
   the interpreter, so a patch release or a build option (a debug build)
   that moves a member is followed for free.  What is *not* stable is the
   layout of _Py_DebugOffsets itself: CPython promises it only within one
   minor version, and 3.14 and 3.15 did add members in the middle.  So this
   file keeps, per minor version, where in _Py_DebugOffsets each member it
   needs sits (the positions table below), and reads the values from there.

   Some facts the debug offsets do not carry; they are per minor version
   too, each with the header it comes from:
     - the values of enum _frameowner (3.14 renumbered them);
     - the tag bits of _PyInterpreterFrame.f_executable (a _PyStackRef from
       3.14 on, a plain PyObject* in 3.13);
     - the bit positions in PyASCIIObject.state (kind, compact, ascii);
     - where _co_firsttraceable is, relative to co_code_adaptive.

   Everything read is checked: the cookie, that the version is the one the
   interpreter reported (sys.hexversion, through Py_Version), that the
   build has a GIL, that every struct size is plausible and every member
   lies inside its struct, suitably aligned, and that the few relations
   the walker depends on hold (ob_type is PyObject's last word, the
   variable size is the word after it, str data follows PyASCIIObject...).
   Anything unexpected refuses the whole layout: pyheap then records
   native frames only, which is better than Python frames read through a
   wrong offset.

   tests/unit/test_debugoffsets.c checks the positions table and every
   value produced against offsetof() in the real headers of each
   interpreter it finds (python3.13-dev, python3.14-dev, python3.15-dev in
   Debian sid), and feeds this code corrupt inputs.

   This file uses no libc and no Valgrind core function (it is linked into
   the tool and into a native unit test); it never reads outside the N
   bytes it is given.
*/

#include <stdint.h>
#include "ph_debugoffsets.h"

/* The members of _Py_DebugOffsets this file reads. */
enum {
   F_RT_SIZE, F_RT_FINALIZING, F_RT_INTERPRETERS_HEAD,
   F_IS_SIZE, F_IS_NEXT, F_IS_THREADS_HEAD,
   F_TS_SIZE, F_TS_NEXT, F_TS_CURRENT_FRAME, F_TS_NATIVE_THREAD_ID,
   F_FR_SIZE, F_FR_PREVIOUS, F_FR_EXECUTABLE, F_FR_INSTR_PTR, F_FR_OWNER,
   F_CO_SIZE, F_CO_FILENAME, F_CO_QUALNAME, F_CO_LINETABLE, F_CO_FIRSTLINENO,
   F_CO_CODE_ADAPTIVE,
   F_OB_SIZE, F_OB_TYPE,
   F_BY_SIZE, F_BY_OB_SIZE, F_BY_OB_SVAL,
   F_UN_SIZE, F_UN_STATE, F_UN_LENGTH, F_UN_ASCIIOBJECT_SIZE,
   N_FIELDS
};

static const char *const field_names[N_FIELDS] = {
   "runtime_state.size", "runtime_state.finalizing", "runtime_state.interpreters_head",
   "interpreter_state.size", "interpreter_state.next", "interpreter_state.threads_head",
   "thread_state.size", "thread_state.next", "thread_state.current_frame",
   "thread_state.native_thread_id",
   "interpreter_frame.size", "interpreter_frame.previous", "interpreter_frame.executable",
   "interpreter_frame.instr_ptr", "interpreter_frame.owner",
   "code_object.size", "code_object.filename", "code_object.qualname",
   "code_object.linetable", "code_object.firstlineno", "code_object.co_code_adaptive",
   "pyobject.size", "pyobject.ob_type",
   "bytes_object.size", "bytes_object.ob_size", "bytes_object.ob_sval",
   "unicode_object.size", "unicode_object.state", "unicode_object.length",
   "unicode_object.asciiobject_size",
};

typedef struct {
   unsigned       minor;          /* Python 3.<minor> */
   const char    *name;           /* the PhPyLayout's name */
   unsigned       debug_szB;      /* sizeof(_Py_DebugOffsets) */
   unsigned short pos[N_FIELDS];  /* offsetof(_Py_DebugOffsets, <field>) */
   /* Facts _Py_DebugOffsets does not give. */
   int            owner_generator;    /* FRAME_OWNED_BY_GENERATOR */
   int            owner_shim;         /* owner of frames the walker skips */
   unsigned long  executable_tag_bits;
   int            str_kind_shift, str_compact_bit, str_ascii_bit;
   int            firsttraceable_before_code; /* co_code_adaptive minus
                                                 _co_firsttraceable; 0: unknown */
} DebugVersion;

static const DebugVersion versions[] = {
   {
      /* 3.13: _Py_DebugOffsets in Include/internal/pycore_runtime.h
         (identical in 3.13.0, pyenv, 3.13.5, trixie, and 3.13.18, sid). */
      13, "3.13 (_Py_DebugOffsets)", 584,
      { /* runtime_state */ 24, 32, 40,
        /* interpreter_state */ 48, 64, 72,
        /* thread_state */ 152, 168, 184, 200,
        /* interpreter_frame */ 224, 232, 240, 248, 264,
        /* code_object */ 272, 280, 296, 304, 312, 344,
        /* pyobject */ 352, 360,
        /* bytes_object */ 512, 520, 528,
        /* unicode_object */ 536, 544, 552, 560 },
      /* internal/pycore_frame.h: enum _frameowner { THREAD = 0,
         GENERATOR = 1, FRAME_OBJECT = 2, CSTACK = 3 }; _PyFrame_IsIncomplete
         treats CSTACK frames (the C stack's entry shims) as incomplete. */
      1, 3,
      /* internal/pycore_frame.h: PyObject *f_executable: untagged. */
      0,
      /* cpython/unicodeobject.h: state { interned:2, kind:3, compact:1,
         ascii:1, statically_allocated:1, :24 }. */
      2, 5, 6,
      /* cpython/code.h: int _co_firsttraceable; void *co_extra;
         char co_code_adaptive[] -- the int is 8-aligned (after a pointer). */
      16,
   },
   {
      /* 3.14: _Py_DebugOffsets in Include/internal/pycore_debug_offsets.h
         (3.14.10, sid).  New: interpreter_state.threads_main,
         code_object_generation, tlbc_generation; thread_state.holds_gil,
         gil_requested; interpreter_frame.stackpointer, tlbc_index;
         code_object.co_tlbc; set_object, ... */
      14, "3.14 (_Py_DebugOffsets)", 760,
      { /* runtime_state */ 24, 32, 40,
        /* interpreter_state */ 48, 64, 72,
        /* thread_state */ 176, 192, 208, 224,
        /* interpreter_frame */ 248, 256, 264, 272, 288,
        /* code_object */ 312, 320, 336, 344, 352, 384,
        /* pyobject */ 400, 408,
        /* bytes_object */ 592, 600, 608,
        /* unicode_object */ 616, 624, 632, 640 },
      /* internal/pycore_interpframe_structs.h: THREAD = 0, GENERATOR = 1,
         FRAME_OBJECT = 2, INTERPRETER = 3, CSTACK = 4; entry frames are
         owned by INTERPRETER, and _PyFrame_IsIncomplete
         (internal/pycore_interpframe.h) says `owner >= INTERPRETER`. */
      1, 3,
      /* internal/pycore_stackref.h, the default (GIL) build: f_executable
         is a _PyStackRef whose low bits are tags, Py_TAG_BITS == 3. */
      3,
      /* cpython/unicodeobject.h: as 3.13 in a GIL build. */
      2, 5, 6,
      /* cpython/code.h: ... Py_ssize_t _co_unique_id; int
         _co_firsttraceable; void *co_extra; [co_tlbc only without the
         GIL]; char co_code_adaptive[]. */
      16,
   },
   {
      /* 3.15: Include/internal/pycore_debug_offsets.h (3.15.2, sid).
         New: thread_state.base_frame, last_profiled_frame,
         last_profiled_frame_seq (before native_thread_id),
         current_exception, exc_state; err_stackitem; type_object.
         tp_basicsize, tp_dictoffset; heap_type_object;
         unicode_object.compactunicodeobject_size; gc.frame, ... */
      15, "3.15 (_Py_DebugOffsets)", 888,
      { /* runtime_state */ 24, 32, 40,
        /* interpreter_state */ 48, 64, 72,
        /* thread_state */ 176, 192, 208, 248,
        /* interpreter_frame */ 312, 320, 328, 336, 352,
        /* code_object */ 376, 384, 400, 408, 416, 448,
        /* pyobject */ 464, 472,
        /* bytes_object */ 688, 696, 704,
        /* unicode_object */ 712, 720, 728, 736 },
      /* internal/pycore_interpframe_structs.h: THREAD = 0, GENERATOR = 1,
         FRAME_OBJECT = 2, INTERPRETER = 3 (CSTACK is gone);
         _PyFrame_IsIncomplete: `owner >= INTERPRETER`. */
      1, 3,
      /* internal/pycore_stackref.h, GIL build: Py_TAG_BITS == 3. */
      3,
      /* cpython/unicodeobject.h: as 3.14. */
      2, 5, 6,
      /* cpython/code.h: as 3.14. */
      16,
   },
};

#define N_VERSIONS (sizeof versions / sizeof versions[0])

static const char cookie[8] = { 'x', 'd', 'e', 'b', 'u', 'g', 'p', 'y' };

static uint64_t rd64(const unsigned char *p)
{
   uint64_t v = 0;
   int i;
   for (i = 7; i >= 0; i--)
      v = (v << 8) | p[i];
   return v;
}

static const DebugVersion *version_for(unsigned minor)
{
   unsigned i;
   for (i = 0; i < N_VERSIONS; i++)
      if (versions[i].minor == minor)
         return &versions[i];
   return 0;
}

/* Is [off, off + width) inside a struct of SIZE bytes, OFF a multiple of ALIGN? */
static int inside(uint64_t off, uint64_t size, unsigned width, unsigned align)
{
   return off < size && width <= size - off && off % align == 0;
}

/* Sizes no real interpreter comes near; they keep every offset an int. */
#define MAX_BIG_STRUCT   (64u << 20)   /* _PyRuntimeState, PyInterpreterState */
#define MAX_SMALL_STRUCT 65536u        /* the others */

int ph_py_layout_from_debug_offsets(const unsigned char *runtime, size_t n,
                                    unsigned long hex, PhPyLayout *out)
{
   const DebugVersion *dv;
   uint64_t f[N_FIELDS];
   uint64_t version;
   unsigned i;

   if (runtime == 0 || out == 0 || n < 24)
      return PH_DO_SHORT;
   for (i = 0; i < 8; i++)
      if (runtime[i] != (unsigned char)cookie[i])
         return PH_DO_BAD_COOKIE;
   version = rd64(runtime + 8);
   if (hex == 0 || version != (uint64_t)hex)
      return PH_DO_VERSION;
   /* The cookie, the version and the flag keep their places in every
      version: a free-threaded build is named as such, known or not. */
   if (rd64(runtime + 16) != 0)
      return PH_DO_FREE_THREADED;
   if (((hex >> 24) & 0xff) != 3 || (dv = version_for((hex >> 16) & 0xff)) == 0)
      return PH_DO_UNKNOWN_MINOR;
   if (n < dv->debug_szB)
      return PH_DO_SHORT;
   for (i = 0; i < N_FIELDS; i++) {
      if (dv->pos[i] + 8u > dv->debug_szB)
         return PH_DO_IMPLAUSIBLE;     /* a bad table: cannot happen */
      f[i] = rd64(runtime + dv->pos[i]);
   }

   /* Struct sizes. */
   if (f[F_RT_SIZE] < 64 || f[F_RT_SIZE] > MAX_BIG_STRUCT
       || f[F_IS_SIZE] < 64 || f[F_IS_SIZE] > MAX_BIG_STRUCT
       || f[F_TS_SIZE] < 64 || f[F_TS_SIZE] > MAX_SMALL_STRUCT
       || f[F_FR_SIZE] < 40 || f[F_FR_SIZE] > 4096
       || f[F_CO_SIZE] < 64 || f[F_CO_SIZE] > 4096
       || (f[F_OB_SIZE] != 16 && f[F_OB_SIZE] != 32)
       || f[F_BY_SIZE] > 256 || f[F_UN_SIZE] > 256
       || f[F_UN_ASCIIOBJECT_SIZE] > f[F_UN_SIZE])
      return PH_DO_IMPLAUSIBLE;

   /* Members inside their structs, aligned like their types. */
   if (!inside(f[F_RT_FINALIZING], f[F_RT_SIZE], 8, 8)
       || !inside(f[F_RT_INTERPRETERS_HEAD], f[F_RT_SIZE], 8, 8)
       || !inside(f[F_IS_NEXT], f[F_IS_SIZE], 8, 8)
       || !inside(f[F_IS_THREADS_HEAD], f[F_IS_SIZE], 8, 8)
       || !inside(f[F_TS_NEXT], f[F_TS_SIZE], 8, 8)
       || !inside(f[F_TS_CURRENT_FRAME], f[F_TS_SIZE], 8, 8)
       || !inside(f[F_TS_NATIVE_THREAD_ID], f[F_TS_SIZE], 8, 8)
       || !inside(f[F_FR_PREVIOUS], f[F_FR_SIZE], 8, 8)
       || !inside(f[F_FR_EXECUTABLE], f[F_FR_SIZE], 8, 8)
       || !inside(f[F_FR_INSTR_PTR], f[F_FR_SIZE], 8, 8)
       || !inside(f[F_FR_OWNER], f[F_FR_SIZE], 1, 1)
       || !inside(f[F_CO_FILENAME], f[F_CO_SIZE], 8, 8)
       || !inside(f[F_CO_QUALNAME], f[F_CO_SIZE], 8, 8)
       || !inside(f[F_CO_LINETABLE], f[F_CO_SIZE], 8, 8)
       || !inside(f[F_CO_FIRSTLINENO], f[F_CO_SIZE], 4, 4)
       || f[F_CO_CODE_ADAPTIVE] > f[F_CO_SIZE]
       || f[F_CO_CODE_ADAPTIVE] % 2 != 0
       || !inside(f[F_OB_TYPE], f[F_OB_SIZE], 8, 8)
       || !inside(f[F_BY_OB_SIZE], f[F_BY_SIZE], 8, 8)
       || !inside(f[F_BY_OB_SVAL], f[F_BY_SIZE], 1, 1)
       || !inside(f[F_UN_STATE], f[F_UN_ASCIIOBJECT_SIZE], 4, 4)
       || !inside(f[F_UN_LENGTH], f[F_UN_ASCIIOBJECT_SIZE], 8, 8)
       || f[F_UN_ASCIIOBJECT_SIZE] % 8 != 0)
      return PH_DO_IMPLAUSIBLE;

   /* Members that must differ, and the relations the walker relies on:
      ob_type is PyObject's last word, a variable-size object's size and
      a str's length come right after the PyObject header, the data of a
      compact str right after its header. */
   if (f[F_IS_NEXT] == f[F_IS_THREADS_HEAD]
       || f[F_TS_NEXT] == f[F_TS_CURRENT_FRAME]
       || f[F_TS_NEXT] == f[F_TS_NATIVE_THREAD_ID]
       || f[F_TS_CURRENT_FRAME] == f[F_TS_NATIVE_THREAD_ID]
       || f[F_FR_PREVIOUS] == f[F_FR_EXECUTABLE]
       || f[F_FR_PREVIOUS] == f[F_FR_INSTR_PTR]
       || f[F_FR_EXECUTABLE] == f[F_FR_INSTR_PTR]
       || f[F_CO_FILENAME] == f[F_CO_QUALNAME]
       || f[F_CO_FILENAME] == f[F_CO_LINETABLE]
       || f[F_CO_QUALNAME] == f[F_CO_LINETABLE]
       || f[F_CO_FIRSTLINENO] + 4 > f[F_CO_CODE_ADAPTIVE]
       || f[F_CO_LINETABLE] + 8 > f[F_CO_CODE_ADAPTIVE]
       || f[F_OB_TYPE] + 8 != f[F_OB_SIZE]
       || f[F_BY_OB_SIZE] != f[F_OB_SIZE]
       || f[F_BY_OB_SVAL] <= f[F_BY_OB_SIZE]
       || f[F_UN_LENGTH] != f[F_OB_SIZE]
       || f[F_UN_STATE] <= f[F_UN_LENGTH])
      return PH_DO_IMPLAUSIBLE;
   /* _co_firsttraceable, where the headers put it: after everything read. */
   if (dv->firsttraceable_before_code != 0
       && f[F_CO_CODE_ADAPTIVE] < (uint64_t)dv->firsttraceable_before_code + 8)
      return PH_DO_IMPLAUSIBLE;

   out->hex_min = PH_PY_HEX(3, dv->minor);
   out->hex_max = PH_PY_HEX(3, dv->minor + 1);
   out->name = dv->name;
   out->rt_finalizing = (int)f[F_RT_FINALIZING];
   out->rt_interpreters_head = (int)f[F_RT_INTERPRETERS_HEAD];
   out->is_next = (int)f[F_IS_NEXT];
   out->is_threads_head = (int)f[F_IS_THREADS_HEAD];
   out->ts_next = (int)f[F_TS_NEXT];
   out->ts_native_thread_id = (int)f[F_TS_NATIVE_THREAD_ID];
   out->ts_cframe = (int)f[F_TS_CURRENT_FRAME];   /* the frame itself */
   out->cf_current_frame = -1;                    /* no _PyCFrame */
   out->fr_code = (int)f[F_FR_EXECUTABLE];
   out->fr_previous = (int)f[F_FR_PREVIOUS];
   out->fr_instr = (int)f[F_FR_INSTR_PTR];
   out->fr_owner = (int)f[F_FR_OWNER];
   out->fr_code_tag_bits = dv->executable_tag_bits;
   out->owner_generator = dv->owner_generator;
   out->owner_cstack = dv->owner_shim;
   out->co_firstlineno = (int)f[F_CO_FIRSTLINENO];
   out->co_filename = (int)f[F_CO_FILENAME];
   out->co_qualname = (int)f[F_CO_QUALNAME];
   out->co_linetable = (int)f[F_CO_LINETABLE];
   out->co_firsttraceable = dv->firsttraceable_before_code != 0
                            ? (int)f[F_CO_CODE_ADAPTIVE] - dv->firsttraceable_before_code
                            : -1;
   out->co_code_adaptive = (int)f[F_CO_CODE_ADAPTIVE];
   out->ob_type = (int)f[F_OB_TYPE];
   out->var_size = (int)f[F_BY_OB_SIZE];
   out->bytes_sval = (int)f[F_BY_OB_SVAL];
   out->str_length = (int)f[F_UN_LENGTH];
   out->str_state = (int)f[F_UN_STATE];
   out->str_ascii_data = (int)f[F_UN_ASCIIOBJECT_SIZE];
   /* PyCompactUnicodeObject: PyASCIIObject, then Py_ssize_t utf8_length
      and char *utf8 (cpython/unicodeobject.h, 3.12 to 3.15). */
   out->str_compact_data = (int)f[F_UN_ASCIIOBJECT_SIZE] + 2 * 8;
   out->str_kind_shift = dv->str_kind_shift;
   out->str_compact_bit = dv->str_compact_bit;
   out->str_ascii_bit = dv->str_ascii_bit;
   return PH_DO_OK;
}

const char *ph_debug_offsets_strerror(int rc)
{
   switch (rc) {
   case PH_DO_OK:            return "no error";
   case PH_DO_SHORT:         return "_PyRuntime could not be read";
   case PH_DO_BAD_COOKIE:    return "_PyRuntime does not start with _Py_DebugOffsets";
   case PH_DO_VERSION:       return "_Py_DebugOffsets names another version";
   case PH_DO_UNKNOWN_MINOR: return "this version's _Py_DebugOffsets is not known to pyheap";
   case PH_DO_FREE_THREADED: return "a free-threaded (no GIL) build";
   case PH_DO_IMPLAUSIBLE:   return "_Py_DebugOffsets holds implausible offsets";
   default:                  return "unknown error";
   }
}

static int same_name(const char *a, const char *b)
{
   while (*a != '\0' && *a == *b) {
      a++;
      b++;
   }
   return *a == *b;
}

long ph_debug_offsets_position(unsigned minor, const char *name)
{
   const DebugVersion *dv = version_for(minor);
   unsigned i;

   if (dv == 0 || name == 0)
      return -1;
   for (i = 0; i < N_FIELDS; i++)
      if (same_name(field_names[i], name))
         return dv->pos[i];
   return -1;
}

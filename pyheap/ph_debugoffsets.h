/* pyheap: a layout entry built at run time from CPython's _Py_DebugOffsets (3.13+). */
/* SPDX-License-Identifier: GPL-2.0-or-later */

/*
   This file is part of pyheap, a Valgrind tool that profiles Python heaps.

   Like ph_linetable.c, ph_debugoffsets.c is pure: no libc, no Valgrind
   core function, only reads inside the buffer it is given.  It is linked
   into the tool and, natively, into tests/unit/test_debugoffsets.
*/

#ifndef PH_DEBUGOFFSETS_H
#define PH_DEBUGOFFSETS_H

#include <stddef.h>
#include "ph_pylayout.h"

/* How many bytes from the start of _PyRuntime the tool reads and passes in. */
#define PH_DEBUG_OFFSETS_READ_SZB 4096

/* Why ph_py_layout_from_debug_offsets() refused. */
#define PH_DO_OK             0
#define PH_DO_SHORT          1   /* fewer bytes than _Py_DebugOffsets needs */
#define PH_DO_BAD_COOKIE     2   /* no "xdebugpy" at the start */
#define PH_DO_VERSION        3   /* its version is not sys.hexversion */
#define PH_DO_UNKNOWN_MINOR  4   /* a 3.x whose _Py_DebugOffsets pyheap does not know */
#define PH_DO_FREE_THREADED  5   /* a free-threaded (no GIL) build */
#define PH_DO_IMPLAUSIBLE    6   /* an offset or size out of bounds */

/* Fill *OUT from the _Py_DebugOffsets at the start of RUNTIME (N bytes
   copied from &_PyRuntime) of an interpreter whose sys.hexversion is HEX.
   Returns PH_DO_OK (0) on success; non-zero when the bytes do not hold
   offsets this code understands (wrong cookie, version mismatch,
   free-threaded build, implausible values): the caller then profiles
   native frames only.  *OUT is written only on success. */
int ph_py_layout_from_debug_offsets(const unsigned char *runtime, size_t n,
                                    unsigned long hex, PhPyLayout *out);

/* A short text for a return code of the above, for the user's warning:
   e.g. "a free-threaded build". */
const char *ph_debug_offsets_strerror(int rc);

/* For the unit test: the byte position inside _Py_DebugOffsets of the
   member NAME (spelt as in C, e.g. "thread_state.current_frame") that
   this code reads for Python 3.MINOR; -1 if it does not read it or does
   not know 3.MINOR. */
long ph_debug_offsets_position(unsigned minor, const char *name);

#endif /* PH_DEBUGOFFSETS_H */

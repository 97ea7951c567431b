/* pyheap: a layout entry built at run time from CPython's _Py_DebugOffsets (3.13+). */
/* SPDX-License-Identifier: GPL-2.0-or-later */

#ifndef PH_DEBUGOFFSETS_H
#define PH_DEBUGOFFSETS_H

#include <stddef.h>
#include "ph_pylayout.h"

/* How many bytes from the start of _PyRuntime the tool reads and passes in. */
#define PH_DEBUG_OFFSETS_READ_SZB 4096

/* Fill *OUT from the _Py_DebugOffsets at the start of RUNTIME (N bytes
   copied from &_PyRuntime) of an interpreter whose sys.hexversion is HEX.
   Returns 0 on success; non-zero when the bytes do not hold offsets this
   code understands (wrong cookie, version mismatch, free-threaded build,
   implausible values): the caller then profiles native frames only. */
int ph_py_layout_from_debug_offsets(const unsigned char *runtime, size_t n,
                                    unsigned long hex, PhPyLayout *out);

#endif /* PH_DEBUGOFFSETS_H */

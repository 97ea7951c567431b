/* pyheap: a layout entry built at run time from CPython's _Py_DebugOffsets (3.13+). */
/* SPDX-License-Identifier: GPL-2.0-or-later */

/* Not written yet: every interpreter from 3.13 on is reported as not
   supported (native frames only). */

#include "ph_debugoffsets.h"

int ph_py_layout_from_debug_offsets(const unsigned char *runtime, size_t n,
                                    unsigned long hex, PhPyLayout *out)
{
   (void)runtime;
   (void)n;
   (void)hex;
   (void)out;
   return 1;
}

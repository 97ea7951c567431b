/* pyheap: client requests a C or C++ program uses to talk to the pyheap tool. */
/* SPDX-License-Identifier: GPL-2.0-or-later */

/* Include this header and call, for example,

      PYHEAP_SNAPSHOT("after-load");

   to take a labelled detailed snapshot (shown by `pyheap_print --at=after-load`).
   Outside Valgrind, or under another tool, the macros cost a few instructions
   and do nothing: they are Valgrind client requests (see valgrind.h). */

#ifndef PYHEAP_H
#define PYHEAP_H

#include <valgrind/valgrind.h>

/* Request numbers.  The tool base ('P','H') is pyheap's; numbers from
   PYHEAP_REQ_PRIVATE_BASE on are private to pyheap's own preload. */
typedef enum {
   PYHEAP_REQ_SNAPSHOT = VG_USERREQ_TOOL_BASE('P', 'H'),
   PYHEAP_REQ_RUNNING,
   PYHEAP_REQ_PRIVATE_BASE = VG_USERREQ_TOOL_BASE('P', 'H') + 256
} PyheapClientRequest;

/* Take a detailed snapshot labelled LABEL (a NUL-terminated string; at most
   200 bytes of it are kept). */
#define PYHEAP_SNAPSHOT(label)                                           \
   VALGRIND_DO_CLIENT_REQUEST_STMT(PYHEAP_REQ_SNAPSHOT, (label), 0, 0, 0, 0)

/* Non-zero when running under pyheap. */
#define PYHEAP_RUNNING_ON_PYHEAP                                        \
   ((unsigned)VALGRIND_DO_CLIENT_REQUEST_EXPR(0, PYHEAP_REQ_RUNNING,     \
                                              0, 0, 0, 0, 0))

#endif /* PYHEAP_H */

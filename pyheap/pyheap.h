/* pyheap: client requests a C or C++ program uses to talk to the pyheap tool. */
/* SPDX-License-Identifier: GPL-2.0-or-later */

/* Include this header and call, for example,

      PYHEAP_SNAPSHOT("after-load");

   to take a labelled detailed snapshot (shown by `pyheap_print --at=after-load`),
   or PYHEAP_MARK("batch") at the end of each unit of repeated work.
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
   PYHEAP_REQ_REGION_BEGIN,
   PYHEAP_REQ_REGION_END,
   PYHEAP_REQ_MARK,
   PYHEAP_REQ_PRIVATE_BASE = VG_USERREQ_TOOL_BASE('P', 'H') + 256
} PyheapClientRequest;

/* The longest label the tool keeps, in bytes: a longer one is cut there. */
#define PYHEAP_LABEL_MAX 200

/* Take a detailed snapshot labelled LABEL (a NUL-terminated string; at most
   PYHEAP_LABEL_MAX bytes of it are kept). */
#define PYHEAP_SNAPSHOT(label)                                           \
   VALGRIND_DO_CLIENT_REQUEST_STMT(PYHEAP_REQ_SNAPSHOT, (label), 0, 0, 0, 0)

/* End one iteration of the program's repeated work (a batch, a request):
   a snapshot of kind "mark" labelled LABEL (NUL-terminated; at most
   PYHEAP_LABEL_MAX bytes kept, NULL for "iteration") that says, for the
   last --mark-window iterations, what each one allocated that is still
   live. */
#define PYHEAP_MARK(label)                                               \
   VALGRIND_DO_CLIENT_REQUEST_STMT(PYHEAP_REQ_MARK, (label), 0, 0, 0, 0)

/* What a region left behind: see PYHEAP_REGION_END. */
typedef struct {
   unsigned long long live_bytes;     /* allocated in the region, still live */
   unsigned long long live_blocks;
   unsigned long long peak_increase;  /* highest heap in the region minus
                                         the heap when it began */
} PyheapRegionStats;

/* Open a region named LABEL.  Regions nest. */
#define PYHEAP_REGION_BEGIN(label)                                       \
   VALGRIND_DO_CLIENT_REQUEST_STMT(PYHEAP_REQ_REGION_BEGIN, (label), 0, 0, 0, 0)

/* Close the innermost region: the blocks allocated in it that are still
   live become a snapshot of kind "region" labelled with its name, and
   *STATS_PTR (a PyheapRegionStats*, or NULL) is filled in.  Evaluates to
   the live bytes (0 outside pyheap). */
#define PYHEAP_REGION_END(stats_ptr)                                     \
   ((unsigned long)VALGRIND_DO_CLIENT_REQUEST_EXPR(0, PYHEAP_REQ_REGION_END, \
                                                   (stats_ptr), 0, 0, 0, 0))

/* Non-zero when running under pyheap. */
#define PYHEAP_RUNNING_ON_PYHEAP                                        \
   ((unsigned)VALGRIND_DO_CLIENT_REQUEST_EXPR(0, PYHEAP_REQ_RUNNING,     \
                                              0, 0, 0, 0, 0))

#endif /* PYHEAP_H */

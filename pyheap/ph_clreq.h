/* pyheap: the private client requests between pyheap's preload and the tool. */
/* SPDX-License-Identifier: GPL-2.0-or-later */

#ifndef PH_CLREQ_H
#define PH_CLREQ_H

#include "pyheap.h"

/* The preload reports what CPython's allocator domains and arena allocator
   do.  Every request is answered by the tool; under another tool it returns
   the default value and nothing happens. */
typedef enum {
   /* arg1: PhPyInfo* (below).  Sent once, when the preload finds CPython. */
   PH_REQ_PY_REGISTER = PYHEAP_REQ_PRIVATE_BASE,
   /* BASE + 1 .. 3 were the domain hooks' reports, which are events now
      (below); the numbers stay retired. */
   /* arg1: pointer, arg2: size.  After the arena allocator returned. */
   PH_REQ_ARENA_ALLOC = PYHEAP_REQ_PRIVATE_BASE + 4,
   /* arg1: pointer, arg2: size.  Before the arena is released. */
   PH_REQ_ARENA_FREE,
   /* arg1: PhHooksState. */
   PH_REQ_HOOKS_STATE,
   /* arg1: the entry address of the preload's event function (below),
      arg2: PH_EVENT_ABI.  Sent first, before any hook is installed. */
   PH_REQ_EVENT_FN
} PhClientRequest;

/* The frequent reports -- every allocation and free in CPython's MEM and
   OBJ domains -- do not go through client requests, whose round trip
   through the scheduler costs ~70 ns each.  The preload calls an empty
   function instead,

      ph_event(op, a, b, c)             (arguments in RDI, RSI, RDX, RCX)

   which is a bare `ret`.  The tool learns its address (PH_REQ_EVENT_FN)
   and, at instrumentation time, puts a call to its own handler at that
   address, reading the four argument registers: ~3 ns an event.  Under
   another tool, or natively, the call just returns.  The operations: */
typedef enum {
   PH_EV_PY_ALLOC = 1,     /* a: pointer, b: size.  After a successful alloc. */
   PH_EV_PY_FREE = 2,      /* a: pointer.  Before the block is freed. */
   PH_EV_PY_REALLOC = 3,   /* a: old pointer, b: new pointer, c: size.  After. */
   PH_EV_PY_REBORN = 4,    /* a: an object made in memory the allocator did
                              not just hand out (a free list's).  3.13+. */
   PH_EV_PY_DEAD = 5       /* a: an object destroyed whose block was not
                              freed next (a free list keeps it).  3.13+. */
} PhEventOp;

/* How far in front of an object its block may start: the GC header and
   the managed dict and weakref words (PH_EV_PY_REBORN, PH_EV_PY_DEAD). */
#define PH_MAX_PREHEADER_SZB 32

/* Bumped when the arguments of ph_event change (2: the domain argument,
   which the tool never read, is gone). */
#define PH_EVENT_ABI 2

typedef enum {
   PH_HOOKS_NONE = 0,          /* not Python, or hooks not installed */
   PH_HOOKS_INSTALLED = 1,     /* installed before the interpreter started */
   PH_HOOKS_REINSTALLED = 2    /* Python replaced them; put back later */
} PhHooksState;

/* What the preload learns by dlsym() and tells the tool.  Only addresses and
   plain numbers: the tool reads the interpreter's memory itself. */
typedef struct {
   unsigned long info_szB;      /* sizeof(PhPyInfo), for versioning */
   unsigned long version_hex;   /* Py_Version (== sys.hexversion) */
   unsigned long runtime;       /* &_PyRuntime */
   unsigned long code_type;     /* &PyCode_Type */
   unsigned long unicode_type;  /* &PyUnicode_Type */
   unsigned long bytes_type;    /* &PyBytes_Type */
   unsigned long type_type;     /* &PyType_Type */
} PhPyInfo;

#endif /* PH_CLREQ_H */

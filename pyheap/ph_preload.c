/* pyheap: guest-side preload: wraps CPython's allocators (PEP 445) and reports to the tool. */
/* SPDX-License-Identifier: GPL-2.0-or-later */

/* This file is linked, with Valgrind's malloc replacement, into
   vgpreload_pyheap-amd64-linux.so, which Valgrind preloads into the program
   it runs.  It runs as guest code, on the simulated CPU.

   Why hooks and not symbol wrapping.  Debian's python3.11 is built with LTO
   and PGO: pymalloc's fast path is inlined at ~190 call sites, so wrapping
   PyObject_Malloc by name would see almost nothing.  Every inlined copy is
   guarded by "is the domain allocator still the default one?", so an
   allocator installed with PyMem_SetAllocator (PEP 445) sees every call.

   The hooks call the allocator they replaced and then tell the tool what
   happened, by calling ph_event (below), which the tool intercepts.  They
   do not try to classify: a request
   over 512 bytes falls through pymalloc to malloc, which Valgrind has
   redirected to the tool, so the tool sees that malloc first (as a raw block)
   and re-files it as python-large when the hook's report names the same
   address.  A block is thus counted once, under its outermost domain.
   Frees are reported before the real free (the address cannot be reused
   while the block is live); allocations after it returned.

   Nothing here is compiled against a Python ABI: the PEP 445 structs are
   stable public API since 3.5, and every function is looked up at run time,
   so one preload serves every interpreter -- and every program that is not
   Python, where the lookups simply fail.

   Start-up order.  The constructor runs before main() and so before
   Py_Initialize.  PYTHONMALLOC=... and -X dev make CPython install its
   domain allocators again during pre-initialisation, dropping our hooks; the
   arena allocator hook survives that.  So the arena hook, which runs when
   pymalloc needs its first arena (after pre-initialisation), checks the
   domain hooks and puts them back if they are gone.  Blocks the interpreter
   allocated in between are not known as Python blocks; the tool records that
   in the output ("hooks reinstalled"). */

#include <stddef.h>
#include "ph_clreq.h"

/* No libc headers: this library is linked -nodefaultlibs.  dlsym comes from
   the C library the program has already loaded. */
extern void *dlsym(void *handle, const char *symbol);
#define PH_RTLD_DEFAULT ((void *)0)

#define PH_EXPORT __attribute__((visibility("default")))
#define PH_LOCAL  __attribute__((visibility("hidden")))

/* PEP 445 structures (Include/cpython/pymem.h), identical since 3.5. */
typedef struct {
   void *ctx;
   void *(*malloc)(void *ctx, size_t size);
   void *(*calloc)(void *ctx, size_t nelem, size_t elsize);
   void *(*realloc)(void *ctx, void *ptr, size_t new_size);
   void (*free)(void *ctx, void *ptr);
} PhMemAllocatorEx;

typedef struct {
   void *ctx;
   void *(*alloc)(void *ctx, size_t size);
   void (*free)(void *ctx, void *ptr, size_t size);
} PhArenaAllocator;

enum { PH_DOMAIN_RAW = 0, PH_DOMAIN_MEM = 1, PH_DOMAIN_OBJ = 2 };

typedef void (*GetAllocatorFn)(int domain, PhMemAllocatorEx *allocator);
typedef void (*SetAllocatorFn)(int domain, PhMemAllocatorEx *allocator);
typedef void (*GetArenaFn)(PhArenaAllocator *allocator);
typedef void (*SetArenaFn)(PhArenaAllocator *allocator);
typedef int (*GilCheckFn)(void);

static GetAllocatorFn py_get_allocator;
static SetAllocatorFn py_set_allocator;
static GilCheckFn py_gil_check;

/* One per hooked domain: the allocator we wrap.  The hook's ctx points here.
   See "Sharing the domains with other hooks" below for `below` and
   `depth`. */
typedef struct {
   int domain;
   int depth;                  /* calls of this hook under way */
   PhMemAllocatorEx orig;      /* the allocator this hook calls */
   PhMemAllocatorEx below;     /* what it called before it was put back on top */
} PhDomainHook;

/* The event function: a bare `ret` that the tool instruments (see
   ph_clreq.h).  It is written in assembly on purpose.  A C function with
   an empty body is not enough: GCC deletes calls to it (even a noinline
   one), and a body that did anything with the argument registers would
   let VEX, which removes register writes that are overwritten later in
   the same superblock before the tool sees the code, hide the arguments
   from the tool.  The CFI lets the tool's stack unwinder step out of it.
   Hidden, so that the hooks call it directly, not through the PLT. */
PH_LOCAL void ph_event(unsigned long op, unsigned long a, unsigned long b,
                       unsigned long c);
__asm__(".text\n"
        ".p2align 4\n"
        ".globl ph_event\n"
        ".hidden ph_event\n"
        ".type ph_event, @function\n"
        "ph_event:\n"
        ".cfi_startproc\n"
        "\tret\n"
        ".cfi_endproc\n"
        ".size ph_event, .-ph_event\n");

static PhDomainHook hook_mem = { PH_DOMAIN_MEM, 0, { 0 }, { 0 } };
static PhDomainHook hook_obj = { PH_DOMAIN_OBJ, 0, { 0 }, { 0 } };
static PhArenaAllocator arena_orig;
static int hooks_state = PH_HOOKS_NONE;

/* The block the domain hooks saw allocated last (see "Objects a free list
   hands out again" below).  One for all threads: both the hooks and the
   reference tracer run with the GIL held. */
static unsigned long last_alloc, last_alloc_szB;

/* The object destroyed last, while it is not known whether its block is
   freed next (most are) or kept by a free list; 0 when none. */
static unsigned long dead_obj;

static inline void note_alloc(void *p, size_t size)
{
   last_alloc = (unsigned long)p;
   last_alloc_szB = size;
}

/* The object destroyed last was not freed: a free list has it. */
static inline void flush_dead(void)
{
   if (dead_obj != 0) {
      ph_event(PH_EV_PY_DEAD, dead_obj, 0, 0);
      dead_obj = 0;
   }
}

/* See "Sharing the domains with other hooks" below.  Thread-local: a
   thread's call of a hook is under way only on that thread. */
static __thread int mem_depth __attribute__((tls_model("initial-exec")));
static __thread int obj_depth __attribute__((tls_model("initial-exec")));
static int probing, probe_reached;

static inline int *depth_of(const PhDomainHook *h)
{
   return h->domain == PH_DOMAIN_OBJ ? &obj_depth : &mem_depth;
}

/* Where a call the hook must not report goes, or NULL for a call it
   reports: a call that came back to the hook through an allocator that
   wraps it goes to the allocator the hook wrapped before; a probe's call
   goes on down. */
static inline const PhMemAllocatorEx *unreported(PhDomainHook *h, int depth)
{
   if (__builtin_expect(depth > 0, 0))
      return &h->below;
   if (__builtin_expect(probing, 0)) {
      probe_reached = 1;
      return &h->orig;
   }
   return NULL;
}

static void *hook_malloc(void *ctx, size_t size)
{
   PhDomainHook *h = ctx;
   int *depth = depth_of(h);
   const PhMemAllocatorEx *pass = unreported(h, *depth);
   void *p;
   if (pass != NULL)
      return pass->malloc(pass->ctx, size);
   flush_dead();
   ++*depth;
   p = h->orig.malloc(h->orig.ctx, size);
   --*depth;
   if (p != NULL) {
      note_alloc(p, size);
      ph_event(PH_EV_PY_ALLOC, (unsigned long)p, size, 0);
   }
   return p;
}

static void *hook_calloc(void *ctx, size_t nelem, size_t elsize)
{
   PhDomainHook *h = ctx;
   int *depth = depth_of(h);
   const PhMemAllocatorEx *pass = unreported(h, *depth);
   void *p;
   if (pass != NULL)
      return pass->calloc(pass->ctx, nelem, elsize);
   flush_dead();
   ++*depth;
   p = h->orig.calloc(h->orig.ctx, nelem, elsize);
   --*depth;
   /* The allocator returned a block, so nelem * elsize did not overflow. */
   if (p != NULL) {
      note_alloc(p, nelem * elsize);
      ph_event(PH_EV_PY_ALLOC, (unsigned long)p, nelem * elsize, 0);
   }
   return p;
}

static void *hook_realloc(void *ctx, void *ptr, size_t new_size)
{
   PhDomainHook *h = ctx;
   int *depth = depth_of(h);
   const PhMemAllocatorEx *pass = unreported(h, *depth);
   void *p;
   if (pass != NULL)
      return pass->realloc(pass->ctx, ptr, new_size);
   flush_dead();
   ++*depth;
   p = h->orig.realloc(h->orig.ctx, ptr, new_size);
   --*depth;
   /* On failure the old block is untouched: nothing to report. */
   if (p != NULL) {
      note_alloc(p, new_size);
      ph_event(PH_EV_PY_REALLOC, (unsigned long)ptr, (unsigned long)p, new_size);
   }
   return p;
}

static void hook_free(void *ctx, void *ptr)
{
   PhDomainHook *h = ctx;
   int *depth = depth_of(h);
   const PhMemAllocatorEx *pass = unreported(h, *depth);
   if (pass != NULL) {
      pass->free(pass->ctx, ptr);
      return;
   }
   /* The usual end of a destroyed object: its own block is freed. */
   if (dead_obj != 0 && dead_obj - (unsigned long)ptr <= PH_MAX_PREHEADER_SZB)
      dead_obj = 0;
   flush_dead();
   if (ptr != NULL)
      ph_event(PH_EV_PY_FREE, (unsigned long)ptr, 0, 0);
   ++*depth;
   h->orig.free(h->orig.ctx, ptr);
   --*depth;
}

/* ---- Sharing the domains with other hooks -------------------------

   PEP 445 lets anyone put an allocator on top of a domain's, and several
   do: tracemalloc (started at any time, by -X tracemalloc, by
   PYTHONTRACEMALLOC), the debug hooks of -X dev and PYTHONMALLOC=debug, a
   C extension.  Two situations look alike from here -- the domain's
   allocator is no longer ours -- and need opposite answers:

     - someone WRAPPED us: tracemalloc saved our hook and calls it.  Every
       call still reaches us; nothing is to be done.  Putting our hook on
       top again would make a loop: ours calls tracemalloc's, which calls
       the one it saved -- ours, with the same context.  That loop was a
       stack overflow (tracemalloc started, then a new arena).  And when
       tracemalloc stops it puts back the one it saved, ours, which would
       then still call tracemalloc's hook, its tables freed.
     - someone REPLACED us: PYTHONMALLOC=... and -X dev install the
       allocators afresh during pre-initialisation, after our constructor.
       No call reaches us; the hook must be put back.

   So before putting a hook back the preload finds out whether calls still
   reach it.  Where it may call the allocator -- when a snapshot or a mark
   is taken, when the interpreter wants a chunk for its frame stack -- it
   asks: one malloc(1) and free through the domain's current allocator,
   with `probing` set so that our hook passes them on unreported and notes
   that it was reached.  It asks only while the thread holds the GIL
   (PyGILState_Check): the Python domains need it, and from 3.12 on
   pymalloc finds its state through the thread's interpreter and faults
   without one -- a snapshot called through ctypes.CDLL, which releases the
   GIL, did.  Inside pymalloc's own request for a new arena it must not
   call pymalloc again; there the depth of our hooks answers: if the
   request came through one of them it is under way, if not the domain was
   served without them.

   Should a hook be put back on top of one that wraps it all the same, the
   loop is cut: a hook that finds itself already under way on this thread
   passes the call to the allocator it wrapped before it was put back
   (`below`), unreported: the outer call reports the block once. */

/* Is H's hook the domain's allocator itself? */
static int hook_on_top(const PhDomainHook *h)
{
   PhMemAllocatorEx cur;
   py_get_allocator(h->domain, &cur);
   return cur.malloc == hook_malloc && cur.ctx == h;
}

/* Does a call of H's domain reach H's hook?  Calls the allocator. */
static int hook_reached(const PhDomainHook *h)
{
   PhMemAllocatorEx cur;
   void *p;
   py_get_allocator(h->domain, &cur);
   if (cur.malloc == hook_malloc && cur.ctx == h)
      return 1;
   probing = 1;
   probe_reached = 0;
   p = cur.malloc(cur.ctx, 1);
   if (p != NULL)
      cur.free(cur.ctx, p);
   probing = 0;
   return probe_reached;
}

static void install_domain_hook(PhDomainHook *h)
{
   PhMemAllocatorEx mine = { h, hook_malloc, hook_calloc, hook_realloc, hook_free };
   PhMemAllocatorEx cur;
   py_get_allocator(h->domain, &cur);
   h->below = h->orig.malloc != NULL ? h->orig : cur;
   h->orig = cur;
   py_set_allocator(h->domain, &mine);
}

static void set_hooks_state(int state)
{
   hooks_state = state;
   VALGRIND_DO_CLIENT_REQUEST_STMT(PH_REQ_HOOKS_STATE, state, 0, 0, 0, 0);
}

/* ---- Objects a free list hands out again (3.13+) ---------------------

   CPython keeps freed objects of several types on free lists and hands
   them out again without calling the allocator: tuples, lists, dicts and
   floats in every version; 3.14 adds ints, ranges and their iterators,
   and more.  The hooks above see such a block once, when the allocator
   first hands it out, so by itself the tool would file a tuple kept by a
   cache under whatever line made a temporary tuple in that memory long
   before -- possibly the line of another function, which would then seem
   to grow.  tracemalloc has the same problem and solves it in
   _Py_NewReference: an object is born there whether its memory is new or
   recycled, so it re-files the block under the current traceback.

   From 3.13 on that moment is public API: PyRefTracer_SetTracer installs
   a function _Py_NewReference calls for every object made
   (PyRefTracer_CREATE) and _Py_Dealloc for every object destroyed
   (PyRefTracer_DESTROY), before its tp_dealloc runs.  The tracer passes
   on:
     - a made object that does not lie in the block the hooks saw
       allocated last (most objects do): it came from a free list
       (PH_EV_PY_REBORN), and the tool files its block under the current
       stack;
     - a destroyed object whose block is not freed next (PH_EV_PY_DEAD):
       a free list keeps it, and the tool files it as dead, no line's.
       Most destroyed objects are freed at the end of their tp_dealloc,
       so the tracer only remembers the object (dead_obj) and the next
       event decides: a free of its block forgets it, anything else
       reports it first.  A container's tp_dealloc destroys its items
       before it frees itself, so a container is reported and then freed:
       that costs an event, not accuracy.

   There is one tracer slot, and others use it: tracemalloc.start() puts
   its own tracer there (and leaves it there after stop(); it then does
   nothing).  So the tracer keeps the one it replaced and calls it after
   its own work, and whenever the domain hooks are checked (at each new
   arena, snapshot and mark) it takes the slot back if someone else took
   it, keeping that one in turn.  Between the two, recycled objects stay
   where their blocks were first allocated.  3.11 and 3.12 have no such
   hook (their _Py_NewReference calls tracemalloc's function directly,
   and the binaries do not export it): there a recycled object always
   stays filed where its block was first allocated. */

typedef int (*PhRefTracer)(void *op, int event, void *data);
typedef int (*SetRefTracerFn)(PhRefTracer tracer, void *data);
typedef PhRefTracer (*GetRefTracerFn)(void **data);
enum { PH_REFTRACER_CREATE = 0, PH_REFTRACER_DESTROY = 1 };

static SetRefTracerFn py_set_ref_tracer;
static GetRefTracerFn py_get_ref_tracer;
static PhRefTracer    next_tracer;       /* the tracer ours replaced */
static void          *next_tracer_data;

static int ref_tracer(void *op, int event, void *data)
{
   unsigned long a = (unsigned long)op;
   (void)data;
   if (event == PH_REFTRACER_CREATE) {
      if (a == dead_obj)
         dead_obj = 0;          /* out of the free list as soon as in */
      flush_dead();
      /* Unsigned: an object below last_alloc gives a huge difference. */
      if (a - last_alloc >= last_alloc_szB)
         ph_event(PH_EV_PY_REBORN, a, 0, 0);
   } else if (event == PH_REFTRACER_DESTROY) {
      /* Reported only if its block is not freed next (hook_free). */
      flush_dead();
      dead_obj = a;
   }
   return next_tracer != NULL ? next_tracer(op, event, next_tracer_data) : 0;
}

static void check_ref_tracer(void)
{
   void *data = NULL;
   PhRefTracer cur;
   if (py_get_ref_tracer == NULL)
      return;
   cur = py_get_ref_tracer(&data);
   if (cur == ref_tracer)
      return;
   next_tracer = cur;
   next_tracer_data = data;
   py_set_ref_tracer(ref_tracer, NULL);
}

/* Put the domain hooks back if the interpreter replaced them; MAY_CALL
   says whether the allocators may be called to find out (not inside
   pymalloc's request for an arena). */
static void check_domain_hooks(int may_call)
{
   PhDomainHook *hooks[2] = { &hook_mem, &hook_obj };
   int changed = 0, i;
   flush_dead();
   check_ref_tracer();
   for (i = 0; i < 2; i++) {
      if (hook_on_top(hooks[i]))
         continue;
      if (may_call && hook_reached(hooks[i]))
         continue;
      install_domain_hook(hooks[i]);
      changed = 1;
   }
   if (changed)
      set_hooks_state(PH_HOOKS_REINSTALLED);
}

/* pymalloc's arenas are 1 MiB on 64-bit builds from 3.10 on; the other
   users of the arena allocator ask for less (the frame stack's chunks:
   16 KiB, more for a frame that does not fit). */
#define PH_ARENA_SZB (1UL << 20)

static void *hook_arena_alloc(void *ctx, size_t size)
{
   void *p = arena_orig.alloc(arena_orig.ctx, size);
   if (p != NULL)
      VALGRIND_DO_CLIENT_REQUEST_STMT(PH_REQ_ARENA_ALLOC, p, size, 0, 0, 0);
   /* A request made through our hooks proves them reached; one made by a
      probe is none of our business. */
   if (mem_depth == 0 && obj_depth == 0 && !probing)
      check_domain_hooks(size != PH_ARENA_SZB);
   return p;
}

static void hook_arena_free(void *ctx, void *ptr, size_t size)
{
   if (ptr != NULL)
      VALGRIND_DO_CLIENT_REQUEST_STMT(PH_REQ_ARENA_FREE, ptr, size, 0, 0, 0);
   arena_orig.free(arena_orig.ctx, ptr, size);
}

__attribute__((constructor))
static void ph_preload_init(void)
{
   GetArenaFn get_arena;
   SetArenaFn set_arena;
   const unsigned long *version;
   void *runtime;
   PhPyInfo info;

   if (!RUNNING_ON_VALGRIND)
      return;
   /* First, before any hook can call it. */
   VALGRIND_DO_CLIENT_REQUEST_STMT(PH_REQ_EVENT_FN, ph_event, PH_EVENT_ABI, 0, 0, 0);
   py_get_allocator = (GetAllocatorFn)dlsym(PH_RTLD_DEFAULT, "PyMem_GetAllocator");
   py_set_allocator = (SetAllocatorFn)dlsym(PH_RTLD_DEFAULT, "PyMem_SetAllocator");
   py_gil_check = (GilCheckFn)dlsym(PH_RTLD_DEFAULT, "PyGILState_Check");
   get_arena = (GetArenaFn)dlsym(PH_RTLD_DEFAULT, "PyObject_GetArenaAllocator");
   set_arena = (SetArenaFn)dlsym(PH_RTLD_DEFAULT, "PyObject_SetArenaAllocator");
   runtime = dlsym(PH_RTLD_DEFAULT, "_PyRuntime");
   if (py_get_allocator == NULL || py_set_allocator == NULL
       || get_arena == NULL || set_arena == NULL || runtime == NULL)
      return;                      /* not a CPython process */

   /* Py_Version exists from 3.11 on; older interpreters are reported as
      version 0 and profiled without Python stacks. */
   version = dlsym(PH_RTLD_DEFAULT, "Py_Version");
   info.info_szB = sizeof info;
   info.version_hex = version ? *version : 0;
   info.runtime = (unsigned long)runtime;
   info.code_type = (unsigned long)dlsym(PH_RTLD_DEFAULT, "PyCode_Type");
   info.unicode_type = (unsigned long)dlsym(PH_RTLD_DEFAULT, "PyUnicode_Type");
   info.bytes_type = (unsigned long)dlsym(PH_RTLD_DEFAULT, "PyBytes_Type");
   info.type_type = (unsigned long)dlsym(PH_RTLD_DEFAULT, "PyType_Type");
   VALGRIND_DO_CLIENT_REQUEST_STMT(PH_REQ_PY_REGISTER, &info, 0, 0, 0, 0);

   install_domain_hook(&hook_mem);
   install_domain_hook(&hook_obj);
   {
      PhArenaAllocator mine = { NULL, hook_arena_alloc, hook_arena_free };
      get_arena(&arena_orig);
      set_arena(&mine);
   }
   set_hooks_state(PH_HOOKS_INSTALLED);

   /* Before Py_Initialize the two functions only store and load
      _PyRuntime's slot, which the runtime's initialisation keeps. */
   py_set_ref_tracer = (SetRefTracerFn)dlsym(PH_RTLD_DEFAULT, "PyRefTracer_SetTracer");
   py_get_ref_tracer = (GetRefTracerFn)dlsym(PH_RTLD_DEFAULT, "PyRefTracer_GetTracer");
   if (py_set_ref_tracer == NULL || py_get_ref_tracer == NULL) {
      py_set_ref_tracer = NULL;
      py_get_ref_tracer = NULL;
   }
   check_ref_tracer();
}

/* ---- The API the `pyheap` Python module calls through ctypes ---------- */

PH_EXPORT void pyheap_snapshot(const char *label);
PH_EXPORT void pyheap_mark(const char *label);
PH_EXPORT void pyheap_region_begin(const char *label);
PH_EXPORT unsigned long pyheap_region_end(PyheapRegionStats *stats);
PH_EXPORT int pyheap_running(void);

/* A check of the hooks costs little when a snapshot or a mark is taken and
   catches the case where the interpreter replaced them and never needed an
   arena since -- but it calls the allocators, so only with the GIL (the
   pyheap module calls with it; a C caller may not). */
static void check_hooks_if_gil_held(void)
{
   if (hooks_state != PH_HOOKS_NONE && py_gil_check != NULL && py_gil_check())
      check_domain_hooks(1);
}

PH_EXPORT void pyheap_snapshot(const char *label)
{
   check_hooks_if_gil_held();
   PYHEAP_SNAPSHOT(label);
}

PH_EXPORT void pyheap_mark(const char *label)
{
   check_hooks_if_gil_held();
   PYHEAP_MARK(label);
}

PH_EXPORT void pyheap_region_begin(const char *label)
{
   flush_dead();
   PYHEAP_REGION_BEGIN(label);
}

PH_EXPORT unsigned long pyheap_region_end(PyheapRegionStats *stats)
{
   flush_dead();
   return PYHEAP_REGION_END(stats);
}

PH_EXPORT int pyheap_running(void)
{
   return (int)PYHEAP_RUNNING_ON_PYHEAP;
}

/* pyheap test program: a C extension that wraps CPython's MEM and OBJ allocators (PEP 445) itself. */
/* SPDX-License-Identifier: GPL-2.0-or-later */

/* install() puts a counting allocator on top of the MEM and OBJ domains,
   the way tracemalloc and many profilers do: it saves the allocator it
   replaces and calls it.  uninstall() puts the saved ones back.  calls()
   says how many calls went through it.  The context is a pointer to a
   counter, not to the saved allocator (unlike tracemalloc's): pyheap must
   not rely on how a wrapper keeps what it wraps. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct {
    PyMemAllocatorDomain domain;
    PyMemAllocatorEx saved;
    unsigned long calls;
} Wrap;

static Wrap wraps[2] = { { PYMEM_DOMAIN_MEM }, { PYMEM_DOMAIN_OBJ } };
static int installed;

static void *
wrap_malloc(void *ctx, size_t size)
{
    Wrap *w = ctx;
    w->calls++;
    return w->saved.malloc(w->saved.ctx, size);
}

static void *
wrap_calloc(void *ctx, size_t nelem, size_t elsize)
{
    Wrap *w = ctx;
    w->calls++;
    return w->saved.calloc(w->saved.ctx, nelem, elsize);
}

static void *
wrap_realloc(void *ctx, void *ptr, size_t size)
{
    Wrap *w = ctx;
    w->calls++;
    return w->saved.realloc(w->saved.ctx, ptr, size);
}

static void
wrap_free(void *ctx, void *ptr)
{
    Wrap *w = ctx;
    w->calls++;
    w->saved.free(w->saved.ctx, ptr);
}

static PyObject *
wrapalloc_install(PyObject *self, PyObject *unused)
{
    int i;
    (void)self;
    (void)unused;
    if (!installed) {
        for (i = 0; i < 2; i++) {
            PyMemAllocatorEx mine = { &wraps[i], wrap_malloc, wrap_calloc,
                                      wrap_realloc, wrap_free };
            PyMem_GetAllocator(wraps[i].domain, &wraps[i].saved);
            PyMem_SetAllocator(wraps[i].domain, &mine);
        }
        installed = 1;
    }
    Py_RETURN_NONE;
}

static PyObject *
wrapalloc_uninstall(PyObject *self, PyObject *unused)
{
    int i;
    (void)self;
    (void)unused;
    if (installed) {
        for (i = 0; i < 2; i++)
            PyMem_SetAllocator(wraps[i].domain, &wraps[i].saved);
        installed = 0;
    }
    Py_RETURN_NONE;
}

static PyObject *
wrapalloc_calls(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    return PyLong_FromUnsignedLong(wraps[0].calls + wraps[1].calls);
}

static PyMethodDef wrapalloc_methods[] = {
    { "install", wrapalloc_install, METH_NOARGS, "Wrap the MEM and OBJ domains." },
    { "uninstall", wrapalloc_uninstall, METH_NOARGS, "Put the saved allocators back." },
    { "calls", wrapalloc_calls, METH_NOARGS, "Calls that went through the wrapper." },
    { NULL, NULL, 0, NULL }
};

static struct PyModuleDef wrapalloc_module = {
    PyModuleDef_HEAD_INIT, "wrapalloc", NULL, -1, wrapalloc_methods,
    NULL, NULL, NULL, NULL
};

PyMODINIT_FUNC
PyInit_wrapalloc(void)
{
    return PyModule_Create(&wrapalloc_module);
}

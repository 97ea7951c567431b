/* pyheap test program: a C extension module whose leak() mallocs and never frees. */
/* SPDX-License-Identifier: GPL-2.0-or-later */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>

/* Allocate N bytes with plain malloc (not a Python allocator), touch them
   and drop the pointer: a leak that only a malloc-level tool can see. */
static __attribute__((noinline)) void *
leakext_grab(size_t n)
{
    void *p = malloc(n);                                   /* LINE:malloc */
    if (p != NULL)
        memset(p, 0x5a, n);
    return p;
}

static PyObject *
leakext_leak(PyObject *self, PyObject *args)
{
    Py_ssize_t n;

    (void)self;
    if (!PyArg_ParseTuple(args, "n", &n))
        return NULL;
    if (n < 0) {
        PyErr_SetString(PyExc_ValueError, "size must be >= 0");
        return NULL;
    }
    if (leakext_grab((size_t)n) == NULL)                   /* LINE:grab */
        return PyErr_NoMemory();
    Py_RETURN_NONE;
}

static PyMethodDef leakext_methods[] = {
    {"leak", leakext_leak, METH_VARARGS, "leak(n): malloc n bytes and never free them."},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef leakext_module = {
    PyModuleDef_HEAD_INIT, "leakext", "pyheap test: a leaking C extension.", -1,
    leakext_methods, NULL, NULL, NULL, NULL
};

PyMODINIT_FUNC
PyInit_leakext(void)
{
    return PyModule_Create(&leakext_module);
}

/* pyheap test program: a C extension that allocates through CPython's MEM and OBJ domains. */
/* SPDX-License-Identifier: GPL-2.0-or-later */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* Blocks kept between calls, so that the test knows exactly what is live. */
#define MAX_KEPT 4096
static void *kept[MAX_KEPT];
static Py_ssize_t n_kept;

/* One PyMem_Malloc of N bytes (pymalloc up to 512 bytes, malloc above). */
static __attribute__((noinline)) void *
pymemext_grab(size_t n)
{
    return PyMem_Malloc(n);                                 /* LINE:grab */
}

/* alloc(count, size): keep COUNT blocks of SIZE bytes from PyMem_Malloc. */
static PyObject *
pymemext_alloc(PyObject *self, PyObject *args)
{
    Py_ssize_t count, size, i;

    (void)self;
    if (!PyArg_ParseTuple(args, "nn", &count, &size))
        return NULL;
    if (count < 0 || size <= 0 || n_kept + count > MAX_KEPT) {
        PyErr_SetString(PyExc_ValueError, "bad count or size");
        return NULL;
    }
    for (i = 0; i < count; i++) {
        void *p = pymemext_grab((size_t)size);              /* LINE:call */
        if (p == NULL)
            return PyErr_NoMemory();
        memset(p, 0x5a, (size_t)size);
        kept[n_kept++] = p;
    }
    Py_RETURN_NONE;
}

/* resize(first, count, size): PyMem_Realloc kept blocks FIRST.. to SIZE. */
static PyObject *
pymemext_resize(PyObject *self, PyObject *args)
{
    Py_ssize_t first, count, size, i;

    (void)self;
    if (!PyArg_ParseTuple(args, "nnn", &first, &count, &size))
        return NULL;
    if (first < 0 || count < 0 || first + count > n_kept || size <= 0) {
        PyErr_SetString(PyExc_ValueError, "bad range or size");
        return NULL;
    }
    for (i = first; i < first + count; i++) {
        void *p = PyMem_Realloc(kept[i], (size_t)size);
        if (p == NULL)
            return PyErr_NoMemory();
        kept[i] = p;
    }
    Py_RETURN_NONE;
}

/* release(first, count): PyMem_Free kept blocks FIRST.. and forget them. */
static PyObject *
pymemext_release(PyObject *self, PyObject *args)
{
    Py_ssize_t first, count, i;

    (void)self;
    if (!PyArg_ParseTuple(args, "nn", &first, &count))
        return NULL;
    if (first < 0 || count < 0 || first + count > n_kept) {
        PyErr_SetString(PyExc_ValueError, "bad range");
        return NULL;
    }
    for (i = first; i < first + count; i++) {
        PyMem_Free(kept[i]);
        kept[i] = NULL;
    }
    Py_RETURN_NONE;
}

static PyMethodDef pymemext_methods[] = {
    {"alloc", pymemext_alloc, METH_VARARGS, "alloc(count, size): keep PyMem_Malloc blocks."},
    {"resize", pymemext_resize, METH_VARARGS, "resize(first, count, size): PyMem_Realloc."},
    {"release", pymemext_release, METH_VARARGS, "release(first, count): PyMem_Free."},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef pymemext_module = {
    PyModuleDef_HEAD_INIT, "pymemext", "pyheap test: PyMem_* calls from C.", -1,
    pymemext_methods, NULL, NULL, NULL, NULL
};

PyMODINIT_FUNC
PyInit_pymemext(void)
{
    return PyModule_Create(&pymemext_module);
}

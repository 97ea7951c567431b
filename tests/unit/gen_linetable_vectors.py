#!/usr/bin/env python3
# pyheap: test vectors for the location-table decoder, from the running CPython.
# SPDX-License-Identifier: GPL-2.0-or-later
"""Print test vectors for pyheap/ph_linetable.c.

Compiles the source of a set of standard-library modules, plus synthetic
snippets with awkward line layouts, walks every code object (recursively
through co_consts) and prints, for each, its location table and the line
the interpreter itself reports (through co_lines()) for every instruction.
tests/unit/test_linetable.c reads this output and checks that the C
decoder gives the same answers.

Nothing is imported or executed: modules are found as files under the
standard library directory and only compiled.  Standard library only.

Output, one record per line (fields separated by single spaces):

    # free comment
    V <label> <firstlineno> <linetable-hex or -> <n> <e(-2)> <e(0)> <e(2)> ... <e(2n-2)>
    END <number of V records>

where n is the number of code units (len(co_code) // 2) and e(k) is the
line expected for byte offset k: co_firstlineno for k = -2, and -1 where
co_lines() reports no line (None).  The END line lets the reader notice a
generator that died half way.
"""

import os
import sys
import sysconfig
import warnings

if sys.version_info < (3, 11):
    sys.exit("gen_linetable_vectors.py: needs CPython >= 3.11 "
             "(the location-table format starts there), this is %s"
             % sys.version.split()[0])

# Modules (files "x.py") and packages (directories, walked recursively,
# test directories left out).  Missing ones are skipped: the set differs a
# little between Python versions (e.g. zipfile became a package in 3.12).
STDLIB_NAMES = [
    "json", "argparse", "asyncio", "email", "typing", "dataclasses",
    "inspect", "re", "collections", "functools", "enum", "pathlib",
    "subprocess", "threading", "logging", "unittest", "http", "urllib",
    "xml", "concurrent", "importlib", "tomllib", "datetime", "_pydatetime",
    "_pydecimal", "statistics", "fractions", "tarfile", "zipfile",
    "shutil", "os", "tempfile", "textwrap", "difflib", "pydoc", "ast",
    "dis", "pickle", "pprint", "string", "csv", "configparser", "optparse",
    "gettext", "locale", "calendar", "heapq", "bisect", "random",
    "socket", "selectors", "ssl", "traceback", "warnings", "contextlib",
    "abc", "copy", "weakref", "ipaddress", "smtplib", "imaplib", "ftplib",
    "sqlite3", "multiprocessing", "tokenize", "doctest", "pdb", "turtle",
]

SKIP_DIRS = {"test", "tests", "idle_test", "__pycache__"}


def stdlib_files():
    root = sysconfig.get_paths()["stdlib"]
    for name in STDLIB_NAMES:
        path = os.path.join(root, name + ".py")
        if os.path.isfile(path):
            yield os.path.relpath(path, root), path
            continue
        top = os.path.join(root, name)
        if not os.path.isdir(top):
            continue
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
            for fn in sorted(filenames):
                if fn.endswith(".py"):
                    full = os.path.join(dirpath, fn)
                    yield os.path.relpath(full, root), full


# ---------------------------------------------------------------------------
# Synthetic snippets: layouts that exercise every entry form, multi-byte
# varints, large positive and negative line deltas and late first lines.

def synthetic_sources():
    out = []

    out.append(("multiline_expr", """\
x = (1 +
     2 +

     3)
y = [a
     for a in range(3)
     if a]
z = {k: v for k, v in zip("ab",
                          "cd")}
w = (lambda q:
        q + 1)(2)
s = f'''{x}
{y}
{z}'''
"""))

    out.append(("decorators_try", """\
import functools

def deco(f):
    @functools.wraps(f)
    def inner(*a, **k):
        try:
            return f(*a, **k)
        except (ValueError,
                TypeError) as e:
            pass
        except Exception:
            raise
        else:
            pass
        finally:
            pass
    return inner

@deco
@deco
class C:
    @property
    @deco
    def p(self):
        pass

    @staticmethod
    def s(
        a,
        b=lambda: (yield),
    ):
        with open(a) as f, \\
             open(b) as g:
            for line in f:
                if line:
                    continue
                else:
                    break
            else:
                pass
        while a:
            a -= 1
        return [x for x in b] if False else None

async def agen():
    async with x as y:
        async for z in y:
            yield z
    await agen()

async def acomp():
    return [q async for q in agen()
            if q]

def gen():
    yield from (i
                for i
                in range(10)
                if i % 2)

"""))

    out.append(("match_stmt", """\
def m(v):
    match v:
        case [1, 2,
              *rest]:
            return rest
        case {"k": x,
              **kw}:
            return x
        case C(a=1) | D(b=2):
            pass
        case _:
            return None
"""))

    # Big gaps between statements: line deltas of every size, positive,
    # and the jump back of a call whose arguments span many lines.
    parts = ["def gaps():\n", "    a = 1\n"]
    for gap in (3, 10, 63, 64, 65, 200, 4095, 4096, 4097, 70000):
        parts.append("\n" * gap)
        parts.append("    a = f(a,\n")
        parts.append("\n" * gap)
        parts.append("          a)\n")
    parts.append("    return a\n")
    out.append(("gaps", "".join(parts)))

    # A module starting far down: large co_firstlineno and first delta.
    out.append(("late_start", "\n" * 123456 + """\
def late():
    return 1
x = late()
"""))

    # Long lines: columns beyond 127 need the long form.
    long_expr = " + ".join("v%d" % i for i in range(80))
    out.append(("long_lines", """\
def cols(%s):
    return %s
r = [%s for v0 in range(2)]
""" % (", ".join("v%d=0" % i for i in range(80)), long_expr, long_expr)))

    # A very long function: many entries, every statement kind repeated.
    body = []
    for i in range(3000):
        k = i % 7
        if k == 0:
            body.append("    x%d = %d" % (i % 50, i))
        elif k == 1:
            body.append("    if x%d:\n        pass" % (i % 50))
        elif k == 2:
            body.append("    for _ in range(%d):\n        x0 += 1" % (i % 5))
        elif k == 3:
            body.append("    try:\n        x1 = x0 / %d\n"
                        "    except ZeroDivisionError:\n        x1 = 0" % i)
        elif k == 4:
            body.append("    x2 = [y\n          for y in range(%d)\n"
                        "          if y]" % i)
        elif k == 5:
            body.append("\n" * (i % 11) + "    pass")
        else:
            body.append("    x3 = (lambda t:\n              t * %d)(x0)" % i)
    out.append(("long_function", "def big():\n    x0 = 0\n    x1 = 0\n"
                + "\n".join(body) + "\n    return x0\n"))

    # Module-level code that is mostly blank lines and comments.
    out.append(("sparse_module", "# c\n\n\n" + "\n".join(
        "%s\npass\n# comment %d\n" % ("\n" * (i * 37 % 300), i)
        for i in range(200))))

    return out


# ---------------------------------------------------------------------------

def code_objects(co):
    """co and every code object nested in its constants, depth first."""
    stack = [co]
    while stack:
        c = stack.pop()
        yield c
        nested = [k for k in c.co_consts if hasattr(k, "co_lines")]
        stack.extend(reversed(nested))


def expected_lines(co):
    n = len(co.co_code) // 2
    exp = [-1] * n
    for start, end, line in co.co_lines():
        v = -1 if line is None else line
        for off in range(start, min(end, 2 * n), 2):
            exp[off // 2] = v
    return exp


def emit(out, label, co):
    exp = expected_lines(co)
    table = co.co_linetable.hex() or "-"
    out.append("V %s %d %s %d %d %s\n" % (
        label, co.co_firstlineno, table, len(exp), co.co_firstlineno,
        " ".join(map(str, exp))))


def main():
    w = sys.stdout.write
    w("# gen_linetable_vectors.py, CPython %s\n" % sys.version.split()[0])
    n = 0
    buf = []
    sources = []
    for rel, path in stdlib_files():
        try:
            with open(path, "rb") as f:
                sources.append((rel, f.read()))
        except OSError as e:
            w("# skipped %s: %s\n" % (rel, e))
    for name, src in synthetic_sources():
        sources.append(("synthetic/" + name, src))

    # Old modules may hold invalid escape sequences: the warnings they
    # raise at compile time would only clutter the test's stderr.
    warnings.simplefilter("ignore")
    n_files = 0
    for rel, src in sources:
        try:
            top = compile(src, rel, "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as e:
            w("# skipped %s: %s\n" % (rel, e))
            continue
        n_files += 1
        for co in code_objects(top):
            label = "%s:%s" % (rel, getattr(co, "co_qualname", co.co_name))
            label = label.replace(" ", "_")
            emit(buf, label, co)
            n += 1
        w("".join(buf))
        buf.clear()
    w("# %d sources compiled\n" % n_files)
    w("END %d\n" % n)


if __name__ == "__main__":
    main()

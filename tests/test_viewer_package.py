"""Tests of the shape of pyheap_print's package: imports in one direction, module and function sizes, banners, the registry."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# pyheap/pyheap_viewer/__init__.py lists the modules in the order of their
# imports: each imports only modules above it.  These tests read that list
# and every module's imports (with ast: nothing is imported), so the map
# cannot drift from the code.

import ast
import os
import re
import unittest

import support

# The limits the package keeps (the house issue): lines per module, lines
# per function or method.
MAX_MODULE_LINES = 1000
MAX_FUNCTION_LINES = 150


def module_name(relpath):
    """'reports/text.py' -> 'reports.text'; a package's __init__.py is
    the package ('' for pyheap_viewer itself)."""
    parts = relpath[:-len(".py")].split(os.sep)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def documented_order():
    """The module names of the map in __init__.py's docstring, in order."""
    with open(os.path.join(support.VIEWER_PACKAGE, "__init__.py"),
              encoding="utf-8") as f:
        doc = ast.get_docstring(ast.parse(f.read()))
    lines = doc.split("\n")
    start = next(i for i, line in enumerate(lines)
                 if line.startswith("The modules, in the one direction"))
    names = []
    for line in lines[start + 1:]:
        if line.startswith("  "):
            match = re.match(r"^  ([a-z_.]+)\s", line)
            if match:
                names.append(match.group(1))
        elif names:
            break
    return names


def internal_imports(relpath):
    """The package's modules that the module at `relpath` imports."""
    path = os.path.join(support.VIEWER_PACKAGE, relpath)
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    name = module_name(relpath)
    package = name.split(".") if relpath.endswith("__init__.py") \
        else name.split(".")[:-1]
    package = [p for p in package if p]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[:len(package) - (node.level - 1)]
            target = base + (node.module.split(".") if node.module else [])
            found.add(".".join(target))
        elif isinstance(node, ast.ImportFrom) and node.module and (
                node.module == "pyheap_viewer"
                or node.module.startswith("pyheap_viewer.")):
            found.add(node.module[len("pyheap_viewer."):])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("pyheap_viewer"):
                    found.add(alias.name[len("pyheap_viewer."):])
    return found


class ImportDirectionTest(unittest.TestCase):

    def test_the_map_lists_every_module_once(self):
        names = documented_order()
        self.assertEqual(len(names), len(set(names)), names)
        modules = set(module_name(p) for p in support.viewer_package_files())
        self.assertEqual(sorted(set(names)), sorted(modules - {""}))

    def test_imports_go_up_the_map(self):
        order = {name: i for i, name in enumerate(documented_order())}
        order[""] = -1          # the package itself: VERSION, PROG
        for relpath in support.viewer_package_files():
            name = module_name(relpath)
            for imported in sorted(internal_imports(relpath)):
                with self.subTest(module=name, imports=imported):
                    self.assertIn(imported, order)
                    self.assertLess(order[imported], order[name],
                                    "%s imports %s, listed below it"
                                    % (name, imported))


class SizeTest(unittest.TestCase):

    def test_modules_and_functions(self):
        for relpath in support.viewer_package_files():
            path = os.path.join(support.VIEWER_PACKAGE, relpath)
            lines, functions = support.python_code_sizes(path)
            with self.subTest(module=relpath):
                self.assertLessEqual(lines, MAX_MODULE_LINES)
                too_long = [f for f in functions
                            if f[0] > MAX_FUNCTION_LINES]
                self.assertEqual(too_long, [])


class BannerTest(unittest.TestCase):
    """Each file opens with its one-line purpose and its licence."""

    def test_banner_and_licence(self):
        for relpath in support.viewer_package_files() + ["../pyheap_print"]:
            path = os.path.join(support.VIEWER_PACKAGE, relpath)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            with self.subTest(file=relpath):
                lines = text.split("\n")
                if lines[0].startswith("#!"):
                    lines.pop(0)
                self.assertTrue(lines[0].startswith('"""'), lines[0])
                self.assertGreater(len(lines[0]), 10)
                end = next(i for i, line in enumerate(lines)
                           if line.endswith('"""') and (i or
                                                        len(line) > 6))
                self.assertEqual(lines[end + 1],
                                 "# SPDX-License-Identifier: "
                                 "GPL-2.0-or-later")


class RegistryTest(unittest.TestCase):
    """Each module of reports/ (but base) and exports/ is one Report, and
    the registry holds it under its name."""

    def test_every_report_is_registered(self):
        registry = support.viewer_module("registry")
        base = support.viewer_module("reports.base")
        registered = {"reports": registry.REPORTS,
                      "exports": registry.EXPORTS}
        for relpath in support.viewer_package_files():
            name = module_name(relpath)
            kind = name.split(".")[0]
            if kind not in registered or name in (kind, "reports.base"):
                continue
            module = support.viewer_module(name)
            reports = [obj for obj in vars(module).values()
                       if isinstance(obj, type)
                       and issubclass(obj, base.Report)
                       and obj is not base.Report
                       and obj.__module__ == module.__name__]
            with self.subTest(module=name):
                self.assertEqual(len(reports), 1, reports)
                self.assertIs(registered[kind].get(reports[0].name),
                              reports[0])


if __name__ == "__main__":
    unittest.main()

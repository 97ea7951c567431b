"""pyheap_viewer.naming: the location rule (which frame names a site) and the module rule (--by=module, --by=package)."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Both rules cache what they compute per profile: the View (view.py) keeps
# one Locator and one ModuleNamer for the profile it shows.

import array
import fnmatch
import os
import re

from .model import UNKNOWN_FUNCTION, UNKNOWN_LOCATION

# Allocation entry points that a native stack may start with.  The location
# rule skips them so that a site is named after the code that asked for
# memory, not after malloc itself (massif's --alloc-fn does the same).
ALLOC_FUNCTIONS = frozenset((
    "malloc", "calloc", "realloc", "reallocarray", "memalign",
    "posix_memalign", "aligned_alloc", "valloc", "pvalloc", "strdup",
    "strndup", "__libc_malloc", "__libc_calloc", "__libc_realloc",
    "__libc_memalign",
    "_Znwm", "_Znam", "_ZnwmRKSt9nothrow_t", "_ZnamRKSt9nothrow_t",
    "_ZnwmSt11align_val_t", "_ZnamSt11align_val_t",
    "_ZnwmSt11align_val_tRKSt9nothrow_t",
    "_ZnamSt11align_val_tRKSt9nothrow_t",
    "_Znwj", "_Znaj", "_ZnwjRKSt9nothrow_t", "_ZnajRKSt9nothrow_t",
    "operator new(unsigned long)", "operator new[](unsigned long)",
    "operator new(unsigned long, std::nothrow_t const&)",
    "operator new[](unsigned long, std::nothrow_t const&)",
    "operator new(unsigned long, std::align_val_t)",
    "operator new[](unsigned long, std::align_val_t)",
))


# The user's own code.  The innermost frame of a stack is often a
# library's: csv.py's DictReader.__next__ makes the row, numpy's numeric.py
# makes the buffer, logging makes the logger.  That is true, and it is not
# the line the user can change: that is the innermost frame in the user's
# own code, which every text view leads with (the "user view"), naming the
# library frame that did the allocating beside it ("via csv.py:111").
#
# A Python frame is library code, not the user's, when its file is
#   - frozen ("<frozen importlib._bootstrap>", "<frozen abc>"): the import
#     machinery and the modules CPython freezes;
#   - in a site-packages or dist-packages directory: an installed package
#     (numpy, sqlalchemy, pytest; Debian's /usr/lib/python3/dist-packages);
#   - in the standard library: a ".../lib/pythonX.Y/" directory (and
#     lib64/, lib-dynload/) outside site-packages;
#   - pyheap's own: pyheap.py and pytest_pyheap.py, the package
#     pyheap_viewer;
#   - or the "<free lists>" pseudo-frame (no line holds those blocks).
# Any other file is the user's, "<string>" and "<stdin>" included (code
# the program exec'd: `python3 -c`, or a user's exec) -- unless library
# code exec'd it (site.py runs .pth files that way), or the frame is a
# function such code defined: generated code (a dataclass's or a
# namedtuple's __init__ on 3.11, SQLAlchemy's constructors), named by the
# line that called it.  Native frames are never the user's: a C
# extension's malloc is filed under the Python line that called it.
# --user-code=GLOB (repeatable) replaces the rule: a frame is the user's
# when its file (or its base name, for a GLOB without '/') matches.  A
# stack without a user frame (start-up, imports, a library's own thread)
# keeps its innermost frame, and the views say it has none.  --innermost
# switches the user view off: every site is named by its innermost frame,
# as massif names it.

FREE_LISTS_FILE = "<free lists>"
_PYHEAP_FILES = ("pyheap.py", "pytest_pyheap.py")


class UserCode:
    """The rule above: is_user(frame), cached by file name."""

    def __init__(self, globs=None):
        self.globs = list(globs or ())
        self._cache = {}

    def is_user(self, frame):
        if frame[0] != "py":
            return False
        path = frame[1] or ""
        found = self._cache.get(path)
        if found is None:
            found = self._cache[path] = self._classify(path)
        return found

    def _classify(self, path):
        if path.startswith("<frozen ") or path == FREE_LISTS_FILE:
            return False
        if self.globs:
            base = os.path.basename(path)
            return any(fnmatch.fnmatchcase(path, g)
                       or ("/" not in g and fnmatch.fnmatchcase(base, g))
                       for g in self.globs)
        if path.startswith("<"):
            return True
        if "/site-packages/" in path or "/dist-packages/" in path:
            return False
        if _STDLIB_RE.search(path):
            return False
        parts = path.split("/")
        if parts[-1] in _PYHEAP_FILES or "pyheap_viewer" in parts[:-1]:
            return False
        return True


class Locator:
    """The location rule: which frame names a site, and its names.

    One per View: it caches by stack id, so a View makes a new one when
    --filter or --depth rewrite the stacks.  `module_namer()` gives the
    ModuleNamer for --by=module and --by=package.  With `by_user` (the
    user view), a site is named by its innermost frame in user code
    (`user_code`, a UserCode), when its stack has one.
    """

    def __init__(self, profile, module_namer, user_code=None, by_user=False,
                 cut_depth=None):
        self.profile = profile
        self.module_namer = module_namer
        self.user_code = user_code if user_code is not None else UserCode()
        self.by_user = by_user
        self.cut_depth = cut_depth      # pyheap_print's --depth, if any
        self._site_fid = array.array("q", [-1]) * len(profile.stack_frame)
        self._user_fid = None
        self._cut = None
        self._exec_frames = None
        self._names = {}

    def site_frame(self, kid):
        """The frame that names a site; None for a site without a stack:
        in the user view its user frame if it has one, else its innermost
        frame (innermost_frame())."""
        if self.by_user and kid >= 0:
            frame = self.user_frame(kid)
            if frame is not None:
                return frame
        return self.innermost_frame(kid)

    def user_frame(self, kid):
        """The innermost Python frame of the stack that is the user's own
        code (UserCode), or None."""
        if kid < 0:
            return None
        if self._user_fid is None:
            # -2: not computed yet; -1: the stack has none.
            self._user_fid = array.array("q", [-2]) * len(
                self.profile.stack_frame)
        fid = self._user_fid[kid]
        if fid == -2:
            prof = self.profile
            frames = prof.frames
            fids = prof.stack_frame
            parents = prof.stack_parent
            is_user = self.user_code.is_user
            # A caller's answer is this stack's, unless an exec'd frame's
            # depends on whether one of them was cut at --depth and the
            # other not (_library_caller).
            check_cut = self._has_exec_frames()
            cut = check_cut and self._cut_at_depth(kid)
            fid = -1
            k = kid
            while k >= 0:
                if self._user_fid[k] != -2 and not (
                        check_cut and self._cut_at_depth(k) != cut):
                    fid = self._user_fid[k]
                    break
                frame = frames[fids[k]]
                if is_user(frame) and not (
                        frame[1].startswith("<")
                        and (frame[3] != "<module>"
                             or self._library_caller(parents[k], kid))):
                    fid = fids[k]
                    break
                k = parents[k]
            self._user_fid[kid] = fid
        return self.profile.frames[fid] if fid >= 0 else None

    def _has_exec_frames(self):
        """Whether some Python frame is exec'd code ("<string>") that the
        rule would call the user's."""
        if self._exec_frames is None:
            is_user = self.user_code.is_user
            self._exec_frames = any(
                frame[0] == "py" and (frame[1] or "").startswith("<")
                and is_user(frame) for frame in self.profile.frames)
        return self._exec_frames

    def _library_caller(self, kid, whole):
        """Whether the innermost Python frame of stack `kid` (the caller of
        a "<string>" frame in stack `whole`) is library code: code that
        site.py or a library exec'd is theirs; `python3 -c`'s, or a user's
        exec, the user's."""
        prof = self.profile
        while kid >= 0:
            frame = prof.frames[prof.stack_frame[kid]]
            # An exec'd frame's own caller decides for it too.
            if frame[0] == "py" and not (frame[1].startswith("<") and
                                         self.user_code.is_user(frame)):
                return not self.user_code.is_user(frame)
            kid = prof.stack_parent[kid]
        # No caller decides: code exec'd at the top (`python3 -c`) is the
        # user's -- unless the stack was cut at --depth and its caller is
        # simply not recorded (site.py runs .pth lines deep in start-up).
        return self._cut_at_depth(whole)

    def _cut_at_depth(self, kid):
        """Whether stack `kid`'s outer frames may be missing: its Python
        frames reach the file's --depth (the tool's), or all its frames
        reach pyheap_print's --depth."""
        if self._cut is None:
            self._cut = self._cut_flags()
        return bool(self._cut[kid])

    def _cut_flags(self):
        """_cut_at_depth() of every stack, a bytearray by stack id."""
        try:
            depth = int(self.profile.meta.get("depth", 0))
        except ValueError:
            depth = 0
        prof = self.profile
        parents = prof.stack_parent
        n = len(parents)
        n_py = array.array("q", [0]) * n
        n_all = array.array("q", [0]) * n
        flags = bytearray(n)
        # A parent's id is smaller than its children's.
        for kid in range(n):
            parent = parents[kid]
            is_py = prof.frames[prof.stack_frame[kid]][0] == "py"
            n_py[kid] = (n_py[parent] if parent >= 0 else 0) + is_py
            n_all[kid] = (n_all[parent] if parent >= 0 else 0) + 1
            flags[kid] = ((depth > 0 and n_py[kid] >= depth)
                          or (bool(self.cut_depth)
                              and n_all[kid] >= self.cut_depth))
        return flags

    def innermost_frame(self, kid):
        """The innermost Python frame of the stack; in a stack without
        one, the innermost native frame that is not an allocation function
        (or the innermost frame if all are); None without a stack."""
        if kid < 0:
            return None
        prof = self.profile
        fid = self._site_fid[kid]
        if fid < 0:
            frames = prof.frames
            fids = prof.stack_frame
            parents = prof.stack_parent
            native = -1
            k = kid
            while k >= 0:
                frame = frames[fids[k]]
                if frame[0] == "py":
                    fid = fids[k]
                    break
                if native < 0 and frame[3] not in ALLOC_FUNCTIONS:
                    native = fids[k]
                k = parents[k]
            else:
                fid = native if native >= 0 else fids[kid]
            self._site_fid[kid] = fid
        return prof.frames[fid]

    def other_frame(self, kid):
        """The frame the other view would name the site by: in the user
        view the innermost frame (the library frame that allocated, when
        it differs), else the user frame; None without one."""
        if self.by_user:
            return self.innermost_frame(kid)
        return self.user_frame(kid)

    def site_name(self, kid, by):
        """(location, function, sort key, frame) of a site's stack at a
        --by granularity (see frame_name)."""
        frame = self.site_frame(kid)
        if frame is None:
            return UNKNOWN_LOCATION, "", (UNKNOWN_LOCATION, 0), None
        if by == "stack":
            by = "line"
        names = self._names.get(by)
        if names is None:
            names = self._names[by] = {}
        name = names.get(frame)
        if name is None:
            if by in ("module", "package"):
                namer = self.module_namer()
                text = (namer.module(frame) if by == "module"
                        else namer.package(frame))
                name = (text, "", (text, 0), frame)
            else:
                name = frame_name(frame, by) + (frame,)
            names[frame] = name
        return name


def frame_name(frame, by="line"):
    """(location, function, sort key) of a frame at a --by granularity.

    The location rule (the JSON contract):
      Python frame:  "path:line"
      native frame:  "file:line" if its source file is known, else
                     "object@0xIP" if its object file is known, else "0xIP"
    For --by=function and --by=file the location is the file alone (the
    object file, or "???", for a native frame without a source file).
    The function is the qualified name, "???" if unknown.  The sort key is
    (file, number): the line, or the instruction pointer.
    """
    function = frame[3] if frame[3] is not None else UNKNOWN_FUNCTION
    if frame[0] == "py" or frame[1] is not None:
        path, number = frame[1], frame[2]
        if by == "line":
            return "%s:%d" % (path, number), function, (path, number)
        return path, function, (path, 0)
    if frame[5] is not None:
        if by == "line":
            return ("%s@0x%x" % (frame[5], frame[4]), function,
                    (frame[5], frame[4]))
        return frame[5], function, (frame[5], 0)
    if by == "line":
        return "0x%x" % frame[4], function, ("", frame[4])
    return UNKNOWN_FUNCTION, function, (UNKNOWN_FUNCTION, 0)


def stack_names(profile, kid):
    """[(location, function)] of a stack, innermost first."""
    return [frame_name(f)[:2] for f in profile.stack(kid)] if kid >= 0 \
        else []


# The module rule (--by=module and --by=package).  The file records no
# sys.path, so the roots are inferred from the file names themselves:
#
#   "<frozen NAME>"           module NAME, package "stdlib"
#   another "<...>" name      module and package: that name ("<string>")
#   .../site-packages/REST,   module REST as a dotted name (".py" and a
#   .../dist-packages/REST    final "__init__" dropped), package its first
#                             component: the top-level import package
#   .../lib/pythonX.Y/REST    (and lib64/, and lib-dynload/ inside it): the
#                             standard library: module REST, package "stdlib"
#   the program's own files   relative to the program's root: module the
#                             dotted relative path, package its first
#                             directory, or "(main program)" for a file in
#                             the root itself
#   any other file            module and package: its path, as it is
#
# The program's root is the directory of the script that the command line
# (meta cmd) names -- `python3 [options] SCRIPT`, found among the files of
# the Python frames -- or, for `python3 -m MOD`, the directory MOD's file is
# in, less MOD's own package directories.  A relative file name is relative
# to the root.  Without a root, absolute file names are "any other file".
# A site named by a native frame (a stack without Python frames) has its
# object file as module and the object's base name as package ("???" if
# unknown); a site without a stack has "(unknown)" for both.

MAIN_PROGRAM = "(main program)"
STDLIB = "stdlib"
_STDLIB_RE = re.compile(r"(?:^|/)lib(?:64)?/python\d+(?:\.\d+)?t?/(.*)$")
_PYTHON_OPTIONS_WITH_ARG = ("-W", "-X", "-Q", "--check-hash-based-pycs")


class ModuleNamer:
    """The module rule above; one per View (View.module_namer)."""

    def __init__(self, profile):
        self.profile = profile
        self.root = self._find_root()
        self._cache = {}

    # -- the program's root --

    def _script(self):
        """('script', PATH), ('module', NAME) or None, from meta cmd."""
        words = self.profile.meta.get("cmd", "").split()
        i = 1
        while i < len(words):
            word = words[i]
            if word == "-m" and i + 1 < len(words):
                return "module", words[i + 1]
            if word.startswith("-m") and len(word) > 2:
                return "module", word[2:]
            if word == "-c" or (word.startswith("-c") and len(word) > 2):
                return None
            if word in _PYTHON_OPTIONS_WITH_ARG:
                i += 2
                continue
            if word == "-" or not word.startswith("-"):
                return ("script", word) if word != "-" else None
            i += 1
        return None

    def _find_root(self):
        found = self._script()
        if found is None:
            return None
        how, what = found
        prof = self.profile
        files = set(f[1] for f in prof.frames if f[0] == "py" and f[1])
        # Where several files end with the name, the script is the one
        # whose frames are outermost in stacks, and not an installed one.
        outer = set()
        for kid, parent in enumerate(prof.stack_parent):
            if parent < 0:
                outer.add(prof.frames[prof.stack_frame[kid]][1])

        def rank(f):
            installed = ("/site-packages/" in f or "/dist-packages/" in f
                         or _STDLIB_RE.search(f) is not None)
            return (f not in outer, installed, f)

        if how == "script":
            script = os.path.normpath(what)
            if script in files:
                return os.path.dirname(script)
            tails = sorted((f for f in files if f.endswith("/" + script)),
                           key=rank)
            if tails:
                return os.path.dirname(tails[0])
            return None
        parts = what.split(".")
        for tail in ("/".join(parts) + ".py",
                     "/".join(parts) + "/__main__.py",
                     "/".join(parts) + "/__init__.py"):
            if tail in files:
                return ""
            tails = sorted((f for f in files if f.endswith("/" + tail)),
                           key=rank)
            if tails:
                return tails[0][:-len(tail) - 1]
        return None

    # -- names --

    def module(self, frame):
        return self._names(frame)[0]

    def package(self, frame):
        return self._names(frame)[1]

    def short_file(self, frame):
        """The file of a frame as the summary names it: the user's files
        relative to the program's root, a library's by its module path
        (csv.py, numpy/core/numeric.py), a native frame's by its object's
        base name."""
        path = frame[1] or "???"
        if frame[0] != "py":
            return os.path.basename(frame[5] or path)
        if path.startswith("<"):
            return path
        module, package = self.module(frame), self.package(frame)
        if package == STDLIB or "/site-packages/" in path \
                or "/dist-packages/" in path:
            tail = module.replace(".", "/")
            return tail + (".py" if not path.endswith("__init__.py")
                           else "/__init__.py")
        root = self.root
        if root and path.startswith(root.rstrip("/") + "/"):
            return path[len(root.rstrip("/")) + 1:]
        return path

    def _names(self, frame):
        found = self._cache.get(frame)
        if found is None:
            found = self._cache[frame] = self._compute(frame)
        return found

    def _compute(self, frame):
        if frame[0] != "py":
            obj = frame[5] or frame[1]
            if obj is None:
                return UNKNOWN_FUNCTION, UNKNOWN_FUNCTION
            return obj, os.path.basename(obj) or obj
        path = frame[1]
        if path.startswith("<") and path.endswith(">"):
            if path.startswith("<frozen ") and len(path) > 9:
                return path[8:-1], STDLIB
            return path, path
        parts = path.split("/")
        for i in range(len(parts) - 1, -1, -1):
            if parts[i] in ("site-packages", "dist-packages"):
                rest = parts[i + 1:]
                if rest:
                    return _dotted(rest), _strip_suffix(rest[0])
                break
        match = _STDLIB_RE.search(path)
        if match:
            rest = match.group(1).split("/")
            if rest[0] == "lib-dynload" and len(rest) > 1:
                rest = rest[1:]
            if rest != [""]:
                return _dotted(rest), STDLIB
        rel = self._relative(path)
        if rel is None:
            return path, path
        parts = rel.split("/")
        if len(parts) == 1:
            return _dotted(parts), MAIN_PROGRAM
        return _dotted(parts), parts[0]

    def _relative(self, path):
        """`path` relative to the program's root, or None."""
        root = self.root
        prefix = root.rstrip("/") + "/" if root else None
        if path.startswith("/"):
            if prefix and prefix.startswith("/") and path.startswith(prefix):
                return path[len(prefix):]
            return None
        # Relative: to the current directory, taken for the root.
        rel = os.path.normpath(path)
        if prefix and not prefix.startswith("/"):
            if not rel.startswith(prefix):
                return None
            rel = rel[len(prefix):]
        if rel == ".." or rel.startswith("../"):
            return None
        return rel


def _strip_suffix(name):
    for suffix in (".py", ".pyw", ".pyc"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[:-len(suffix)]
    return name


def _dotted(parts):
    """A module name from path components: 'a/b/c.py' -> 'a.b.c',
    'a/b/__init__.py' -> 'a.b'."""
    parts = list(parts)
    parts[-1] = _strip_suffix(parts[-1])
    if len(parts) > 1 and parts[-1] == "__init__":
        parts.pop()
    return ".".join(p for p in parts if p)

"""pyheap_viewer.grouping: --by (sites grouped by line, function, file, stack, module, package, class, type) and the call tree."""
# SPDX-License-Identifier: GPL-2.0-or-later

import heapq
from itertools import repeat
from operator import add

from .errors import InputError, UsageError
from .formatting import num
from .model import CLASSES, NO_OBJECT
from .naming import frame_name


class Group:
    """Live memory of the sites that share a key (a row of --by)."""

    __slots__ = ("location", "function", "sort_key", "bytes", "blocks",
                 "by_class", "stack", "n_sites", "frame", "kid", "others",
                 "user_view", "frame_is_user")

    def __init__(self, location, function, sort_key, frame, kid,
                 stack=None):
        self.location = location
        self.function = function
        self.sort_key = sort_key
        self.frame = frame          # the frame naming the group, or None
        self.kid = kid              # --by=stack: the stack id; else 0
        self.bytes = 0
        self.blocks = 0
        self.by_class = [0, 0, 0]
        self.stack = stack          # [(location, function)] for --by=stack
        self.n_sites = 0
        # The frames the other view names its sites by, with their bytes,
        # biggest first: [(frame or None, bytes)] (see group_sites()).
        self.others = None
        self.user_view = False      # named by the user frame (naming.py)
        self.frame_is_user = False  # its frame is the user's own code

    def via(self):
        """In the user view: [(frame, bytes)] of the library frames that
        allocated the group's memory (its sites' innermost frames other
        than the group's own), biggest first."""
        return [(f, b) for f, b in (self.others or ())
                if f is not None and f != self.frame]

    def user_frame(self):
        """In the innermost view: the user frame holding most of the
        group's bytes (the bytes of stacks without one do not count), or
        None if none of its stacks has one."""
        for f, _ in self.others or ():
            if f is not None:
                return f
        return None

    def to_json(self):
        obj = {
            "location": self.location,
            "function": self.function,
            "bytes": self.bytes,
            "blocks": self.blocks,
            "by_class": {name: self.by_class[i]
                         for i, name in enumerate(CLASSES)},
        }
        if self.stack is not None:
            obj["stack"] = [{"location": loc, "function": fn}
                            for loc, fn in self.stack]
        if self.others is not None:
            user = self.own_user_frame()
            obj["user_location"], obj["user_function"] = (
                frame_name(user)[:2] if user is not None else (None, None))
            if self.user_view:
                obj["via"] = [{"location": loc, "function": fn,
                               "bytes": nbytes}
                              for (loc, fn, _), nbytes in
                              ((frame_name(f), b) for f, b in self.via())]
        return obj

    def own_user_frame(self):
        """The innermost user frame of the group's memory: its own frame
        in the user view (if it is the user's), else the user frame that
        holds most of its bytes; None if there is none."""
        if self.user_view:
            return self.frame if self.frame_is_user else None
        return self.user_frame()


BY_KEYS = ("line", "function", "file", "stack", "module", "package",
           "class", "type")

# The same by the user frame (naming.py), in any report: --by=user-line.
USER_BY_KEYS = ("user-line", "user-function", "user-file", "user-module",
                "user-package")

# The noun of a --by key, singular and plural, for the reports.
BY_NOUNS = {"line": ("line", "lines"), "function": ("function", "functions"),
            "file": ("file", "files"), "stack": ("stack", "stacks"),
            "module": ("module", "modules"),
            "package": ("package", "packages"),
            "class": ("class", "classes"), "type": ("type", "types")}

# The heading of a table's last column, the group's name, by --by key.
BY_HEADINGS = {"line": "location", "function": "function (file)",
               "file": "file", "stack": "stack", "module": "module",
               "package": "package", "class": "class", "type": "type"}

# --by=type's names of raw blocks (they hold no object the tool can read).
RAW_NO_OBJECT = "(raw)"
RAW_BESIDE = "(raw, beside %s)"

# The keys whose groups are named by one string (the location) alone.
NAME_ONLY = ("file", "module", "package", "class", "type")


def nouns(n, by):
    """'1 line', '3 classes': `n` groups of a --by key."""
    return "%s %s" % (num(n), BY_NOUNS[by][0 if n == 1 else 1])


def group_sites(view, own, by="line", top=0, snap=None):
    """Group sites summed by stack (SiteTable.by_stack()) by `by`; return
    the `top` biggest Groups (all if 0), biggest first, in a GroupList.

    Ties are broken by the location (file, then line or address as a
    number), then the function, then (--by=stack) the whole stack and the
    stack id.
    """
    if by == "class":
        return _group_classes(view, own, top)
    if by == "type":
        return _group_types(view, snap, top)
    # Sum into plain lists first; make Group objects for the rows kept.
    sums = {}   # key -> [bytes, blocks, raw, pymalloc, large, sites, kid]
    others = {}  # key -> {other frame: bytes} (Locator.other_frame)
    locator = view.locator()
    site_name = locator.site_name
    other_frame = locator.other_frame
    for kid, rec in own.items():
        if by == "stack":
            key = kid
        else:
            location, function, _, _ = site_name(kid, by)
            key = location if by in NAME_ONLY else (location, function)
        frames = others.get(key)
        if frames is None:
            frames = others[key] = {}
        frame = other_frame(kid)
        frames[frame] = frames.get(frame, 0) + rec[0]
        acc = sums.get(key)
        if acc is None:
            sums[key] = [rec[0], rec[1], rec[2], rec[3], rec[4], 1, kid]
        else:
            acc[0] += rec[0]
            acc[1] += rec[1]
            acc[2] += rec[2]
            acc[3] += rec[3]
            acc[4] += rec[4]
            acc[5] += 1
    rows = list(sums.values())
    if top and len(rows) > top:
        # Only rows as big as the top-th biggest can make the cut.
        cut = heapq.nlargest(top, [acc[0] for acc in rows])[-1]
        rows = [acc for acc in rows if acc[0] >= cut]
    groups = []
    for acc in rows:
        kid = acc[6]
        location, function, sort_key, frame = site_name(kid, by)
        stack = None
        if by == "file":
            function = ""
        elif by == "stack":
            stack = [frame_name(f)[:2] for f in view.profile.stack(kid)]
        group = Group(location, function, sort_key, frame,
                      kid if by == "stack" else 0, stack)
        group.bytes, group.blocks = acc[0], acc[1]
        group.by_class = acc[2:5]
        group.n_sites = acc[5]
        key = (kid if by == "stack" else location if by in NAME_ONLY
               else (location, function))
        group.others = rank_frames(others.get(key, {}))
        group.user_view = locator.by_user
        # The stack's own user frame (a "<string>" frame site.py
        # exec'd is not the user's, whatever its file name says).
        group.frame_is_user = (frame is not None
                               and locator.user_frame(kid) == frame)
        groups.append(group)
    # Two stable sorts: the tie-break key, then bytes, biggest first.
    groups.sort(key=group_tiebreak)
    groups.sort(key=_group_bytes, reverse=True)
    return GroupList(groups[:top] if top else groups, len(sums))


def rank_frames(frames):
    """[(frame, bytes)] of {frame: bytes}, biggest first (ties: by name;
    None last)."""
    def key(item):
        frame, nbytes = item
        name = frame_name(frame)[2] if frame is not None else ("\uffff", 0)
        return (-nbytes, frame is None, name)
    return sorted(frames.items(), key=key)


def _add_user_bytes(users, key, user_frame, kid, nbytes):
    """users[key][the user frame of stack `kid`] += nbytes."""
    frames = users.get(key)
    if frames is None:
        frames = users[key] = {}
    frame = user_frame(kid)
    frames[frame] = frames.get(frame, 0) + nbytes


def _group_classes(view, own, top):
    """group_sites() for --by=class: one group per class present."""
    sums = [[0, 0, 0] for _ in CLASSES]     # bytes, blocks, sites
    users = {}      # class index -> {user frame: bytes}
    user_frame = view.locator().user_frame
    for kid, rec in own.items():
        for i in range(3):
            if rec[2 + i] or rec[5 + i]:
                acc = sums[i]
                acc[0] += rec[2 + i]
                acc[1] += rec[5 + i]
                acc[2] += 1
                _add_user_bytes(users, i, user_frame, kid, rec[2 + i])
    groups = []
    for i, name in enumerate(CLASSES):
        nbytes, nblocks, nsites = sums[i]
        if not nsites:
            continue
        group = Group(name, "", (name, 0), None, 0)
        group.bytes, group.blocks = nbytes, nblocks
        group.by_class = [0, 0, 0]
        group.by_class[i] = nbytes
        group.n_sites = nsites
        group.others = rank_frames(users[i])
        groups.append(group)
    groups.sort(key=group_tiebreak)
    groups.sort(key=_group_bytes, reverse=True)
    return GroupList(groups[:top] if top else groups, len(groups))


def _group_types(view, snap, top):
    """group_sites() for --by=type: the Python blocks by the type of the
    object each holds (the file's `y` records), and the raw blocks, which
    hold no object the tool can name, by the type their stacks made most
    of: "(raw, beside numpy.ndarray)" is the malloc'd memory of the stacks
    that made ndarrays -- their buffers -- and "(raw)" that of stacks that
    made no Python object; so the rows add up to the snapshot's heap."""
    if snap is None or snap.typed is None or snap.kind not in ("exit", "user",
                                                               "region"):
        raise InputError(
            view.profile.path, None,
            "snapshot %s has no object types: only exit, user and region "
            "snapshots record them (--by=type)"
            % (snap.n if snap is not None else "?"))
    sums = {}   # type name -> [bytes, blocks, raw, pymalloc, large, sites]
    made = {}   # kid -> {type name: bytes}: what each stack's objects are
    users = {}  # type name -> {user frame: bytes}
    user_frame = view.locator().user_frame
    for kid, cls, name, nbytes, nblocks in snap.typed:
        name = NO_OBJECT if name is None else name
        acc = sums.setdefault(name, [0, 0, 0, 0, 0, 0])
        acc[0] += nbytes
        acc[1] += nblocks
        acc[2 + cls] += nbytes
        acc[5] += 1
        _add_user_bytes(users, name, user_frame, kid, nbytes)
        if name != NO_OBJECT:
            types = made.setdefault(kid, {})
            types[name] = types.get(name, 0) + nbytes
    if snap.sites is not None and snap.kind != "region":
        for kid, cls, nbytes, nblocks in snap.sites:
            if cls != 0:
                continue            # Python blocks: the `y` records above
            types = made.get(kid)
            name = RAW_NO_OBJECT if not types else RAW_BESIDE % min(
                types.items(), key=lambda tb: (-tb[1], tb[0]))[0]
            acc = sums.setdefault(name, [0, 0, 0, 0, 0, 0])
            acc[0] += nbytes
            acc[1] += nblocks
            acc[2] += nbytes
            acc[5] += 1
            _add_user_bytes(users, name, user_frame, kid, nbytes)
    groups = []
    for name, acc in sums.items():
        group = Group(name, "", (name, 0), None, 0)
        group.bytes, group.blocks = acc[0], acc[1]
        group.by_class = acc[2:5]
        group.n_sites = acc[5]
        group.others = rank_frames(users[name])
        groups.append(group)
    groups.sort(key=group_tiebreak)
    groups.sort(key=_group_bytes, reverse=True)
    return GroupList(groups[:top] if top else groups, len(groups))


class GroupList(list):
    """Groups, with the number of groups before --top cut them."""

    def __init__(self, groups, n_groups):
        list.__init__(self, groups)
        self.n_groups = n_groups


def group_tiebreak(group):
    return (group.sort_key, group.function, group.stack or [], group.kid)


def _group_bytes(group):
    return group.bytes


class CallTree:
    """The call tree of a snapshot: stacks from the outermost caller down.

    A node is a stack id (a prefix of stacks, as in the file's trie); -1
    is the node of the sites without a stack.  `total(kid)` is
    [bytes, blocks, sites] of a node and everything below it; `own` maps
    a node to [bytes, blocks, raw_B, pymalloc_B, python_large_B] of the
    sites whose stack is exactly that node.  Only the nodes of at least
    `min_bytes` are linked to their parents (`children`, unsorted;
    `roots`): smaller ones are never shown, and what they hold is what a
    node holds beyond its listed children and its own sites.
    """

    def __init__(self, profile, own, min_bytes=0):
        self.profile = profile
        self.own = own
        parents = profile.stack_parent
        n = len(parents)
        seen = bytearray(n)
        nodes = []
        for kid in own:
            while kid >= 0 and not seen[kid]:
                seen[kid] = 1
                nodes.append(kid)
                kid = parents[kid]
        nodes.sort(reverse=True)
        t_bytes = self._bytes = [0] * n
        t_blocks = self._blocks = [0] * n
        t_sites = self._sites = [0] * n
        children = self.children = {}
        roots = self.roots = []
        top = [0, 0, 0]
        # A parent's id is smaller than its children's: sum up from the
        # highest id down.
        for kid in nodes:
            mine = own.get(kid)
            if mine is not None:
                t_bytes[kid] += mine[0]
                t_blocks[kid] += mine[1]
                t_sites[kid] += 1
            nbytes = t_bytes[kid]
            parent = parents[kid]
            if parent >= 0:
                t_bytes[parent] += nbytes
                t_blocks[parent] += t_blocks[kid]
                t_sites[parent] += t_sites[kid]
                if nbytes >= min_bytes:
                    kids = children.get(parent)
                    if kids is None:
                        children[parent] = [kid]
                    else:
                        kids.append(kid)
            else:
                top[0] += nbytes
                top[1] += t_blocks[kid]
                top[2] += t_sites[kid]
                if nbytes >= min_bytes:
                    roots.append(kid)
        none = self._none = own.get(-1)
        if none is not None:
            top[0] += none[0]
            top[1] += none[1]
            top[2] += 1
            if none[0] >= min_bytes:
                roots.append(-1)
        self.top = top

    def total(self, kid):
        if kid < 0:
            none = self._none
            return [none[0], none[1], 1] if none else [0, 0, 0]
        return [self._bytes[kid], self._blocks[kid], self._sites[kid]]

    def frame(self, kid):
        """The frame of node `kid` (None for the no-stack node)."""
        if kid < 0:
            return None
        return self.profile.frames[self.profile.stack_frame[kid]]

    def order(self, kid):
        """Sort key of a node among its siblings: bytes, biggest first,
        then the frame's location and function, then the stack id."""
        frame = self.frame(kid)
        if frame is None:
            return (-self.total(kid)[0], 1, ("", 0), "", kid)
        _, function, sort_key = frame_name(frame)
        return (-self.total(kid)[0], 0, sort_key, function, kid)


class GroupKey:
    """The --by key of each stack, for series over many snapshots: key(kid)
    is hashable; describe(key) gives (location, function, sort key, frame);
    for --by=class the key is the class index (row_key(), sums())."""

    def __init__(self, view, by):
        if by == "type":
            raise UsageError("--by=type does not go with --growth, --leaks "
                             "or the per-site limits of --check (only some "
                             "snapshots record types); each site's dominant "
                             "type is shown instead, and --type=GLOB "
                             "selects types")
        self.by = by
        self._profile = view.profile
        self._site_name = view.locator().site_name
        self._cache = {}
        self._names = {}
        self._group_of = None      # sums(): by kid + 1, a group number
        self._group_number = {}    # key -> group number
        self.group_keys = []       # numbers(): group number -> key

    def key(self, kid):
        found = self._cache.get(kid)
        if found is None:
            if self.by == "stack":
                found = kid
            else:
                location, function, _, _ = self._site_name(kid, self.by)
                found = (location if self.by in NAME_ONLY
                         else (location, function))
            self._cache[kid] = found
            if found not in self._names:
                self._names[found] = kid
        return found

    def sums(self, snap):
        """{key: [bytes, blocks]} of a snapshot's sites, keys in the order
        of their first site.

        --growth sums up to GROWTH_MAX_POINTS snapshots of tens of
        thousands of sites each: every stack gets a number once (its
        group's: numbers()), and the sums are one loop over the columns,
        with no per-stack dict as by_stack() makes."""
        out = {}
        sites = snap.sites
        if sites is None:
            return out
        if self.by == "class":
            for kid, cls, nbytes, nblocks in sites:
                acc = out.setdefault(cls, [0, 0])
                acc[0] += nbytes
                acc[1] += nblocks
            return out
        groups = self.numbers(sites.kids)
        acc_bytes = [0] * len(self.group_keys)
        acc_blocks = [0] * len(self.group_keys)
        for group, nbytes, nblocks in zip(groups, sites.bytes, sites.blocks):
            acc_bytes[group] += nbytes
            acc_blocks[group] += nblocks
        keys = self.group_keys
        for group in dict.fromkeys(groups):
            out[keys[group]] = [acc_bytes[group], acc_blocks[group]]
        return out

    def numbers(self, kids):
        """The group number of each stack of `kids` (a column of sites);
        group_keys[number] is its key (not for --by=class)."""
        group_of = self._group_of
        if group_of is None:
            group_of = self._group_of = [-1] * (
                len(self._profile.stack_parent) + 1)
        # Index kid + 1: the sites without a stack (-1) come first.
        index = list(map(add, kids, repeat(1)))
        groups = list(map(group_of.__getitem__, index))
        if -1 in groups:
            # New stacks, named in the order of their first site (as a
            # loop over the sites would: key() names a key after its first
            # stack).
            for i in dict.fromkeys(index):
                if group_of[i] < 0:
                    key = self.key(i - 1)
                    group = self._group_number.get(key)
                    if group is None:
                        group = len(self.group_keys)
                        self._group_number[key] = group
                        self.group_keys.append(key)
                    group_of[i] = group
            groups = list(map(group_of.__getitem__, index))
        return groups

    def row_key(self, kid, cls):
        """The key of an `m` or `y` row."""
        return cls if self.by == "class" else self.key(kid)

    def describe(self, key):
        """(location, function, sort key, frame) of a key."""
        if self.by == "class":
            return CLASSES[key], "", (CLASSES[key], 0), None
        kid = self._names.get(key, -1)
        location, function, sort_key, frame = self._site_name(kid, self.by)
        if self.by == "file" or self.by in ("module", "package"):
            function = ""
        return location, function, sort_key, frame

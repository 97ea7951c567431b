"""pyheap_viewer.view: the View (a profile as --filter, --depth and --type show it, with its naming caches)."""
# SPDX-License-Identifier: GPL-2.0-or-later

import array
import fnmatch
import os

from .model import NO_OBJECT, BirthTable, SiteTable
from .naming import Locator, ModuleNamer


class View:
    """One profile as the reports and exports see it.

    `profile` is the Profile, with --filter and --depth (apply_view()) and
    --type (apply_types()) applied in place; the View also keeps what the
    naming rules compute for its stacks: the ModuleNamer (the module rule
    infers the program's root from the stacks as recorded, so it is made
    before --filter or --depth rewrite them) and the Locator (by stack id:
    a new one once the stacks are rewritten).  Everything that names a
    site takes the View; nothing else holds these caches.
    """

    def __init__(self, profile, user_code=None, by_user=False):
        self.profile = profile
        self.user_code = user_code          # naming.UserCode, or None
        self.by_user = by_user              # the user view (naming.py)
        self.cut_depth = None               # --depth, once applied
        self._module_namer = None
        self._locator = None

    def module_namer(self):
        """The module rule of the profile (naming.ModuleNamer)."""
        if self._module_namer is None:
            self._module_namer = ModuleNamer(self.profile)
        return self._module_namer

    def locator(self):
        """The location rule of the profile's stacks (naming.Locator)."""
        if self._locator is None:
            self._locator = Locator(self.profile, self.module_namer,
                                    self.user_code, self.by_user,
                                    self.cut_depth)
        return self._locator

    def site_name(self, kid, by):
        """(location, function, sort key, frame) of a site (see
        Locator.site_name)."""
        return self.locator().site_name(kid, by)

    def forget_stacks(self):
        """Drop what was computed by stack id: the stacks changed."""
        self._locator = None

    def innermost(self):
        """This View without the user view: sites named by their innermost
        frame (as the exports name them), the same profile and module
        rule."""
        if not self.by_user:
            return self
        view = View(self.profile, self.user_code)
        view.cut_depth = self.cut_depth
        view._module_namer = self._module_namer
        return view


# --filter and --depth: a view of the sites, applied right after reading.
#
# --filter=GLOB keeps the sites whose recorded stack (all its frames, before
# --depth cuts it) has a frame that matches one of the GLOBs: fnmatch,
# case-sensitive, against the frame's file name (the source file, or for a
# native frame also its object file) as the file records it, against its
# base name when GLOB has no '/', and against its function name.  A site
# without a stack matches nothing.  --depth=N then cuts every stack to its
# innermost N frames: sites whose cut stacks are equal become one.  Both
# apply to every report, view and export, and to the totals (`tot`).

def _frame_matches(frame, globs):
    names = []
    if frame[1]:
        names.append(frame[1])
    if frame[0] == "c" and frame[5]:
        names.append(frame[5])
    for glob in globs:
        for name in names:
            if fnmatch.fnmatchcase(name, glob):
                return True
            if "/" not in glob and fnmatch.fnmatchcase(
                    os.path.basename(name), glob):
                return True
        if frame[3] is not None and fnmatch.fnmatchcase(frame[3], glob):
            return True
    return False


def filter_flags(profile, globs):
    """A bytearray by stack id: 1 if the stack has a matching frame."""
    parents = profile.stack_parent
    fids = profile.stack_frame
    frames = profile.frames
    matched = {}
    flags = bytearray(len(parents))
    # A parent's id is smaller than its children's.
    for kid in range(len(parents)):
        fid = fids[kid]
        hit = matched.get(fid)
        if hit is None:
            hit = matched[fid] = _frame_matches(frames[fid], globs)
        parent = parents[kid]
        flags[kid] = 1 if hit or (parent >= 0 and flags[parent]) else 0
    return flags


def truncate_stacks(profile, depth, kids):
    """New stack tables for stacks cut to their innermost `depth` frames.

    Returns (parents, fids, remap): the new trie (parents before
    children, as in the file) and an array mapping the old stack ids in
    `kids` to new ones (-1 elsewhere)."""
    old_parents = profile.stack_parent
    old_fids = profile.stack_frame
    parents = array.array("q")
    fids = array.array("q")
    interned = {}
    remap = array.array("q", [-1]) * len(old_parents)
    for kid in sorted(kids):
        if kid < 0:
            continue
        path = []
        k = kid
        while k >= 0 and len(path) < depth:
            path.append(old_fids[k])
            k = old_parents[k]
        node = -1
        for fid in reversed(path):
            key = (node, fid)
            new = interned.get(key)
            if new is None:
                new = interned[key] = len(parents)
                parents.append(node)
                fids.append(fid)
            node = new
        remap[kid] = node
    return parents, fids, remap


def _rewrite_typed(rows, keep, remap):
    """SiteTable.rewrite() for the `y` rows of a snapshot."""
    out = {}
    for kid, cls, name, nbytes, nblocks in rows:
        if keep is not None and (kid < 0 or not keep[kid]):
            continue
        if remap is not None and kid >= 0:
            kid = remap[kid]
        rec = out.get((kid, cls, name))
        if rec is None:
            out[(kid, cls, name)] = [kid, cls, name, nbytes, nblocks]
        else:
            rec[3] += nbytes
            rec[4] += nblocks
    return list(out.values())


def _rewrite_births(rows, keep, remap):
    """SiteTable.rewrite() for the `m` rows of a snapshot."""
    out = {}
    for kid, cls, birth, nbytes, nblocks in rows:
        if keep is not None and (kid < 0 or not keep[kid]):
            continue
        if remap is not None and kid >= 0:
            kid = remap[kid]
        rec = out.get((kid, cls, birth))
        if rec is None:
            out[(kid, cls, birth)] = [kid, cls, birth, nbytes, nblocks]
        else:
            rec[3] += nbytes
            rec[4] += nblocks
    return list(out.values())


def _rewrite_pinned(rows, keep, remap):
    """SiteTable.rewrite() for the `pinned` rows of a snapshot: stacks that
    become one add their bytes and blocks; their arenas may overlap, so
    the merged row counts the most any of them had (a lower bound)."""
    out = {}
    for kid, band, arenas, nbytes, nblocks in rows:
        if keep is not None and (kid < 0 or not keep[kid]):
            continue
        if remap is not None and kid >= 0:
            kid = remap[kid]
        rec = out.get((kid, band))
        if rec is None:
            out[(kid, band)] = [kid, band, arenas, nbytes, nblocks]
        else:
            rec[2] = max(rec[2], arenas)
            rec[3] += nbytes
            rec[4] += nblocks
    return list(out.values())


def apply_view(view, globs=None, depth=None):
    """Apply --filter (`globs`) and --depth to the sites the profile of
    `view` kept (snapshots' sites and totals), in place."""
    if not globs and not depth:
        return
    profile = view.profile
    tables = [s.sites for s in profile.snapshots if s.sites is not None]
    if profile.totals is not None:
        tables.append(profile.totals)
    # The module rule looks at the stacks as recorded.
    view.module_namer()
    keep = filter_flags(profile, globs) if globs else None
    remap = None
    if depth:
        used = set()
        for table in tables:
            used.update(table.kids)
        for snap in profile.snapshots:
            for rows in (snap.born, snap.pinned):
                used.update(row[0] for row in rows or ())
        used.update(row[0] for row in profile.gone)
        if keep is not None:
            used = set(k for k in used if k >= 0 and keep[k])
        parents, fids, remap = truncate_stacks(profile, depth, used)
    for table in tables:
        table.rewrite(keep, remap)
    for snap in profile.snapshots:
        if snap.typed:
            snap.typed = _rewrite_typed(snap.typed, keep, remap)
        if snap.births:
            snap.births = BirthTable(_rewrite_births(snap.births, keep,
                                                     remap))
        if snap.born:
            snap.born = BirthTable(_rewrite_births(snap.born, keep, remap))
        if snap.pinned:
            snap.pinned = _rewrite_pinned(snap.pinned, keep, remap)
    if profile.gone:
        profile.gone = [tuple(row[:2]) + tuple(row[3:]) for row in
                        _rewrite_births([list(r[:2]) + [0] + list(r[2:])
                                         for r in profile.gone],
                                        keep, remap)]
    if remap is not None:
        profile.stack_parent = parents
        profile.stack_frame = fids
        view.cut_depth = depth
    for snap in profile.snapshots:
        snap.forget_sums()
    view.forget_stacks()


class StreamView:
    """apply_view() for a profile read one snapshot at a time
    (read_profile's on_snapshot): apply(profile, snap) as each snapshot
    ends, totals(profile) once the file is read; `view` is then the View
    of that profile.

    The stacks are all known at the first snapshot; --depth cuts all of
    them (apply_view() cuts those the sites use), so stack ids may differ
    from apply_view()'s; the frames of every stack, which are what the
    reports and exports show, do not.
    """

    def __init__(self, globs=None, depth=None):
        self.globs = globs
        self.depth = depth
        self.view = None
        self.keep = self.remap = None

    def _start(self, profile):
        if self.view is not None and self.view.profile is profile:
            return
        self.view = View(profile)
        if not self.globs and not self.depth:
            return
        self.view.module_namer()
        self.keep = filter_flags(profile, self.globs) if self.globs else None
        if self.depth:
            keep = self.keep
            kids = [k for k in range(len(profile.stack_parent))
                    if keep is None or keep[k]]
            parents, fids, self.remap = truncate_stacks(profile, self.depth,
                                                        kids)
            profile.stack_parent = parents
            profile.stack_frame = fids
            self.view.cut_depth = self.depth
        self.view.forget_stacks()

    def apply(self, profile, snap):
        self._start(profile)
        if self.keep is None and self.remap is None:
            return
        if snap.sites is not None:
            snap.sites.rewrite(self.keep, self.remap)
        if snap.typed:
            snap.typed = _rewrite_typed(snap.typed, self.keep, self.remap)
        if snap.births:
            snap.births = BirthTable(_rewrite_births(snap.births, self.keep,
                                                     self.remap))
        snap.forget_sums()

    def totals(self, profile):
        self._start(profile)
        if profile.totals is not None and (self.keep is not None
                                           or self.remap is not None):
            profile.totals.rewrite(self.keep, self.remap)


# --type=GLOB: the blocks of some Python types only.

def type_matches(name, globs):
    """Whether a `y` type (None: no object) matches one of the --type
    GLOBs (fnmatch, case-sensitive; "(no object)" names None)."""
    name = NO_OBJECT if name is None else name
    return any(fnmatch.fnmatchcase(name, glob) for glob in globs)


def apply_types(profile, globs):
    """--type=GLOB, in place, after apply_view().

    In a snapshot with `y` records the sites become the blocks whose type
    matches (raw blocks hold no object and go).  In the other snapshots
    (detailed, peak, mark: the tool does not scan them for types) and in
    the `m` records, the sites kept are those whose stack holds a matching
    object in some snapshot with `y` records, with all their bytes.
    """
    if not globs:
        return
    matched = set()
    for snap in profile.snapshots:
        if snap.typed:
            for row in snap.typed:
                if type_matches(row[2], globs):
                    matched.add(row[0])
    for snap in profile.snapshots:
        if snap.sites is None:
            continue
        if snap.typed:
            rows = [row for row in snap.typed if type_matches(row[2], globs)]
            snap.typed = rows
            table = SiteTable()
            sums = {}
            for kid, cls, _, nbytes, nblocks in rows:
                acc = sums.setdefault((kid, cls), [0, 0])
                acc[0] += nbytes
                acc[1] += nblocks
            for (kid, cls), (nbytes, nblocks) in sums.items():
                table.kids.append(kid)
                table.classes.append(cls)
                table.bytes.append(nbytes)
                table.blocks.append(nblocks)
            snap.sites = table
        else:
            table = snap.sites
            keep = [i for i, kid in enumerate(table.kids) if kid in matched]
            new = SiteTable()
            new.kids = array.array("q", [table.kids[i] for i in keep])
            new.classes = array.array("b", [table.classes[i] for i in keep])
            new.bytes = array.array("Q", [table.bytes[i] for i in keep])
            new.blocks = array.array("Q", [table.blocks[i] for i in keep])
            snap.sites = new
        if snap.births:
            snap.births = BirthTable(row for row in snap.births
                                     if row[0] in matched)
        snap.forget_sums()

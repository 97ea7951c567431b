"""pyheap_viewer.exports.massif: --export=massif, the profile as a massif output file (ms_print, massif-visualizer)."""
# SPDX-License-Identifier: GPL-2.0-or-later

from ..formatting import escape
from ..model import UNKNOWN_FUNCTION, every_snapshot
from ..reports.base import Report, Spool

# Python frames have no instruction pointer; the massif export gives them
# an address that no x86-64 user-space code has: PY_ADDRESS_BASE + frame id.
PY_ADDRESS_BASE = 0x1000000000000

MASSIF_TIME_UNITS = ("i", "ms", "B")


class MassifExport(Report):
    """--export=massif of the first file, written as it is read.

    One pass over the file, so that memory does not grow with its
    snapshots: each snapshot is written as it is read, to a Spool that
    goes to the output once the whole file has been read and checked (a
    bad file still writes nothing)."""

    name = "massif"
    user_view = False

    def render(self, inputs, options, out):
        # The reader refuses a file whose snapshots are not in the order
        # of their samples, one per sample: each is written as it comes.
        stream_view = inputs.stream_view()
        done = [0]              # the samples written so far
        peak = []               # the first "peak" snapshot, once read
        lookups = []            # _lookups() of the profile, once read
        spool = Spool()

        def take(profile, snap):
            if not done[0]:
                spool.write("\n".join(_massif_head(profile)) + "\n")
            if snap.kind == "peak" and not peak:
                peak.append(snap)
            stream_view.apply(profile, snap)
            if not lookups:
                # The stacks are final once the first snapshot is read.
                lookups.append(_lookups(profile))
            lines = []
            for i in range(done[0], snap.n):
                _massif_sample(profile, i, None, None, options.threshold,
                               lines)
            _massif_sample(profile, snap.n, snap, peak[0] if peak else None,
                           options.threshold, lines, lookups[0])
            done[0] = snap.n + 1
            spool.write("\n".join(lines) + "\n")

        with spool:
            profile = inputs.stream(sites=every_snapshot, on_snapshot=take)
            if not done[0]:
                spool.write("\n".join(_massif_head(profile)) + "\n")
            lines = []
            for i in range(done[0], len(profile.samples)):
                _massif_sample(profile, i, None, None, options.threshold,
                               lines)
            if lines:
                spool.write("\n".join(lines) + "\n")
            spool.copy_to(out)
        return 0


def _massif_label(frame, fid):
    """A node's text as massif's VG_(describe_IP) writes it."""
    if frame is None:
        return "0x0: ??? (no stack recorded)"
    if frame[0] == "py":
        return "0x%X: %s (%s:%d)" % (PY_ADDRESS_BASE + fid,
                                     escape(frame[3]),
                                     escape(frame[1]), frame[2])
    text = "0x%X: %s" % (frame[4], escape(frame[3])
                         if frame[3] is not None else UNKNOWN_FUNCTION)
    if frame[1] is not None:
        text += " (%s:%d)" % (escape(frame[1]), frame[2])
    elif frame[5] is not None:
        text += " (in %s)" % escape(frame[5])
    return text


def export_massif(profile, threshold):
    """The profile as a massif output file (ms_print, massif-visualizer).

    One massif snapshot per sample, numbered like the samples; the samples
    with a pyheap snapshot (but a region's, which holds part of the heap)
    are detailed (the peak snapshot: "peak") with their heap tree;
    mem_heap_B is the heap (the three classes), mem_heap_extra_B and
    mem_stacks_B are 0.  The tree is massif's: from
    the allocating frame out to the outermost caller, children biggest
    first, those below `threshold` percent of the heap folded as massif
    does.
    """
    out = _massif_head(profile)
    by_n = {}
    for snap in profile.snapshots:
        by_n.setdefault(snap.n, snap)
    peak = profile.peak_snapshot
    lookups = _lookups(profile)
    for i in range(len(profile.samples)):
        _massif_sample(profile, i, by_n.get(i), peak, threshold, out,
                       lookups)
    return "\n".join(out) + "\n"


# In _lookups()' lists: the "frame" of a site whose stack ended at the
# node (it has no child there).
_ENDED = -3


def _lookups(profile):
    """(frame id, next stack outwards) by stack id, for _massif_tree():
    index -2 is a site without a stack (its frame -2, then nothing), -1
    a site whose stack has ended (_ENDED)."""
    fid_of = list(profile.stack_frame) + [-2, _ENDED]
    next_of = list(profile.stack_parent) + [-1, -1]
    return fid_of, next_of


def _massif_head(profile):
    """The first lines of the massif export."""
    meta = profile.meta
    unit = profile.time_unit if profile.time_unit in MASSIF_TIME_UNITS \
        else "i"
    return ["desc: %s" % (escape(meta.get("options", "")) or "(none)"),
            "cmd: %s" % (escape(meta.get("cmd", "")) or "(unknown)"),
            "time_unit: %s" % unit]


def _massif_sample(profile, i, snap, peak, threshold, out, lookups=None):
    """Append massif's snapshot of sample `i` to `out`: `snap` is the first
    pyheap snapshot at that sample (or None), `peak` the peak snapshot,
    `lookups` the profile's _lookups() (needed with a snapshot)."""
    smp = profile.samples
    kind = "empty"
    # A mark snapshot thinned to its class totals has no tree to show.
    if (snap is not None and snap.sites is not None
            and snap.kind != "region" and snap.has_sites):
        kind = ("peak" if peak is not None and snap.index == peak.index
                else "detailed")
    heap = smp.heap_B[i]
    if kind != "empty":
        own = _bytes_by_stack(snap)
        # ms_print refuses a tree bigger than the heap: never the case
        # in a consistent file, whose sites add up to the heap.
        heap = max(heap, sum(own.values()))
    out.extend(("#-----------", "snapshot=%d" % i, "#-----------",
                "time=%d" % smp.time[i],
                "mem_heap_B=%d" % heap,
                "mem_heap_extra_B=0", "mem_stacks_B=0",
                "heap_tree=%s" % kind))
    if kind != "empty":
        _massif_tree(profile, snap, own, threshold, out, lookups)


def _bytes_by_stack(snap):
    """{kid: bytes} of a snapshot's sites, in the order of by_stack()."""
    own = {}
    get = own.get
    for kid, nbytes in zip(snap.sites.kids, snap.sites.bytes):
        own[kid] = get(kid, 0) + nbytes
    return own


def _massif_tree(profile, snap, own, threshold, out, lookups):
    """Append the massif heap tree of `snap` to `out`; `own` is
    _bytes_by_stack(snap), `lookups` _lookups(profile)."""
    frames = profile.frames
    fid_of, next_of = lookups
    # The tree is the inverted trie of the stacks, from the allocating
    # frame outwards.  It is built top-down, and only below the nodes that
    # are shown: a node is [bytes, ks, bs], ks and bs the k and bytes of
    # the sites whose stacks pass through it, k the stack id whose frame
    # is the site's next frame outwards (-1: the stack ends at the node;
    # -2 at the root: the site has no stack).  Its children are its sites
    # grouped by that frame, in the order the sites first reach them, as
    # an inverted trie of every site would have them; but a node below
    # the threshold is folded, and nothing under it is ever looked at.
    # (Two lists, not a tuple per site and node: a big file's snapshot
    # has tens of thousands of sites, each passing through a few nodes.)
    ks = [kid if kid >= 0 else -2 for kid in own]
    bs = list(own.values())
    root = [sum(bs), ks, bs]
    heap = snap.heap_B
    min_bytes = threshold * heap / 100.0
    # Depth-first without recursion; entries (depth, fid, node) or
    # (depth, None, (bytes, count)) for a folded line.
    todo = [(0, -1, root)]
    while todo:
        depth, fid, node = todo.pop()
        indent = " " * depth
        if fid is None:
            nbytes, count = node
            out.append("%sn0: %d in %d place%s, %sbelow massif's threshold "
                       "(%.2f%%)" % (indent, nbytes, count,
                                     "" if count == 1 else "s",
                                     "" if count == 1 else "all ",
                                     threshold))
            continue
        children = {}       # fid (-2: no stack) -> [bytes, ks, bs]
        ks = node[1]
        for cfid, nxt, nbytes in zip(map(fid_of.__getitem__, ks),
                                     map(next_of.__getitem__, ks), node[2]):
            child = children.get(cfid)
            if child is None:
                children[cfid] = [nbytes, [nxt], [nbytes]]
            else:
                child[0] += nbytes
                child[1].append(nxt)
                child[2].append(nbytes)
        children.pop(_ENDED, None)
        kids = []
        folded = [0, 0]
        for cfid, child in children.items():
            if child[0] >= min_bytes and child[0] > 0:
                frame = frames[cfid] if cfid >= 0 else None
                label = _massif_label(frame, cfid)
                kids.append((-child[0], label, cfid, child))
            else:
                folded[0] += child[0]
                folded[1] += 1
        kids.sort(key=lambda entry: entry[:2])
        n_children = len(kids) + (1 if folded[1] else 0)
        if fid == -1:
            label = ("(heap allocation functions) malloc/new/new[], "
                     "--alloc-fns, etc.")
        else:
            label = _massif_label(frames[fid] if fid >= 0 else None, fid)
        out.append("%sn%d: %d %s" % (indent, n_children, node[0], label))
        if folded[1]:
            todo.append((depth + 1, None, tuple(folded)))
        for _, _, cfid, child in reversed(kids):
            todo.append((depth + 1, cfid, child))

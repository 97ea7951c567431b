"""pyheap: labelled heap snapshots, regions and iteration marks for Python code under pyheap."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage:
#
#     import pyheap
#     load_everything()
#     pyheap.snapshot("after-load")     # pyheap_print --at=after-load
#     for batch in batches:
#         process(batch)
#         pyheap.mark("batch")          # one iteration ends here
#
# Under `valgrind --tool=pyheap`, pyheap's preload library is loaded into
# the process and exports the functions called here; this module finds
# them through ctypes.  Anywhere else (a plain run, another Valgrind tool)
# they are absent and every call does nothing, so the calls can stay in the
# code.

import ctypes

__all__ = ["snapshot", "mark", "region", "running"]

_MAX_LABEL_BYTES = 200          # PYHEAP_LABEL_MAX in pyheap.h


class _RegionStats(ctypes.Structure):
    # PyheapRegionStats in pyheap.h
    _fields_ = [("live_bytes", ctypes.c_ulonglong),
                ("live_blocks", ctypes.c_ulonglong),
                ("peak_increase", ctypes.c_ulonglong)]


def _lookup():
    try:
        process = ctypes.CDLL(None)
        # Snapshots and marks are taken with the GIL held (PyDLL): the
        # preload then checks its allocator hooks, which calls the allocators.
        holding_gil = ctypes.PyDLL(None)
        funcs = (holding_gil.pyheap_snapshot, process.pyheap_running,
                 process.pyheap_region_begin, process.pyheap_region_end,
                 holding_gil.pyheap_mark)
    except (OSError, AttributeError):
        return None, None, None, None, None
    snap, is_running, begin, end, mark_ = funcs
    snap.argtypes = [ctypes.c_char_p]
    snap.restype = None
    mark_.argtypes = [ctypes.c_char_p]
    mark_.restype = None
    is_running.argtypes = []
    is_running.restype = ctypes.c_int
    begin.argtypes = [ctypes.c_char_p]
    begin.restype = None
    end.argtypes = [ctypes.POINTER(_RegionStats)]
    end.restype = ctypes.c_ulong
    return funcs


_snapshot, _running, _region_begin, _region_end, _mark = _lookup()


def _label_bytes(label, what):
    if not isinstance(label, str):
        raise TypeError("pyheap.%s() label must be str, not %s"
                        % (what, type(label).__name__))
    data = label.encode("utf-8", "replace")[:_MAX_LABEL_BYTES]
    return data.replace(b"\0", b" ")


def running():
    """Return True when the program runs under pyheap."""
    return bool(_running is not None and _running())


def snapshot(label):
    """Take a detailed heap snapshot named *label* (a str).

    The label names the snapshot in the report (``pyheap_print --at=LABEL``).
    Outside pyheap this does nothing.
    """
    data = _label_bytes(label, "snapshot")
    if _snapshot is not None:
        _snapshot(data)


def mark(label="iteration"):
    """End one iteration of the program's repeated work.

    Call it once per unit of work (a batch, a request, a file processed).
    Iteration 1 runs from the start to the first mark, iteration k from
    mark k-1 to mark k.  Each mark becomes a snapshot of kind "mark" named
    *label* (a str) that says, by stack, how many bytes each of the last
    ``--mark-window`` iterations allocated and still holds: what grows.
    Outside pyheap this does nothing.
    """
    data = _label_bytes(label, "mark")
    if _mark is not None:
        _mark(data)


class region:
    """What a piece of code left behind.

        with pyheap.region("load-config") as r:
            config = load_config()
        print(r.live_bytes, r.live_blocks, r.peak_increase)

    On exit, the blocks allocated inside the ``with`` block and still live
    become a snapshot of kind "region" with this name
    (``pyheap_print --at=NAME``), and the attributes are set:
    ``live_bytes`` and ``live_blocks`` (allocated inside, still live) and
    ``peak_increase`` (highest heap inside minus the heap on entry).
    Regions nest.  Outside pyheap the attributes stay None.
    """

    def __init__(self, name):
        self.name = name
        self._data = _label_bytes(name, "region")
        self.live_bytes = self.live_blocks = self.peak_increase = None

    def __enter__(self):
        if _region_begin is not None:
            # Made before the region opens, so that they are not counted
            # as left behind by it.
            self._stats = _RegionStats()
            self._stats_ref = ctypes.byref(self._stats)
            _region_begin(self._data)
        return self

    def __exit__(self, *exc):
        if _region_end is not None:
            _region_end(self._stats_ref)
            self.live_bytes = self._stats.live_bytes
            self.live_blocks = self._stats.live_blocks
            self.peak_increase = self._stats.peak_increase
        return False

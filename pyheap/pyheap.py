"""pyheap: take labelled heap snapshots from Python code running under pyheap."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage:
#
#     import pyheap
#     load_everything()
#     pyheap.snapshot("after-load")     # pyheap_print --at=after-load
#
# Under `valgrind --tool=pyheap`, pyheap's preload library is loaded into
# the process and exports the functions called here; this module finds
# them through ctypes.  Anywhere else (a plain run, another Valgrind tool)
# they are absent and every call does nothing, so the calls can stay in the
# code.

import ctypes

__all__ = ["snapshot", "running"]

_MAX_LABEL_BYTES = 200


def _lookup():
    try:
        process = ctypes.CDLL(None)
        snap = process.pyheap_snapshot
        is_running = process.pyheap_running
    except (OSError, AttributeError):
        return None, None
    snap.argtypes = [ctypes.c_char_p]
    snap.restype = None
    is_running.argtypes = []
    is_running.restype = ctypes.c_int
    return snap, is_running


_snapshot, _running = _lookup()


def running():
    """Return True when the program runs under pyheap."""
    return bool(_running is not None and _running())


def snapshot(label):
    """Take a detailed heap snapshot named *label* (a str).

    The label names the snapshot in the report (``pyheap_print --at=LABEL``).
    Outside pyheap this does nothing.
    """
    if not isinstance(label, str):
        raise TypeError("pyheap.snapshot() label must be str, not %s"
                        % type(label).__name__)
    if _snapshot is None:
        return
    data = label.encode("utf-8", "replace")[:_MAX_LABEL_BYTES]
    _snapshot(data.replace(b"\0", b" "))

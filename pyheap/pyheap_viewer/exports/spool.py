"""pyheap_viewer.exports.spool: an export's output held back until the whole file has been read and checked."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The streamed exports (massif, JSON) write each snapshot as it is read
# and drop it, so that memory does not grow with the file.  A bad file
# must still write nothing, and the JSON export's head (the totals, the
# frames used) is known only at the end of the file.  They read the file
# twice for that, once to check it and find the head, then to write; the
# reading is most of their time.  Now they read it once, writing to a
# Spool: memory up to SPOOL_BYTES, then a temporary file, which goes to
# the output once the file is read.

import tempfile

# The output held in memory before the spool moves to a temporary file.
SPOOL_BYTES = 1 << 24


class Spool:
    """write(text) now, copy_to(out) once the file is read; a context
    manager (the temporary file goes on exit)."""

    def __init__(self):
        self._file = tempfile.SpooledTemporaryFile(
            max_size=SPOOL_BYTES, mode="w+", encoding="utf-8",
            errors="surrogateescape")

    def write(self, text):
        self._file.write(text)

    def copy_to(self, out):
        """Write what was spooled to `out` (out.write(text)), in pieces."""
        self._file.seek(0)
        while True:
            piece = self._file.read(SPOOL_BYTES)
            if not piece:
                break
            out.write(piece)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._file.close()

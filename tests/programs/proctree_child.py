"""pyheap test program: the Python child of proctree_app.py: one known allocation it keeps to the end."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: python3 proctree_child.py FACTS.json: writes its pid, its
# parent's and the size of its buffer.

import json
import os
import sys

BUFFER = [0] * 50000                                           # LINE:buffer

with open(sys.argv[1], "w") as f:
    json.dump({"pid": os.getpid(), "ppid": os.getppid(),
               "buffer_B": sys.getsizeof(BUFFER) - sys.getsizeof([])}, f)

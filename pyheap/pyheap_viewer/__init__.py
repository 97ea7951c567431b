"""pyheap_viewer: the code of pyheap_print (placeholder docstring)."""
# SPDX-License-Identifier: GPL-2.0-or-later

VERSION = "0.1.0"
PROG = "pyheap_print"

"""The sample program's own package (see ../realapp.py)."""
# SPDX-License-Identifier: GPL-2.0-or-later

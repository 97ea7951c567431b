"""pyheap_viewer.exports: the formats other tools read (massif, collapsed stacks, speedscope, JSON), each a Report."""
# SPDX-License-Identifier: GPL-2.0-or-later

"""pyheap_viewer.reports: the reports of pyheap_print, one per module, each a Report (reports/base.py)."""
# SPDX-License-Identifier: GPL-2.0-or-later

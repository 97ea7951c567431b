#!/bin/sh
# pyheap: regenerate the build system (configure, Makefile.in) from configure.ac and Makefile.am.
# SPDX-License-Identifier: GPL-2.0-or-later
set -e
cd "$(dirname "$0")"
autoreconf --install --force

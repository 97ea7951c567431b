"""Heavy stdlib imports at start and lazily during the run; the loop itself keeps nothing."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# NO LEAK: a large set of modules is imported at start-up, and three
# handlers import their module lazily on first use, at about 20%, 50% and
# 80% of the run.  Each import adds code objects, module dicts, interned
# strings -- memory that steps up and then stays, however long the run.
import argparse  # NOLEAK
import asyncio  # NOLEAK
import decimal  # NOLEAK
import email.parser  # NOLEAK
import http.client  # NOLEAK
import json  # NOLEAK
import logging.handlers  # NOLEAK
import os
import unittest  # NOLEAK
import xml.dom.minidom  # NOLEAK

N = int(12000 * float(os.environ.get("LEAKCORPUS_SCALE", "1")))


def export_tar(i):
    import tarfile  # NOLEAK
    return tarfile.TarInfo("export-%d.csv" % i).name


def spread(i):
    import statistics  # NOLEAK
    return statistics.fmean([i % 7, i % 11, i % 13]) / 13


def render_doc(i):
    import pydoc  # NOLEAK
    return len(pydoc.text.bold("report %d" % i))


def handle(i):
    doc = json.dumps({"id": i, "value": str(decimal.Decimal(i) / 7)})
    msg = email.parser.Parser().parsestr("Subject: %d\n\n%s" % (i, doc))
    out = len(msg["Subject"])
    if i >= N // 5:
        out += len(export_tar(i))
    if i >= N // 2:
        out += int(spread(i) * 10)
    if i >= N * 4 // 5:
        out += render_doc(i)
    return out


def main():
    total = 0
    for i in range(N):
        total += handle(i)
    parsers = (argparse, asyncio, http.client, logging.handlers, unittest, xml.dom.minidom)
    print("handled", N, "requests,", total, len(parsers))


if __name__ == "__main__":
    main()

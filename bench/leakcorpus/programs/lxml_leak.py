"""Parsed lxml documents kept in a dict "for a later audit": libxml2 trees pile up in C memory."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# LEAK: each order document is parsed with lxml.etree.fromstring and its
# root element is stored in a module-level dict.  The root keeps the whole
# libxml2 document alive: tens of KB of C malloc memory per document that
# tracemalloc cannot see (only the small Python proxies are traced).
# Needs lxml (Debian: python3-lxml); without it the program exits 77.
import os
import sys

try:
    from lxml import etree
except ImportError:
    print("lxml_leak: needs lxml (python3-lxml); skipped", file=sys.stderr)
    sys.exit(77)

N = int(500 * float(os.environ.get("LEAKCORPUS_SCALE", "1")))
AUDIT = {}


def order_xml(i):
    items = "".join(
        '<item sku="SKU-%05d" qty="%d"><name>Part %d of order %d</name><price>%d.%02d</price></item>'
        % ((i * 31 + k) % 99999, k % 5 + 1, k, i, k * 3 % 200, k % 100)
        for k in range(40))
    return ('<order id="%d" customer="c-%d">%s</order>' % (i, i % 211, items)).encode()


def main():
    revenue = 0.0
    for i in range(N):
        root = etree.fromstring(order_xml(i))  # LEAK
        revenue += sum(float(p.text) for p in root.iterfind("item/price"))
        AUDIT[root.get("id")] = root  # LEAK
    print("revenue %.2f from %d orders, %d kept" % (revenue, N, len(AUDIT)))


if __name__ == "__main__":
    main()

"""The fixed order parser: only a total per run is kept, each lxml document dies with its loop turn."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# NO LEAK: the same parsing as lxml_leak.py; nothing keeps a reference to
# a parsed document once its prices are summed, so libxml2 frees each tree.
# Needs lxml (Debian: python3-lxml); without it the program exits 77.
import os
import sys

try:
    from lxml import etree
except ImportError:
    print("lxml_fixed: needs lxml (python3-lxml); skipped", file=sys.stderr)
    sys.exit(77)

N = int(500 * float(os.environ.get("LEAKCORPUS_SCALE", "1")))


def order_xml(i):
    items = "".join(
        '<item sku="SKU-%05d" qty="%d"><name>Part %d of order %d</name><price>%d.%02d</price></item>'
        % ((i * 31 + k) % 99999, k % 5 + 1, k, i, k * 3 % 200, k % 100)
        for k in range(40))
    return ('<order id="%d" customer="c-%d">%s</order>' % (i, i % 211, items)).encode()


def main():
    revenue = 0.0
    for i in range(N):
        root = etree.fromstring(order_xml(i))  # NOLEAK
        revenue += sum(float(p.text) for p in root.iterfind("item/price"))
    print("revenue %.2f from %d orders" % (revenue, N))


if __name__ == "__main__":
    main()

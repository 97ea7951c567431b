"""A memo cache that fills in the first quarter of the requests, after which each request does very little."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# NO LEAK (bounded growth): cache_fills.py with a cheap request: once the
# 2,500 postcodes are cached, a request formats one short label.  Counted
# in requests the cache stops growing at a quarter of the run; counted in
# bytes allocated (--time-unit=B) start-up and fill are over half of the
# run, so the plateau is short.  A longer run still holds exactly as much.
import os

N = int(10000 * float(os.environ.get("LEAKCORPUS_SCALE", "1")))
POSTCODES = 2500

_GEO = {}


def geocode(postcode):
    hit = _GEO.get(postcode)
    if hit is None:
        hit = {"postcode": "%05d" % postcode, "lat": 40 + postcode / 1e4, "lon": -3 - postcode / 1e4, "district": "district %d" % (postcode % 97), "names": ["street %d" % (postcode * k % 1000) for k in range(4)]}  # NOLEAK
        _GEO[postcode] = hit  # NOLEAK
    return hit


def main():
    total = 0
    for i in range(N):
        spot = geocode((i * 7919) % POSTCODES)
        label = "%s @ %.4f,%.4f" % (spot["district"], spot["lat"], spot["lon"])
        total += len(label)
    print("answered", N, "requests,", len(_GEO), "postcodes cached,", total)


if __name__ == "__main__":
    main()

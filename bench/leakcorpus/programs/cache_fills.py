"""A memo cache over a fixed key space: it fills during the first quarter of the run, then only hits."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# NO LEAK (bounded growth): geocode() memoises its answer per postcode, and
# there are 2,500 postcodes.  The requests walk all of them in the first
# 2,500 requests (a permutation), so the cache grows steadily for a quarter
# of the run and then stays the same size: the survivors were all born
# early.  A longer run holds exactly as much.  Each request also formats
# an answer of ~1 KB, so that the plateau is most of the run whether time
# is counted in requests or in bytes allocated.
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
    total = 0.0
    for i in range(N):
        spot = geocode((i * 7919) % POSTCODES)
        answer = "".join('{"district": "%s", "lat": %.4f, "lon": %.4f, "rank": %d}\n'
                         % (spot["district"], spot["lat"], spot["lon"], k) for k in range(12))
        total += len(answer)
    print("answered", N, "requests,", len(_GEO), "postcodes cached,", total)


if __name__ == "__main__":
    main()

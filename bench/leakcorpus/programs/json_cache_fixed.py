"""json.dumps results memoised under what determines them, in a bounded cache."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# NO LEAK: the same renderer as json_cache_leak.py, keyed by (product,
# version), the inputs that determine the output, with at most 256 entries.
# 50 products: the cache fills in the first 50 requests and then only hits.
import json
import os

N = int(4000 * float(os.environ.get("LEAKCORPUS_SCALE", "1")))
MAX_ENTRIES = 256

_RENDERED = {}


def build(i):
    return {"product": i % 50, "version": 3, "name": "Product %d" % (i % 50),
            "tags": ["tag-%d" % k for k in range(6)], "price": (i % 50) * 1.25,
            "stock": {"warehouse-%d" % w: (i % 50 + w) % 17 for w in range(8)}}


def render(request_id, payload):
    key = (payload["product"], payload["version"])
    text = _RENDERED.get(key)
    if text is None:
        text = json.dumps(payload, sort_keys=True, indent=1)  # NOLEAK
        if len(_RENDERED) >= MAX_ENTRIES:
            del _RENDERED[next(iter(_RENDERED))]
        _RENDERED[key] = text  # NOLEAK
    return text


def main():
    size = 0
    for i in range(N):
        size += len(render("req-%07d" % i, build(i)))
    print("rendered", N, "responses,", size, "bytes;", len(_RENDERED), "cached")


if __name__ == "__main__":
    main()

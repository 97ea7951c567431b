"""json.dumps results memoised under a key that is new for every request."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# LEAK: render() caches the serialised response under (request id,
# version).  The request id never repeats, so every entry is a miss and
# stays: the cache grows by one JSON string (made inside json/encoder.py)
# per request.
import json
import os

N = int(4000 * float(os.environ.get("LEAKCORPUS_SCALE", "1")))

_RENDERED = {}


def build(i):
    return {"product": i % 50, "version": 3, "name": "Product %d" % (i % 50),
            "tags": ["tag-%d" % k for k in range(6)], "price": (i % 50) * 1.25,
            "stock": {"warehouse-%d" % w: (i + w) % 17 for w in range(8)}}


def render(request_id, payload):
    key = (request_id, payload["version"])  # LEAK-ALSO
    text = _RENDERED.get(key)
    if text is None:
        text = json.dumps(payload, sort_keys=True, indent=1)  # LEAK
        _RENDERED[key] = text  # LEAK
    return text


def main():
    size = 0
    for i in range(N):
        size += len(render("req-%07d" % i, build(i)))  # LEAK-ALSO
    print("rendered", N, "responses,", size, "bytes;", len(_RENDERED), "cached")


if __name__ == "__main__":
    main()

"""Dict and str churn: dicts of strings built and dropped, json trips."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Allocations (bench/run --count-allocs: memcheck, CPython 3.11.2, start-up
# subtracted): 13,322,081 with PYTHONMALLOC=malloc (every allocation event),
# 7,639 of them reach malloc with pymalloc on.

import json


def record(i):
    return {
        "id": "rec-%06d" % i,
        "name": "name_" + str(i * 7919 % 10007),
        "email": "user%d@example.org" % (i % 5003),
        "tags": ["t%d" % (i % 13), "u%d" % (i % 17)],
        "score": str(i * 3.25),
    }


def main():
    digest = 0
    for rnd in range(35):
        recs = [record(rnd * 5000 + i) for i in range(5000)]
        text = json.dumps(recs)
        back = json.loads(text)
        index = {r["id"]: r for r in back}
        words = {}
        for r in back:
            for w in r["name"].split("_") + r["email"].split("@"):
                words[w.upper()] = words.get(w.upper(), 0) + 1
        digest += len(text) + len(index) + len(words)
        del recs, text, back, index, words
    print("dict_str_churn", digest)


if __name__ == "__main__":
    main()

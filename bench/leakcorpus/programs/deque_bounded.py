"""A bounded deque(maxlen=2000) of recent events that fills at half the run and then rolls."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# NO LEAK (bounded): the last 2,000 events are kept for a status page.  At
# LEAKCORPUS_SCALE=1 (4,000 events) the deque fills at half the run, then
# drops its oldest event for each new one.  Every survivor at exit was
# born in the second half of the run, steadily -- a rule that calls
# "survivors born late and steadily" a leak gets this wrong; the held
# memory does not grow with the length of the run.
import collections
import os

N = int(4000 * float(os.environ.get("LEAKCORPUS_SCALE", "1")))

RECENT = collections.deque(maxlen=2000)


def handle(i):
    event = {"seq": i, "kind": ("login", "view", "buy")[i % 3], "detail": "event %d " % i * 12}  # NOLEAK
    RECENT.append(event)  # NOLEAK
    return len(event["detail"])


def main():
    total = 0
    for i in range(N):
        total += handle(i)
    print("handled", N, "events,", total, "bytes;", len(RECENT), "recent kept")


if __name__ == "__main__":
    main()

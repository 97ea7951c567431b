"""Worker threads hand results over through a shared dict that the consumer drains."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# NO LEAK: the same workers as threads_dict_leak.py; the main thread takes
# the results out of the dict (pop under the lock) as it consumes them, so
# the dict holds only results not yet consumed, a number bounded by how far
# the workers run ahead (they wait when 64 are pending).
import os
import threading

N = int(8000 * float(os.environ.get("LEAKCORPUS_SCALE", "1")))
WORKERS = 4
MAX_PENDING = 64

RESULTS = {}
LOCK = threading.Condition()


def render(job):
    return "|".join("%06d:%02d" % (job, k) for k in range(24))


def worker(wid, jobs):
    for job in jobs:
        page = render(job) + "\n"  # NOLEAK
        with LOCK:
            while len(RESULTS) >= MAX_PENDING:
                LOCK.wait()
            RESULTS[job] = (wid, page)  # NOLEAK
            LOCK.notify_all()


def main():
    threads = [threading.Thread(target=worker, args=(w, range(w, N, WORKERS)))
               for w in range(WORKERS)]
    for t in threads:
        t.start()
    checked = 0
    consumed = 0
    while consumed < N:
        with LOCK:
            while not RESULTS:
                LOCK.wait()
            batch = [RESULTS.pop(job) for job in list(RESULTS)]
            LOCK.notify_all()
        for wid, page in batch:
            checked += len(page)
        consumed += len(batch)
    for t in threads:
        t.join()
    print("rendered", N, "jobs;", checked, "bytes checked;", len(RESULTS), "kept")


if __name__ == "__main__":
    main()

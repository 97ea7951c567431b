"""Worker threads publish results into a shared dict that nobody removes them from."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# LEAK: four threads render jobs and store each result under its job id in
# a module-level dict (behind a lock).  The consumer only reads the results
# it needs and never deletes them, so the dict keeps every rendered page.
import os
import threading

N = int(8000 * float(os.environ.get("LEAKCORPUS_SCALE", "1")))
WORKERS = 4

RESULTS = {}
LOCK = threading.Lock()


def render(job):
    return "|".join("%06d:%02d" % (job, k) for k in range(24))


def worker(wid, jobs):
    for job in jobs:  # LEAK-ALSO
        page = render(job) + "\n"  # LEAK
        with LOCK:
            RESULTS[job] = (wid, page)  # LEAK


def main():
    threads = [threading.Thread(target=worker, args=(w, range(w, N, WORKERS)))
               for w in range(WORKERS)]
    for t in threads:
        t.start()
    checked = 0
    for t in threads:
        t.join()
    with LOCK:
        for job in range(0, N, 97):
            checked += len(RESULTS[job][1])
    print("rendered", N, "jobs;", checked, "bytes checked;", len(RESULTS), "kept")


if __name__ == "__main__":
    main()

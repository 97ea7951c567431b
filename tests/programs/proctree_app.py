"""pyheap test program: a process tree: a Pool of 2 forked workers, one of which leaks, and a Python child run by subprocess."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: python3 proctree_app.py FACTS.json [--fixed]
#
# The parent starts a multiprocessing Pool of 2 workers (the fork start
# method); each worker takes a number from a queue as it starts, each
# runs half of the tasks, and worker 0 keeps every task's payload in a
# module-level list (the leak; --fixed: it does not).  The parent then
# runs proctree_child.py with subprocess.run([sys.executable, ...])
# (followed with --trace-children=yes) and writes FACTS.json: its pid,
# each worker's pid, number, tasks and the bytes it kept, and the child's
# pid.  Each task ends with pyheap.mark("task"): a worker's iterations are
# its tasks.

import json
import multiprocessing
import os
import subprocess
import sys

import pyheap

PAYLOAD_B = 20000
TASKS = 24

KEPT = []
WORKER = {}


def start_worker(numbers, pairs):
    WORKER["number"] = numbers.get()
    WORKER["tasks"] = 0
    WORKER["kept_B"] = 0
    WORKER["pairs"] = pairs


def task(i):
    # Tasks run in pairs, one in each worker: a worker waiting here takes
    # no other task, so each runs exactly half of them.
    WORKER["pairs"].wait()
    WORKER["tasks"] += 1
    if WORKER["number"] == 0 and not FIXED:
        KEPT.append(bytes(PAYLOAD_B))                          # LINE:leak
        WORKER["kept_B"] += sys.getsizeof(KEPT[-1])
    else:
        # The same work, not kept.
        payload = bytes(PAYLOAD_B)
        WORKER["work_B"] = len(payload)
    # One iteration per task: --max-growth-per-iter and --leaks read the
    # marks.
    pyheap.mark("task")
    return (os.getpid(), WORKER["number"], WORKER["tasks"],
            WORKER["kept_B"])


def main(facts_path):
    context = multiprocessing.get_context("fork")
    numbers = context.Queue()
    for number in range(2):
        numbers.put(number)
    workers = {}
    pairs = context.Barrier(2)
    with context.Pool(2, initializer=start_worker,
                      initargs=(numbers, pairs)) as pool:
        for pid, number, tasks, kept_B in pool.map(task, range(TASKS),
                                                   chunksize=1):
            seen = workers.setdefault(pid, {"number": number, "tasks": 0,
                                            "kept_B": 0})
            seen["tasks"] = max(seen["tasks"], tasks)
            seen["kept_B"] = max(seen["kept_B"], kept_B)
        pool.close()
        pool.join()
    child = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                         "proctree_child.py")
    done = subprocess.run([sys.executable, child, facts_path + ".child"],
                          check=True)
    with open(facts_path + ".child") as f:
        child_pid = json.load(f)["pid"]
    with open(facts_path, "w") as f:
        json.dump({"pid": os.getpid(), "child": child_pid,
                   "child_status": done.returncode,
                   "workers": {str(pid): seen
                               for pid, seen in workers.items()}}, f)


FIXED = "--fixed" in sys.argv[2:]

if __name__ == "__main__":
    main(sys.argv[1])

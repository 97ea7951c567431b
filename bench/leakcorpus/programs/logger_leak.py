"""A request handler that asks logging for a new logger per request."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# LEAK: logging.getLogger(name) registers every Logger in the logging
# manager's loggerDict for the life of the process.  Naming a logger after
# the request ("req.<n>") creates one Logger (its dict, its level cache,
# its name) per request, and none is ever released.  The allocations happen
# inside logging/__init__.py; the user's line is the getLogger call.
import io
import logging
import os

N = int(8000 * float(os.environ.get("LEAKCORPUS_SCALE", "1")))

stream = io.StringIO()
handler = logging.StreamHandler(stream)
handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
base = logging.getLogger("req")
base.addHandler(handler)
base.setLevel(logging.INFO)
base.propagate = False


def handle(i, path):
    log = logging.getLogger(f"req.{i}")  # LEAK
    log.info("GET %s", path)  # LEAK-ALSO
    body = "".join("<li>%s/%d</li>" % (path, k) for k in range(8))
    if stream.tell() > 64 * 1024:
        stream.seek(0)
        stream.truncate()
    return len(body)


def main():
    total = 0
    for i in range(N):
        total += handle(i, "/items/%d" % (i % 97))
    print("served", N, "requests,", total, "bytes;",
          len(logging.Logger.manager.loggerDict), "loggers")


if __name__ == "__main__":
    main()

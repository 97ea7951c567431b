"""The fixed request handler: one module logger, the request id passed as context."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# NO LEAK: one Logger for the module; each request gets a LoggerAdapter
# carrying its id, which dies with the request.  The logging manager holds
# a fixed number of loggers whatever the number of requests.
import io
import logging
import os

N = int(8000 * float(os.environ.get("LEAKCORPUS_SCALE", "1")))

stream = io.StringIO()
handler = logging.StreamHandler(stream)
handler.setFormatter(logging.Formatter("%(name)s %(levelname)s req=%(req)s %(message)s"))
base = logging.getLogger("req")
base.addHandler(handler)
base.setLevel(logging.INFO)
base.propagate = False


def handle(i, path):
    log = logging.LoggerAdapter(base, {"req": i})  # NOLEAK
    log.info("GET %s", path)
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

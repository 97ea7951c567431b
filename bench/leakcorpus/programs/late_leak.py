"""A leak that starts halfway: a config reload turns on request tracing that is never trimmed."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# LEAK (late): the first half of the run is clean.  At the halfway request a
# "config reload" switches debug tracing on, and from then on every
# request's trace record is appended to a module-level list.  The leaking
# line is born in the second half only; a trend computed over the whole run
# sees a flat first half.
import os

N = int(6000 * float(os.environ.get("LEAKCORPUS_SCALE", "1")))

TRACE = []
CONFIG = {"debug": False}


def handle(i):
    headers = {"host": "example.org", "x-request-id": "%08x" % i, "accept": "text/html"}  # LEAK-ALSO
    rows = "".join("<tr><td>%d</td><td>item %d</td><td>%.2f</td></tr>" % (i, k, k * 0.5) for k in range(40))
    body = "<html><body><table>%s</table></body></html>" % rows
    if CONFIG["debug"]:
        TRACE.append({"id": i, "headers": headers, "preview": body[:160]})  # LEAK
    return len(body)


def main():
    size = 0
    for i in range(N):  # LEAK-ALSO
        if i == N // 2:
            CONFIG["debug"] = True          # the reload
        size += handle(i)
    print("served", N, "requests,", size, "bytes;", len(TRACE), "traces kept")


if __name__ == "__main__":
    main()

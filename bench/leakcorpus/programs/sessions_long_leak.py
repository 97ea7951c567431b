"""A web session store that never expires sessions: the long run (~3 s natively)."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# LEAK: every login creates a Session object (user, cart, CSRF token)
# stored in a module-level dict under a fresh id; logout is never called
# and nothing expires old sessions.  sessions_short_leak.py and
# sessions_long_leak.py are the same program, 15000 logins here: the
# short run has 10 times fewer.  The same leak must get the
# same verdict whatever the length of the run.
import hashlib
import os
import urllib.parse

N = int(15000 * float(os.environ.get("LEAKCORPUS_SCALE", "1")))

SESSIONS = {}


class Session:
    def __init__(self, user, token):
        self.user = user
        self.token = token
        self.cart = []  # LEAK-ALSO
        self.seen = {}  # LEAK-ALSO


def login(i, query):
    params = urllib.parse.parse_qs(query)  # LEAK-ALSO
    token = hashlib.sha256(b"%d" % i).hexdigest()  # LEAK-ALSO
    session = Session(params["user"][0], token)  # LEAK
    session.cart.extend(params.get("item", []))  # LEAK-ALSO
    SESSIONS["s%08x" % i] = session  # LEAK
    return session


CATALOG = [("sku-%d" % k, "Product %d" % k, k * 1.5) for k in range(130)]


def page(session, path):
    session.seen[path] = session.seen.get(path, 0) + 1
    items = "".join("<li>%s</li>" % item for item in session.cart)
    rows = "".join("<tr><td>%s</td><td>%s</td><td>%.2f</td><td>%s</td></tr>"
                   % (sku, name, price, "in cart" if sku in session.cart else "")
                   for sku, name, price in CATALOG)
    return "<h1>%s</h1><ul>%s</ul><table>%s</table><p>%s</p>" % (session.user, items, rows, path)


def main():
    size = 0
    for i in range(N):
        query = "user=user%d&item=sku-%d&item=sku-%d&ref=%s" % (i, i % 97, i % 89, "x" * 40)
        session = login(i, query)
        for path in ("/", "/cart", "/checkout"):
            size += len(page(session, path))
    print("served", N, "logins,", size, "bytes;", len(SESSIONS), "sessions held")


if __name__ == "__main__":
    main()

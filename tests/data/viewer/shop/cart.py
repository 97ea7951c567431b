"""A shopping cart that keeps every item (see ../realapp.py)."""
# SPDX-License-Identifier: GPL-2.0-or-later


class Cart:
    def __init__(self):
        self.items = []
        self.by_name = {}

    def add(self, name, price):
        item = (name, price, "note for %s" % name)
        self.items.append(item)
        self.by_name[name] = item

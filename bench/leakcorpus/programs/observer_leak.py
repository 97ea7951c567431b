"""An event bus whose subscribers are never removed: bound methods keep big widgets alive."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# LEAK: every Widget subscribes its bound method `on_theme` to a global
# EventBus.  A bound method holds a strong reference to its object, and
# Widget.close() forgets to unsubscribe, so the bus keeps every widget ever
# made -- and its 16 KiB frame buffer -- for the life of the process.
import os

N = int(600 * float(os.environ.get("LEAKCORPUS_SCALE", "1")))


class EventBus:
    def __init__(self):
        self._subscribers = []

    def subscribe(self, callback):
        self._subscribers.append(callback)

    def unsubscribe(self, callback):
        self._subscribers.remove(callback)

    def publish(self, event):
        for callback in self._subscribers:
            callback(event)


BUS = EventBus()


class Widget:
    def __init__(self, name):
        self.name = name
        self.theme = "light"
        self.framebuffer = bytes(16 * 1024)  # LEAK
        BUS.subscribe(self.on_theme)  # LEAK

    def on_theme(self, theme):
        self.theme = theme

    def render(self):
        return sum(self.framebuffer[::4096]) + len(self.name)

    def close(self):
        self.name = None               # ...and forgets BUS.unsubscribe(self.on_theme)


def main():
    drawn = 0
    for i in range(N):
        widget = Widget(f"dialog-{i}")  # LEAK-ALSO
        drawn += widget.render()
        widget.close()
        if i % 50 == 0:
            BUS.publish("dark" if i % 100 else "light")
    print("drew", N, "widgets;", drawn, len(BUS._subscribers), "subscribers")


if __name__ == "__main__":
    main()

"""The fixed event bus: Widget.close() unsubscribes, so closed widgets are freed."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# NO LEAK: the same program as observer_leak.py, but close() removes the
# widget's bound method from the bus.  At most one widget is alive at a time.
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
        self.framebuffer = bytes(16 * 1024)  # NOLEAK
        BUS.subscribe(self.on_theme)  # NOLEAK

    def on_theme(self, theme):
        self.theme = theme

    def render(self):
        return sum(self.framebuffer[::4096]) + len(self.name)

    def close(self):
        BUS.unsubscribe(self.on_theme)
        self.name = None


def main():
    drawn = 0
    for i in range(N):
        widget = Widget(f"dialog-{i}")
        drawn += widget.render()
        widget.close()
        if i % 50 == 0:
            BUS.publish("dark" if i % 100 else "light")
    print("drew", N, "widgets;", drawn, len(BUS._subscribers), "subscribers")


if __name__ == "__main__":
    main()

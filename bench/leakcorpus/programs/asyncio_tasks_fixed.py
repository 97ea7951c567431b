"""Fire-and-forget asyncio tasks that remove themselves from the set when done."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# NO LEAK: the same server as asyncio_tasks_leak.py with the documented
# idiom task.add_done_callback(BACKGROUND.discard): the set holds only the
# tasks still running (at most a few dozen).
import asyncio
import os

N = int(5000 * float(os.environ.get("LEAKCORPUS_SCALE", "1")))

BACKGROUND = set()


async def handle(i):
    await asyncio.sleep(0)
    body = ("item %06d;" % i * 40).encode()  # NOLEAK
    return {"id": i, "status": 200, "body": body}


async def serve():
    for i in range(N):
        task = asyncio.create_task(handle(i))  # NOLEAK
        BACKGROUND.add(task)
        task.add_done_callback(BACKGROUND.discard)
        if i % 64 == 0:
            await asyncio.sleep(0)
    while BACKGROUND:
        await asyncio.sleep(0)


def main():
    asyncio.run(serve())
    print("served", N, "requests;", len(BACKGROUND), "tasks still referenced")


if __name__ == "__main__":
    main()

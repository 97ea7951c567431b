"""Fire-and-forget asyncio tasks kept in a set that is never pruned."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# LEAK: the asyncio docs advise keeping a reference to background tasks so
# that they are not garbage collected mid-flight; this server adds each
# task to a module-level set but never adds the done callback that removes
# it.  A finished Task keeps its coroutine and its result (the rendered
# response) for the life of the process.
import asyncio
import os

N = int(5000 * float(os.environ.get("LEAKCORPUS_SCALE", "1")))

BACKGROUND = set()


async def handle(i):
    await asyncio.sleep(0)
    body = ("item %06d;" % i * 40).encode()  # LEAK
    return {"id": i, "status": 200, "body": body}  # LEAK-ALSO


async def serve():
    for i in range(N):  # LEAK-ALSO
        task = asyncio.create_task(handle(i))  # LEAK
        BACKGROUND.add(task)  # LEAK-ALSO
        if i % 64 == 0:
            await asyncio.sleep(0)
    while not all(t.done() for t in BACKGROUND):
        await asyncio.sleep(0)


def main():
    asyncio.run(serve())
    print("served", N, "requests;", len(BACKGROUND), "tasks still referenced")


if __name__ == "__main__":
    main()

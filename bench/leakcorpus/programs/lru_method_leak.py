"""functools.lru_cache on a method, unbounded: the cache keeps every instance alive."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# LEAK: lru_cache(maxsize=None) on a method caches on (self, args).  A new
# PriceService is built per request, so every call is a miss: the cache (a
# dict owned by the class's function, alive for the whole process) keeps
# each key tuple, each result dict and, through `self` in the key, each
# service instance with its rate table.  Memory grows with every request.
import functools
import os

N = int(6000 * float(os.environ.get("LEAKCORPUS_SCALE", "1")))


class PriceService:
    def __init__(self, region):
        self.region = region
        self.rates = [1.0 + k / 100.0 for k in range(24)]  # LEAK

    @functools.lru_cache(maxsize=None)
    def quote(self, sku, qty):
        return {"sku": sku, "qty": qty, "region": self.region, "total": round(qty * self.rates[qty % 24], 2), "text": f"{qty} x {sku} ({self.region})"}  # LEAK


def handle(i):
    service = PriceService(f"region-{i % 7}")  # LEAK
    return service.quote(f"SKU-{i % 300:05d}", i % 9 + 1)["total"]  # LEAK


def main():
    total = 0.0
    for i in range(N):
        total += handle(i)
    info = PriceService.quote.cache_info()
    print("total %.2f, cache %d entries" % (total, info.currsize))


if __name__ == "__main__":
    main()

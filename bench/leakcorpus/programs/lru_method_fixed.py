"""functools.lru_cache on a method, bounded with maxsize: a cache that fills then stays."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# NO LEAK: the same service as lru_method_leak.py with lru_cache(maxsize=256).
# The cache fills in the first 256 requests, then evicts its oldest entry
# for each new one: what it holds (256 services, keys, results) does not
# grow with the number of requests.
import functools
import os

N = int(6000 * float(os.environ.get("LEAKCORPUS_SCALE", "1")))


class PriceService:
    def __init__(self, region):
        self.region = region
        self.rates = [1.0 + k / 100.0 for k in range(24)]  # NOLEAK

    @functools.lru_cache(maxsize=256)
    def quote(self, sku, qty):
        return {"sku": sku, "qty": qty, "region": self.region, "total": round(qty * self.rates[qty % 24], 2), "text": f"{qty} x {sku} ({self.region})"}  # NOLEAK


def handle(i):
    service = PriceService(f"region-{i % 7}")  # NOLEAK
    return service.quote(f"SKU-{i % 300:05d}", i % 9 + 1)["total"]  # NOLEAK


def main():
    total = 0.0
    for i in range(N):
        total += handle(i)
    info = PriceService.quote.cache_info()
    print("total %.2f, cache %d entries" % (total, info.currsize))


if __name__ == "__main__":
    main()

"""pyheap: a pytest plugin that fails tests leaving or using more memory than their limit."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run a test suite under pyheap with the plugin loaded:
#
#     pyheap/pyheap-run python3 -m pytest -p pytest_pyheap tests/
#
# and mark tests (the marker names are pytest-memray's):
#
#     @pytest.mark.limit_leaks("64 KB")    # memory allocated by the test and
#     def test_parse(): ...                # still live when it ends
#
#     @pytest.mark.limit_memory("10 MB")   # highest heap during the test,
#     def test_load(): ...                 # above the heap when it started
#
# Each test's call runs inside a pyheap.region named after the test, so the
# output file also holds, per test, what it left behind and where
# (`pyheap_print --at=<test node id>`).  Outside pyheap the markers are
# accepted and nothing is measured.

import re

import pytest

import pyheap

_UNITS = {"": 1, "B": 1, "KB": 1000, "MB": 1000 ** 2, "GB": 1000 ** 3,
          "KIB": 1024, "MIB": 1024 ** 2, "GIB": 1024 ** 3}


def parse_size(text):
    """Parse "1.5 MB", "512KiB", "100" (bytes) or an int into bytes."""
    if isinstance(text, int):
        return text
    m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]*)?)\s*([A-Za-z]*)\s*", str(text))
    if not m or m.group(2).upper() not in _UNITS:
        raise ValueError("not a size: %r (use e.g. '64 KB', '1.5 MiB')" % (text,))
    return int(float(m.group(1)) * _UNITS[m.group(2).upper()])


def _fmt(n):
    return "{:,} B".format(n)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "limit_leaks(size): fail if the test leaves more than size "
        "bytes allocated (measured under pyheap)")
    config.addinivalue_line(
        "markers", "limit_memory(size): fail if the heap grows by more than "
        "size bytes during the test (measured under pyheap)")


def _limits(item):
    limits = {}
    for name in ("limit_leaks", "limit_memory"):
        marker = item.get_closest_marker(name)
        if marker is not None:
            if len(marker.args) != 1:
                raise pytest.UsageError("%s takes one size, e.g. %s('1 MB')"
                                        % (name, name))
            limits[name] = parse_size(marker.args[0])
    return limits


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    limits = _limits(item)
    if not pyheap.running():
        yield
        return
    with pyheap.region(item.nodeid) as region:
        yield
    item.stash_pyheap = (region, limits)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    measured = getattr(item, "stash_pyheap", None)
    if call.when != "call" or measured is None or not report.passed:
        return
    region, limits = measured
    problems = []
    leaks = limits.get("limit_leaks")
    if leaks is not None and region.live_bytes > leaks:
        problems.append("leaked %s in %s blocks, limit %s"
                        % (_fmt(region.live_bytes), region.live_blocks, _fmt(leaks)))
    memory = limits.get("limit_memory")
    if memory is not None and region.peak_increase > memory:
        problems.append("heap grew by %s, limit %s"
                        % (_fmt(region.peak_increase), _fmt(memory)))
    if problems:
        report.outcome = "failed"
        report.longrepr = ("pyheap: %s: %s (see pyheap_print --at='%s')"
                           % (item.nodeid, "; ".join(problems), item.nodeid))

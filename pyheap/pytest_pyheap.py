"""pyheap: a pytest plugin that fails tests leaving or using more memory than their limit."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run a test suite under pyheap with the plugin loaded:
#
#     pyheap/pyheap-run --pyheap-out-file=tests.out python3 -m pytest \
#         -p pytest_pyheap --pyheap-config=pyheap-tests.cfg tests/
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
# (`pyheap_print --at=<test node id>`).  The program cannot read the output
# file (the tool writes it when the process ends), so a failure names the
# command that shows the offending stacks: with --pyheap-config=FILE the
# plugin writes, at the end of the session, a pyheap_print configuration
# with one `max-region` limit per limit_leaks test, and
#
#     pyheap_print --check --config=pyheap-tests.cfg tests.out
#
# names, for each test over its limit, the stack that left the most.
# Outside pyheap the markers are accepted and nothing is measured.
#
# Sizes are pyheap_print's: parse_size() is the viewer's own (the package
# pyheap_viewer lives beside this module, in the source tree and once
# installed): a number and an optional unit, KB, MB, GB, TB, PB in powers
# of 1000, KiB, MiB, ... in powers of 1024, with or without a space, any
# case ("64 KB" is 64,000 bytes; pytest-memray reads it as 65,536).

import re

import pytest

import pyheap
from pyheap_viewer.formatting import parse_size


def _fmt(n):
    return "{:,} B".format(n)


def _glob_escape(name):
    """A test id as an fnmatch pattern that matches only itself
    (parametrized ids hold '[' and ']')."""
    return re.sub(r"([*?\[])", r"[\1]", name)


def pytest_addoption(parser):
    group = parser.getgroup("pyheap", "pyheap memory limits")
    group.addoption("--pyheap-config", default=None, metavar="FILE",
                    help="under pyheap, write FILE at the end of the "
                    "session: a pyheap_print --check configuration with "
                    "the tests' limit_leaks limits")
    parser.addini("pyheap_config", "the default of --pyheap-config",
                  default=None)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "limit_leaks(size): fail if the test leaves more than size "
        "bytes allocated (measured under pyheap)")
    config.addinivalue_line(
        "markers", "limit_memory(size): fail if the heap grows by more than "
        "size bytes during the test (measured under pyheap)")
    config._pyheap_limits = {}


def _config_path(config):
    return (config.getoption("pyheap_config", None)
            or config.getini("pyheap_config") or None)


def _limits(item):
    limits = {}
    for name in ("limit_leaks", "limit_memory"):
        marker = item.get_closest_marker(name)
        if marker is not None:
            if len(marker.args) != 1:
                raise pytest.UsageError("%s takes one size, e.g. %s('1 MB')"
                                        % (name, name))
            try:
                limits[name] = (parse_size(marker.args[0]),
                                str(marker.args[0]))
            except ValueError as exc:
                raise pytest.UsageError("%s: %s: %s" % (item.nodeid, name,
                                                        exc))
    return limits


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    limits = _limits(item)
    if not pyheap.running():
        yield
        return
    if "limit_leaks" in limits:
        item.config._pyheap_limits[item.nodeid] = limits["limit_leaks"][1]
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
    if leaks is not None and region.live_bytes > leaks[0]:
        problems.append("leaked %s in %s blocks, limit %s"
                        % (_fmt(region.live_bytes), region.live_blocks,
                           _fmt(leaks[0])))
    memory = limits.get("limit_memory")
    if memory is not None and region.peak_increase > memory[0]:
        problems.append("heap grew by %s, limit %s"
                        % (_fmt(region.peak_increase), _fmt(memory[0])))
    if problems:
        where = "pyheap_print --at='%s' OUTFILE" % item.nodeid
        path = _config_path(item.config)
        if path and leaks is not None:
            where = ("pyheap_print --check --config=%s OUTFILE (or %s)"
                     % (path, where))
        report.outcome = "failed"
        report.longrepr = ("pyheap: %s: %s; the stacks that hold it, once "
                           "the run has written the pyheap output file: %s"
                           % (item.nodeid, "; ".join(problems), where))


def pytest_sessionfinish(session):
    config = session.config
    path = _config_path(config)
    limits = getattr(config, "_pyheap_limits", None)
    if not path or not limits or not pyheap.running():
        return
    lines = ["# pyheap_print --check configuration written by pytest_pyheap",
             "# one max-region limit per test marked limit_leaks",
             "[pyheap]", "max-region ="]
    for nodeid in sorted(limits):
        lines.append("    %s=%s" % (_glob_escape(nodeid), limits[nodeid]))
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")

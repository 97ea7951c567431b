"""pyheap_viewer.gate: the CI gate (--check): limits, configuration files, baselines, their evaluation."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# `pyheap_print --check [limits] FILE` evaluates every limit given on the
# command line or in the configuration file, prints a short summary (or
# JSON), optionally writes JUnit XML, and exits with CHECK_EXIT_CODE (or
# --error-exitcode=N) when a limit is crossed, 0 when none is -- Valgrind's
# --error-exitcode convention; 1 and 2 keep their meaning (bad input, bad
# usage).
#
# Limits are totals (peak, live at exit or at a label, left by a region)
# or per site (growth per iteration from the marks, steady growth from
# --growth's trend).  A baseline file, like a Valgrind suppression file,
# accepts known growth at given sites: a site it names may grow up to its
# recorded figure plus the tolerance.  Entries that accepted nothing are
# reported as unused, as Valgrind reports which suppressions were used.
#
# The summary, its JSON and the JUnit XML are the check report's
# (reports/check.py); this module evaluates.

import fnmatch
import os

from .errors import ConfigError, InputError, SelectionError, UsageError
from .formatting import (escape, fnum, num, parse_size, parse_tolerance, pct,
                         plural, quote, tolerance_text)
from .grouping import BY_KEYS, NAME_ONLY, GroupKey, group_sites
from .growth import (DEFAULT_MIN_TAU, DEFAULT_WARMUP, biggest_stacks,
                     fill_stacks, growth_trends, is_free_lists,
                     iteration_slopes, mark_snapshots)
from .leaks import DEFAULT_LEAK_LAG, mark_info
from .model import At, describe
from .naming import stack_names
from .records import show_field
from .retainers import exit_holders, holder_brief, lost_rows, site_holders

CHECK_EXIT_CODE = 3
DEFAULT_TOLERANCE = "10%"


# The limits, by their key (the option is --KEY, the config file key KEY or
# KEY with '_' for '-').  "labelled" limits take NAME=SIZE and repeat.
LIMITS = (
    ("max-peak", False, "the heap at its peak"),
    ("max-live", False, "the heap still live at exit"),
    ("max-live-at", True, "the heap at the snapshot LABEL"),
    ("max-region", True, "the bytes left behind by the regions NAME (glob)"),
    ("max-growth-per-iter", False, "any site's growth per iteration "
     "(marks)"),
    ("max-growth", False, "any steadily growing site's growth over the "
     "run (--growth's trend)"),
    ("max-unreachable", False, "the bytes of C memory nothing reachable "
     "points at, at exit (--retainers)"),
)
PER_SITE_LIMITS = ("max-growth-per-iter", "max-growth")
_CHECK_SETTINGS = ("baseline", "tolerance", "error-exitcode", "warmup",
                   "leak-lag", "min-tau", "by")


def _config_items_ini(path, section):
    import configparser
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with open(path, encoding="utf-8") as f:
            parser.read_file(f)
    except OSError as exc:
        raise ConfigError("%s: %s" % (path, exc.strerror or exc))
    except (configparser.Error, UnicodeDecodeError) as exc:
        raise ConfigError("%s: not a valid INI file: %s"
                          % (path, str(exc).splitlines()[0]))
    if not parser.has_section(section):
        return None
    return list(parser.items(section))


def _config_items_toml(path):
    try:
        import tomllib
    except ImportError:
        return "no-tomllib"
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except OSError as exc:
        raise ConfigError("%s: %s" % (path, exc.strerror or exc))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError("%s: not valid TOML: %s" % (path, exc))
    table = data.get("tool", {}).get("pyheap") if isinstance(
        data.get("tool"), dict) else None
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError("%s: [tool.pyheap] is not a table" % path)
    items = []
    for key, value in table.items():
        if isinstance(value, dict):
            value = ["%s=%s" % (k, v) for k, v in value.items()]
        items.append((key, value))
    return items


def find_config(explicit=None, directory="."):
    """(path, section, items, notes): the configuration file used.

    --config=FILE: that file (a name ending in .toml is read as TOML,
    [tool.pyheap]; any other as INI, section [pyheap]).  Otherwise the
    first of pyheap.cfg [pyheap], pyproject.toml [tool.pyheap] (Python
    3.11+: tomllib) and setup.cfg [pyheap] in `directory` that has the
    section.  (None, None, [], notes) if none is found."""
    notes = []
    if explicit is not None:
        if explicit.endswith(".toml"):
            items = _config_items_toml(explicit)
            if items == "no-tomllib":
                raise ConfigError("%s: reading TOML needs Python 3.11 or "
                                  "later (tomllib); use an INI file "
                                  "(pyheap.cfg, section [pyheap])"
                                  % explicit)
            section = "[tool.pyheap]"
        else:
            items = _config_items_ini(explicit, "pyheap")
            section = "[pyheap]"
        if items is None:
            raise ConfigError("%s has no %s section" % (explicit, section))
        return explicit, section, items, notes
    for name, kind in (("pyheap.cfg", "ini"), ("pyproject.toml", "toml"),
                       ("setup.cfg", "ini")):
        path = os.path.join(directory, name) if directory != "." else name
        if not os.path.isfile(path):
            continue
        if kind == "toml":
            items = _config_items_toml(path)
            if items == "no-tomllib":
                notes.append("%s not read: TOML needs Python 3.11+ "
                             "(tomllib)" % path)
                continue
            section = "[tool.pyheap]"
        else:
            items = _config_items_ini(path, "pyheap")
            section = "[pyheap]"
        if items is not None:
            return path, section, items, notes
    return None, None, [], notes


def _config_values(value):
    """A config value as a list of strings: a TOML list, or text with one
    value per line (NAME=SIZE items may hold commas: test ids do)."""
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [str(value)]
    if not isinstance(value, str):
        raise ValueError("unsupported value %r" % (value,))
    return [part.strip() for part in value.split("\n") if part.strip()]


class CheckSpec:
    """The limits and settings of a --check run, from the config file and
    the command line (which wins)."""

    def __init__(self):
        self.limits = {}        # key -> size, or {name: size} if labelled
        self.texts = {}         # key -> text as given, or {name: text}
        self.settings = {}
        self.config = None      # (path, section)
        self.notes = []

    def set(self, key, value, origin):
        labelled = dict((k, lab) for k, lab, _ in LIMITS)
        if key in labelled:
            if labelled[key]:
                for item in _config_values(value) if origin == "config" \
                        else [value]:
                    name, sep, size = item.rpartition("=")
                    if not sep or not name:
                        raise ValueError("%s needs NAME=SIZE, got %r"
                                         % (key, item))
                    self.limits.setdefault(key, {})[name] = \
                        parse_size(size)
                    self.texts.setdefault(key, {})[name] = size.strip()
            else:
                values = _config_values(value) if origin == "config" \
                    else [value]
                if len(values) != 1:
                    raise ValueError("%s takes one size" % key)
                self.limits[key] = parse_size(values[0])
                self.texts[key] = values[0].strip()
            return
        if key in _CHECK_SETTINGS:
            values = _config_values(value) if origin == "config" else [value]
            if len(values) != 1:
                raise ValueError("%s takes one value" % key)
            text = values[0]
            if key == "tolerance":
                parse_tolerance(text)
            elif key in ("error-exitcode", "warmup", "leak-lag"):
                number = int(text)
                if number < 0 or (key == "error-exitcode" and number > 255):
                    raise ValueError("%s: %d is out of range" % (key, number))
                text = number
            elif key == "min-tau":
                number = float(text)
                if not 0.0 <= number <= 1.0:
                    raise ValueError("min-tau: %s is out of range (0 to 1)"
                                     % text)
                text = number
            elif key == "by":
                if text not in BY_KEYS or text == "type":
                    raise ValueError("by: %r is not one of %s" % (
                        text, ", ".join(k for k in BY_KEYS if k != "type")))
            self.settings[key] = text
            return
        raise ValueError("unknown key %r (known: %s)" % (
            key, ", ".join([k for k, _, _ in LIMITS] +
                           list(_CHECK_SETTINGS))))


def check_spec(options):
    """The CheckSpec of the options; raises ConfigError or UsageError."""
    spec = CheckSpec()
    path, section, items, notes = find_config(options.config)
    spec.notes = notes
    if path is not None:
        spec.config = (path, section)
        for key, value in items:
            key = key.strip().replace("_", "-")
            try:
                spec.set(key, value, "config")
            except ValueError as exc:
                raise ConfigError("%s %s: %s" % (path, section, exc))
    for key, _, _ in LIMITS:
        for value in getattr(options, key.replace("-", "_")) or ():
            try:
                spec.set(key, value, "command line")
            except ValueError as exc:
                raise UsageError("--%s: %s" % (key, exc))
    for key in _CHECK_SETTINGS:
        value = getattr(options, key.replace("-", "_"), None)
        if value is not None:
            spec.settings[key] = value
    if not spec.limits:
        raise UsageError("--check needs at least one limit (--max-peak, "
                         "--max-live, --max-live-at, --max-region, "
                         "--max-growth-per-iter, --max-growth, "
                         "--max-unreachable), on the "
                         "command line or in a configuration file%s"
                         % (" (%s %s has none)" % spec.config
                            if spec.config else " (none found)"))
    return spec


# -- the baseline file --
#
#   # comment
#   {
#      NAME (free text: what the entry is about)
#      LIMIT                  max-growth-per-iter or max-growth
#      site: LOCATION         the group's location at the --by granularity
#      function: FUNCTION     (optional) its function
#      bytes: N               the figure accepted
#   }
#
# LOCATION and FUNCTION may be fnmatch patterns (*, ?, [...]).

class BaselineEntry:
    __slots__ = ("name", "limit", "site", "function", "bytes", "lineno",
                 "used")

    def matches(self, limit, location, function):
        if limit != self.limit:
            return False
        if not fnmatch.fnmatchcase(location, self.site):
            return False
        return self.function is None or fnmatch.fnmatchcase(
            function, self.function)


def read_baseline(path):
    """The entries of a baseline file; raises InputError."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError as exc:
        raise InputError(path, None, exc.strerror or str(exc))
    except UnicodeDecodeError:
        raise InputError(path, None, "not UTF-8 text")
    entries = []
    entry = None
    fields = None
    for lineno, line in enumerate(lines, 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if entry is None:
            if text != "{":
                raise InputError(path, lineno, "expected '{' to begin an "
                                 "entry, got %s" % show_field(text.encode()))
            entry = BaselineEntry()
            entry.lineno = lineno
            entry.used = 0
            entry.function = None
            fields = []
            continue
        if text == "}":
            if len(fields) < 2:
                raise InputError(path, lineno, "entry begun at line %d "
                                 "needs a name and a limit" % entry.lineno)
            entry.name, entry.limit = fields[0], fields[1]
            if entry.limit not in PER_SITE_LIMITS:
                raise InputError(path, entry.lineno + 2, "unknown limit %s "
                                 "(expected %s)" % (
                                     show_field(entry.limit.encode()),
                                     " or ".join(PER_SITE_LIMITS)))
            if getattr(entry, "site", None) is None:
                raise InputError(path, lineno, "entry begun at line %d has "
                                 "no 'site:'" % entry.lineno)
            if getattr(entry, "bytes", None) is None:
                raise InputError(path, lineno, "entry begun at line %d has "
                                 "no 'bytes:'" % entry.lineno)
            entries.append(entry)
            entry = None
            continue
        if len(fields) >= 2:
            key, sep, value = text.partition(":")
            key = key.strip()
            value = value.strip()
            if not sep or key not in ("site", "function", "bytes"):
                raise InputError(path, lineno, "expected 'site:', "
                                 "'function:' or 'bytes:', got %s"
                                 % show_field(text.encode()))
            if key == "bytes":
                digits = value.replace(",", "")
                if not digits.isdigit():
                    raise InputError(path, lineno, "bytes: %s is not a "
                                     "number" % show_field(value.encode()))
                entry.bytes = int(digits)
            else:
                setattr(entry, key, value)
            continue
        fields.append(text)
    if entry is not None:
        raise InputError(path, len(lines), "entry begun at line %d has no "
                         "closing '}'" % entry.lineno)
    return entries


# -- evaluation --

class Offender:
    """A site over a per-site limit, or the top site of a total."""

    __slots__ = ("location", "function", "value", "allowed", "stack",
                 "baseline", "detail", "process")

    def __init__(self):
        # In a process tree (tree.py): the process the site is in, or
        # the one holding most of a merged site.
        self.process = None

    def to_json(self):
        obj = {"location": self.location, "function": self.function,
               "value": self.value, "allowed": self.allowed,
               "baseline": self.baseline, "detail": self.detail,
               "stack": [{"location": loc, "function": fn}
                         for loc, fn in self.stack]}
        if self.process is not None:
            obj["pid"] = self.process.pid
            obj["command"] = self.process.command
        return obj


class LimitResult:
    """One limit's outcome (one JUnit testcase)."""

    __slots__ = ("name", "limit", "limit_text", "value", "passed",
                 "message", "offenders", "accepted", "error")

    def __init__(self, name, limit, limit_text):
        self.name = name
        self.limit = limit
        self.limit_text = limit_text
        self.value = None
        self.passed = True
        self.message = ""
        self.offenders = []
        self.accepted = []
        self.error = None

    def to_json(self):
        return {"name": self.name, "limit": self.limit_text,
                "limit_bytes": self.limit, "value": self.value,
                "passed": self.passed, "message": self.message,
                "error": self.error,
                "offenders": [o.to_json() for o in self.offenders],
                "accepted": [o.to_json() for o in self.accepted]}


def _top_site(view, snap, by):
    """An Offender for the biggest group of a snapshot (None if empty)."""
    groups = group_sites(view, snap.by_stack(), by, 1, snap)
    if not groups:
        return None
    g = groups[0]
    off = Offender()
    off.location, off.function = g.location, g.function
    off.value = g.bytes
    off.allowed = None
    off.baseline = None
    off.detail = "%s of the heap" % pct(g.bytes, snap.heap_B)
    # The biggest stack of the group names it.
    best = None
    site_name = view.locator().site_name
    for kid, rec in snap.by_stack().items():
        if by == "class":
            break
        loc, fn, _, _ = site_name(kid, by)
        same = (kid == g.kid) if by == "stack" else (
            loc == g.location and (by in NAME_ONLY or fn == g.function))
        if same and (best is None or (rec[0], -kid) > (best[0], -best[1])):
            best = (rec[0], kid)
    off.stack = stack_names(view.profile, best[1]) if best else []
    return off


def _total_limit(result, view, snap, by, what):
    result.value = snap.heap_B if snap.kind != "region" else sum(
        rec[0] for rec in snap.by_stack().values())
    top = _top_site(view, snap, by)
    if result.value > result.limit:
        result.passed = False
        result.message = ("%s is %s B, over the limit of %s (%s B)"
                          % (what, num(result.value), result.limit_text,
                             num(result.limit)))
        if top is not None:
            result.offenders.append(top)
    else:
        result.message = "%s is %s B, within %s" % (
            what, num(result.value), result.limit_text)
    return top


def _allowed(recorded, tolerance):
    """What a baseline entry of `recorded` bytes allows, with the
    tolerance (parse_tolerance())."""
    how, value = tolerance
    if how == "pct":
        return int(recorded * (1.0 + value))
    return recorded + value


def _site_limit(result, rows, baseline, tolerance, what):
    """rows: [(location, function, value, stack, detail)], biggest first."""
    worst = None
    for location, function, value, stack, detail in rows:
        if worst is None or value > worst:
            worst = value
        if value <= result.limit:
            continue
        off = Offender()
        off.location, off.function = location, function
        off.value = value
        off.stack = stack
        off.detail = detail
        off.baseline = None
        off.allowed = result.limit
        for entry in baseline:
            if entry.matches(result.name, location, function):
                allowed = _allowed(entry.bytes, tolerance)
                off.baseline = entry.name
                off.allowed = max(result.limit, allowed)
                if value <= off.allowed:
                    entry.used += 1
                break
        if value <= off.allowed:
            result.accepted.append(off)
        else:
            result.offenders.append(off)
    result.value = worst if worst is not None else 0
    if result.offenders:
        result.passed = False
        top = result.offenders[0]
        result.message = ("%s: %s site%s over %s (%s B); the worst: %s (%s) "
                          "at %s B" % (
                              what, num(len(result.offenders)),
                              "" if len(result.offenders) == 1 else "s",
                              result.limit_text, num(result.limit),
                              top.function, top.location,
                              num(int(round(top.value)))))
        if top.baseline is not None:
            result.message += (" (above its baseline %s: %s B allowed)"
                               % (top.baseline, num(top.allowed)))
    else:
        result.message = "%s: every site within %s%s" % (
            what, result.limit_text,
            " (%s accepted by the baseline)" % num(len(result.accepted))
            if result.accepted else "")


class Settings:
    """The settings of a --check run (CheckSpec.settings with their
    defaults), and the baseline's entries."""

    def __init__(self, spec):
        settings = spec.settings
        self.by = settings.get("by", "line")
        self.warmup = settings.get("warmup", DEFAULT_WARMUP)
        self.lag = settings.get("leak-lag", DEFAULT_LEAK_LAG)
        self.min_tau = settings.get("min-tau", DEFAULT_MIN_TAU)
        self.tolerance = parse_tolerance(settings.get("tolerance",
                                                      DEFAULT_TOLERANCE))
        self.baseline = []
        if settings.get("baseline"):
            self.baseline = read_baseline(settings["baseline"])


def run_checks(view, spec, settings=None):
    """The LimitResults of every limit, in LIMITS order, and the Settings
    they were evaluated with (`settings`, if given: the files of a process
    tree share one, so that the baseline counts the uses in all)."""
    if settings is None:
        settings = Settings(spec)
    by = settings.by
    results = []
    limits = spec.limits
    texts = spec.texts
    if "max-peak" in limits:
        r = LimitResult("max-peak", limits["max-peak"], texts["max-peak"])
        _snapshot_limit(r, view, view.profile.peak_snapshot, by, "the peak",
                        "the file has no peak snapshot")
        results.append(r)
    if "max-live" in limits:
        r = LimitResult("max-live", limits["max-live"], texts["max-live"])
        _snapshot_limit(r, view, view.profile.exit_snapshot, by,
                        "the heap at exit", "the file has no exit snapshot")
        results.append(r)
    for label, size in sorted(limits.get("max-live-at", {}).items()):
        r = LimitResult("max-live-at %s" % label, size,
                        texts["max-live-at"][label])
        _live_at_limit(r, view, label, by)
        results.append(r)
    for name, size in sorted(limits.get("max-region", {}).items()):
        r = LimitResult("max-region %s" % name, size,
                        texts["max-region"][name])
        _region_limit(r, view, name, by)
        results.append(r)
    if "max-growth-per-iter" in limits:
        r = LimitResult("max-growth-per-iter", limits["max-growth-per-iter"],
                        texts["max-growth-per-iter"])
        _growth_per_iter_limit(r, view, settings)
        results.append(r)
    if "max-growth" in limits:
        r = LimitResult("max-growth", limits["max-growth"],
                        texts["max-growth"])
        _growth_limit(r, view, settings)
        results.append(r)
    if "max-unreachable" in limits:
        r = LimitResult("max-unreachable", limits["max-unreachable"],
                        texts["max-unreachable"])
        _unreachable_limit(r, view, settings)
        results.append(r)
    return results, settings


def _error(result, message):
    """The limit could not be evaluated: an error (JUnit's <error>)."""
    result.passed = False
    result.error = message
    result.message = message


def _snapshot_limit(r, view, snap, by, what, missing):
    """--max-peak, --max-live: the heap of one snapshot."""
    if snap is None or snap.sites is None:
        _error(r, missing)
    else:
        _total_limit(r, view, snap, by, what)


def _live_at_limit(r, view, label, by):
    """--max-live-at=LABEL=SIZE: the heap at a labelled snapshot."""
    try:
        snap = At(label).select(view.profile)
    except SelectionError as exc:
        _error(r, str(exc))
    else:
        _total_limit(r, view, snap, by, "the heap at %s" % describe(snap))


def _region_limit(r, view, name, by):
    """--max-region=NAME=SIZE: what each region NAME (a glob) left."""
    regions = [s for s in view.profile.snapshots if s.kind == "region"
               and fnmatch.fnmatchcase(s.label, name)]
    if not regions:
        _error(r, "no region matches %s" % quote(name))
        return
    failed = []
    worst = 0
    for snap in regions:
        sub = LimitResult(r.name, r.limit, r.limit_text)
        _total_limit(sub, view, snap, by,
                     "what region %s left" % quote(snap.label))
        worst = max(worst, sub.value)
        if not sub.passed:
            failed.append(sub)
            for off in sub.offenders:
                off.detail = "in region %s" % quote(snap.label)
            r.offenders.extend(sub.offenders)
    r.value = worst
    if failed:
        r.passed = False
        r.message = "; ".join(sub.message for sub in failed)
        if len(failed) > 1:
            r.message = "%d of %d regions over %s: %s" % (
                len(failed), len(regions), r.limit_text, r.message)
    else:
        r.message = ("%s within %s (the most: %s B)"
                     % (plural(len(regions), "region"), r.limit_text,
                        num(worst)))


def _growth_per_iter_limit(r, view, settings):
    """--max-growth-per-iter: each site's growth per iteration (marks)."""
    profile = view.profile
    by, warmup = settings.by, settings.warmup
    try:
        mark_info(profile, settings.lag, warmup)
        grouping = GroupKey(view, by)
        slopes = iteration_slopes(profile, grouping, warmup)
    except InputError as exc:
        slopes = None
        r.error = exc.what
    if slopes is None:
        _error(r, r.error or ("fewer than 2 mark snapshots with sites after "
                              "--warmup=%d" % warmup))
        return
    marks = [s for s in mark_snapshots(profile)
             if s.sites is not None and s.has_sites]
    rows = []
    growing = []
    for key, slope in slopes.items():
        if slope <= 0:
            continue
        location, function, _, _ = grouping.describe(key)
        if is_free_lists(location):
            continue            # dead objects: never a leak
        growing.append((key, location, function, slope))
    kids = ({} if by == "class" else
            biggest_stacks(profile, grouping, [g[0] for g in growing], marks))
    for key, location, function, slope in growing:
        kid = kids.get(key, -1)
        rows.append((location, function, slope, stack_names(profile, kid),
                     "%s B per iteration" % fnum(slope)))
    rows.sort(key=lambda row: (-row[2], row[0], row[1]))
    _site_limit(r, rows, settings.baseline, settings.tolerance,
                "growth per iteration")


def _growth_limit(r, view, settings):
    """--max-growth: each steadily growing site's growth (--growth)."""
    try:
        trends, points, grouping = growth_trends(
            view, settings.by, settings.min_tau, settings.warmup)
    except InputError as exc:
        _error(r, exc.what)
        return
    growing = [t for t in trends if t.growing]
    fill_stacks(view.profile, grouping, growing, points)
    holders = exit_holders(view, settings.by)
    rows = [(t.location, t.function, t.growth, t.stack,
             "%s, %s of the heap at the end%s%s" % (
                 _growth_evidence(t), pct(t.end_share, 1), _via(t),
                 _held_by(view, holders.get((t.location, t.function)))))
            for t in growing]
    rows.sort(key=lambda row: (-row[2], row[0], row[1]))
    _site_limit(r, rows, settings.baseline, settings.tolerance,
                "steady growth")


def _held_by(view, holder):
    """", held by dict `_index` in module `app` (99.3%)": the first holder
    of a site at exit (retainers.py), if the file has retainers."""
    if holder is None:
        return ""
    return ", held by %s (%s)" % (holder_brief(view, holder[0]),
                                  pct(holder[1], 1))


def _unreachable_limit(r, view, settings):
    """--max-unreachable: the bytes at exit nothing reachable points at
    (retainers.py); each line with unreachable bytes is an offender."""
    snap = view.profile.exit_snapshot
    if snap is None or snap.held is None:
        _error(r, "the file has no retainers at exit (pyheap's "
               "--retainers=yes, format 3)")
        return
    groups, _ = site_holders(view, snap, settings.by)
    # C memory only: unreachable Python objects are cycles the garbage
    # collector frees in its own time.
    lost = [g for g in lost_rows(groups) if g.lost_c_bytes]
    lost.sort(key=lambda g: (-g.lost_c_bytes, g.sort_key, g.function))
    r.value = sum(g.lost_c_bytes for g in lost)
    blocks = sum(g.lost_c_blocks for g in lost)
    if r.value <= r.limit:
        r.message = ("unreachable C memory at exit: %s B in %s, within %s"
                     % (num(r.value), plural(blocks, "block"),
                        r.limit_text))
        return
    r.passed = False
    for g in lost:
        off = Offender()
        off.location, off.function = g.location, g.function
        off.value = g.lost_c_bytes
        off.allowed = None
        off.baseline = None
        off.stack = []
        off.detail = "%s of C memory nothing reachable points at" % (
            plural(g.lost_c_blocks, "block"))
        r.offenders.append(off)
    top = r.offenders[0]
    r.message = ("unreachable C memory at exit: %s B in %s, over %s (%s B); the "
                 "most: %s (%s) at %s B"
                 % (num(r.value), plural(blocks, "block"), r.limit_text,
                    num(r.limit), top.function, top.location,
                    num(top.value)))


def _via(trend):
    """", via FN (FILE:LINE)": the library frame that allocated a growing
    line's memory, when the line is the user's and not that frame."""
    stack = trend.stack
    if not stack or tuple(stack[0]) == (trend.location, trend.function):
        return ""
    return ", via %s (%s)" % (stack[0][1], stack[0][0])


def _growth_evidence(trend):
    """Why a group is called growing, in words: its births' evidence, or
    its trend's where the file has no births (format 1) or the group is a
    few resized blocks."""
    ev = trend.births
    if ev is not None and ev.growing:
        return ev.shape_text()
    return "growing steadily (tau %.2f, latter half %.2f)" % (
        trend.tau, trend.late_tau)


def baseline_text(profile, results, by, tolerance):
    """--gen-baseline: the baseline file, one entry per site over a
    per-site limit."""
    out = ["# pyheap baseline: known growth accepted by pyheap_print "
           "--check --baseline=FILE",
           "# written by pyheap_print --gen-baseline from %s (--by=%s)"
           % (escape(profile.path), by),
           "# A site named here may grow up to 'bytes' plus the tolerance "
           "(--tolerance, now %s)." % tolerance_text(tolerance),
           "# 'site' and 'function' may be fnmatch patterns.",
           ""]
    n = 0
    for r in results:
        if r.name not in PER_SITE_LIMITS:
            continue
        for off in r.offenders + r.accepted:
            n += 1
            where = " <- ".join("%s (%s)" % (fn, loc)
                                for loc, fn in off.stack[:4])
            out.append("# %s: %s%s" % (r.name, escape(off.detail or ""),
                                       ("; stack: " + escape(where))
                                       if where else ""))
            out.append("{")
            out.append("   %s %s" % (escape(off.function or "-"),
                                     escape(off.location)))
            out.append("   %s" % r.name)
            out.append("   site: %s" % escape(_portable(off.location)))
            if by not in NAME_ONLY and off.function:
                out.append("   function: %s" % escape(off.function))
            out.append("   bytes: %d" % int(round(off.value)))
            out.append("}")
            out.append("")
    if not n:
        out.append("# (no site was over a per-site limit)")
    return "\n".join(out) + "\n"


def _portable(location):
    """A baseline's site pattern for a location: an absolute path becomes
    '*/' and its base name, so that the entry still matches in another
    checkout (CI machines clone elsewhere)."""
    if location.startswith("/") and "/" in location[1:]:
        return "*/" + location.rsplit("/", 1)[1]
    return location

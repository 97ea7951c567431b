"""pyheap_viewer.formatting: text of numbers, sizes and names, the column layout, JSON and CSV text."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Everything here is a pure function of its arguments, for every report,
# export and the pytest plugin (which uses the size grammar).  Numbers are
# formatted without locale, so identical input gives byte-identical output.

import csv
import io
import json
import re


# ------------------------------------------------------------------------- #
# Names and labels                                                          #
# ------------------------------------------------------------------------- #

def quote(text):
    """A label or name for display on one line: double quotes, escapes."""
    return '"%s"' % escape(text).replace('"', '\\"')


def escape(text):
    """Make `text` printable on one line (control characters escaped)."""
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch.isprintable():
            out.append(ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x100:
            out.append("\\x%02x" % ord(ch))
        else:
            out.append("\\u%04x" % ord(ch) if ord(ch) < 0x10000
                       else "\\U%08x" % ord(ch))
    return "".join(out)


def short_list(items, limit=10):
    """Items joined by commas, at most `limit` of them; "none" if empty."""
    if not items:
        return "none"
    if len(items) > limit:
        return ", ".join(items[:limit]) + ", ... (%d in all)" % len(items)
    return ", ".join(items)


# ------------------------------------------------------------------------- #
# Numbers                                                                   #
# ------------------------------------------------------------------------- #

def num(n):
    """An integer with thousands separators."""
    return "{:,}".format(n)


def plural(n, word):
    return "%s %s%s" % (num(n), word, "" if n == 1 else "s")


def pct(part, whole, pad=False):
    """A percentage with two decimals (zero-padded like ms_print's trees
    with `pad`)."""
    value = 100.0 * part / whole if whole else 0.0
    return ("%05.2f%%" if pad else "%.2f%%") % value


def fnum(value, digits=1):
    """A float with thousands separators."""
    return "{:,.{}f}".format(value, digits)


def signed(n):
    """An integer with thousands separators and a '+' if positive."""
    return "+" + num(n) if n > 0 else num(n)


def rounded(value):
    """A float for JSON and CSV: 6 significant digits, deterministic."""
    return float("%.6g" % value)


def scale(value, unit):
    """(divisor, unit name) to show `value` of the time or byte unit."""
    if unit == "B":
        steps, names = 1024, ("B", "KiB", "MiB", "GiB", "TiB")
    elif unit == "i":
        steps, names = 1000, ("i", "ki", "Mi", "Gi", "Ti")
    elif unit == "ms":
        return (1000, "s") if value >= 10000 else (1, "ms")
    else:
        return 1, unit
    div = 1
    for name in names:
        if value < div * steps or name == names[-1]:
            return div, name
        div *= steps
    return div, names[-1]


def axis_number(value):
    """A number on an axis of the graph: four significant figures or so."""
    if value >= 100:
        return "%.1f" % value
    if value >= 10:
        return "%.2f" % value
    return "%.3f" % value


_SPARK = " .:-=+*#%@"


def sparkline(ys, width=24):
    """The series as a short line of characters, lowest ' ' to highest
    '@' (relative to the series' own maximum)."""
    if not ys:
        return ""
    n = len(ys)
    if n > width:
        ys = [max(ys[j * n // width:(j + 1) * n // width])
              for j in range(width)]
    top = max(ys)
    if top <= 0:
        return " " * len(ys)
    return "".join(_SPARK[min(len(_SPARK) - 1,
                              (y * (len(_SPARK) - 1) + top - 1) // top)]
                   if y > 0 else _SPARK[0] for y in ys)


# ------------------------------------------------------------------------- #
# The column layout of every table                                          #
# ------------------------------------------------------------------------- #

# The rule above and below a report's header and its tables.
RULE = "-" * 80

#
# A table is rows of cells (str), the header one of them: each column is as
# wide as its widest cell, cells are right-aligned (left-aligned in the
# columns a table names) and two spaces apart.  What follows the cells (a
# location, a snapshot's kinds) is the caller's.


def column_widths(rows):
    """The width of each column of `rows` (lists of cells, all as long as
    the first): its widest cell."""
    return [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]


def aligned(cells, widths, left=()):
    """The cells of one row at `widths`, two spaces apart: right-aligned,
    but left-aligned in the columns whose index is in `left`."""
    return "  ".join(cell.ljust(widths[c]) if c in left
                     else cell.rjust(widths[c])
                     for c, cell in enumerate(cells))


# ------------------------------------------------------------------------- #
# Sizes                                                                     #
# ------------------------------------------------------------------------- #
#
# Sizes: a number (digits, an optional fraction, an optional leading '+')
# and an optional unit, with or without a space.  Decimal units are powers
# of 1000, binary ones powers of 1024, case-insensitive.  pytest-memray's
# forms ("64 KB", "1.5MB", "+2 GB", "512B") are accepted; note that
# pytest-memray reads KB as 1024 bytes, pyheap as 1000 (KiB is 1024).
# The one grammar of pyheap_print's options and configuration files and of
# the pytest plugin's markers (pytest_pyheap.py imports parse_size()).

SIZE_UNITS = {"": 1, "b": 1,
              "k": 1000, "kb": 1000, "m": 1000 ** 2, "mb": 1000 ** 2,
              "g": 1000 ** 3, "gb": 1000 ** 3, "t": 1000 ** 4,
              "tb": 1000 ** 4, "p": 1000 ** 5, "pb": 1000 ** 5,
              "kib": 1024, "mib": 1024 ** 2, "gib": 1024 ** 3,
              "tib": 1024 ** 4, "pib": 1024 ** 5}
_SIZE_RE = re.compile(r"\s*\+?((?:[0-9]+(?:\.[0-9]*)?)|(?:\.[0-9]+))"
                      r"\s*([A-Za-z]*)\s*$")


def parse_size(text):
    """Bytes from '64KB', '10 MiB', '1.5 GB', '100' (bytes); ValueError."""
    if isinstance(text, bool):
        raise ValueError("not a size: %r" % (text,))
    if isinstance(text, int):
        if text < 0:
            raise ValueError("not a size: %r (negative)" % (text,))
        return text
    match = _SIZE_RE.match(str(text))
    if not match or match.group(2).lower() not in SIZE_UNITS:
        raise ValueError("not a size: %r (e.g. 64KB, 10 MiB, 1.5 MB, 100: "
                         "KB = 1000 B, KiB = 1024 B)" % (text,))
    return int(float(match.group(1)) * SIZE_UNITS[match.group(2).lower()])


def parse_tolerance(text):
    """('pct', fraction) from '10%', or ('bytes', n) from a size."""
    text = str(text).strip()
    if text.endswith("%"):
        try:
            value = float(text[:-1])
        except ValueError:
            raise ValueError("not a tolerance: %r (e.g. 10%% or 4KB)" % text)
        if value < 0:
            raise ValueError("not a tolerance: %r (negative)" % text)
        return ("pct", value / 100.0)
    return ("bytes", parse_size(text))


def tolerance_text(tolerance):
    """A tolerance of parse_tolerance() as the user would write it."""
    how, value = tolerance
    if how == "pct":
        return "%s%%" % ("%g" % (value * 100.0))
    return "%s B" % num(value)


# ------------------------------------------------------------------------- #
# CSV and JSON text                                                         #
# ------------------------------------------------------------------------- #

def csv_text(header, rows):
    """CSV (RFC 4180 quoting, '\\n' line ends) with a header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def stack_text(stack):
    """A stack [(location, function)] in one CSV field: innermost first,
    'function (location)' joined by ' <- '."""
    return " <- ".join("%s (%s)" % (fn, loc) for loc, fn in stack)


def json_dumps(value):
    return json.dumps(value, ensure_ascii=False)


def json_lines(pairs):
    """A JSON object from (key, value) pairs, with one object of every
    array of objects per line (frames, samples, snapshots' sites): valid
    JSON that line tools can still read."""
    return "{\n%s\n}\n" % ",\n".join(
        "  %s: %s" % (json_dumps(key), json_text(value, 2))
        for key, value in pairs)


def _json_expands(value):
    return isinstance(value, list) and any(isinstance(v, dict)
                                           for v in value)


def json_text(value, indent):
    """`value` as json_lines() writes it at `indent`."""
    pad = " " * indent
    if _json_expands(value):
        return "[\n%s\n%s]" % (",\n".join(
            pad + "  " + json_text(v, indent + 2) for v in value), pad)
    if isinstance(value, dict) and any(_json_expands(v)
                                       for v in value.values()):
        return "{\n%s\n%s}" % (",\n".join(
            "%s  %s: %s" % (pad, json_dumps(k), json_text(v, indent + 2))
            for k, v in value.items()), pad)
    return json_dumps(value)

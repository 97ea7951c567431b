"""pyheap_viewer.reports.html: --html=FILE, one self-contained page (timeline, flame graph, verdict, tables, diff) that works offline."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The page is html/report.html with html/report.css and html/report.js put
# inline and the data (pagedata.py) as a JSON script block: one file, no
# network access at all, opened from file://.
#
# Escaping.  Everything the profiled program named -- file, function and
# type names, labels, source lines, the command line -- reaches the page
# only inside the JSON block, as JSON strings in which every "<", ">" and
# "&" is written \u003c, \u003e, \u0026: no such string can end the block
# or open a tag, whatever it holds.  The page's script sets text with
# textContent only, never innerHTML.  And the page's Content-Security-
# Policy allows no network access and only the one script and style whose
# SHA-256 it names, so a script that got in anyway would not run.
#
# Filling the template is one pass over it (its own placeholders, never
# the data's text), so "{{" or "/*PYHEAP:...*/" in a name is just text.

import base64
import hashlib
import html
import json
import os
import re

from ..errors import InputError
from ..model import At
from ..pagedata import page_data, read_for_page
from .base import Report, select_snapshot

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ASSETS = os.path.join(HERE, "html")

_PLACEHOLDER = re.compile(r"/\*PYHEAP:([A-Z]+)\*/")


class HtmlReport(Report):
    """--html=FILE: the page of one file, or with --diff of two files (or
    two snapshots of one)."""

    name = "html"

    def render(self, inputs, options, out):
        compare = None
        if options.diff:
            at = options.at or At("peak")
            at2 = options.at2 or at
            if len(options.files) == 1:
                view = inputs.read(sites=read_for_page)
                views = [(view, "")]
                compare = ((0, select_snapshot(view.profile, at)),
                           (0, select_snapshot(view.profile, at2)))
            else:
                old = inputs.read(sites=read_for_page, path=options.files[0])
                new = inputs.read(sites=read_for_page, path=options.files[1])
                views = [(old, "old"), (new, "new")]
                compare = ((0, select_snapshot(old.profile, at)),
                           (1, select_snapshot(new.profile, at2)))
        else:
            view = inputs.read(sites=read_for_page)
            views = [(view, "")]
        data = page_data(views, options, compare)
        text = page_html(data, title_of(views))
        out.write(text)
        return 0


def title_of(views):
    cmd = views[-1][0].profile.meta.get("cmd") or views[-1][0].profile.path
    if len(views) > 1:
        return "pyheap diff: %s" % cmd
    return "pyheap: %s" % cmd


def json_for_script(data):
    """JSON text that is safe inside a <script> element (see the top)."""
    text = json.dumps(data, ensure_ascii=True, separators=(",", ":"),
                      allow_nan=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("&", "\\u0026"))


def _asset(name):
    path = os.path.join(ASSETS, name)
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError as exc:
        raise InputError(path, None, "the HTML report's %s cannot be read "
                         "(%s): reinstall pyheap" % (name, exc.strerror))


def _sha256(text):
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-%s'" % base64.b64encode(digest).decode("ascii")


def page_html(data, title):
    """The whole page: the template with its script, style and data."""
    template = _asset("report.html")
    script = _asset("report.js")
    style = _asset("report.css")
    csp = ("default-src 'none'; script-src %s; style-src %s; "
           "img-src data:; connect-src 'none'; form-action 'none'; "
           "base-uri 'none'" % (_sha256(script), _sha256(style)))
    values = {
        "TITLE": html.escape(title, quote=True),
        "CSP": html.escape(csp, quote=True),
        "STYLE": style,
        "SCRIPT": script,
        "DATA": json_for_script(data),
    }

    def fill(match):
        key = match.group(1)
        if key not in values:
            raise InputError(os.path.join(ASSETS, "report.html"), None,
                             "unknown placeholder %s" % key)
        return values[key]
    return _PLACEHOLDER.sub(fill, template)

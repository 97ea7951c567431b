#!/usr/bin/env python3
"""pyheap tests: drive a pyheap HTML report in headless Chromium and print what the page shows, as JSON (test_html_browser.py asserts on it)."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: html_browser.py SCENARIO PAGE.html SHOTS-DIR [ARG]
#
# Run by an interpreter that has Selenium (Debian's python3-selenium);
# Chromium and ChromeDriver are Debian's (chromium, chromium-driver).  The
# page is opened from file:// with every host name resolving nowhere and a
# proxy that does not exist, so that any network access fails (the page
# must need none).  This script only observes: it clicks and types as a
# user would and reports what the page then shows; the test decides.
#
# Scenarios:
#   leak     the page of a leaky run: snapshots on the timeline, the peak
#            clicked, the widest frame at the root of the inverted graph
#            with the standard library hidden, a search (ARG: its text),
#            a verdict row clicked, the tables' tabs and a sort
#   diff     a --diff page: the change ("grow", "shrink", "same") of every
#            frame whose label holds ARG
#   hostile  a page of a program whose names are markup: the title, the
#            elements the page has, and the labels of its frames

import json
import os
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import UnexpectedAlertPresentException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

CHROMIUM = os.environ.get("PYHEAP_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("PYHEAP_CHROMEDRIVER", "/usr/bin/chromedriver")


def browser():
    options = Options()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--window-size=1400,1000",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost",
                "--proxy-server=http://127.0.0.1:9",
                "--disable-background-networking", "--no-first-run"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


class Page:
    def __init__(self, driver, path, shots):
        self.d = driver
        self.shots = shots
        self.logs = []
        start = time.monotonic()
        driver.get("file://" + os.path.abspath(path))
        while driver.execute_script(
                "return document.body && document.body.getAttribute('data-ready')") != "1":
            if time.monotonic() - start > 30:
                raise SystemExit("the page never became ready")
            time.sleep(0.02)
        self.ready_s = time.monotonic() - start

    def js(self, script, *args):
        return self.d.execute_script(script, *args)

    def shot(self, name, selector=None):
        path = os.path.join(self.shots, name + ".png")
        if selector:
            self.d.find_element(By.CSS_SELECTOR, selector).screenshot(path)
        else:
            self.d.save_screenshot(path)
        return path

    def click(self, selector):
        self.js("document.querySelector(arguments[0]).scrollIntoView({block: 'center'})", selector)
        self.d.find_element(By.CSS_SELECTOR, selector).click()
        time.sleep(0.15)

    def check(self, element_id):
        self.click("#" + element_id)

    def console(self):
        self.logs.extend(self.d.get_log("browser"))
        return self.logs

    def frames(self):
        """Every frame of the flame graph: label, depth, width, category,
        class names, change."""
        return self.js("""
            return Array.from(document.querySelectorAll('#flame .frame')).map(function (f) {
              return {label: f.getAttribute('data-label'), depth: +f.getAttribute('data-depth'),
                      width: f.getBoundingClientRect().width, cat: f.getAttribute('data-cat'),
                      cls: f.className, change: f.getAttribute('data-change'),
                      bytes: +f.getAttribute('data-bytes')};
            });""")


def leak(page, search_text):
    out = {"ready_s": page.ready_s}
    out["dots"] = page.js("return document.querySelectorAll('#timelines .snap-dot').length")
    out["dots_with_sites"] = page.js(
        "return document.querySelectorAll('#timelines .snap-dot:not(.nosites)').length")
    page.shot("page-initial")
    page.click("#timelines .snap-dot[data-kind=peak]")
    out["flame_title_after_peak"] = page.js("return document.getElementById('flame-title').textContent")
    out["selected_dot_kind"] = page.js(
        "var d = document.querySelector('#timelines .snap-dot.selected'); return d && d.getAttribute('data-kind')")
    page.shot("timeline", "#timeline-section")
    page.shot("flame-peak", "#flame-section")
    page.check("invert")
    page.check("hide-stdlib")
    roots = [f for f in page.frames() if f["depth"] == 1]
    roots.sort(key=lambda f: -f["width"])
    out["inverted_roots"] = roots[:5]
    page.shot("flame-inverted-no-stdlib", "#flame-section")
    page.check("invert")
    page.check("hide-stdlib")
    box = page.d.find_element(By.ID, "search")
    box.clear()
    box.send_keys(search_text)
    time.sleep(0.5)
    frames = page.frames()
    out["search_matches"] = [f["label"] for f in frames if " match" in " " + f["cls"]]
    out["search_dimmed"] = sum(1 for f in frames if " dim" in " " + f["cls"])
    out["search_status"] = page.js("return document.getElementById('flame-status').textContent")
    page.shot("flame-search", "#flame-section")
    box.clear()
    box.send_keys(" ")
    time.sleep(0.4)
    out["verdict_rows"] = page.js(
        "return Array.from(document.querySelectorAll('#verdict .site')).map(function (r) {"
        " return r.querySelector('.where').textContent; })")
    page.shot("verdict", "#verdict-section")
    if out["verdict_rows"]:
        page.click("#verdict .site")
        out["after_verdict_click"] = {
            "matches": [f["label"] for f in page.frames() if " match" in " " + f["cls"]],
            "title": page.js("return document.getElementById('flame-title').textContent"),
            "held": page.js("var h = document.querySelector('#verdict .site .held');"
                            " return h ? h.textContent : null"),
            "chain": page.js("var c = document.querySelector('#verdict .chain');"
                             " return c && !c.hidden ? c.textContent : null")}
        page.shot("verdict-chain", "#verdict-section")
    tables = {}
    for tab in ("line", "function", "package", "type"):
        page.click("#table-tabs button[data-tab=%s]" % tab)
        tables[tab] = page.js(
            "return Array.from(document.querySelectorAll('#table tbody tr')).slice(0, 5).map("
            "function (tr) { return Array.from(tr.cells).map(function (c) { return c.textContent; }); })")
    out["tables"] = tables
    page.click("#table-tabs button[data-tab=line]")
    page.click("#table thead th:nth-child(4)")      # blocks, biggest first
    out["sorted_by_blocks"] = page.js(
        "return Array.from(document.querySelectorAll('#table tbody tr')).map("
        "function (tr) { return +tr.cells[3].textContent.replace(/,/g, ''); })")
    page.shot("tables", "#tables-section")
    page.click("#table-tabs button[data-tab=type]")
    page.shot("tables-type", "#tables-section")
    return out


def diff(page, label_text):
    out = {"ready_s": page.ready_s}
    out["title"] = page.js("return document.getElementById('flame-title').textContent")
    frames = page.frames()
    out["changes"] = [f["change"] for f in frames if f["label"] and label_text in f["label"]]
    out["n_frames"] = len(frames)
    out["n_grow"] = sum(1 for f in frames if f["change"] == "grow")
    out["n_shrink"] = sum(1 for f in frames if f["change"] == "shrink")
    out["colours"] = page.js(
        "var text = arguments[0];"
        "return Array.from(document.querySelectorAll('#flame .frame')).filter(function (f) {"
        " return (f.getAttribute('data-label') || '').indexOf(text) >= 0; }).map(function (f) {"
        " return getComputedStyle(f).backgroundColor; });", label_text)
    page.shot("diff", "#flame-section")
    page.click("#table-tabs button[data-tab=line]")
    out["table"] = page.js(
        "return Array.from(document.querySelectorAll('#table tbody tr')).slice(0, 5).map("
        "function (tr) { return Array.from(tr.cells).map(function (c) { return c.textContent; }); })")
    page.shot("diff-table", "#tables-section")
    page.shot("diff-page")
    return out


def hostile(page, _arg):
    out = {"ready_s": page.ready_s}
    out["title"] = page.js("return document.title")
    out["images"] = page.js("return document.images.length")
    out["scripts"] = page.js("return document.scripts.length")
    out["pwned"] = page.js("return window.pwned || null")
    labels = [f["label"] for f in page.frames()]
    out["labels"] = labels
    out["text"] = page.js("return document.body.innerText")
    page.shot("hostile")
    return out


SCENARIOS = {"leak": leak, "diff": diff, "hostile": hostile}


def main():
    scenario, path, shots = sys.argv[1:4]
    arg = sys.argv[4] if len(sys.argv) > 4 else ""
    os.makedirs(shots, exist_ok=True)
    driver = browser()
    try:
        page = Page(driver, path, shots)
        try:
            out = SCENARIOS[scenario](page, arg)
        except UnexpectedAlertPresentException as exc:
            out = {"alert": str(exc)}
        out["console"] = page.console()
    finally:
        driver.quit()
    json.dump(out, sys.stdout, indent=1)


if __name__ == "__main__":
    main()

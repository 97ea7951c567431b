/* pyheap's HTML report: the page's script (timeline, flame graph, verdict, tables, diff), put inline by pyheap_print --html. */
/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The data is the JSON block #pyheap-data (pagedata.py says what it holds).
 * Everything the profiled program named arrives as data and is shown with
 * textContent, never parsed as markup.  No network access: the page's
 * Content-Security-Policy forbids it, and nothing here asks for any.
 *
 * One state object drives the page: the selected snapshot (and the one it
 * is compared with), the zoom, the search, the hidden frame categories.
 * Every control changes the state and calls render(), which redraws what
 * depends on it.
 */
(function () {
  "use strict";

  var D = JSON.parse(document.getElementById("pyheap-data").textContent);
  var S = D.strings;
  var FR = D.frames;
  var STK = D.stacks;
  var CAT = { user: 0, stdlib: 1, packages: 2, imports: 3, native: 4, other: 5 };
  var FOLD = -2;          // the tree's key of a "(folded)" node
  var NOSTACK = -3;       // ... of the sites without a stack
  var HIDDEN = -4;        // ... of a stack whose every frame is hidden
  var ROW_H = 20;
  var SVGNS = "http://www.w3.org/2000/svg";

  if (D.format !== 1) {
    document.getElementById("verdict").textContent =
      "This page's data is of format " + D.format + "; this page reads format 1.";
    return;
  }

  // ----------------------------------------------------------------------
  // Small helpers
  // ----------------------------------------------------------------------

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function sv(tag, attrs, cls) {
    var e = document.createElementNS(SVGNS, tag);
    for (var k in attrs) if (Object.prototype.hasOwnProperty.call(attrs, k)) e.setAttribute(k, attrs[k]);
    if (cls) e.setAttribute("class", cls);
    return e;
  }
  function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); return e; }
  function str(i) { return i < 0 ? null : S[i]; }
  function fmtNum(n) { return Math.round(n).toLocaleString("en-US"); }
  function fmtBytes(b) {
    var neg = b < 0, a = Math.abs(b), units = ["B", "KiB", "MiB", "GiB", "TiB"], i = 0;
    while (a >= 1024 && i < units.length - 1) { a /= 1024; i++; }
    var t = i === 0 ? String(Math.round(a)) : a.toFixed(a >= 100 ? 0 : 1);
    return (neg ? "-" : "") + t + " " + units[i];
  }
  function signedBytes(b) { return (b > 0 ? "+" : "") + fmtBytes(b); }
  function pct(a, b) {
    if (!b) return "0%";
    var p = 100 * a / b;
    return (Math.abs(p) >= 10 ? p.toFixed(0) : p.toFixed(1)) + "%";
  }
  function basename(p) { var i = p.lastIndexOf("/"); return i < 0 ? p : p.slice(i + 1); }
  function shortPath(p) {
    if (!p) return "?";
    var parts = p.split("/");
    return parts.length <= 2 ? p : parts.slice(-2).join("/");
  }
  // A rate in bytes per time unit, in words (as the text report says it).
  var RATE_UNITS = { B: [1e6, "per MB allocated"], i: [1e6, "per M instructions"],
                     ms: [1000, "per second"] };
  function rateText(rate, unit) {
    var u = RATE_UNITS[unit] || [1, "per time unit"];
    return "+" + fmtBytes(rate * u[0]) + " " + u[1];
  }

  // ----------------------------------------------------------------------
  // Frames and stacks
  // ----------------------------------------------------------------------

  function frameFile(fid) { return str(FR.file[fid]) || "?"; }
  function frameFunc(fid) { return str(FR.func[fid]) || "???"; }
  function frameLoc(fid) {
    var f = frameFile(fid);
    if (FR.kind[fid] === 1 && !FR.line[fid]) return f;
    return f + ":" + FR.line[fid];
  }
  function frameLabel(fid) {
    if (fid === FOLD) return "(folded)";
    if (fid === NOSTACK) return "(no stack)";
    if (fid === HIDDEN) return "(hidden frames only)";
    if (FR.kind[fid] === 1) return frameFunc(fid) + "  " + basename(frameFile(fid));
    return frameFunc(fid) + "  " + shortPath(frameFile(fid)) + ":" + FR.line[fid];
  }
  // The frames of a stack, outermost first (cached).
  var pathCache = new Map();
  function stackPath(sid) {
    var p = pathCache.get(sid);
    if (p) return p;
    p = [];
    for (var s = sid; s >= 0; s = STK.parent[s]) p.push(STK.frame[s]);
    p.reverse();
    pathCache.set(sid, p);
    return p;
  }

  // ----------------------------------------------------------------------
  // State
  // ----------------------------------------------------------------------

  var details = [];       // [{p, s, d}] every snapshot with sites, in order
  D.profiles.forEach(function (P, p) {
    P.snapshots.forEach(function (snap, s) {
      if (snap.d >= 0) details.push({ p: p, s: s, d: snap.d });
    });
  });

  var state = {
    sel: null, base: null, zoom: [], search: "", highlightFid: -1,
    hide: {}, invert: false, tab: "line", sort: null, activeSite: -1
  };
  (function initialSelection() {
    if (D.compare) {
      state.base = { p: D.compare[0][0], s: D.compare[0][1] };
      state.sel = { p: D.compare[1][0], s: D.compare[1][1] };
      return;
    }
    var P = D.profiles[D.profiles.length - 1], p = D.profiles.length - 1;
    var pick = -1;
    ["peak", "exit"].forEach(function (kind) {
      if (pick >= 0) return;
      P.snapshots.forEach(function (snap, s) { if (pick < 0 && snap.kind === kind && snap.d >= 0) pick = s; });
    });
    if (pick < 0 && details.length) { p = details[details.length - 1].p; pick = details[details.length - 1].s; }
    if (pick >= 0) state.sel = { p: p, s: pick };
  })();

  function snapOf(ref) { return ref ? D.profiles[ref.p].snapshots[ref.s] : null; }
  function detailOf(ref) {
    var snap = snapOf(ref);
    return snap && snap.d >= 0 ? D.profiles[ref.p].details[snap.d] : null;
  }
  function snapName(ref) {
    var P = D.profiles[ref.p], snap = P.snapshots[ref.s];
    var name = snap.kind === "detailed" ? "snapshot " + snap.n : snap.name;
    return (P.name ? P.name + ": " : "") + name;
  }
  function sameRef(a, b) { return a && b && a.p === b.p && a.s === b.s; }
  // Compared snapshots go in time order: the earlier (or the old file's)
  // is "before", whichever was picked first.
  function orderCompare() {
    var a = state.base, b = state.sel;
    if (!a || !b) return;
    if (sameRef(a, b)) { state.base = null; return; }
    if (a.p > b.p || (a.p === b.p && a.s > b.s)) { state.base = b; state.sel = a; }
  }

  // ----------------------------------------------------------------------
  // Tooltip
  // ----------------------------------------------------------------------

  var tip = document.getElementById("tooltip");
  function showTip(ev, build) {
    clear(tip);
    build(tip);
    tip.hidden = false;
    var x = ev.clientX + 14, y = ev.clientY + 14;
    var w = tip.offsetWidth, h = tip.offsetHeight;
    if (x + w > window.innerWidth - 8) x = Math.max(8, ev.clientX - w - 14);
    if (y + h > window.innerHeight - 8) y = Math.max(8, ev.clientY - h - 14);
    tip.style.left = x + "px";
    tip.style.top = y + "px";
  }
  function hideTip() { tip.hidden = true; }
  function tipRows(parent, rows) {
    var t = el("table");
    rows.forEach(function (r) {
      var tr = el("tr");
      tr.appendChild(el("td", null, r[0]));
      tr.appendChild(el("td", "num", r[1]));
      if (r.length > 2) tr.appendChild(el("td", null, r[2]));
      t.appendChild(tr);
    });
    parent.appendChild(t);
  }

  // ----------------------------------------------------------------------
  // Header, facts, limits
  // ----------------------------------------------------------------------

  function renderHeader() {
    var cmds = D.profiles.map(function (P) { return P.facts.length ? P.facts[0][1] : P.path; });
    document.getElementById("title").textContent = D.profiles.length > 1
      ? "diff: " + (cmds[0] === cmds[1] ? cmds[1] : cmds[0] + "  \u2192  " + cmds[1]) : cmds[0];
    var facts = clear(document.getElementById("facts"));
    D.profiles.forEach(function (P) {
      if (P.name) facts.appendChild(el("h3", null, P.name === "old" ? "Old (baseline)" : "New"));
      var dl = el("dl", "facts");
      P.facts.forEach(function (f) {
        dl.appendChild(el("dt", null, f[0]));
        dl.appendChild(el("dd", null, f[1]));
      });
      facts.appendChild(dl);
    });
    var lim = D.limits, parts = [];
    D.profiles.forEach(function (P) {
      var who = P.name ? (P.name === "old" ? "Old: s" : "New: s") : "S";
      parts.push(who + "ites kept for " + P.details.length + " of " + P.snapshots_with_sites +
                 " snapshots with sites" + (P.details.length < P.snapshots_with_sites
                   ? " (--html-snapshots=N keeps more)" : "") +
                 "; the timeline draws " + P.samples.time.length + " of " + P.samples.n + " samples" +
                 (P.samples.time.length < P.samples.n ? " (the highest of each stretch)" : ""));
    });
    parts.push(lim.fold_below > 0
      ? "Stacks that hold under " + lim.fold_below + "% of a snapshot's heap in every snapshot of the page " +
        "are folded into their callers (--fold-below=PCT; 0 keeps every stack)"
      : "No stack is folded (--fold-below=0)");
    parts.push("Each table keeps its " + lim.table_rows + " biggest rows and sums the rest");
    document.getElementById("limits").textContent = parts.join(". ") + ".";
  }

  // ----------------------------------------------------------------------
  // The verdict
  // ----------------------------------------------------------------------

  function sparkline(values, w, h) {
    var g = sv("svg", { width: w, height: h, viewBox: "0 0 " + w + " " + h });
    if (!values || values.length < 2) return g;
    var max = Math.max.apply(null, values) || 1, n = values.length, pts = [];
    for (var i = 0; i < n; i++)
      pts.push((i * (w - 2) / (n - 1) + 1).toFixed(1) + "," + (h - 1 - (h - 3) * values[i] / max).toFixed(1));
    g.appendChild(sv("polyline", { points: "1," + (h - 1) + " " + pts.join(" ") + " " + (w - 1) + "," + (h - 1),
                                   fill: "rgba(209,53,43,.12)", stroke: "none" }));
    g.appendChild(sv("polyline", { points: pts.join(" "), fill: "none", stroke: "#d1352b", "stroke-width": 1.6 }));
    return g;
  }

  function renderVerdict() {
    var box = clear(document.getElementById("verdict"));
    var p = D.profiles.length - 1, P = D.profiles[p], V = P.verdict;
    if (D.view && D.view.length)
      box.appendChild(el("div", "view-note", "This page shows a part of the profile: " + D.view.join("; ") + "."));
    if (D.profiles.length > 1)
      box.appendChild(el("div", "status", "The verdict of the new file (" + P.path + "):"));
    if (V.judged === null) {
      box.appendChild(el("div", "verdict-head", "Not judged: " + V.note));
    } else if (!V.growing.length) {
      box.appendChild(el("div", "verdict-head clean",
        "No line grows steadily to the end (" + fmtNum(V.judged) + " lines judged " +
        (V.method === "births" ? "by when their blocks were born" : "by their trend") + ")."));
    } else {
      box.appendChild(el("div", "verdict-head leak",
        "Leak? " + V.n_growing + (V.n_growing === 1 ? " line keeps" : " lines keep") +
        " growing to the end: " + fmtBytes(V.growing_bytes) + ", " + pct(V.growing_bytes, V.end_heap) +
        " of the heap at exit."));
      var list = el("div", "sites");
      V.growing.forEach(function (g, i) {
        var row = el("div", "site");
        row.setAttribute("data-frame", g.frame);
        row.appendChild(el("div", "rank", i + 1));
        var where = el("div", "where");
        var loc = el("div");
        loc.appendChild(el("span", null, (g.short || g.location) + " "));
        loc.appendChild(el("span", "fn", g.function));
        loc.title = g.location + " " + g.function;
        where.appendChild(loc);
        var src = g.frame >= 0 ? str(FR.src[g.frame]) : null;
        if (src) where.appendChild(el("div", "src", src));
        row.appendChild(where);
        var fig = el("div", "figures");
        fig.appendChild(el("b", null, fmtBytes(g.bytes)));
        fig.appendChild(el("span", null, " at exit (" + pct(g.bytes, V.end_heap) + ")"));
        fig.appendChild(el("div", null, rateText(g.rate, P.time_unit) +
          (g.since !== null && V.end_time ? ", since " + pct(g.since, V.end_time) + " of the run" : "")));
        if (g.type) fig.appendChild(el("div", null, "mostly " + g.type));
        if (g.held_by) fig.appendChild(el("div", "held", "held by " + g.held_by.text +
                                          " (" + pct(g.held_by.share, 1) + ")"));
        row.appendChild(fig);
        row.appendChild(sparkline(g.series, 200, 38));
        var chain = g.held_by ? holderChain(g.held_by) : null;
        row.addEventListener("click", function () {
          if (chain) chain.hidden = !chain.hidden;
          focusSite(p, g.frame, i);
        });
        list.appendChild(row);
        if (chain) list.appendChild(chain);
      });
      box.appendChild(list);
      if (V.n_growing > V.growing.length)
        box.appendChild(el("div", "status", (V.n_growing - V.growing.length) + " more: pyheap_print --growth"));
    }
    if (P.leaks) renderLeaks(box, P);
    if (P.pinning && P.pinning.sparse_arenas) renderPinning(box, P.pinning);
  }

  // Who holds a growing line's blocks at exit: the chain of pointers from
  // its first holder down to them (pyheap_print --retainers), shown when
  // the line is clicked.
  function holderChain(h) {
    var box = el("div", "chain");
    box.hidden = true;
    box.appendChild(el("div", "status", "Who holds it at exit (" + pct(h.share, 1) +
                       " of its bytes; pyheap_print --retainers for all):"));
    var ol = el("ol");
    h.chain.forEach(function (link, k) {
      var li = el("li", null, (k ? "through " : "") + link.what +
                  (link.name ? " `" + link.name + "`" : "") + " made at " +
                  link.location + " " + link.function);
      ol.appendChild(li);
    });
    if (!h.chain.length) ol.appendChild(el("li", null, h.text));
    box.appendChild(ol);
    if (h.module) box.appendChild(el("div", "status", "in module `" + h.module + "`"));
    return box;
  }

  function smallTable(parent, heads, rows, onClick) {
    var t = el("table", "small-table"), tr = el("tr");
    heads.forEach(function (h) { tr.appendChild(el("th", null, h)); });
    t.appendChild(tr);
    rows.forEach(function (r) {
      var row = el("tr");
      r.cells.forEach(function (c, i) { row.appendChild(el("td", i ? "num" : "mono", c)); });
      if (onClick && r.frame >= 0) {
        row.style.cursor = "pointer";
        row.addEventListener("click", function () { onClick(r.frame); });
      }
      t.appendChild(row);
    });
    parent.appendChild(t);
  }

  function renderLeaks(box, P) {
    var L = P.leaks, div = el("div", "leaks");
    div.appendChild(el("h3", null, "What each iteration leaves behind (pyheap.mark())"));
    if (L.note) { div.appendChild(el("div", "status", L.note)); box.appendChild(div); return; }
    if (!L.rows.length) {
      div.appendChild(el("div", "status", "Nothing is left behind by the iterations (" + L.marks + " marks)."));
    } else {
      smallTable(div, ["line", "left per iteration", "survivors", "type"], L.rows.map(function (r) {
        return { frame: r.frame, cells: [r.function + " (" + r.location + ")", fmtBytes(r.mean),
                                          fmtBytes(r.survivors), r.type || ""] };
      }), function (fid) { focusSite(D.profiles.indexOf(P), fid, -1); });
    }
    box.appendChild(div);
  }

  function renderPinning(box, pin) {
    var div = el("div", "pinning");
    div.appendChild(el("h3", null, "Arenas kept mapped at low use"));
    div.appendChild(el("div", "status", pin.sparse_arenas + " of " + pin.arenas + " pymalloc arenas (" +
      fmtBytes(pin.sparse_arena_bytes) + ") are under " + (10 * pin.sparse_bands) +
      "% used at exit; the live blocks keeping them:"));
    smallTable(div, ["line", "bytes in them", "arenas"], pin.kept_by.slice(0, 5).map(function (h) {
      return { frame: h.frame, cells: [h.function + " (" + h.location + ")", fmtBytes(h.bytes), String(h.arenas)] };
    }), function (fid) { focusSite(D.profiles.length - 1, fid, -1); });
    box.appendChild(div);
  }

  // A site of the verdict: select the exit (else the last snapshot with
  // sites) and mark its frame in the flame graph.
  function focusSite(p, fid, index) {
    var P = D.profiles[p], pick = -1;
    P.snapshots.forEach(function (snap, s) { if (snap.kind === "exit" && snap.d >= 0) pick = s; });
    if (pick < 0) details.forEach(function (x) { if (x.p === p) pick = x.s; });
    if (pick >= 0) { state.sel = { p: p, s: pick }; if (!D.compare) state.base = null; }
    state.zoom = [];
    unhideFrame(fid);
    state.highlightFid = fid;
    state.search = "";
    state.activeSite = index;
    document.getElementById("search").value = fid >= 0 ? frameLoc(fid) : "";
    render();
    document.getElementById("flame-section").scrollIntoView({ block: "start" });
  }

  // ----------------------------------------------------------------------
  // Timelines
  // ----------------------------------------------------------------------

  function niceStep(max, n) {
    var raw = max / n, mag = Math.pow(10, Math.floor(Math.log10(raw || 1))), r = raw / mag;
    return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * mag;
  }
  // A step for byte ticks in whole units of the largest unit under max
  // (1 MiB, 2 MiB, ...; not 1000 KiB, 1.95 MiB).
  function niceBytesStep(max, n) {
    var unit = 1;
    while (max >= unit * 1024 && unit < Math.pow(1024, 4)) unit *= 1024;
    return niceStep(max / unit, n) * unit;
  }
  function fmtTime(t, unit) {
    if (unit === "ms") return (t / 1000).toFixed(t < 10000 ? 2 : 1) + " s";
    if (unit === "B") return fmtBytes(t);
    if (t >= 1e9) return (t / 1e9).toFixed(1) + "G i";
    if (t >= 1e6) return (t / 1e6).toFixed(1) + "M i";
    if (t >= 1e3) return (t / 1e3).toFixed(1) + "k i";
    return t + " i";
  }

  var timelineDots = [];   // every dot: {p, s, node}

  function renderTimelines() {
    var box = clear(document.getElementById("timelines"));
    timelineDots = [];
    // Two files (--diff) share their scales: the bigger heap looks bigger.
    var scale = { tmax: 1, ymax: 1 };
    D.profiles.forEach(function (P) {
      for (var i = 0; i < P.samples.time.length; i++) {
        scale.tmax = Math.max(scale.tmax, P.samples.time[i]);
        scale.ymax = Math.max(scale.ymax, P.samples.raw[i] + P.samples.pym[i] + P.samples.large[i],
                              P.samples.arena[i]);
      }
      P.snapshots.forEach(function (s) {
        scale.tmax = Math.max(scale.tmax, s.time);
        scale.ymax = Math.max(scale.ymax, s.heap, s.arena ? s.arena[1] : 0);
      });
    });
    D.profiles.forEach(function (P, p) { box.appendChild(timeline(P, p, scale)); });
    var lg = el("div", "legend-row");
    [["var(--raw)", "raw (malloc)"], ["var(--pymalloc)", "pymalloc"], ["var(--large)", "python-large"]]
      .forEach(function (c) {
        var s = el("span"), sw = el("span", "swatch");
        sw.style.background = c[0];
        s.appendChild(sw); s.appendChild(document.createTextNode(c[1])); lg.appendChild(s);
      });
    lg.appendChild(el("span", null, "- - - pymalloc arenas mapped (the gap above pymalloc is free space in them)"));
    lg.appendChild(el("span", null, "\u25CF snapshot with sites (click: look inside; shift-click: compare with)"));
    box.appendChild(lg);
  }

  function timeline(P, p, scale) {
    var wrap = el("div", "timeline");
    if (P.name) wrap.appendChild(el("div", "tl-name", (P.name === "old" ? "Old: " : "New: ") + P.path));
    var W = 1000, H = 262, ml = 74, mr = 14, mt = 40, mb = 38;
    var g = sv("svg", { viewBox: "0 0 " + W + " " + H, role: "img" });
    var T = P.samples.time, n = T.length, i;
    var tmax = scale.tmax, ymax = scale.ymax * 1.06;
    var x = function (t) { return ml + (W - ml - mr) * t / tmax; };
    var y = function (b) { return H - mb - (H - mt - mb) * b / ymax; };
    var axis = sv("g", {}, "axis");
    var step = niceBytesStep(ymax, 4);
    for (var v = 0; v <= ymax; v += step) {
      axis.appendChild(sv("line", { x1: ml, x2: W - mr, y1: y(v), y2: y(v) }, "gridline"));
      var lab = sv("text", { x: ml - 6, y: y(v) + 4, "text-anchor": "end" });
      lab.textContent = fmtBytes(v);
      axis.appendChild(lab);
    }
    var tstep = P.time_unit === "B" ? niceBytesStep(tmax, 8) : niceStep(tmax, 8);
    for (var t = 0; t <= tmax; t += tstep) {
      var tl = sv("text", { x: x(t), y: H - mb + 16, "text-anchor": "middle" });
      tl.textContent = fmtTime(t, P.time_unit);
      axis.appendChild(tl);
    }
    axis.appendChild(sv("line", { x1: ml, x2: W - mr, y1: y(0), y2: y(0) }));
    var unitText = sv("text", { x: (ml + W - mr) / 2, y: H - 3, "text-anchor": "middle" });
    unitText.textContent = "time: " + P.time_unit_text;
    axis.appendChild(unitText);
    g.appendChild(axis);
    // The labels' lines go under the data (a spike at the peak shows).
    var under = sv("g");
    g.appendChild(under);
    // Stacked areas: raw, then pymalloc, then python-large on top.
    var layers = [["raw", "area-raw"], ["pym", "area-pymalloc"], ["large", "area-large"]];
    var base = new Array(n).fill(0);
    layers.forEach(function (layer) {
      var col = P.samples[layer[0]], top = [], bottom = [];
      for (var k = 0; k < n; k++) {
        var b0 = base[k], b1 = b0 + col[k];
        bottom.push(x(T[k]).toFixed(1) + "," + y(b0).toFixed(1));
        top.push(x(T[k]).toFixed(1) + "," + y(b1).toFixed(1));
        base[k] = b1;
      }
      if (n) g.appendChild(sv("polygon", { points: top.concat(bottom.reverse()).join(" ") }, layer[1]));
    });
    // The heap's outline, stroked: a spike narrower than a pixel (a big
    // array made and freed between two samples) still shows.
    var outline = [];
    for (i = 0; i < n; i++) outline.push(x(T[i]).toFixed(1) + "," + y(base[i]).toFixed(1));
    if (n) g.appendChild(sv("polyline", { points: outline.join(" ") }, "heap-line"));
    var arena = [];
    for (i = 0; i < n; i++) arena.push(x(T[i]).toFixed(1) + "," + y(P.samples.arena[i]).toFixed(1));
    if (n && Math.max.apply(null, P.samples.arena) > 0)
      g.appendChild(sv("polyline", { points: arena.join(" ") }, "arena-line"));
    // Snapshots: a dot on the curve each; labels for the peak, the exit
    // and labelled ones, staggered where they would overlap.  The dots are
    // drawn detailed first, the peak last, so that of two dots at one
    // place (the peak is often next to the exit) the peak is on top.
    var rows = [[], [], []];
    var order = P.snapshots.map(function (s, si) { return si; });
    var rank = { detailed: 0, mark: 1, user: 2, region: 2, exit: 3, peak: 4 };
    order.sort(function (a, b) {
      return (rank[P.snapshots[a].kind] || 0) - (rank[P.snapshots[b].kind] || 0) || a - b;
    });
    // Labels go in the first of three rows where they do not overlap
    // (about 6.5 units a character); one that fits nowhere is left out
    // (its dot's tooltip names it).  The peak and the exit go first.
    var labelOrder = P.snapshots.filter(function (s) {
      return s.kind === "peak" || s.kind === "exit" || s.kind === "user" || s.kind === "region";
    });
    labelOrder.sort(function (a, b) { return (rank[b.kind] || 0) - (rank[a.kind] || 0) || a.time - b.time; });
    labelOrder.forEach(function (s) {
      var name = s.kind === "peak" || s.kind === "exit" ? s.kind : s.label;
      if (name.length > 18) name = name.slice(0, 17) + "\u2026";
      var cx = x(s.time), w = name.length * 6.5 + 10;
      var left = Math.max(ml - 30, Math.min(cx - w / 2, W - mr - w)), row = 0;
      var clash = function (iv) { return iv[0] < left + w && left < iv[1]; };
      while (row < 3 && rows[row].some(clash)) row++;
      if (row === 3) return;
      rows[row].push([left, left + w]);
      var ty = 12 + row * 12;
      under.appendChild(sv("line", { x1: cx, x2: cx, y1: ty + 3, y2: y(0) }, "snap-line"));
      var txt = sv("text", { x: left + w / 2, y: ty, "text-anchor": "middle" }, "snap-label");
      txt.textContent = name;
      under.appendChild(txt);
    });
    order.forEach(function (si) {
      var s = P.snapshots[si];
      var cx = x(s.time), cy = y(s.heap);
      var dot = sv("circle", { cx: cx, cy: cy, r: s.d >= 0 ? 4.5 : 1.8 },
                   "snap-dot kind-" + s.kind + (s.d >= 0 ? "" : " nosites"));
      dot.setAttribute("data-kind", s.kind);
      dot.setAttribute("data-n", s.n);
      dot.addEventListener("mousemove", function (ev) {
        ev.stopPropagation();
        showTip(ev, function (t) {
          t.appendChild(el("div", "tt-title", snapName({ p: p, s: si })));
          tipRows(t, [["time", fmtTime(s.time, P.time_unit)], ["heap", fmtBytes(s.heap)],
                      ["blocks", fmtNum(s.blocks)], ["raw", fmtBytes(s.cls[0][0])],
                      ["pymalloc", fmtBytes(s.cls[1][0])], ["python-large", fmtBytes(s.cls[2][0])]]
                     .concat(s.arena ? [["arenas", s.arena[0] + " (" + fmtBytes(s.arena[1]) + ")"]] : []));
          if (s.d < 0) t.appendChild(el("div", null, "its sites are not in this page (--html-snapshots)"));
        });
      });
      dot.addEventListener("mouseleave", hideTip);
      if (s.d >= 0) {
        dot.addEventListener("click", function (ev) {
          if (ev.shiftKey) state.base = { p: p, s: si };
          else state.sel = { p: p, s: si };
          orderCompare();
          state.zoom = []; state.sort = null;
          render();
        });
      }
      g.appendChild(dot);
      timelineDots.push({ p: p, s: si, node: dot });
    });
    // Hover: the nearest sample's figures.
    var hover = sv("line", { x1: 0, x2: 0, y1: mt, y2: y(0), visibility: "hidden" }, "hover-line");
    g.appendChild(hover);
    g.addEventListener("mousemove", function (ev) {
      var r = g.getBoundingClientRect();
      var px = (ev.clientX - r.left) * W / r.width;
      if (px < ml || px > W - mr || !n) { hover.setAttribute("visibility", "hidden"); hideTip(); return; }
      var tt = (px - ml) / (W - ml - mr) * tmax, lo = 0, hi = n - 1;
      while (lo < hi) { var mid = (lo + hi) >> 1; if (T[mid] < tt) lo = mid + 1; else hi = mid; }
      if (lo > 0 && Math.abs(T[lo - 1] - tt) < Math.abs(T[lo] - tt)) lo--;
      hover.setAttribute("x1", x(T[lo])); hover.setAttribute("x2", x(T[lo]));
      hover.setAttribute("visibility", "visible");
      var c = P.samples, heap = c.raw[lo] + c.pym[lo] + c.large[lo];
      showTip(ev, function (t) {
        t.appendChild(el("div", "tt-title", fmtTime(T[lo], P.time_unit)));
        tipRows(t, [["heap", fmtBytes(heap)], ["raw", fmtBytes(c.raw[lo])], ["pymalloc", fmtBytes(c.pym[lo])],
                    ["python-large", fmtBytes(c.large[lo])], ["arenas", fmtBytes(c.arena[lo])]]);
      });
    });
    g.addEventListener("mouseleave", function () { hover.setAttribute("visibility", "hidden"); hideTip(); });
    wrap.appendChild(g);
    return wrap;
  }

  function markTimelineSelection() {
    timelineDots.forEach(function (dot) {
      var ref = { p: dot.p, s: dot.s };
      dot.node.classList.toggle("selected", sameRef(ref, state.sel));
      dot.node.classList.toggle("base", sameRef(ref, state.base));
    });
  }

  // ----------------------------------------------------------------------
  // The flame graph (an icicle: callers above callees)
  // ----------------------------------------------------------------------

  function newNode(key, depth, parent) {
    return { key: key, depth: depth, parent: parent, kids: new Map(),
             v: [0, 0], n: [0, 0], cls: [[0, 0, 0], [0, 0, 0]], types: null, folded: 0, L: 0 };
  }
  function addTo(node, side, det, i) {
    var R = det.rows;
    node.v[side] += R.b[i];
    node.n[side] += R.n[i];
    node.cls[side][0] += R.raw[i];
    node.cls[side][1] += R.pym[i];
    node.cls[side][2] += R.large[i];
    if (side === 0 && R.ty[i] >= 0) {
      if (!node.types) node.types = new Map();
      node.types.set(R.ty[i], (node.types.get(R.ty[i]) || 0) + R.tyb[i]);
    }
  }
  function child(node, key) {
    var c = node.kids.get(key);
    if (!c) { c = newNode(key, node.depth + 1, node); node.kids.set(key, c); }
    return c;
  }

  function buildTree(sel, base) {
    var root = newNode(-1, 0, null);
    [[sel, 0], [base, 1]].forEach(function (pair) {
      var det = pair[0];
      if (!det) return;
      var side = pair[1], R = det.rows;
      for (var i = 0; i < R.sid.length; i++) {
        var sid = R.sid[i], path = sid >= 0 ? stackPath(sid) : [];
        var keys = [];
        for (var j = 0; j < path.length; j++) if (!state.hide[FR.cat[path[j]]]) keys.push(path[j]);
        if (state.invert) keys.reverse();
        var fold = R.fold[i] > 0;
        if (fold) { if (state.invert) keys.unshift(FOLD); else keys.push(FOLD); }
        else if (sid < 0) keys = [NOSTACK];
        else if (!keys.length) keys = [HIDDEN];
        var node = root;
        addTo(node, side, det, i);
        for (var k = 0; k < keys.length; k++) {
          node = child(node, keys[k]);
          addTo(node, side, det, i);
          if (keys[k] === FOLD) node.folded += side === 0 ? R.fold[i] : 0;
        }
      }
    });
    layoutValues(root, !!base);
    return root;
  }
  // The width a node gets: its bytes; comparing, the larger of its own
  // bytes on either side plus its children's widths (so children always
  // fit in their parent).
  function layoutValues(node, diff) {
    var sumL = 0, sum0 = 0, sum1 = 0;
    node.kids.forEach(function (c) { layoutValues(c, diff); sumL += c.L; sum0 += c.v[0]; sum1 += c.v[1]; });
    node.L = diff ? sumL + Math.max(node.v[0] - sum0, node.v[1] - sum1, 0) : node.v[0];
  }
  function sortedKids(node) {
    var kids = Array.from(node.kids.values());
    kids.sort(function (a, b) { return b.L - a.L || a.key - b.key; });
    return kids;
  }

  function nodeColor(node, diff, maxDelta) {
    if (diff) {
      var d = node.v[0] - node.v[1];
      if (!d || !maxDelta) return "hsl(215, 10%, 88%)";
      var a = Math.min(1, Math.abs(d) / maxDelta), light = 92 - 42 * Math.sqrt(a);
      return d > 0 ? "hsl(4, 75%, " + light + "%)" : "hsl(213, 70%, " + light + "%)";
    }
    var key = node.key;
    if (key === FOLD || key === HIDDEN) return "hsl(215, 16%, 88%)";
    if (key === NOSTACK) return "hsl(215, 16%, 80%)";
    if (key < 0) return "hsl(215, 20%, 78%)";
    var h = 0, name = frameFunc(key);
    for (var i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) | 0;
    var jitter = (Math.abs(h) % 10) - 5;
    switch (FR.cat[key]) {
      case CAT.user: return "hsl(" + (24 + jitter * 1.5) + ", 90%, " + (62 + jitter / 2) + "%)";
      case CAT.stdlib: return "hsl(" + (212 + jitter) + ", 30%, " + (78 + jitter / 2) + "%)";
      case CAT.packages: return "hsl(" + (158 + jitter) + ", 34%, " + (72 + jitter / 2) + "%)";
      case CAT.imports: return "hsl(0, 0%, " + (80 + jitter / 2) + "%)";
      case CAT.native: return "hsl(" + (272 + jitter) + ", 32%, " + (80 + jitter / 2) + "%)";
      default: return "hsl(" + (190 + jitter) + ", 24%, " + (76 + jitter / 2) + "%)";
    }
  }

  function nodeMatches(node) {
    if (node.key < 0) return false;
    if (state.highlightFid >= 0) return node.key === state.highlightFid;
    if (!state.search) return false;
    var q = state.search;
    return (frameFunc(node.key) + " " + frameLoc(node.key)).toLowerCase().indexOf(q) >= 0;
  }

  var flameRoot = null;
  function renderFlame() {
    var box = clear(document.getElementById("flame"));
    var sel = detailOf(state.sel), base = detailOf(state.base);
    var title = document.getElementById("flame-title");
    var status = document.getElementById("flame-status");
    if (!sel) {
      title.textContent = "Flame graph";
      status.textContent = "This file has no snapshot with sites: run longer, or take one with pyheap.snapshot().";
      flameRoot = null;
      return;
    }
    var diff = !!base;
    title.textContent = diff ? "What changed: " + snapName(state.base) + " \u2192 " + snapName(state.sel)
                             : "Live memory at " + snapName(state.sel) + " by Python stack";
    var root = flameRoot = buildTree(sel, base);
    // The zoomed node: follow state.zoom's keys from the root as far as they go.
    var focus = root;
    for (var z = 0; z < state.zoom.length; z++) {
      var nx = focus.kids.get(state.zoom[z]);
      if (!nx) break;
      focus = nx;
    }
    var W = box.clientWidth || 1000, maxDepth = 0, shown = [];
    var maxDelta = 0;
    if (diff) (function walk(n) { maxDelta = Math.max(maxDelta, Math.abs(n.v[0] - n.v[1]) * (n === root ? 0 : 1));
                                  n.kids.forEach(walk); })(root);
    // Ancestors of the focus span the whole width.
    var chain = [];
    for (var a = focus; a; a = a.parent) chain.unshift(a);
    chain.forEach(function (n) { shown.push({ node: n, x: 0, w: W, anc: n !== focus }); });
    var scale = focus.L > 0 ? W / focus.L : 0;
    (function place(n, x0) {
      var x = x0;
      sortedKids(n).forEach(function (c) {
        var w = c.L * scale;
        if (w >= 0.6) {
          shown.push({ node: c, x: x, w: w, anc: false });
          place(c, x);
        }
        x += w;
      });
    })(focus, 0);
    var matched = 0, nmatch = 0, searching = state.highlightFid >= 0 || !!state.search;
    var frag = document.createDocumentFragment();
    shown.forEach(function (item) {
      var n = item.node, d = document.createElement("div");
      maxDepth = Math.max(maxDepth, n.depth);
      d.className = "frame";
      var key = n.key;
      if (key >= 0) d.classList.add("cat-" + FR.cat[key]);
      if (key === FOLD) d.classList.add("folded");
      if (item.anc) d.classList.add("ancestor");
      d.style.left = item.x.toFixed(2) + "px";
      d.style.width = Math.max(item.w - 0, 0.6).toFixed(2) + "px";
      d.style.top = (n.depth * ROW_H) + "px";
      d.style.background = nodeColor(n, diff, maxDelta);
      var label = key === -1 ? (diff ? "all (change " + signedBytes(n.v[0] - n.v[1]) + ")"
                                     : "all: " + fmtBytes(n.v[0]))
                             : frameLabel(key) + (key === FOLD ? " " + n.folded + " stacks" : "");
      if (item.w > 24) d.textContent = label;
      d.setAttribute("data-key", key);
      d.setAttribute("data-depth", n.depth);
      d.setAttribute("data-bytes", n.v[0]);
      d.setAttribute("data-label", label);
      if (key >= 0) d.setAttribute("data-cat", FR.cat[key]);
      if (diff) d.setAttribute("data-change", n.v[0] > n.v[1] ? "grow" : n.v[0] < n.v[1] ? "shrink" : "same");
      if (searching && key >= 0) {
        if (nodeMatches(n)) {
          d.classList.add("match");
          var up = n.parent, inside = false;
          for (; up; up = up.parent) if (nodeMatches(up)) { inside = true; break; }
          if (!inside) { matched += n.v[0]; nmatch++; }
        } else d.classList.add("dim");
      }
      d.addEventListener("mousemove", function (ev) { showTip(ev, function (t) { nodeTip(t, n, root, diff); }); });
      d.addEventListener("mouseleave", hideTip);
      d.addEventListener("click", function () {
        var keys = [];
        for (var u = n; u && u.parent; u = u.parent) keys.unshift(u.key);
        state.zoom = keys;
        hideTip();
        renderFlame();
      });
      frag.appendChild(d);
    });
    box.appendChild(frag);
    box.style.height = ((maxDepth + 1) * ROW_H + 4) + "px";
    var parts = [];
    parts.push(fmtBytes(sel.rows.b.reduce(function (s, v) { return s + v; }, 0)) + " in " +
               fmtNum(sel.stacks) + " stacks");
    if (sel.folded_stacks) parts.push(fmtNum(sel.folded_stacks) + " stacks (" + fmtBytes(sel.folded_bytes) +
                                      ") folded into their callers, each under " + D.limits.fold_below + "% of the heap");
    if (diff) parts.push("red: grew, blue: shrank since " + snapName(state.base) + "; widths are the larger side");
    if (focus !== root) parts.push("zoomed on " + frameLabel(focus.key) + " (click the top bar or Reset zoom)");
    if (searching) parts.push("search: " + nmatch + (nmatch === 1 ? " frame, " : " frames, ") + fmtBytes(matched) + " (" + pct(matched, root.v[0]) + ")");
    status.textContent = parts.join("; ");
  }

  function nodeTip(t, n, root, diff) {
    var key = n.key;
    if (key >= 0) {
      t.appendChild(el("div", "tt-title", frameFunc(key)));
      t.appendChild(el("div", null, frameLoc(key) + "  [" + D.categories[FR.cat[key]] + "]"));
      var src = str(FR.src[key]);
      if (src) t.appendChild(el("div", "tt-src", src));
    } else {
      t.appendChild(el("div", "tt-title", key === -1 ? "everything" : frameLabel(key)));
      if (key === FOLD) t.appendChild(el("div", null, n.folded + " stacks under " + D.limits.fold_below +
        "% of the heap each, folded into this caller (--fold-below=0 keeps them)"));
    }
    var rows = [];
    if (diff) {
      rows.push(["before", fmtBytes(n.v[1]), fmtNum(n.n[1]) + " blocks"]);
      rows.push(["after", fmtBytes(n.v[0]), fmtNum(n.n[0]) + " blocks"]);
      rows.push(["change", signedBytes(n.v[0] - n.v[1]), n.v[1] ? pct(n.v[0] - n.v[1], n.v[1]) : "new"]);
    } else {
      rows.push(["bytes", fmtBytes(n.v[0]) + " (" + fmtNum(n.v[0]) + " B)", pct(n.v[0], root.v[0]) + " of all"]);
      if (n.parent) rows.push(["of caller", pct(n.v[0], n.parent.v[0]), ""]);
      rows.push(["blocks", fmtNum(n.n[0]), ""]);
    }
    var c = n.cls[0];
    rows.push(["raw / pymalloc / large", fmtBytes(c[0]) + " / " + fmtBytes(c[1]) + " / " + fmtBytes(c[2]), ""]);
    if (n.types && n.types.size) {
      var best = -1, bestB = -1;
      n.types.forEach(function (b, ty) { if (b > bestB) { best = ty; bestB = b; } });
      rows.push(["mostly", str(best), fmtBytes(bestB)]);
    }
    tipRows(t, rows);
  }

  function renderLegend() {
    var lg = clear(document.getElementById("legend"));
    var items = detailOf(state.base)
      ? [["hsl(4,75%,60%)", "grew"], ["hsl(213,70%,60%)", "shrank"], ["hsl(215,10%,88%)", "unchanged"]]
      : [["hsl(24,90%,62%)", "your code"], ["hsl(212,30%,78%)", "standard library"],
         ["hsl(158,34%,72%)", "site-packages"], ["hsl(0,0%,80%)", "import machinery"],
         ["hsl(272,32%,80%)", "native"], ["hsl(215,16%,88%)", "folded (small stacks)"]];
    items.forEach(function (it) {
      var s = el("span"), sw = el("span", "swatch");
      sw.style.background = it[0];
      s.appendChild(sw); s.appendChild(document.createTextNode(it[1])); lg.appendChild(s);
    });
    lg.appendChild(el("span", null, "click a frame to zoom; the search box marks frames by file, line or function"));
  }

  // ----------------------------------------------------------------------
  // Tables
  // ----------------------------------------------------------------------

  var TABS = [["line", "By line"], ["function", "By function"], ["package", "By package"], ["type", "By type"]];

  function renderTabs() {
    var tabs = clear(document.getElementById("table-tabs"));
    TABS.forEach(function (t) {
      var b = el("button", t[0] === state.tab ? "active" : "", t[1]);
      b.type = "button";
      b.setAttribute("data-tab", t[0]);
      b.addEventListener("click", function () { state.tab = t[0]; state.sort = null; renderTabs(); renderTable(); });
      tabs.appendChild(b);
    });
  }

  function tableRows(det, by) {
    var T = det.tables[by];
    return T.rows.map(function (r) {
      return { fid: r[0], loc: str(r[1]), fn: str(r[2]), b: r[3], n: r[4], raw: r[5], pym: r[6], large: r[7] };
    });
  }
  function rowName(r, by) {
    if (by === "line" || by === "function") return r.fn ? r.fn + " (" + r.loc + ")" : r.loc;
    return r.loc;
  }

  // The rows that changed between the compared snapshots.  For the pair
  // the page was made for (--diff) they are exact (pagedata.diff_table);
  // for any other pair they come from the two snapshots' tables, which
  // keep their biggest rows only: a row listed on one side only is
  // unknown (null) on the other unless that side's table is complete.
  function compareRows(by, sel, base, note) {
    var exact = D.compare_tables && sameRef(state.base, { p: D.compare[0][0], s: D.compare[0][1] }) &&
                sameRef(state.sel, { p: D.compare[1][0], s: D.compare[1][1] }) ? D.compare_tables[by] : null;
    var rows = [];
    if (exact) {
      exact.rows.forEach(function (r) {
        var name = rowName({ fid: r[0], loc: str(r[1]), fn: str(r[2]) }, by);
        rows.push({ fid: r[0], name: name, old: r[3], b: r[4], ch: r[4] - r[3] });
      });
      note.textContent = fmtNum(exact.changed) + " of " + fmtNum(exact.groups) + " " + by + "s changed" +
        (exact.changed > rows.length ? "; the " + rows.length + " biggest changes are listed" : "") + ".";
      return rows;
    }
    var T0 = base.tables[by], T1 = sel.tables[by], old = new Map(), unknown = 0;
    tableRows(base, by).forEach(function (r) { old.set(rowName(r, by), r); });
    tableRows(sel, by).forEach(function (r) {
      var name = rowName(r, by), o = old.get(name);
      old.delete(name);
      var before = o ? o.b : (T0.rest[0] ? null : 0);
      rows.push({ fid: r.fid, name: name, old: before, b: r.b, ch: before === null ? null : r.b - before });
    });
    old.forEach(function (o, name) {
      var after = T1.rest[0] ? null : 0;
      rows.push({ fid: o.fid, name: name, old: o.b, b: after, ch: after === null ? null : after - o.b });
    });
    rows = rows.filter(function (r) { if (r.ch === null) unknown++; return r.ch !== 0; });
    note.textContent = (rows.length - unknown) + " " + by + "s changed among the " + D.limits.table_rows +
      " biggest of each snapshot" + (unknown ? "; ? marks " + unknown + " below the other snapshot's " +
      D.limits.table_rows + " biggest (exact: pyheap_print --diff --at=A --at2=B)" : "") + ".";
    return rows;
  }

  function renderTable() {
    var table = clear(document.getElementById("table"));
    var note = document.getElementById("table-note");
    var sel = detailOf(state.sel), base = detailOf(state.base), by = state.tab;
    document.getElementById("tables-title").textContent = sel
      ? (base ? "What changed by " + by + ": " + snapName(state.base) + " \u2192 " + snapName(state.sel)
              : "Live memory by " + by + " at " + snapName(state.sel))
      : "Tables";
    if (!sel) { note.textContent = ""; return; }
    var T = sel.tables[by], rows, cols;
    if (!T || (base && !base.tables[by])) {
      note.textContent = "Object types are recorded at the exit, user and region snapshots only " +
        "(pyheap.snapshot(label) takes one where you want it).";
      return;
    }
    if (base) {
      rows = compareRows(by, sel, base, note);
      cols = [["name", "name", "name"], ["old", "before", "bytes"], ["b", "after", "bytes"],
              ["ch", "change", "signed"], ["pc", "%", "pctch"]];
      if (!state.sort) state.sort = { key: "ch", asc: false, abs: true };
    } else {
      rows = tableRows(sel, by).map(function (r) { r.name = rowName(r, by); r.share = r.b; return r; });
      cols = [["name", by, "name"], ["b", "bytes", "bytes"], ["share", "share", "share"], ["n", "blocks", "num"],
              ["raw", "raw", "bytes"], ["pym", "pymalloc", "bytes"], ["large", "python-large", "bytes"]];
      note.textContent = fmtNum(T.groups) + " " + by + "s" +
        (T.rest[0] ? "; the " + fmtNum(T.groups - T.rows.length) + " smallest (" + fmtBytes(T.rest[0]) +
                     ") are not listed" : "") + ". Click a column to sort; a line or function row marks it in the flame graph.";
      if (!state.sort) state.sort = { key: "b", asc: false };
    }
    var snap = snapOf(state.sel), total = snap.heap;
    var sort = state.sort;
    rows.sort(function (a, b) {
      var ka = a[sort.key], kb = b[sort.key];
      if (sort.key === "pc") {
        ka = a.ch === null ? null : a.old ? a.ch / a.old : Infinity;
        kb = b.ch === null ? null : b.old ? b.ch / b.old : Infinity;
      }
      // Unknown figures (?) last, whatever the direction.
      if (ka === null || kb === null) return (ka === null) - (kb === null);
      if (sort.abs) { ka = Math.abs(ka); kb = Math.abs(kb); }
      var c = typeof ka === "string" ? ka.localeCompare(kb) : ka - kb;
      return sort.asc ? c : -c;
    });
    var head = el("tr");
    cols.forEach(function (c) {
      var th = el("th", c[2] === "name" ? "name" : "", c[1]);
      if (sort.key === c[0]) { th.classList.add("sorted"); if (sort.asc) th.classList.add("asc"); }
      th.addEventListener("click", function () {
        state.sort = { key: c[0], asc: sort.key === c[0] ? !sort.asc : c[2] === "name", abs: c[2] === "signed" };
        renderTable();
      });
      head.appendChild(th);
    });
    var thead = el("thead"); thead.appendChild(head); table.appendChild(thead);
    var tbody = el("tbody"), maxB = 1;
    rows.forEach(function (r) { maxB = Math.max(maxB, Math.abs(base ? r.ch || 0 : r.b)); });
    rows.forEach(function (r) {
      var tr = el("tr");
      if (r.fid >= 0 && FR.cat[r.fid] === CAT.user) tr.classList.add("user");
      cols.forEach(function (c) {
        var td;
        switch (c[2]) {
          case "name": td = el("td", "name", r.name); break;
          case "bytes": td = el("td", "num", r[c[0]] === null ? "?" : fmtNum(r[c[0]])); break;
          case "num": td = el("td", "num", fmtNum(r[c[0]])); break;
          case "signed":
            td = r.ch === null ? el("td", "num", "?")
                               : el("td", "num " + (r.ch > 0 ? "pos" : "neg"), (r.ch > 0 ? "+" : "") + fmtNum(r.ch));
            break;
          case "pctch":
            td = el("td", "num", r.ch === null ? "?" : r.old ? pct(r.ch, r.old) : "new"); break;
          case "share":
            td = el("td", "num");
            var bar = el("span", "bar");
            bar.style.width = Math.max(1, 60 * r.b / maxB).toFixed(0) + "px";
            td.appendChild(bar);
            td.appendChild(document.createTextNode(" " + pct(r.b, total)));
            break;
        }
        tr.appendChild(td);
      });
      if (r.fid >= 0) {
        tr.classList.add("clickable");
        tr.addEventListener("click", function () {
          unhideFrame(r.fid);
          state.highlightFid = r.fid; state.search = ""; state.zoom = [];
          document.getElementById("search").value = frameLoc(r.fid);
          renderFlame();
          document.getElementById("flame-section").scrollIntoView({ block: "start" });
        });
      }
      tbody.appendChild(tr);
    });
    table.appendChild(tbody);
  }

  // ----------------------------------------------------------------------
  // Controls
  // ----------------------------------------------------------------------

  function fillSelects() {
    var selBox = document.getElementById("snapshot-select");
    var baseBox = document.getElementById("base-select");
    clear(selBox); clear(baseBox);
    var none = el("option", null, "(nothing: this snapshot alone)");
    none.value = "";
    baseBox.appendChild(none);
    details.forEach(function (x) {
      var snap = D.profiles[x.p].snapshots[x.s];
      var text = snapName(x) + " \u2014 " + fmtBytes(snap.heap) + " at " + fmtTime(snap.time, D.profiles[x.p].time_unit);
      var o1 = el("option", null, text), o2 = el("option", null, text);
      o1.value = o2.value = x.p + ":" + x.s;
      selBox.appendChild(o1); baseBox.appendChild(o2);
    });
  }
  function syncControls() {
    document.getElementById("snapshot-select").value = state.sel ? state.sel.p + ":" + state.sel.s : "";
    document.getElementById("base-select").value = state.base ? state.base.p + ":" + state.base.s : "";
  }
  function parseRef(v) {
    if (!v) return null;
    var parts = v.split(":");
    return { p: +parts[0], s: +parts[1] };
  }

  function wireControls() {
    document.getElementById("snapshot-select").addEventListener("change", function (ev) {
      state.sel = parseRef(ev.target.value); state.zoom = []; state.sort = null;
      orderCompare();
      render();
    });
    document.getElementById("base-select").addEventListener("change", function (ev) {
      state.base = parseRef(ev.target.value); state.zoom = []; state.sort = null;
      orderCompare();
      render();
    });
    var search = document.getElementById("search"), timer = null;
    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        state.search = search.value.trim().toLowerCase();
        state.highlightFid = -1;
        state.activeSite = -1;
        renderFlame();
        markActiveSite();
      }, 120);
    });
    [["hide-stdlib", CAT.stdlib], ["hide-packages", CAT.packages], ["hide-import", CAT.imports],
     ["hide-native", CAT.native]].forEach(function (pair) {
      document.getElementById(pair[0]).addEventListener("change", function (ev) {
        state.hide[pair[1]] = ev.target.checked;
        if (pair[1] === CAT.stdlib) state.hide[CAT.other] = ev.target.checked;
        state.zoom = [];
        renderFlame();
      });
    });
    document.getElementById("invert").addEventListener("change", function (ev) {
      state.invert = ev.target.checked; state.zoom = []; renderFlame();
    });
    document.getElementById("reset-zoom").addEventListener("click", function () {
      state.zoom = []; renderFlame();
    });
    var resizeTimer = null;
    window.addEventListener("resize", function () {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(renderFlame, 150);
    });
  }

  // Marking a frame whose kind is hidden shows that kind again.
  var HIDE_BOXES = {};
  HIDE_BOXES[CAT.stdlib] = "hide-stdlib"; HIDE_BOXES[CAT.other] = "hide-stdlib";
  HIDE_BOXES[CAT.packages] = "hide-packages"; HIDE_BOXES[CAT.imports] = "hide-import";
  HIDE_BOXES[CAT.native] = "hide-native";
  function unhideFrame(fid) {
    if (fid < 0) return;
    var cat = FR.cat[fid];
    if (!state.hide[cat]) return;
    var box = document.getElementById(HIDE_BOXES[cat]);
    box.checked = false;
    state.hide[cat] = false;
    if (cat === CAT.stdlib || cat === CAT.other) { state.hide[CAT.stdlib] = false; state.hide[CAT.other] = false; }
  }

  function markActiveSite() {
    var rows = document.querySelectorAll("#verdict .site");
    for (var i = 0; i < rows.length; i++) rows[i].classList.toggle("active", i === state.activeSite);
  }

  function render() {
    syncControls();
    markTimelineSelection();
    markActiveSite();
    renderFlame();
    renderLegend();
    renderTable();
  }

  renderHeader();
  renderVerdict();
  renderTimelines();
  fillSelects();
  renderTabs();
  wireControls();
  render();
  document.body.setAttribute("data-ready", "1");
})();

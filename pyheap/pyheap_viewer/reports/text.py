"""pyheap_viewer.reports.text: the default report: header, graph, samples, then per snapshot its tree and top table."""
# SPDX-License-Identifier: GPL-2.0-or-later

from ..formatting import (RULE, aligned, axis_number, column_widths, escape,
                          num, pct, plural, scale)
from ..grouping import BY_HEADINGS, NAME_ONLY, CallTree, group_sites, nouns
from ..model import CLASSES, TIME_UNITS, describe, describe_end
from ..naming import frame_name
from .base import Report, SourceLines, frame_text
from .summary import read_for_summary, summary_lines


class TextReport(Report):
    """The default report (--format=text): the snapshot --at names, or
    the peak, every user and region snapshot and the exit, in time
    order."""

    name = "text"

    def render(self, inputs, options, out):
        summary = options.at is None and not options.no_summary
        if options.at is not None:
            view, snap = inputs.read_at(options.at)
            chosen = [snap]
        else:
            view = inputs.read(sites=_read_for_summary if summary
                               else _shown_by_default)
            chosen = [s for s in view.profile.snapshots
                      if s.sites is not None and
                      _shown_by_default(s.kind, s.n, s.label)]
            chosen.sort(key=lambda s: (s.n, s.index))
        page = TextPage(view, options)
        if summary:
            page.emit(*summary_lines(view, options))
        out.write(page.text(chosen))
        return 0


def _shown_by_default(kind, n, label):
    return kind in ("peak", "user", "region", "exit")


def _read_for_summary(kind, n, label):
    """The summary's verdict reads every snapshot the growth report does."""
    return read_for_summary(kind, n, label) or \
        _shown_by_default(kind, n, label)


class TextPage:
    """The lines of the text report of a View."""

    def __init__(self, view, options):
        self.view = view
        self.profile = view.profile
        self.opt = options
        self.argv = options.argv
        self.source = SourceLines(enabled=not options.no_source)
        self.out = []

    def text(self, snapshots):
        """The report on `snapshots`, as one str."""
        self.header()
        self.graph()
        self.sample_table()
        for snap in snapshots:
            self.snapshot_section(snap)
        return "\n".join(self.out) + "\n"

    def emit(self, *lines):
        self.out.extend(lines)

    # -- header --

    def header(self):
        prof = self.profile
        meta = prof.meta
        unit = prof.time_unit

        def field(name, value):
            self.emit("%-20s%s" % (name + ":", value))

        def meta_value(key, default="(unknown)"):
            value = meta.get(key)
            return escape(value) if value else default

        self.emit(RULE)
        field("Command", meta_value("cmd"))
        ids = ""
        if meta.get("pid"):
            ids = ", pid %s" % meta_value("pid")
            if meta.get("ppid"):
                ids += " (parent %s)" % meta_value("ppid")
        field("pyheap", "%s, Valgrind %s%s" % (
            meta_value("pyheap"), meta_value("valgrind"), ids))
        field("pyheap options", meta_value("options", "(none)"))
        field("pyheap_print args",
              escape(" ".join(self.argv)) if self.argv else "(none)")
        field("Python", self._python_text())
        ended = describe_end(meta.get("end"))
        if ended is not None:
            field("Ended", escape(ended))
        if meta.get("exec") is not None:
            field("Ended by exec", "%s (not followed: the profile stops at "
                  "the exec; run with --trace-children=yes to follow it)"
                  % escape(meta["exec"]))
        if meta.get("depth") or meta.get("native"):
            field("Stacks", "depth %s, native frames %s"
                  % (meta_value("depth"), meta_value("native")))
        field("Time unit", "%s (%s)" % (escape(unit) or "(unknown)",
                                        TIME_UNITS.get(unit, "unknown")))
        tot_B = sum(b for b, _ in prof.total_classes)
        tot_n = sum(n for _, n in prof.total_classes)
        field("Total allocated", "%s B in %s over the run"
              % (num(tot_B), plural(tot_n, "block")))
        self.emit(" " * 20 + ", ".join(
            "%s %s B" % (name, num(prof.total_classes[i][0]))
            for i, name in enumerate(CLASSES)))
        self._peak_header(field)
        self.emit(RULE)

    def _python_text(self):
        meta = self.profile.meta
        python = meta.get("python")
        hooks = meta.get("hooks")
        if python is None:
            text = "(unknown)"
        elif python == "none":
            text = "none (not a Python program: native stacks only)"
        elif python.startswith("unsupported"):
            text = "%s (no Python stacks)" % escape(python)
        else:
            text = escape(python)
        if hooks == "installed":
            text += ", allocator hooks installed"
        elif hooks == "reinstalled":
            text += (", allocator hooks reinstalled (the interpreter "
                     "replaced them at start-up; the few blocks allocated "
                     "in between count as raw or not at all)")
        elif hooks == "lost":
            text += (", allocator hooks LOST (the interpreter replaced them "
                     "and they were never put back: every Python block is "
                     "counted as raw)")
        elif hooks == "none":
            if python != "none":
                text += ", no allocator hooks (not a Python process)"
        elif hooks:
            text += ", allocator hooks %s" % escape(hooks)
        return text

    def _peak_header(self, field):
        prof = self.profile
        peak = prof.peak_snapshot
        if peak is not None:
            heap = peak.heap_B
            field("Peak", "%s B in %s at time %s (sample %d)"
                  % (num(heap), plural(peak.heap_blocks, "block"),
                     num(peak.time), peak.n))
            for i, name in enumerate(CLASSES):
                nbytes, nblocks = peak.classes[i]
                field("  " + name, "%s B (%s) in %s"
                      % (num(nbytes), pct(nbytes, heap),
                         plural(nblocks, "block")))
            self._arena_header(field, peak.arena)
            return
        index = prof.peak_sample()
        if index is None:
            field("Peak", "(no samples)")
            return
        smp = prof.samples
        heap = smp.heap_B[index]
        field("Peak", "%s B in %s at time %s (sample %d; no peak snapshot)"
              % (num(heap), plural(smp.heap_blocks[index], "block"),
                 num(smp.time[index]), index))
        for i, name in enumerate(CLASSES):
            nbytes = smp.class_B(index)[i]
            field("  " + name, "%s B (%s)" % (num(nbytes), pct(nbytes, heap)))
        field("Arenas at peak", "%s holding %s B"
              % (plural(smp.arena_count[index], "arena"),
                 num(smp.arena_B[index])))

    def _arena_header(self, field, arena):
        field("Arenas at peak", "%s holding %s B; live pymalloc %s B (%s B "
              "in size-class slots)"
              % (plural(arena.count, "arena"), num(arena.arena_B),
                 num(arena.pymalloc_B), num(arena.pymalloc_slot_B)))
        frag = arena.fragmentation_B
        field("Fragmentation", "%s B (%s of arena bytes) = arena bytes - "
              "pymalloc slot bytes"
              % (num(frag), pct(frag, arena.arena_B)))
        field("Other arena alloc", "%s B (not pymalloc arenas: the "
              "interpreter's frame stacks)" % num(arena.other_B))

    # -- graph --

    def graph(self):
        """ms_print's graph: one column per time slice, rows = heap."""
        prof = self.profile
        smp = prof.samples
        gx, gy = self.opt.x, self.opt.y
        n = len(smp)
        self.emit("", "")
        if n == 0:
            self.emit("(no samples: no graph)", "")
            return
        times, heaps = smp.time, smp.heap_B
        end = times[-1]
        top = max(heaps)
        peak_n = prof.peak_sample()
        detailed = set(s.n for s in prof.snapshots)
        height = [0] * gx
        used = [False] * gx
        char = [":"] * gx
        for i in range(n):
            x = times[i] * gx // end if end else gx - 1
            if x >= gx:
                x = gx - 1
            used[x] = True
            if heaps[i] > height[x]:
                height[x] = heaps[i]
            if i == peak_n:
                char[x] = "#"
            elif i in detailed and char[x] != "#":
                char[x] = "@"
        div, yunit = scale(top, "B")
        label = axis_number(top / div) if top else "0"
        w = max(len(label), len(yunit), 2)
        rows = []
        for y in range(gy, 0, -1):
            cells = []
            for x in range(gx):
                # A cell is drawn when the column's heap reaches its row:
                # heap >= y * top / gy, in integers.
                filled = used[x] and top and height[x] * gy >= y * top
                cells.append(char[x] if filled else " ")
            left = label.rjust(w) + "^" if y == gy else " " * w + "|"
            rows.append((left + "".join(cells)).rstrip())
        self.emit(yunit.rjust(w + 1))
        self.emit(*rows)
        tdiv, tunit = scale(end, prof.time_unit)
        self.emit("0 ".rjust(w) + "+" + "-" * (gx - 1) + ">" +
                  (tunit or "(time)"))
        end_label = axis_number(end / tdiv) if tdiv != 1 else str(end)
        self.emit(" " * w + "0" + end_label.rjust(gx))
        self.emit("")
        self.emit("Number of samples: %s" % num(n))
        kinds = []
        for snap in sorted(prof.snapshots, key=lambda s: (s.n, s.index)):
            kinds.append("%d%s" % (snap.n, "" if snap.kind == "detailed"
                                   else " (%s)" % describe(snap)))
        self.emit(" Detailed snapshots: [%s]" % ", ".join(kinds))

    # -- samples --

    def sample_table(self):
        prof = self.profile
        smp = prof.samples
        n = len(smp)
        if n == 0:
            return
        rows_wanted = self.opt.samples
        marks = {}
        for snap in sorted(prof.snapshots, key=lambda s: (s.n, s.index)):
            marks.setdefault(snap.n, []).append(describe(snap))
        if rows_wanted and n > rows_wanted:
            keep = set(marks)
            keep.update((0, n - 1))
            peak = prof.peak_sample()
            if peak is not None:
                keep.add(peak)
            if rows_wanted > 1:
                keep.update(j * (n - 1) // (rows_wanted - 1)
                            for j in range(rows_wanted))
            indexes = sorted(keep)
        else:
            indexes = range(n)
        unit = prof.time_unit or "?"
        head = ("n", "time(%s)" % unit, "total(B)", "raw(B)",
                "pymalloc(B)", "python-large(B)", "arenas(B)")
        body = []
        for i in indexes:
            body.append((str(i), num(smp.time[i]), num(smp.heap_B[i]),
                         num(smp.raw_B[i]), num(smp.pymalloc_B[i]),
                         num(smp.pylarge_B[i]), num(smp.arena_B[i]),
                         ", ".join(marks.get(i, ()))))
        widths = column_widths([head] + [row[:-1] for row in body])
        self.emit("", RULE)
        self.emit((aligned(head, widths) + "  snapshot").rstrip())
        self.emit(RULE)
        for row in body:
            self.emit(aligned(row[:-1], widths) +
                      ("  " + row[-1] if row[-1] else ""))
        if len(indexes) < n:
            self.emit("(%s of %s samples shown: the first, the last, those "
                      "of snapshots and evenly spaced ones; --samples=0 "
                      "shows all)" % (num(len(indexes)), num(n)))

    # -- snapshots --

    def snapshot_section(self, snap):
        heap = snap.heap_B
        self.emit("", RULE)
        self.emit("Snapshot %d (%s) at time %s: %s B in %s"
                  % (snap.n, describe(snap), num(snap.time), num(heap),
                     plural(snap.heap_blocks, "block")))
        self.emit("  " + ", ".join(
            "%s %s B (%s)" % (name, num(snap.classes[i][0]),
                              plural(snap.classes[i][1], "block"))
            for i, name in enumerate(CLASSES)))
        arena = snap.arena
        self.emit("  arenas: %s holding %s B, pymalloc slots %s B, "
                  "fragmentation %s B (%s)"
                  % (plural(arena.count, "arena"), num(arena.arena_B),
                     num(arena.pymalloc_slot_B), num(arena.fragmentation_B),
                     pct(arena.fragmentation_B, arena.arena_B)))
        self.emit(RULE)
        self.tree(snap)
        self.top_table(snap)

    def tree(self, snap):
        heap = snap.heap_B
        threshold = self.opt.threshold
        # A node is shown if it holds at least `threshold` percent of the
        # heap: bytes * 100 >= threshold * heap, i.e. bytes >= min_bytes.
        min_bytes = threshold * heap / 100.0
        tree = CallTree(self.profile, snap.by_stack(), min_bytes)
        if self.opt.filter or snap.kind == "region":
            # Part of the heap: its share of the whole.
            if snap.kind != "region":
                which = "in sites that match --filter"
            elif self.opt.filter:
                which = "allocated inside the region and matching --filter"
            else:
                which = "allocated inside the region"
            self.emit("%s (%s B, %s) of the live heap of snapshot %d %s, "
                      "by stack, outermost callers first"
                      % (pct(tree.top[0], heap, True), num(tree.top[0]),
                         plural(tree.top[1], "block"), snap.n, which))
        else:
            self.emit("%s (%s B, %s) live heap of snapshot %d, by stack, "
                      "outermost callers first"
                      % (pct(heap, heap, True), num(heap),
                         plural(snap.heap_blocks, "block"), snap.n))
        # Depth-first without recursion (stacks may be deeper than
        # Python's recursion limit): a stack of lists of lines to come.
        todo = [self._child_entries(tree, None, tree.top, "",
                                    min_bytes)]
        while todo:
            entries = todo[-1]
            if not entries:
                todo.pop()
                continue
            kind, item, prefix, child_prefix = entries.pop()
            if kind == "node":
                total = tree.total(item)
                self.emit(prefix + "->" + self._node_text(tree, item, total,
                                                          heap))
                # Expand it if sites other than its own lie below it.
                if total[2] > (1 if item in tree.own else 0):
                    todo.append(self._child_entries(
                        tree, item, total, child_prefix, min_bytes))
            elif kind == "self":
                mine = tree.own[item]
                self.emit(prefix + "->%s (%s) [allocated here]"
                          % (pct(mine[0], heap, True),
                             self._amount(mine)))
            else:
                nbytes, nblocks, nsites = item
                self.emit(prefix + "->%s (%s B, %s) in %s below threshold "
                          "(%.2f%%)" % (pct(nbytes, heap, True), num(nbytes),
                                        plural(nblocks, "block"),
                                        plural(nsites, "site"), threshold))

    @staticmethod
    def _child_entries(tree, owner, total, prefix, min_bytes):
        """The lines under node `owner` (None: the top) whose totals are
        `total`, as a list to pop from, last line first."""
        if owner is None:
            kids = tree.roots
        else:
            kids = tree.children.get(owner, ())
        shown = [(tree.order(kid), "node", kid) for kid in kids]
        rest = list(total)
        for _, _, kid in shown:
            for i, value in enumerate(tree.total(kid)):
                rest[i] -= value
        mine = tree.own.get(owner) if owner is not None else None
        if mine is not None and mine[0] >= min_bytes:
            # Before the callees of the same size.
            shown.append(((-mine[0], -1), "self", owner))
            rest[0] -= mine[0]
            rest[1] -= mine[1]
            rest[2] -= 1
        shown.sort(key=lambda entry: entry[0])
        items = [(kind, item) for _, kind, item in shown]
        if rest[2]:
            items.append(("fold", tuple(rest)))
        entries = []
        for i, (kind, item) in enumerate(items):
            last = i == len(items) - 1
            entries.append((kind, item, prefix,
                            prefix + ("  " if last else "| ")))
        entries.reverse()
        return entries

    def _node_text(self, tree, kid, rec, heap):
        if rec[2] == 1 and kid in tree.own:
            amount = self._amount(tree.own[kid])
        else:
            amount = "%s B, %s" % (num(rec[0]), plural(rec[1], "block"))
        return "%s (%s) %s" % (pct(rec[0], heap, True), amount,
                               frame_text(tree.frame(kid), self.source))

    @staticmethod
    def _amount(mine):
        """'bytes, blocks' of own sites, with their classes."""
        text = "%s B, %s" % (num(mine[0]), plural(mine[1], "block"))
        present = [i for i in range(3) if mine[2 + i]]
        if len(present) == 1:
            text += ", " + CLASSES[present[0]]
        elif len(present) > 1:
            text += ", " + " + ".join("%s %s B" % (CLASSES[i],
                                                   num(mine[2 + i]))
                                      for i in present)
        return text

    def top_table(self, snap):
        by = self.opt.by
        top = self.opt.top if self.opt.top is not None else 10
        shown = group_sites(self.view, snap.by_stack(), by, top, snap)
        heap = snap.heap_B
        self.emit("")
        self.emit("Top %d of %s by live bytes (--by=%s), snapshot %d:"
                  % (len(shown), nouns(shown.n_groups, by), by, snap.n))
        if not shown:
            self.emit("  (no live blocks)")
            return
        head = ("bytes", "%", "blocks", "raw", "pymalloc", "python-large")
        body = []
        for g in shown:
            body.append((num(g.bytes), pct(g.bytes, heap), num(g.blocks),
                         num(g.by_class[0]), num(g.by_class[1]),
                         num(g.by_class[2])))
        widths = column_widths([head] + body)
        self.emit("  " + aligned(head, widths) + "  " + BY_HEADINGS[by])
        for g, row in zip(shown, body):
            self.emit("  " + aligned(row, widths) + "  " +
                      self._group_text(g, by))
            via = g.via() if by == "line" and g.user_view else ()
            if via and via[0][1] * 2 >= g.bytes:
                # Most of the line's memory was allocated by one library
                # frame under it: name it (the user view).
                self.emit(" " * (sum(widths) + 2 * len(widths) + 4)
                          + "via %s (%s)" % tuple(
                              escape(x) for x in frame_name(via[0][0])[1::-1]))
            if by == "stack":
                indent = " " * (sum(widths) + 2 * len(widths) + 4)
                for loc, fn in g.stack:
                    self.emit(indent + "at %s (%s)" % (escape(fn),
                                                       escape(loc)))

    def _group_text(self, group, by):
        if by in ("class", "type"):
            return escape(group.location)
        if group.frame is None:
            return "(no stack)"
        loc = escape(group.location)
        if by in NAME_ONLY:
            return loc
        text = "%s (%s)" % (escape(group.function), loc)
        if by in ("line", "stack"):
            src = self.source.get(group.frame)
            if src:
                text += ": " + src
        return text

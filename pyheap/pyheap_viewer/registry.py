"""pyheap_viewer.registry: every report and export by the name the command line picks it by."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A new report is a module in reports/ with a Report subclass, listed here
# (and in the package's map, __init__.py); the command line (cli.py) gives
# it an option and picks it in report_for().

from .exports.collapsed import CollapsedExport
from .exports.json_export import JsonExport
from .exports.massif import MassifExport
from .exports.speedscope import SpeedscopeExport
from .reports.annotate import AnnotateReport
from .reports.check import CheckReport
from .reports.csv_report import CsvReport
from .reports.diff import DiffReport
from .reports.growth import GrowthReport
from .reports.html import HtmlReport
from .reports.json_report import JsonReport
from .reports.leaks import LeakReport
from .reports.retainers import RetainersReport
from .reports.summary import SummaryReport
from .reports.text import TextReport
from .reports.tree import TreeReport

# The reports: --format=text|json|csv, and the modes --annotate, --diff,
# --growth, --leaks, --retainers, --check and --summary; --html; several
# files (the processes of a run).
REPORTS = {report.name: report for report in (
    TextReport, JsonReport, CsvReport, AnnotateReport, DiffReport,
    GrowthReport, LeakReport, RetainersReport, CheckReport, SummaryReport,
    HtmlReport, TreeReport)}

# The exports (--export=NAME), in the order --help lists them.
EXPORTS = {export.name: export for export in (
    MassifExport, CollapsedExport, SpeedscopeExport, JsonExport)}

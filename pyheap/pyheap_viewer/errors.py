"""pyheap_viewer.errors: every exception of pyheap_print, and the exit status each one means."""
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The command line (cli.main) maps them to one line on stderr and a status:
#
#   InputError      1  a file cannot be read or is not valid, a snapshot
#                      that --at names is missing, an output file cannot
#                      be written
#   UsageError      2  an option that does not fit the file or the other
#                      options
#   ConfigError     2  a bad configuration file (--check); turned into a
#                      UsageError by the check report
#   SelectionError     --at names no snapshot: an InputError (status 1)
#                      once the file's name is known
#   BadRecord          the reader's own, raised inside its loop; it becomes
#                      an InputError with the file name and the line number
#   CallbackError      carries an exception of the reader's on_snapshot
#                      callback out of the reader unchanged


class InputError(Exception):
    """A problem with an input file: one line for the user, exit status 1."""

    def __init__(self, path, lineno, what):
        Exception.__init__(self, what)
        self.path = path
        self.lineno = lineno
        self.what = what

    def __str__(self):
        if self.lineno is None:
            return "%s: %s" % (self.path, self.what)
        return "%s: line %d: %s" % (self.path, self.lineno, self.what)


class UsageError(Exception):
    """An option that does not fit the file or the other options: one line,
    exit status 2."""


class ConfigError(Exception):
    """A bad configuration file: one line, exit status 2."""


class SelectionError(Exception):
    """--at names no snapshot of the file."""


class BadRecord(Exception):
    """Raised inside the reader; turned into an InputError with a line."""


class CallbackError(Exception):
    """An exception of read_profile()'s on_snapshot, carried out of the
    reader as it is (args[0]), not taken for a problem of the file."""

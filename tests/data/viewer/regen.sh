#!/bin/sh
# pyheap: remake the real-run data files of the viewer tests.
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: tests/data/viewer/regen.sh [BUILDDIR [PYTHON]]
#        (defaults: $PYHEAP_BUILDDIR or /tmp/b1, and /usr/bin/python3.11;
#        $PYHEAP_MODULE: the pyheap.py to use, default pyheap/pyheap.py of
#        this source tree -- it must match the build's preload)
#
# A manual step, not part of `make check`: the tests read the committed
# files, never a fresh run.  It runs, under pyheap (BUILDDIR/pyheap/pyheap-run
# --time-unit=B --detailed-freq=1000, PYTHONHASHSEED=0, python -S, a fixed
# small environment):
#
#   realapp.py                       -> realapp.out
#   diffapp-old.py, run as diffapp.py -> diffapp-old.out
#   diffapp-new.py, run as diffapp.py -> diffapp-new.out
#   format2app.py                    -> format2.out (format 2's records:
#                                       marks, a region, sparse arenas; with
#                                       --depth=4 --max-mark-snapshots=2
#                                       --mark-window=2 to keep it small)
#
# ONLY=FILE.out runs only the run that writes FILE.out.
#
# Each run happens in a fresh directory, $RUN below, always the same path,
# holding only the program's files and a copy of pyheap/pyheap.py in
# vendor/site-packages (so that `import pyheap` comes from there and not
# from the source tree, whose path would end up in the data).  The two
# diffapp runs therefore differ only by the script's changed lines: same
# directory, same file names, same interpreter, same environment.
# Afterwards the "$RUN/" prefix is removed from the file names the output
# records (the `s` string records), so that the data names realapp.py,
# shop/cart.py, vendor/site-packages/fancylib/core.py, ... relative to this
# directory, where the tests run the viewer.  Nothing else is changed: the
# end-of-file line count stays right.
#
# Then regenerate the golden outputs that depend on these files:
#   PYHEAP_REGEN=1 python3 tests/run-tests --builddir=BUILDDIR \
#       --srcdir=. test_viewer
# and review the differences (git diff tests/data/viewer); the figures
# that tests/test_viewer_views.py and tests/test_viewer_exports.py assert
# (sample numbers of the snapshots, bytes of given lines) are those of the
# committed runs and must be checked too.
#
# The committed files were made with the build of /tmp/b1 and, as
# PYHEAP_MODULE, the pyheap/pyheap.py committed at 274aabc (the working
# tree's was ahead of that build).

set -eu

here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/../../.." && pwd)
builddir=${1:-${PYHEAP_BUILDDIR:-/tmp/b1}}
python=${2:-/usr/bin/python3.11}
module=${PYHEAP_MODULE:-$srcdir/pyheap/pyheap.py}
launcher="$builddir/pyheap/pyheap-run"
RUN=/tmp/pyheap-viewer-regen

[ -x "$launcher" ] || { echo "regen.sh: no $launcher (build first)" >&2; exit 1; }
[ -x "$python" ] || { echo "regen.sh: no $python" >&2; exit 1; }

# run OUTPUT SCRIPT-AS FILE=SOURCE...: run SCRIPT-AS in a fresh $RUN that
# holds the given files, write $here/OUTPUT.
run() {
    output=$1
    script=$2
    shift 2
    if [ -n "${ONLY:-}" ] && [ "$ONLY" != "$output" ]; then
        return 0
    fi
    rm -rf "$RUN"
    mkdir -p "$RUN/vendor/site-packages"
    cp "$module" "$RUN/vendor/site-packages/pyheap.py"
    for pair in "$@"; do
        dest=${pair%%=*}
        mkdir -p "$RUN/$(dirname "$dest")"
        cp "$here/${pair#*=}" "$RUN/$dest"
    done
    (cd "$RUN" && env -i PATH=/usr/bin:/bin LC_ALL=C.UTF-8 \
        PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1 \
        "$launcher" -q --time-unit=B --detailed-freq=1000 ${EXTRA_OPTIONS:-} \
        --pyheap-out-file=pyheap.out "$python" -S "$script")
    sed -e "s|^\\(s [0-9]* \\)$RUN/|\\1|" "$RUN/pyheap.out" \
        > "$here/$output.tmp"
    if grep -q "$RUN" "$here/$output.tmp"; then
        echo "regen.sh: $RUN is still named in $output" >&2
        rm -f "$here/$output.tmp"
        exit 1
    fi
    if ! grep -q '^snapshot [0-9]* [0-9]* user ' "$here/$output.tmp"; then
        echo "regen.sh: no user snapshot in $output: does $module" \
             "match the build?" >&2
        rm -f "$here/$output.tmp"
        exit 1
    fi
    mv "$here/$output.tmp" "$here/$output"
    echo "wrote $here/$output"
}

run realapp.out realapp.py realapp.py=realapp.py \
    shop/__init__.py=shop/__init__.py shop/cart.py=shop/cart.py \
    vendor/site-packages/fancylib/__init__.py=vendor/site-packages/fancylib/__init__.py \
    vendor/site-packages/fancylib/core.py=vendor/site-packages/fancylib/core.py
run diffapp-old.out diffapp.py diffapp.py=diffapp-old.py
run diffapp-new.out diffapp.py diffapp.py=diffapp-new.py
EXTRA_OPTIONS="--depth=4 --max-mark-snapshots=2 --mark-window=2" \
    run format2.out format2app.py format2app.py=format2app.py
rm -rf "$RUN"

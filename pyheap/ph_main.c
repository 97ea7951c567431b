/* pyheap: the Valgrind tool's entry point: options, client requests, start and end of a run. */
/* SPDX-License-Identifier: GPL-2.0-or-later */

/*--------------------------------------------------------------------*/
/*--- pyheap: a heap profiler for Python programs.     ph_main.c ---*/
/*--------------------------------------------------------------------*/

/*
   This file is part of pyheap, a Valgrind tool.

   This program is free software; you can redistribute it and/or
   modify it under the terms of the GNU General Public License as
   published by the Free Software Foundation; either version 2 of the
   License, or (at your option) any later version.

   This program is distributed in the hope that it will be useful, but
   WITHOUT ANY WARRANTY; without even the implied warranty of
   MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the GNU
   General Public License for more details.
*/

/* How it works, in short.  ph_include.h is the map of the files.

   - Every malloc-family call of the program is redirected here (Valgrind's
     malloc replacement, as massif does; ph_malloc_wrappers.c).  The block
     is recorded as class "raw" with the stack of the thread that asked
     for it.
   - pyheap's preload (ph_preload.c) wraps CPython's MEM and OBJ allocator
     domains and its arena allocator (PEP 445) and reports each call: the
     frequent ones by calling an empty function that the instrumentation
     intercepts (ph_events.c, "Events from the preload"), the rare ones
     with a client request (below).  A Python-domain block that is not
     already a live malloc block was served by pymalloc inside an arena:
     class "pymalloc".  One that is a live malloc block fell through to
     malloc (a request over 512 bytes): it is re-filed from "raw" to
     "python-large".  So each block is counted once, under its outermost
     domain.
   - The stack of an allocation is read from the interpreter's memory
     (ph_python.c): the thread's frame chain, each frame's code object and
     instruction, hence file, line and function (ph_pylayout.h has the
     offsets).  Every guest read is protected by a fault catcher
     (ph_guest.c): a garbage pointer gives a truncated stack, never a
     crash.  When there is no Python frame (not a Python program, C code
     before the interpreter starts) the native stack is used
     (ph_native.c); --native=yes adds native frames below the Python ones.
   - Per stack and class, live and total bytes and blocks are kept up to
     date at every event (ph_blocks.c), so a detailed snapshot is a copy
     of the non-zero entries (ph_snapshots.c).  The peak is exact: see
     "The exact peak" in ph_blocks.c.
   - At exit everything is written to one file (ph_output.c,
     docs/file-format.md); an exec writes it first (ph_exec.c).
   - Iteration marks and regions (pyheap.mark, PYHEAP_MARK; ph_marks.c)
     and gdb monitor commands (vgdb: snapshot, detailed_snapshot, growth;
     ph_monitor.c) find what grows.
*/

#include "config.h"
#include "pub_tool_basics.h"
#include "pub_tool_gdbserver.h"
#include "pub_tool_libcassert.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_libcfile.h"
#include "pub_tool_libcprint.h"
#include "pub_tool_libcproc.h"
#include "pub_tool_machine.h"
#include "pub_tool_mallocfree.h"
#include "pub_tool_options.h"
#include "pub_tool_replacemalloc.h"
#include "pub_tool_threadstate.h"
#include "pub_tool_tooliface.h"
#include "pub_tool_xarray.h"

#include "ph_include.h"

//------------------------------------------------------------//
//--- Options                                              ---//
//------------------------------------------------------------//

const HChar *PH_(clo_out_file)           = "pyheap.out.%p";
TimeUnit     PH_(clo_time_unit)          = TimeI;
Int          PH_(clo_depth)              = 30;
Bool         PH_(clo_native)             = False;
Int          PH_(clo_max_snapshots)      = 100;
Int          PH_(clo_detailed_freq)      = 10;
Int          PH_(clo_mark_window)        = 8;
Int          PH_(clo_max_mark_snapshots) = 1000;
Long         PH_(clo_snapshot_above)     = 0;

XArray *PH_(given_options);            /* of HChar */

const HChar *PH_(time_unit_name)(TimeUnit u)
{
   switch (u) {
   case TimeI:  return "i";
   case TimeMS: return "ms";
   case TimeB:  return "B";
   default:     tl_assert(0);
   }
}

static Bool ph_process_cmd_line_option(const HChar *arg)
{
   const HChar *tmp_str;

   if      VG_STR_CLO(arg, "--pyheap-out-file", PH_(clo_out_file)) {}
   else if VG_XACT_CLO(arg, "--time-unit=i",  PH_(clo_time_unit), TimeI) {}
   else if VG_XACT_CLO(arg, "--time-unit=ms", PH_(clo_time_unit), TimeMS) {}
   else if VG_XACT_CLO(arg, "--time-unit=B",  PH_(clo_time_unit), TimeB) {}
   else if VG_BINT_CLO(arg, "--depth", PH_(clo_depth), 1, PH_MAX_DEPTH) {}
   else if VG_BOOL_CLO(arg, "--native", PH_(clo_native)) {}
   else if VG_BOOL_CLO(arg, "--retainers", PH_(clo_retainers)) {}
   else if VG_BINT_CLO(arg, "--checkpoint", PH_(clo_checkpoint), 0, 86400) {}
   else if VG_BINT_CLO(arg, "--snapshot-above", PH_(clo_snapshot_above), 0,
                       (Long)1 << 50) {}
   else if VG_BINT_CLO(arg, "--max-snapshots", PH_(clo_max_snapshots), 10, 1000) {}
   else if VG_BINT_CLO(arg, "--detailed-freq", PH_(clo_detailed_freq), 1, 1000000) {}
   else if VG_BINT_CLO(arg, "--mark-window", PH_(clo_mark_window), 1, 1000) {}
   else if VG_BINT_CLO(arg, "--max-mark-snapshots", PH_(clo_max_mark_snapshots), 1, 1000000) {}
   else if VG_STR_CLO(arg, "--time-unit", tmp_str) {
      VG_(fmsg_bad_option)(arg, "--time-unit takes i, ms or B, not '%s'\n", tmp_str);
   }
   else
      return False;

   if (VG_(sizeXA)(PH_(given_options)) > 0)
      VG_(addBytesToXA)(PH_(given_options), " ", 1);
   VG_(addBytesToXA)(PH_(given_options), arg, VG_(strlen)(arg));
   return True;
}

static void ph_print_usage(void)
{
   VG_(printf)(
"    --pyheap-out-file=<file>  output file name [pyheap.out.%%p]\n"
"                              (%%p is the pid, %%q{VAR} the value of $VAR)\n"
"    --time-unit=i|ms|B        time unit: instructions executed, milliseconds\n"
"                              or bytes allocated/freed [i]\n"
"    --depth=<number>          most frames kept per stack, innermost first\n"
"                              (1..%d) [30]\n"
"    --native=no|yes           add native (C) frames below the Python\n"
"                              frames of each allocation [no]\n"
"    --checkpoint=<seconds>    while the program runs, rewrite the output file\n"
"                              with everything so far this often, so that a\n"
"                              run killed by SIGKILL or the OOM killer leaves\n"
"                              it (0: never) [10]\n"
"    --snapshot-above=<bytes>  take a user snapshot, labelled heap-above-<bytes>,\n"
"                              when the heap first grows past this size [0: none]\n"
"    --retainers=yes|no        at exit, user and region snapshots, scan memory\n"
"                              for what holds each live block, and what\n"
"                              nothing holds any more [yes]\n"
"    --max-snapshots=<number>  time-series samples kept (10..1000) [100]\n"
"    --detailed-freq=<number>  every Nth sample is detailed [10]\n"
"    --mark-window=<number>    iterations a mark snapshot follows (1..1000) [8]\n"
"    --max-mark-snapshots=<number>  mark snapshots that keep the whole heap\n"
"                              by stack; more marks are thinned [1000]\n"
"  Python code can take labelled snapshots with `import pyheap;\n"
"  pyheap.snapshot(\"label\")`, C code with PYHEAP_SNAPSHOT() from <pyheap.h>;\n"
"  pyheap.mark() / PYHEAP_MARK() end one iteration of repeated work.\n"
"  With --vgdb=yes, `vgdb --pid=<pid> <command>` runs the monitor commands\n"
"  snapshot [<label>], detailed_snapshot [<file>] and growth [<n>]\n"
"  (`vgdb --pid=<pid> help` describes them).\n"
"  View the output with pyheap_print.\n",
   PH_MAX_DEPTH);
}

static void ph_print_debug_usage(void)
{
   VG_(printf)("    (none)\n");
}

//------------------------------------------------------------//
//--- Client requests                                      ---//
//------------------------------------------------------------//

static Bool ph_handle_client_request(ThreadId tid, UWord *arg, UWord *ret)
{
   HChar label[PYHEAP_LABEL_MAX + 1];

   if (arg[0] == VG_USERREQ__GDB_MONITOR_COMMAND) {
      /* arg[1] is the gdbserver's copy of the command, not guest memory. */
      *ret = PH_(handle_monitor_command)(tid, (const HChar *)arg[1]);
      return *ret != 0;
   }
   if (!VG_IS_TOOL_USERREQ('P', 'H', arg[0]))
      return False;
   *ret = 0;
   switch (arg[0]) {
   case PYHEAP_REQ_SNAPSHOT:
      PH_(read_guest_label)(arg[1], "snapshot", label);
      PH_(take_user_snapshot)(label);
      return True;
   case PYHEAP_REQ_RUNNING:
      *ret = 1;
      return True;
   case PYHEAP_REQ_REGION_BEGIN:
      PH_(read_guest_label)(arg[1], "region", label);
      PH_(region_begin)(label);
      return True;
   case PYHEAP_REQ_REGION_END:
      *ret = PH_(region_end)(arg[1]);
      return True;
   case PYHEAP_REQ_MARK:
      PH_(read_guest_label)(arg[1], "iteration", label);
      PH_(take_mark)(label);
      return True;
   case PH_REQ_PY_REGISTER:
      PH_(py_register)(arg[1]);
      return True;
   case PH_REQ_EVENT_FN:
      PH_(set_event_fn)(arg[1], arg[2]);
      return True;
   case PH_REQ_ARENA_ALLOC:
      PH_(arena_alloc)(arg[1], arg[2]);
      return True;
   case PH_REQ_ARENA_FREE:
      PH_(arena_free)(arg[1]);
      return True;
   case PH_REQ_HOOKS_STATE:
      PH_(py_hooks) = (PhHooksState)arg[1];
      return True;
   default:
      VG_(message)(Vg_UserMsg, "pyheap: unknown client request 0x%lx ignored\n", arg[0]);
      return False;
   }
}

//------------------------------------------------------------//
//--- Finalisation                                         ---//
//------------------------------------------------------------//

static void ph_fini(Int exit_status)
{
   HChar *path = PH_(write_profile)();

   if (VG_(clo_stats)) {
      VG_(dmsg)("pyheap: allocs %llu, frees %llu, python events %llu (bad %llu)\n",
                PH_(n_allocs), PH_(n_frees), PH_(n_py_events), PH_(n_bad_events));
      VG_(dmsg)("pyheap: re-filed as python-large %llu, stale blocks %llu\n",
                PH_(n_reclassified), PH_(n_stale_blocks));
      VG_(dmsg)("pyheap: objects into free lists %llu, out of them %llu "
                "(%llu in no known block)\n",
                PH_(n_dead), PH_(n_reborn), PH_(n_reborn_unknown));
      VG_(dmsg)("pyheap: stacks %u, frames %ld, strings %ld\n", PH_(n_stacks) - 1,
                VG_(sizeXA)(PH_(frames)), VG_(sizeXA)(PH_(strs)));
      VG_(dmsg)("pyheap: raw stack cache hits %llu (%llu recent ones), misses %llu; "
                "read faults %llu\n", PH_(n_rawstack_hits),
                PH_(n_rawstack_recent_hits), PH_(n_rawstack_misses), PH_(n_read_faults));
      VG_(dmsg)("pyheap: block table at the end: %lu live (%lu unpacked), %u segments, "
                "directory of %lu, %lu bytes\n", PH_(block_table).n_live,
                PH_(block_table).wide.n_live, PH_(block_table).n_segs,
                1UL << PH_(block_table).depth, ph_bt_bytes(&PH_(block_table)));
      VG_(dmsg)("pyheap: peak materialisations %llu\n", PH_(n_peak_materialisations));
      VG_(dmsg)("pyheap: retainer scans %llu (read faults %llu), checkpoints %llu\n",
                PH_(n_retainer_scans), PH_(n_retainer_faults), PH_(n_checkpoints));
   }
   if (PH_(py_hooks_lost)())
      VG_(umsg)("pyheap: warning: the interpreter replaced pyheap's allocator "
                "hooks (PYTHONMALLOC?): Python blocks are counted as raw\n");
   if (PH_(forked_with_fixed_name))
      VG_(umsg)("pyheap: a forked child (pid %d): wrote %s, not the parent's "
                "file (--pyheap-out-file has no %%p)\n", VG_(getpid)(), path);
   else if (VG_(clo_verbosity) > 0)
      VG_(umsg)("pyheap: wrote %s\n", path);
}

//------------------------------------------------------------//
//--- Initialisation                                       ---//
//------------------------------------------------------------//

static void ph_post_clo_init(void)
{
   HChar *path = VG_(expand_file_name)("--pyheap-out-file", PH_(clo_out_file));
   SysRes sres;

   /* Fail now, not after a long run, if the output cannot be written. */
   sres = VG_(open)(path, VKI_O_CREAT | VKI_O_WRONLY | VKI_O_APPEND,
                    VKI_S_IRUSR | VKI_S_IWUSR | VKI_S_IRGRP | VKI_S_IROTH);
   if (sr_isError(sres)) {
      VG_(fmsg)("pyheap: cannot create output file '%s'\n", path);
      VG_(exit)(1);
   }
   VG_(close)(sr_Res(sres));
   VG_(free)(path);

   PH_(init_exec)();
   PH_(init_series)();
}

static void ph_pre_clo_init(void)
{
   VG_(details_name)            ("pyheap");
   VG_(details_version)         (PACKAGE_VERSION);
   VG_(details_description)     ("a heap profiler for Python programs");
   VG_(details_copyright_author)("Copyright (C) the pyheap authors; GPL-2.0-or-later.");
   VG_(details_bug_reports_to)  ("the pyheap issue tracker");
   VG_(details_avg_translation_sizeB)(330);

   VG_(clo_vex_control).iropt_register_updates_default
      = VG_(clo_px_file_backed)
      = VexRegUpdSpAtMemAccess;   /* stack traces need a correct SP */

   VG_(basic_tool_funcs)          (ph_post_clo_init, PH_(instrument), ph_fini);
   VG_(needs_libc_freeres)();
   VG_(needs_cxx_freeres)();
   VG_(needs_command_line_options)(ph_process_cmd_line_option,
                                   ph_print_usage, ph_print_debug_usage);
   VG_(needs_client_requests)     (ph_handle_client_request);
   VG_(needs_syscall_wrapper)     (PH_(pre_syscall), PH_(post_syscall));
   VG_(needs_malloc_replacement)  (PH_(malloc),
                                   PH_(__builtin_new),
                                   PH_(__builtin_new_aligned),
                                   PH_(__builtin_vec_new),
                                   PH_(__builtin_vec_new_aligned),
                                   PH_(memalign),
                                   PH_(calloc),
                                   PH_(free),
                                   PH_(__builtin_delete),
                                   PH_(__builtin_delete_aligned),
                                   PH_(__builtin_vec_delete),
                                   PH_(__builtin_vec_delete_aligned),
                                   PH_(realloc),
                                   PH_(malloc_usable_size),
                                   0);
   VG_(track_pre_thread_ll_exit)(PH_(forget_thread));
   VG_(atfork)(NULL, NULL, PH_(at_fork_child));

   PH_(given_options) = VG_(newXA)(VG_(malloc), "ph.opts", VG_(free), 1);
   PH_(init_tables)();
   PH_(init_python)();
   PH_(init_native)();
   PH_(init_blocks)();
   PH_(init_snapshots)();
   PH_(init_marks)();
}

VG_DETERMINE_INTERFACE_VERSION(ph_pre_clo_init)

/*--------------------------------------------------------------------*/
/*--- end                                                ph_main.c ---*/
/*--------------------------------------------------------------------*/

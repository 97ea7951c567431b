/* pyheap: the tool: how the program ends (exit, a signal, exec: its profile written first) and a forked child's file. */
/* SPDX-License-Identifier: GPL-2.0-or-later */

/*--------------------------------------------------------------------*/
/*--- pyheap: how the program ends.                      ph_exec.c ---*/
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

#include "config.h"
#include "pub_tool_basics.h"
#include "pub_tool_vki.h"
#include "pub_tool_vkiscnums.h"
#include "pub_tool_clientstate.h"
#include "pub_tool_libcassert.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_libcfile.h"
#include "pub_tool_libcprint.h"
#include "pub_tool_libcproc.h"
#include "pub_tool_mallocfree.h"
#include "pub_tool_options.h"
#include "pub_tool_xarray.h"

#include "ph_include.h"

//------------------------------------------------------------//
//--- When the program execs                               ---//
//------------------------------------------------------------//

/* execve replaces the program, and neither ph_fini nor anything else of
   this tool runs in the new one.  With --trace-children=yes a new pyheap
   starts there, under the same pid, and writes its own file (with the
   default %p name, the same file: the new program's profile replaces the
   old one's).  Without it the new program runs natively.  Either way the
   profile of the program that execs is written here, just before the
   exec: otherwise a wrapper -- a pyenv shim is a shell script that execs
   the real python -- would leave an empty file and no hint of why.  The
   file says which program was exec'd (meta exec).  If the exec fails the
   program goes on, and the file is written again when it ends, from a new
   exit snapshot.

   Only the process valgrind started does this.  A forked child that execs
   is how subprocess.run() starts a command: its heap is a copy of the
   parent's and says nothing of its own, so it gets no file, as before.

   A program that is not Python and execs is followed without being asked.
   `valgrind --tool=pyheap python3 app.py` is how pyheap is run, and with
   pyenv -- how many Python developers get Python -- `python3` is a shim: a
   shell script run by /usr/bin/env bash, which execs pyenv, which execs
   libexec/pyenv-exec, which execs the interpreter.  Left alone, pyheap
   would profile bash and the program would run natively.  So when the
   process valgrind started has not registered as CPython (the preload
   registers it from its constructor, before main) and the user gave no
   --trace-children, the tool turns the core's --trace-children on just
   before the core looks at it: the core's execve wrapper runs after the
   tool's pre-syscall callback.  The new valgrind gets the same options
   (without --trace-children), so each link of the chain decides the same
   way, and the first Python program stops it: a Python program's own exec
   (os.execv) is followed only with --trace-children=yes, as before.
   Each link's file is written before its exec and replaced by the next
   (same pid, same name); the last one, the interpreter's, stays.  An
   explicit --trace-children=no keeps every program where it was.

   The switch is the core's variable VG_(clo_trace_children) (m_options.c,
   in every release from 3.19 to 3.27), not part of the tool interface;
   like VG_(in_generated_code) (ph_events.c), a release without it fails
   to link rather than misbehave. */

extern Bool VG_(clo_trace_children);

HChar      *PH_(exec_target);        /* the program of a pending execve */
Bool        PH_(forked_with_fixed_name);
static Int  start_pid;          /* the process valgrind started */
static Bool exit_seen;          /* the program called exit_group */
static Int  exit_code;          /* ... with this status */

typedef enum { TraceNotGiven, TraceNo, TraceYes } TraceChildren;

/* --trace-children as the user gave it (the last one given wins, as in
   the core), from the options valgrind was started with. */
static TraceChildren trace_children_given(void)
{
   TraceChildren given = TraceNotGiven;
   UInt i;
   for (i = 0; i < VG_(sizeXA)(VG_(args_for_valgrind)); i++) {
      const HChar *a = *(HChar **)VG_(indexXA)(VG_(args_for_valgrind), i);
      if (VG_(strcmp)(a, "--trace-children=yes") == 0)
         given = TraceYes;
      else if (VG_(strcmp)(a, "--trace-children=no") == 0)
         given = TraceNo;
   }
   return given;
}

void PH_(pre_syscall)(ThreadId tid, UInt syscallno, UWord *args, UInt nArgs)
{
   HChar target[4096];            /* Linux's PATH_MAX */
   HChar *path;
   struct vg_stat st;
   TraceChildren given;

   if (syscallno == __NR_exit_group) {
      /* Not exit: it ends one thread (a Python thread's end, with status
         0), and the process may die of a signal later.  exit() and
         _exit() in glibc, hence sys.exit and os._exit, call exit_group. */
      exit_seen = True;
      exit_code = (Int)(args[0] & 0xff);
      return;
   }
   if ((syscallno != __NR_execve && syscallno != __NR_execveat)
       || VG_(getpid)() != start_pid)
      return;
   PH_(read_guest_cstring)(syscallno == __NR_execve ? args[0] : args[1], target,
                           sizeof target);
   /* `env` and shells try each directory of $PATH in turn: most of those
      execs fail at once, and only one that can succeed is worth a file. */
   if (sr_isError(VG_(stat)(target, &st)) || !VKI_S_ISREG(st.mode)
       || (st.mode & (VKI_S_IXUSR | VKI_S_IXGRP | VKI_S_IXOTH)) == 0)
      return;
   VG_(free)(PH_(exec_target));
   PH_(exec_target) = VG_(strdup)("ph.exec", target);
   path = PH_(write_profile)();
   given = trace_children_given();
   if (given == TraceNotGiven && !PH_(py_registered)) {
      VG_(clo_trace_children) = True;
      if (VG_(clo_verbosity) > 1)
         VG_(umsg)("pyheap: the program is not Python and execs '%s': "
                   "following it\n", target);
   } else if (given != TraceYes) {
      VG_(umsg)("pyheap: the program execs '%s', which pyheap does not follow: "
                "%s holds what ran before the exec (use --trace-children=yes, "
                "or give valgrind that program itself)\n", target, path);
   }
   VG_(free)(path);
}

void PH_(post_syscall)(ThreadId tid, UInt syscallno, UWord *args, UInt nArgs,
                       SysRes res)
{
   if ((syscallno != __NR_execve && syscallno != __NR_execveat) || !sr_isError(res)
       || PH_(exec_target) == NULL)
      return;
   /* The exec failed: the program goes on, and its end is still to come. */
   VG_(free)(PH_(exec_target));
   PH_(exec_target) = NULL;
   if (PH_(exit_snap_taken) && !PH_(py_finalizing)) {
      PH_(free_detail)(PH_(exit_snap).detail);
      PH_(exit_snap).detail = NULL;
      PH_(exit_snap_taken) = False;
   }
}

void PH_(init_exec)(void)
{
   start_pid = VG_(getpid)();
}

//------------------------------------------------------------//
//--- How the run ended                                    ---//
//------------------------------------------------------------//

/* The file says how the run ended, so that a profile cut short is not
   mistaken for a whole one.  The core calls the tool's fini with no exit
   status (m_main.c passes 0 whatever happened), so the tool watches the
   program's exit_group system call for it:

     exit N                      the program exited with status N, after
                                 the interpreter's finalisation (or the
                                 program is not Python);
     exit N without-finalisation a Python program exited without
                                 finalising its interpreter: os._exit(),
                                 a C extension's exit(), a forked child;
     signal                      no exit call: a fatal signal ended it
                                 (SIGTERM, SIGSEGV, SIGINT re-raised after
                                 KeyboardInterrupt...); which one, the
                                 tool interface does not say;
     exec                        it exec'd another program (meta exec).

   A run ended by SIGKILL or the OOM killer never reaches fini at all. */
void PH_(end_text)(HChar *buf, Int size)
{
   if (PH_(exec_target) != NULL)
      VG_(snprintf)(buf, size, "exec");
   else if (!exit_seen)
      VG_(snprintf)(buf, size, "signal");
   else
      VG_(snprintf)(buf, size, "exit %d%s", exit_code,
                    PH_(py_registered) && !PH_(py_finalizing)
                    ? " without-finalisation" : "");
}

//------------------------------------------------------------//
//--- A forked child's file                                ---//
//------------------------------------------------------------//

/* A forked child runs on under the tool and writes its own file when it
   ends.  With the default name (pyheap.out.%p) that is the child's pid's
   file.  With a fixed name it would be the parent's: the child ends first
   and the parent's file, written later, replaces the child's, or the
   other way round -- one of the two profiles lost without a word.  So a
   forked child whose --pyheap-out-file has no %p writes NAME.<its pid>,
   and says so when it writes it (ph_fini's "wrote" message names the
   file).  A child that execs (subprocess.run()) writes nothing, as
   before (see above). */
void PH_(at_fork_child)(ThreadId tid)
{
   PH_(forget_all_threads)(tid);
   exit_seen = False;
   if (VG_(strstr)(PH_(clo_out_file), "%p") == NULL) {
      SizeT n = VG_(strlen)(PH_(clo_out_file));
      HChar *name = VG_(malloc)("ph.exec.forkname", n + 4);
      VG_(sprintf)(name, "%s.%%p", PH_(clo_out_file));
      PH_(clo_out_file) = name;
      PH_(forked_with_fixed_name) = True;
   }
}

/*--------------------------------------------------------------------*/
/*--- end                                                ph_exec.c ---*/
/*--------------------------------------------------------------------*/

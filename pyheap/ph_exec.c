/* pyheap: the tool: when the program execs: its profile is written first. */
/* SPDX-License-Identifier: GPL-2.0-or-later */

/*--------------------------------------------------------------------*/
/*--- pyheap: when the program execs.                    ph_exec.c ---*/
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
static Int  start_pid;          /* the process valgrind started */

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

/*--------------------------------------------------------------------*/
/*--- end                                                ph_exec.c ---*/
/*--------------------------------------------------------------------*/

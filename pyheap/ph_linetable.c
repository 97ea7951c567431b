/* pyheap: decoder of CPython's code-object location table (co_linetable). */
/* SPDX-License-Identifier: GPL-2.0-or-later */

/*
   This file is part of pyheap, a Valgrind tool that profiles Python heaps.

   Copyright (C) the pyheap authors.

   This program is free software; you can redistribute it and/or
   modify it under the terms of the GNU General Public License as
   published by the Free Software Foundation; either version 2 of the
   License, or (at your option) any later version.

   This program is distributed in the hope that it will be useful, but
   WITHOUT ANY WARRANTY; without even the implied warranty of
   MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the GNU
   General Public License for more details.
*/

/*--------------------------------------------------------------------*/
/*--- The location table, in brief                                ---*/
/*--------------------------------------------------------------------*/

/*
   Since CPython 3.11 a code object describes where each of its
   instructions comes from in one bytes object, co_linetable (the name
   survives from the 3.10 format, which held lines only; the 3.11 table
   also holds columns).  The format has not changed up to 3.14.  The tool
   reads it out of guest memory to turn "frame F is at instruction I"
   into "file:line", so this decoder must give exactly the answer the
   interpreter gives (PyCode_Addr2Line), and must stay safe on bytes that
   were read from a process that may be in the middle of changing them.

   The table is a sequence of entries.  Each entry covers a run of 1 to 8
   consecutive code units (2-byte instruction words) and starts with a
   header byte that has its top bit set:

      bit 7      always 1: marks the start of an entry
      bits 6..3  a 4-bit "code" saying which form the entry has
      bits 2..0  the number of code units covered, minus one

   The bytes that follow the header, up to the next byte with the top
   bit set, carry the entry's data, always with their top bit clear.
   So an entry's extent is found by looking for the next header byte,
   without understanding its form; this decoder advances that way, as the
   interpreter does, which also means a damaged entry cannot make the
   walk skip or re-read anything.

   Lines are stored as deltas: a running "current line" starts at the
   code object's co_firstlineno and each entry that has a location moves
   it by its delta; the entry's instructions are on the resulting line.
   The forms, by code:

      0..9    short form: same line as the running line (delta 0); one
              data byte holds the columns (compact, for the common case
              of a short expression early on the line).
      10..12  one-line form: delta is code - 10 (0, 1 or 2); two data
              bytes hold the start and end columns.
      13      no-column form: one signed varint, the line delta.
      14      long form: a signed varint line delta, then unsigned
              varints for the end-line delta and the start and end
              columns (each stored plus one so that 0 can mean unknown).
      15      no location: the instructions have no line at all (the
              answer is -1); the running line is left as it is.

   Varints are little-endian groups of 6 bits: each byte gives 6 value
   bits (bits 5..0, lowest group first) and bit 6 says "another byte
   follows".  A signed varint is an unsigned one whose lowest bit is the
   sign: value v encodes -(v >> 1) when v is odd and (v >> 1) when even.
   Negative deltas are common: instructions are laid out in execution
   order, not source order (the jump back to a "for" header at the end of
   the loop body; the call instruction of a call whose arguments span
   several lines belongs to the line where the call starts; decorators
   are applied after the function they decorate is built).

   Only the line matters here, so columns and end lines are skipped.

   The query, as PyCode_Addr2Line answers it: a negative offset means
   "before the first instruction" and gets co_firstlineno; otherwise walk
   the entries, accumulating the line, until the entry whose range
   [start, end) of byte offsets holds the offset, and answer its line (or
   -1 for a no-location entry).  Running off the end of the table before
   reaching the offset answers -1.

   Robustness.  The decoder trusts nothing in the bytes: every read is
   checked against the table's end; a varint that runs to the end of the
   table stops there, and one that does not stop within 6 bytes (more
   than the 32 bits a line delta can need) is cut there, so a long run
   of continuation bits is not an endless or unbounded read.  Each step
   of the walk consumes at least one byte, so a lookup ends after at most
   table_len steps.  Line arithmetic is done in unsigned int so that
   garbage deltas wrap instead of overflowing a signed int (undefined
   behaviour in C); on valid tables the values are identical.
*/

#include "ph_linetable.h"

/*--------------------------------------------------------------------*/
/*--- Entry decoding                                               ---*/
/*--------------------------------------------------------------------*/

#define PH_LT_CODE_NO_COLUMNS  13
#define PH_LT_CODE_LONG        14
#define PH_LT_CODE_NONE        15

/* Longest varint read, in bytes: 6 groups of 6 bits cover 32 bits. */
#define PH_LT_VARINT_MAX_BYTES 6

static unsigned int read_varint ( const unsigned char *table, size_t len,
                                  size_t pos )
{
   unsigned int val   = 0;
   unsigned int shift = 0;
   int n;
   for (n = 0; n < PH_LT_VARINT_MAX_BYTES && pos < len; n++, pos++) {
      unsigned int b = table[pos];
      val |= (b & 63u) << shift;
      if ((b & 64u) == 0)
         break;
      shift += 6;
   }
   return val;
}

static unsigned int read_svarint ( const unsigned char *table, size_t len,
                                   size_t pos )
{
   unsigned int v = read_varint(table, len, pos);
   /* Negation in unsigned arithmetic: adding the result to the running
      line subtracts (v >> 1), modulo 2^32. */
   return (v & 1u) ? 0u - (v >> 1) : (v >> 1);
}

/* Consume the entry at cur->next (which must be < table_len): update
   the running line and make it the current range. */
static void step ( PH_LineCursor *cur )
{
   const unsigned char *t = cur->table;
   size_t len  = cur->table_len;
   size_t pos  = cur->next;
   unsigned int hdr  = t[pos];
   unsigned int code = (hdr >> 3) & 15u;

   switch (code) {
      case PH_LT_CODE_NONE:
         break;
      case PH_LT_CODE_LONG:
      case PH_LT_CODE_NO_COLUMNS:
         cur->line += read_svarint(t, len, pos + 1);
         break;
      case 10: case 11: case 12:
         cur->line += code - 10;
         break;
      default: /* short forms: same line */
         break;
   }
   /* Bit 7 of the header is not checked: only a damaged table can
      start with a byte lacking it, and the interpreter decodes such a
      byte as a header too. */
   cur->ar_line = (code == PH_LT_CODE_NONE) ? -1 : (int)cur->line;

   cur->ar_start = cur->ar_end;
   cur->ar_end  += ((hdr & 7u) + 1) * 2;   /* code units are 2 bytes */

   /* Skip the data bytes: the next entry starts at the next byte with
      the top bit set (or the table ends). */
   pos++;
   while (pos < len && (t[pos] & 128u) == 0)
      pos++;
   cur->next = pos;
}

/*--------------------------------------------------------------------*/
/*--- Public functions                                             ---*/
/*--------------------------------------------------------------------*/

void ph_linetable_cursor_init ( PH_LineCursor *cur,
                                const unsigned char *table, size_t table_len,
                                int firstlineno )
{
   cur->table       = table;
   cur->table_len   = table ? table_len : 0;
   cur->next        = 0;
   cur->ar_start    = 0;
   cur->ar_end      = 0;   /* empty range: the first lookup steps */
   cur->line        = (unsigned int)firstlineno;
   cur->ar_line     = -1;
   cur->firstlineno = firstlineno;
}

int ph_linetable_cursor_addr2line ( PH_LineCursor *cur, int byte_offset )
{
   size_t off;

   if (byte_offset < 0)
      return cur->firstlineno;
   off = (size_t)byte_offset;

   /* The walk only goes forward: an offset before the current range
      means starting again from the first entry. */
   if (off < cur->ar_start)
      ph_linetable_cursor_init(cur, cur->table, cur->table_len,
                               cur->firstlineno);

   while (cur->ar_end <= off) {
      if (cur->next >= cur->table_len)
         return -1;   /* the table ends before the offset */
      step(cur);
   }
   return cur->ar_line;
}

int ph_linetable_addr2line ( const unsigned char *table, size_t table_len,
                             int firstlineno, int byte_offset )
{
   PH_LineCursor cur;
   ph_linetable_cursor_init(&cur, table, table_len, firstlineno);
   return ph_linetable_cursor_addr2line(&cur, byte_offset);
}

/*--------------------------------------------------------------------*/
/*--- end                                                          ---*/
/*--------------------------------------------------------------------*/

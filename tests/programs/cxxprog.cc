// pyheap test program: a C++ program with new, new[] and delete from distinct functions.
// SPDX-License-Identifier: GPL-2.0-or-later

// make_record   new Record (4000 bytes)    kept
// make_table    new int[12345]             kept
// make_scratch  new char[77777]            deleted before the end

#include <cstddef>

struct Record {
   char data[4000];
};

static Record *kept_record;
static int *kept_table;

__attribute__((noinline)) Record *make_record()
{
   return new Record();                          // LINE:record
}

__attribute__((noinline)) int *make_table()
{
   return new int[12345];                        // LINE:table
}

__attribute__((noinline)) char *make_scratch()
{
   return new char[77777];                       // LINE:scratch
}

int main()
{
   kept_record = make_record();
   kept_table = make_table();
   char *scratch = make_scratch();
   scratch[0] = 1;
   delete[] scratch;
   return kept_record != nullptr && kept_table != nullptr ? 0 : 1;
}

/* paths.h — opening input files and checking output paths, the same way in
 * every program.
 *
 * Inputs (platforms, cost profiles, IDX files, checkpoints, traces) must be
 * regular files: a FIFO would block the open or the first read forever, a
 * directory reads as nothing, a device as anything.  Outputs are checked
 * before the work that produces them, so that a run of hours does not end
 * with "cannot write": the path must name a regular file or nothing, in a
 * directory that exists and is writable (core/atomic.h then writes it). */
#ifndef DSGD_PATHS_H
#define DSGD_PATHS_H

#include <stddef.h>
#include <stdio.h>

/* Opens path for reading (without blocking on a FIFO) and checks that it
 * is a regular file.  Returns the descriptor, or -1 with "PATH: cannot
 * read: REASON" or "PATH: not a regular file (a FIFO)" in err. */
int dsgd_input_open(const char *path, char *err, size_t errlen);

/* The same as a stdio stream (mode "r" or "rb"); NULL with err on failure. */
FILE *dsgd_input_fopen(const char *path, const char *mode, char *err, size_t errlen);

/* Checks that path can be written as a whole file later: not a directory
 * or other non-regular file, in an existing writable directory (probed by
 * creating and removing a file beside it).  Returns 0, or -1 with "PATH:
 * cannot write: REASON" in err. */
int dsgd_output_check(const char *path, char *err, size_t errlen);

#endif

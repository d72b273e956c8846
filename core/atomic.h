/* atomic.h — writing an output file so that it is whole or absent.
 *
 * Every program's outputs (traces, tables, profiles, checkpoints, exports)
 * go through here: the content is written to PATH.tmp.PID next to PATH and
 * renamed over PATH only if every write succeeded, so a failed or
 * interrupted run never leaves a half-written file. */
#ifndef DSGD_ATOMIC_H
#define DSGD_ATOMIC_H

#include <stddef.h>
#include <stdio.h>

/* Writes the content to f; returns 0, or -1 if something went wrong. */
typedef int (*dsgd_writer_fn)(FILE *f, void *ctx);

/* Creates path with writer's content (mode "w" or "wb").  Returns 0, or -1
 * with a one-line reason naming path in err (and no file left behind). */
int dsgd_write_atomic(const char *path, const char *mode, dsgd_writer_fn writer, void *ctx,
                      char *err, size_t errlen);

#endif

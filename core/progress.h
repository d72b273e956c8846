/* progress.h — a one-line progress display on stderr for long runs.
 *
 * Shown only when stderr is a terminal, --quiet is off, and the run has
 * lasted more than a second; refreshed at most ten times a second. */
#ifndef DSGD_PROGRESS_H
#define DSGD_PROGRESS_H

typedef struct dsgd_progress {
    int enabled;
    int shown;
    double wall_start;
    double last_print;
    const char *clock; /* "sim" or "wall": what `now` measures */
} dsgd_progress;

void dsgd_progress_init(dsgd_progress *p, int quiet, const char *clock);
/* Matches dsgd_progress_fn (algorithms/algo.h); ctx is a dsgd_progress. */
void dsgd_progress_update(void *ctx, long iter, long iters, double now);
/* Ends the line if anything was shown. */
void dsgd_progress_done(dsgd_progress *p);
/* Wall-clock seconds (monotonic). */
double dsgd_wall_seconds(void);

#endif

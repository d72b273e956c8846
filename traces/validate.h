/* validate.h — how far a simulated run is from the real one, phase by phase.
 *
 * The numbers behind dsgd-validate: a trace's time per iteration in each
 * phase, relative errors, and the median and worst error over runs. */
#ifndef DSGD_VALIDATE_H
#define DSGD_VALIDATE_H

#include <stddef.h>

#include "core/trace.h"

/* What a rank's time goes to, from the trace's event kinds. */
typedef enum dsgd_phase {
    DSGD_PHASE_COMPUTE, /* compute */
    DSGD_PHASE_COMM,    /* send, recv, collective (blocking communication) */
    DSGD_PHASE_WAIT,    /* wait: for a non-blocking operation to complete */
    DSGD_PHASE_IO,      /* io: loading minibatches */
    DSGD_PHASE_MEMORY,  /* memory: vector ops (gradient scaling, optimiser step) */
    DSGD_PHASE_COUNT
} dsgd_phase;

/* "compute", "comm", "wait", "io", "memory". */
const char *dsgd_phase_name(int phase);
/* The phase of an event kind, or -1 (update spans its memory events; eval
 * and mark take no time of their own). */
int dsgd_phase_of_kind(int kind);

/* Seconds per training iteration in each phase, mean over the workers. */
typedef struct dsgd_phase_times {
    int workers; /* ranks with compute events in training iterations */
    double seconds[DSGD_PHASE_COUNT];
} dsgd_phase_times;

/* Phase times of a trace.  Only training events count (iter >= 0: not the
 * set-up, not the final evaluation).  A worker is a rank with a compute
 * event in a training iteration; its iterations are the span of the
 * iteration numbers of its training events (last - first + 1), so that
 * workers of asynchronous variants, which run different numbers, each
 * count their own.  Returns 0, or -1 when the trace has no worker. */
int dsgd_phase_times_of(const dsgd_trace *trace, dsgd_phase_times *out);

/* (predicted - measured) / measured in %, NaN unless measured > 0. */
double dsgd_error_pct(double predicted, double measured);

/* Median and worst (largest in absolute value, sign kept) of n errors,
 * NaNs skipped; *worst_index the worst one's index.  Both NaN and index -1
 * when none is a number. */
void dsgd_error_stats(const double *errors, size_t n, double *median_abs, double *worst,
                      long *worst_index);

#endif

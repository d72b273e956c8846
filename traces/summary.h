/* summary.h — where each rank's time went: seconds per event kind.
 *
 * The numbers behind `dsgd-trace summary`.  A rank's span is its first
 * event's start to its last event's end; kinds may overlap (an update spans
 * its optimiser step, a wait lies inside a non-blocking receive), so the
 * fractions of one rank need not add up to one. */
#ifndef DSGD_SUMMARY_H
#define DSGD_SUMMARY_H

#include <stddef.h>

#include "core/trace.h"

typedef struct dsgd_summary_rank {
    int rank;
    size_t events;
    double t_first, t_last; /* span: first start, last end (seconds) */
    double seconds[DSGD_EV_KIND_COUNT];
    size_t count[DSGD_EV_KIND_COUNT];
} dsgd_summary_rank;

/* Sums trace per rank.  *ranks gets the ranks present in the trace, in
 * increasing order (free() it); *n_ranks their number.  Returns 0, or -1
 * when out of memory. */
int dsgd_summary_compute(const dsgd_trace *trace, dsgd_summary_rank **ranks, size_t *n_ranks);

static inline double dsgd_summary_span(const dsgd_summary_rank *r)
{
    return r->t_last - r->t_first;
}

#endif

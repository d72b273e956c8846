/* summary.c — per-rank seconds per event kind (see summary.h). */
#include "traces/summary.h"

#include <stdlib.h>

int dsgd_summary_compute(const dsgd_trace *trace, dsgd_summary_rank **ranks, size_t *n_ranks)
{
    *ranks = NULL;
    *n_ranks = 0;
    int max_rank = -1;
    for (size_t i = 0; i < trace->count; i++)
        if (trace->events[i].rank > max_rank)
            max_rank = trace->events[i].rank;
    if (max_rank < 0)
        return 0;
    dsgd_summary_rank *all = calloc((size_t)max_rank + 1, sizeof *all);
    if (!all)
        return -1;
    for (size_t i = 0; i < trace->count; i++) {
        const dsgd_event *e = &trace->events[i];
        dsgd_summary_rank *r = &all[e->rank];
        if (r->events == 0 || e->t0 < r->t_first)
            r->t_first = e->t0;
        if (r->events == 0 || e->t1 > r->t_last)
            r->t_last = e->t1;
        r->events++;
        r->seconds[e->kind] += e->t1 - e->t0;
        r->count[e->kind]++;
    }
    size_t n = 0;
    for (int rank = 0; rank <= max_rank; rank++)
        if (all[rank].events > 0) {
            all[n] = all[rank];
            all[n++].rank = rank;
        }
    *ranks = all;
    *n_ranks = n;
    return 0;
}

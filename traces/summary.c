/* summary.c — per-rank seconds per event kind (see summary.h).
 *
 * Ranks are numbered as the trace says, not counted: a rank is looked up
 * among the distinct ranks present, so memory follows the ranks a trace
 * holds, not its largest rank number (a two-line trace naming rank 2^24
 * takes two entries, not 2^24). */
#include "traces/summary.h"

#include <stdlib.h>

static int by_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* The distinct ranks of trace, sorted, into *out (free() it). */
static int distinct_ranks(const dsgd_trace *trace, int **out, size_t *n_out)
{
    size_t n = trace->count;
    int *ranks = malloc((n ? n : 1) * sizeof *ranks);
    if (!ranks)
        return -1;
    for (size_t i = 0; i < n; i++)
        ranks[i] = trace->events[i].rank;
    qsort(ranks, n, sizeof *ranks, by_int);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || ranks[i] != ranks[k - 1])
            ranks[k++] = ranks[i];
    *out = ranks;
    *n_out = k;
    return 0;
}

int dsgd_summary_compute(const dsgd_trace *trace, dsgd_summary_rank **ranks, size_t *n_ranks)
{
    *ranks = NULL;
    *n_ranks = 0;
    int *ids;
    size_t n;
    if (distinct_ranks(trace, &ids, &n) != 0)
        return -1;
    if (n == 0) {
        free(ids);
        return 0;
    }
    dsgd_summary_rank *all = calloc(n, sizeof *all);
    if (!all) {
        free(ids);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        all[i].rank = ids[i];
    for (size_t i = 0; i < trace->count; i++) {
        const dsgd_event *e = &trace->events[i];
        const int *at = bsearch(&e->rank, ids, n, sizeof *ids, by_int);
        dsgd_summary_rank *r = &all[at - ids];
        if (r->events == 0 || e->t0 < r->t_first)
            r->t_first = e->t0;
        if (r->events == 0 || e->t1 > r->t_last)
            r->t_last = e->t1;
        r->events++;
        r->seconds[e->kind] += e->t1 - e->t0;
        r->count[e->kind]++;
    }
    free(ids);
    *ranks = all;
    *n_ranks = n;
    return 0;
}

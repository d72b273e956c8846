/* validate.c — phase times and error statistics (see validate.h). */
#include "traces/validate.h"

#include <math.h>
#include <stdlib.h>

const char *dsgd_phase_name(int phase)
{
    static const char *const names[DSGD_PHASE_COUNT] = {"compute", "comm", "wait", "io", "memory"};
    return phase >= 0 && phase < DSGD_PHASE_COUNT ? names[phase] : "?";
}

int dsgd_phase_of_kind(int kind)
{
    switch (kind) {
    case DSGD_EV_COMPUTE: return DSGD_PHASE_COMPUTE;
    case DSGD_EV_SEND:
    case DSGD_EV_RECV:
    case DSGD_EV_COLLECTIVE: return DSGD_PHASE_COMM;
    case DSGD_EV_WAIT: return DSGD_PHASE_WAIT;
    case DSGD_EV_IO: return DSGD_PHASE_IO;
    case DSGD_EV_MEMORY: return DSGD_PHASE_MEMORY;
    default: return -1;
    }
}

/* One rank's training events. */
typedef struct rank_sum {
    int worker;
    long first_iter, last_iter;
    double seconds[DSGD_PHASE_COUNT];
} rank_sum;

int dsgd_phase_times_of(const dsgd_trace *trace, dsgd_phase_times *out)
{
    *out = (dsgd_phase_times){0};
    int max_rank = -1;
    for (size_t i = 0; i < trace->count; i++)
        if (trace->events[i].rank > max_rank)
            max_rank = trace->events[i].rank;
    if (max_rank < 0)
        return -1;
    rank_sum *ranks = calloc((size_t)max_rank + 1, sizeof *ranks);
    if (!ranks)
        return -1;
    for (int r = 0; r <= max_rank; r++)
        ranks[r].first_iter = -1;
    for (size_t i = 0; i < trace->count; i++) {
        const dsgd_event *e = &trace->events[i];
        if (e->iter < 0)
            continue;
        rank_sum *r = &ranks[e->rank];
        if (r->first_iter < 0 || e->iter < r->first_iter)
            r->first_iter = e->iter;
        if (e->iter > r->last_iter)
            r->last_iter = e->iter;
        r->worker |= e->kind == DSGD_EV_COMPUTE;
        int phase = dsgd_phase_of_kind(e->kind);
        if (phase >= 0)
            r->seconds[phase] += e->t1 - e->t0;
    }
    for (int rank = 0; rank <= max_rank; rank++) {
        const rank_sum *r = &ranks[rank];
        if (!r->worker)
            continue;
        double iters = (double)(r->last_iter - r->first_iter + 1);
        for (int p = 0; p < DSGD_PHASE_COUNT; p++)
            out->seconds[p] += r->seconds[p] / iters;
        out->workers++;
    }
    free(ranks);
    if (out->workers == 0)
        return -1;
    for (int p = 0; p < DSGD_PHASE_COUNT; p++)
        out->seconds[p] /= out->workers;
    return 0;
}

double dsgd_error_pct(double predicted, double measured)
{
    if (!(measured > 0) || !isfinite(predicted))
        return NAN;
    return (predicted - measured) / measured * 100.0;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void dsgd_error_stats(const double *errors, size_t n, double *median_abs, double *worst,
                      long *worst_index)
{
    *median_abs = *worst = NAN;
    *worst_index = -1;
    double *abs_errors = malloc(sizeof *abs_errors * (n ? n : 1));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(errors[i]))
            continue;
        if (abs_errors)
            abs_errors[k] = fabs(errors[i]);
        k++;
        if (*worst_index < 0 || fabs(errors[i]) > fabs(*worst)) {
            *worst = errors[i];
            *worst_index = (long)i;
        }
    }
    if (abs_errors && k > 0) {
        qsort(abs_errors, k, sizeof *abs_errors, by_value);
        *median_abs = k % 2 ? abs_errors[k / 2] : (abs_errors[k / 2 - 1] + abs_errors[k / 2]) / 2;
    }
    free(abs_errors);
}

/* progress.c — throttled single-line progress on stderr. */
#define _POSIX_C_SOURCE 200809L
#include "core/progress.h"

#include "core/config.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

double dsgd_wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void dsgd_progress_init(dsgd_progress *p, int quiet, const char *clock)
{
    p->enabled = !quiet && isatty(STDERR_FILENO);
    p->shown = 0;
    p->wall_start = dsgd_wall_seconds();
    p->last_print = p->wall_start;
    p->clock = clock;
}

void dsgd_progress_update(void *ctx, long iter, long iters, double now)
{
    dsgd_progress *p = ctx;
    if (!p || !p->enabled)
        return;
    double wall = dsgd_wall_seconds();
    if (wall - p->wall_start < 1.0 || (wall - p->last_print < 0.1 && iter < iters))
        return;
    p->last_print = wall;
    p->shown = 1;
    if (iters >= DSGD_ITERS_UNBOUNDED) /* --time-budget or --samples ends it */
        fprintf(stderr, "\r  iteration %ld  %s time %.6g s  wall %.1f s ", iter, p->clock, now,
                wall - p->wall_start);
    else
        fprintf(stderr, "\r  iteration %ld/%ld  %s time %.6g s  wall %.1f s ", iter, iters,
                p->clock, now, wall - p->wall_start);
    fflush(stderr);
}

void dsgd_progress_done(dsgd_progress *p)
{
    if (p->shown)
        fputc('\n', stderr);
    p->shown = 0;
}

/* idle.c — the polling schedule of idle.h. */
#include "core/idle.h"

#include <math.h>

double dsgd_idle_noticed(double happened, double wake_s)
{
    if (!(happened > DSGD_IDLE_SPIN_S)) /* while spinning (or not a time) */
        return happened;
    if (!(wake_s >= 0))
        wake_s = 0;
    double t = DSGD_IDLE_SPIN_S;
    for (double nap = DSGD_IDLE_NAP_MIN_S; nap < DSGD_IDLE_NAP_MAX_S; nap *= 2) {
        t += nap + wake_s; /* the doubling naps */
        if (t >= happened)
            return t;
    }
    if (!isfinite(happened))
        return happened;
    /* then naps of the longest length: the poll at or after `happened`,
     * in one step (a wait of hours is millions of naps) */
    double period = DSGD_IDLE_NAP_MAX_S + wake_s;
    return t + ceil((happened - t) / period) * period;
}

double dsgd_idle_noticed_drawn(double happened, double mean_s, double max_s,
                               double (*overshoot)(void *ctx), void *ctx)
{
    if (!(happened > DSGD_IDLE_SPIN_S) || !isfinite(happened))
        return happened;
    double t = DSGD_IDLE_SPIN_S;
    for (double nap = DSGD_IDLE_NAP_MIN_S; nap < DSGD_IDLE_NAP_MAX_S; nap *= 2) {
        t += nap + fmax(overshoot(ctx), 0.0);
        if (t >= happened)
            return t;
    }
    double period = DSGD_IDLE_NAP_MAX_S + fmax(mean_s, 0.0);
    double window = 32 * (DSGD_IDLE_NAP_MAX_S + fmax(max_s, mean_s));
    double skip = floor((happened - window - t) / period); /* naps before the window */
    if (skip > 0)
        t += skip * period;
    while (t < happened)
        t += DSGD_IDLE_NAP_MAX_S + fmax(overshoot(ctx), 0.0);
    return t;
}

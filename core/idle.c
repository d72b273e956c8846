/* idle.c — the polling schedule of idle.h, written once: both the mean
 * and the drawn overshoot walk it here. */
#include "core/idle.h"

#include <math.h>

double dsgd_idle_noticed_drawn(double happened, double mean_s, double max_s,
                               double (*overshoot)(void *ctx), void *ctx)
{
    if (!(happened > DSGD_IDLE_SPIN_S) || !isfinite(happened)) /* while spinning (or not a time) */
        return happened;
    double t = DSGD_IDLE_SPIN_S;
    for (double nap = DSGD_IDLE_NAP_MIN_S; nap < DSGD_IDLE_NAP_MAX_S; nap *= 2) {
        t += nap + fmax(overshoot(ctx), 0.0); /* the doubling naps */
        if (t >= happened)
            return t;
    }
    /* then naps of the longest length: a wait of hours is millions of
     * them, so it steps over those before its last 32 x (64 us + max_s) at
     * the mean, and walks the rest */
    double period = DSGD_IDLE_NAP_MAX_S + fmax(mean_s, 0.0);
    double window = 32 * (DSGD_IDLE_NAP_MAX_S + fmax(max_s, mean_s));
    double skip = floor((happened - window - t) / period);
    if (skip > 0)
        t += skip * period;
    while (t < happened)
        t += DSGD_IDLE_NAP_MAX_S + fmax(overshoot(ctx), 0.0);
    return t;
}

static double constant(void *ctx) { return *(const double *)ctx; }

double dsgd_idle_noticed(double happened, double wake_s)
{
    if (!(wake_s >= 0))
        wake_s = 0;
    return dsgd_idle_noticed_drawn(happened, wake_s, wake_s, constant, &wake_s);
}

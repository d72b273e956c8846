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

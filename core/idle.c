/* idle.c — the polling schedule of idle.h. */
#include "core/idle.h"

double dsgd_idle_noticed(double happened, double wake_s)
{
    if (happened <= DSGD_IDLE_SPIN_S)
        return happened;
    double t = DSGD_IDLE_SPIN_S, nap = DSGD_IDLE_NAP_MIN_S;
    if (!(wake_s >= 0))
        wake_s = 0;
    while (t < happened) {
        t += nap + wake_s;
        if (nap < DSGD_IDLE_NAP_MAX_S)
            nap *= 2;
    }
    return t;
}

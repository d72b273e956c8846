/* idle.h — how a dsgd-run rank waits under --idle sleep (exec/backend.c),
 * written once so that dsgd-sim's model of it (--waits polled) polls on
 * the same schedule: spin DSGD_IDLE_SPIN_S, then nap between polls, the
 * naps doubling from DSGD_IDLE_NAP_MIN_S to DSGD_IDLE_NAP_MAX_S.  A nap
 * asked for d seconds lasts d plus the machine's wake-up latency (timer
 * slack, the scheduler handing the core back), which `dsgd-run --bench
 * naps` measures and dsgd-calibrate writes as the profile's
 * wake_latency_s. */
#ifndef DSGD_IDLE_H
#define DSGD_IDLE_H

#define DSGD_IDLE_SPIN_S 20e-6
#define DSGD_IDLE_NAP_MIN_S 1e-6
#define DSGD_IDLE_NAP_MAX_S 64e-6

/* The time, from the start of a wait, at which a rank polling that way
 * sees an event that happened `happened` seconds into the wait, when each
 * nap overshoots by wake_s: `happened` itself while it spins, else the end
 * of the nap it was in. */
double dsgd_idle_noticed(double happened, double wake_s);

/* The same when each nap overshoots by its own draw, overshoot(ctx) (a
 * machine whose wake-ups have a heavy tail: an event is likelier to fall
 * in a long nap than a nap is to be long, so a wait's expected delay is
 * E[X^2] / 2E[X] over the naps' lengths X, which the mean overshoot
 * underestimates).  A long wait steps over its early naps at mean_s, the
 * draws' mean, and draws those of its last 32 x (64 us + max_s), max_s
 * the largest draw: enough of the longest naps for the one that holds the
 * event to be drawn as in a long run of naps. */
double dsgd_idle_noticed_drawn(double happened, double mean_s, double max_s,
                               double (*overshoot)(void *ctx), void *ctx);

#endif

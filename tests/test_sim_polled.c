/* test_sim_polled — dsgd-sim --waits polled: a waiting rank sees what it
 * waited for at its next poll of dsgd-run's --idle sleep schedule.
 *
 * usage: test_sim_polled PLATFORM
 *
 * 1. The schedule itself (core/idle.h), by hand: spin 20 us, then naps of
 *    1, 2, 4, ... us, each W longer than asked:
 *        an event at 10 us is seen at 10 us (still spinning);
 *        at 21 us, W = 0: 21 us (the 1 us nap);  at 22 us: 23 us;
 *        at 30 us, W = 5 us: 20 + 6 + 7 = 33 us;
 *        at 1 ms, W = 0: 20+1+2+...+64 (= 147) then 14 naps of 64 us: 1.043 ms;
 *        at 0.37 s, W = 5 us: the first poll of 113 us + k x 69 us past it.
 *    Drawn overshoots (dsgd_idle_noticed_drawn): a constant draw gives the
 *    schedule above to the digit; a heavy tail (99 % of naps overshoot by
 *    10 us, 1 % by 5 ms) makes a wait that ends well into the 64 us naps
 *    late by E[X^2] / 2E[X] on average over the naps' lengths X (the
 *    inspection paradox: 1.06 ms here), not by half a mean nap (62 us):
 *    checked over 200,000 waits of 50-100 ms within 3 %, and over 20,000
 *    of 1-2 s (which step over their early naps) within 6 %.
 * 2. In the simulator, rank 0 loads for 1 ms then sends 4 bytes to rank
 *    1, which waits for them in dsgd_recv (a point-to-point wait) and then
 *    in an allreduce of 2 ranks (a collective's wait); the same run with
 *    exact waits gives the arrival times a.  Polled (W = 5 us), the
 *    receive must end at noticed(a): later than a by less than one 64 us
 *    nap + W, at a poll of the schedule (not at a).  The allreduce (a
 *    binomial tree here: rank 0 receives, sums, sends back) holds two
 *    receives in series, rank 0's and then rank 1's, each seen at a poll:
 *    later than exact by more than 0 and less than two naps + 2 W.  A
 *    reduce (MPI_Reduce in dsgd-run, which spins in every --idle mode)
 *    ends as long after rank 0 enters it polled as exact (the message's
 *    time, seen at once). */
#include <math.h>
#include <simgrid/engine.h>
#include <stdio.h>
#include <stdlib.h>

#include "algorithms/comm.h"
#include "core/cost.h"
#include "core/idle.h"
#include "core/rng.h"
#include "sim/sim.h"

static double waited[2][3];    /* [polled][recv, allreduce, reduce]: rank 1's waits */
static double reduce_start[2]; /* [polled]: when rank 0 entered the reduce */

static int polled_run;

static int program(dsgd_comm *c, const dsgd_job *job, dsgd_result *out)
{
    (void)job, (void)out;
    float x = 1.0f;
    if (dsgd_rank(c) == 0) {
        dsgd_io(c, "load", 1e6, dsgd_now(c)); /* 1 ms at 1e9 B/s */
        dsgd_send(c, 1, 7, &x, sizeof x);
        dsgd_io(c, "load", 1e6, dsgd_now(c));
        int rc = dsgd_allreduce(c, NULL, &x, 1);
        dsgd_io(c, "load", 1e6, dsgd_now(c));
        reduce_start[polled_run] = dsgd_now(c);
        return rc ? rc : dsgd_reduce(c, NULL, 1, &x, 1);
    }
    double t0 = dsgd_now(c);
    dsgd_recv(c, 0, 7, &x, sizeof x, NULL);
    double t1 = dsgd_now(c);
    int rc = dsgd_allreduce(c, NULL, &x, 1);
    waited[polled_run][1] = dsgd_now(c) - t1;
    if (rc == DSGD_OK)
        rc = dsgd_reduce(c, NULL, 1, &x, 1);
    waited[polled_run][0] = t1 - t0;
    waited[polled_run][2] = dsgd_now(c) - reduce_start[polled_run]; /* the message's time */
    return rc;
}

static double constant_draw(void *ctx) { return *(double *)ctx; }

static double tail_draw(void *ctx)
{
    dsgd_rng *rng = ctx;
    return dsgd_rng_uniform(rng) < 0.01 ? 5e-3 : 10e-6;
}

static int check_drawn(void)
{
    int failures = 0;
    static const double at[] = {10e-6, 21e-6, 30e-6, 1e-3, 0.37};
    for (int w = 0; w < 2; w++)
        for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
            double wake = w ? 5e-6 : 0;
            double a = dsgd_idle_noticed(at[i], wake),
                   b = dsgd_idle_noticed_drawn(at[i], wake, wake, constant_draw, &wake);
            if (fabs(a - b) > 1e-12 * fmax(1, a)) {
                printf("drawn, constant %g us: event at %g s seen at %.9g, want %.9g FAIL\n",
                       wake * 1e6, at[i], b, a);
                failures++;
            }
        }
    double x1 = 0, x2 = 0;
    for (int tail = 0; tail < 2; tail++) {
        double p = tail ? 0.01 : 0.99, x = DSGD_IDLE_NAP_MAX_S + (tail ? 5e-3 : 10e-6);
        x1 += p * x, x2 += p * x * x;
    }
    double want = x2 / (2 * x1);
    for (int longer = 0; longer < 2; longer++) {
        dsgd_rng rng;
        dsgd_rng_seed(&rng, 42);
        double late = 0, from = longer ? 1.0 : 0.05;
        int waits = longer ? 20000 : 200000;
        for (int k = 0; k < waits; k++) {
            double happened = from * (1 + dsgd_rng_uniform(&rng));
            late += dsgd_idle_noticed_drawn(happened, 0.99 * 10e-6 + 0.01 * 5e-3, 5e-3, tail_draw,
                                            &rng) -
                    happened;
        }
        double got = late / waits;
        int ok = fabs(got - want) < (longer ? 0.06 : 0.03) * want;
        printf("drawn, heavy tail, waits of %g-%g s: late by %.4g ms on average, E[X^2]/2E[X] = "
               "%.4g ms %s\n",
               from, 2 * from, got * 1e3, want * 1e3, ok ? "ok" : "FAIL");
        failures += !ok;
    }
    return failures;
}

static int check_schedule(double happened, double wake, double want)
{
    double got = dsgd_idle_noticed(happened, wake);
    int ok = fabs(got - want) < 1e-12;
    printf("event at %8.3f us, wake %g us: seen at %8.3f us, want %8.3f %s\n", happened * 1e6,
           wake * 1e6, got * 1e6, want * 1e6, ok ? "ok" : "FAIL");
    return !ok;
}

/* Is t (from the start of a wait) a poll of the schedule with wake w? */
static int at_a_poll(double t, double w)
{
    double p = DSGD_IDLE_SPIN_S, nap = DSGD_IDLE_NAP_MIN_S;
    while (p < t - 1e-12) {
        p += nap + w;
        nap = fmin(2 * nap, DSGD_IDLE_NAP_MAX_S);
    }
    return fabs(p - t) < 1e-9;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s PLATFORM\n", argv[0]);
        return 2;
    }
    int failures = 0;
    failures += check_schedule(10e-6, 0, 10e-6);
    failures += check_schedule(21e-6, 0, 21e-6);
    failures += check_schedule(22e-6, 0, 23e-6);
    failures += check_schedule(30e-6, 5e-6, 33e-6);
    failures += check_schedule(1e-3, 0, 147e-6 + 14 * 64e-6);
    /* a long wait, stepped over: the poll at or after it, 69 us apart
     * from 20 + 63 + 6 x 5 = 113 us */
    failures += check_schedule(0.37, 5e-6, 113e-6 + ceil((0.37 - 113e-6) / 69e-6) * 69e-6);
    failures += check_drawn();

    int sg_argc = 2;
    char *sg_argv[] = {argv[0], "--log=root.thresh:warning", NULL};
    simgrid_init(&sg_argc, sg_argv);
    simgrid_load_platform(argv[1]);
    size_t n_hosts;
    sg_host_t *hosts = dsgd_sim_hosts(&n_hosts);
    const double wake = 5e-6;
    for (polled_run = 0; polled_run < 2; polled_run++) {
        dsgd_sim_options opt = {.trace = 0, .polled_waits = polled_run};
        dsgd_cost_defaults(&opt.cost);
        opt.cost.io_bw_Bps = 1e9;
        opt.cost.wake_latency_s = wake;
        dsgd_sim_world *w = dsgd_sim_world_create(2, hosts, &opt);
        dsgd_result result[2];
        dsgd_sim_launch(w, program, NULL, result);
        dsgd_sim_world_destroy(w);
    }
    static const char *const what[2] = {"recv", "allreduce"};
    int same = waited[0][2] > 0 && fabs(waited[1][2] - waited[0][2]) < 1e-12;
    printf("reduce    from rank 0's start: exact %.9f s, polled %.9f s (spins: equal) %s\n",
           waited[0][2], waited[1][2], same ? "ok" : "FAIL");
    failures += !same;
    for (int k = 0; k < 2; k++) {
        double exact = waited[0][k], polled = waited[1][k];
        int ok = exact > 0.9e-3 && polled > exact;
        if (k == 0)
            ok = ok && polled - exact < DSGD_IDLE_NAP_MAX_S + wake &&
                 fabs(polled - dsgd_idle_noticed(exact, wake)) < 1e-9 && at_a_poll(polled, wake);
        else
            ok = ok && polled - exact < 2 * (DSGD_IDLE_NAP_MAX_S + wake);
        printf("%-9s wait: exact %.9f s, polled %.9f s (%.3f us late) %s\n", what[k], exact, polled,
               (polled - exact) * 1e6, ok ? "ok" : "FAIL");
        failures += !ok;
    }
    free(hosts);
    printf("%s\n", failures ? "FAILED" : "all ok");
    return failures != 0;
}

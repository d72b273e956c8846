/* test_sim_failures — comm.h's failure semantics on the SimGrid backend.
 * Rank 3 is killed at T = 1 s (as --fail does) after it sent rank 0 three
 * messages; rank 2 has a long send in flight to it.  Checks:
 *  1. a receive from ANY_SOURCE that is blocked when rank 3 dies wakes with
 *     DSGD_EFAILED naming rank 3, and failed() says so;
 *  2. the three messages rank 3 sent before dying are still received, in
 *     order; the next receive from rank 3 returns DSGD_ENETWORK;
 *  3. an any-source receive reports rank 3's failure once per port, then
 *     receives a live rank's message;
 *  4. a send to rank 3 after its death returns DSGD_ENETWORK at once; a
 *     rendezvous send in flight at its death completes with DSGD_ENETWORK;
 *  5. the survivors form a group and allreduce over it;
 *  6. the launcher reports rank 3 unfinished and the others finished.
 * usage: test_sim_failures PLATFORM */
#include <simgrid/engine.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/check.h"
#include "sim/faults.h"
#include "sim/sim.h"

#define T_FAIL 1.0
#define BIG (1 << 20) /* above the eager limit: a rendezvous send */

/* Simulated time passes until `until` (a long compute). */
static void sleep_until(dsgd_comm *c, double until)
{
    dsgd_work work = {.layer_calls = 1};
    double t0 = dsgd_now(c);
    /* dense flops at the default efficiency on the host's speed: approximate
     * is fine, every check is ordered around T_FAIL with wide margins */
    while (dsgd_now(c) < until) {
        work.flops[DSGD_LAYER_DENSE] = 1e9;
        dsgd_compute(c, "wait", &work, t0);
        t0 = dsgd_now(c);
    }
}

static int rank0(dsgd_comm *c)
{
    int v;
    dsgd_msg_info info = {-1, -1, 0};
    int rc = dsgd_recv(c, DSGD_ANY_SOURCE, 9, &v, sizeof v, &info); /* nobody sends on 9 */
    if (rc != DSGD_EFAILED || info.source != 3)
        FAIL(1, "blocked any-source receive: status %d source %d, want %d from 3", rc, info.source,
             DSGD_EFAILED);
    if (dsgd_now(c) < T_FAIL || !dsgd_failed(c, 3) || dsgd_failed(c, 1))
        FAIL(1, "failed(3) %d failed(1) %d at %g s", dsgd_failed(c, 3), dsgd_failed(c, 1),
             dsgd_now(c));
    for (int k = 0; k < 3; k++)
        if ((rc = dsgd_recv(c, 3, 5, &v, sizeof v, NULL)) != DSGD_OK || v != 10 + k)
            FAIL(2, "message %d from the dead rank: status %d value %d", k, rc, v);
    if ((rc = dsgd_recv(c, 3, 5, &v, sizeof v, NULL)) != DSGD_ENETWORK)
        FAIL(2, "fourth receive from the dead rank: status %d, want %d", rc, DSGD_ENETWORK);
    rc = dsgd_recv(c, DSGD_ANY_SOURCE, 5, &v, sizeof v, &info);
    if (rc != DSGD_EFAILED || info.source != 3)
        FAIL(3, "any-source on tag 5: status %d source %d, want the notice of 3", rc, info.source);
    rc = dsgd_recv(c, DSGD_ANY_SOURCE, 5, &v, sizeof v, &info);
    if (rc != DSGD_OK || info.source != 1 || v != 41)
        FAIL(3, "any-source after the notice: status %d source %d value %d", rc, info.source, v);
    return 0;
}

static int rank1(dsgd_comm *c)
{
    sleep_until(c, 2 * T_FAIL);
    int v = 41, rc;
    dsgd_request *req = NULL;
    if ((rc = dsgd_isend(c, 3, 5, &v, sizeof v, &req)) != DSGD_ENETWORK || req)
        FAIL(4, "isend to the dead rank: status %d, want %d", rc, DSGD_ENETWORK);
    if ((rc = dsgd_send(c, 0, 5, &v, sizeof v)) != DSGD_OK)
        FAIL(4, "send to rank 0: status %d", rc);
    return 0;
}

static int rank2(dsgd_comm *c)
{
    static float big[BIG / sizeof(float)];
    int rc = dsgd_send(c, 3, 8, big, sizeof big); /* matches rank 3's receive */
    if (rc != DSGD_OK)
        FAIL(4, "first long send: status %d", rc);
    rc = dsgd_send(c, 3, 8, big, sizeof big); /* nobody receives it: in flight at T */
    if (rc != DSGD_ENETWORK || dsgd_now(c) < T_FAIL)
        FAIL(4, "long send in flight at the death: status %d at %g s, want %d after %g", rc,
             dsgd_now(c), DSGD_ENETWORK, T_FAIL);
    return 0;
}

static int rank3(dsgd_comm *c)
{
    static float big[BIG / sizeof(float)];
    for (int k = 0; k < 3; k++) {
        int v = 10 + k;
        dsgd_send(c, 0, 5, &v, sizeof v);
    }
    dsgd_recv(c, 2, 8, big, sizeof big, NULL);
    sleep_until(c, 100 * T_FAIL); /* killed before */
    return 0;
}

static int program(dsgd_comm *c, const dsgd_job *job, dsgd_result *out)
{
    (void)job;
    int (*role[])(dsgd_comm *) = {rank0, rank1, rank2, rank3};
    int rc = role[dsgd_rank(c)](c);
    if (rc)
        return rc;
    dsgd_group *live;
    if ((rc = dsgd_group_survivors(c, NULL, &live)) != DSGD_OK || !live ||
        dsgd_group_size(c, live) != 3)
        FAIL(5, "survivors: status %d, %d members", rc, live ? dsgd_group_size(c, live) : -1);
    float one = 1;
    rc = dsgd_allreduce(c, live, &one, 1);
    dsgd_group_free(c, live);
    if (rc != DSGD_OK || one != 3)
        FAIL(5, "allreduce over the survivors: status %d sum %g, want 3", rc, one);
    out->status = 0;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s PLATFORM\n", argv[0]);
        return 2;
    }
    int sg_argc = 3;
    char *sg_argv[] = {argv[0], "--log=root.thresh:critical", "--cfg=contexts/guard-size:0",
                       NULL};
    simgrid_init(&sg_argc, sg_argv);
    simgrid_load_platform(argv[1]);
    size_t n_hosts;
    sg_host_t *hosts = dsgd_sim_hosts(&n_hosts);
    dsgd_failure fail = {3, T_FAIL};
    dsgd_sim_faults faults = {.n_fail = 1, .fail = &fail};
    dsgd_sim_options opt = {.faults = &faults};
    dsgd_cost_defaults(&opt.cost);
    int n = 4, bad = 0;
    dsgd_sim_world *w = dsgd_sim_world_create(n, hosts, &opt);
    dsgd_result res[4] = {0};
    dsgd_sim_launch(w, program, NULL, res);
    bad = check_finished(res, 3);
    if (res[3].finished) {
        fprintf(stderr, "check 6 failed: the killed rank finished\n");
        bad = 1;
    }
    printf("failure semantics: %s\n", bad ? "FAIL" : "ok");
    dsgd_sim_world_destroy(w);
    free(hosts);
    return bad;
}

/* test_sim_flow — the flow-level collective model against the message-
 * level one: a ring allreduce of S bytes over N ranks must take the same
 * simulated time within 1 % (issue #3), for N = 16, 64, 256 and S = 1 MB
 * and 100 MB (a ResNet-50 gradient), and a ring allgather of 100 KB per
 * rank (values checked), and an allreduce over a group of every other
 * rank, on the platform given (run on the flat 1,024-node cluster and on
 * the 4,096-node fat tree).  Non-blocking allreduces under the flow model
 * are checked too (see the last loop).  Both worlds
 * run in one SimGrid instance, under dsgd-sim's default network model
 * (CM02 without cross-traffic).
 *
 * usage: test_sim_flow PLATFORM [MAX_N]   (ranks at most MAX_N, default 256:
 * the sanitized build checks the same code on smaller worlds) */
#include <math.h>
#include <simgrid/engine.h>
#include <stdio.h>
#include <stdlib.h>

#include "algorithms/comm.h"
#include "sim/sim.h"

static double allreduce_bytes;

static int program(dsgd_comm *c, const dsgd_job *job, dsgd_result *out)
{
    (void)job;
    double t0 = dsgd_now(c);
    int rc = dsgd_allreduce(c, NULL, NULL, (size_t)(allreduce_bytes / sizeof(float)));
    out->time_s = dsgd_now(c) - t0;
    return rc;
}

/* A ring allgather of allreduce_bytes / 100 per rank (real buffers, so
 * the gathered values are checked too). */
static int allgather_program(dsgd_comm *c, const dsgd_job *job, dsgd_result *out)
{
    (void)job;
    size_t block = (size_t)(allreduce_bytes / 100 / sizeof(int)), n = (size_t)dsgd_size(c);
    int *mine = malloc(block * sizeof *mine), *all = malloc(n * block * sizeof *all);
    for (size_t i = 0; i < block; i++)
        mine[i] = dsgd_rank(c) * 7 + (int)i;
    double t0 = dsgd_now(c);
    int rc = dsgd_allgather(c, NULL, mine, block * sizeof *mine, all);
    out->time_s = dsgd_now(c) - t0;
    for (size_t r = 0; rc == 0 && r < n; r++)
        if (all[r * block + block - 1] != (int)r * 7 + (int)block - 1)
            rc = 50;
    free(mine);
    free(all);
    return rc;
}

/* An allreduce over the even ranks only (a group spread over the
 * platform), while the odd ranks wait. */
static int subgroup_program(dsgd_comm *c, const dsgd_job *job, dsgd_result *out)
{
    (void)job;
    int n = dsgd_size(c), half = (n + 1) / 2, rc = 0;
    out->time_s = 0;
    if (dsgd_rank(c) % 2)
        return 0;
    int *even = malloc(sizeof *even * (size_t)half);
    for (int i = 0; i < half; i++)
        even[i] = 2 * i;
    dsgd_group *g;
    double t0 = dsgd_now(c);
    if ((rc = dsgd_group_create(c, even, half, &g)) == 0) {
        rc = dsgd_allreduce(c, g, NULL, (size_t)(allreduce_bytes / sizeof(float)));
        dsgd_group_free(c, g);
    }
    out->time_s = dsgd_now(c) - t0;
    free(even);
    return rc;
}

/* Two non-blocking allreduces in flight at once, of S/2 each (real
 * values, checked): they share the network, so under either model they
 * end no sooner than one blocking allreduce of S/2. */
static int iallreduce_program(dsgd_comm *c, const dsgd_job *job, dsgd_result *out)
{
    (void)job;
    size_t count = (size_t)(allreduce_bytes / 2 / sizeof(float));
    float *a = calloc(count, sizeof *a), *b = calloc(count, sizeof *b);
    a[0] = 1;
    b[count - 1] = (float)dsgd_rank(c);
    dsgd_request *ra, *rb;
    double t0 = dsgd_now(c);
    int rc = dsgd_iallreduce(c, NULL, a, count, &ra);
    if (rc == 0)
        rc = dsgd_iallreduce(c, NULL, b, count, &rb);
    if (rc == 0)
        rc = dsgd_wait(c, &rb, NULL);
    if (rc == 0)
        rc = dsgd_wait(c, &ra, NULL);
    out->time_s = dsgd_now(c) - t0;
    int n = dsgd_size(c);
    if (rc == 0 && (a[0] != (float)n || b[count - 1] != (float)(n * (n - 1) / 2)))
        rc = 51;
    free(a);
    free(b);
    return rc;
}

static dsgd_node_program program_to_run = program;

static double run(sg_host_t *hosts, int n, dsgd_sim_coll_model model)
{
    dsgd_sim_options opt = {.coll_model = model, .allreduce = "ring", .network = {1.0, 1.0, 0, 0, 0}};
    dsgd_cost_defaults(&opt.cost);
    dsgd_sim_world *w = dsgd_sim_world_create(n, hosts, &opt);
    dsgd_result *res = calloc((size_t)n, sizeof *res);
    dsgd_sim_launch(w, program_to_run, NULL, res);
    double worst = 0;
    for (int i = 0; i < n; i++)
        worst =
            res[i].finished && res[i].status == 0 && worst >= 0 ? fmax(worst, res[i].time_s) : -1;
    free(res);
    dsgd_sim_world_destroy(w);
    return worst;
}

int main(int argc, char **argv)
{
    int max_n = argc == 3 ? atoi(argv[2]) : 256;
    if ((argc != 2 && argc != 3) || max_n < 16) {
        fprintf(stderr, "usage: %s PLATFORM [MAX_N >= 16]\n", argv[0]);
        return 2;
    }
    int sg_argc = 4;
    char *sg_argv[] = {argv[0], "--cfg=network/model:CM02", "--cfg=network/crosstraffic:0",
                       "--log=root.thresh:warning", NULL};
    simgrid_init(&sg_argc, sg_argv);
    simgrid_load_platform(argv[1]);
    size_t n_hosts;
    sg_host_t *hosts = dsgd_sim_hosts(&n_hosts);
    int failures = 0;
    double sizes[] = {1e6, 100e6};
    for (int n = 16; n <= max_n && (size_t)n <= n_hosts; n *= 4)
        for (int s = 0; s < 2; s++) {
            allreduce_bytes = sizes[s];
            double message = run(hosts, n, DSGD_SIM_COLL_MESSAGE);
            double flow = run(hosts, n, DSGD_SIM_COLL_FLOW);
            double err = (flow - message) / message;
            int ok = message > 0 && flow > 0 && fabs(err) <= 0.01;
            printf("n=%3d S=%5.0f MB: message %.6f s, flow %.6f s (%+.3f %%) %s\n", n,
                   sizes[s] / 1e6, message, flow, 100 * err, ok ? "ok" : "FAIL");
            failures += !ok;
        }
    program_to_run = allgather_program;
    for (int n = 16; n <= max_n && (size_t)n <= n_hosts; n *= 4) {
        allreduce_bytes = 10e6; /* 100 KB per rank */
        double message = run(hosts, n, DSGD_SIM_COLL_MESSAGE);
        double flow = run(hosts, n, DSGD_SIM_COLL_FLOW);
        double err = (flow - message) / message;
        int ok = message > 0 && flow > 0 && fabs(err) <= 0.01;
        printf("allgather n=%3d, 100 KB per rank: message %.6f s, flow %.6f s (%+.3f %%) %s\n", n,
               message, flow, 100 * err, ok ? "ok" : "FAIL");
        failures += !ok;
    }
    program_to_run = subgroup_program;
    for (int n = 32; n <= 128 && n <= max_n && (size_t)n <= n_hosts; n *= 4) {
        allreduce_bytes = 100e6;
        double message = run(hosts, n, DSGD_SIM_COLL_MESSAGE);
        double flow = run(hosts, n, DSGD_SIM_COLL_FLOW);
        double err = (flow - message) / message;
        int ok = message > 0 && flow > 0 && fabs(err) <= 0.01;
        printf("allreduce over the %d even ranks of %d, 100 MB: message %.6f s, flow %.6f s "
               "(%+.3f %%) %s\n",
               n / 2, n, message, flow, 100 * err, ok ? "ok" : "FAIL");
        failures += !ok;
    }
    /* Flow-level collectives of one group in flight together run one
     * after the other (flow.c): twice one blocking allreduce of S/2,
     * within 1 %; message-level ones share the links, overlapping some
     * latency: between one and two.  Values are checked too. */
    for (int n = 16; n <= 64 && n <= max_n && (size_t)n <= n_hosts; n *= 4) {
        allreduce_bytes = 10e6;
        program_to_run = program;
        allreduce_bytes = 5e6;
        double alone = run(hosts, n, DSGD_SIM_COLL_MESSAGE);
        allreduce_bytes = 10e6;
        program_to_run = iallreduce_program;
        double message = run(hosts, n, DSGD_SIM_COLL_MESSAGE);
        double flow = run(hosts, n, DSGD_SIM_COLL_FLOW);
        int ok = message >= alone * 0.99 && message <= 2.01 * alone &&
                 fabs(flow - 2 * alone) <= 0.01 * 2 * alone;
        printf("2 iallreduces of 5 MB in flight, n=%d: message %.6f s, flow %.6f s, one "
               "blocking 5 MB %.6f s %s\n",
               n, message, flow, alone, ok ? "ok" : "FAIL");
        failures += !ok;
    }
    free(hosts);
    return failures != 0;
}

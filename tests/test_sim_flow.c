/* test_sim_flow — the flow-level collective model against the message-
 * level one: a ring allreduce of S bytes over N ranks must take the same
 * simulated time within 1 % (issue #3), for N = 16, 64, 256 and S = 1 MB
 * and 100 MB (a ResNet-50 gradient), and a ring allgather of 100 KB per
 * rank (values checked), on the platform given (run on the
 * flat 1,024-node cluster and on the 4,096-node fat tree).  Both worlds
 * run in one SimGrid instance, under dsgd-sim's default network model
 * (CM02 without cross-traffic).
 *
 * usage: test_sim_flow PLATFORM */
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

static dsgd_node_program program_to_run = program;

static double run(sg_host_t *hosts, int n, dsgd_sim_coll_model model)
{
    dsgd_sim_options opt = {
        .coll_model = model, .allreduce = DSGD_SIM_ALLREDUCE_RING, .network = {1.0, 1.0, 0}};
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
    if (argc != 2) {
        fprintf(stderr, "usage: %s PLATFORM\n", argv[0]);
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
    for (int n = 16; n <= 256 && (size_t)n <= n_hosts; n *= 4)
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
    for (int n = 16; n <= 256 && (size_t)n <= n_hosts; n *= 4) {
        allreduce_bytes = 10e6; /* 100 KB per rank */
        double message = run(hosts, n, DSGD_SIM_COLL_MESSAGE);
        double flow = run(hosts, n, DSGD_SIM_COLL_FLOW);
        double err = (flow - message) / message;
        int ok = message > 0 && flow > 0 && fabs(err) <= 0.01;
        printf("allgather n=%3d, 100 KB per rank: message %.6f s, flow %.6f s (%+.3f %%) %s\n", n,
               message, flow, 100 * err, ok ? "ok" : "FAIL");
        failures += !ok;
    }
    free(hosts);
    return failures != 0;
}

/* test_sim_flow_compare — the flow model against message level, case by
 * case: each case runs one allreduce (or ring allgather) of the world's
 * first N ranks under both collective models in one SimGrid instance and
 * compares the slowest rank's time.  Where dsgd_sim_flow_exact_case says the
 * flow model is exact (what --coll-model auto relies on), the two must
 * agree within TOL percent; where it says not, the error is printed and
 * the case passes (auto runs those at message level).  So a case fails
 * when the flow model is wrong where it claims to be right.
 *
 * usage: test_sim_flow_compare PLATFORM TOL [--cfg=KEY:VALUE ...] CASE ...
 *   CASE: ALGO:N:BYTES, ALGO one of dsgd-sim's --allreduce names or
 *   "allgather" (BYTES per rank).  Without a network/model in --cfg, the
 *   model is dsgd-sim's default (CM02 without cross-traffic). */
#include <math.h>
#include <simgrid/engine.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/comm.h"
#include "sim/sim.h"

static double case_bytes;
static int case_allgather;

static int program(dsgd_comm *c, const dsgd_job *job, dsgd_result *out)
{
    (void)job;
    double t0 = dsgd_now(c);
    int rc;
    if (case_allgather)
        rc = dsgd_allgather(c, NULL, NULL, (size_t)case_bytes, NULL);
    else
        rc = dsgd_allreduce(c, NULL, NULL, (size_t)(case_bytes / sizeof(float)));
    out->time_s = dsgd_now(c) - t0;
    return rc;
}

/* The slowest rank's time, or -1 if a rank failed (its reason printed). */
static double run(sg_host_t *hosts, int n, const char *algo, const dsgd_sim_network *net,
                  dsgd_sim_coll_model model)
{
    dsgd_sim_options opt = {.coll_model = model, .allreduce = algo, .network = *net};
    dsgd_cost_defaults(&opt.cost);
    dsgd_sim_world *w = dsgd_sim_world_create(n, hosts, &opt);
    dsgd_result *res = calloc((size_t)n, sizeof *res);
    dsgd_sim_launch(w, program, NULL, res);
    double worst = 0;
    for (int i = 0; i < n; i++) {
        if (!res[i].finished || res[i].status != 0) {
            if (worst >= 0)
                printf("  rank %d: %s\n", i, res[i].finished ? res[i].error : "never finished");
            worst = -1;
        } else if (worst >= 0) {
            worst = fmax(worst, res[i].time_s);
        }
    }
    free(res);
    dsgd_sim_world_destroy(w);
    return worst;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s PLATFORM TOL [--cfg=KEY:VALUE ...] ALGO:N:BYTES ...\n",
                argv[0]);
        return 2;
    }
    char *sg_argv[64] = {argv[0], "--log=root.thresh:warning"};
    int sg_argc = 2, first_case = 3, model_given = 0;
    const char *model = "CM02";
    for (; first_case < argc && strncmp(argv[first_case], "--cfg=", 6) == 0; first_case++) {
        if (strncmp(argv[first_case], "--cfg=network/model:", 20) == 0)
            model_given = 1, model = argv[first_case] + 20;
        if (sg_argc < 60)
            sg_argv[sg_argc++] = argv[first_case];
    }
    if (!model_given) {
        sg_argv[sg_argc++] = "--cfg=network/model:CM02";
        sg_argv[sg_argc++] = "--cfg=network/crosstraffic:0";
    }
    sg_argv[sg_argc] = NULL;
    simgrid_init(&sg_argc, sg_argv);
    simgrid_load_platform(argv[1]);
    double tol = atof(argv[2]) / 100;
    dsgd_sim_network net;
    char why[200];
    if (dsgd_sim_network_read(model, &net, why, sizeof why) != 0) {
        fprintf(stderr, "%s\n", why);
        return 2;
    }
    size_t n_hosts;
    sg_host_t *hosts = dsgd_sim_hosts(&n_hosts);
    int failures = 0;
    for (int i = first_case; i < argc; i++) {
        char algo[32];
        int n;
        double bytes;
        if (sscanf(argv[i], "%31[^:]:%d:%lf", algo, &n, &bytes) != 3 || n < 1 ||
            (size_t)n > n_hosts) {
            fprintf(stderr, "bad case '%s'\n", argv[i]);
            return 2;
        }
        case_allgather = strcmp(algo, "allgather") == 0;
        case_bytes = bytes;
        const char *allreduce = case_allgather ? "ring" : algo;
        double message = run(hosts, n, allreduce, &net, DSGD_SIM_COLL_MESSAGE);
        double flow = run(hosts, n, allreduce, &net, DSGD_SIM_COLL_FLOW);
        double err = (flow - message) / message;
        int exact = dsgd_sim_flow_exact_case(hosts, n, algo, bytes, &net, why, sizeof why);
        int ok = message > 0 && flow > 0 && (fabs(err) <= tol || exact == 0);
        printf("%s %-16s n=%4d %10.0f B: message %.9f s, flow %.9f s (%+.3f %%) %s%s\n", model,
               algo, n, bytes, message, flow, 100 * err, ok ? "ok" : "FAIL",
               exact == 1 ? " (exact)" : " (approximate: auto takes message level)");
        failures += !ok;
    }
    free(hosts);
    return failures != 0;
}

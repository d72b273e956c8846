/* test_sim_conformance — comm_conformance on the SimGrid backend, with 3, 4
 * and 7 ranks, under the message and the flow collective models, and with
 * the flow-level point to point too.
 * usage: test_sim_conformance PLATFORM */
#include <simgrid/engine.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim/sim.h"
#include "tests/comm_conformance.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s PLATFORM\n", argv[0]);
        return 2;
    }
    /* No guard pages around actor stacks: LeakSanitizer's exit scan faults
     * on them (sanitizer builds); they only catch stack overflows. */
    int sg_argc = 3;
    char *sg_argv[] = {argv[0], "--log=root.thresh:warning", "--cfg=contexts/guard-size:0", NULL};
    simgrid_init(&sg_argc, sg_argv);
    simgrid_load_platform(argv[1]);
    size_t n_hosts;
    sg_host_t *hosts = dsgd_sim_hosts(&n_hosts);
    int failures = 0, sizes[] = {3, 4, 7};
    static const char *const names[] = {"message", "flow", "flow+p2p"};
    for (int model = 0; model < 3; model++)
        for (int s = 0; s < 3; s++) {
            int n = sizes[s];
            dsgd_sim_options opt = {.coll_model = model ? DSGD_SIM_COLL_FLOW : DSGD_SIM_COLL_MESSAGE,
                                    .p2p_flow = model == 2};
            dsgd_cost_defaults(&opt.cost);
            dsgd_sim_world *w = dsgd_sim_world_create(n, hosts, &opt);
            dsgd_result *res = calloc((size_t)n, sizeof *res);
            dsgd_sim_launch(w, dsgd_conformance_program, NULL, res);
            int bad = 0;
            for (int i = 0; i < n; i++)
                if (!res[i].finished || res[i].status != 0) {
                    fprintf(stderr, "n=%d %s: rank %d finished %d status %d\n", n, names[model], i,
                            res[i].finished, res[i].status);
                    bad = 1;
                }
            printf("n=%d %s model: %s\n", n, names[model], bad ? "FAIL" : "ok");
            failures += bad;
            free(res);
            dsgd_sim_world_destroy(w);
        }
    free(hosts);
    return failures != 0;
}

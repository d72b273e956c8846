/* test_sim_membw — memory-bound work runs at the speed of the host's
 * memory: the host's mem_bw property, else its zone's (a cluster's), else
 * the cost profile's.  On tests/data/mem-bw.xml, 4e9 bytes of memory
 * traffic take
 *   g-0, g-1 (cluster mem_bw 7.2Tbps = 9e11 B/s): 4e9 / 9e11 = 4.444 ms
 *   h-0      (its own mem_bw 40GBps):              4e9 / 4e10 = 0.1 s
 *   h-9      (none: the profile's 8e9 B/s):        4e9 / 8e9  = 0.5 s
 * and a mem_bw that is not a bandwidth is refused, naming host and value.
 * usage: test_sim_membw PLATFORM */
#include <math.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"

static double took[4];

static int program(dsgd_comm *c, const dsgd_job *job, dsgd_result *out)
{
    (void)job, (void)out;
    double t0 = dsgd_now(c);
    int rc = dsgd_memory(c, "update", 4e9, t0);
    took[dsgd_rank(c)] = dsgd_now(c) - t0;
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s PLATFORM\n", argv[0]);
        return 2;
    }
    int sg_argc = 2;
    char *sg_argv[] = {argv[0], "--log=root.thresh:critical", NULL};
    simgrid_init(&sg_argc, sg_argv);
    simgrid_load_platform(argv[1]);
    dsgd_sim_inherit_properties();
    size_t n_hosts;
    sg_host_t *hosts = dsgd_sim_hosts(&n_hosts); /* g-0 g-1 h-0 h-9 */
    char err[256];
    int bad = n_hosts != 4 || dsgd_sim_check_hosts(hosts, 4, err, sizeof err) != 0;
    dsgd_sim_options opt = {0};
    dsgd_cost_defaults(&opt.cost);
    opt.cost.mem_bw_Bps = 8e9;
    dsgd_sim_world *w = dsgd_sim_world_create(4, hosts, &opt);
    dsgd_result res[4] = {0};
    dsgd_sim_launch(w, program, NULL, res);
    const double want[4] = {4e9 / 9e11, 4e9 / 9e11, 0.1, 0.5};
    for (int i = 0; i < 4; i++) {
        int ok = res[i].finished && fabs(took[i] - want[i]) <= 1e-9 * want[i];
        printf("%-4s %.9f s, want %.9f s%s\n", sg_host_get_name(hosts[i]), took[i], want[i],
               ok ? "" : "  FAIL");
        bad |= !ok;
    }
    sg_host_set_property_value(hosts[3], "mem_bw", "fast");
    if (dsgd_sim_check_hosts(hosts, 4, err, sizeof err) == 0 ||
        strcmp(err, "host h-9: mem_bw 'fast' is not a bandwidth (e.g. 900GBps)") != 0) {
        printf("FAIL: a bad mem_bw is not refused as it should be: '%s'\n", err);
        bad = 1;
    }
    dsgd_sim_world_destroy(w);
    free(hosts);
    return bad;
}

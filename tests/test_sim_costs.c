/* test_sim_costs — the simulator's cost model, charge by charge.
 *
 * usage: test_sim_costs PLATFORM SCRATCH_DIR   (hosts of 100 Gflop/s)
 *
 * A profile is saved, loaded back, and its values must survive the round
 * trip (per-kind overheads and peak_flops included); a profile written
 * before those keys existed still loads, with no per-kind overheads.
 * Then one rank charges, on a 100 Gflop/s host:
 *   compute: 1e9 conv flops + 2e8 dense flops + 50 layer calls
 *            t = 1e9/(1e11*0.5) + 2e8/(1e11*0.8) + 50*1e-4 = 0.0275 s
 *   compute, 10 of the calls conv (overhead_s.conv = 3e-4), 5 dense
 *            (no own overhead: layer_overhead_s), 35 of no stated kind:
 *            t = 0.0225 + 10*3e-4 + 5*1e-4 + 35*1e-4 = 0.0295 s
 *   io:      3e8 bytes at 2e8 B/s + 0.25 s a load    = 1.75 s
 *   memory:  4e9 bytes at 8e9 B/s + 0.125 s an op    = 0.625 s
 * and each must take exactly that simulated time (1e-9 relative).  Bad
 * profile lines must be rejected with the file and line. */
#include <math.h>
#include <simgrid/engine.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/comm.h"
#include "core/cost.h"
#include "sim/sim.h"

static double measured[4];

static int program(dsgd_comm *c, const dsgd_job *job, dsgd_result *out)
{
    (void)job, (void)out;
    dsgd_work work = {.layer_calls = 50};
    work.flops[DSGD_LAYER_CONV] = 1e9;
    work.flops[DSGD_LAYER_DENSE] = 2e8;
    double t0 = dsgd_now(c);
    dsgd_compute(c, "work", &work, t0);
    double t1 = dsgd_now(c);
    dsgd_io(c, "load", 3e8, t1);
    double t2 = dsgd_now(c);
    dsgd_memory(c, "update", 4e9, t2);
    double t3 = dsgd_now(c);
    work.calls[DSGD_LAYER_CONV] = 10;
    work.calls[DSGD_LAYER_DENSE] = 5;
    dsgd_compute(c, "kinds", &work, t3);
    double t4 = dsgd_now(c);
    measured[0] = t1 - t0;
    measured[1] = t2 - t1;
    measured[2] = t3 - t2;
    measured[3] = t4 - t3;
    return 0;
}

static int check(const char *what, double got, double want)
{
    int ok = fabs(got - want) <= 1e-9 * want;
    printf("%-8s simulated %.9f s, expected %.9f s %s\n", what, got, want, ok ? "ok" : "FAIL");
    return !ok;
}

static int expect_rejected(const char *dir, const char *text, const char *pattern)
{
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/bad.cost", dir);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    dsgd_cost_profile p;
    dsgd_cost_defaults(&p);
    int rejected = dsgd_cost_load(path, &p, err, sizeof err) != 0 && strstr(err, pattern);
    printf("bad profile %-32s -> %s %s\n", pattern, err, rejected ? "ok" : "FAIL");
    return !rejected;
}

/* A profile in the format before per-kind overheads and peak_flops. */
static int expect_old_profile_loads(const char *dir)
{
    char path[512], err[512] = "";
    snprintf(path, sizeof path, "%s/old.cost", dir);
    FILE *f = fopen(path, "w");
    fputs("# dsgd cost profile (see core/cost.h)\nefficiency.dense = 0.25\n"
          "layer_overhead_s = 2e-5\nio_bw_Bps = 5e8\nmem_bw_Bps = 4e9\n",
          f);
    fclose(f);
    dsgd_cost_profile p;
    dsgd_cost_defaults(&p);
    int ok = dsgd_cost_load(path, &p, err, sizeof err) == 0 &&
             p.efficiency[DSGD_LAYER_DENSE] == 0.25 && p.peak_flops == 0 &&
             dsgd_cost_overhead(&p, DSGD_LAYER_DENSE) == 2e-5 &&
             dsgd_cost_overhead(&p, DSGD_LAYER_CONV) == 2e-5;
    printf("old profile loads, overheads default to layer_overhead_s %s %s\n", err,
           ok ? "ok" : "FAIL");
    return !ok;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s PLATFORM SCRATCH_DIR\n", argv[0]);
        return 2;
    }
    int failures = 0;
    dsgd_cost_profile p, back;
    dsgd_cost_defaults(&p);
    p.efficiency[DSGD_LAYER_CONV] = 0.5;
    p.efficiency[DSGD_LAYER_DENSE] = 0.8;
    p.layer_overhead_s = 1e-4;
    p.io_bw_Bps = 2e8;
    p.mem_bw_Bps = 8e9;
    p.io_overhead_s = 0.25;
    p.mem_overhead_s = 0.125;
    p.overhead_s[DSGD_LAYER_CONV] = 3e-4;
    p.peak_flops = 1e11;
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/test.cost", argv[2]);
    dsgd_cost_defaults(&back);
    if (dsgd_cost_save(path, &p, err, sizeof err) || dsgd_cost_load(path, &back, err, sizeof err) ||
        memcmp(&p, &back, sizeof p) != 0) {
        printf("FAIL profile round trip: %s\n", err);
        failures++;
    }
    failures += expect_rejected(argv[2], "efficiency.conv = 1.5\n", "bad.cost:1: bad value");
    failures += expect_rejected(argv[2], "# ok\nmem_bw_Bps = 1e9\nspeed = 3\n",
                                "bad.cost:3: unknown key 'speed'");
    failures += expect_rejected(argv[2], "io_bw_Bps 3\n", "bad.cost:1: expected 'key = value'");
    failures += expect_rejected(argv[2], "overhead_s.conv = -1e-6\n", "bad.cost:1: bad value");
    failures += expect_rejected(argv[2], "\n\npeak_flops = 0\n", "bad.cost:3: bad value");
    failures += expect_rejected(argv[2], "overhead_s.lstm = 1\n",
                                "bad.cost:1: unknown key 'overhead_s.lstm'");
    failures += expect_old_profile_loads(argv[2]);

    int sg_argc = 2;
    char *sg_argv[] = {argv[0], "--log=root.thresh:warning", NULL};
    simgrid_init(&sg_argc, sg_argv);
    simgrid_load_platform(argv[1]);
    size_t n_hosts;
    sg_host_t *hosts = dsgd_sim_hosts(&n_hosts);
    dsgd_sim_options opt = {.cost = back, .trace = 0};
    dsgd_sim_world *w = dsgd_sim_world_create(1, hosts, &opt);
    dsgd_result result;
    dsgd_sim_launch(w, program, NULL, &result);
    failures += check("compute", measured[0], 1e9 / (1e11 * 0.5) + 2e8 / (1e11 * 0.8) + 50 * 1e-4);
    failures += check("io", measured[1], 0.25 + 3e8 / 2e8);
    failures += check("memory", measured[2], 0.125 + 4e9 / 8e9);
    failures += check("kinds", measured[3],
                      1e9 / (1e11 * 0.5) + 2e8 / (1e11 * 0.8) + 10 * 3e-4 + 5 * 1e-4 + 35 * 1e-4);
    dsgd_sim_world_destroy(w);
    free(hosts);
    return failures != 0;
}

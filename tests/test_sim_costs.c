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
 *   curves:  a conv layer with cost curves and a dense one without,
 *            listed call by call (dsgd_work.layers), batch 10: each conv
 *            pass at its curve's interpolated time, the dense by its rate
 * and each must take exactly that simulated time (1e-9 relative).  Bad
 * profile lines (curves too) must be rejected with the file and line. */
#include <math.h>
#include <simgrid/engine.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/comm.h"
#include "core/cost.h"
#include "sim/sim.h"

static double measured[5];

/* Two layers charged call by call: the conv has curves, the dense none. */
static const dsgd_layer_info listed[2] = {
    {.kind = DSGD_LAYER_CONV, .fwd_flops = 1e6, .bwd_flops = 2e6},
    {.kind = DSGD_LAYER_DENSE, .fwd_flops = 1e5, .bwd_flops = 2e5},
};
static const dsgd_cost_curve conv_fwd = {2, {5e6, 2e7}, {1e-3, 2e-3}};
static const dsgd_cost_curve conv_bwd = {3, {1e7, 4e7, 8e7}, {2e-3, 5e-3, 7e-3}};

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
    dsgd_work each = {.layer_calls = 4, .layers = listed, .first = 0, .end = 2, .batch = 10,
                      .forward = 1, .backward = 1};
    each.calls[DSGD_LAYER_CONV] = each.calls[DSGD_LAYER_DENSE] = 2;
    each.flops[DSGD_LAYER_CONV] = 3e7, each.flops[DSGD_LAYER_DENSE] = 3e6;
    dsgd_compute(c, "curves", &each, t4);
    measured[4] = dsgd_now(c) - t4;
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

/* A comment longer than any line buffer stays a comment: its tail must not
 * become a setting (at 512 bytes a line, "io_bw_Bps = 5e3" after 509 x's
 * used to set the loading bandwidth). */
static int expect_long_comment_ignored(const char *dir)
{
    char path[512], err[512] = "", text[1024];
    snprintf(path, sizeof path, "%s/long-comment.cost", dir);
    snprintf(text, sizeof text, "# %0509d", 0);
    for (char *c = text + 2; *c; c++)
        *c = 'x';
    FILE *f = fopen(path, "w");
    fprintf(f, "%sio_bw_Bps = 5e3\nlayer_overhead_s = 3e-5\n", text);
    fclose(f);
    dsgd_cost_profile p;
    dsgd_cost_defaults(&p);
    int ok = dsgd_cost_load(path, &p, err, sizeof err) == 0 && p.io_bw_Bps == 1e9 &&
             p.layer_overhead_s == 3e-5;
    printf("a 520-byte comment stays a comment (io_bw_Bps %g) %s %s\n", p.io_bw_Bps, err,
           ok ? "ok" : "FAIL");
    return !ok;
}

/* A directory is no profile (it read as an empty one). */
static int expect_directory_refused(const char *dir)
{
    char err[512] = "";
    dsgd_cost_profile p;
    dsgd_cost_defaults(&p);
    int ok = dsgd_cost_load(dir, &p, err, sizeof err) != 0 &&
             strstr(err, ": not a regular file (a directory)");
    printf("a directory as profile -> %s %s\n", err, ok ? "ok" : "FAIL");
    return !ok;
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

/* A curve outside its points: below the first along the first segment
 * (its intercept is a per-call cost), but no less than in proportion; above the last along the last
 * segment, or in proportion where that segment is flat. */
static int expect_curve_shape(void)
{
    static const dsgd_cost_curve flat_end = {3, {1e6, 2e6, 4e6}, {1e-3, 3e-3, 2e-3}};
    struct {
        const dsgd_cost_curve *c;
        double flops, want;
    } cases[] = {
        {&conv_fwd, 5e6, 1e-3},                       /* a point */
        {&conv_fwd, 1e7, 1e-3 + 5e6 * 1e-3 / 1.5e7},  /* between */
        {&conv_fwd, 2e6, 1e-3 - 3e6 * 1e-3 / 1.5e7},  /* below: the first segment's line */
        {&conv_fwd, 1e5, 1e-3 - 4.9e6 * 1e-3 / 1.5e7}, /* far below: towards the intercept */
        {&flat_end, 2e5, 1e-3 * 2e5 / 1e6},           /* a line below zero there: in proportion */
        {&conv_bwd, 1.6e8, 7e-3 + 8e7 * 2e-3 / 4e7},  /* above: the last segment */
        {&flat_end, 8e6, 2e-3 * 2},                   /* above a falling segment */
    };
    int failures = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double got = dsgd_cost_curve_seconds(cases[i].c, cases[i].flops);
        int ok = fabs(got - cases[i].want) <= 1e-12;
        printf("curve at %-8g flops: %.9g s, expected %.9g s %s\n", cases[i].flops, got,
               cases[i].want, ok ? "ok" : "FAIL");
        failures += !ok;
    }
    return failures;
}

/* A profile with an io curve prices loads by it (and keeps it through a
 * save and a load); without one, by io_overhead_s + bytes / io_bw_Bps. */
static int expect_io_curve(const char *dir)
{
    char path[512], err[512] = "";
    snprintf(path, sizeof path, "%s/io.cost", dir);
    dsgd_cost_profile p, back;
    dsgd_cost_defaults(&p);
    p.io_bw_Bps = 1e9, p.io_overhead_s = 1e-6;
    double line = dsgd_cost_io_seconds(&p, 1e5);
    p.io_curve = (dsgd_cost_curve){3, {3e3, 1e5, 4e5}, {2e-6, 4e-5, 1.5e-4}};
    dsgd_cost_defaults(&back);
    int ok = line == 1e-6 + 1e5 / 1e9 && dsgd_cost_save(path, &p, err, sizeof err) == 0 &&
             dsgd_cost_load(path, &back, err, sizeof err) == 0 &&
             memcmp(&back.io_curve, &p.io_curve, sizeof p.io_curve) == 0 &&
             dsgd_cost_io_seconds(&back, 1e5) == 4e-5 &&
             fabs(dsgd_cost_io_seconds(&back, 2.5e5) - (4e-5 + 1.5e5 * 1.1e-4 / 3e5)) < 1e-15;
    printf("io curve: a load of 1e5 B %.9g s (line %.9g s), round trip %s %s\n",
           dsgd_cost_io_seconds(&back, 1e5), line, err, ok ? "ok" : "FAIL");
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
    p.curve[DSGD_LAYER_CONV][0] = conv_fwd;
    p.curve[DSGD_LAYER_CONV][1] = conv_bwd;
    p.wake_latency_s = 2e-5;
    p.wake_n = DSGD_WAKE_QUANTILES; /* percentiles as a file holds them (9 digits) */
    for (int i = 0; i < DSGD_WAKE_QUANTILES; i++) {
        char v[32];
        snprintf(v, sizeof v, "%.9g", 1e-5 + i * i * 1.3e-7);
        p.wake_q[i] = strtod(v, NULL);
    }
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
    failures += expect_rejected(argv[2], "\nlayer_overhead_s = 1e300\n",
                                "bad.cost:2: bad value '1e300' for layer_overhead_s (want seconds "
                                "per call, 0 to 1)");
    failures += expect_rejected(argv[2], "io_bw_Bps = 1e-300\n", "bad.cost:1: bad value");
    failures += expect_rejected(argv[2], "curve.conv.fwd = 1e6:1e-3\n",
                                "bad.cost:1: curve.conv.fwd: a curve needs 2 points or more, got 1");
    failures += expect_rejected(argv[2], "\ncurve.conv.bwd = 2e6:1e-3 1e6:2e-3\n",
                                "bad.cost:2: curve.conv.bwd: sizes must increase (1e+06 after 2e+06)");
    failures += expect_rejected(argv[2], "curve.dense.fwd = 1e6:-1 2e6:1e-3\n",
                                "bad.cost:1: curve.dense.fwd: bad point '1e6:-1 2e6:1e-3'");
    failures += expect_rejected(argv[2], "curve.dense.fwd = 1e6:1e-3 2e6\n", "bad point '2e6'");
    failures += expect_rejected(argv[2], "curve.lstm.fwd = 1:1e-3 2:2e-3\n",
                                "bad.cost:1: unknown key 'curve.lstm.fwd'");
    failures += expect_rejected(argv[2], "curve.conv.up = 1:1e-3 2:2e-3\n",
                                "bad.cost:1: unknown key 'curve.conv.up'");
    failures += expect_curve_shape();
    failures += expect_rejected(argv[2], "curve.io = 3e3:2e-6\n",
                                "bad.cost:1: curve.io: a curve needs 2 points or more, got 1");
    failures += expect_io_curve(argv[2]);
    failures += expect_old_profile_loads(argv[2]);
    failures += expect_long_comment_ignored(argv[2]);
    failures += expect_directory_refused(argv[2]);

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
    /* conv forward 1e7 flops: between (5e6, 1 ms) and (2e7, 2 ms); backward
     * 2e7: between (1e7, 2 ms) and (4e7, 5 ms); the dense by its rate and
     * layer_overhead_s, both passes */
    failures += check("curves", measured[4],
                      (1e-3 + 5e6 * 1e-3 / 1.5e7) + (2e-3 + 1e7 * 3e-3 / 3e7) + 1e6 / (1e11 * 0.8) +
                          2e6 / (1e11 * 0.8) + 2 * 1e-4);
    dsgd_sim_world_destroy(w);
    free(hosts);
    return failures != 0;
}

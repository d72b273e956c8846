/* test_calibrate — dsgd-calibrate recovers what it was given, and dsgd-sim
 * then prices messages and layer calls as fitted.
 *
 * usage: test_calibrate SCRATCH_DIR
 *
 * 1. Writes SCRATCH_DIR/synth.csv (+ synth.json: host, date, 4 cores, 2
 *    hosts), the traces `dsgd-run --bench all` would record on a machine
 *    with known parameters, each repetition off by 0.3 % (normal noise):
 *    - ping-pongs 1 B .. 64 MiB (doubling, 5 repetitions), one way
 *      2 us + S / 2 GB/s up to 4 KiB, 6 us + S / 4 GB/s up to 64 KiB,
 *      30 us + S / 8 GB/s above: a network with two breakpoints;
 *    - five layer kinds, forward and backward, batches 1, 8, 32, 128,
 *      each with its own rate and per-call overhead, and a sixth whose
 *      rate grows with the batch (forward and backward apart);
 *    - vector ops 4 KiB .. 256 MiB at 12 GB/s + 0.3 us, minibatch loads at
 *      600 MB/s + 20 us;
 *    - naps of 1..64 us overshooting by 12 us (the wake-up latency);
 *    - allreduces of 4 ranks, 4 B .. 64 MiB, as a ring on that network.
 * 2. Fits them (the library of dsgd-calibrate) and checks every parameter
 *    within 1 %, the two breakpoints exactly, the ring check within 2 %,
 *    the sixth kind's cost curves at each batch within 1 %.
 * 3. Writes SCRATCH_DIR/synth.xml and .profile, loads them in SimGrid like
 *    dsgd-sim (the platform's network model), and checks that ping-pongs
 *    between hosts and within one, at sampled and unsampled sizes either
 *    side of the breakpoints, a dense and a conv call, and a layer of the
 *    sixth kind listed call by call at batch 20, take the fitted times
 *    (1e-6 relative). */
#include <math.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/comm.h"
#include "core/cost.h"
#include "core/rng.h"
#include "core/trace.h"
#include "sim/sim.h"
#include "tests/check.h"
#include "traces/calibrate.h"

#define NOISE 0.003
#define REPS 5

static const struct {
    double upto, lat, bw;
} true_net[] = {{4096, 2e-6, 2e9}, {65536, 6e-6, 4e9}, {INFINITY, 30e-6, 8e9}};

static const struct {
    dsgd_layer_kind kind;
    double rate, overhead, fwd_flops; /* fwd_flops per sample; backward: twice */
} true_kinds[] = {
    {DSGD_LAYER_DENSE, 40e9, 4e-6, 2e5},         {DSGD_LAYER_CONV, 15e9, 12e-6, 2e5},
    {DSGD_LAYER_ACT, 1.5e9, 1.5e-6, 1e4},        {DSGD_LAYER_POOL, 2e9, 2e-6, 2e4},
    {DSGD_LAYER_SOFTMAX_XENT, 0.8e9, 3e-6, 1e4},
};
#define N_KINDS (sizeof true_kinds / sizeof true_kinds[0])

/* A kind whose rate grows with the batch (as BLAS's does), its backward
 * another kernel: a line cannot price it, its cost curves must. */
#define CURVED DSGD_LAYER_CONV_FFT
static const double curved_flops = 1e6; /* per sample, forward; backward: twice */
static double true_curved(int pass, double batch)
{
    double rate = (pass ? 14e9 : 10e9) * batch / (batch + 8);
    return 50e-6 + curved_flops * (pass ? 2 : 1) * batch / rate;
}

static const double true_mem_bw = 12e9, true_mem_overhead = 0.3e-6;
static const double true_wake = 12e-6; /* a nap's overshoot */
static const double true_io_bw = 6e8, true_io_overhead = 20e-6;

static double true_oneway(double bytes)
{
    int k = 0;
    while (bytes > true_net[k].upto)
        k++;
    return true_net[k].lat + bytes / true_net[k].bw;
}

/* One rank's clock and events. */
typedef struct writer {
    dsgd_trace *t;
    double now;
    dsgd_rng *rng;
} writer;

static double noisy(writer *w, double seconds)
{
    return seconds * (1.0 + NOISE * dsgd_rng_normal(w->rng));
}

static void event(writer *w, int rank, int kind, const char *name, double seconds, double bytes,
                  double flops, int peer, long iter, double value)
{
    dsgd_event ev = {.rank = rank,
                     .kind = kind,
                     .t0 = w->now,
                     .t1 = w->now + seconds,
                     .bytes = bytes,
                     .flops = flops,
                     .peer = peer,
                     .iter = iter,
                     .value = value};
    snprintf(ev.name, sizeof ev.name, "%s", name);
    dsgd_trace_add(w->t, &ev);
    w->now += seconds + 1e-6;
}

static int write_synthetic(const char *dir)
{
    dsgd_trace ranks[4];
    dsgd_rng rng;
    dsgd_rng_seed(&rng, 12);
    for (int r = 0; r < 4; r++)
        dsgd_trace_init(&ranks[r]);
    writer w0 = {&ranks[0], 0.0, &rng};
    for (double s = 1; s <= 64.0 * (1 << 20); s *= 2)
        for (long rep = 0; rep < REPS; rep++) {
            double round_trip = noisy(&w0, 2 * true_oneway(s));
            double start = w0.now;
            event(&w0, 0, DSGD_EV_SEND, "send", round_trip / 2, s, 0, 1, rep, 0);
            w0.now = start + round_trip / 2;
            event(&w0, 0, DSGD_EV_RECV, "recv", round_trip / 2, s, 0, 1, rep, 0);
        }
    static const int batches[] = {1, 8, 32, 128};
    for (size_t k = 0; k < N_KINDS; k++)
        for (int b = 0; b < 4; b++)
            for (int pass = 0; pass < 2; pass++)
                for (long rep = 0; rep < REPS; rep++) {
                    double flops = true_kinds[k].fwd_flops * batches[b] * (pass ? 2 : 1);
                    char name[DSGD_EVENT_NAME_MAX];
                    snprintf(name, sizeof name, "bench:%s:%s",
                             dsgd_layer_kind_name(true_kinds[k].kind), pass ? "bwd" : "fwd");
                    event(&w0, 0, DSGD_EV_COMPUTE, name,
                          noisy(&w0, true_kinds[k].overhead + flops / true_kinds[k].rate), 0, flops,
                          -1, rep, batches[b]);
                }
    for (int b = 0; b < 4; b++)
        for (int pass = 0; pass < 2; pass++)
            for (long rep = 0; rep < REPS; rep++) {
                char name[DSGD_EVENT_NAME_MAX];
                snprintf(name, sizeof name, "bench:%s:%s", dsgd_layer_kind_name(CURVED),
                         pass ? "bwd" : "fwd");
                event(&w0, 0, DSGD_EV_COMPUTE, name, noisy(&w0, true_curved(pass, batches[b])), 0,
                      curved_flops * batches[b] * (pass ? 2 : 1), -1, rep, batches[b]);
            }
    static const char *const ops[] = {"bench:vec:axpy", "bench:vec:scale", "bench:vec:copy",
                                      "bench:vec:sgd_step"};
    for (int op = 0; op < 4; op++)
        for (double bytes = 4096; bytes <= 256.0 * (1 << 20); bytes *= 4)
            for (long rep = 0; rep < REPS; rep++)
                event(&w0, 0, DSGD_EV_MEMORY, ops[op],
                      noisy(&w0, true_mem_overhead + bytes / true_mem_bw), bytes, 0, -1, rep, 0);
    for (int batch = 1; batch <= 512; batch *= 2)
        for (long rep = 0; rep < REPS; rep++) {
            double bytes = batch * (784.0 * 4 + 4);
            event(&w0, 0, DSGD_EV_IO, "bench:io", noisy(&w0, true_io_overhead + bytes / true_io_bw),
                  bytes, 0, -1, rep, batch);
        }
    /* Naps of 1 to 64 us, each overshooting by the true wake-up latency. */
    for (double asked = 1e-6; asked <= 64e-6; asked *= 2)
        for (long rep = 0; rep < REPS; rep++)
            event(&w0, 0, DSGD_EV_WAIT, "bench:nap", asked + noisy(&w0, true_wake), 0, 0, -1, rep,
                  asked);
    /* Allreduces on 4 ranks: a ring on the true network. */
    for (double bytes = 4; bytes <= 64.0 * (1 << 20); bytes *= 4)
        for (long rep = 0; rep < REPS; rep++) {
            double chunk = bytes / 4,
                   seconds = noisy(&w0, 6 * true_oneway(chunk) + 3 * 3 * chunk / true_mem_bw);
            double start = w0.now;
            for (int r = 0; r < 4; r++) {
                writer wr = {&ranks[r], start, &rng};
                event(&wr, r, DSGD_EV_COLLECTIVE, "allreduce", seconds, bytes, 0, -1, rep, 4);
            }
            w0.now = start + seconds + 1e-6;
        }
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/synth.csv", dir);
    int rc = dsgd_trace_write_csv(path, ranks, 4, err, sizeof err);
    for (int r = 0; r < 4; r++)
        dsgd_trace_free(&ranks[r]);
    if (rc != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    snprintf(path, sizeof path, "%s/synth.json", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f,
            "{\"bench\":\"all\",\"ranks\":4,\"hosts\":2,\"cores_per_host\":4,"
            "\"hostname\":\"synth-host\",\"date\":\"2026-12-03T10:00:00Z\",\"reps\":%d}\n",
            REPS);
    return fclose(f);
}

static int within(const char *what, double got, double want, double tolerance)
{
    double rel = fabs(got - want) / fabs(want);
    int ok = rel <= tolerance;
    printf("%-34s fitted %-13.6g true %-13.6g off %7.4f %% %s\n", what, got, want, 100 * rel,
           ok ? "ok" : "FAIL");
    return !ok;
}

static int check_fit(const dsgd_calibration *cal)
{
    int failures = 0;
    char what[64];
    for (size_t k = 0; k < N_KINDS; k++) {
        const dsgd_calib_rate *r = &cal->kind[true_kinds[k].kind];
        const char *name = dsgd_layer_kind_name(true_kinds[k].kind);
        snprintf(what, sizeof what, "%s rate (flop/s)", name);
        failures += within(what, r->rate, true_kinds[k].rate, 0.01);
        snprintf(what, sizeof what, "%s overhead (s)", name);
        failures += within(what, r->overhead_s, true_kinds[k].overhead, 0.01);
    }
    static const int batches[] = {1, 8, 32, 128};
    for (int pass = 0; pass < 2; pass++) {
        const dsgd_cost_curve *c = &cal->curve[CURVED][pass];
        if (c->n != 4) {
            printf("FAIL %s %s curve: %d points, want 4\n", dsgd_layer_kind_name(CURVED),
                   pass ? "bwd" : "fwd", c->n);
            failures++;
            continue;
        }
        for (int b = 0; b < 4; b++) {
            snprintf(what, sizeof what, "%s %s curve at batch %d (s)", dsgd_layer_kind_name(CURVED),
                     pass ? "bwd" : "fwd", batches[b]);
            failures += within(what, c->seconds[b], true_curved(pass, batches[b]), 0.01);
            int ok = c->size[b] == curved_flops * batches[b] * (pass ? 2 : 1);
            failures += !ok;
            if (!ok)
                printf("FAIL at %g flops, want %g\n", c->size[b],
                       curved_flops * batches[b] * (pass ? 2 : 1));
        }
    }
    const dsgd_segments *f = &cal->net.fit;
    if (f->count != 3) {
        printf("FAIL network: %d ranges fitted, want 3\n", f->count);
        return failures + 1;
    }
    for (int k = 0; k < 3; k++) {
        snprintf(what, sizeof what, "network range %d latency (s)", k);
        failures += within(what, f->line[k].a, true_net[k].lat, 0.01);
        snprintf(what, sizeof what, "network range %d bandwidth (B/s)", k);
        failures += within(what, 1.0 / f->line[k].c, true_net[k].bw, 0.01);
    }
    for (int k = 0; k < 2; k++) {
        int ok = f->last_x[k] == true_net[k].upto;
        printf("network breakpoint %d              fitted %.0f B true %.0f B %s\n", k, f->last_x[k],
               true_net[k].upto, ok ? "ok" : "FAIL");
        failures += !ok;
    }
    failures += within("memory bandwidth (B/s)", cal->mem.rate, true_mem_bw, 0.01);
    failures += within("memory overhead (s)", cal->mem.overhead_s, true_mem_overhead, 0.01);
    for (int i = 0; i < cal->io_curve.n; i++) {
        snprintf(what, sizeof what, "io curve at %.0f B (s)", cal->io_curve.size[i]);
        failures += within(what, cal->io_curve.seconds[i],
                           true_io_overhead + cal->io_curve.size[i] / true_io_bw, 0.01);
    }
    if (cal->io_curve.n != 10) {
        printf("FAIL io curve: %d points, want 10 (batches 1..512)\n", cal->io_curve.n);
        failures++;
    }
    failures += within("io bandwidth (B/s)", cal->io.rate, true_io_bw, 0.01);
    failures += within("io overhead (s)", cal->io.overhead_s, true_io_overhead, 0.01);
    failures += within("wake-up latency (s)", cal->wake_latency_s, true_wake, 0.01);
    failures += within("wake-up latency, median (s)", cal->wake_q[50], true_wake, 0.01);
    int spread = cal->wake_q[0] < true_wake && cal->wake_q[100] > true_wake;
    for (int i = 1; i < DSGD_WAKE_QUANTILES; i++)
        spread = spread && cal->wake_q[i] >= cal->wake_q[i - 1];
    printf("wake-up percentiles: %.3g .. %.3g us, non-decreasing, around the true %.3g: %s\n",
           cal->wake_q[0] * 1e6, cal->wake_q[100] * 1e6, true_wake * 1e6, spread ? "ok" : "FAIL");
    failures += !spread;
    failures += within("allreduce check, median ratio", cal->allreduce.median_ratio, 1.0, 0.02);
    int ok =
        cal->cores == 4 && cal->hosts == 2 && cal->peak_flops == cal->kind[DSGD_LAYER_DENSE].rate;
    printf("cores %d, hosts %d, peak = dense rate: %s\n", cal->cores, cal->hosts,
           ok ? "ok" : "FAIL");
    return failures + !ok;
}

/* The simulation: rank 0 ping-pongs with rank 1 (another host) and rank 2
 * (its own host), then charges a dense and a conv call. */
static const double sizes[] = {1, 100, 4096, 4097, 30000, 65536, 65537, 1 << 20, 64.0 * (1 << 20)};
#define N_SIZES (sizeof sizes / sizeof sizes[0])
static double oneway[2][N_SIZES], call_seconds[2], listed_seconds;
/* a layer of the curved kind, charged call by call at a batch no
 * benchmark ran */
static const dsgd_layer_info curved_layer = {
    .kind = CURVED, .fwd_flops = 1e6, .bwd_flops = 2e6};
#define LISTED_BATCH 20
static const double call_flops[2] = {3e6, 5e7};

static int program(dsgd_comm *c, const dsgd_job *job, dsgd_result *out)
{
    (void)job, (void)out;
    int me = dsgd_rank(c);
    for (int peer = 1; peer <= 2; peer++)
        for (size_t i = 0; i < N_SIZES; i++) {
            size_t bytes = (size_t)sizes[i];
            if (me == 0) {
                double t0 = dsgd_now(c);
                if (dsgd_send(c, peer, 1, NULL, bytes) || dsgd_recv(c, peer, 1, NULL, bytes, NULL))
                    FAIL(1, "ping-pong of %zu bytes with %d", bytes, peer);
                oneway[peer - 1][i] = (dsgd_now(c) - t0) / 2;
            } else if (me == peer) {
                if (dsgd_recv(c, 0, 1, NULL, bytes, NULL) || dsgd_send(c, 0, 1, NULL, bytes))
                    FAIL(2, "pong of %zu bytes", bytes);
            }
        }
    if (me == 0)
        for (int k = 0; k < 2; k++) {
            dsgd_work work = {.layer_calls = 1};
            dsgd_layer_kind kind = k ? DSGD_LAYER_CONV : DSGD_LAYER_DENSE;
            work.flops[kind] = call_flops[k];
            work.calls[kind] = 1;
            double t0 = dsgd_now(c);
            dsgd_compute(c, "call", &work, t0);
            call_seconds[k] = dsgd_now(c) - t0;
        }
    if (me == 0) {
        dsgd_work work = {.layer_calls = 2, .layers = &curved_layer, .first = 0, .end = 1,
                          .batch = LISTED_BATCH, .forward = 1, .backward = 1};
        work.flops[CURVED] = 3e6 * LISTED_BATCH;
        work.calls[CURVED] = 2;
        double t0 = dsgd_now(c);
        dsgd_compute(c, "listed", &work, t0);
        listed_seconds = dsgd_now(c) - t0;
    }
    return 0;
}

static int close_to(const char *what, double simulated, double fitted)
{
    int ok = fabs(simulated - fitted) <= 1e-6 * fitted;
    printf("%-34s simulated %.9g s fitted %.9g s %s\n", what, simulated, fitted,
           ok ? "ok" : "FAIL");
    return !ok;
}

static int check_simulation(const char *argv0, const char *dir, const dsgd_calibration *cal)
{
    char platform[512], profile[512], model[64], err[512];
    snprintf(platform, sizeof platform, "%s/synth.xml", dir);
    snprintf(profile, sizeof profile, "%s/synth.profile", dir);
    if (!dsgd_sim_platform_config(platform, "network/model", model, sizeof model) ||
        strcmp(model, "SMPI") != 0) {
        printf("FAIL %s does not name network/model SMPI in its <config>\n", platform);
        return 1;
    }
    dsgd_cost_profile cost;
    dsgd_cost_defaults(&cost);
    if (dsgd_cost_load(profile, &cost, err, sizeof err) != 0) {
        printf("FAIL %s\n", err);
        return 1;
    }
    int sg_argc = 2;
    char *sg_argv[] = {(char *)argv0, "--log=root.thresh:warning", NULL};
    simgrid_init(&sg_argc, sg_argv);
    simgrid_load_platform(platform);
    size_t n_hosts;
    sg_host_t *all = dsgd_sim_hosts(&n_hosts);
    int ok = n_hosts == 2 && sg_host_core_count(all[0]) == 4 &&
             sg_host_get_speed(all[0]) == cal->peak_flops;
    printf("platform: %zu hosts of %d cores at %.6g flop/s %s\n", n_hosts,
           sg_host_core_count(all[0]), sg_host_get_speed(all[0]), ok ? "ok" : "FAIL");
    if (!ok) {
        free(all);
        return 1;
    }
    sg_host_t hosts[3] = {all[0], all[1], all[0]};
    dsgd_sim_options opt = {.cost = cost};
    dsgd_sim_world *w = dsgd_sim_world_create(3, hosts, &opt);
    dsgd_result results[3];
    dsgd_sim_launch(w, program, NULL, results);
    int failures = check_finished(results, 3);
    char what[64];
    for (int where = 0; where < 2; where++)
        for (size_t i = 0; i < N_SIZES; i++) {
            snprintf(what, sizeof what, "one way %s, %.0f B", where ? "loopback" : "host-host",
                     sizes[i]);
            failures +=
                close_to(what, oneway[where][i], dsgd_calib_oneway_seconds(&cal->net, sizes[i]));
        }
    for (int k = 0; k < 2; k++) {
        const dsgd_calib_rate *r = &cal->kind[k ? DSGD_LAYER_CONV : DSGD_LAYER_DENSE];
        snprintf(what, sizeof what, "%s call of %.0f flops", k ? "conv" : "dense", call_flops[k]);
        failures += close_to(what, call_seconds[k], r->overhead_s + call_flops[k] / r->rate);
    }
    double want = dsgd_cost_curve_seconds(&cal->curve[CURVED][0], LISTED_BATCH * 1e6) +
                  dsgd_cost_curve_seconds(&cal->curve[CURVED][1], LISTED_BATCH * 2e6);
    snprintf(what, sizeof what, "%s fwd+bwd, batch %d", dsgd_layer_kind_name(CURVED),
             LISTED_BATCH);
    failures += close_to(what, listed_seconds, want);
    printf("  (true %.9g s: the curves interpolate between batches 8 and 32)\n",
           true_curved(0, LISTED_BATCH) + true_curved(1, LISTED_BATCH));
    dsgd_sim_world_destroy(w);
    free(all);
    return failures;
}

/* The spread of compute times: 2 ranks x 3000 calls of the same work,
 * times a factor of mean 1 and coefficient of variation cv, normal or
 * lognormal (as sim/jitter.c draws them); the fit recovers cv within 8 %
 * (sampling) and the shape of the tail. */
static int check_jitter(double cv, int lognormal)
{
    dsgd_trace t;
    dsgd_trace_init(&t);
    dsgd_rng rng;
    dsgd_rng_seed(&rng, lognormal ? 31 : 32);
    double s = sqrt(log(1 + cv * cv));
    for (int rank = 0; rank < 2; rank++) {
        writer w = {&t, 0.0, &rng};
        for (long i = 0; i < 3000; i++) {
            double z = dsgd_rng_normal(&rng);
            double factor = lognormal ? exp(s * z - s * s / 2) : 1 + cv * z;
            event(&w, rank, DSGD_EV_COMPUTE, "fwdbwd", 0.01 * factor, 0, 1e9, -1, i, 0);
        }
    }
    dsgd_calibration cal;
    char err[512];
    int rc = dsgd_calibrate(&t, 1, &(dsgd_calib_setup){1, 1, 0, NULL}, &cal, err, sizeof err);
    dsgd_trace_free(&t);
    if (rc != 0) {
        fprintf(stderr, "jitter: %s\n", err);
        return 1;
    }
    char what[64];
    snprintf(what, sizeof what, "jitter cv (%s)", lognormal ? "lognormal" : "normal");
    int failures = within(what, cal.jitter_cv, cv, 0.08);
    printf("%-34s skewness %.3f: %s (want %s)\n", "jitter tail", cal.jitter_skewness,
           cal.jitter_lognormal ? "lognormal" : "normal", lognormal ? "lognormal" : "normal");
    return failures + (cal.jitter_lognormal != lognormal);
}

/* Allreduces that ran as Open MPI's libnbc runs them in place (a binomial
 * reduce then a binomial broadcast: 2 ceil(log2 4) rounds of S bytes, 2 of
 * them summing S) on the true network: the check prices them with the
 * algorithm it is told (ratio 1) and says so when told a ring (ratio off). */
static int check_allreduce_algo(void)
{
    dsgd_trace t;
    dsgd_trace_init(&t);
    dsgd_rng rng;
    dsgd_rng_seed(&rng, 41);
    writer w = {&t, 0.0, &rng};
    for (double s = 1; s <= 64.0 * (1 << 20); s *= 2)
        for (long rep = 0; rep < REPS; rep++) {
            double round_trip = noisy(&w, 2 * true_oneway(s));
            event(&w, 0, DSGD_EV_SEND, "send", round_trip / 2, s, 0, 1, rep, 0);
            w.now -= 1e-6;
            event(&w, 0, DSGD_EV_RECV, "recv", round_trip / 2, s, 0, 1, rep, 0);
        }
    for (double bytes = 4; bytes <= 64.0 * (1 << 20); bytes *= 4)
        for (long rep = 0; rep < REPS; rep++)
            event(&w, 0, DSGD_EV_COLLECTIVE, "allreduce",
                  noisy(&w, 4 * true_oneway(bytes) + 2 * 3 * bytes / 1e10), bytes, 0, -1, rep, 4);
    int failures = 0;
    for (int told_tree = 1; told_tree >= 0; told_tree--) {
        dsgd_calibration cal;
        char err[512];
        dsgd_calib_setup setup = {1, 1, 0, told_tree ? "tree" : NULL};
        if (dsgd_calibrate(&t, 1, &setup, &cal, err, sizeof err) != 0) {
            fprintf(stderr, "allreduce algo: %s\n", err);
            dsgd_trace_free(&t);
            return 1;
        }
        int ok = strcmp(cal.allreduce.algo, told_tree ? "tree" : "ring") == 0 &&
                 (told_tree ? fabs(cal.allreduce.median_ratio - 1) < 0.02
                            : fabs(cal.allreduce.median_ratio - 1) > 0.2);
        printf("allreduce check told %-4s          priced as %s, median ratio %.3f %s\n",
               told_tree ? "tree" : "ring", cal.allreduce.algo, cal.allreduce.median_ratio,
               ok ? "ok" : "FAIL");
        failures += !ok;
    }
    dsgd_trace_free(&t);
    return failures;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s SCRATCH_DIR\n", argv[0]);
        return 2;
    }
    if (write_synthetic(argv[1]) != 0) {
        fprintf(stderr, "cannot write the synthetic traces in %s\n", argv[1]);
        return 1;
    }
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/synth.csv", argv[1]);
    dsgd_trace t;
    if (dsgd_trace_read_csv(path, &t, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    dsgd_calibration cal;
    int rc = dsgd_calibrate(&t, 1, &(dsgd_calib_setup){4, 2, 0, NULL}, &cal, err, sizeof err);
    dsgd_trace_free(&t);
    if (rc != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    int failures = check_fit(&cal);
    /* the synthetic benchmarks' own noise: normal, NOISE */
    failures += within("jitter cv (the benchmarks' noise)", cal.jitter_cv, NOISE, 0.10);
    failures += check_jitter(0.1, 1) + check_jitter(0.05, 0);
    failures += check_allreduce_algo();
    snprintf(path, sizeof path, "%s/synth", argv[1]);
    if (dsgd_calib_write(&cal, path, "synthetic traces (test_calibrate)", err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    failures += check_simulation(argv[0], argv[1], &cal);
    printf("%s\n", failures ? "FAILED" : "all ok");
    return failures != 0;
}

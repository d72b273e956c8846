/* test_sim_cores — multi-core hosts on tests/data/cores.xml (three 4-core
 * hosts quad-0..2, four 1-core hosts solo-0..3; 100 Gflop/s per core,
 * 40 GB/s of memory, loopback 20 GB/s and 0.5 us on the quad hosts, CM02
 * without cross-traffic), against hand-derived values:
 *   placement   a host takes as many consecutive ranks as it has cores
 *               (--ranks-per-host cores), or N (a number): 8 ranks fill
 *               quad-0 and quad-1; 17 ranks do not fit in 16 cores; ranks
 *               on one host are one node
 *   compute     C = 1e9 conv flops at 100 Gflop/s and the profile's conv
 *               efficiency; 4 ranks on quad-0 take C each, like a rank alone
 *               on solo-0; 5 ranks on it share its 4 cores: 5/4 C each
 *   memory      4e9 bytes: alone on solo-0 4e9 / 4e10 = 0.1 s; 4 ranks on
 *               quad-0 split its 40 GB/s: 0.4 s; 5 ranks: 0.5 s
 *   messages    S = 1e8 bytes from rank 0 to rank 1 on quad-0 (loopback):
 *               0.5 us + S / 20 GB/s = 5.0005 ms; from quad-0 to quad-1
 *               (private links up and down): 20 us + S / 1.25 GB/s = 80.02 ms
 * usage: test_sim_cores PLATFORM */
#include <math.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sim/sim.h"

#define MAX_RANKS 16
#define CONV_FLOPS 1e9
#define MEMORY_BYTES 4e9
#define MESSAGE_BYTES 1e8

static double compute_s[MAX_RANKS], memory_s[MAX_RANKS], message_s[MAX_RANKS];
static int failures;

static void expect(const char *what, double got, double want)
{
    int ok = fabs(got - want) <= 1e-9 * want;
    printf("%-44s %.9f s, want %.9f s%s\n", what, got, want, ok ? "" : "  FAIL");
    failures += !ok;
}

/* Every rank computes, then does memory-bound work; then rank 0 sends to
 * rank 1 (same host) and rank 2 to rank 3 (another host, by the caller's
 * placement), one after the other. */
static int program(dsgd_comm *c, const dsgd_job *job, dsgd_result *out)
{
    (void)job, (void)out;
    int me = dsgd_rank(c);
    dsgd_work work = {0};
    work.flops[DSGD_LAYER_CONV] = CONV_FLOPS;
    double t0 = dsgd_now(c);
    if (dsgd_compute(c, "forward", &work, t0) != 0)
        FAIL(1, "compute");
    compute_s[me] = dsgd_now(c) - t0;
    t0 = dsgd_now(c);
    if (dsgd_memory(c, "update", MEMORY_BYTES, t0) != 0)
        FAIL(2, "memory");
    memory_s[me] = dsgd_now(c) - t0;
    for (int pair = 0; pair < 2 && dsgd_size(c) >= 4; pair++) {
        if (dsgd_barrier(c, NULL) != 0)
            FAIL(3, "barrier");
        int from = 2 * pair, to = from + 1;
        t0 = dsgd_now(c);
        if (me == from && dsgd_send(c, to, 7, NULL, (size_t)MESSAGE_BYTES) != 0)
            FAIL(4, "send");
        if (me == to && dsgd_recv(c, from, 7, NULL, (size_t)MESSAGE_BYTES, NULL) != 0)
            FAIL(5, "recv");
        if (me == to)
            message_s[from] = dsgd_now(c) - t0;
    }
    return 0;
}

/* Runs the program on ranks placed on hosts[0..n-1]. */
static void run(const sg_host_t *hosts, int n)
{
    dsgd_sim_options opt = {0};
    dsgd_cost_defaults(&opt.cost);
    dsgd_sim_world *w = dsgd_sim_world_create(n, hosts, &opt);
    dsgd_result res[MAX_RANKS] = {0};
    memset(compute_s, 0, sizeof compute_s);
    memset(memory_s, 0, sizeof memory_s);
    memset(message_s, 0, sizeof message_s);
    dsgd_sim_launch(w, program, NULL, res);
    failures += check_finished(res, n);
    dsgd_sim_world_destroy(w);
}

static sg_host_t host(const char *name) { return sg_host_by_name(name); }

/* Placement of n ranks with per_host: the host names, comma-separated,
 * into got (or the error). */
static void place(const sg_host_t *all, size_t n_all, int n, int per_host, sg_host_t *placed,
                  char *got, size_t gotlen)
{
    char err[512];
    got[0] = '\0';
    if (dsgd_sim_place(all, n_all, n, NULL, NULL, per_host, placed, err, sizeof err) != 0) {
        snprintf(got, gotlen, "%s", err);
        return;
    }
    for (int r = 0; r < n; r++)
        snprintf(got + strlen(got), gotlen - strlen(got), "%s%s", r ? "," : "",
                 sg_host_get_name(placed[r]));
}

static void expect_text(const char *what, const char *got, const char *want)
{
    int ok = strcmp(got, want) == 0;
    printf("%-44s %s%s\n", what, got, ok ? "" : "  FAIL");
    if (!ok)
        printf("%-44s %s\n", "  want", want);
    failures += !ok;
}

static void check_placement(const sg_host_t *all, size_t n_all)
{
    sg_host_t placed[MAX_RANKS + 1];
    char got[1024];
    place(all, n_all, 8, 0, placed, got, sizeof got);
    expect_text("8 ranks, --ranks-per-host cores", got,
                "quad-0,quad-0,quad-0,quad-0,quad-1,quad-1,quad-1,quad-1");
    int node[MAX_RANKS], nodes = dsgd_sim_number_nodes(placed, 8, node);
    char nodes_text[64] = "";
    for (int r = 0; r < 8; r++)
        snprintf(nodes_text + strlen(nodes_text), sizeof nodes_text - strlen(nodes_text), "%d",
                 node[r]);
    expect_text("  their nodes", nodes_text, "00001111");
    if (nodes != 2 || dsgd_sim_hosts_used(placed, 8) != 2) {
        printf("FAIL: 8 ranks: %d nodes and %d hosts, want 2 and 2\n", nodes,
               dsgd_sim_hosts_used(placed, 8));
        failures++;
    }
    place(all, n_all, 16, 0, placed, got, sizeof got);
    expect_text("16 ranks, --ranks-per-host cores", got,
                "quad-0,quad-0,quad-0,quad-0,quad-1,quad-1,quad-1,quad-1,quad-2,quad-2,quad-2,"
                "quad-2,solo-0,solo-1,solo-2,solo-3");
    place(all, n_all, 7, 1, placed, got, sizeof got);
    expect_text("7 ranks, --ranks-per-host 1", got,
                "quad-0,quad-1,quad-2,solo-0,solo-1,solo-2,solo-3");
    place(all, n_all, 6, 5, placed, got, sizeof got);
    expect_text("6 ranks, --ranks-per-host 5", got, "quad-0,quad-0,quad-0,quad-0,quad-0,quad-1");
    place(all, n_all, 17, 0, placed, got, sizeof got);
    expect_text("17 ranks, --ranks-per-host cores", got,
                "17 ranks do not fit: the platform has 7 hosts, 7 of them for workers, 16 cores "
                "in all; with --ranks-per-host cores they take 16 ranks, 16 of them workers");
    place(all, n_all, 8, 1, placed, got, sizeof got);
    expect_text("8 ranks, --ranks-per-host 1", got,
                "8 ranks do not fit: the platform has 7 hosts, 7 of them for workers, 16 cores "
                "in all; with --ranks-per-host 1 they take 7 ranks, 7 of them workers");
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s PLATFORM\n", argv[0]);
        return 2;
    }
    int sg_argc = 4;
    char *sg_argv[] = {argv[0], "--log=root.thresh:critical", "--cfg=network/model:CM02",
                       "--cfg=network/crosstraffic:0", NULL};
    simgrid_init(&sg_argc, sg_argv);
    simgrid_load_platform(argv[1]);
    dsgd_sim_inherit_properties();
    size_t n_all;
    sg_host_t *all = dsgd_sim_hosts(&n_all);
    check_placement(all, n_all);

    dsgd_cost_profile cost;
    dsgd_cost_defaults(&cost);
    dsgd_work work = {0};
    work.flops[DSGD_LAYER_CONV] = CONV_FLOPS;
    double one_core = dsgd_cost_compute_seconds(&cost, &work, 1e11);

    sg_host_t alone[1] = {host("solo-0")};
    run(alone, 1);
    expect("1 rank on solo-0: compute", compute_s[0], one_core);
    expect("1 rank on solo-0: memory", memory_s[0], MEMORY_BYTES / 4e10);

    /* 4 ranks on quad-0 and 2 on quad-1; messages 0 -> 1 and 2 -> 3 stay
     * on quad-0 */
    sg_host_t four[6] = {host("quad-0"), host("quad-0"), host("quad-0"),
                         host("quad-0"), host("quad-1"), host("quad-1")};
    run(four, 6);
    expect("4 ranks on quad-0: compute of rank 3", compute_s[3], one_core);
    expect("4 ranks on quad-0: memory of rank 3", memory_s[3], MEMORY_BYTES / (4e10 / 4));
    expect("2 ranks on quad-1: memory of rank 4", memory_s[4], MEMORY_BYTES / (4e10 / 2));
    expect("1e8 bytes rank 0 -> 1 on quad-0 (loopback)", message_s[0],
           0.5e-6 + MESSAGE_BYTES / 20e9);
    expect("1e8 bytes rank 2 -> 3 on quad-0 (loopback)", message_s[2],
           0.5e-6 + MESSAGE_BYTES / 20e9);

    sg_host_t five[5] = {host("quad-0"), host("quad-0"), host("quad-0"), host("quad-0"),
                         host("quad-0")};
    run(five, 5);
    expect("5 ranks on quad-0 (4 cores): compute", compute_s[4], one_core * 5 / 4);
    expect("5 ranks on quad-0: memory", memory_s[4], MEMORY_BYTES / (4e10 / 5));

    sg_host_t apart[4] = {host("quad-0"), host("quad-0"), host("quad-0"), host("quad-1")};
    run(apart, 4);
    expect("1e8 bytes rank 2 -> 3, quad-0 -> quad-1", message_s[2], 20e-6 + MESSAGE_BYTES / 1.25e9);
    free(all);
    return failures != 0;
}

/* test_sim_collectives — the SimGrid backend's collectives: results and
 * simulated times.
 *
 * usage: test_sim_collectives PLATFORM MODEL [RANKS_PER_NODE]
 *   PLATFORM: a homogeneous cluster of >= 16 hosts, private SPLITDUPLEX
 *             links of bandwidth B and latency L per host, no backbone
 *             (platforms/small.xml: B = 1.25 GB/s, L = 10 us);
 *   MODEL:    CM02 or LV08 (SimGrid network model);
 *   RANKS_PER_NODE: hosts per machine ("node" property; default 1).  With
 *             fewer than 16 hosts only the value checks run (e.g. on
 *             tests/data/nodes-4x2.xml, for the hierarchical allreduce).
 *
 * Values: every allreduce algorithm (ring, halving-doubling, tree,
 * hierarchical), tree reduce/bcast, ring allgather and barrier on real
 * buffers give the exact sums/copies for group sizes 1..16, counts not
 * divisible by the size, and a sub-group.
 *
 * Choice: the allreduce algorithm is fixed when a group is created (the
 * world's when the world is), read back through its descriptor
 * (dsgd_sim_allreduce_choice); an unknown name is refused.
 *
 * Time: the ring allreduce of S bytes over N hosts is 2(N-1) steps; in
 * each, every rank sends S/N bytes to its right neighbour while receiving
 * S/N from its left one.  A route crosses two links (sender's up, receiver's
 * down), so its latency is 2L and, with full-duplex links, each flow has a
 * link to itself: bandwidth B.  Hence
 *     CM02 (crosstraffic off):  T = 2(N-1) * (2L + (S/N) / B)
 * SimGrid's default LV08 model multiplies latency by 13.01 and bandwidth by
 * 0.97, and with crosstraffic on each link also carries the 5 % reverse
 * (acknowledgement) flow of the neighbouring transfer, so a flow gets
 * 0.97 B / 1.05:
 *     LV08:                     T = 2(N-1) * (13.01*2L + 1.05 (S/N) / (0.97 B))
 * Both are checked within 1 %.  Under CM02, with lambda = 2L the route
 * latency, for n a power of two (every round pairs distinct hosts, so no
 * two flows share a link):
 *     tree (binomial reduce + broadcast): 2 log2(n) (lambda + S/B)
 *     halving-doubling: round k moves S/2^(k+1) each way, so
 *                       2 log2(n) lambda + 2 (n-1)/n S/B
 * are checked within 1 % too. */
#include <math.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/comm.h"
#include "sim/sim.h"

#define LINK_BW 1.25e9
#define LINK_LAT 10e-6

static int failures;
static int ranks_per_node = 1;

static void expect(int ok, const char *what, int n, double got, double want)
{
    if (!ok) {
        fprintf(stderr, "FAIL %s (n=%d): got %.9g, want %.9g\n", what, n, got, want);
        failures++;
    }
}

/* ---- values ---------------------------------------------------------- */

enum { COUNT = 1001 };

static int values_program(dsgd_comm *c, const dsgd_job *job, dsgd_result *out)
{
    (void)job;
    int n = dsgd_size(c), me = dsgd_rank(c);
    float *buf = malloc(sizeof *buf * COUNT);
    for (int i = 0; i < COUNT; i++)
        buf[i] = (float)(me + 1) * (float)(i % 7 + 1);
    int rc = dsgd_allreduce(c, NULL, buf, COUNT);
    double sum_ranks = n * (n + 1) / 2.0;
    for (int i = 0; rc == 0 && i < COUNT; i++)
        if (buf[i] != (float)(sum_ranks * (i % 7 + 1)))
            rc = 100 + i;
    /* reduce to root 1 (or 0): root holds the sum */
    int root = n > 1 ? 1 : 0;
    for (int i = 0; i < COUNT; i++)
        buf[i] = (float)(me + 1);
    if (!rc)
        rc = dsgd_reduce(c, NULL, root, buf, COUNT);
    if (!rc && me == root && (buf[0] != (float)sum_ranks || buf[COUNT - 1] != (float)sum_ranks))
        rc = 10;
    /* bcast from the last rank */
    int value = me == n - 1 ? 4242 : -1;
    if (!rc)
        rc = dsgd_bcast(c, NULL, n - 1, &value, sizeof value);
    if (!rc && value != 4242)
        rc = 11;
    /* allgather of each rank's id */
    int *all = calloc((size_t)n, sizeof *all);
    if (!rc)
        rc = dsgd_allgather(c, NULL, &me, sizeof me, all);
    for (int i = 0; !rc && i < n; i++)
        if (all[i] != i)
            rc = 12;
    /* a sub-group of the even ranks: allreduce of ones counts them */
    if (!rc && n >= 3) {
        int members[8], k = 0;
        for (int i = 0; i < n && k < 8; i += 2)
            members[k++] = i;
        if (me % 2 == 0 && me / 2 < k) {
            dsgd_group *g;
            float one = 1.0f;
            rc = dsgd_group_create(c, members, k, &g);
            if (!rc)
                rc = dsgd_allreduce(c, g, &one, 1);
            if (!rc && one != (float)k)
                rc = 13;
            dsgd_group_free(c, g);
        }
    }
    /* nodes are numbered by their lowest rank */
    int nodes = (n + ranks_per_node - 1) / ranks_per_node;
    if (!rc && (dsgd_node_count(c) != nodes || dsgd_node_of(c, n - 1) != nodes - 1))
        rc = 14;
    if (!rc)
        rc = dsgd_barrier(c, NULL);
    free(all);
    free(buf);
    out->time_s = dsgd_now(c);
    return rc;
}

/* ---- ring allreduce time ---------------------------------------------- */

static double ring_bytes;

static int ring_program(dsgd_comm *c, const dsgd_job *job, dsgd_result *out)
{
    (void)job;
    double t0 = dsgd_now(c);
    int rc = dsgd_allreduce(c, NULL, NULL, (size_t)(ring_bytes / sizeof(float)));
    out->time_s = dsgd_now(c) - t0;
    return rc;
}

/* Launches program on n ranks; returns the largest per-rank time_s, or -1
 * if any rank failed. */
static double launch(sg_host_t *hosts, int n, dsgd_node_program program, const char *algo)
{
    dsgd_sim_options opt = {.trace = 0, .allreduce = algo};
    dsgd_cost_defaults(&opt.cost);
    dsgd_sim_world *w = dsgd_sim_world_create(n, hosts, &opt);
    dsgd_result *res = calloc((size_t)n, sizeof *res);
    dsgd_sim_launch(w, program, NULL, res);
    double worst = 0;
    for (int i = 0; i < n; i++) {
        if (!res[i].finished || res[i].status != 0) {
            fprintf(stderr, "FAIL rank %d of %d: finished %d status %d\n", i, n, res[i].finished,
                    res[i].status);
            failures++;
            worst = -1;
            break;
        }
        worst = fmax(worst, res[i].time_s);
    }
    free(res);
    dsgd_sim_world_destroy(w);
    return worst;
}

/* ---- the allreduce choice --------------------------------------------- */

/* The algorithm is chosen when a group is created: under "auto", ring above
 * 64 KiB and, up to it, hierarchical where consecutive members share a
 * machine, else tree; a named algorithm for every size.  Checked on the
 * world, on a group of all ranks, and on a group of one rank per machine. */
static const char *fixed_algo; /* the named --allreduce under test (NULL: auto) */

static int chose(dsgd_comm *c, dsgd_group *g, size_t count, const char *want)
{
    const dsgd_component *got = dsgd_sim_allreduce_choice(c, g, count);
    if (got && strcmp(got->name, want) == 0)
        return 1;
    if (dsgd_rank(c) == 0)
        fprintf(stderr, "FAIL allreduce choice (%s, %zu floats, group of %d): got %s, want %s\n",
                fixed_algo ? fixed_algo : "auto", count, dsgd_group_size(c, g),
                got ? got->name : "none", want);
    return 0;
}

static int choice_program(dsgd_comm *c, const dsgd_job *job, dsgd_result *out)
{
    (void)job, (void)out;
    const size_t small = 65536 / sizeof(float), large = small + 1; /* threshold: 64 KiB */
    int n = dsgd_size(c), rc = 0, all[16], spread[16], n_spread = 0;
    for (int r = 0; r < n; r++) {
        all[r] = r;
        if (r % ranks_per_node == 0)
            spread[n_spread++] = r;
    }
    const char *shared_small = ranks_per_node > 1 ? "hierarchical" : "tree";
    const char *big = fixed_algo ? fixed_algo : "ring";
    if (!chose(c, NULL, small, fixed_algo ? fixed_algo : shared_small) ||
        !chose(c, NULL, large, big))
        rc = 20;
    dsgd_group *g = NULL;
    if (!rc && (rc = dsgd_group_create(c, all, n, &g)) == 0 &&
        (!chose(c, g, small, fixed_algo ? fixed_algo : shared_small) || !chose(c, g, large, big)))
        rc = 21;
    dsgd_group_free(c, g);
    g = NULL;
    if (!rc && dsgd_rank(c) % ranks_per_node == 0 &&
        (rc = dsgd_group_create(c, spread, n_spread, &g)) == 0 &&
        (!chose(c, g, 1, fixed_algo ? fixed_algo : "tree") || !chose(c, g, large, big)))
        rc = 22;
    dsgd_group_free(c, g);
    return rc;
}

static void check_choice(sg_host_t *hosts, size_t n_hosts)
{
    int n = n_hosts < 8 ? (int)n_hosts : 8;
    const char *const names[] = {NULL, "auto", "halving-doubling", "tree"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        fixed_algo = names[i] && strcmp(names[i], "auto") != 0 ? names[i] : NULL;
        launch(hosts, n, choice_program, names[i]);
    }
    fixed_algo = NULL;
    dsgd_sim_options opt = {.allreduce = "no-such-algorithm"};
    dsgd_sim_world *w = dsgd_sim_world_create(n, hosts, &opt);
    expect(w == NULL, "world with an unknown --allreduce", n, w != NULL, 0);
    dsgd_sim_world_destroy(w);
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4 || (strcmp(argv[2], "CM02") && strcmp(argv[2], "LV08"))) {
        fprintf(stderr, "usage: %s PLATFORM CM02|LV08 [RANKS_PER_NODE]\n", argv[0]);
        return 2;
    }
    if (argc == 4)
        ranks_per_node = atoi(argv[3]);
    int cm02 = strcmp(argv[2], "CM02") == 0;
    char model[64];
    snprintf(model, sizeof model, "--cfg=network/model:%s", argv[2]);
    char *sg_argv[] = {argv[0], model,
                       cm02 ? "--cfg=network/crosstraffic:0" : "--cfg=network/crosstraffic:1",
                       "--log=root.thresh:warning", NULL};
    int sg_argc = 4;
    simgrid_init(&sg_argc, sg_argv);
    simgrid_load_platform(argv[1]);
    size_t n_hosts;
    sg_host_t *hosts = dsgd_sim_hosts(&n_hosts);
    int sizes[] = {1, 2, 3, 7, 16};
    for (int a = 0; dsgd_sim_allreduce_algos[a]; a++)
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
            if ((size_t)sizes[i] <= n_hosts)
                launch(hosts, sizes[i], values_program, dsgd_sim_allreduce_algos[a]->name);
    check_choice(hosts, n_hosts);
    if (n_hosts < 16) {
        free(hosts);
        printf("%s (values only: %zu hosts)\n", failures ? "FAILED" : "all value checks passed",
               n_hosts);
        return failures != 0;
    }

    /* Reductions: every byte a member sums costs 3 bytes of memory traffic
     * at the host's memory speed (no mem_bw on the platform: the cost
     * profile's), on the critical path between two steps. */
    dsgd_cost_profile cost;
    dsgd_cost_defaults(&cost);
    double sum = 3.0 / cost.mem_bw_Bps; /* seconds per byte summed */
    double lat = cm02 ? 2 * LINK_LAT : 13.01 * 2 * LINK_LAT;
    double bw = cm02 ? LINK_BW : 0.97 * LINK_BW / 1.05;
    int ns[] = {2, 4, 8, 16};
    double sizes_bytes[] = {1 << 20, 16 << 20};
    for (size_t s = 0; s < 2; s++)
        for (size_t i = 0; i < 4; i++) {
            int n = ns[i];
            ring_bytes = sizes_bytes[s];
            double want = 2.0 * (n - 1) * (lat + ring_bytes / n / bw) +
                          (n - 1) * ring_bytes / n * sum;
            double got = launch(hosts, n, ring_program, "ring");
            printf(
                "%s ring allreduce n=%2d S=%8.0f B: simulated %.6f s, formula (with sums) %.6f s "
                "(%+.3f %%)\n",
                argv[2], n, ring_bytes, got, want, 100 * (got - want) / want);
            expect(fabs(got - want) <= 0.01 * want, "ring allreduce time", n, got, want);
        }
    for (size_t s = 0; cm02 && s < 2; s++)
        for (int n = 2; n <= 16; n *= 2) {
            ring_bytes = sizes_bytes[s];
            double log2n = log2(n);
            double want_tree = 2 * log2n * (lat + ring_bytes / bw) + log2n * ring_bytes * sum;
            double want_hd = 2 * log2n * lat + 2.0 * (n - 1) / n * ring_bytes / bw +
                             (n - 1.0) / n * ring_bytes * sum;
            double got_tree = launch(hosts, n, ring_program, "tree");
            double got_hd = launch(hosts, n, ring_program, "halving-doubling");
            printf("CM02 tree allreduce n=%2d S=%8.0f B: simulated %.6f s, formula %.6f s\n", n,
                   ring_bytes, got_tree, want_tree);
            printf("CM02 halving-doubling n=%2d S=%8.0f B: simulated %.6f s, formula %.6f s\n", n,
                   ring_bytes, got_hd, want_hd);
            expect(fabs(got_tree - want_tree) <= 0.01 * want_tree, "tree time", n, got_tree,
                   want_tree);
            expect(fabs(got_hd - want_hd) <= 0.01 * want_hd, "halving-doubling time", n, got_hd,
                   want_hd);
        }
    free(hosts);
    printf("%s\n", failures ? "FAILED" : "all collective checks passed");
    return failures != 0;
}

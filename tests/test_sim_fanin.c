/* test_sim_fanin — large messages to one receiver progress side by side,
 * as MPI progresses every matched message (issue: they used to arrive one
 * at a time, so parameter servers looked several times slower).
 * Platform tests/data/fan-in.xml: rank 0's link carries 4 GB/s, the four
 * senders' 1 GB/s each, latency 10 us per link, CM02.  Checks:
 *  1. rank 0 posts four receives of B = 100 MB on one tag; ranks 1-4 send
 *     at t = 0: all four end at 2 x 10 us + B / 1 GB/s = 0.10002 s (each
 *     sender's own link is the bottleneck), not 4 B / 1 GB/s = 0.4 s;
 *  2. messages of one source keep their order even when a later, smaller
 *     one lands first: rank 1 sends 1 MB then 4 bytes on one tag, rank 0
 *     has two receives posted; the first gets the 1 MB message;
 *  3. with one receive posted at a time (a blocking loop), the transfers
 *     are one after another, as MPI's rendezvous starts a transfer only
 *     for a posted receive: four receives in turn end at about 4 x 0.1 s.
 * usage: test_sim_fanin PLATFORM */
#include <math.h>
#include <simgrid/engine.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/check.h"
#include "sim/sim.h"

#define B 100e6
#define SMALL_TAG 8

static int near(double got, double want) { return fabs(got - want) <= 1e-3 * want; }

static int receiver(dsgd_comm *c)
{
    dsgd_request *reqs[4];
    double t0 = dsgd_now(c);
    for (int i = 0; i < 4; i++)
        if (dsgd_irecv(c, i + 1, 7, NULL, (size_t)B, &reqs[i]) != DSGD_OK)
            FAIL(1, "irecv");
    for (int i = 0; i < 4; i++)
        if (dsgd_wait(c, &reqs[i], NULL) != DSGD_OK)
            FAIL(1, "wait");
    double side_by_side = dsgd_now(c) - t0, want = 2 * 10e-6 + B / 1e9;
    if (!near(side_by_side, want))
        FAIL(1, "four 100 MB receives took %.6f s, want %.6f s (one at a time: %.6f s)",
             side_by_side, want, 4 * B / 1e9);

    static int big[262144]; /* 1 MB: rendezvous */
    int small = 0;
    dsgd_request *first, *second;
    dsgd_msg_info info;
    if (dsgd_irecv(c, DSGD_ANY_SOURCE, SMALL_TAG, big, sizeof big, &first) ||
        dsgd_irecv(c, DSGD_ANY_SOURCE, SMALL_TAG, &small, sizeof big, &second) ||
        dsgd_wait(c, &first, &info) || dsgd_wait(c, &second, NULL))
        FAIL(2, "receives");
    if (info.bytes != sizeof big || big[0] != 1 || small != 2)
        FAIL(2, "first receive got %zu bytes (value %d), second value %d: want the 1 MB one first",
             info.bytes, big[0], small);

    t0 = dsgd_now(c);
    for (int i = 0; i < 4; i++)
        if (dsgd_recv(c, i + 1, 9, NULL, (size_t)B, NULL) != DSGD_OK)
            FAIL(3, "recv");
    double in_turn = dsgd_now(c) - t0;
    if (in_turn < 3.5 * B / 1e9)
        FAIL(3, "four blocking receives in turn took %.6f s, want about %.6f s", in_turn,
             4 * B / 1e9);
    printf("fan-in: side by side %.6f s (want %.6f), in turn %.6f s\n", side_by_side, want,
           in_turn);
    return 0;
}

static int sender(dsgd_comm *c)
{
    if (dsgd_send(c, 0, 7, NULL, (size_t)B) != DSGD_OK)
        FAIL(1, "send");
    if (dsgd_rank(c) == 1) {
        static int big[262144];
        int two = 2;
        big[0] = 1;
        dsgd_request *a, *b;
        if (dsgd_isend(c, 0, SMALL_TAG, big, sizeof big, &a) ||
            dsgd_isend(c, 0, SMALL_TAG, &two, sizeof two, &b) || dsgd_wait(c, &a, NULL) ||
            dsgd_wait(c, &b, NULL))
            FAIL(2, "sends");
    }
    return dsgd_send(c, 0, 9, NULL, (size_t)B) != DSGD_OK ? 3 : 0;
}

static int program(dsgd_comm *c, const dsgd_job *job, dsgd_result *out)
{
    (void)job, (void)out;
    return dsgd_rank(c) == 0 ? receiver(c) : sender(c);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s PLATFORM\n", argv[0]);
        return 2;
    }
    int sg_argc = 5;
    char *sg_argv[] = {argv[0], "--log=root.thresh:critical", "--cfg=contexts/guard-size:0",
                       "--cfg=network/model:CM02", "--cfg=network/crosstraffic:0", NULL};
    simgrid_init(&sg_argc, sg_argv);
    simgrid_load_platform(argv[1]);
    size_t n_hosts;
    sg_host_t *hosts = dsgd_sim_hosts(&n_hosts);
    dsgd_sim_options opt = {0};
    dsgd_cost_defaults(&opt.cost);
    dsgd_sim_world *w = dsgd_sim_world_create(5, hosts, &opt);
    dsgd_result res[5] = {0};
    dsgd_sim_launch(w, program, NULL, res);
    int bad = check_finished(res, 5);
    dsgd_sim_world_destroy(w);
    free(hosts);
    return bad;
}

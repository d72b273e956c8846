/* test_exec_comm — every verb of comm.h on the MPI backend, checked by
 * value: blocking and non-blocking point to point, any-source receives,
 * probe, wait / waitany / test, truncation, groups built from rank lists
 * (in a permuted order), allreduce / reduce / bcast / allgather / barrier
 * and iallreduce on all ranks and on groups, phantom payloads, node
 * discovery, the trace events the wrappers record, and clock alignment
 * (offsets measured at start; causality of timestamps across ranks).
 *
 *     DSGD_TEST_CLOCK_SKEW=1.5 mpiexec -np 4 test_exec_comm   (at least 3 ranks) */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/comm.h"
#include "algorithms/comm_backend.h" /* a backend test: reads the trace and group members */
#include "exec/exec.h"

static int failures;
static int me;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "rank %d: FAIL line %d: ", me, __LINE__);                              \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

static void p2p_blocking(dsgd_comm *c)
{
    int n = dsgd_size(c), next = (me + 1) % n, prev = (me + n - 1) % n;
    /* A ring: even ranks send first so that blocking calls cannot deadlock. */
    int out[3] = {me, me * 10, -me}, in[3] = {-1, -1, -1};
    dsgd_msg_info info = {-1, -1, 0};
    int rc1, rc2;
    if (me % 2 == 0) {
        rc1 = dsgd_send(c, next, 5, out, sizeof out);
        rc2 = dsgd_recv(c, prev, 5, in, sizeof in, &info);
    } else {
        rc2 = dsgd_recv(c, prev, 5, in, sizeof in, &info);
        rc1 = dsgd_send(c, next, 5, out, sizeof out);
    }
    CHECK(rc1 == DSGD_OK && rc2 == DSGD_OK, "ring send/recv: %d %d", rc1, rc2);
    CHECK(in[0] == prev && in[1] == prev * 10 && in[2] == -prev, "ring payload %d %d %d", in[0],
          in[1], in[2]);
    CHECK(info.source == prev && info.tag == 5 && info.bytes == sizeof out,
          "ring info: source %d tag %d bytes %zu", info.source, info.tag, info.bytes);
    /* Invalid arguments are refused by the wrapper, not passed to MPI. */
    CHECK(dsgd_send(c, n, 0, out, 4) == DSGD_EINVAL, "send to rank %d accepted", n);
    CHECK(dsgd_send(c, next, DSGD_TAG_MAX + 1, out, 4) == DSGD_EINVAL, "tag too large accepted");
}

static void any_source_and_probe(dsgd_comm *c)
{
    int n = dsgd_size(c);
    if (me != 0) {
        double v = 100.0 + me;
        CHECK(dsgd_send(c, 0, 7, &v, sizeof v) == DSGD_OK, "send to 0");
        char big[12] = "hello probe";
        if (me == 1)
            CHECK(dsgd_send(c, 0, 8, big, sizeof big) == DSGD_OK, "send probe payload");
        return;
    }
    int seen[64] = {0};
    for (int k = 1; k < n; k++) {
        double v = 0;
        dsgd_msg_info info;
        int rc = dsgd_recv(c, DSGD_ANY_SOURCE, 7, &v, sizeof v, &info);
        CHECK(rc == DSGD_OK && info.source >= 1 && info.source < n && v == 100.0 + info.source &&
                  info.tag == 7 && info.bytes == sizeof v,
              "any-source recv: rc %d source %d value %g", rc, info.source, v);
        if (info.source >= 1 && info.source < n)
            seen[info.source]++;
    }
    for (int r = 1; r < n; r++)
        CHECK(seen[r] == 1, "any-source: rank %d seen %d times", r, seen[r]);
    /* Probe until rank 1's tag-8 message is there; it must not be consumed. */
    int flag = 0;
    dsgd_msg_info info = {-1, -1, 0};
    for (long spins = 0; !flag && spins < 100000000L; spins++)
        CHECK(dsgd_probe(c, DSGD_ANY_SOURCE, 8, &flag, &info) == DSGD_OK, "probe failed");
    CHECK(flag && info.source == 1 && info.tag == 8 && info.bytes == 12,
          "probe: flag %d source %d tag %d bytes %zu", flag, info.source, info.tag, info.bytes);
    int again = 0;
    dsgd_probe(c, 1, 8, &again, NULL);
    CHECK(again, "probe consumed the message");
    /* Too small a buffer: truncation is reported, not a crash. */
    char small[4];
    CHECK(dsgd_recv(c, 1, 8, small, sizeof small, NULL) == DSGD_ETRUNC, "no DSGD_ETRUNC");
    int none = 1;
    dsgd_probe(c, DSGD_ANY_SOURCE, 9, &none, NULL);
    CHECK(!none, "probe found a message nobody sent");
}

static void nonblocking(dsgd_comm *c)
{
    int n = dsgd_size(c);
    /* Everyone exchanges with rank 0 using isend/irecv; rank 0 completes its
     * receives with waitany and checks each completes exactly once. */
    if (me == 0) {
        dsgd_request *reqs[64];
        int vals[64];
        for (int r = 1; r < n; r++) {
            vals[r] = -1;
            CHECK(dsgd_irecv(c, r, 20 + r, &vals[r], sizeof(int), &reqs[r - 1]) == DSGD_OK,
                  "irecv");
        }
        int done[64] = {0};
        for (int k = 1; k < n; k++) {
            int index = -1;
            dsgd_msg_info info;
            CHECK(dsgd_waitany(c, reqs, n - 1, &index, &info) == DSGD_OK, "waitany");
            CHECK(index >= 0 && index < n - 1 && reqs[index] == NULL, "waitany index %d", index);
            if (index < 0 || index >= n - 1)
                continue;
            int r = index + 1;
            done[r]++;
            CHECK(info.source == r && info.tag == 20 + r && vals[r] == 1000 + r,
                  "waitany: source %d tag %d value %d (slot %d)", info.source, info.tag, vals[r],
                  r);
        }
        for (int r = 1; r < n; r++)
            CHECK(done[r] == 1, "request %d completed %d times", r, done[r]);
        int index = 0;
        CHECK(dsgd_waitany(c, reqs, n - 1, &index, NULL) == DSGD_EINVAL,
              "waitany over no live request");
    } else {
        int v = 1000 + me;
        dsgd_request *req = NULL;
        CHECK(dsgd_isend(c, 0, 20 + me, &v, sizeof v, &req) == DSGD_OK, "isend");
        CHECK(dsgd_wait(c, &req, NULL) == DSGD_OK && req == NULL, "wait on isend");
    }
    /* test: not done before the sender sends (held back by a barrier),
     * done with the right value after. */
    if (me == 0) {
        int v = -1, done = 1;
        dsgd_request *req;
        CHECK(dsgd_irecv(c, 1, 30, &v, sizeof v, &req) == DSGD_OK, "irecv for test");
        CHECK(dsgd_test(c, &req, &done, NULL) == DSGD_OK && !done && req != NULL,
              "test completed before the message was sent");
        dsgd_barrier(c, NULL);
        dsgd_msg_info info;
        while (!done)
            CHECK(dsgd_test(c, &req, &done, &info) == DSGD_OK, "test");
        CHECK(req == NULL && v == 4242 && info.source == 1, "test: value %d source %d", v,
              info.source);
    } else {
        dsgd_barrier(c, NULL);
        if (me == 1) {
            int v = 4242;
            CHECK(dsgd_send(c, 0, 30, &v, sizeof v) == DSGD_OK, "send for test");
        }
    }
}

static void collectives(dsgd_comm *c, dsgd_group *g, const char *what)
{
    int n = dsgd_group_size(c, g), idx = dsgd_group_index(c, g);
    const int *world = g ? g->ranks : NULL;
#define WORLD(i) (world ? world[i] : (i))
    float buf[5];
    for (int i = 0; i < 5; i++)
        buf[i] = (float)(me + 1) * (i + 1);
    float sum_ranks = 0;
    for (int i = 0; i < n; i++)
        sum_ranks += (float)(WORLD(i) + 1);
    CHECK(dsgd_allreduce(c, g, buf, 5) == DSGD_OK, "%s allreduce", what);
    for (int i = 0; i < 5; i++)
        CHECK(buf[i] == sum_ranks * (i + 1), "%s allreduce[%d] = %g, want %g", what, i, buf[i],
              sum_ranks * (i + 1));
    /* reduce to the last group index */
    int root = n - 1;
    for (int i = 0; i < 5; i++)
        buf[i] = (float)(me + 1);
    CHECK(dsgd_reduce(c, g, root, buf, 5) == DSGD_OK, "%s reduce", what);
    if (idx == root)
        CHECK(buf[0] == sum_ranks && buf[4] == sum_ranks, "%s reduce at root: %g", what, buf[0]);
    CHECK(dsgd_reduce(c, g, n, buf, 5) == DSGD_EINVAL, "%s reduce to root %d accepted", what, n);
    /* bcast from group index 0 (not always world rank 0) */
    char msg[16];
    snprintf(msg, sizeof msg, idx == 0 ? "from %d" : "junk %d", me);
    CHECK(dsgd_bcast(c, g, 0, msg, sizeof msg) == DSGD_OK, "%s bcast", what);
    char want[16];
    snprintf(want, sizeof want, "from %d", WORLD(0));
    CHECK(strcmp(msg, want) == 0, "%s bcast got '%s', want '%s'", what, msg, want);
    /* allgather in group order */
    int mine[2] = {me, idx}, all[2 * 64];
    CHECK(dsgd_allgather(c, g, mine, sizeof mine, all) == DSGD_OK, "%s allgather", what);
    for (int i = 0; i < n; i++)
        CHECK(all[2 * i] == WORLD(i) && all[2 * i + 1] == i, "%s allgather[%d] = %d,%d", what, i,
              all[2 * i], all[2 * i + 1]);
    CHECK(dsgd_barrier(c, g) == DSGD_OK, "%s barrier", what);
    /* iallreduce, completed once by wait and once by test */
    float a[3] = {1, 2, (float)me}, b[3] = {10, 20, (float)(2 * me)};
    dsgd_request *ra, *rb;
    CHECK(dsgd_iallreduce(c, g, a, 3, &ra) == DSGD_OK, "%s iallreduce a", what);
    CHECK(dsgd_iallreduce(c, g, b, 3, &rb) == DSGD_OK, "%s iallreduce b", what);
    CHECK(dsgd_wait(c, &ra, NULL) == DSGD_OK, "%s wait iallreduce", what);
    int done = 0;
    while (!done)
        CHECK(dsgd_test(c, &rb, &done, NULL) == DSGD_OK, "%s test iallreduce", what);
    float sum_me = sum_ranks - n; /* sum of world ranks */
    CHECK(a[0] == n && a[1] == 2 * n && a[2] == sum_me, "%s iallreduce a = %g %g %g", what, a[0],
          a[1], a[2]);
    CHECK(b[0] == 10 * n && b[2] == 2 * sum_me, "%s iallreduce b = %g %g", what, b[0], b[2]);
    /* Phantom payloads move sizes only and succeed. */
    CHECK(dsgd_allreduce(c, g, NULL, 1000) == DSGD_OK, "%s phantom allreduce", what);
    CHECK(dsgd_allgather(c, g, NULL, 64, NULL) == DSGD_OK, "%s phantom allgather", what);
#undef WORLD
}

static void groups(dsgd_comm *c)
{
    int n = dsgd_size(c);
    /* Two groups: even ranks in descending order, odd ranks ascending. */
    int even[64], odd[64], ne = 0, no = 0;
    for (int r = n - 1; r >= 0; r--)
        if (r % 2 == 0)
            even[ne++] = r;
    for (int r = 0; r < n; r++)
        if (r % 2 == 1)
            odd[no++] = r;
    dsgd_group *g = NULL;
    int rc = me % 2 == 0 ? dsgd_group_create(c, even, ne, &g) : dsgd_group_create(c, odd, no, &g);
    CHECK(rc == DSGD_OK && g, "group_create: %d", rc);
    if (!g)
        return;
    int want_idx = me % 2 == 0 ? (ne - 1 - me / 2) : me / 2;
    CHECK(dsgd_group_index(c, g) == want_idx && dsgd_group_size(c, g) == (me % 2 ? no : ne),
          "group index %d size %d", dsgd_group_index(c, g), dsgd_group_size(c, g));
    collectives(c, g, me % 2 ? "odd group" : "even group");
    dsgd_group_free(c, g);
    int not_me[1] = {(me + 1) % n};
    CHECK(dsgd_group_create(c, not_me, 1, &g) == DSGD_EINVAL && !g,
          "a group without the caller was accepted");
}

static void nodes(dsgd_comm *c)
{
    /* Every rank of this test runs on this one machine. */
    CHECK(dsgd_node_count(c) == 1, "node_count %d on one host", dsgd_node_count(c));
    for (int r = 0; r < dsgd_size(c); r++)
        CHECK(dsgd_node_of(c, r) == 0, "node_of(%d) = %d", r, dsgd_node_of(c, r));
    CHECK(dsgd_node_of(c, dsgd_size(c)) == DSGD_EINVAL, "node_of out of range accepted");
}

/* Aligned clocks are causal: a message is received after it was sent, and
 * rank 0's view of a round trip brackets the peer's timestamp, to within
 * the peer's own bound on its offset error.  Run with DSGD_TEST_CLOCK_SKEW
 * (ctest does) so that the raw clocks disagree by seconds and only the
 * alignment can make this hold. */
static void clocks(dsgd_comm *c)
{
    double bound;
    double offset = dsgd_exec_clock_offset(c, &bound);
    CHECK(me != 0 || (offset == 0 && bound == 0), "rank 0 offset %g", offset);
    const char *skew = getenv("DSGD_TEST_CLOCK_SKEW");
    if (skew) /* the injected skew of rank me is me * skew: the offset undoes it */
        CHECK(fabs(offset + me * atof(skew)) <= bound + 1e-6, "offset %.9f s, injected %.9f s",
              offset, me * atof(skew));
    /* A loaded machine can deschedule ranks for milliseconds. */
    CHECK(bound >= 0 && bound < 1.0, "round trip bound %g s", bound);
    int n = dsgd_size(c);
    for (int r = 1; r < n; r++) {
        if (me == 0) {
            double t_send = dsgd_now(c), peer[2] = {0, 0};
            dsgd_send(c, r, 40, &t_send, sizeof t_send);
            dsgd_recv(c, r, 41, peer, sizeof peer, NULL);
            double t_back = dsgd_now(c);
            double slack = peer[1] + 1e-5; /* the peer's bound, and clock reads */
            CHECK(t_send <= peer[0] + slack && peer[0] <= t_back + slack,
                  "rank %d's clock out of line: sent %.6f, peer %.6f (+/- %.6f), back %.6f", r,
                  t_send, peer[0], peer[1], t_back);
        } else if (me == r) {
            double t_send, peer[2];
            dsgd_recv(c, 0, 40, &t_send, sizeof t_send, NULL);
            peer[0] = dsgd_now(c);
            peer[1] = bound;
            dsgd_send(c, 0, 41, peer, sizeof peer);
        }
    }
    CHECK(dsgd_now(c) >= 0 && dsgd_now(c) < 60, "now() = %g, not from the common start",
          dsgd_now(c));
}

/* The wrappers recorded one event per operation with the right kinds. */
static void trace_events(dsgd_comm *c)
{
    size_t kinds[DSGD_EV_KIND_COUNT] = {0};
    for (size_t i = 0; i < c->trace->count; i++)
        kinds[c->trace->events[i].kind]++;
    CHECK(kinds[DSGD_EV_COLLECTIVE] >= 10, "%zu collective events", kinds[DSGD_EV_COLLECTIVE]);
    CHECK(kinds[DSGD_EV_SEND] >= 1 && kinds[DSGD_EV_RECV] >= 1, "send %zu recv %zu events",
          kinds[DSGD_EV_SEND], kinds[DSGD_EV_RECV]);
    for (size_t i = 0; i < c->trace->count; i++) {
        const dsgd_event *e = &c->trace->events[i];
        CHECK(e->rank == me && e->t1 >= e->t0, "event %zu (%s): rank %d, %g..%g", i, e->name,
              e->rank, e->t0, e->t1);
    }
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    dsgd_comm *c = dsgd_exec_comm_create(1, 0, NULL);
    if (!c) {
        fprintf(stderr, "cannot create the communicator\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    me = dsgd_rank(c);
    if (dsgd_size(c) < 3) {
        if (me == 0)
            fprintf(stderr, "run with at least 3 ranks\n");
        MPI_Finalize();
        return 1;
    }
    CHECK(strcmp(dsgd_backend_name(c), "exec") == 0, "backend %s", dsgd_backend_name(c));
    p2p_blocking(c);
    any_source_and_probe(c);
    nonblocking(c);
    collectives(c, NULL, "world");
    groups(c);
    nodes(c);
    clocks(c);
    trace_events(c);
    double bound;
    double offset = dsgd_exec_clock_offset(c, &bound);
    int total = 0;
    MPI_Allreduce(&failures, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (me == dsgd_size(c) - 1)
        printf("rank %d clock offset %.3g s (+/- %.3g s)\n", me, offset, bound);
    if (me == 0)
        printf("exec comm: %d ranks, %d failures\n", dsgd_size(c), total);
    dsgd_exec_comm_destroy(c);
    MPI_Finalize();
    return total != 0;
}

/* comm_conformance.c — the checks (see the header).  Patterns are MPI-safe:
 * no blocking send is left waiting on a receive posted later by its peer,
 * and no rank busy-waits (pollers compute between polls, so simulated time
 * advances). */
#include "tests/comm_conformance.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/comm_backend.h" /* to strip slots off the backend's ops table */
#include "tests/check.h"


/* Some work that takes time on every backend. */
static void pause_a_little(dsgd_comm *c)
{
    dsgd_work work = {.layer_calls = 1};
    work.flops[DSGD_LAYER_DENSE] = 2e6;
    double t0 = dsgd_now(c);
    volatile double sink = 0;
    for (int i = 0; i < 200000; i++)
        sink += i * 1e-9;
    dsgd_compute(c, "pause", &work, t0);
}

static int ring_exchange(dsgd_comm *c)
{
    int n = dsgd_size(c), me = dsgd_rank(c), got = -1;
    dsgd_request *send;
    dsgd_msg_info info;
    if (dsgd_isend(c, (me + 1) % n, 7, &me, sizeof me, &send) ||
        dsgd_recv(c, (me - 1 + n) % n, 7, &got, sizeof got, &info) || dsgd_wait(c, &send, NULL))
        FAIL(1, "ring exchange returned an error");
    if (got != (me - 1 + n) % n || info.source != got || info.tag != 7 || info.bytes != sizeof got)
        FAIL(2, "ring exchange got %d from %d tag %d (%zu bytes)", got, info.source, info.tag,
             info.bytes);
    return 0;
}

static int any_source_and_order(dsgd_comm *c)
{
    int n = dsgd_size(c), me = dsgd_rank(c);
    if (me != 0) {
        if (dsgd_send(c, 0, 3, &me, sizeof me))
            FAIL(3, "send to 0 failed");
        if (me == 1)
            for (int k = 0; k < 5; k++)
                if (dsgd_send(c, 0, 4, &k, sizeof k))
                    FAIL(3, "ordered send failed");
        return 0;
    }
    int seen[64] = {0};
    for (int k = 1; k < n; k++) {
        int v = -1;
        dsgd_msg_info info;
        if (dsgd_recv(c, DSGD_ANY_SOURCE, 3, &v, sizeof v, &info))
            FAIL(4, "any-source receive failed");
        if (v != info.source || v < 1 || v >= n || seen[v]++)
            FAIL(5, "any-source receive got %d from %d", v, info.source);
    }
    for (int k = 0; k < 5; k++) {
        int v = -1;
        if (dsgd_recv(c, 1, 4, &v, sizeof v, NULL) || v != k)
            FAIL(6, "message %d from rank 1 arrived as %d: order lost", k, v);
    }
    return 0;
}

/* Rank 1 sends tag 10 then tag 11 to rank 2 (non-blocking); rank 2
 * receives 11 first: matching is by tag, not arrival. */
static int tag_matching(dsgd_comm *c)
{
    int me = dsgd_rank(c);
    if (me == 1) {
        int a = 10, b = 11;
        dsgd_request *r1, *r2;
        if (dsgd_isend(c, 2, 10, &a, sizeof a, &r1) || dsgd_isend(c, 2, 11, &b, sizeof b, &r2) ||
            dsgd_wait(c, &r2, NULL) || dsgd_wait(c, &r1, NULL))
            FAIL(7, "tagged sends failed");
    } else if (me == 2) {
        int x = 0, y = 0;
        if (dsgd_recv(c, 1, 11, &x, sizeof x, NULL) || dsgd_recv(c, 1, 10, &y, sizeof y, NULL))
            FAIL(8, "tagged receives failed");
        if (x != 11 || y != 10)
            FAIL(9, "tag 11 gave %d, tag 10 gave %d", x, y);
    }
    return 0;
}

/* Probe sees a message without taking it; test completes a receive. */
static int probe_and_test(dsgd_comm *c)
{
    int me = dsgd_rank(c);
    if (me == 1) {
        double payload[3] = {1.5, 2.5, 3.5};
        int go = 0;
        if (dsgd_send(c, 0, 20, payload, sizeof payload) || dsgd_send(c, 0, 21, &go, sizeof go))
            FAIL(10, "sends for probe failed");
    } else if (me == 0) {
        int flag = 0, go;
        dsgd_msg_info info;
        if (dsgd_recv(c, 1, 21, &go, sizeof go, NULL))
            FAIL(11, "receive before probe failed");
        for (int tries = 0; !flag && tries < 1000; tries++) {
            if (dsgd_probe(c, DSGD_ANY_SOURCE, 20, &flag, &info))
                FAIL(12, "probe failed");
            if (!flag)
                pause_a_little(c);
        }
        if (!flag || info.source != 1 || info.bytes != 3 * sizeof(double))
            FAIL(13, "probe: flag %d source %d bytes %zu", flag, info.source, info.bytes);
        int again = 0;
        if (dsgd_probe(c, 1, 20, &again, &info) || !again)
            FAIL(14, "a probed message vanished before its receive");
        double got[3] = {0};
        dsgd_request *req;
        int done = 0;
        if (dsgd_irecv(c, 1, 20, got, sizeof got, &req))
            FAIL(15, "irecv failed");
        for (int tries = 0; !done && tries < 1000; tries++) {
            if (dsgd_test(c, &req, &done, &info))
                FAIL(16, "test failed");
            if (!done)
                pause_a_little(c);
        }
        if (!done || got[0] != 1.5 || got[2] != 3.5 || req != NULL)
            FAIL(17, "test-completed receive: done %d values %g %g", done, got[0], got[2]);
        if (dsgd_probe(c, 1, 20, &again, &info) || again)
            FAIL(18, "probe still sees a received message");
    }
    return 0;
}

/* Rank 0 waits for receives from 1 and 2 with waitany; both complete once
 * each with the right values. */
static int wait_any(dsgd_comm *c)
{
    int me = dsgd_rank(c);
    if (me == 1 || me == 2) {
        int v = 100 + me;
        if (dsgd_send(c, 0, 30 + me, &v, sizeof v))
            FAIL(19, "send for waitany failed");
    } else if (me == 0) {
        int v[2] = {0, 0}, index, seen = 0;
        dsgd_request *reqs[2];
        if (dsgd_irecv(c, 1, 31, &v[0], sizeof v[0], &reqs[0]) ||
            dsgd_irecv(c, 2, 32, &v[1], sizeof v[1], &reqs[1]))
            FAIL(20, "irecvs for waitany failed");
        for (int k = 0; k < 2; k++) {
            dsgd_msg_info info;
            if (dsgd_waitany(c, reqs, 2, &index, &info) || index < 0 || index > 1 || reqs[index])
                FAIL(21, "waitany failed (index %d)", index);
            if (info.source != index + 1)
                FAIL(22, "waitany index %d completed a message from %d", index, info.source);
            seen |= 1 << index;
        }
        if (seen != 3 || v[0] != 101 || v[1] != 102)
            FAIL(23, "waitany values %d %d", v[0], v[1]);
    }
    return 0;
}

/* Non-blocking allreduce overlapping compute: waited for, then polled. */
static int nonblocking_allreduce(dsgd_comm *c)
{
    int n = dsgd_size(c), me = dsgd_rank(c);
    enum { COUNT = 1000 };
    static float a[COUNT], b[COUNT]; /* one rank at a time touches them per backend process */
    float mine_a[COUNT], mine_b[COUNT];
    (void)a, (void)b;
    for (int i = 0; i < COUNT; i++) {
        mine_a[i] = (float)(me + 1);
        mine_b[i] = (float)(i % 3) * (float)(me + 1);
    }
    dsgd_request *ra, *rb;
    if (dsgd_iallreduce(c, NULL, mine_a, COUNT, &ra) ||
        dsgd_iallreduce(c, NULL, mine_b, COUNT, &rb))
        FAIL(24, "iallreduce failed to start");
    pause_a_little(c);
    int done = 0;
    for (int tries = 0; !done && tries < 100000; tries++) {
        if (dsgd_test(c, &rb, &done, NULL))
            FAIL(25, "test on iallreduce failed");
        if (!done)
            pause_a_little(c);
    }
    if (!done || dsgd_wait(c, &ra, NULL))
        FAIL(26, "iallreduce did not complete");
    float total = (float)(n * (n + 1) / 2);
    for (int i = 0; i < COUNT; i++)
        if (mine_a[i] != total || mine_b[i] != (float)(i % 3) * total)
            FAIL(27, "iallreduce element %d: %g and %g", i, mine_a[i], mine_b[i]);
    return 0;
}

/* Every slot NULL: the verbs that return a status say DSGD_ENOTIMPL and
 * touch nothing; the others fall back as comm.h says. */
static int no_slots(dsgd_comm *c)
{
    int n = dsgd_size(c), me = dsgd_rank(c), x = 7, flag = -1;
    float v = 1, gathered[64];
    dsgd_request *req = NULL;
    dsgd_group *g = NULL, *live = NULL;
    dsgd_msg_info info = {-1, -1, 0};
    struct {
        const char *verb;
        int rc;
    } calls[] = {
        {"send", dsgd_send(c, me, 40, &x, sizeof x)},
        {"recv", dsgd_recv(c, me, 40, &x, sizeof x, &info)},
        {"isend", dsgd_isend(c, me, 40, &x, sizeof x, &req)},
        {"irecv", dsgd_irecv(c, me, 40, &x, sizeof x, &req)},
        {"wait", dsgd_wait(c, &req, &info)},
        {"test", dsgd_test(c, &req, &flag, &info)},
        {"waitany", dsgd_waitany(c, &req, 1, &flag, &info)},
        {"probe", dsgd_probe(c, me, 40, &flag, &info)},
        {"group_create", dsgd_group_create(c, &me, 1, &g)},
        {"allreduce", dsgd_allreduce(c, NULL, &v, 1)},
        {"iallreduce", dsgd_iallreduce(c, NULL, &v, 1, &req)},
        {"reduce", dsgd_reduce(c, NULL, 0, &v, 1)},
        {"bcast", dsgd_bcast(c, NULL, 0, &v, sizeof v)},
        {"allgather", dsgd_allgather(c, NULL, &v, sizeof v, gathered)},
        {"barrier", dsgd_barrier(c, NULL)},
        {"stop_vote", dsgd_stop_vote(c, 1, 1, &flag)},
        {"tally", dsgd_tally(c, 1, &(long){0})},
    };
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++)
        if (calls[i].rc != DSGD_ENOTIMPL)
            FAIL(30, "%s without its slot returned %d, want DSGD_ENOTIMPL", calls[i].verb,
                 calls[i].rc);
    if (req || g || x != 7 || v != 1 || flag != -1 || info.source != -1)
        FAIL(31,
             "a verb without its slot left something behind (request %p, group %p, x %d, "
             "v %g, flag %d)",
             (void *)req, (void *)g, x, v, flag);
    if (!isnan(dsgd_now(c)) || dsgd_node_count(c) != n || dsgd_node_of(c, n - 1) != n - 1 ||
        dsgd_failed(c, 0) || strcmp(dsgd_backend_name(c), "unnamed") != 0)
        FAIL(32, "defaults: now %g, %d nodes, rank %d on node %d, failed(0) %d, name %s",
             dsgd_now(c), dsgd_node_count(c), n - 1, dsgd_node_of(c, n - 1), dsgd_failed(c, 0),
             dsgd_backend_name(c));
    dsgd_work work = {.layer_calls = 1};
    if (dsgd_compute(c, "none", &work, 0) || dsgd_io(c, "none", 1, 0) ||
        dsgd_memory(c, "none", 1, 0) || dsgd_group_survivors(c, NULL, &live) || live)
        FAIL(33, "charges or survivors without slots failed");
    /* A group whose backend state group_free would release: nothing to. */
    g = calloc(1, sizeof *g);
    int *ranks = malloc(sizeof *ranks);
    if (!g || !ranks) {
        free(g);
        free(ranks);
        FAIL(34, "out of memory");
    }
    *g = (dsgd_group){.n = 1, .ranks = ranks, .my_index = 0, .impl = &x};
    dsgd_group_free(c, g);
    return 0;
}

/* Some slots NULL, the rest the backend's: a request made by the real
 * isend and irecv stays pending through the missing wait, test and
 * waitany, and completes once the slots are back. */
static int some_slots(dsgd_comm *c, const dsgd_comm_ops *real, dsgd_comm_ops *partial)
{
    int me = dsgd_rank(c), out = 1000 + me, in = -1, done = -1, index = -1, flag = -1;
    float v[2] = {1, 2};
    dsgd_request *reqs[3] = {NULL, NULL, NULL}; /* receive, send, allreduce */
    dsgd_msg_info info = {-1, -1, 0};
    if (dsgd_irecv(c, me, 41, &in, sizeof in, &reqs[0]) ||
        dsgd_isend(c, me, 41, &out, sizeof out, &reqs[1]))
        FAIL(35, "isend or irecv (provided) failed");
    int rc[] = {dsgd_wait(c, &reqs[0], &info),
                dsgd_test(c, &reqs[1], &done, NULL),
                dsgd_waitany(c, reqs, 2, &index, NULL),
                dsgd_probe(c, me, 41, &flag, &info),
                dsgd_iallreduce(c, NULL, v, 2, &reqs[2]),
                dsgd_reduce(c, NULL, 0, v, 2)};
    for (size_t i = 0; i < sizeof rc / sizeof rc[0]; i++)
        if (rc[i] != DSGD_ENOTIMPL)
            FAIL(36, "call %zu without its slot returned %d, want DSGD_ENOTIMPL", i, rc[i]);
    /* (in is the pending receive's: MPI may have filled it already.) */
    if (!reqs[0] || !reqs[1] || reqs[2] || v[0] != 1 || v[1] != 2 || index != -1)
        FAIL(37, "requests %p %p %p, v %g %g, index %d after missing slots", (void *)reqs[0],
             (void *)reqs[1], (void *)reqs[2], v[0], v[1], index);
    c->ops = real;
    int rc_recv = dsgd_wait(c, &reqs[0], &info), rc_send = dsgd_wait(c, &reqs[1], NULL);
    c->ops = partial;
    if (rc_recv || rc_send || in != out || info.source != me || info.tag != 41)
        FAIL(38, "the pending requests completed with %d %d: got %d from %d tag %d", rc_recv,
             rc_send, in, info.source, info.tag);
    return 0;
}

/* comm.h, "Verbs a backend lacks": the same comm with a copy of its
 * backend's ops table, some slots or all of them NULL. */
static int missing_slots(dsgd_comm *c)
{
    const dsgd_comm_ops *real = c->ops;
    dsgd_comm_ops none = {0}, partial = *real;
    partial.wait = NULL;
    partial.test = NULL;
    partial.waitany = NULL;
    partial.probe = NULL;
    partial.iallreduce = NULL;
    partial.reduce = NULL;
    c->ops = &none;
    int rc = no_slots(c);
    c->ops = &partial;
    if (rc == 0)
        rc = some_slots(c, real, &partial);
    c->ops = real;
    return rc;
}

/* Some work that takes a while on every backend (tens of ms of wall time,
 * ms of simulated time: many message latencies). */
static void linger(dsgd_comm *c)
{
    for (int i = 0; i < 300; i++)
        pause_a_little(c);
}

/* waitany over a non-blocking allreduce and a receive from rank 1, on rank
 * 0: the one that completes first comes first, then the other.  With
 * message_first, rank 1 sends the message, then a go-ahead that rank 0
 * receives before it starts the allreduce (so the message is in); else
 * rank 1 sends it a while after its allreduce has completed. */
static int allreduce_or_message(dsgd_comm *c, int message_first)
{
    int n = dsgd_size(c), me = dsgd_rank(c), tag = 50 + message_first;
    int message = 5000 + tag, got = -1, go = 0;
    enum { COUNT = 16 };
    float v[COUNT];
    for (int i = 0; i < COUNT; i++)
        v[i] = (float)((me + 1) * (i + 1));
    /* The one expected first sits at index 1: a waitany that looked only
     * at the lowest index, or woke late, would return the other. */
    int allreduce = message_first ? 0 : 1, receive = 1 - allreduce;
    dsgd_request *reqs[2] = {NULL, NULL};
    if (me == 1 && message_first &&
        (dsgd_send(c, 0, tag, &message, sizeof message) || dsgd_send(c, 0, 52, &go, sizeof go)))
        FAIL(40, "sends before the allreduce failed");
    if (me == 0 && (dsgd_irecv(c, 1, tag, &got, sizeof got, &reqs[receive]) ||
                    (message_first && dsgd_recv(c, 1, 52, &go, sizeof go, NULL))))
        FAIL(41, "receives before the allreduce failed");
    if (dsgd_iallreduce(c, NULL, v, COUNT, &reqs[allreduce]))
        FAIL(42, "iallreduce failed to start");
    if (me != 0) {
        if (dsgd_wait(c, &reqs[allreduce], NULL))
            FAIL(43, "iallreduce failed");
        if (me == 1 && !message_first) {
            linger(c);
            if (dsgd_send(c, 0, tag, &message, sizeof message))
                FAIL(40, "send after the allreduce failed");
        }
    } else {
        int order[2] = {-1, -1};
        for (int k = 0; k < 2; k++) {
            dsgd_msg_info info = {-1, -1, 0};
            int rc = dsgd_waitany(c, reqs, 2, &order[k], &info);
            if (rc || order[k] < 0 || order[k] > 1 || reqs[order[k]])
                FAIL(44, "waitany over an allreduce and a receive: status %d index %d", rc,
                     order[k]);
            if (order[k] == receive && (info.source != 1 || info.tag != tag || got != message))
                FAIL(45, "waitany's receive: %d from %d tag %d", got, info.source, info.tag);
        }
        int want = message_first ? receive : allreduce;
        if (order[0] != want || order[1] != 1 - want)
            FAIL(46, "waitany completed index %d then %d, want %d (%s) first", order[0], order[1],
                 want, message_first ? "the receive" : "the allreduce");
    }
    float total = (float)(n * (n + 1) / 2);
    for (int i = 0; i < COUNT; i++)
        if (v[i] != total * (float)(i + 1))
            FAIL(47, "allreduce element %d: %g, want %g", i, v[i], total * (float)(i + 1));
    return 0;
}

/* A request set on rank 0 (dsgd_waitset): completions come in the order
 * they happen whatever the slots; a range sees only its slots (a message
 * that came first waits outside it); the lowest complete slot comes first;
 * a request completed by dsgd_wait leaves the set; an empty range is
 * DSGD_EINVAL; a large (rendezvous) send completes in the set once its
 * receiver has it. */
static int request_set(dsgd_comm *c)
{
    enum { BIG = 32768 }; /* floats: 128 KiB, past any eager limit */
    int me = dsgd_rank(c), v = 200 + me;
    static float big[3][BIG]; /* (a rank's own row) */
    if (me == 2) {
        if (dsgd_send(c, 0, 60, &v, sizeof v))
            FAIL(60, "rank 2's first send failed");
        linger(c);
        if (dsgd_send(c, 0, 63, &v, sizeof v) || dsgd_send(c, 0, 64, &v, sizeof v))
            FAIL(60, "rank 2's later sends failed");
    } else if (me == 1) {
        linger(c);
        if (dsgd_send(c, 0, 60, &v, sizeof v))
            FAIL(60, "rank 1's first send failed");
        linger(c);
        if (dsgd_send(c, 0, 61, &v, sizeof v) || dsgd_send(c, 0, 63, &v, sizeof v))
            FAIL(60, "rank 1's later sends failed");
        linger(c);
        if (dsgd_recv(c, 0, 65, big[1], sizeof big[1], NULL) || big[1][BIG - 1] != 7.0f)
            FAIL(60, "rank 1's large receive failed");
    }
    if (me != 0)
        return 0;
    dsgd_request *reqs[8] = {NULL};
    dsgd_reqset *set;
    int got[8], index = -1;
    dsgd_msg_info info;
    for (int i = 0; i < 8; i++)
        got[i] = -1;
    if (dsgd_reqset_open(c, reqs, 8, &set) || dsgd_irecv(c, 1, 60, &got[5], sizeof got[5], &reqs[5]) ||
        dsgd_irecv(c, 2, 60, &got[2], sizeof got[2], &reqs[2]) ||
        dsgd_irecv(c, DSGD_ANY_SOURCE, 61, &got[6], sizeof got[6], &reqs[6]))
        FAIL(61, "request set: open or receives failed");
    static const int want_slot[] = {2, 5, 6}, want_from[] = {2, 1, 1};
    for (int k = 0; k < 3; k++) {
        if (dsgd_waitset(c, set, k == 2 ? 6 : 0, k == 2 ? 7 : 8, &index, &info) || reqs[index])
            FAIL(62, "waitset %d failed (slot %d)", k, index);
        if (index != want_slot[k] || info.source != want_from[k] || got[index] != 200 + want_from[k])
            FAIL(63, "waitset %d: slot %d from %d (%d), want slot %d from %d", k, index, info.source,
                 got[index], want_slot[k], want_from[k]);
    }
    /* rank 1's tag-63 message comes first, into slot 1, outside [2, 8);
     * rank 2's tag 64 into slot 0, waited for by dsgd_wait */
    if (dsgd_irecv(c, 2, 63, &got[7], sizeof got[7], &reqs[7]) ||
        dsgd_irecv(c, 1, 63, &got[1], sizeof got[1], &reqs[1]) ||
        dsgd_irecv(c, 2, 64, &got[0], sizeof got[0], &reqs[0]))
        FAIL(61, "request set: second receives failed");
    if (dsgd_waitset(c, set, 2, 4, &index, NULL) != DSGD_EINVAL)
        FAIL(64, "waitset over an empty range did not say DSGD_EINVAL");
    if (dsgd_waitset(c, set, 2, 4 + 4, &index, &info) || index != 7 || info.source != 2)
        FAIL(65, "waitset over [2, 8): slot %d from %d, want 7 from 2", index, info.source);
    if (dsgd_wait(c, &reqs[0], NULL) || got[0] != 202)
        FAIL(66, "wait on a set's request failed");
    if (dsgd_waitset(c, set, 0, 8, &index, &info) || index != 1 || info.source != 1 || got[1] != 201)
        FAIL(67, "waitset after a range: slot %d from %d, want 1 from 1", index, info.source);
    if (dsgd_waitset(c, set, 0, 8, &index, NULL) != DSGD_EINVAL)
        FAIL(68, "waitset with nothing posted did not say DSGD_EINVAL");
    for (int i = 0; i < BIG; i++)
        big[0][i] = 7.0f;
    if (dsgd_isend(c, 1, 65, big[0], sizeof big[0], &reqs[3]) ||
        dsgd_waitset(c, set, 0, 8, &index, NULL) || index != 3 || reqs[3])
        FAIL(69, "a large send in a set: slot %d", index);
    dsgd_reqset_close(c, set);
    return 0;
}

/* The control plane: every rank gets the decision of the first to reach a
 * boundary, whatever its own vote; a stop is final; the tally counts every
 * rank's additions. */
static int control_plane(dsgd_comm *c)
{
    int n = dsgd_size(c), me = dsgd_rank(c), stop[3] = {-1, -1, -1};
    float votes[3 * 64];
    /* boundary 1: only the last rank votes stop; 2: only rank 0, who is
     * first there (the others wait for its word); 3: nobody, after a stop */
    int token = 0;
    if (dsgd_stop_vote(c, 1, me == n - 1, &stop[0]) || dsgd_barrier(c, NULL))
        FAIL(50, "stop_vote returned an error");
    if (me == 0) {
        int rc = dsgd_stop_vote(c, 2, 1, &stop[1]);
        for (int r = 1; rc == DSGD_OK && r < n; r++)
            rc = dsgd_send(c, r, 41, &token, sizeof token);
        if (rc)
            FAIL(50, "stop_vote or send returned an error");
    } else if (dsgd_recv(c, 0, 41, &token, sizeof token, NULL) ||
               dsgd_stop_vote(c, 2, 0, &stop[1])) {
        FAIL(50, "recv or stop_vote returned an error");
    }
    if (dsgd_stop_vote(c, 3, 0, &stop[2]))
        FAIL(50, "stop_vote returned an error");
    float mine[3] = {(float)stop[0], (float)stop[1], (float)stop[2]};
    if (n > 64 || dsgd_allgather(c, NULL, mine, sizeof mine, votes))
        FAIL(51, "allgather of the decisions failed");
    for (int r = 0; r < n; r++)
        for (int b = 0; b < 3; b++)
            if (votes[3 * r + b] != votes[b])
                FAIL(52, "boundary %d: rank %d decided %g, rank 0 %g", b + 1, r,
                     votes[3 * r + b], votes[b]);
    if (votes[1] != 1 || votes[2] != 1)
        FAIL(53, "rank 0 voted stop first at boundary 2: decided %g, then %g at 3", votes[1],
             votes[2]);
    long total = 0;
    if (dsgd_tally(c, me + 1, &total) || total < me + 1 || total > (long)n * (n + 1) / 2)
        FAIL(54, "tally after adding %d: %ld", me + 1, total);
    if (dsgd_barrier(c, NULL) || dsgd_tally(c, 0, &total) || total != (long)n * (n + 1) / 2)
        FAIL(55, "tally of 1..%d: %ld, want %ld", n, total, (long)n * (n + 1) / 2);
    return 0;
}

int dsgd_conformance_program(dsgd_comm *c, const dsgd_job *job, dsgd_result *out)
{
    (void)job, (void)out;
    if (dsgd_size(c) < 3)
        return 99;
    int rc;
    if ((rc = ring_exchange(c)) || (rc = any_source_and_order(c)) || (rc = tag_matching(c)) ||
        (rc = probe_and_test(c)) || (rc = wait_any(c)) || (rc = nonblocking_allreduce(c)) ||
        (rc = missing_slots(c)) || (rc = allreduce_or_message(c, 0)) ||
        (rc = allreduce_or_message(c, 1)) || (rc = request_set(c)) || (rc = control_plane(c)))
        return rc;
    return dsgd_barrier(c, NULL) ? 98 : 0;
}

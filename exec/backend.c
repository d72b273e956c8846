/* backend.c — the comm.h ops table on MPI.  Real time passes by itself, so
 * the cost-charge slots stay NULL: the wrapper layer only records their
 * events.  Phantom buffers move the right number of bytes from a scratch
 * area, so communication is timed for real even when the math is
 * skipped. */
#define _POSIX_C_SOURCE 200809L
#include "exec/exec.h"

#include "algorithms/comm_backend.h"

#include "core/idle.h"
#include "core/progress.h"

#include <limits.h>
#include <mpi.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

/* The clock behind now(): CLOCK_MONOTONIC (dsgd_wall_seconds), whatever
 * timer the MPI library picked for MPI_Wtime (Open MPI's counts from each
 * process's own start).  Monotonic clocks of different machines differ by
 * an offset, which align_clocks measures, and drift by parts per million.
 * DSGD_TEST_CLOCK_SKEW (seconds, tests only) adds rank x skew to the raw
 * clock, so that one machine can play machines whose clocks disagree. */
static double clock_skew;

static double wall_clock(void) { return dsgd_wall_seconds() + clock_skew; }

typedef struct exec_state {
    dsgd_comm comm;
    double t_origin;     /* this rank's wall_clock() at rank 0's common start */
    double clock_offset; /* rank 0's clock minus this rank's (seconds) */
    double clock_error;  /* bound on the offset's error: half the best round trip */
    dsgd_trace trace;
    char *scratch; /* stands in for phantom buffers */
    size_t scratch_bytes;
    int *node; /* node index of every rank */
    /* The control plane (comm.h): on rank 0, the stop word and the tally, reached by one-sided
     * atomics under a lock_all epoch. */
    MPI_Win control;
    long *control_base;
    dsgd_exec_idle idle; /* what the rank does while it waits */
} exec_state;

typedef struct exec_request {
    MPI_Request req;
} exec_request;

static exec_state *self(dsgd_comm *c) { return (exec_state *)c; }

static MPI_Comm mpi_comm_of(dsgd_group *g) { return g ? *(MPI_Comm *)g->impl : MPI_COMM_WORLD; }

static int status_of(int mpi_rc) { return mpi_rc == MPI_SUCCESS ? DSGD_OK : DSGD_EBACKEND; }

/* Waiting.  Open MPI's blocking calls poll without pause (they leave the
 * core only under mpi_yield_when_idle, and then only for a sched_yield),
 * so a rank that waits for a slower one takes a core the working ranks
 * of a busy machine need.  Under DSGD_EXEC_IDLE_SLEEP every blocking verb
 * posts its non-blocking form and polls it with MPI_Test: for
 * DSGD_IDLE_SPIN_S without pause (a message about to land costs no
 * sleep), then with naps doubling from DSGD_IDLE_NAP_MIN_S to
 * DSGD_IDLE_NAP_MAX_S between polls (core/idle.h, which dsgd-sim's
 * --waits polled follows), each poll also driving MPI's progress.  The
 * longest nap bounds the latency a wait can add. */
typedef struct idle_wait {
    double start;
    long nap_ns;
} idle_wait;

static idle_wait idle_start(void)
{
    return (idle_wait){dsgd_wall_seconds(), (long)(DSGD_IDLE_NAP_MIN_S * 1e9)};
}

/* Between two polls of a request that has not completed. */
static void idle_pause(idle_wait *w)
{
    if (dsgd_wall_seconds() - w->start < DSGD_IDLE_SPIN_S)
        return;
    struct timespec nap = {0, w->nap_ns};
    nanosleep(&nap, NULL);
    if (w->nap_ns < (long)(DSGD_IDLE_NAP_MAX_S * 1e9))
        w->nap_ns *= 2;
}

/* MPI_Wait, the way the rank waits. */
static int finish(dsgd_comm *c, MPI_Request *req, MPI_Status *st)
{
    if (self(c)->idle != DSGD_EXEC_IDLE_SLEEP)
        return MPI_Wait(req, st);
    idle_wait w = idle_start();
    for (;;) {
        int done = 0;
        int rc = MPI_Test(req, &done, st);
        if (rc != MPI_SUCCESS || done)
            return rc;
        idle_pause(&w);
    }
}

/* MPI_Waitany, the way the rank waits. */
static int finish_any(dsgd_comm *c, int n, MPI_Request *reqs, int *which, MPI_Status *st)
{
    if (self(c)->idle != DSGD_EXEC_IDLE_SLEEP)
        return MPI_Waitany(n, reqs, which, st);
    idle_wait w = idle_start();
    for (;;) {
        int done = 0;
        int rc = MPI_Testany(n, reqs, which, &done, st);
        if (rc != MPI_SUCCESS || done)
            return rc;
        idle_pause(&w);
    }
}

/* A blocking collective or point-to-point call: its non-blocking form
 * (rc, req) completed the way the rank waits. */
static int finish_posted(dsgd_comm *c, int rc, MPI_Request *req, MPI_Status *st)
{
    return rc == MPI_SUCCESS ? finish(c, req, st) : rc;
}

/* The buffer to hand to MPI for count elements of elem_bytes: the
 * caller's, or scratch for a phantom one.  MPI counts are ints: a count
 * above INT_MAX is DSGD_EINVAL; scratch that cannot grow, DSGD_ENOMEM. */
static int mpi_buffer(dsgd_comm *c, const void *buf, size_t count, size_t elem_bytes, void **p)
{
    size_t bytes = count * elem_bytes;
    *p = (void *)buf;
    if (count > INT_MAX)
        return DSGD_EINVAL;
    if (buf || bytes == 0)
        return DSGD_OK;
    exec_state *s = self(c);
    if (bytes > s->scratch_bytes) {
        char *grown = realloc(s->scratch, bytes);
        if (!grown)
            return DSGD_ENOMEM;
        memset(grown, 0, bytes);
        s->scratch = grown;
        s->scratch_bytes = bytes;
    }
    *p = s->scratch;
    return DSGD_OK;
}

static double exec_now(dsgd_comm *c) { return wall_clock() - self(c)->t_origin; }

static int exec_node_of(dsgd_comm *c, int rank) { return self(c)->node[rank]; }

/* Ranks sharing memory share a node; a node's leader is its lowest world
 * rank, and nodes are numbered in order of their leaders. */
static int discover_nodes(exec_state *s)
{
    int n = s->comm.size;
    MPI_Comm local;
    if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &local) !=
        MPI_SUCCESS)
        return -1;
    int leader = s->comm.rank;
    MPI_Allreduce(MPI_IN_PLACE, &leader, 1, MPI_INT, MPI_MIN, local);
    MPI_Comm_free(&local);
    int *leaders = malloc(sizeof *leaders * (size_t)n);
    if (!leaders || !(s->node = malloc(sizeof *s->node * (size_t)n))) {
        free(leaders);
        return -1;
    }
    MPI_Allgather(&leader, 1, MPI_INT, leaders, 1, MPI_INT, MPI_COMM_WORLD);
    for (int r = 0; r < n; r++) {
        s->node[r] = 0;
        for (int q = 0; q < r; q++) /* count distinct leaders below mine */
            if (leaders[q] == q && q < leaders[r])
                s->node[r]++;
    }
    free(leaders);
    return 0;
}

static void fill_info(const MPI_Status *st, dsgd_msg_info *info)
{
    int count = 0;
    MPI_Get_count(st, MPI_BYTE, &count);
    info->source = st->MPI_SOURCE;
    info->tag = st->MPI_TAG;
    info->bytes = (size_t)count;
}

static int exec_send(dsgd_comm *c, int dst, int tag, const void *buf, size_t bytes)
{
    void *p;
    int rc = mpi_buffer(c, buf, bytes, 1, &p);
    if (rc != DSGD_OK)
        return rc;
    MPI_Request req;
    return status_of(
        finish_posted(c, MPI_Isend(p, (int)bytes, MPI_BYTE, dst, tag, MPI_COMM_WORLD, &req), &req,
                      MPI_STATUS_IGNORE));
}

static int exec_recv(dsgd_comm *c, int src, int tag, void *buf, size_t bytes, dsgd_msg_info *info)
{
    void *p;
    int rc = mpi_buffer(c, buf, bytes, 1, &p);
    if (rc != DSGD_OK)
        return rc;
    MPI_Status st;
    MPI_Request req;
    rc = finish_posted(c,
                       MPI_Irecv(p, (int)bytes, MPI_BYTE,
                                 src == DSGD_ANY_SOURCE ? MPI_ANY_SOURCE : src, tag, MPI_COMM_WORLD,
                                 &req),
                       &req, &st);
    int class = rc;
    if (rc != MPI_SUCCESS)
        MPI_Error_class(rc, &class);
    if (class == MPI_ERR_TRUNCATE)
        return DSGD_ETRUNC;
    if (rc == MPI_SUCCESS)
        fill_info(&st, info);
    return status_of(rc);
}

static int post(dsgd_comm *c, int is_send, int peer, int tag, const void *buf, size_t bytes,
                void **handle)
{
    void *p;
    int rc = mpi_buffer(c, buf, bytes, 1, &p);
    if (rc != DSGD_OK)
        return rc;
    exec_request *q = malloc(sizeof *q);
    if (!q)
        return DSGD_ENOMEM;
    rc = is_send
             ? MPI_Isend(p, (int)bytes, MPI_BYTE, peer, tag, MPI_COMM_WORLD, &q->req)
             : MPI_Irecv(p, (int)bytes, MPI_BYTE, peer == DSGD_ANY_SOURCE ? MPI_ANY_SOURCE : peer,
                         tag, MPI_COMM_WORLD, &q->req);
    if (rc != MPI_SUCCESS) {
        free(q);
        return status_of(rc);
    }
    *handle = q;
    return DSGD_OK;
}

static int exec_isend(dsgd_comm *c, int dst, int tag, const void *buf, size_t bytes, void **handle)
{
    return post(c, 1, dst, tag, buf, bytes, handle);
}

static int exec_irecv(dsgd_comm *c, int src, int tag, void *buf, size_t bytes, void **handle)
{
    return post(c, 0, src, tag, buf, bytes, handle);
}

static int exec_wait(dsgd_comm *c, void *handle, dsgd_msg_info *info)
{
    exec_request *q = handle;
    MPI_Status st;
    int rc = finish(c, &q->req, &st);
    if (rc == MPI_SUCCESS)
        fill_info(&st, info);
    free(q);
    return status_of(rc);
}

/* MPI_Cancel, then the wait it needs: the receive is either withdrawn or,
 * if a message had matched it already, complete. */
static int exec_cancel(dsgd_comm *c, void *handle)
{
    (void)c;
    exec_request *q = handle;
    int rc = MPI_Cancel(&q->req);
    if (rc == MPI_SUCCESS)
        rc = MPI_Wait(&q->req, MPI_STATUS_IGNORE);
    free(q);
    return status_of(rc);
}

static int exec_test(dsgd_comm *c, void *handle, int *done, dsgd_msg_info *info)
{
    (void)c;
    exec_request *q = handle;
    MPI_Status st;
    int rc = MPI_Test(&q->req, done, &st);
    if (rc == MPI_SUCCESS && *done) {
        fill_info(&st, info);
        free(q);
    }
    return status_of(rc);
}

static int exec_waitany(dsgd_comm *c, void **handles, int n, int *index, dsgd_msg_info *info)
{
    MPI_Request *reqs = malloc(sizeof *reqs * (size_t)n);
    if (!reqs)
        return DSGD_ENOMEM;
    for (int i = 0; i < n; i++)
        reqs[i] = ((exec_request *)handles[i])->req;
    MPI_Status st;
    int which = MPI_UNDEFINED;
    int rc = finish_any(c, n, reqs, &which, &st);
    free(reqs);
    if (rc != MPI_SUCCESS || which == MPI_UNDEFINED)
        return rc != MPI_SUCCESS ? status_of(rc) : DSGD_EINVAL;
    fill_info(&st, info);
    free(handles[which]);
    *index = which;
    return DSGD_OK;
}

static int exec_probe(dsgd_comm *c, int src, int tag, int *flag, dsgd_msg_info *info)
{
    (void)c;
    MPI_Status st;
    int rc =
        MPI_Iprobe(src == DSGD_ANY_SOURCE ? MPI_ANY_SOURCE : src, tag, MPI_COMM_WORLD, flag, &st);
    if (rc == MPI_SUCCESS && *flag)
        fill_info(&st, info);
    return status_of(rc);
}

static int exec_group_create(dsgd_comm *c, dsgd_group *g)
{
    (void)c;
    MPI_Comm *comm = malloc(sizeof *comm);
    if (!comm)
        return DSGD_ENOMEM;
    MPI_Group world, sub;
    MPI_Comm_group(MPI_COMM_WORLD, &world);
    MPI_Group_incl(world, g->n, g->ranks, &sub);
    int rc = MPI_Comm_create_group(MPI_COMM_WORLD, sub, 0, comm);
    MPI_Group_free(&sub);
    MPI_Group_free(&world);
    if (rc != MPI_SUCCESS) {
        free(comm);
        return status_of(rc);
    }
    g->impl = comm;
    return DSGD_OK;
}

static void exec_group_free(dsgd_comm *c, dsgd_group *g)
{
    (void)c;
    MPI_Comm_free((MPI_Comm *)g->impl);
    free(g->impl);
    g->impl = NULL;
}

static int exec_allreduce(dsgd_comm *c, dsgd_group *g, float *buf, size_t count)
{
    void *p;
    int rc = mpi_buffer(c, buf, count, sizeof(float), &p);
    if (rc != DSGD_OK)
        return rc;
    MPI_Request req;
    return status_of(finish_posted(
        c, MPI_Iallreduce(MPI_IN_PLACE, p, (int)count, MPI_FLOAT, MPI_SUM, mpi_comm_of(g), &req),
        &req, MPI_STATUS_IGNORE));
}

/* Open MPI (2.x to 5.x) serves MPI_Iallreduce from coll/libnbc, whose
 * selection (ompi/mca/coll/libnbc/nbc_iallreduce.c) takes its binomial
 * algorithm whenever the call is in place, as dsgd's always is: a reduce
 * to rank 0 up a binomial tree (ceil(log2 n) rounds of the whole vector,
 * summed at each receiver), then a binomial broadcast of it.  That is
 * dsgd-sim's "tree".  At 2 ranks it moves the vector twice one way where
 * a ring moves half of it each way: twice the ring's time. */
const char *dsgd_exec_allreduce_algo(void)
{
    char version[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    if (MPI_Get_library_version(version, &len) != MPI_SUCCESS)
        return "unknown";
    return strstr(version, "Open MPI") ? "tree" : "unknown";
}

static int exec_iallreduce(dsgd_comm *c, dsgd_group *g, float *buf, size_t count, void **handle)
{
    void *p;
    int rc = mpi_buffer(c, buf, count, sizeof(float), &p);
    if (rc != DSGD_OK)
        return rc;
    exec_request *q = malloc(sizeof *q);
    if (!q)
        return DSGD_ENOMEM;
    rc = MPI_Iallreduce(MPI_IN_PLACE, p, (int)count, MPI_FLOAT, MPI_SUM, mpi_comm_of(g), &q->req);
    if (rc != MPI_SUCCESS) {
        free(q);
        return status_of(rc);
    }
    *handle = q;
    return DSGD_OK;
}

static int exec_reduce(dsgd_comm *c, dsgd_group *g, int root, float *buf, size_t count)
{
    void *p;
    int rc = mpi_buffer(c, buf, count, sizeof(float), &p);
    if (rc != DSGD_OK)
        return rc;
    MPI_Comm comm = mpi_comm_of(g);
    int me;
    MPI_Comm_rank(comm, &me);
    /* Blocking in every --idle mode: Open MPI 4.1's MPI_Ireduce, polled,
     * took 10-30x as long as MPI_Reduce from 1 MiB up (--bench allreduce,
     * 2 ranks), far more than its waits cost a busy machine. */
    return status_of(MPI_Reduce(me == root ? MPI_IN_PLACE : p, me == root ? p : NULL, (int)count,
                                MPI_FLOAT, MPI_SUM, root, comm));
}

static int exec_bcast(dsgd_comm *c, dsgd_group *g, int root, void *buf, size_t bytes)
{
    void *p;
    int rc = mpi_buffer(c, buf, bytes, 1, &p);
    if (rc != DSGD_OK)
        return rc;
    MPI_Request req;
    return status_of(finish_posted(c,
                                   MPI_Ibcast(p, (int)bytes, MPI_BYTE, root, mpi_comm_of(g), &req),
                                   &req, MPI_STATUS_IGNORE));
}

static int exec_allgather(dsgd_comm *c, dsgd_group *g, const void *sendbuf, size_t bytes,
                          void *recvbuf)
{
    int n = dsgd_group_size(c, g);
    if (bytes > INT_MAX / (size_t)n)
        return DSGD_EINVAL;
    MPI_Request req;
    if (!recvbuf) { /* phantom: one scratch area serves as both ends */
        void *p;
        int rc = mpi_buffer(c, NULL, bytes * (size_t)n, 1, &p);
        return rc != DSGD_OK ? rc
                             : status_of(finish_posted(
                                   c,
                                   MPI_Iallgather(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, p, (int)bytes,
                                                  MPI_BYTE, mpi_comm_of(g), &req),
                                   &req, MPI_STATUS_IGNORE));
    }
    return status_of(finish_posted(c,
                                   MPI_Iallgather(sendbuf, (int)bytes, MPI_BYTE, recvbuf,
                                                  (int)bytes, MPI_BYTE, mpi_comm_of(g), &req),
                                   &req, MPI_STATUS_IGNORE));
}

static int exec_barrier(dsgd_comm *c, dsgd_group *g)
{
    MPI_Request req;
    return status_of(finish_posted(c, MPI_Ibarrier(mpi_comm_of(g), &req), &req, MPI_STATUS_IGNORE));
}

enum { STOP_SLOT, TALLY_SLOT, LOCK_SLOT, CONTROL_SLOTS };

/* One atomic on rank 0's control word `slot`, completed there. */
static int control_op(MPI_Win win, int slot, MPI_Op op, long value, long *old)
{
    int rc = MPI_Fetch_and_op(&value, old, MPI_LONG, 0, slot, op, win);
    return rc == MPI_SUCCESS ? MPI_Win_flush(0, win) : rc;
}

/* Compare-and-swap under a test-and-set lock: Open MPI 4.1's
 * MPI_Compare_and_swap crashes in the shared-memory transport's emulated
 * atomics (vader, target rank 0 itself), its fetch-and-op does not. */
static int exec_control_swap(dsgd_comm *c, long expect, long value, long *old)
{
    MPI_Win win = self(c)->control;
    if (win == MPI_WIN_NULL)
        return DSGD_ENOTIMPL;
    long held = 1, ignored = 0;
    int rc;
    do
        rc = control_op(win, LOCK_SLOT, MPI_REPLACE, 1, &held);
    while (rc == MPI_SUCCESS && held != 0);
    if (rc == MPI_SUCCESS)
        rc = control_op(win, STOP_SLOT, MPI_NO_OP, 0, old);
    if (rc == MPI_SUCCESS && *old == expect)
        rc = control_op(win, STOP_SLOT, MPI_REPLACE, value, &ignored);
    int unlock = control_op(win, LOCK_SLOT, MPI_REPLACE, 0, &ignored);
    return status_of(rc == MPI_SUCCESS ? unlock : rc);
}

static int exec_tally(dsgd_comm *c, long add, long *total)
{
    if (self(c)->control == MPI_WIN_NULL)
        return DSGD_ENOTIMPL;
    long before = 0;
    int rc = control_op(self(c)->control, TALLY_SLOT, MPI_SUM, add, &before);
    *total = before + add;
    return status_of(rc);
}

static int control_create(exec_state *s)
{
    MPI_Aint bytes = s->comm.rank == 0 ? (MPI_Aint)(sizeof(long) * CONTROL_SLOTS) : 0;
    if (MPI_Win_allocate(bytes, sizeof(long), MPI_INFO_NULL, MPI_COMM_WORLD, &s->control_base,
                         &s->control) != MPI_SUCCESS) {
        s->control = MPI_WIN_NULL;
        return -1;
    }
    if (s->comm.rank == 0)
        memset(s->control_base, 0, (size_t)bytes);
    /* Everyone sees the zeroed slots before anyone uses them. */
    if (MPI_Barrier(MPI_COMM_WORLD) != MPI_SUCCESS ||
        MPI_Win_lock_all(MPI_MODE_NOCHECK, s->control) != MPI_SUCCESS)
        return -1;
    return 0;
}

static const dsgd_comm_ops exec_ops = {
    .backend_name = "exec",
    .now = exec_now,
    .node_of = exec_node_of,
    .send = exec_send,
    .recv = exec_recv,
    .isend = exec_isend,
    .irecv = exec_irecv,
    .cancel = exec_cancel,
    .wait = exec_wait,
    .test = exec_test,
    .waitany = exec_waitany,
    .probe = exec_probe,
    .group_create = exec_group_create,
    .group_free = exec_group_free,
    .allreduce = exec_allreduce,
    .iallreduce = exec_iallreduce,
    .reduce = exec_reduce,
    .bcast = exec_bcast,
    .allgather = exec_allgather,
    .barrier = exec_barrier,
    .control_swap = exec_control_swap,
    .tally = exec_tally,
    /* failed: Open MPI aborts the job instead; compute, io, memory: real
     * time has already passed, nothing to charge (comm.h, NULL slots). */
};

/* Offsets against rank 0, as NTP does: rank r sends its time t1, rank 0
 * answers with its time t0, r reads t2 when the answer lands.  Rank 0 read
 * t0 somewhere within [t1, t2] of r's clock, so t0 - (t1 + t2) / 2 is the
 * offset to within half the round trip; the shortest of a few round trips
 * gives the tightest bound.  A duplicate of MPI_COMM_WORLD keeps this
 * traffic apart from the algorithm's tags. */
static int align_clocks(exec_state *s)
{
    enum { ROUNDS = 8 };
    MPI_Comm comm;
    if (MPI_Comm_dup(MPI_COMM_WORLD, &comm) != MPI_SUCCESS)
        return -1;
    int rc = MPI_SUCCESS;
    s->clock_offset = 0.0;
    s->clock_error = 0.0;
    if (s->comm.rank == 0) {
        for (int r = 1; r < s->comm.size && rc == MPI_SUCCESS; r++)
            for (int k = 0; k < ROUNDS && rc == MPI_SUCCESS; k++) {
                double t1;
                rc = MPI_Recv(&t1, 1, MPI_DOUBLE, r, 0, comm, MPI_STATUS_IGNORE);
                double t0 = wall_clock();
                if (rc == MPI_SUCCESS)
                    rc = MPI_Send(&t0, 1, MPI_DOUBLE, r, 0, comm);
            }
    } else {
        double best_rtt = -1;
        for (int k = 0; k < ROUNDS && rc == MPI_SUCCESS; k++) {
            double t1 = wall_clock(), t0 = 0;
            rc = MPI_Send(&t1, 1, MPI_DOUBLE, 0, 0, comm);
            if (rc == MPI_SUCCESS)
                rc = MPI_Recv(&t0, 1, MPI_DOUBLE, 0, 0, comm, MPI_STATUS_IGNORE);
            double t2 = wall_clock();
            if (rc == MPI_SUCCESS && (best_rtt < 0 || t2 - t1 < best_rtt)) {
                best_rtt = t2 - t1;
                s->clock_offset = t0 - 0.5 * (t1 + t2);
                s->clock_error = 0.5 * best_rtt;
            }
        }
    }
    /* The common start: rank 0's clock now, in each rank's own clock. */
    double start = 0;
    if (rc == MPI_SUCCESS)
        rc = MPI_Barrier(comm);
    if (rc == MPI_SUCCESS) {
        start = wall_clock();
        rc = MPI_Bcast(&start, 1, MPI_DOUBLE, 0, comm);
    }
    s->t_origin = start - s->clock_offset;
    MPI_Comm_free(&comm);
    return rc == MPI_SUCCESS ? 0 : -1;
}

dsgd_comm *dsgd_exec_comm_create(int trace, int control, const char **why)
{
    exec_state *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    s->comm.ops = &exec_ops;
    MPI_Comm_rank(MPI_COMM_WORLD, &s->comm.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &s->comm.size);
    s->comm.iter = -1;
    dsgd_trace_init(&s->trace);
    s->comm.trace = trace ? &s->trace : NULL;
    const char *skew = getenv("DSGD_TEST_CLOCK_SKEW");
    clock_skew = skew ? atof(skew) * s->comm.rank : 0.0;
    dsgd_exec_set_idle(&s->comm, DSGD_EXEC_IDLE_SLEEP);
    s->control = MPI_WIN_NULL;
    const char *failed = discover_nodes(s) != 0         ? "discovering the nodes"
                         : align_clocks(s) != 0         ? "aligning the clocks"
                         : control && control_create(s) ? "opening the control plane (an MPI "
                                                          "window for one-sided atomics: "
                                                          "does this MPI offer an osc component?)"
                                                        : NULL;
    if (why)
        *why = failed;
    if (failed) {
        free(s->node);
        free(s);
        return NULL;
    }
    return &s->comm;
}

void dsgd_exec_set_idle(dsgd_comm *c, dsgd_exec_idle idle)
{
    self(c)->idle = idle;
    /* Naps of a few microseconds: without this, Linux rounds each up by
     * the default 50 us timer slack. */
    if (idle == DSGD_EXEC_IDLE_SLEEP)
        prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
}

double dsgd_exec_clock_offset(dsgd_comm *c, double *error_bound)
{
    if (error_bound)
        *error_bound = self(c)->clock_error;
    return self(c)->clock_offset;
}

void dsgd_exec_comm_destroy(dsgd_comm *c)
{
    if (!c)
        return;
    exec_state *s = self(c);
    if (s->control != MPI_WIN_NULL) {
        MPI_Win_unlock_all(s->control);
        MPI_Win_free(&s->control);
    }
    dsgd_trace_free(&s->trace);
    dsgd_comm_fini(&s->comm);
    free(s->scratch);
    free(s->node);
    free(s);
}

int dsgd_exec_gather_traces(dsgd_comm *c, dsgd_trace **all)
{
    exec_state *s = self(c);
    int n = c->size, me = c->rank;
    *all = NULL;
    /* Counts in events; the payload travels as bytes (dsgd_event is plain
     * data and every rank runs the same binary). */
    long mine = (long)s->trace.count;
    long *counts = me == 0 ? calloc((size_t)n, sizeof *counts) : NULL;
    MPI_Gather(&mine, 1, MPI_LONG, counts, 1, MPI_LONG, 0, MPI_COMM_WORLD);
    int *byte_counts = NULL, *displs = NULL;
    char *events = NULL;
    int ok = 1;
    if (me == 0) {
        byte_counts = malloc(sizeof *byte_counts * (size_t)n);
        displs = malloc(sizeof *displs * (size_t)n);
        *all = calloc((size_t)n, sizeof **all);
        long total = 0;
        for (int i = 0; counts && i < n; i++)
            total += counts[i];
        ok = counts && byte_counts && displs && *all &&
             total * (long)sizeof(dsgd_event) < INT_MAX &&
             (events = malloc((size_t)(total ? total : 1) * sizeof(dsgd_event)));
        for (int i = 0, off = 0; ok && i < n; i++) {
            byte_counts[i] = (int)(counts[i] * (long)sizeof(dsgd_event));
            displs[i] = off;
            off += byte_counts[i];
        }
    }
    /* Everyone must take part even if rank 0 could not allocate. */
    MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
    int rc = DSGD_ENOMEM;
    if (ok) {
        rc =
            status_of(MPI_Gatherv(s->trace.events, (int)(mine * (long)sizeof(dsgd_event)), MPI_BYTE,
                                  events, byte_counts, displs, MPI_BYTE, 0, MPI_COMM_WORLD));
    }
    if (me == 0 && ok) {
        for (int i = 0; i < n; i++) {
            dsgd_trace_init(&(*all)[i]);
            for (long k = 0; k < counts[i]; k++)
                dsgd_trace_add(&(*all)[i], (dsgd_event *)(events + displs[i]) + k);
        }
    }
    if (me == 0 && !ok) {
        free(*all);
        *all = NULL;
    }
    free(events);
    free(counts);
    free(byte_counts);
    free(displs);
    return rc;
}

void dsgd_exec_traces_free(dsgd_trace *all, int n)
{
    for (int i = 0; all && i < n; i++)
        dsgd_trace_free(&all[i]);
    free(all);
}

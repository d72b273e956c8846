/* comm.h — the one interface every SGD variant is written against.
 *
 * An algorithm is a *node program*: a function run once per rank, like an MPI
 * main().  It sees an opaque dsgd_comm and the verbs below, nothing else.
 * Two backends (providers, as in libfabric) fill the ops table that
 * algorithms/comm_backend.h declares: sim/ (SimGrid S4U, simulated time)
 * and exec/ (MPI, wall time).  Algorithms call the dsgd_* wrappers below,
 * never the ops table (they do not include comm_backend.h): the wrappers
 * check arguments and record trace events in one place, so both backends
 * write the same trace.
 *
 * Conventions shared by every verb
 *  - Return value: DSGD_OK (0) or a negative dsgd_status.
 *  - Phantom buffers: a NULL data pointer with a non-zero size is a phantom
 *    payload.  The backend moves (sim) or accounts for (exec) only the size;
 *    nothing is read or written.  Phantom and real buffers must not be mixed
 *    within one collective call across ranks.
 *  - Ranks are world ranks 0..size-1 unless a verb says "group index".
 *  - Tags are user tags 0..DSGD_TAG_MAX; backends keep the rest for their
 *    own collectives.
 *  - Time: dsgd_now() is simulated seconds in sim, wall seconds since the
 *    run's common start in exec.
 *
 * Verbs a backend lacks.  A backend may leave any slot of its ops table
 * NULL; a wrapper never calls a NULL slot and never aborts for one:
 *  - verbs that return a status (send, recv, isend, irecv, wait, test,
 *    waitany, probe, group_create, the collectives) return DSGD_ENOTIMPL
 *    at once: nothing moves, no request is made or consumed (a request
 *    passed to wait, test or waitany stays pending), no event is recorded;
 *  - dsgd_now: NAN, a backend without a clock (events then carry NAN times);
 *  - dsgd_node_of: every rank is a node of its own (dsgd_node_count = size);
 *  - dsgd_failed: 0, no rank is ever known to have failed;
 *  - dsgd_group_free: the backend had nothing of its own to free;
 *  - dsgd_compute, dsgd_io, dsgd_memory: DSGD_OK with the event recorded,
 *    as for a backend whose clock runs by itself (exec leaves them NULL):
 *    a charge only advances a modelled clock; nothing else depends on it;
 *  - dsgd_stop_vote, dsgd_tally: DSGD_ENOTIMPL (runs that stop by time or by
 *    samples need them);
 *  - dsgd_backend_name: "unnamed".
 *
 * Failures (fail-stop ranks, as ULFM proposes for MPI)
 *  - dsgd_failed(c, r) says whether rank r is known to have stopped.  The
 *    simulator knows at once (--fail); exec never reports one (it leaves
 *    the slot NULL): Open MPI aborts the whole job when a process dies.
 *  - Point to point with a failed peer does not block forever: a receive
 *    from a failed source returns DSGD_ENETWORK once every message that
 *    source sent before failing has been received; a send to a failed
 *    destination that had not completed returns DSGD_ENETWORK.  Either way
 *    the request is consumed.
 *  - A receive from DSGD_ANY_SOURCE reports each failure once, in order
 *    after the failed rank's earlier messages on that tag: wait, test and
 *    waitany return DSGD_EFAILED with info->source the failed rank, and the
 *    request stays pending (waitany's *index names it); a blocking recv
 *    returns it having received nothing.  A notice is a wake-up: read the
 *    state with dsgd_failed().
 *  - Collectives over a group with a failed member do not complete; the
 *    simulator reports the stall.  Survivors can form a new group.
 */
#ifndef DSGD_COMM_H
#define DSGD_COMM_H

#include <stddef.h>

#include "core/model.h"
#include "core/trace.h"

typedef enum dsgd_status {
    DSGD_OK = 0,
    DSGD_EINVAL = -1,   /* bad argument (rank out of range, bad tag, ...) */
    DSGD_ENOMEM = -2,   /* allocation failed */
    DSGD_ENOTIMPL = -3, /* verb not provided by this backend (yet) */
    DSGD_ENETWORK = -4, /* peer or link failed; the operation did not complete */
    DSGD_ETRUNC = -5,   /* message longer than the receive buffer */
    DSGD_EBACKEND = -6, /* backend error, see the backend's last message */
    DSGD_ENUMERIC = -7, /* non-finite loss or parameters */
    DSGD_EFAILED = -8,  /* notice: a rank failed (see "Failures" below) */
} dsgd_status;

/* Human-readable name of a status code (static string). */
const char *dsgd_status_str(int status);

#define DSGD_ANY_SOURCE (-1)
#define DSGD_TAG_MAX 0xffff

/* dsgd_comm is opaque: its insides are the backends' and comm.c's
 * (comm_backend.h). */
typedef struct dsgd_comm dsgd_comm;
typedef struct dsgd_group dsgd_group;     /* NULL means "all ranks" */
typedef struct dsgd_request dsgd_request; /* owned by the wrapper layer (comm.c) */

/* What a completed receive (or probe) tells about its message. */
typedef struct dsgd_msg_info {
    int source;   /* world rank of the sender */
    int tag;      /* tag it was sent with */
    size_t bytes; /* payload size in bytes (phantom or real) */
} dsgd_msg_info;

/* Identity and time. */
int dsgd_rank(const dsgd_comm *c);
int dsgd_size(const dsgd_comm *c);
double dsgd_now(dsgd_comm *c);
const char *dsgd_backend_name(const dsgd_comm *c);
/* Physical node (machine) hosting `rank`, numbered 0..dsgd_node_count-1 in
 * order of each node's lowest rank, so ranks sharing a node can form groups
 * (per-node communicators, leaders) as on a real cluster. */
int dsgd_node_of(dsgd_comm *c, int rank);
int dsgd_node_count(dsgd_comm *c);
/* The iteration number stamped on later trace events (-1 outside the
 * training loop), and what it is now. */
void dsgd_set_iter(dsgd_comm *c, long iter);
long dsgd_iter(const dsgd_comm *c);

/* Point to point.  Blocking send returns when the buffer may be reused;
 * blocking recv when the message is in buf.  bytes is the capacity of buf
 * on receive; a longer message is DSGD_ETRUNC.  Non-blocking calls return
 * a request in *req that exactly one of wait/test(done)/waitany consumes.
 * info may be NULL; it is filled for receives. */
int dsgd_send(dsgd_comm *c, int dst, int tag, const void *buf, size_t bytes);
int dsgd_recv(dsgd_comm *c, int src, int tag, void *buf, size_t bytes, dsgd_msg_info *info);
int dsgd_isend(dsgd_comm *c, int dst, int tag, const void *buf, size_t bytes, dsgd_request **req);
int dsgd_irecv(dsgd_comm *c, int src, int tag, void *buf, size_t bytes, dsgd_request **req);
/* Waits for *req (from isend, irecv or iallreduce) and sets *req to NULL. */
int dsgd_wait(dsgd_comm *c, dsgd_request **req, dsgd_msg_info *info);
/* Registers what the calling rank's program holds (NULL release: nothing),
 * for the backend to release should the rank end without its program
 * returning: in the simulator, SimGrid kills the actors a stall leaves
 * waiting (and --fail kills its victims), unwinding their stacks without
 * running any of their code.  release runs outside the rank, after the
 * run: it may free and withdraw receives (dsgd_cancel); a dsgd_wait there
 * fails at once with DSGD_ENETWORK, releasing its request; requests the
 * program left posted are released after it (their buffers may go). */
void dsgd_hold(dsgd_comm *c, void (*release)(dsgd_comm *c, void *held), void *held);
/* 1 inside such a release: the run is over, nothing is in flight any more
 * (a buffer a peer might still read during a run can be freed). */
int dsgd_after_run(const dsgd_comm *c);
/* Withdraws a receive from irecv that will never be waited for (a run
 * ending on an error) and sets *req to NULL: once it returns, nothing
 * lands in its buffer any more, which may be freed (MPI would otherwise
 * still write a matching message into it). */
int dsgd_cancel(dsgd_comm *c, dsgd_request **req);
/* Sets *done; when done, consumes *req (set to NULL) as dsgd_wait would. */
int dsgd_test(dsgd_comm *c, dsgd_request **req, int *done, dsgd_msg_info *info);
/* Waits for one of reqs[0..n-1]; consumes it (reqs[*index] becomes NULL).
 * The requests may be of any kind, mixed: sends, receives and non-blocking
 * allreduces (as MPI_Waitany over MPI_Iallreduce requests, e.g. gradient
 * buckets and a message from a peer); the one that completes first, in the
 * backend's time, is the one returned.  NULL entries are skipped; all NULL
 * is DSGD_EINVAL. */
int dsgd_waitany(dsgd_comm *c, dsgd_request **reqs, int n, int *index, dsgd_msg_info *info);
/* A request set: an array reqs[0..n) that the caller owns and fills as
 * usual (dsgd_isend(..., &reqs[i])), waited on by dsgd_waitset, which
 * returns what dsgd_waitany over reqs[lo..hi) would (the lowest index of
 * those complete when it looks) but at a cost that does not grow with n
 * where the backend reports completions as they happen (dsgd-sim's flow
 * model: a server waiting on one request per worker at 65,536 workers);
 * elsewhere it is dsgd_waitany over the range.  Requests may enter and
 * leave the array at any time, and be completed by the other verbs too.
 * The set belongs to the comm until dsgd_reqset_close (or the rank's end);
 * reqs must outlive it.  dsgd_waitset: *index is absolute (lo <= *index <
 * hi); no request in the range is DSGD_EINVAL with *index untouched. */
typedef struct dsgd_reqset dsgd_reqset;
int dsgd_reqset_open(dsgd_comm *c, dsgd_request **reqs, int n, dsgd_reqset **set);
int dsgd_waitset(dsgd_comm *c, dsgd_reqset *set, int lo, int hi, int *index, dsgd_msg_info *info);
void dsgd_reqset_close(dsgd_comm *c, dsgd_reqset *set);
/* Non-blocking check for a message that matches (src or DSGD_ANY_SOURCE,
 * tag): *flag is 1 and info filled if one has arrived, without receiving
 * it. */
int dsgd_probe(dsgd_comm *c, int src, int tag, int *flag, dsgd_msg_info *info);
/* 1 if `rank` is known to have failed, 0 otherwise (see "Failures"). */
int dsgd_failed(dsgd_comm *c, int rank);
/* rc, or DSGD_OK when rc is the DSGD_ENETWORK of an operation with a peer
 * that has failed: for code that goes on without it. */
int dsgd_forgive(dsgd_comm *c, int rc, int peer);

/* Data that every rank of a run derives alike and then only reads (a
 * variant's role table), built once per process instead of once per rank:
 * dsgd-sim runs every rank in one process, where a table of all ranks held
 * by each rank costs size^2 (at 65,536 ranks, 50 GiB).  dsgd_shared_get
 * returns what dsgd_shared_put stored under key for this run, or NULL.
 * put hands data over: free_fn(data) runs once the run's ranks are gone
 * (the simulated world's end; in dsgd-run, the comm's); a key already
 * stored is DSGD_EINVAL (data stays the caller's). */
const void *dsgd_shared_get(dsgd_comm *c, const char *key);
int dsgd_shared_put(dsgd_comm *c, const char *key, void *data, void (*free_fn)(void *));

/* Groups.  Creation is collective over the listed ranks: every rank in the
 * list calls it with the same list in the same order; ranks not in the
 * list must not call it.  Group index i is ranks[i]. */
int dsgd_group_create(dsgd_comm *c, const int *ranks, int n, dsgd_group **group);
/* The same over a list that outlives the group (shared data): not copied,
 * and my_index (this rank's index in it) not searched for. */
int dsgd_group_create_view(dsgd_comm *c, const int *ranks, int n, int my_index, dsgd_group **group);
void dsgd_group_free(dsgd_comm *c, dsgd_group *group);
/* The members of g (NULL: all ranks) not known to have failed, as a new
 * group in *live; collective over those survivors.  NULL in *live when
 * none has failed (use g itself). */
int dsgd_group_survivors(dsgd_comm *c, dsgd_group *g, dsgd_group **live);
/* Size and this rank's index of a group; NULL means all ranks. */
int dsgd_group_size(const dsgd_comm *c, const dsgd_group *g);
int dsgd_group_index(const dsgd_comm *c, const dsgd_group *g);

/* Collectives over a group (NULL = all ranks), called by every member.
 * allreduce and reduce sum float vectors in place; root is a group index;
 * bcast and allgather move raw bytes (allgather: each member contributes
 * `bytes`, recvbuf holds n*bytes in group order). */
int dsgd_allreduce(dsgd_comm *c, dsgd_group *g, float *buf, size_t count);
int dsgd_iallreduce(dsgd_comm *c, dsgd_group *g, float *buf, size_t count, dsgd_request **req);
int dsgd_reduce(dsgd_comm *c, dsgd_group *g, int root, float *buf, size_t count);
int dsgd_bcast(dsgd_comm *c, dsgd_group *g, int root, void *buf, size_t bytes);
int dsgd_allgather(dsgd_comm *c, dsgd_group *g, const void *sendbuf, size_t bytes, void *recvbuf);
int dsgd_barrier(dsgd_comm *c, dsgd_group *g);

/* Cost charges for work that started at t_start (a value of dsgd_now()
 * read before the real work ran).  sim advances simulated time by the
 * modelled cost of the work from t_start on (the real work, if any, took
 * no simulated time); exec does nothing: wall time already passed.  Either
 * way the event is recorded from t_start to now().
 * compute: `work` tells the flops per layer kind, so sim can price each
 * kind at its own efficiency; the trace records the total flops. */
int dsgd_compute(dsgd_comm *c, const char *name, const dsgd_work *work, double t_start);
int dsgd_io(dsgd_comm *c, const char *name, double bytes, double t_start);
int dsgd_memory(dsgd_comm *c, const char *name, double bytes, double t_start);

/* The control plane: a record shared by every rank, for deciding when a
 * run stops (--time-budget, --samples) and nothing else.  It is not the
 * algorithm's communication: sim keeps it outside the simulated network
 * (free, instantaneous: a measurement must not perturb what it measures);
 * exec keeps it in an MPI window on rank 0 (one-sided atomics, a few
 * microseconds each).  Neither records a trace event.
 *  - dsgd_stop_vote: at `boundary` (1, 2, ...: after that many
 *    iterations), whether the run stops there.  The first rank to reach a
 *    boundary decides it by its vote (`expired`); every rank that reaches
 *    it later gets that decision, whatever its own clock says.  So ranks
 *    that may not part (a collective or a server waits for each of them
 *    every few iterations) stop at the same boundary.  Every rank that
 *    votes must vote at each boundary in order, and the first stop ends
 *    the voting.
 *  - dsgd_tally: adds `add` to a run-wide counter (samples processed);
 *    *total is its value after the addition. */
int dsgd_stop_vote(dsgd_comm *c, long boundary, int expired, int *stop);
int dsgd_tally(dsgd_comm *c, long add, long *total);

/* Records an algorithm-level event (update, eval, mark) on this rank's
 * trace: from t0 to now(), with a value (a loss, an accuracy, a staleness). */
void dsgd_record(dsgd_comm *c, dsgd_event_kind kind, const char *name, double t0, double value);

#endif

/* comm_backend.h — the provider side of comm.h: the ops table a backend
 * fills, the communicator it embeds, and the request kinds.
 * Only comm.c, the backends (sim/, exec/) and tests that stand in for a
 * backend include it; algorithms see comm.h alone, so they cannot read a
 * field, only call the verbs.  What each verb means, and what a NULL slot
 * means ("Verbs a backend lacks"), is written once, in comm.h. */
#ifndef DSGD_COMM_BACKEND_H
#define DSGD_COMM_BACKEND_H

#include "algorithms/comm.h"

/* A group: the wrapper layer owns the rank list, the backend its impl.
 * Algorithms read it through dsgd_group_size and dsgd_group_index. */
struct dsgd_group {
    int n;        /* number of members */
    int *ranks;   /* world ranks, group index order */
    int my_index; /* this rank's group index */
    int view;     /* ranks is the caller's (dsgd_group_create_view), not freed */
    void *impl;   /* backend state (MPI communicator, tag space, ...) */
};

/* Kinds of non-blocking operation: the wrapper's requests and the
 * backends' own handles. */
typedef enum dsgd_req_kind { DSGD_REQ_SEND, DSGD_REQ_RECV, DSGD_REQ_ALLREDUCE } dsgd_req_kind;

/* The ops table a backend fills, slot per verb of comm.h (the wrappers'
 * semantics); any slot may be NULL.  Handles of non-blocking operations are
 * the backend's own (void *); the wrapper layer wraps them in
 * dsgd_request. */
typedef struct dsgd_comm_ops {
    const char *backend_name; /* "sim" or "exec" */

    double (*now)(dsgd_comm *c);
    int (*node_of)(dsgd_comm *c, int rank); /* rank is valid */

    int (*send)(dsgd_comm *c, int dst, int tag, const void *buf, size_t bytes);
    int (*recv)(dsgd_comm *c, int src, int tag, void *buf, size_t bytes, dsgd_msg_info *info);
    int (*isend)(dsgd_comm *c, int dst, int tag, const void *buf, size_t bytes, void **handle);
    int (*irecv)(dsgd_comm *c, int src, int tag, void *buf, size_t bytes, void **handle);
    /* Completion of a handle returned by isend, irecv or iallreduce.  wait
     * blocks; test sets *done and, when done, releases the handle like
     * wait.  info is never NULL; fill it for receives. */
    int (*wait)(dsgd_comm *c, void *handle, dsgd_msg_info *info);
    int (*test)(dsgd_comm *c, void *handle, int *done, dsgd_msg_info *info);
    /* Blocks until one of n handles (any mix of kinds) completes; *index is
     * its position.  The completed handle is released, the others stay
     * pending. */
    int (*waitany)(dsgd_comm *c, void **handles, int n, int *index, dsgd_msg_info *info);
    /* Request sets (optional, all four or none; comm.h dsgd_waitset).
     * set_open makes the backend's side of a set of n slots (*set NULL:
     * not for this run, the wrapper then uses waitany); set_join says that
     * handle now sits in slot `index`; a handle leaves its set when it is
     * released, however.  set_wait is waitany over the slots [lo, hi) that
     * hold a handle (*index: the slot); set_close releases the set, not
     * its members. */
    int (*set_open)(dsgd_comm *c, int n, void **set);
    void (*set_join)(dsgd_comm *c, void *set, void *handle, int index);
    int (*set_wait)(dsgd_comm *c, void *set, int lo, int hi, int *index, dsgd_msg_info *info);
    void (*set_close)(dsgd_comm *c, void *set);
    /* Withdraws a receive handle and releases it: nothing lands in its
     * buffer afterwards. */
    int (*cancel)(dsgd_comm *c, void *handle);
    /* Releases a handle of any kind without completing it (optional):
     * called only after the run, for requests a rank left posted when it
     * ended without returning (killed by --fail, or at a stall). */
    void (*forget)(dsgd_comm *c, void *handle);
    int (*probe)(dsgd_comm *c, int src, int tag, int *flag, dsgd_msg_info *info);
    int (*failed)(dsgd_comm *c, int rank);
    /* How many ranks have failed so far (optional): lets the wrapper skip
     * per-rank scans while there are none. */
    int (*failures)(dsgd_comm *c);

    /* The wrapper fills the group's n, ranks and my_index; the backend
     * sets g->impl (and frees it in group_free). */
    int (*group_create)(dsgd_comm *c, dsgd_group *g);
    void (*group_free)(dsgd_comm *c, dsgd_group *g);

    int (*allreduce)(dsgd_comm *c, dsgd_group *g, float *buf, size_t count);
    int (*iallreduce)(dsgd_comm *c, dsgd_group *g, float *buf, size_t count, void **handle);
    int (*reduce)(dsgd_comm *c, dsgd_group *g, int root, float *buf, size_t count);
    int (*bcast)(dsgd_comm *c, dsgd_group *g, int root, void *buf, size_t bytes);
    int (*allgather)(dsgd_comm *c, dsgd_group *g, const void *sendbuf, size_t bytes, void *recvbuf);
    int (*barrier)(dsgd_comm *c, dsgd_group *g);

    /* Cost charges: advance the backend's clock by the work's modelled
     * cost; the wrapper records the event either way. */
    int (*compute)(dsgd_comm *c, const char *name, const dsgd_work *work, double t_start);
    int (*io)(dsgd_comm *c, const char *name, double bytes, double t_start);
    int (*memory)(dsgd_comm *c, const char *name, double bytes, double t_start);

    /* The control plane (comm.h), one word each, zero at the start.
     * control_swap: atomically, if the word holds `expect`, store `value`;
     * *old receives what it held.  tally: fetch and add. */
    int (*control_swap)(dsgd_comm *c, long expect, long value, long *old);
    int (*tally)(dsgd_comm *c, long add, long *total);

    /* Where the run's shared data lives (comm.h dsgd_shared_put), for a
     * backend whose ranks share a process (optional: NULL keeps it in the
     * comm, per rank).  The backend frees it with dsgd_shared_free. */
    struct dsgd_shared **(*shared)(dsgd_comm *c);
} dsgd_comm_ops;

/* The communicator of one rank.  A backend embeds it as the first member
 * of its own per-rank state (and casts a dsgd_comm * back to that), and
 * fills every field. */
struct dsgd_comm {
    const dsgd_comm_ops *ops;
    int rank;
    int size;
    dsgd_trace *trace; /* this rank's event list; NULL: no trace */
    long iter;         /* iteration stamped on events (-1 outside the loop) */
    /* What the rank's program holds (dsgd_hold), for a backend that ends
     * the rank without its program returning; ending is set while it
     * releases it (blocking waits then fail at once). */
    void (*release)(dsgd_comm *c, void *held);
    void *held;
    int ending;
    /* Kept by the wrapper layer (comm.c): the requests posted and not yet
     * complete, so that those of a rank that ended without returning are
     * released (dsgd_comm_abandon); and a scratch buffer for waitany, held
     * here rather than on the rank's stack or in a malloc it may never free. */
    struct dsgd_request *live;
    struct dsgd_reqset *sets; /* open request sets (comm.h dsgd_reqset_open) */
    struct dsgd_shared *shared; /* shared data, where the backend keeps none */
    void *scratch;
    size_t scratch_bytes;
};

/* A rank ended without its program returning (its stack is gone): release
 * what the program held (dsgd_hold), then every request still posted. */
void dsgd_comm_abandon(dsgd_comm *c);
/* Frees what the wrapper layer keeps for c; the backend calls it once the
 * rank is over, whether it returned or not. */
void dsgd_comm_fini(dsgd_comm *c);
/* Frees a list of shared data (dsgd_shared_put). */
void dsgd_shared_free(struct dsgd_shared **list);

#endif

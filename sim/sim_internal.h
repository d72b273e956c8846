/* sim_internal.h — what the SimGrid backend's files share, and nothing else
 * may see: the rank state and the point-to-point layer the collectives are
 * built from. */
#ifndef DSGD_SIM_INTERNAL_H
#define DSGD_SIM_INTERNAL_H

#include <simgrid/barrier.h>
#include <simgrid/comm.h>
#include <simgrid/mailbox.h>
#include <xbt/log.h>

#include "algorithms/comm_backend.h"
#include "sim/sim.h"

/* Log categories: "dsgd" and its children dsgd_backend, dsgd_match
 * (backend.c), dsgd_coll (collectives.c), dsgd_flow (flow.c), dsgd_faults
 * (faults.c); silent at SimGrid's default threshold (what they say is
 * VERBOSE or DEBUG), e.g. --log=dsgd.thres:verbose.  NDEBUG builds
 * (RelWithDebInfo) would compile DEBUG messages out: ours are few, outside
 * per-message loops, and behind a threshold test, so they stay in. */
#undef XBT_LOG_STATIC_THRESHOLD
#define XBT_LOG_STATIC_THRESHOLD xbt_log_priority_debug

/* Tags above DSGD_TAG_MAX belong to the backend's collectives: blocking
 * ones on a group use the group's tag; non-blocking allreduces take tags
 * from their own range, numbered in call order. */
#define SIM_TAG_COLLECTIVE_BASE (DSGD_TAG_MAX + 1L)
#define SIM_TAG_IALLREDUCE_BASE (1L << 50)
#define SIM_TAG_IALLREDUCE_SPAN (1L << 20)

typedef struct sim_port sim_port; /* match.c */

/* An actor's memory for a collective's temporaries, grown as needed and
 * kept: an actor killed inside the collective (a stall, --fail) cannot
 * free a malloc of its own. */
typedef struct sim_scratch {
    void *p;
    size_t bytes;
} sim_scratch;

/* Collective sends a rank may have in flight at once (sendrecv: one). */
#define SIM_MAX_SENDING 4

typedef struct sim_rank {
    dsgd_comm comm; /* first member: a dsgd_comm * is a sim_rank * */
    dsgd_sim_world *world;
    sg_host_t host;
    dsgd_result *result;
    const dsgd_job *job;
    dsgd_node_program program;
    sim_port *ports;     /* user point-to-point, one per tag received on */
    sim_scratch wait_scratch; /* match.c's waitany arrays */
    sim_scratch coll_scratch; /* the rank actor's (sim_scratch_get) */
    sg_actor_t actor;    /* the rank's actor (valid while it runs) */
    long iallreduce_seq; /* non-blocking allreduces started */
    double mem_bw_Bps;   /* memory-bound work: the host's mem_bw, else the cost profile's */
    dsgd_rng jitter_rng; /* this rank's stream of --jitter factors */
    dsgd_rng wake_rng;   /* ... and of its naps' overshoots (--waits polled) */
    /* match.c: a rank that waits on non-blocking allreduces and transfers
     * at once sleeps on wake (asleep set) until one of them ends. */
    sg_sem_t wake;
    int asleep;
    int spinning; /* in a verb whose real waits spin (--waits polled ignores them) */
    /* p2p.c: collective messages sent whose transfer has not ended.  The
     * receiver that gets a message takes it off this list (sim_msg_take)
     * and frees it; one never got (the sender killed waiting for it, at a
     * stall) is the sender's to free. */
    struct {
        sg_comm_t comm;
        struct sim_msg *msg;
    } sending[SIM_MAX_SENDING];
    int n_sending;
} sim_rank;

/* The flow model (flow.c): the members of one collective meet at a
 * zero-cost barrier, the last to arrive prices it, everyone sleeps until
 * its own part ends.  One op per collective in flight, found by its tag. */
typedef struct sim_flow_op {
    long tag;
    int busy, n, arrived, left;
    double start;        /* simulated time the collective starts (-1: could not price it) */
    double latest;       /* when the last member arrives (virtual ones included) */
    const double *end_s; /* each member's end, seconds after start */
    sg_bar_t barrier;
    float *sum; /* reduction of real payloads */
    size_t sum_count;
    char *gathered; /* allgather of real payloads */
    size_t gathered_bytes;
    struct sim_flow_op *next;
} sim_flow_op;

/* One transfer of a schedule's step: from member src to member dst. */
typedef struct sim_xfer {
    int src, dst;
    double bytes;
} sim_xfer;

/* A step: transfers a collective starts together (each member waits for
 * all of its own before its next step), run `repeat` times in a row. */
typedef struct sim_flow_step {
    sim_xfer *xfers;
    int n, cap, repeat;
    int reduce; /* the receivers sum what they get (charged at their memory speed) */
} sim_flow_step;

typedef struct sim_schedule {
    sim_flow_step *steps;
    int n, cap;
} sim_schedule;

/* Builds the schedule of a collective algorithm over n members (node[i]:
 * member i's machine) moving a vector of `bytes` (schedule.c). */
typedef int (*sim_schedule_fn)(sim_schedule *s, int n, const int *node, double bytes);
int sim_schedule_ring_allreduce(sim_schedule *s, int n, const int *node, double bytes);
int sim_schedule_halving_doubling_allreduce(sim_schedule *s, int n, const int *node, double bytes);
int sim_schedule_tree_allreduce(sim_schedule *s, int n, const int *node, double bytes);
int sim_schedule_hierarchical_allreduce(sim_schedule *s, int n, const int *node, double bytes);
int sim_schedule_tree_bcast(sim_schedule *s, int n, const int *node, double bytes);
int sim_schedule_tree_reduce(sim_schedule *s, int n, const int *node, double bytes);
/* The ring allgather: bytes is one member's block. */
int sim_schedule_ring_allgather(sim_schedule *s, int n, const int *node, double bytes);
void sim_schedule_free(sim_schedule *s);

/* Plays SimGrid's network model (fluid.c) for transfers x[0..n-1] between
 * hosts[x.src] and hosts[x.dst] that all start at time 0; end_s[i]
 * receives when transfer i ends, *shared whether some shared link carries
 * more than one of them.  Returns DSGD_OK, or an error with a one-line
 * reason in err (no route between two hosts). */
int sim_fluid_step(const dsgd_sim_network *net, const sg_host_t *hosts, const sim_xfer *x, int n,
                   double *end_s, int *shared, char *err, size_t errlen);

/* A collective's price on one group: each member's end after its start. */
typedef struct sim_flow_price {
    sim_schedule_fn schedule;
    double bytes;
    int root; /* the schedule's member 0 is member root (broadcast, reduce) */
    double *end_s, total_s;
    int exact; /* no transfers that share a link ran out of lock-step */
    /* Symmetry mode: lead[s] for simulated rank s, how long after s the
     * last member that mirrors it ends (NAN: s is no member); NULL
     * outside symmetry mode. */
    double *lead;
    struct sim_flow_price *next;
} sim_flow_price;

/* A group as the flow model knows it (key: the group's tag). */
typedef struct sim_flow_group {
    long key;
    int n;
    double busy_until; /* end of the last collective priced on this group */
    sim_flow_price *prices;
    struct sim_flow_group *next;
} sim_flow_group;

typedef struct sim_flow {
    sim_flow_op *ops;
    sim_flow_group *groups;
    char error[200]; /* why a collective could not be priced */
} sim_flow;

/* Who takes part in a collective, as one member sees it (message and flow
 * level alike). */
typedef struct sim_members {
    int n, me;        /* size, my index */
    long tag;         /* the group's collective tag; also names its member list */
    const int *ranks; /* world ranks; NULL: index == world rank */
} sim_members;

/* An allreduce algorithm (collectives.c): a component and its function. */
typedef struct sim_allreduce_algo sim_allreduce_algo;

/* Vectors above this many bytes are "large" for the allreduce choice. */
#define SIM_ALLREDUCE_LARGE_BYTES 65536

/* A group's collective plan, fixed when the group is created (as Open MPI's
 * coll components choose in their query): its tag, and the allreduce
 * algorithms for small and large vectors.  The group's impl points to one;
 * the world's (NULL group) lives in the world. */
typedef struct sim_coll_plan {
    long tag;         /* first member: a group's impl reads as its tag */
    int shares_nodes; /* some member's machine also holds the next member */
    const sim_allreduce_algo *small, *large;
} sim_coll_plan;

/* Fills the plan of the members m (m->tag: the group's tag) of world w:
 * w->allreduce for every size, or the automatic choice (collectives.c). */
void sim_coll_plan_init(sim_coll_plan *plan, const dsgd_sim_world *w, const sim_members *m);
/* The allreduce algorithm of that name (NULL: "auto"), or NULL. */
const sim_allreduce_algo *sim_allreduce_named(const char *name);

struct dsgd_sim_world {
    int n;
    struct dsgd_shared *shared; /* what the ranks share (comm.h dsgd_shared_put) */
    /* The plan of the last group made over a shared member list
     * (dsgd_group_create_view): its other members reuse it instead of
     * reading the list again (O(size) each, O(size^2) in all). */
    const int *view_ranks;
    int view_n;
    sim_coll_plan view_plan;
    int n_simulated; /* ranks run by actors: n, or fewer in symmetry mode (sim.h) */
    dsgd_sim_options opt;
    const sim_allreduce_algo *allreduce; /* opt.allreduce's descriptor */
    sim_coll_plan plan;                  /* the world group's */
    sim_rank *ranks;
    dsgd_trace *traces; /* one per rank */
    int *node;          /* node index of each rank */
    int n_nodes;
    sim_flow flow;
    struct sim_p2p_flow *p2p_flow; /* --p2p-model flow (p2pflow.c), once a message is sent */
    unsigned char *dead; /* dead[r]: --fail killed rank r (failure notices in match.c) */
    int *dead_list;      /* the killed ranks, in order */
    /* Symmetry mode (flow.c): lead[s] for each simulated rank s, how long
     * after s the last rank that mirrors it ended its latest collective:
     * doing what s does next, that rank arrives at the next collective
     * that much later than s. */
    double *lead;
    int n_dead;
    /* markers[i]: the failure marker of dead_list[i] (match.c), one shared
     * message that every port gets and none frees: one still in flight
     * when the run ends is nobody's to free but the world's. */
    struct sim_msg **markers;
    /* The control plane (comm.h): outside the simulated network.  Actors
     * run one at a time, so a read-then-write is atomic. */
    long control;
    long tally;
};

/* --p2p-model flow (p2pflow.c): moves message m from rank m->src to rank
 * dst in the flow-level model; when it has arrived, sim_p2p_landed gets it
 * and `get` (match.c's).  DSGD_OK or DSGD_ENOMEM. */
int sim_p2p_flow_send(dsgd_sim_world *w, int dst, struct sim_msg *m, void *get);
/* Whether the model lost a message (out of memory). */
int sim_p2p_flow_failed(const dsgd_sim_world *w);
void sim_p2p_flow_free(dsgd_sim_world *w);
/* match.c: message m has arrived at rank dst, for `get`: queues it as the
 * get's and completes its send (m->flow_sender), if any, without letting
 * any actor run; returns the sender's rank to wake with sim_p2p_wake (and
 * dst), NULL if none.  Messages that arrive together all land before
 * anyone wakes: a rank then sees them all, as SimGrid's comms that end at
 * once. */
struct sim_rank *sim_p2p_landed(dsgd_sim_world *w, int dst, struct sim_msg *m, void *get);
void sim_p2p_wake(struct sim_rank *r);

/* A message in flight.  The sender allocates it (with a copy of the data,
 * so the sender's buffer is free at once); the receiver frees it. */
typedef struct sim_msg {
    int src;
    long tag;
    size_t bytes;
    int real;               /* data[] holds the payload */
    int marker;             /* no payload: src has failed, and sent nothing after this */
    struct sim_rank *owner; /* the sender whose sending[] still lists it, or NULL */
    void *flow_sender;      /* --p2p-model flow: match.c's send it completes on landing, or NULL */
    float data[];           /* absent (bytes of payload not allocated) when phantom */
} sim_msg;

static inline sim_rank *sim_self(dsgd_comm *c) { return (sim_rank *)c; }

/* A message carrying a copy of buf (NULL: phantom); NULL if out of memory. */
sim_msg *sim_msg_new(int src, long tag, const void *buf, size_t bytes);

/* Point to point for collectives, keyed by (src, dst, tag); buf NULL =
 * phantom. */
int sim_isend(sim_rank *r, int dst, long tag, const void *buf, size_t bytes, sg_comm_t *comm);
/* Waits for a comm from sim_isend: DSGD_OK, or DSGD_ENETWORK (the message,
 * never got, is freed). */
int sim_send_wait(sim_rank *r, sg_comm_t comm);
/* A receiver got m (NULL: nothing): its sender no longer lists it, so
 * only the receiver frees it. */
void sim_msg_take(sim_msg *m);
/* Frees a message, unless it is a failure marker (the world's). */
void sim_msg_free(sim_msg *m);
/* Frees the messages of r's sends that never ended (r was killed). */
void sim_release_sends(sim_rank *r);
int sim_send(sim_rank *r, int dst, long tag, const void *buf, size_t bytes);
/* How a received payload lands in the receive buffer. */
typedef enum { SIM_COPY, SIM_ACCUMULATE } sim_land;
/* Summing a received vector into one's own reads both and writes one: the
 * memory traffic per byte received that a reduction is charged (as
 * dsgd_vec_axpy counts it). */
#define SIM_REDUCE_TRAFFIC 3.0
/* SimGrid ignores (and reports) sleeps shorter than its numerical
 * precision (surf/precision, 1e-9 s): a sum of a few bytes is not slept. */
#define SIM_TIME_PRECISION 1e-9
int sim_recv(sim_rank *r, int src, long tag, void *buf, size_t cap, sim_land land,
             dsgd_msg_info *info);
/* A blocking wait of r begun at simulated time t_start has just ended:
 * under --waits polled the rank sees it only at its next poll (core/idle.h),
 * so it sleeps until then; otherwise nothing. */
void sim_polled(sim_rank *r, double t_start);
sg_mailbox_t sim_mailbox(int src, int dst, long tag);
/* Delivers a received message into buf (or accumulates floats) and frees it. */
int sim_deliver(sim_msg *m, void *buf, size_t cap, sim_land land, dsgd_msg_info *info);

/* Collectives over a group (NULL = world), built from the calls above. */
int sim_allreduce(dsgd_comm *c, dsgd_group *g, float *buf, size_t count);
/* The same with an explicit tag (non-blocking allreduces). */
int sim_allreduce_tagged(dsgd_comm *c, dsgd_group *g, float *buf, size_t count, long tag);

/* User point to point with matching, probe, requests (match.c). */
int sim_user_send(dsgd_comm *c, int dst, int tag, const void *buf, size_t bytes);
int sim_user_recv(dsgd_comm *c, int src, int tag, void *buf, size_t bytes, dsgd_msg_info *info);
int sim_user_isend(dsgd_comm *c, int dst, int tag, const void *buf, size_t bytes, void **handle);
int sim_user_irecv(dsgd_comm *c, int src, int tag, void *buf, size_t bytes, void **handle);
int sim_user_wait(dsgd_comm *c, void *handle, dsgd_msg_info *info);
int sim_user_cancel(dsgd_comm *c, void *handle);
void sim_user_forget(dsgd_comm *c, void *handle);
/* At least `bytes` of the calling actor's scratch (rank r's own actor, or
 * one of its non-blocking allreduce helpers); NULL: out of memory. */
void *sim_scratch_get(sim_rank *r, size_t bytes);
int sim_user_test(dsgd_comm *c, void *handle, int *done, dsgd_msg_info *info);
int sim_user_waitany(dsgd_comm *c, void **handles, int n, int *index, dsgd_msg_info *info);
int sim_user_set_open(dsgd_comm *c, int n, void **set);
void sim_user_set_join(dsgd_comm *c, void *set, void *handle, int index);
int sim_user_set_wait(dsgd_comm *c, void *set, int lo, int hi, int *index, dsgd_msg_info *info);
void sim_user_set_close(dsgd_comm *c, void *set);
int sim_user_probe(dsgd_comm *c, int src, int tag, int *flag, dsgd_msg_info *info);
int sim_user_iallreduce(dsgd_comm *c, dsgd_group *g, float *buf, size_t count, void **handle);
void sim_ports_free(sim_rank *r);
/* After --fail killed rank `dead`: markers behind its messages in every
 * live rank's ports, and sinks that absorb what is still sent to it. */
void sim_announce_failure(dsgd_sim_world *w, int dead);
/* Flow-level allreduce (by the algorithm whose schedule is given) and ring
 * allgather over the members; tag tells apart the collectives in flight
 * (flow.c). */
int sim_flow_allreduce(dsgd_comm *c, const sim_members *m, long tag, float *buf, size_t count,
                       sim_schedule_fn schedule);
int sim_flow_allgather(dsgd_comm *c, const sim_members *m, long tag, const void *sendbuf,
                       size_t bytes, void *recvbuf);
void sim_flow_free(dsgd_sim_world *w);
/* Symmetry mode (sim.h): rank r is virtual, and the simulated rank it
 * mirrors. */
static inline int sim_is_virtual(const dsgd_sim_world *w, int r) { return r >= w->n_simulated; }
static inline int sim_mirror_of(const dsgd_sim_world *w, int r) { return r % w->n_simulated; }
/* Broadcast, reduce and barrier in symmetry mode, priced by the flow model
 * as binomial trees over every member (flow.c): their message-level
 * versions need an actor per member. */
int sim_flow_bcast(dsgd_comm *c, const sim_members *m, int root, void *buf, size_t bytes);
int sim_flow_reduce(dsgd_comm *c, const sim_members *m, int root, float *buf, size_t count);
int sim_flow_barrier(dsgd_comm *c, const sim_members *m);
/* Prices schedule(bytes) over hosts[0..n-1] (node[i]: member i's
 * machine) without simulating: end_s[i] when member i is done, *exact
 * whether that is message level's time (see play() in flow.c).  Returns
 * DSGD_OK or an error with its reason in err. */
/* mem_Bps[i]: member i's memory bandwidth, which prices its reductions
 * (SIM_REDUCE_TRAFFIC bytes of traffic per byte received); NULL: free. */
int sim_flow_price_schedule(const dsgd_sim_network *net, const sg_host_t *hosts, const int *node,
                            const double *mem_Bps, int n, sim_schedule_fn schedule, double bytes,
                            double *end_s, int *exact, char *err, size_t errlen);

int sim_tree_reduce(dsgd_comm *c, dsgd_group *g, int root, float *buf, size_t count);
int sim_tree_bcast(dsgd_comm *c, dsgd_group *g, int root, void *buf, size_t bytes);
int sim_ring_allgather(dsgd_comm *c, dsgd_group *g, const void *sendbuf, size_t bytes,
                       void *recvbuf);
int sim_barrier(dsgd_comm *c, dsgd_group *g);

#endif

/* match.c — what algorithms see as point-to-point on SimGrid: MPI-style
 * matching by (source, tag), any-source receives, probe, non-blocking
 * requests, and the non-blocking allreduce.
 *
 * A user message to rank d with tag t travels through mailbox "u<d>#<t>".
 * Rank d owns one *port* per tag it receives on: the gets pending on that
 * mailbox, and a FIFO queue of the messages they brought in that no
 * receive has taken yet.  A receive for (s or any, t) takes the first
 * queued message that matches, pumping the port until one does.  As in
 * MPI, sends of at most SIM_EAGER_BYTES are eager: they complete at once
 * (the payload is already copied) and the transfer happens when the
 * receiver pumps; larger sends are rendezvous: they complete when the
 * receiver has the data.
 * As many transfers progress at once as the rank has receives posted on
 * the tag and not yet matched by a queued message (at least one): a
 * server that posts W receives gets its W workers' messages side by side,
 * as MPI progresses every matched message, not one after the other.  The
 * mailbox matches its gets in the order they were posted with messages in
 * the order they were sent, so a port queues what its gets bring in that
 * order (a get that lands early waits for the earlier ones): messages from
 * one source keep their order, and a message waits in the queue, not in
 * the network, for the receive that wants it.
 * Collectives do not come through here: they use their own mailboxes.
 *
 * Waiting (wait, waitany) works on any mix of requests, non-blocking
 * allreduces included, and resumes the rank at the simulated time of the
 * first completion: see block() below.
 *
 * Failures (comm.h): when --fail kills rank d, a *marker* from d goes into
 * every port of every live rank.  Mailboxes are FIFO and d sends nothing
 * more, so a port that has pumped d's marker has every message d sent it:
 * a receive from d that finds none queued fails (DSGD_ENETWORK), and an
 * any-source receive that meets the marker at the head of the queue
 * reports it once (DSGD_EFAILED).  Ports created later get markers of the
 * ranks already dead.  A *sink* on d's host drains each of d's ports so
 * that sends still in flight to d complete; they report DSGD_ENETWORK. */
#include <simgrid/actor.h>
#include <simgrid/comm.h>
#include <simgrid/engine.h>
#include <simgrid/semaphore.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/bits.h"
#include "sim/sim_internal.h"

XBT_LOG_EXTERNAL_DEFAULT_CATEGORY(dsgd_match);

#define SIM_EAGER_BYTES 65536
#define BY_SRC_FROM 16 /* a port lists its queued messages by source from this many on */

typedef struct queued {
    sim_msg *msg;
    struct queued *next;
    struct queued *prev;     /* a port's queue is doubly linked (its waiting list is not) */
    struct queued *src_next; /* the next queued message from the same source (src_head) */
} queued;

/* A transfer a rank may block on: one of its ports' pending gets, or one
 * of its rendezvous sends.  The rank waits on it itself, unless a watcher
 * actor does (see block()): then only the watcher touches comm, until it
 * lands. */
typedef struct sim_transfer {
    sg_comm_t comm; /* NULL when none is pending (landed, or an eager send) */
    sim_rank *rank;
    sim_port *port; /* the port this get fills; NULL for a send */
    sg_error_t err; /* how a send ended */
    int watched;
    int flowing; /* flow model (p2pflow.c): a send that has not landed, a get whose message moves */
    /* a get: */
    void *payload;             /* where it lands its sim_msg */
    int landed;                /* it ended, behind a get posted earlier that has not */
    struct sim_transfer *next; /* the next get posted on the port (or in its pool) */
} sim_transfer;

struct sim_port {
    int tag;
    sim_transfer *gets,
        *gets_tail;     /* pending gets, in the order posted; the first has not landed */
    sim_transfer *pool; /* gets that landed, for reuse (block() may still look at one) */
    int n_pending;      /* gets not landed */
    int n_held;         /* gets landed behind an earlier one */
    int n_queued;       /* messages in the queue */
    /* src_head[s] .. src_tail[s]: the queued messages from rank s, in
     * order, kept once the queue has been long (a server's: a receive per
     * worker then finds and takes its message in O(1)) */
    queued **src_head, **src_tail;
    int n_ranks;
    int wanted;         /* receive requests posted and not complete */
    queued *head, *tail;
    /* The flow model (--p2p-model flow): gets are virtual (no comm), and
     * messages sent here wait in order for one, as in a mailbox. */
    sim_transfer *unmatched; /* the first get without a message */
    queued *waiting, *waiting_tail;
    int *dead_seen; /* ranks whose marker this port has pumped */
    int n_dead_seen;
    /* Receives in request sets (see "request sets" below), so that a
     * message that comes in marks those it may complete: by source
     * (set_by_src[s], made with the first), and from any source. */
    struct sim_request **set_by_src, *set_any;
    struct sim_port *next;
};

typedef struct sim_set sim_set;

typedef struct sim_request {
    dsgd_req_kind kind;
    sim_transfer send; /* send */
    int dst;           /* send */
    int src, tag;      /* receive */
    sim_port *port;    /* receive: its tag's port (the rank's, for its life) */
    void *buf;
    size_t cap;
    int done, status; /* allreduce: set by its helper actor */
    void *job;        /* allreduce: the helper's, until it is done */
    sim_set *set;     /* the request set it is in (slot set_index), or NULL */
    int set_index;
    int set_port; /* a receive: its port's index in the set */
    struct sim_request *set_prev, *set_next; /* a receive's list in its port */
} sim_request;

/* ---- request sets -----------------------------------------------------------
 * A set (comm.h dsgd_waitset) keeps its slots' requests and two bit sets:
 * which slots hold one, and which may have completed since last looked
 * at.  A request is marked when it joins, when a message comes into its
 * port that it may take (its source, or any), when its send lands and when
 * its allreduce ends; a wait looks only at the marked ones, lowest slot
 * first, and sleeps until the next landing if none completes.  Used with
 * the flow-level model only (every completion there is a landing, which
 * marks); at message level a set is a waitany over the range. */
struct sim_set {
    int n;
    sim_request **member; /* [n] */
    sim_bits live, ready;
    sim_port **ports; /* the ports of its receives, each once */
    sim_bits *rx;     /* [n_ports]: the slots that hold a receive on each */
    int n_ports, cap_ports;
};

static void set_mark(sim_request *q)
{
    if (q->set)
        sim_bits_set(&q->set->ready, q->set_index);
}

/* Marks the set receives of port p that a message from src may complete. */
static void set_mark_port(sim_port *p, int src)
{
    for (sim_request *q = p->set_any; q; q = q->set_next)
        set_mark(q);
    for (sim_request *q = p->set_by_src ? p->set_by_src[src] : NULL; q; q = q->set_next)
        set_mark(q);
}

/* Takes q out of its set (and its port's list of set receives). */
static void set_leave(sim_request *q)
{
    sim_set *s = q->set;
    if (!s)
        return;
    if (q->kind == DSGD_REQ_RECV) {
        sim_port *p = q->port;
        sim_request **head = q->src == DSGD_ANY_SOURCE ? &p->set_any : &p->set_by_src[q->src];
        if (q->set_prev)
            q->set_prev->set_next = q->set_next;
        else
            *head = q->set_next;
        if (q->set_next)
            q->set_next->set_prev = q->set_prev;
    }
    if (q->kind == DSGD_REQ_RECV)
        sim_bits_clear(&s->rx[q->set_port], q->set_index);
    s->member[q->set_index] = NULL;
    sim_bits_clear(&s->live, q->set_index);
    sim_bits_clear(&s->ready, q->set_index);
    q->set = NULL;
    q->set_prev = q->set_next = NULL;
}

/* Every sim_request ends here. */
static void request_free(sim_request *q)
{
    set_leave(q);
    free(q);
}

static sg_mailbox_t user_mailbox(int dst, int tag)
{
    char name[48];
    snprintf(name, sizeof name, "u%d#%d", dst, tag);
    return sg_mailbox_by_name(name);
}

static void keep_marker(void *m) { (void)m; /* the world's (sim_msg_free) */ }

/* Sends the marker of the i-th dead rank to rank dst's port for `tag`,
 * from the calling actor (detached, no payload). */
static void put_marker(dsgd_sim_world *w, int dst, int tag, int i)
{
    if (w->markers && w->markers[i]) /* else out of memory: a receive from the dead rank may then stall */
        sg_comm_detach(sg_mailbox_put_init(user_mailbox(dst, tag), w->markers[i], 0), keep_marker);
}

static sim_port *port_of(sim_rank *r, int tag)
{
    for (sim_port *p = r->ports; p; p = p->next)
        if (p->tag == tag)
            return p;
    sim_port *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->tag = tag;
    p->n_ranks = r->world->n;
    p->next = r->ports;
    r->ports = p;
    for (int i = 0; i < r->world->n_dead; i++) /* behind all they ever sent here */
        put_marker(r->world, r->comm.rank, tag, i);
    return p;
}

static int seen_dead(const sim_port *p, int src)
{
    for (int i = 0; i < p->n_dead_seen; i++)
        if (p->dead_seen[i] == src)
            return 1;
    return 0;
}

/* Keeps as many gets pending as receives wait for a message that is not
 * queued yet, and at least one (so that eager messages come in). */
static void match_waiting(sim_rank *r, sim_port *p);
static int release(sim_port *p);

static void post(sim_rank *r, sim_port *p)
{
    int need = p->wanted - p->n_queued - p->n_held;
    while (p->n_pending < (need > 1 ? need : 1)) {
        sim_transfer *t = p->pool;
        if (t)
            p->pool = t->next;
        else if (!(t = malloc(sizeof *t)))
            return; /* out of memory: fewer transfers progress at once */
        *t = (sim_transfer){.rank = r, .port = p};
        if (r->world->opt.p2p_flow && !p->unmatched)
            p->unmatched = t;
        if (p->gets_tail)
            p->gets_tail->next = t;
        else
            p->gets = t;
        p->gets_tail = t;
        p->n_pending++;
        /* In the port's list before the simcall: a rank killed inside it
         * (--fail) leaves it there, for sim_ports_free. */
        if (!r->world->opt.p2p_flow)
            t->comm = sg_mailbox_get_async(user_mailbox(r->comm.rank, p->tag), &t->payload);
    }
    if (r->world->opt.p2p_flow)
        match_waiting(r, p);
}

/* The flow model: messages waiting at port p start moving, in the order
 * they were sent, as its gets take them in the order posted. */
static void match_waiting(sim_rank *r, sim_port *p)
{
    while (p->unmatched && p->waiting) {
        queued *q = p->waiting;
        sim_transfer *t = p->unmatched;
        if (!(p->waiting = q->next))
            p->waiting_tail = NULL;
        p->unmatched = t->next;
        t->flowing = 1;
        if (sim_p2p_flow_send(r->world, r->comm.rank, q->msg, t) != DSGD_OK) {
            /* out of memory: lost; the get lands empty */
            sim_msg_free(q->msg);
            t->flowing = 0;
            t->payload = NULL;
            t->landed = 1;
            p->n_pending--;
            p->n_held++;
            release(p);
        }
        free(q);
    }
}

static void src_append(sim_port *p, queued *q)
{
    int s = q->msg->src;
    q->src_next = NULL;
    if (p->src_tail[s])
        p->src_tail[s]->src_next = q;
    else
        p->src_head[s] = q;
    p->src_tail[s] = q;
}

static int enqueue(sim_port *p, sim_msg *m)
{
    queued *q = malloc(sizeof *q);
    if (m->marker && !seen_dead(p, m->src)) {
        int *grown = realloc(p->dead_seen, sizeof *grown * (size_t)(p->n_dead_seen + 1));
        if (!grown) {
            free(q);
            return DSGD_ENOMEM;
        }
        p->dead_seen = grown;
        p->dead_seen[p->n_dead_seen++] = m->src;
    }
    if (!q)
        return DSGD_ENOMEM;
    *q = (queued){.msg = m, .prev = p->tail};
    if (p->tail)
        p->tail->next = q;
    else
        p->head = q;
    p->tail = q;
    p->n_queued++;
    set_mark_port(p, m->src);
    if (p->src_head && !m->marker) {
        src_append(p, q);
    } else if (!p->src_head && p->n_queued >= BY_SRC_FROM) {
        p->src_head = calloc((size_t)p->n_ranks, sizeof *p->src_head);
        p->src_tail = calloc((size_t)p->n_ranks, sizeof *p->src_tail);
        if (!p->src_head || !p->src_tail) { /* out of memory: find scans */
            free(p->src_head);
            free(p->src_tail);
            p->src_head = p->src_tail = NULL;
        }
        for (queued *k = p->src_head ? p->head : NULL; k; k = k->next)
            if (!k->msg->marker)
                src_append(p, k);
    }
    return DSGD_OK;
}

/* Unlinks q from p's queue (and frees it). */
static void unqueue(sim_port *p, queued *q)
{
    if (q->prev)
        q->prev->next = q->next;
    else
        p->head = q->next;
    if (q->next)
        q->next->prev = q->prev;
    else
        p->tail = q->prev;
    p->n_queued--;
    if (p->src_head && !q->msg->marker) { /* q is the first from its source, as find takes */
        int s = q->msg->src;
        queued **link = &p->src_head[s], *before = NULL;
        while (*link != q) {
            before = *link;
            link = &(*link)->src_next;
        }
        *link = q->src_next;
        if (p->src_tail[s] == q)
            p->src_tail[s] = before;
    }
    free(q);
}

/* Queues what the landed gets at the head of the port brought, in the
 * order they were posted. */
static int release(sim_port *p)
{
    int rc = DSGD_OK;
    while (p->gets && p->gets->landed) {
        sim_transfer *t = p->gets;
        if (!(p->gets = t->next))
            p->gets_tail = NULL;
        p->n_held--;
        if (t->payload && rc == DSGD_OK)
            rc = enqueue(p, t->payload);
        else
            sim_msg_free(t->payload); /* out of memory: the message is lost */
        t->next = p->pool;
        p->pool = t;
    }
    return rc;
}

/* A transfer ended (err: how).  A port queues the message its get brought
 * in, once the gets posted before it have; a get that failed (its sender
 * was killed during it) brings nothing: the sender's marker follows. */
static int landed(sim_transfer *t, sg_error_t err)
{
    t->comm = NULL;
    t->err = err;
    if (!t->port) { /* a send: its request's */
        set_mark((sim_request *)((char *)t - offsetof(sim_request, send)));
        return DSGD_OK;
    }
    if (err != SG_OK)
        t->payload = NULL;
    sim_msg_take(t->payload);
    t->landed = 1;
    t->port->n_pending--;
    t->port->n_held++;
    return release(t->port);
}

/* Brings in a message if one has arrived; never blocks.  *brought: whether
 * the port's first get ended (a watched one ends in its watcher). */
static int pump_nowait(sim_rank *r, sim_port *p, int *brought)
{
    post(r, p);
    sim_transfer *t = p->gets;
    /* (the flow model lands its gets itself: nothing to pump) */
    *brought = t && t->comm && !t->watched && sg_comm_test(t->comm);
    return *brought ? landed(t, SG_OK) : DSGD_OK;
}

/* The first queued message from src (or any source; with markers set, a
 * dead rank's marker counts as a message); unlinked if take. */
static sim_msg *find(sim_port *p, int src, int take, int markers)
{
    queued *q = p->head;
    if (src != DSGD_ANY_SOURCE && p->src_head) /* (a marker never matches a given source) */
        q = p->src_head[src];
    else
        while (q && (q->msg->marker ? src != DSGD_ANY_SOURCE || !markers
                                    : src != DSGD_ANY_SOURCE && q->msg->src != src))
            q = q->next;
    if (!q)
        return NULL;
    sim_msg *m = q->msg;
    if (take)
        unqueue(p, q);
    return m;
}

int sim_user_isend(dsgd_comm *c, int dst, int tag, const void *buf, size_t bytes, void **handle)
{
    sim_rank *r = sim_self(c);
    if (r->world->dead[dst])
        return DSGD_ENETWORK;
    sim_request *q = calloc(1, sizeof *q);
    sim_msg *m = sim_msg_new(r->comm.rank, tag, buf, bytes);
    if (!q || !m) {
        free(q);
        free(m);
        return DSGD_ENOMEM;
    }
    q->kind = DSGD_REQ_SEND;
    q->dst = dst;
    q->send.rank = r;
    /* The handle is the caller's before any simcall: a rank killed inside
     * one (--fail) has it forgotten after the run (sim_user_forget). */
    *handle = q;
    if (r->world->opt.p2p_flow) {
        sim_rank *to = &r->world->ranks[dst];
        sim_port *p = port_of(to, tag);
        queued *w = malloc(sizeof *w);
        if (!p || !w) {
            free(w);
            free(q);
            free(m);
            *handle = NULL;
            return DSGD_ENOMEM;
        }
        q->send.flowing = bytes > SIM_EAGER_BYTES; /* eager: nothing left to wait for */
        m->flow_sender = q->send.flowing ? &q->send : NULL;
        *w = (queued){.msg = m};
        if (p->waiting_tail)
            p->waiting_tail->next = w;
        else
            p->waiting = w;
        p->waiting_tail = w;
        match_waiting(to, p); /* a get it has posted takes it; else it waits for one */
    } else if (bytes <= SIM_EAGER_BYTES) /* eager: nothing left to wait for */
        sg_comm_detach(sg_mailbox_put_init(user_mailbox(dst, tag), m, (long)bytes), free);
    else
        q->send.comm = sg_mailbox_put_async(user_mailbox(dst, tag), m, (long)bytes);
    return DSGD_OK;
}

int sim_user_irecv(dsgd_comm *c, int src, int tag, void *buf, size_t bytes, void **handle)
{
    sim_request *q = calloc(1, sizeof *q);
    sim_port *p = port_of(sim_self(c), tag);
    if (!q || !p) {
        free(q);
        return DSGD_ENOMEM;
    }
    *q = (sim_request){.kind = DSGD_REQ_RECV, .src = src, .tag = tag, .buf = buf, .cap = bytes, .port = p};
    p->wanted++;
    *handle = q;          /* before any simcall, as in sim_user_isend */
    post(sim_self(c), p); /* let the transfer start now */
    return DSGD_OK;
}

/* A receive request is complete once a matching message is queued, or
 * failed once the marker of its (dead) source is in: DSGD_ENETWORK, done.
 * An any-source receive meeting a marker: DSGD_EFAILED, not done. */
static int try_receive(sim_rank *r, sim_request *q, int *done, dsgd_msg_info *info)
{
    sim_port *p = q->port;
    if (p->n_dead_seen == 0 &&
        (p->n_queued == 0 || (q->src != DSGD_ANY_SOURCE && p->src_head && !p->src_head[q->src]))) {
        /* nothing for it: the usual case in a long waitany */
        *done = 0;
        return DSGD_OK;
    }
    sim_msg *m = find(p, q->src, 1, 1);
    *done = m != NULL && !m->marker;
    if (m && m->marker) {
        if (info)
            *info = (dsgd_msg_info){m->src, q->tag, 0};
        XBT_VERB("rank %d: failure notice of rank %d (tag %d)", r->comm.rank, m->src, q->tag);
        sim_msg_free(m);
        return DSGD_EFAILED;
    }
    if (!m && q->src != DSGD_ANY_SOURCE && seen_dead(p, q->src)) {
        *done = 1;
        p->wanted--;
        request_free(q);
        return DSGD_ENETWORK;
    }
    if (!m)
        return DSGD_OK;
    XBT_DEBUG("rank %d: received %zu bytes from rank %d (tag %d)", r->comm.rank, m->bytes, m->src,
              q->tag);
    int rc = sim_deliver(m, q->buf, q->cap, SIM_COPY, info);
    p->wanted--;
    request_free(q);
    return rc;
}

/* A send whose destination is dead by the time it ends went nowhere (a
 * sink absorbed it). */
static int finish_send(sim_rank *r, sim_request *q)
{
    int dead = r->world->dead[q->dst];
    sg_error_t err = q->send.err;
    request_free(q);
    return err == SG_OK && !dead ? DSGD_OK : DSGD_ENETWORK;
}

/* Completes q if that needs neither blocking nor a new message: *done
 * says whether it did (q is then released); the status is wait's.  With
 * probe, a pending send is tested.  A blocking wait on one request skips
 * that: the test is a simcall, and one before every blocking send made
 * ssgd-ps at 2,048 ranks take 13.4 s of wall time instead of 6.3 s. */
static int poll_request(sim_rank *r, sim_request *q, int probe, int *done, dsgd_msg_info *info)
{
    switch (q->kind) {
    case DSGD_REQ_SEND:
        if (probe && q->send.comm && !q->send.watched && sg_comm_test(q->send.comm))
            landed(&q->send, SG_OK);
        *done = q->send.comm == NULL && !q->send.flowing;
        return *done ? finish_send(r, q) : DSGD_OK;
    case DSGD_REQ_ALLREDUCE: {
        int rc = q->status;
        if ((*done = q->done))
            request_free(q);
        return *done ? rc : DSGD_OK;
    }
    case DSGD_REQ_RECV: return try_receive(r, q, done, info);
    }
    return DSGD_EINVAL;
}

/* ---- blocking ------------------------------------------------------------ */

/* Wakes rank r if it sleeps in block(). */
static void wake(sim_rank *r)
{
    if (r->asleep) {
        r->asleep = 0;
        sg_sem_release(r->wake);
    }
}

/* A watcher waits on one transfer for its rank, lands it, and wakes it. */
static void watcher_main(int argc, char **argv)
{
    (void)argc, (void)argv;
    sim_transfer *t = sg_actor_self_get_data();
    sg_error_t err = sg_comm_wait(t->comm);
    sim_rank *r = t->rank; /* once landed, a send's request may be freed */
    t->watched = 0;
    landed(t, err); /* out of memory: the message is lost */
    wake(r);
}

static void watch(sim_rank *r, sim_transfer *t)
{
    t->watched = 1;
    sg_actor_t watcher = sg_actor_init("watcher", r->host);
    sg_actor_set_data(watcher, t);
    sg_actor_start(watcher, watcher_main, 0, NULL);
    sg_actor_daemonize(watcher); /* one left waiting does not keep the simulation up */
}

/* Blocks rank r until something it waits for happens: one of the n
 * pending transfers lands, one of the m non-blocking allreduces ends, or
 * (flows: it waits for some) the flow-level model lands a message.
 * The caller then looks again.  SimGrid lets an actor wait on several
 * comms at once, but not on comms and on another actor's work: so, with
 * allreduces among them, a watcher actor waits on each transfer and the
 * rank sleeps on its semaphore, which watchers and allreduce helpers
 * post; it resumes at the simulated time of the first of them.  A
 * transfer stays watched until it lands, even when the rank has moved on:
 * waiting for it again, the rank sleeps on its semaphore too. */
static int block(sim_rank *r, sim_transfer **t, int n, sim_request **allreduces, int m,
                 sg_comm_t *comms, int flows)
{
    int watched = 0;
    for (int i = 0; i < n; i++)
        watched |= t[i]->watched;
    if (m == 0 && !watched && !flows) {
        if (n == 1)
            return landed(t[0], sg_comm_wait(t[0]->comm));
        for (int i = 0; i < n; i++)
            comms[i] = t[i]->comm;
        ssize_t which = sg_comm_wait_any(comms, (size_t)n);
        return which < 0 ? DSGD_ENETWORK : landed(t[which], SG_OK);
    }
    if (!r->wake && !(r->wake = sg_sem_init(0)))
        return DSGD_ENOMEM;
    for (int i = 0; i < n; i++)
        if (!t[i]->watched)
            watch(r, t[i]);
    /* Starting watchers let other actors run: look once more, then sleep
     * (no actor runs between the look and the sleep). */
    for (int i = 0; i < n; i++)
        if (!t[i]->comm)
            return DSGD_OK;
    for (int j = 0; j < m; j++)
        if (allreduces[j]->done)
            return DSGD_OK;
    r->asleep = 1;
    sg_sem_acquire(r->wake);
    return DSGD_OK;
}

/* Adds what q waits on, if it is still pending, to the transfers t (a port
 * once) or the allreduces a. */
static int pending_on(sim_rank *r, sim_request *q, sim_transfer **t, int *n, sim_request **a,
                      int *m, int *flows)
{
    sim_transfer *x = &q->send;
    if (q->kind == DSGD_REQ_ALLREDUCE) {
        a[(*m)++] = q;
        return DSGD_OK;
    }
    if (r->world->opt.p2p_flow) { /* a receive, or a send still flowing */
        if (q->kind == DSGD_REQ_RECV)
            post(r, q->port);
        (*flows)++;
        return DSGD_OK;
    }
    if (q->kind == DSGD_REQ_RECV) {
        sim_port *p = q->port;
        post(r, p);
        if (!(x = p->gets))
            return DSGD_ENOMEM;
    }
    for (int i = 0; i < *n; i++)
        if (t[i] == x)
            return DSGD_OK;
    t[(*n)++] = x;
    return DSGD_OK;
}

/* s's memory, grown to at least `bytes` (NULL: out of memory). */
static void *scratch_grow(sim_scratch *s, size_t bytes)
{
    if (s->bytes < bytes) {
        void *grown = realloc(s->p, bytes);
        if (!grown)
            return NULL;
        s->p = grown;
        s->bytes = bytes;
    }
    return s->p;
}

/* Waits for whichever of the requests completes first, whatever their
 * kinds (of those complete when it looks, the lowest index). */
int sim_user_waitany(dsgd_comm *c, void **handles, int n, int *index, dsgd_msg_info *info)
{
    sim_rank *r = sim_self(c);
    /* The arrays live in the rank (wait_scratch): killed in this wait, the
     * rank could not free a malloc of its own. */
    sim_transfer **transfers = scratch_grow(
        &r->wait_scratch, (sizeof(sim_transfer *) + sizeof(sim_request *) + sizeof(sg_comm_t)) * (size_t)n);
    if (!transfers)
        return DSGD_ENOMEM;
    sim_request **allreduces = (sim_request **)(transfers + n);
    sg_comm_t *comms = (sg_comm_t *)(allreduces + n);
    int rc = DSGD_OK, blocked = 0, polls = 0;
    double t_start = simgrid_get_clock();
    /* Under --waits polled, a wait for sends alone is not delayed: a real
     * small send is eager and done at the first poll, which SimGrid's
     * sends (done when the receiver has the bytes) do not model. */
    for (int i = 0; i < n; i++)
        polls |= ((sim_request *)handles[i])->kind != DSGD_REQ_SEND;
    while (rc == DSGD_OK) {
        int done = 0, k = 0, m = 0, flows = 0;
        for (int i = 0; i < n && !done && rc == DSGD_OK; i++)
            if ((rc = poll_request(r, handles[i], n > 1, &done, info)) != DSGD_OK || done)
                *index = i;
        if (done || rc != DSGD_OK)
            break;
        for (int i = 0; i < n && rc == DSGD_OK; i++)
            rc = pending_on(r, handles[i], transfers, &k, allreduces, &m, &flows);
        if (rc == DSGD_OK)
            rc = block(r, transfers, k, allreduces, m, comms, flows);
        blocked = 1;
    }
    if (rc == DSGD_OK && blocked && polls)
        sim_polled(r, t_start);
    return rc;
}

/* ---- request sets (see "request sets" above) ------------------------------ */

int sim_user_set_open(dsgd_comm *c, int n, void **set)
{
    *set = NULL;
    if (!sim_self(c)->world->opt.p2p_flow)
        return DSGD_OK; /* message level: waitany over the range */
    sim_set *s = calloc(1, sizeof *s);
    if (!s || !(s->member = calloc((size_t)n, sizeof *s->member)) || sim_bits_init(&s->live, n) ||
        sim_bits_init(&s->ready, n)) {
        if (s) {
            free(s->member);
            sim_bits_free(&s->live);
            sim_bits_free(&s->ready);
        }
        free(s);
        return DSGD_ENOMEM;
    }
    s->n = n;
    *set = s;
    return DSGD_OK;
}

void sim_user_set_join(dsgd_comm *c, void *set, void *handle, int index)
{
    (void)c;
    sim_set *s = set;
    sim_request *q = handle;
    if (s->member[index] && s->member[index] != q)
        set_leave(s->member[index]); /* (a slot overwritten while posted) */
    set_leave(q);
    if (q->kind == DSGD_REQ_RECV) {
        sim_port *p = q->port;
        int k = 0;
        while (k < s->n_ports && s->ports[k] != p)
            k++;
        if (k == s->n_ports) {
            if (s->n_ports == s->cap_ports) {
                int cap = s->cap_ports ? 2 * s->cap_ports : 4;
                sim_port **grown = realloc(s->ports, sizeof *grown * (size_t)cap);
                sim_bits *more = grown ? realloc(s->rx, sizeof *more * (size_t)cap) : NULL;
                if (grown)
                    s->ports = grown;
                if (!more)
                    return; /* out of memory: not in the set; a wait on it sleeps */
                s->rx = more;
                s->cap_ports = cap;
            }
            if (sim_bits_init(&s->rx[k], s->n))
                return;
            s->ports[s->n_ports++] = p;
        }
        sim_request **head = &p->set_any;
        if (q->src != DSGD_ANY_SOURCE) {
            if (!p->set_by_src && !(p->set_by_src = calloc((size_t)p->n_ranks, sizeof *p->set_by_src)))
                return;
            head = &p->set_by_src[q->src];
        }
        q->set_next = *head;
        if (*head)
            (*head)->set_prev = q;
        *head = q;
        q->set_port = k;
        sim_bits_set(&s->rx[k], index);
    }
    q->set = s;
    q->set_index = index;
    s->member[index] = q;
    sim_bits_set(&s->live, index);
    sim_bits_set(&s->ready, index); /* it may be complete already */
}

/* waitany over the slots [lo, hi), looking only at the marked ones.  As in
 * sim_user_waitany under the flow model: the receives' ports keep their
 * gets posted, and the rank sleeps until a landing wakes it. */
int sim_user_set_wait(dsgd_comm *c, void *set, int lo, int hi, int *index, dsgd_msg_info *info)
{
    sim_rank *r = sim_self(c);
    sim_set *s = set;
    for (int posted = 0;; posted = !posted) {
        for (int i; (i = sim_bits_first(&s->ready, lo, hi)) >= 0;) {
            sim_bits_clear(&s->ready, i);
            int done = 0, rc = poll_request(r, s->member[i], 1, &done, info);
            if (done || rc != DSGD_OK) {
                *index = i;
                return rc;
            }
        }
        if (sim_bits_first(&s->live, lo, hi) < 0)
            return DSGD_EINVAL;
        if (!posted) {
            /* As waitany does before it blocks: the ports of the range's
             * receives (it may let other actors run: look again). */
            for (int k = 0; k < s->n_ports; k++)
                if (sim_bits_first(&s->rx[k], lo, hi) >= 0)
                    post(r, s->ports[k]);
            continue;
        }
        int rc = block(r, NULL, 0, NULL, 0, NULL, 1);
        if (rc != DSGD_OK)
            return rc;
    }
}

void sim_user_set_close(dsgd_comm *c, void *set)
{
    (void)c;
    sim_set *s = set;
    for (int i; (i = sim_bits_first(&s->live, 0, s->n)) >= 0;)
        set_leave(s->member[i]);
    sim_bits_free(&s->live);
    sim_bits_free(&s->ready);
    for (int k = 0; k < s->n_ports; k++)
        sim_bits_free(&s->rx[k]);
    free(s->rx);
    free(s->member);
    free(s->ports);
    free(s);
}

/* A receive lands in its buffer only when waited for (try_receive):
 * withdrawing it is forgetting it. */
int sim_user_cancel(dsgd_comm *c, void *handle)
{
    sim_request *q = handle;
    sim_port *p = port_of(sim_self(c), q->tag);
    if (p && p->wanted > 0)
        p->wanted--;
    request_free(q);
    return DSGD_OK;
}

/* After the run, for a request of a rank that ended without returning: no
 * actor runs any more, so what its transfer or helper held can go. */
void sim_user_forget(dsgd_comm *c, void *handle)
{
    sim_request *q = handle;
    switch (q->kind) {
    case DSGD_REQ_RECV: sim_user_cancel(c, q); return;
    case DSGD_REQ_SEND:
        if (q->send.comm) /* the reference put_async gave us (a killed watcher kept it) */
            sg_comm_unref(q->send.comm);
        break;
    case DSGD_REQ_ALLREDUCE: /* its helper was killed: its job, whose first member is its scratch */
        if (q->job)
            free(((sim_scratch *)q->job)->p);
        free(q->job);
        break;
    }
    request_free(q);
}

int sim_user_wait(dsgd_comm *c, void *handle, dsgd_msg_info *info)
{
    int index;
    return sim_user_waitany(c, &handle, 1, &index, info);
}

int sim_user_test(dsgd_comm *c, void *handle, int *done, dsgd_msg_info *info)
{
    sim_rank *r = sim_self(c);
    sim_request *q = handle;
    dsgd_req_kind kind = q->kind; /* q is freed once done */
    int rc = poll_request(r, q, 1, done, info);
    if (*done || rc != DSGD_OK || kind != DSGD_REQ_RECV)
        return rc;
    int brought;
    if ((rc = pump_nowait(r, port_of(r, q->tag), &brought)) != DSGD_OK || !brought)
        return rc;
    return try_receive(r, q, done, info);
}

int sim_user_probe(dsgd_comm *c, int src, int tag, int *flag, dsgd_msg_info *info)
{
    sim_rank *r = sim_self(c);
    sim_port *p = port_of(r, tag);
    if (!p)
        return DSGD_ENOMEM;
    sim_msg *m = find(p, src, 0, 0);
    /* Pump everything that has already arrived, then look again. */
    for (int brought = 1; !m && brought;) {
        int rc = pump_nowait(r, p, &brought);
        if (rc != DSGD_OK)
            return rc;
        m = find(p, src, 0, 0);
    }
    *flag = m != NULL;
    if (m) {
        info->source = m->src;
        info->tag = tag;
        info->bytes = m->bytes;
    }
    return DSGD_OK;
}

int sim_user_send(dsgd_comm *c, int dst, int tag, const void *buf, size_t bytes)
{
    void *handle;
    int rc = sim_user_isend(c, dst, tag, buf, bytes, &handle);
    return rc != DSGD_OK ? rc : sim_user_wait(c, handle, NULL);
}

int sim_user_recv(dsgd_comm *c, int src, int tag, void *buf, size_t bytes, dsgd_msg_info *info)
{
    void *handle;
    int rc = sim_user_irecv(c, src, tag, buf, bytes, &handle);
    if (rc == DSGD_OK && (rc = sim_user_wait(c, handle, info)) == DSGD_EFAILED) {
        port_of(sim_self(c), tag)->wanted--; /* a notice: it received nothing */
        request_free(handle);
    }
    return rc;
}

/* The flow-level model (p2pflow.c) lands a message: as a get would. */
sim_rank *sim_p2p_landed(dsgd_sim_world *w, int dst, sim_msg *m, void *get)
{
    (void)w, (void)dst;
    sim_transfer *t = get, *send = m->flow_sender;
    t->flowing = 0;
    t->payload = m;
    landed(t, SG_OK); /* out of memory: the message is lost */
    if (!send)
        return NULL;
    send->flowing = 0;
    set_mark((sim_request *)((char *)send - offsetof(sim_request, send)));
    return send->rank;
}

void sim_p2p_wake(sim_rank *r) { wake(r); }

/* ---- non-blocking allreduce: a helper actor on the rank's host ---------- */

typedef struct iallreduce_job {
    sim_scratch scratch; /* the helper's (sim_scratch_get) */
    sim_request *q;
    dsgd_comm *c;
    dsgd_group *g;
    float *buf;
    size_t count;
    long tag;
} iallreduce_job;

static void iallreduce_main(int argc, char **argv)
{
    (void)argc, (void)argv;
    iallreduce_job *job = sg_actor_self_get_data();
    sim_rank *r = sim_self(job->c);
    job->q->status = sim_allreduce_tagged(job->c, job->g, job->buf, job->count, job->tag);
    job->q->done = 1; /* the rank may free q from here on */
    set_mark(job->q);
    job->q->job = NULL;
    free(job->scratch.p);
    free(job);
    wake(r);
}

int sim_user_iallreduce(dsgd_comm *c, dsgd_group *g, float *buf, size_t count, void **handle)
{
    sim_rank *r = sim_self(c);
    sim_request *q = calloc(1, sizeof *q);
    iallreduce_job *job = malloc(sizeof *job);
    if (!q || !job) {
        free(q);
        free(job);
        return DSGD_ENOMEM;
    }
    /* Each rank numbers its non-blocking allreduces alike, so the n-th one
     * of every member uses the same tag, apart from blocking collectives
     * and from other non-blocking ones still in flight. */
    long tag = SIM_TAG_IALLREDUCE_BASE + (r->iallreduce_seq++ % SIM_TAG_IALLREDUCE_SPAN);
    *job = (iallreduce_job){{NULL, 0}, q, c, g, buf, count, tag};
    q->kind = DSGD_REQ_ALLREDUCE;
    q->job = job;
    sg_actor_t helper = sg_actor_init("iallreduce", r->host);
    sg_actor_set_data(helper, job);
    sg_actor_start(helper, iallreduce_main, 0, NULL);
    *handle = q;
    return DSGD_OK;
}

void *sim_scratch_get(sim_rank *r, size_t bytes)
{
    return scratch_grow(sg_actor_self() == r->actor
                            ? &r->coll_scratch
                            : &((iallreduce_job *)sg_actor_self_get_data())->scratch,
                        bytes);
}

/* ---- failures ------------------------------------------------------------ */

static void sink_main(int argc, char **argv)
{
    (void)argc, (void)argv;
    sg_mailbox_t mailbox = sg_actor_self_get_data();
    for (;;) {
        void *m = NULL;
        if (sg_comm_wait(sg_mailbox_get_async(mailbox, &m)) == SG_OK) {
            sim_msg_take(m);
            sim_msg_free(m);
        }
    }
}

void sim_announce_failure(dsgd_sim_world *w, int dead)
{
    if (w->dead[dead])
        return;
    if (!w->markers)
        w->markers = calloc((size_t)w->n, sizeof *w->markers);
    int i = w->n_dead;
    if (w->markers && (w->markers[i] = sim_msg_new(dead, 0, NULL, 0)))
        w->markers[i]->marker = 1;
    w->dead[dead] = 1;
    w->dead_list[w->n_dead++] = dead;
    for (int r = 0; r < w->n; r++)
        for (sim_port *p = w->dead[r] ? NULL : w->ranks[r].ports; p; p = p->next)
            put_marker(w, r, p->tag, i);
    for (sim_port *p = w->ranks[dead].ports; p; p = p->next) {
        sg_actor_t sink = sg_actor_init("sink", w->ranks[dead].host);
        sg_actor_set_data(sink, user_mailbox(dead, p->tag));
        sg_actor_start(sink, sink_main, 0, NULL);
        sg_actor_daemonize(sink);
    }
}

void sim_ports_free(sim_rank *r)
{
    while (r->ports) {
        sim_port *p = r->ports;
        r->ports = p->next;
        free(p->dead_seen);
        free(p->src_head);
        free(p->src_tail);
        free(p->set_by_src);
        for (sim_transfer *t = p->gets, *next; t; t = next) {
            next = t->next;
            /* A get still pending when the run ended holds the receiving
             * actor (SimGrid's comm keeps a reference to it): release it,
             * and the message, if one came that nobody received. */
            if (!t->landed && t->comm)
                sg_comm_unref(t->comm);
            sim_msg_free(t->payload);
            free(t);
        }
        for (sim_transfer *t = p->pool, *next; t; t = next) {
            next = t->next;
            free(t);
        }
        for (queued *q = p->head, *next; q; q = next) {
            next = q->next;
            sim_msg_free(q->msg);
            free(q);
        }
        for (queued *q = p->waiting, *next; q; q = next) {
            next = q->next;
            sim_msg_free(q->msg);
            free(q);
        }
        free(p);
    }
    if (r->wake)
        sg_sem_destroy(r->wake);
    r->wake = NULL;
}

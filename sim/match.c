/* match.c — what algorithms see as point-to-point on SimGrid: MPI-style
 * matching by (source, tag), any-source receives, probe, non-blocking
 * requests, and the non-blocking allreduce.
 *
 * A user message to rank d with tag t travels through mailbox "u<d>#<t>".
 * Rank d owns one *port* per tag it receives on: at most one pending get
 * on that mailbox, and a FIFO queue of the messages it brought in that no
 * receive has taken yet.  A receive for (s or any, t) takes the first
 * queued message that matches, pumping the port (one message at a time)
 * until one does.  So any-source works, messages from one source keep
 * their order, and a message waits in the queue, not in the network, for
 * the receive that wants it.  As in MPI, sends of at most SIM_EAGER_BYTES
 * are eager: they complete at once (the payload is already copied) and the
 * transfer happens when the receiver pumps; larger sends are rendezvous:
 * they complete when the receiver has the data.
 * Collectives do not come through here: they use their own mailboxes.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_internal.h"

#define SIM_EAGER_BYTES 65536

typedef struct queued {
    sim_msg *msg;
    struct queued *next;
} queued;

struct sim_port {
    int tag;
    sg_comm_t get; /* pending get on the tag's mailbox, or NULL */
    void *payload; /* where that get lands its sim_msg */
    queued *head, *tail;
    int *dead_seen; /* ranks whose marker this port has pumped */
    int n_dead_seen;
    struct sim_port *next;
};

typedef enum { REQ_SEND, REQ_RECV, REQ_ALLREDUCE } req_kind;

typedef struct sim_request {
    req_kind kind;
    sg_comm_t comm; /* send */
    int dst;        /* send */
    int src, tag;   /* receive */
    void *buf;
    size_t cap;
    sg_actor_t helper; /* allreduce: the actor doing it */
    int done, status;  /* allreduce: set by the helper */
} sim_request;

static sg_mailbox_t user_mailbox(int dst, int tag)
{
    char name[48];
    snprintf(name, sizeof name, "u%d#%d", dst, tag);
    return sg_mailbox_by_name(name);
}

/* Sends the marker of dead rank `dead` to rank dst's port for `tag`, from
 * the calling actor (detached, no payload). */
static void put_marker(int dst, int tag, int dead)
{
    sim_msg *m = sim_msg_new(dead, tag, NULL, 0);
    if (!m)
        return; /* out of memory: a receive from the dead rank may then stall */
    m->marker = 1;
    sg_comm_detach(sg_mailbox_put_init(user_mailbox(dst, tag), m, 0), free);
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
    p->next = r->ports;
    r->ports = p;
    for (int i = 0; i < r->world->n_dead; i++) /* behind all they ever sent here */
        put_marker(r->comm.rank, tag, r->world->dead_list[i]);
    return p;
}

static int seen_dead(const sim_port *p, int src)
{
    for (int i = 0; i < p->n_dead_seen; i++)
        if (p->dead_seen[i] == src)
            return 1;
    return 0;
}

static void post(sim_rank *r, sim_port *p)
{
    if (!p->get)
        p->get = sg_mailbox_get_async(user_mailbox(r->comm.rank, p->tag), &p->payload);
}

static int enqueue(sim_port *p)
{
    queued *q = malloc(sizeof *q);
    sim_msg *m = p->payload;
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
    q->msg = p->payload;
    q->next = NULL;
    if (p->tail)
        p->tail->next = q;
    else
        p->head = q;
    p->tail = q;
    p->get = NULL;
    p->payload = NULL;
    return DSGD_OK;
}

/* Brings one more message into the port's queue, blocking.  A transfer
 * that failed (its sender was killed during it) brings nothing: the
 * sender's marker follows. */
static int pump(sim_rank *r, sim_port *p)
{
    post(r, p);
    sg_error_t err = sg_comm_wait(p->get);
    if (err != SG_OK) {
        p->get = NULL;
        p->payload = NULL;
        return DSGD_OK;
    }
    return enqueue(p);
}

/* Brings in a message if one has arrived; never blocks. */
static int pump_nowait(sim_rank *r, sim_port *p)
{
    post(r, p);
    return sg_comm_test(p->get) ? enqueue(p) : DSGD_OK;
}

/* The first queued message from src (or any source; with markers set, a
 * dead rank's marker counts as a message); unlinked if take. */
static sim_msg *find(sim_port *p, int src, int take, int markers)
{
    for (queued **link = &p->head, *prev = NULL; *link; prev = *link, link = &(*link)->next) {
        queued *q = *link;
        if (q->msg->marker ? src != DSGD_ANY_SOURCE || !markers
                           : src != DSGD_ANY_SOURCE && q->msg->src != src)
            continue;
        sim_msg *m = q->msg;
        if (take) {
            *link = q->next;
            if (p->tail == q)
                p->tail = prev;
            free(q);
        }
        return m;
    }
    return NULL;
}

int sim_user_isend(dsgd_comm *c, int dst, int tag, const void *buf, size_t bytes, void **handle)
{
    sim_request *q = calloc(1, sizeof *q);
    if (!q)
        return DSGD_ENOMEM;
    q->kind = REQ_SEND;
    q->dst = dst;
    sim_rank *r = sim_self(c);
    if (r->world->dead[dst]) {
        free(q);
        return DSGD_ENETWORK;
    }
    sim_msg *m = sim_msg_new(r->comm.rank, tag, buf, bytes);
    if (!m) {
        free(q);
        return DSGD_ENOMEM;
    }
    if (bytes <= SIM_EAGER_BYTES) { /* eager: nothing left to wait for */
        sg_comm_detach(sg_mailbox_put_init(user_mailbox(dst, tag), m, (long)bytes), free);
        q->comm = NULL;
    } else {
        q->comm = sg_mailbox_put_async(user_mailbox(dst, tag), m, (long)bytes);
    }
    *handle = q;
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
    *q = (sim_request){.kind = REQ_RECV, .src = src, .tag = tag, .buf = buf, .cap = bytes};
    post(sim_self(c), p); /* let the transfer start now */
    *handle = q;
    return DSGD_OK;
}

/* A receive request is complete once a matching message is queued, or
 * failed once the marker of its (dead) source is in: DSGD_ENETWORK, done.
 * An any-source receive meeting a marker: DSGD_EFAILED, not done. */
static int try_receive(sim_rank *r, sim_request *q, int *done, dsgd_msg_info *info)
{
    sim_port *p = port_of(r, q->tag);
    sim_msg *m = find(p, q->src, 1, 1);
    *done = m != NULL && !m->marker;
    if (m && m->marker) {
        if (info)
            *info = (dsgd_msg_info){m->src, q->tag, 0};
        free(m);
        return DSGD_EFAILED;
    }
    if (!m && q->src != DSGD_ANY_SOURCE && seen_dead(p, q->src)) {
        *done = 1;
        free(q);
        return DSGD_ENETWORK;
    }
    if (!m)
        return DSGD_OK;
    int rc = sim_deliver(m, q->buf, q->cap, SIM_COPY, info);
    free(q);
    return rc;
}

/* A send whose destination is dead by the time it ends went nowhere (a
 * sink absorbed it). */
static int finish_send(sim_rank *r, sim_request *q, sg_error_t err)
{
    int dead = r->world->dead[q->dst];
    free(q);
    return err == SG_OK && !dead ? DSGD_OK : DSGD_ENETWORK;
}

static int finish_allreduce(sim_request *q)
{
    sg_actor_unref(q->helper);
    int rc = q->status;
    free(q);
    return rc;
}

int sim_user_wait(dsgd_comm *c, void *handle, dsgd_msg_info *info)
{
    sim_rank *r = sim_self(c);
    sim_request *q = handle;
    switch (q->kind) {
    case REQ_SEND: return finish_send(r, q, q->comm ? sg_comm_wait(q->comm) : SG_OK);
    case REQ_ALLREDUCE:
        while (!q->done)
            sg_actor_join(q->helper, -1);
        return finish_allreduce(q);
    case REQ_RECV:
        for (;;) {
            int done, rc = try_receive(r, q, &done, info);
            if (done || rc != DSGD_OK)
                return rc;
            if ((rc = pump(r, port_of(r, q->tag))) != DSGD_OK) {
                free(q);
                return rc;
            }
        }
    }
    return DSGD_EINVAL;
}

int sim_user_test(dsgd_comm *c, void *handle, int *done, dsgd_msg_info *info)
{
    sim_rank *r = sim_self(c);
    sim_request *q = handle;
    switch (q->kind) {
    case REQ_SEND:
        *done = !q->comm || sg_comm_test(q->comm);
        return *done ? finish_send(r, q, SG_OK) : DSGD_OK;
    case REQ_ALLREDUCE: *done = q->done; return *done ? finish_allreduce(q) : DSGD_OK;
    case REQ_RECV: {
        int rc = try_receive(r, q, done, info);
        if (*done || (rc = pump_nowait(r, port_of(r, q->tag))) != DSGD_OK)
            return rc;
        return try_receive(r, q, done, info);
    }
    }
    return DSGD_EINVAL;
}

/* Waits for whichever of the requests completes first: sends and receives
 * (a non-blocking allreduce is waited for with wait or test). */
int sim_user_waitany(dsgd_comm *c, void **handles, int n, int *index, dsgd_msg_info *info)
{
    sim_rank *r = sim_self(c);
    sg_comm_t *comms = malloc(sizeof *comms * (size_t)n);
    sim_port **ports = malloc(sizeof *ports * (size_t)n);
    int rc = comms && ports ? DSGD_OK : DSGD_ENOMEM;
    for (int i = 0; rc == DSGD_OK && i < n; i++)
        if (((sim_request *)handles[i])->kind == REQ_ALLREDUCE)
            rc = DSGD_ENOTIMPL;
    while (rc == DSGD_OK) {
        /* Already complete? (a queued match, a finished send) */
        for (int i = 0; i < n; i++) {
            sim_request *q = handles[i];
            int done = 0;
            if (q->kind == REQ_RECV)
                rc = try_receive(r, q, &done, info);
            else if ((done = !q->comm || sg_comm_test(q->comm)))
                rc = finish_send(r, q, SG_OK);
            if (done || rc != DSGD_OK) {
                *index = i;
                free(comms);
                free(ports);
                return rc;
            }
        }
        /* Block on the pending sends and the ports' gets, then retry. */
        int k = 0;
        for (int i = 0; i < n; i++) {
            sim_request *q = handles[i];
            if (q->kind == REQ_SEND) {
                ports[k] = NULL;
                comms[k++] = q->comm;
                continue;
            }
            sim_port *p = port_of(r, q->tag);
            int seen = 0;
            for (int j = 0; j < k; j++)
                seen |= ports[j] == p;
            if (!seen) {
                post(r, p);
                ports[k] = p;
                comms[k++] = p->get;
            }
        }
        ssize_t which = sg_comm_wait_any(comms, (size_t)k);
        if (which < 0)
            rc = DSGD_ENETWORK;
        else if (ports[which])
            rc = enqueue(ports[which]);
        else /* a send finished: the loop above will find it */
            for (int i = 0; i < n; i++)
                if (((sim_request *)handles[i])->comm == comms[which]) {
                    *index = i;
                    free(comms);
                    free(ports);
                    return finish_send(r, handles[i], SG_OK);
                }
    }
    free(comms);
    free(ports);
    return rc;
}

int sim_user_probe(dsgd_comm *c, int src, int tag, int *flag, dsgd_msg_info *info)
{
    sim_rank *r = sim_self(c);
    sim_port *p = port_of(r, tag);
    if (!p)
        return DSGD_ENOMEM;
    sim_msg *m = find(p, src, 0, 0);
    /* Pump everything that has already arrived, then look again. */
    while (!m) {
        size_t before = 0;
        for (queued *q = p->head; q; q = q->next)
            before++;
        int rc = pump_nowait(r, p);
        if (rc != DSGD_OK)
            return rc;
        size_t after = 0;
        for (queued *q = p->head; q; q = q->next)
            after++;
        m = find(p, src, 0, 0);
        if (after == before)
            break;
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
    if (rc == DSGD_OK && (rc = sim_user_wait(c, handle, info)) == DSGD_EFAILED)
        free(handle); /* a notice: the blocking receive received nothing */
    return rc;
}

/* ---- non-blocking allreduce: a helper actor on the rank's host ---------- */

typedef struct iallreduce_job {
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
    job->q->status = sim_allreduce_tagged(job->c, job->g, job->buf, job->count, job->tag);
    job->q->done = 1;
    free(job);
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
    *job = (iallreduce_job){q, c, g, buf, count, tag};
    q->kind = REQ_ALLREDUCE;
    q->helper = sg_actor_init("iallreduce", r->host);
    sg_actor_ref(q->helper);
    sg_actor_set_data(q->helper, job);
    sg_actor_start(q->helper, iallreduce_main, 0, NULL);
    *handle = q;
    return DSGD_OK;
}

/* ---- failures ------------------------------------------------------------ */

static void sink_main(int argc, char **argv)
{
    (void)argc, (void)argv;
    sg_mailbox_t mailbox = sg_actor_self_get_data();
    for (;;) {
        void *m = NULL;
        if (sg_comm_wait(sg_mailbox_get_async(mailbox, &m)) == SG_OK)
            free(m);
    }
}

void sim_announce_failure(dsgd_sim_world *w, int dead)
{
    if (w->dead[dead])
        return;
    w->dead[dead] = 1;
    w->dead_list[w->n_dead++] = dead;
    for (int r = 0; r < w->n; r++)
        for (sim_port *p = w->dead[r] ? NULL : w->ranks[r].ports; p; p = p->next)
            put_marker(r, p->tag, dead);
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
        for (queued *q = p->head, *next; q; q = next) {
            next = q->next;
            free(q->msg);
            free(q);
        }
        free(p);
    }
}

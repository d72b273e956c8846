/* flow.c — the flow-level collective model: a collective priced in one
 * computation per group and size instead of one simulated message at a
 * time.
 *
 * A collective algorithm is a schedule (schedule.c): steps of transfers
 * that each member starts together and waits for before its next step.
 * Each step is priced by replaying SimGrid's own network model for its
 * transfers starting together (fluid.c: latency and its factor, weighted
 * max-min sharing, the TCP window, the bandwidth factor, cross-traffic),
 * over the routes SimGrid computes.  The steps are then chained member by
 * member, as the messages are: a transfer starts once both its ends are
 * done with their previous step (a rendezvous), so members of a ring or a
 * tree whose routes differ drift apart as they do at message level
 * instead of marching in lock-step.  What this leaves out: contention
 * between transfers of different steps (when members drift apart), and
 * all traffic outside the collective (point to point, other groups'
 * collectives at the same time).
 *
 * A group's price for an algorithm and a size is computed once per run
 * (O(transfers) route lookups) and kept, so a collective costs O(1)
 * simulation work plus two zero-time barriers.  Any group can use it,
 * and several collectives can be in flight at once (non-blocking
 * allreduces, disjoint groups): each has its own meeting point, found by
 * its tag.  Collectives of one group in flight together run one after
 * another, in the order they were complete (as NCCL runs a communicator's
 * operations in order on one stream); different groups' run side by side
 * unaware of each other.  Real payloads are still summed, in a shared
 * buffer. */
#include <math.h>
#include <simgrid/actor.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <simgrid/link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xbt/dynar.h>

#include "sim/sim_internal.h"

XBT_LOG_NEW_DEFAULT_SUBCATEGORY(dsgd_flow, dsgd, "dsgd's flow-level collectives: their prices");

/* Two steps move the same transfers: one price serves both. */
static int same_step(const sim_flow_step *a, const sim_flow_step *b)
{
    return a->n == b->n && memcmp(a->xfers, b->xfers, sizeof *a->xfers * (size_t)a->n) == 0;
}

/* When each shared link carries which step's transfers: transfers of one
 * step were priced together, but transfers of different steps that share
 * a link at the same time were not (members drifting apart overlap them). */
typedef struct busy {
    sg_link_t link;
    double start, end;
    int step;
} busy;

typedef struct busy_log {
    busy *v;
    int n, cap, failed;
} busy_log;

static void busy_add(busy_log *log, sg_link_t link, double start, double end, int step)
{
    if (log->n == log->cap) {
        int cap = log->cap ? 2 * log->cap : 1024;
        busy *grown = realloc(log->v, sizeof *grown * (size_t)cap);
        if (!grown) {
            log->failed = 1;
            return;
        }
        log->v = grown;
        log->cap = cap;
    }
    log->v[log->n++] = (busy){link, start, end, step};
}

static void busy_route(busy_log *log, sg_host_t a, sg_host_t b, double start, double end, int step)
{
    xbt_dynar_t route = xbt_dynar_new(sizeof(sg_link_t), NULL);
    sg_host_get_route(a, b, route);
    unsigned i;
    sg_link_t l;
    xbt_dynar_foreach(route, i, l)
    {
        if (sg_link_is_shared(l))
            busy_add(log, l, start, end, step);
    }
    xbt_dynar_free(&route);
}

/* Logs one run of step k whose members' clocks were before[], shifted. */
static void busy_run(busy_log *log, const dsgd_sim_network *net, const sg_host_t *hosts, int k,
                     const sim_flow_step *st, const double *end_s, const double *before,
                     double shift)
{
    for (int i = 0; i < st->n; i++) {
        int a = st->xfers[i].src, b = st->xfers[i].dst;
        double start = fmax(before[a], before[b]) + shift;
        busy_route(log, hosts[a], hosts[b], start, start + end_s[i], k);
        if (net->crosstraffic)
            busy_route(log, hosts[b], hosts[a], start, start + end_s[i], k);
    }
}

static int by_link_then_start(const void *pa, const void *pb)
{
    const busy *a = pa, *b = pb;
    if (a->link != b->link)
        return (uintptr_t)a->link < (uintptr_t)b->link ? -1 : 1;
    return a->start < b->start ? -1 : a->start > b->start;
}

/* Does a shared link carry transfers of two steps at once? */
static int busy_overlap(busy_log *log)
{
    qsort(log->v, (size_t)log->n, sizeof *log->v, by_link_then_start);
    double end1 = -1, end2 = -1; /* latest ends on this link, of two different steps */
    int step1 = -1;
    for (int i = 0; i < log->n; i++) {
        const busy *b = &log->v[i];
        if (i == 0 || b->link != log->v[i - 1].link)
            end1 = end2 = -1, step1 = -1;
        double other = b->step != step1 ? end1 : end2;
        if (b->start < other - 1e-12 * fmax(other, 1e-9))
            return 1;
        if (b->step == step1) {
            end1 = fmax(end1, b->end);
        } else if (b->end > end1) {
            end2 = end1;
            end1 = b->end;
            step1 = b->step;
        } else {
            end2 = fmax(end2, b->end);
        }
    }
    return 0;
}

/* One run of step st from the members' clocks (before: scratch).  Returns
 * whether its transfers ran in lock-step: all starting together, all
 * ending together. */
static int chain_step(const sim_flow_step *st, const double *end_s, double *clock, double *before,
                      const double *mem_Bps)
{
    int lockstep = 1;
    for (int i = 0; i < st->n; i++) {
        before[st->xfers[i].src] = clock[st->xfers[i].src];
        before[st->xfers[i].dst] = clock[st->xfers[i].dst];
    }
    for (int i = 0; i < st->n; i++) {
        int a = st->xfers[i].src, b = st->xfers[i].dst;
        double start = fmax(before[a], before[b]), end = start + end_s[i];
        const sim_xfer *x0 = &st->xfers[0];
        double start0 = fmax(before[x0->src], before[x0->dst]);
        lockstep &= fabs(start - start0) <= 1e-12 * fmax(start, 1e-9) &&
                    fabs(end_s[i] - end_s[0]) <= 1e-12 * fmax(end_s[0], 1e-9);
        clock[a] = fmax(clock[a], end);
        /* the receiver of a reducing step sums before its next step */
        double sum_s = st->reduce && mem_Bps ? SIM_REDUCE_TRAFFIC * st->xfers[i].bytes / mem_Bps[b] : 0;
        clock[b] = fmax(clock[b], end + sum_s);
    }
    return lockstep;
}

/* Did every member of step st advance by the same *delta?  Then every
 * further run of the step advances them by *delta again. */
static int uniform_advance(const sim_flow_step *st, const double *clock, const double *before,
                           double *delta)
{
    *delta = clock[st->xfers[0].src] - before[st->xfers[0].src];
    for (int i = 0; i < st->n; i++) {
        int m[2] = {st->xfers[i].src, st->xfers[i].dst};
        for (int k = 0; k < 2; k++)
            if (fabs(clock[m[k]] - before[m[k]] - *delta) > 1e-12 * fmax(clock[m[k]], 1e-9))
                return 0;
    }
    return 1;
}

/* Runs a step `repeat` times; once its members advance in lock-step, the
 * remaining runs are one multiplication away.  Returns whether every run
 * was in lock-step. */
static int chain_repeated(const sim_flow_step *st, const double *end_s, double *clock,
                          double *before, busy_log *log, const dsgd_sim_network *net,
                          const sg_host_t *hosts, const double *mem_Bps, int k)
{
    int lockstep = 1;
    for (int r = 0; r < st->repeat; r++) {
        lockstep &= chain_step(st, end_s, clock, before, mem_Bps);
        if (r == 0 || r == st->repeat - 1) /* the first and last runs meet other steps */
            busy_run(log, net, hosts, k, st, end_s, before, 0);
        double delta;
        if (r + 1 < st->repeat && uniform_advance(st, clock, before, &delta)) {
            busy_run(log, net, hosts, k, st, end_s, before, (st->repeat - 1 - r) * delta);
            for (int i = 0; i < st->n; i++) { /* idempotent: a member may appear twice */
                int a = st->xfers[i].src, b = st->xfers[i].dst;
                clock[a] = before[a] + (st->repeat - r) * delta;
                clock[b] = before[b] + (st->repeat - r) * delta;
            }
            return lockstep;
        }
    }
    return lockstep;
}

/* Plays schedule s over hosts[0..n-1] from time 0: clock[i] receives when
 * member i is done.  *exact: whether the price is message level's.  It is
 * when each step's transfers either do not interfere (no shared link
 * carries two of them: a transfer's duration then does not depend on when
 * the others run) or run in lock-step (as priced: all starting together,
 * none ending early), and no shared link carries transfers of two steps
 * at once.  Where transfers sharing links drift apart, message level
 * overlaps them differently: the lock-step price is then off (by -6 % to
 * +14 % on the platforms of tests/data). */
static int play(const dsgd_sim_network *net, const sg_host_t *hosts, const double *mem_Bps, int n,
                const sim_schedule *s, double *clock, int *exact, char *err, size_t errlen)
{
    *exact = 1;
    double *before = calloc((size_t)n, sizeof *before);
    double **end_s = calloc((size_t)(s->n > 0 ? s->n : 1), sizeof *end_s);
    int *shared = calloc((size_t)(s->n > 0 ? s->n : 1), sizeof *shared);
    int rc = before && end_s && shared ? DSGD_OK : DSGD_ENOMEM;
    busy_log log = {0};
    for (int i = 0; i < n; i++)
        clock[i] = 0;
    for (int k = 0; rc == DSGD_OK && k < s->n; k++) {
        const sim_flow_step *st = &s->steps[k];
        if (st->n == 0)
            continue;
        int same = -1;
        for (int j = 0; j < k && same < 0; j++)
            if (end_s[j] && same_step(&s->steps[j], st))
                same = j;
        if (same >= 0) {
            end_s[k] = end_s[same];
            shared[k] = shared[same];
        } else if (!(end_s[k] = malloc(sizeof **end_s * (size_t)st->n))) {
            rc = DSGD_ENOMEM;
            break;
        } else if ((rc = sim_fluid_step(net, hosts, st->xfers, st->n, end_s[k], &shared[k], err,
                                        errlen)) != DSGD_OK) {
            break;
        }
        if (!chain_repeated(st, end_s[k], clock, before, &log, net, hosts, mem_Bps, k) &&
            shared[k])
            *exact = 0;
    }
    if (rc == DSGD_OK && (log.failed || busy_overlap(&log)))
        *exact = 0;
    free(log.v);
    if (rc == DSGD_ENOMEM)
        snprintf(err, errlen, "out of memory");
    for (int k = 0; end_s && k < s->n; k++) {
        int reused = 0;
        for (int j = 0; j < k && !reused; j++)
            reused = end_s[j] == end_s[k];
        if (!reused)
            free(end_s[k]);
    }
    free(end_s);
    free(shared);
    free(before);
    return rc;
}

/* The group of a member list, by its collective tag. */
static sim_flow_group *group_of(dsgd_sim_world *w, const sim_members *m)
{
    for (sim_flow_group *g = w->flow.groups; g; g = g->next)
        if (g->key == m->tag && g->n == m->n)
            return g;
    sim_flow_group *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->key = m->tag;
    g->n = m->n;
    g->next = w->flow.groups;
    w->flow.groups = g;
    return g;
}

/* Member v of a schedule rooted at member 0 becomes member (v + root) mod n:
 * collectives.c's trees count members relative to their root. */
static void relabel(sim_schedule *s, int n, int root)
{
    for (int k = 0; root && k < s->n; k++)
        for (int i = 0; i < s->steps[k].n; i++) {
            sim_xfer *x = &s->steps[k].xfers[i];
            x->src = (x->src + root) % n;
            x->dst = (x->dst + root) % n;
        }
}

static int price_rooted(const dsgd_sim_network *net, const sg_host_t *hosts, const int *node,
                        const double *mem_Bps, int n, sim_schedule_fn schedule, double bytes,
                        int root, double *end_s, int *exact, char *err, size_t errlen)
{
    sim_schedule s = {0};
    int rc = schedule(&s, n, node, bytes);
    if (rc == DSGD_OK) {
        relabel(&s, n, root);
        rc = play(net, hosts, mem_Bps, n, &s, end_s, exact, err, errlen);
    } else {
        snprintf(err, errlen, "out of memory");
    }
    sim_schedule_free(&s);
    return rc;
}

int sim_flow_price_schedule(const dsgd_sim_network *net, const sg_host_t *hosts, const int *node,
                            const double *mem_Bps, int n, sim_schedule_fn schedule, double bytes,
                            double *end_s, int *exact, char *err, size_t errlen)
{
    return price_rooted(net, hosts, node, mem_Bps, n, schedule, bytes, 0, end_s, exact, err,
                        errlen);
}

/* Symmetry mode: for each simulated rank s, how long after s the last
 * member mirroring it ends (end_s: each member's end); NAN where s is no
 * member.  O(members). */
static double *leads(const dsgd_sim_world *w, const sim_members *m, const double *end_s)
{
    int k = w->n_simulated;
    double *lead = malloc(sizeof *lead * (size_t)k);
    int *index = malloc(sizeof *index * (size_t)k); /* s's member index, -1: none */
    if (!lead || !index) {
        free(lead);
        free(index);
        return NULL;
    }
    for (int s = 0; s < k; s++)
        index[s] = -1;
    for (int i = 0; i < m->n; i++) {
        int r = m->ranks ? m->ranks[i] : i;
        if (!sim_is_virtual(w, r))
            index[r] = i;
    }
    for (int s = 0; s < k; s++)
        lead[s] = index[s] >= 0 ? 0 : NAN;
    for (int i = 0; i < m->n; i++) {
        int r = m->ranks ? m->ranks[i] : i, s = sim_mirror_of(w, r);
        if (sim_is_virtual(w, r) && index[s] >= 0)
            lead[s] = fmax(lead[s], end_s[i] - end_s[index[s]]);
    }
    free(index);
    return lead;
}

/* Prices schedule(bytes) on the members' hosts. */
static sim_flow_price *price_new(dsgd_sim_world *w, const sim_members *m, sim_schedule_fn schedule,
                                 double bytes, int root)
{
    sim_flow_price *p = calloc(1, sizeof *p);
    sg_host_t *hosts = malloc(sizeof *hosts * (size_t)m->n);
    int *node = malloc(sizeof *node * (size_t)m->n);
    double *end_s = malloc(sizeof *end_s * (size_t)m->n);
    double *mem_Bps = malloc(sizeof *mem_Bps * (size_t)m->n);
    int rc = p && hosts && node && end_s && mem_Bps ? DSGD_OK : DSGD_ENOMEM;
    for (int i = 0; rc == DSGD_OK && i < m->n; i++) {
        int r = m->ranks ? m->ranks[i] : i;
        hosts[i] = w->ranks[r].host;
        node[i] = w->node[r];
        mem_Bps[i] = w->ranks[r].mem_bw_Bps;
    }
    if (rc == DSGD_OK)
        rc = price_rooted(&w->opt.network, hosts, node, mem_Bps, m->n, schedule, bytes, root, end_s,
                          &p->exact, w->flow.error, sizeof w->flow.error);
    else
        snprintf(w->flow.error, sizeof w->flow.error, "out of memory");
    free(hosts);
    free(node);
    free(mem_Bps);
    if (rc != DSGD_OK) {
        free(end_s);
        free(p);
        return NULL;
    }
    p->schedule = schedule;
    p->bytes = bytes;
    p->root = root;
    p->end_s = end_s;
    for (int i = 0; i < m->n; i++)
        p->total_s = fmax(p->total_s, end_s[i]);
    if (w->n_simulated < w->n && !(p->lead = leads(w, m, end_s))) {
        snprintf(w->flow.error, sizeof w->flow.error, "out of memory");
        free(end_s);
        free(p);
        return NULL;
    }
    return p;
}

/* The price of a collective on the members' group, computed once. */
static sim_flow_price *price_of(dsgd_sim_world *w, sim_flow_group *g, const sim_members *m,
                                sim_schedule_fn schedule, double bytes, int root)
{
    for (sim_flow_price *p = g->prices; p; p = p->next)
        if (p->schedule == schedule && p->bytes == bytes && p->root == root)
            return p;
    sim_flow_price *p = price_new(w, m, schedule, bytes, root);
    if (!p)
        return NULL;
    XBT_VERB("%d members (tag %ld, first rank %d), %.0f bytes: %.9g s%s", m->n, m->tag,
             m->ranks ? m->ranks[0] : 0, bytes, p->total_s,
             p->exact ? "" : " (approximate: transfers sharing links drift out of lock-step)");
    p->next = g->prices;
    g->prices = p;
    return p;
}

/* The collective `tag` that members are gathering for: the one already
 * gathering, else a free one (re-armed), else a new one.  n: the members
 * that will arrive (the simulated ones). */
static sim_flow_op *op_of(dsgd_sim_world *w, long tag, int n)
{
    sim_flow_op *spare = NULL;
    for (sim_flow_op *op = w->flow.ops; op; op = op->next) {
        if (op->busy && op->tag == tag && op->arrived < op->n)
            return op;
        if (!op->busy && !spare)
            spare = op;
    }
    if (!spare) {
        if (!(spare = calloc(1, sizeof *spare)))
            return NULL;
        spare->next = w->flow.ops;
        w->flow.ops = spare;
    }
    if (spare->barrier && spare->n != n) { /* every waiter left it long ago */
        sg_barrier_destroy(spare->barrier);
        spare->barrier = NULL;
    }
    if (!spare->barrier)
        spare->barrier = sg_barrier_init((unsigned)n);
    spare->busy = 1;
    spare->tag = tag;
    spare->n = n;
    spare->arrived = spare->left = 0;
    spare->latest = 0;
    return spare;
}

/* Symmetry mode (sim.h): a virtual member never arrives.  The members
 * that meet are the simulated ones; each virtual member is taken to do
 * what its mirror does, so it arrives with the last of them, and its data
 * is its mirror's. */
static int world_rank_of(const sim_members *m, int i) { return m->ranks ? m->ranks[i] : i; }

/* How many of the members are simulated (all of them outside symmetry
 * mode). */
static int simulated_members(const dsgd_sim_world *w, const sim_members *m)
{
    if (w->n_simulated == w->n)
        return m->n;
    if (!m->ranks) /* the world: ranks 0..K-1 */
        return w->n_simulated < m->n ? w->n_simulated : m->n;
    int k = 0;
    for (int i = 0; i < m->n; i++)
        k += !sim_is_virtual(w, m->ranks[i]);
    return k;
}

/* How many members world rank `rank` (simulated) stands for: itself and
 * the virtual members that mirror it. */
static int mirrored_by(const dsgd_sim_world *w, const sim_members *m, int rank)
{
    if (w->n_simulated == w->n)
        return 1;
    if (!m->ranks) /* world ranks rank, rank + K, rank + 2K, ... below n */
        return (m->n - 1 - rank) / w->n_simulated + 1;
    int k = 0;
    for (int i = 0; i < m->n; i++)
        k += sim_mirror_of(w, m->ranks[i]) == rank;
    return k;
}

/* Meets the other members at the op's barrier; the last to arrive prices
 * the collective (schedule, bytes, rooted at member root); then everyone
 * copies the result (copy, may be NULL) and sleeps until its own part
 * ends. */
static int meet(dsgd_sim_world *w, sim_flow_op *op, const sim_members *m, sim_schedule_fn schedule,
                double bytes, int root, void (*copy)(sim_flow_op *, void *), void *arg)
{
    /* the members I stand for arrive with me, or as late as they ended
     * their last collective after me (symmetry mode; else lead is 0) */
    int mirror = sim_mirror_of(w, world_rank_of(m, m->me));
    op->latest = fmax(op->latest, simgrid_get_clock() + w->lead[mirror]);
    if (++op->arrived == op->n) {
        sim_flow_group *g = group_of(w, m);
        sim_flow_price *p = g ? price_of(w, g, m, schedule, bytes, root) : NULL;
        if (p) { /* after the group's collectives already in flight (FIFO, as NCCL runs a
                  * communicator's operations one after another) */
            op->start = fmax(op->latest, g->busy_until);
            for (int s = 0; p->lead && s < w->n_simulated; s++) /* for the next collective */
                if (!isnan(p->lead[s]))
                    w->lead[s] = p->lead[s];
            op->end_s = p->end_s;
            g->busy_until = op->start + p->total_s;
            XBT_DEBUG("collective tag %ld over %d members, %.0f bytes: %.9f s to %.9f s", op->tag,
                      m->n, bytes, op->start, g->busy_until);
        } else {
            if (!g)
                snprintf(w->flow.error, sizeof w->flow.error, "out of memory");
            op->start = -1;
        }
    }
    sg_barrier_wait(op->barrier);
    double start = op->start, end = start >= 0 ? start + op->end_s[m->me] : -1;
    if (copy && start >= 0)
        copy(op, arg);
    sg_barrier_wait(op->barrier); /* nobody re-arms the op before all copied */
    if (++op->left == op->n)
        op->busy = 0;
    if (start < 0)
        return DSGD_EBACKEND;
    sg_actor_sleep_until(end);
    return DSGD_OK;
}

/* The op of the collective the members gather for. */
static sim_flow_op *op_for(dsgd_comm *c, const sim_members *m, long tag)
{
    dsgd_sim_world *w = sim_self(c)->world;
    return op_of(w, tag, simulated_members(w, m));
}

typedef struct reduce_arg {
    float *buf;
    size_t count;
} reduce_arg;

static void copy_sum(sim_flow_op *op, void *arg)
{
    reduce_arg *a = arg;
    if (a->buf)
        memcpy(a->buf, op->sum, sizeof *a->buf * a->count);
}

/* Adds buf (count floats; NULL: phantom), weighted by the members it
 * stands for, to the op's sum; the first to arrive resets it. */
static int add_to_sum(sim_flow_op *op, const dsgd_sim_world *w, const sim_members *m,
                      const float *buf, size_t count)
{
    if (op->arrived == 0 && buf) {
        if (op->sum_count < count) {
            float *grown = realloc(op->sum, sizeof *grown * count);
            if (!grown)
                return DSGD_ENOMEM;
            op->sum = grown;
            op->sum_count = count;
        }
        memset(op->sum, 0, sizeof *op->sum * count);
    }
    float weight = (float)mirrored_by(w, m, world_rank_of(m, m->me));
    for (size_t i = 0; buf && i < count; i++)
        op->sum[i] += weight * buf[i];
    return DSGD_OK;
}

int sim_flow_allreduce(dsgd_comm *c, const sim_members *m, long tag, float *buf, size_t count,
                       sim_schedule_fn schedule)
{
    dsgd_sim_world *w = sim_self(c)->world;
    sim_flow_op *op = op_for(c, m, tag);
    if (!op)
        return DSGD_ENOMEM;
    int rc = add_to_sum(op, w, m, buf, count);
    if (rc != DSGD_OK)
        return rc;
    reduce_arg arg = {buf, count};
    return meet(w, op, m, schedule, (double)count * sizeof(float), 0, copy_sum, &arg);
}

/* The binomial tree reduce to member root: only the root gets the sum. */
int sim_flow_reduce(dsgd_comm *c, const sim_members *m, int root, float *buf, size_t count)
{
    dsgd_sim_world *w = sim_self(c)->world;
    sim_flow_op *op = op_for(c, m, m->tag);
    if (!op)
        return DSGD_ENOMEM;
    int rc = add_to_sum(op, w, m, buf, count);
    if (rc != DSGD_OK)
        return rc;
    reduce_arg arg = {m->me == root ? buf : NULL, count};
    return meet(w, op, m, sim_schedule_tree_reduce, (double)count * sizeof(float), root, copy_sum,
                &arg);
}

typedef struct gather_arg {
    void *recvbuf;
    size_t total;
} gather_arg;

static void copy_gathered(sim_flow_op *op, void *arg)
{
    gather_arg *a = arg;
    if (a->recvbuf)
        memcpy(a->recvbuf, op->gathered, a->total);
}

/* Makes room for `total` bytes in the op's gathering buffer. */
static int gather_room(sim_flow_op *op, size_t total)
{
    if (op->gathered_bytes >= total)
        return DSGD_OK;
    char *grown = realloc(op->gathered, total);
    if (!grown)
        return DSGD_ENOMEM;
    op->gathered = grown;
    op->gathered_bytes = total;
    return DSGD_OK;
}

/* The ring allgather: N-1 steps of `bytes` per transfer.  My block goes
 * to my place and to those of the virtual members that mirror me. */
int sim_flow_allgather(dsgd_comm *c, const sim_members *m, long tag, const void *sendbuf,
                       size_t bytes, void *recvbuf)
{
    dsgd_sim_world *w = sim_self(c)->world;
    sim_flow_op *op = op_for(c, m, tag);
    if (!op)
        return DSGD_ENOMEM;
    size_t total = bytes * (size_t)m->n;
    if (recvbuf && gather_room(op, total) != DSGD_OK)
        return DSGD_ENOMEM;
    int me = world_rank_of(m, m->me);
    for (int i = 0; recvbuf && sendbuf && i < m->n; i++)
        if (i == m->me ||
            (sim_is_virtual(w, world_rank_of(m, i)) && sim_mirror_of(w, world_rank_of(m, i)) == me))
            memcpy(op->gathered + (size_t)i * bytes, sendbuf, bytes);
    gather_arg arg = {recvbuf, total};
    return meet(w, op, m, sim_schedule_ring_allgather, (double)bytes, 0, copy_gathered, &arg);
}

/* The binomial tree broadcast from member root: the root's data, or that
 * of its mirror when the root is virtual. */
int sim_flow_bcast(dsgd_comm *c, const sim_members *m, int root, void *buf, size_t bytes)
{
    dsgd_sim_world *w = sim_self(c)->world;
    sim_flow_op *op = op_for(c, m, m->tag);
    if (!op)
        return DSGD_ENOMEM;
    if (buf && gather_room(op, bytes) != DSGD_OK)
        return DSGD_ENOMEM;
    int source = world_rank_of(m, root);
    source = sim_is_virtual(w, source) ? sim_mirror_of(w, source) : source;
    if (buf && world_rank_of(m, m->me) == source)
        memcpy(op->gathered, buf, bytes);
    gather_arg arg = {m->me == root || world_rank_of(m, m->me) == source ? NULL : buf, bytes};
    return meet(w, op, m, sim_schedule_tree_bcast, (double)bytes, root, copy_gathered, &arg);
}

/* A reduce then a broadcast of nothing, as collectives.c's barrier. */
int sim_flow_barrier(dsgd_comm *c, const sim_members *m)
{
    sim_flow_op *op = op_for(c, m, m->tag);
    if (!op)
        return DSGD_ENOMEM;
    return meet(sim_self(c)->world, op, m, sim_schedule_tree_allreduce, 0, 0, NULL, NULL);
}

void sim_flow_free(dsgd_sim_world *w)
{
    while (w->flow.ops) {
        sim_flow_op *op = w->flow.ops;
        w->flow.ops = op->next;
        if (op->barrier)
            sg_barrier_destroy(op->barrier);
        free(op->sum);
        free(op->gathered);
        free(op);
    }
    while (w->flow.groups) {
        sim_flow_group *g = w->flow.groups;
        w->flow.groups = g->next;
        while (g->prices) {
            sim_flow_price *p = g->prices;
            g->prices = p->next;
            free(p->end_s);
            free(p->lead);
            free(p);
        }
        free(g);
    }
}

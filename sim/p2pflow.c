/* p2pflow.c — the flow-level point-to-point model (--p2p-model flow): user
 * messages priced by dsgd's own fluid model of the network's links instead of
 * one SimGrid communication each.
 *
 * Why: a parameter server's W workers keep W transfers in flight to each
 * server, and every worker talks to every server, so all transfers form one
 * component of SimGrid's max-min system, which it solves again whenever
 * one starts or ends: O(W) work per event, O(W^2) per round of pushes
 * (asgd at 1,024 workers: minutes of wall time an iteration).
 *
 * The model.  A message of S bytes from host a to host b first waits out
 * the route's latency (SimGrid's: the links' sum, times the network
 * model's latency factor), then takes a share of every shared link of its
 * route, as SimGrid's CM02 family shares them: a link l of capacity C_l
 * (its bandwidth times the bandwidth factor) gives each flow crossing it
 * w C_l / W_l, where w = 1 / (the route's latency + weight-S times the
 * sum of its links' 1 / bandwidth) is the flow's weight (a longer route
 * gets less: at the same switch a flow from the next leaf gets half of a
 * flow from the same one) and W_l the sum of the weights of the flows on
 * l.  A flow moves at the share of the link where C_l / W_l is smallest,
 * its *governing* link, and all flows governed by l move in proportion to
 * their weights.  So a link keeps a virtual clock (the bytes per unit of
 * weight its governed flows have moved since it began) and a heap of its
 * governed flows by the virtual time at which each is done: a start, an
 * end or a change of governing link costs O(log m), whatever the number
 * of flows, where max-min over one component costs O(m).
 *
 * This is max-min sharing wherever each link's flows are governed by it or
 * by a tighter one, as in a parameter server's traffic (the server's link
 * is the bottleneck of every push into it and every pull out of it) and in
 * gossip (one flow per host link, or two where two peers pick the same
 * target).  A flow changes governing link when a link it crosses becomes
 * tighter than its own: when a flow starts on a link with at most
 * GUEST_SCAN flows governed elsewhere (its *guests*), they are weighed
 * again; when a link is left with at most RECHECK flows, its governed ones
 * are.  A network link that carries most of a large run's flows (the
 * switch's link towards a server) is not scanned: its flows are weighed
 * when they start.  What it leaves out: capacity that flows governed
 * elsewhere leave unused on a link (max-min hands it to the link's other
 * flows; here they keep their share: slower, measured +2.4 % for easgd
 * with 4 servers at 64 ranks), TCP's window bound, and the order of
 * simultaneous ends (which server serves which worker first).  Messages
 * are matched as at message level (match.c's ports): a transfer starts
 * when the receiver has a receive posted for it, as MPI's rendezvous.
 * tests/p2p_flow.sh and README ("Flow-level point to point") measure it
 * against message level.
 *
 * One daemon actor plays the model: it sleeps until the next start or
 * end, then lands what ended in the receivers' ports (match.c) and wakes
 * who waits for it. */
#include <math.h>
#include <simgrid/actor.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <simgrid/link.h>
#include <simgrid/semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xbt/dynar.h>

#include "sim/sim_internal.h"

#define RECHECK 64      /* a link left with at most this many flows weighs them again */
#define GUEST_SCAN 256  /* a link whose share falls weighs its guests if it has at most this many */
#define PF_MAX_LINKS 8 /* a route's shared links the model keeps (a 4-level fat tree's) */
#define SHARE_EPSILON 1e-9 /* relative: shares this close are equal */

typedef struct pf_link {
    sg_link_t link;
    double capacity; /* bytes/s its flows share */
    int crossing;    /* flows on it */
    double weight;   /* the sum of their weights */
    double v, t;     /* the virtual clock: v at simulated time t */
    int *gov, n_gov, cap_gov;       /* governed flows: a heap by finish_v */
    int *guest, n_guest, cap_guest; /* flows crossing it, governed elsewhere */
    int pos;                        /* in the model's heap of links; -1: not there */
    double next;                    /* when its first governed flow ends */
} pf_link;

typedef struct pf_flow {
    /* link[0..n_hosts-1]: the hosts' links (first and last of the
     * route), then the links between them; slot[j]: where the flow is in
     * link j's heap (governing) or guest list */
    int link[PF_MAX_LINKS], slot[PF_MAX_LINKS], n_links, n_hosts;
    int gov;         /* index in link[] of the governing one, -1: none */
    double finish_v; /* on the governing link's clock */
    double weight;   /* 1 / its sharing penalty */
    double bytes, join_t;
    sim_msg *msg;
    int dst;
    void *get; /* match.c's, to tell when it lands */
    int next_free;
} pf_flow;

/* Links by pointer: an open-addressing table (SimGrid's link user data is
 * fluid.c's while it prices a step). */
typedef struct pf_table {
    sg_link_t *key;
    int *value;
    size_t cap, n;
} pf_table;

typedef struct sim_p2p_flow {
    dsgd_sim_world *world;
    pf_link *links;
    int n_links, cap_links;
    pf_table table;
    pf_flow *flows;
    int cap_flows, free_flow, live;
    int *lheap, n_lheap, cap_lheap; /* links with governed flows, by next */
    int *pend, n_pend, cap_pend;    /* flows waiting out their latency, by join_t */
    int *done, n_done, cap_done;    /* ended in this step: to land */
    sim_rank **woken;               /* ... and the ranks to wake then */
    int cap_woken;
    sg_sem_t wake;
    int asleep;
    sg_actor_t actor;
    int failed; /* out of memory: messages were lost */
} sim_p2p_flow;

/* ---- small containers ---------------------------------------------------- */

static int grow(void *pp, int *cap, size_t size, int need)
{
    if (need <= *cap)
        return 0;
    int cap2 = *cap ? *cap : 16;
    while (cap2 < need)
        cap2 *= 2;
    void *grown = realloc(*(void **)pp, size * (size_t)cap2);
    if (!grown)
        return -1;
    *(void **)pp = grown;
    *cap = cap2;
    return 0;
}

static size_t hash_ptr(const void *p, size_t cap)
{
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (size_t)x & (cap - 1);
}

/* The index of link l, added on first sight; -1 if out of memory. */
static int link_of(sim_p2p_flow *f, sg_link_t l)
{
    pf_table *t = &f->table;
    if (2 * (t->n + 1) > t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 256;
        sg_link_t *key = calloc(cap, sizeof *key);
        int *value = malloc(sizeof *value * cap);
        if (!key || !value) {
            free(key);
            free(value);
            return -1;
        }
        for (size_t i = 0; i < t->cap; i++)
            if (t->key[i]) {
                size_t h = hash_ptr(t->key[i], cap);
                while (key[h])
                    h = (h + 1) & (cap - 1);
                key[h] = t->key[i];
                value[h] = t->value[i];
            }
        free(t->key);
        free(t->value);
        *t = (pf_table){key, value, cap, t->n};
    }
    size_t h = hash_ptr(l, t->cap);
    while (t->key[h] && t->key[h] != l)
        h = (h + 1) & (t->cap - 1);
    if (t->key[h])
        return t->value[h];
    if (grow(&f->links, &f->cap_links, sizeof *f->links, f->n_links + 1) != 0)
        return -1;
    t->key[h] = l;
    t->value[h] = f->n_links;
    t->n++;
    f->links[f->n_links] = (pf_link){.link = l,
                                     .capacity = sg_link_get_bandwidth(l) *
                                                 f->world->opt.network.bandwidth_factor,
                                     .pos = -1,
                                     .next = INFINITY};
    return f->n_links++;
}

/* ---- the heaps ------------------------------------------------------------
 * A link's governed flows by finish_v (a flow knows its slot in it), the
 * links by next (a link knows its pos), the pending flows by join_t. */

static int gov_slot(pf_flow *x) { return x->gov; }

static void gov_set(sim_p2p_flow *f, pf_link *l, int i, int id)
{
    l->gov[i] = id;
    f->flows[id].slot[gov_slot(&f->flows[id])] = i;
}

static void gov_up(sim_p2p_flow *f, pf_link *l, int i)
{
    int id = l->gov[i];
    while (i > 0) {
        int p = (i - 1) / 2;
        if (f->flows[l->gov[p]].finish_v <= f->flows[id].finish_v)
            break;
        gov_set(f, l, i, l->gov[p]);
        i = p;
    }
    gov_set(f, l, i, id);
}

static void gov_down(sim_p2p_flow *f, pf_link *l, int i)
{
    int id = l->gov[i];
    for (;;) {
        int c = 2 * i + 1;
        if (c >= l->n_gov)
            break;
        if (c + 1 < l->n_gov && f->flows[l->gov[c + 1]].finish_v < f->flows[l->gov[c]].finish_v)
            c++;
        if (f->flows[id].finish_v <= f->flows[l->gov[c]].finish_v)
            break;
        gov_set(f, l, i, l->gov[c]);
        i = c;
    }
    gov_set(f, l, i, id);
}

static void gov_remove(sim_p2p_flow *f, pf_link *l, int i)
{
    int last = l->gov[--l->n_gov];
    if (i == l->n_gov)
        return;
    gov_set(f, l, i, last);
    gov_up(f, l, i);
    gov_down(f, l, f->flows[last].slot[f->flows[last].gov]);
}

static void lheap_set(sim_p2p_flow *f, int i, int link)
{
    f->lheap[i] = link;
    f->links[link].pos = i;
}

static void lheap_up(sim_p2p_flow *f, int i)
{
    int k = f->lheap[i];
    while (i > 0 && f->links[f->lheap[(i - 1) / 2]].next > f->links[k].next) {
        lheap_set(f, i, f->lheap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    lheap_set(f, i, k);
}

static void lheap_down(sim_p2p_flow *f, int i)
{
    int k = f->lheap[i];
    for (;;) {
        int c = 2 * i + 1;
        if (c >= f->n_lheap)
            break;
        if (c + 1 < f->n_lheap && f->links[f->lheap[c + 1]].next < f->links[f->lheap[c]].next)
            c++;
        if (f->links[k].next <= f->links[f->lheap[c]].next)
            break;
        lheap_set(f, i, f->lheap[c]);
        i = c;
    }
    lheap_set(f, i, k);
}

/* Brings link k's clock to `now` and files it in the heap of links by its
 * first governed flow's end. */
static void advance(sim_p2p_flow *f, int k, double now)
{
    pf_link *l = &f->links[k];
    if (l->crossing > 0 && now > l->t)
        l->v += (now - l->t) * l->capacity / l->weight;
    l->t = now;
}

static int refile(sim_p2p_flow *f, int k)
{
    pf_link *l = &f->links[k];
    l->next = l->n_gov == 0 ? INFINITY
                            : l->t + (f->flows[l->gov[0]].finish_v - l->v) * l->weight / l->capacity;
    if (l->pos < 0) {
        if (l->n_gov == 0)
            return 0;
        if (grow(&f->lheap, &f->cap_lheap, sizeof *f->lheap, f->n_lheap + 1) != 0)
            return -1;
        lheap_set(f, f->n_lheap++, k);
        lheap_up(f, l->pos);
        return 0;
    }
    if (l->n_gov == 0) { /* out of the heap */
        int i = l->pos, last = f->lheap[--f->n_lheap];
        l->pos = -1;
        if (i < f->n_lheap) {
            lheap_set(f, i, last);
            lheap_up(f, i);
            lheap_down(f, f->links[last].pos);
        }
        return 0;
    }
    lheap_up(f, l->pos);
    lheap_down(f, l->pos);
    return 0;
}

static void pend_up(sim_p2p_flow *f, int i)
{
    int id = f->pend[i];
    while (i > 0 && f->flows[f->pend[(i - 1) / 2]].join_t > f->flows[id].join_t) {
        f->pend[i] = f->pend[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    f->pend[i] = id;
}

static int pend_pop(sim_p2p_flow *f)
{
    int top = f->pend[0], id = f->pend[--f->n_pend], i = 0;
    for (;;) {
        int c = 2 * i + 1;
        if (c >= f->n_pend)
            break;
        if (c + 1 < f->n_pend && f->flows[f->pend[c + 1]].join_t < f->flows[f->pend[c]].join_t)
            c++;
        if (f->flows[id].join_t <= f->flows[f->pend[c]].join_t)
            break;
        f->pend[i] = f->pend[c];
        i = c;
    }
    if (f->n_pend > 0)
        f->pend[i] = id;
    return top;
}

/* ---- governing links ----------------------------------------------------- */

/* What the link gives its flows per unit of weight. */
static double share(const pf_link *l) { return l->crossing > 0 ? l->capacity / l->weight : INFINITY; }

static int add_guest(sim_p2p_flow *f, int id, int j)
{
    pf_link *l = &f->links[f->flows[id].link[j]];
    if (grow(&l->guest, &l->cap_guest, sizeof *l->guest, l->n_guest + 1) != 0)
        return -1;
    f->flows[id].slot[j] = l->n_guest;
    l->guest[l->n_guest++] = id;
    return 0;
}

static void remove_guest(sim_p2p_flow *f, int id, int j)
{
    pf_link *l = &f->links[f->flows[id].link[j]];
    int i = f->flows[id].slot[j], last = l->guest[--l->n_guest];
    if (i < l->n_guest) {
        l->guest[i] = last;
        pf_flow *o = &f->flows[last];
        int k = f->flows[id].link[j], jo = 0;
        while (o->link[jo] != k)
            jo++;
        o->slot[jo] = i;
    }
}

/* Puts flow id under its j-th link, with `left` bytes still to move (the
 * link's clock is current). */
static int govern(sim_p2p_flow *f, int id, int j, double left)
{
    pf_flow *x = &f->flows[id];
    pf_link *l = &f->links[x->link[j]];
    if (grow(&l->gov, &l->cap_gov, sizeof *l->gov, l->n_gov + 1) != 0)
        return -1;
    x->gov = j;
    x->finish_v = l->v + left / x->weight;
    l->gov[l->n_gov] = id;
    x->slot[j] = l->n_gov++;
    gov_up(f, l, x->slot[j]);
    return refile(f, x->link[j]);
}

/* Moves flow id from its governing link to its j-th link (both clocks
 * current), keeping what it has left to move. */
static int migrate(sim_p2p_flow *f, int id, int j)
{
    pf_flow *x = &f->flows[id];
    int g = x->gov, gk = x->link[g];
    pf_link *from = &f->links[gk];
    double left = (x->finish_v - from->v) * x->weight;
    gov_remove(f, from, x->slot[g]);
    if (refile(f, gk) != 0)
        return -1;
    remove_guest(f, id, j);
    x->gov = -1;
    if (add_guest(f, id, g) != 0)
        return -1;
    return govern(f, id, j, left > 0 ? left : 0);
}

/* The index in x->link[] of x's tightest link other than its governing
 * one, if it is tighter by more than the epsilon; else -1. */
static int tighter(const sim_p2p_flow *f, const pf_flow *x)
{
    int best = -1;
    double s = share(&f->links[x->link[x->gov]]) * (1 - SHARE_EPSILON);
    for (int j = 0; j < x->n_links; j++)
        if (j != x->gov && share(&f->links[x->link[j]]) < s) {
            s = share(&f->links[x->link[j]]);
            best = j;
        }
    return best;
}

/* Moves flow id to the tightest of its links if that is tighter than its
 * governing one: 1 if it moved, 0 if not, -1 if out of memory. */
static int move_if_tighter(sim_p2p_flow *f, int id, double now)
{
    pf_flow *x = &f->flows[id];
    int j = tighter(f, x);
    if (j < 0)
        return 0;
    advance(f, x->link[x->gov], now);
    advance(f, x->link[j], now);
    return migrate(f, id, j) != 0 ? -1 : 1;
}

/* Link k's share fell: its guests governed by a looser link move to it
 * (or to a link tighter still).  Only on a link with at most GUEST_SCAN
 * guests: one inside the network may carry most flows of a large run,
 * governed by the servers' links, and scanning them at each start would
 * cost O(n) (ssgd-ps at 4,096 ranks: 4x the wall time); there a flow
 * weighs its links when it starts and when its governing link empties. */
static int recheck_guests(sim_p2p_flow *f, int k, double now)
{
    pf_link *l = &f->links[k];
    if (l->n_guest > GUEST_SCAN)
        return 0;
    for (int i = 0; i < l->n_guest;) {
        int moved = move_if_tighter(f, l->guest[i], now);
        if (moved < 0)
            return -1;
        i += !moved; /* moved: the guest at i is another one now */
    }
    return 0;
}

/* Link k's share rose: a governed flow whose other link is now the tighter
 * moves there (only on a link left with few flows: see the top). */
static int recheck_governed(sim_p2p_flow *f, int k, double now)
{
    pf_link *l = &f->links[k];
    if (l->crossing > RECHECK)
        return 0;
    for (int i = 0; i < l->n_gov;) {
        int moved = move_if_tighter(f, l->gov[i], now);
        if (moved < 0)
            return -1;
        i = moved ? 0 : i + 1; /* moved: the heap changed under us */
    }
    return 0;
}

/* ---- starting and ending ------------------------------------------------- */

static int join(sim_p2p_flow *f, int id, double now)
{
    pf_flow *x = &f->flows[id];
    if (x->n_links == 0) {
        x->gov = -1;
        return grow(&f->done, &f->cap_done, sizeof *f->done, f->n_done + 1) != 0
                   ? -1
                   : (f->done[f->n_done++] = id, 0);
    }
    for (int j = 0; j < x->n_links; j++) {
        advance(f, x->link[j], now);
        f->links[x->link[j]].crossing++;
        f->links[x->link[j]].weight += x->weight;
    }
    int g = x->n_hosts - 1; /* the receiver's link, unless another is tighter */
    for (int j = 0; j < x->n_links; j++)
        if (share(&f->links[x->link[j]]) < share(&f->links[x->link[g]]) * (1 - SHARE_EPSILON))
            g = j;
    if (govern(f, id, g, x->bytes) != 0)
        return -1;
    for (int j = 0; j < x->n_links; j++)
        if (j != g && add_guest(f, id, j) != 0)
            return -1;
    for (int j = 0; j < x->n_links; j++) /* shares fell: clocks run slower */
        if (refile(f, x->link[j]) != 0 ||
            recheck_guests(f, x->link[j], now) != 0)
            return -1;
    return 0;
}

static int leave(sim_p2p_flow *f, int id, double now)
{
    pf_flow *x = &f->flows[id];
    for (int j = 0; j < x->n_links; j++) {
        pf_link *l = &f->links[x->link[j]];
        advance(f, x->link[j], now);
        l->weight = --l->crossing > 0 ? l->weight - x->weight : 0;
        if (j != x->gov)
            remove_guest(f, id, j);
    }
    for (int j = 0; j < x->n_links; j++)
        if (refile(f, x->link[j]) != 0 || recheck_governed(f, x->link[j], now) != 0)
            return -1;
    return grow(&f->done, &f->cap_done, sizeof *f->done, f->n_done + 1) != 0
               ? -1
               : (f->done[f->n_done++] = id, 0);
}

/* Plays every start and end due by `now`. */
static int step(sim_p2p_flow *f, double now)
{
    for (;;) {
        double next_join = f->n_pend ? f->flows[f->pend[0]].join_t : INFINITY;
        double next_end = f->n_lheap ? f->links[f->lheap[0]].next : INFINITY;
        if (fmin(next_join, next_end) > now + SIM_TIME_PRECISION)
            return 0;
        if (next_join <= next_end) {
            if (join(f, pend_pop(f), now) != 0)
                return -1;
            continue;
        }
        int k = f->lheap[0];
        pf_link *l = &f->links[k];
        advance(f, k, now);
        int id = l->gov[0];
        gov_remove(f, l, 0);
        if (leave(f, id, now) != 0)
            return -1;
    }
}

static void flow_free(sim_p2p_flow *f, int id)
{
    f->flows[id].msg = NULL;
    f->flows[id].next_free = f->free_flow;
    f->free_flow = id;
    f->live--;
}

static void daemon_main(int argc, char **argv)
{
    (void)argc, (void)argv;
    sim_p2p_flow *f = sg_actor_self_get_data();
    for (;;) {
        double now = simgrid_get_clock();
        if (step(f, now) != 0)
            f->failed = 1;
        /* Land what ended only now: landing wakes actors, which may start
         * flows (into the structures the step walked). */
        int n_done = f->n_done;
        f->n_done = 0;
        if (grow(&f->woken, &f->cap_woken, sizeof *f->woken, 2 * n_done) != 0) {
            f->failed = 1; /* out of memory: nobody wakes; a stall says so */
            n_done = 0;
        }
        int n_woken = 0;
        for (int i = 0; i < n_done; i++) { /* in the order they ended, all before any wakes */
            pf_flow x = f->flows[f->done[i]];
            flow_free(f, f->done[i]);
            sim_rank *sender = sim_p2p_landed(f->world, x.dst, x.msg, x.get);
            f->woken[n_woken++] = &f->world->ranks[x.dst];
            if (sender)
                f->woken[n_woken++] = sender;
        }
        for (int i = 0; i < n_woken; i++)
            sim_p2p_wake(f->woken[i]);
        now = simgrid_get_clock();
        double next_join = f->n_pend ? f->flows[f->pend[0]].join_t : INFINITY;
        double next_end = f->n_lheap ? f->links[f->lheap[0]].next : INFINITY;
        double next = fmin(next_join, next_end);
        f->asleep = 1;
        if (isinf(next))
            sg_sem_acquire(f->wake);
        else
            sg_sem_acquire_timeout(f->wake, next > now ? next - now : 0);
        f->asleep = 0;
    }
}

/* ---- the interface ------------------------------------------------------- */

int sim_p2p_flow_send(dsgd_sim_world *w, int dst, sim_msg *m, void *get)
{
    sim_rank *from = &w->ranks[m->src];
    sim_p2p_flow *f = w->p2p_flow;
    if (!f) {
        if (!(f = calloc(1, sizeof *f)) || !(f->wake = sg_sem_init(0))) {
            free(f);
            return DSGD_ENOMEM;
        }
        f->world = w;
        f->free_flow = -1;
        w->p2p_flow = f;
        f->actor = sg_actor_init("p2p-flow", from->host);
        sg_actor_set_data(f->actor, f);
        sg_actor_start(f->actor, daemon_main, 0, NULL);
        sg_actor_daemonize(f->actor); /* its endless wait keeps nothing up */
    }
    if (f->free_flow < 0) {
        int old = f->cap_flows;
        if (grow(&f->flows, &f->cap_flows, sizeof *f->flows, old + 1) != 0)
            return DSGD_ENOMEM;
        for (int i = f->cap_flows - 1; i >= old; i--) {
            f->flows[i].next_free = f->free_flow;
            f->flows[i].msg = NULL;
            f->free_flow = i;
        }
    }
    if (grow(&f->pend, &f->cap_pend, sizeof *f->pend, f->n_pend + 1) != 0)
        return DSGD_ENOMEM;
    sg_host_t a = from->host, b = w->ranks[dst].host;
    pf_flow x = {.gov = -1, .bytes = (double)m->bytes, .msg = m, .dst = dst, .get = get};
    xbt_dynar_t route = xbt_dynar_new(sizeof(sg_link_t), NULL);
    sg_host_get_route(a, b, route);
    unsigned i;
    sg_link_t l;
    sg_link_t shared[PF_MAX_LINKS];
    int n_shared = 0;
    double inverse_bw = 0;
    xbt_dynar_foreach(route, i, l)
    {
        inverse_bw += 1 / sg_link_get_bandwidth(l);
        if (!sg_link_is_shared(l))
            continue;
        if (n_shared == PF_MAX_LINKS) /* keep the last: the receiver's */
            n_shared--;
        shared[n_shared++] = l;
    }
    xbt_dynar_free(&route);
    /* the hosts' links first, then the links between them */
    int order[PF_MAX_LINKS], n = 0;
    if (n_shared > 0)
        order[n++] = 0;
    if (n_shared > 1)
        order[n++] = n_shared - 1;
    for (int j = 1; j < n_shared - 1; j++)
        order[n++] = j;
    x.n_hosts = n_shared > 1 ? 2 : n_shared;
    for (int j = 0; j < n; j++) {
        int k = link_of(f, shared[order[j]]);
        if (k < 0)
            return DSGD_ENOMEM;
        x.link[x.n_links++] = k;
    }
    /* SimGrid's CM02 family shares a link among its flows in proportion
     * to 1 / penalty, penalty = the route's latency + weight-S times the
     * sum of its links' 1 / bandwidth (fluid.c): a flow over a longer
     * route gets less. */
    double latency = sg_host_get_route_latency(a, b);
    double penalty = latency > 0 ? latency + w->opt.network.weight_S * inverse_bw : 1.0;
    x.weight = 1 / penalty;
    double now = simgrid_get_clock();
    x.join_t = now + latency * w->opt.network.latency_factor;
    int id = f->free_flow;
    f->free_flow = f->flows[id].next_free;
    f->flows[id] = x;
    f->live++;
    f->pend[f->n_pend++] = id;
    pend_up(f, f->n_pend - 1);
    if (f->asleep) {
        f->asleep = 0;
        sg_sem_release(f->wake);
    }
    return DSGD_OK;
}

int sim_p2p_flow_failed(const dsgd_sim_world *w) { return w->p2p_flow && w->p2p_flow->failed; }

void sim_p2p_flow_free(dsgd_sim_world *w)
{
    sim_p2p_flow *f = w->p2p_flow;
    if (!f)
        return;
    for (int i = 0; i < f->cap_flows; i++)
        sim_msg_free(f->flows[i].msg); /* in flight when the run ended */
    for (int k = 0; k < f->n_links; k++) {
        free(f->links[k].gov);
        free(f->links[k].guest);
    }
    free(f->links);
    free(f->table.key);
    free(f->table.value);
    free(f->flows);
    free(f->lheap);
    free(f->pend);
    free(f->done);
    free(f->woken);
    sg_sem_destroy(f->wake);
    free(f);
    w->p2p_flow = NULL;
}

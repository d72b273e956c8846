/* flow.c — the flow-level collective model: a ring allreduce priced in one
 * computation instead of 2(N-1)*N simulated messages.
 *
 * In every ring step each rank sends S/N bytes to its right neighbour, all
 * at once, over the same N routes.  Under max-min sharing (SimGrid's CM02)
 * the slowest flow of such a step gets the smallest fair share of any link
 * it crosses, min over links l of C_l / n_l (n_l: flows on l), and the
 * step ends when that flow does:
 *     step = max_f latency_f + (S/N) / min_f min_{l in f} C_l / n_l
 *     T    = 2 (N-1) step
 * Links that do not share (FATPIPE) give each flow C_l.  Other network
 * models are mirrored through their factors: latency x latency_factor,
 * capacity x bandwidth_factor, and with cross-traffic each flow's reverse
 * (acknowledgement) traffic weighs 0.05 on the links of the reverse route.
 * A group's routes are analysed once per run (O(N) route lookups), so a
 * collective costs O(1) simulation work plus two zero-time barriers;
 * contention inside the collective is kept because n_l counts every flow
 * that crosses l; traffic outside it (point to point, other groups'
 * collectives at the same time) is not seen.  Any group can use it, and
 * several collectives can be in flight at once (non-blocking allreduces,
 * disjoint groups): each has its own meeting point, found by its tag.
 * Collectives of one group in flight together run one after another, in
 * the order they were complete (as NCCL runs a communicator's operations
 * in order on one stream); different groups' run side by side unaware of
 * each other.
 * Real payloads are still summed, in a shared buffer. */
#include <math.h>
#include <simgrid/actor.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <simgrid/link.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xbt/dynar.h>

#include "sim/sim_internal.h"

XBT_LOG_NEW_DEFAULT_SUBCATEGORY(dsgd_flow, dsgd, "dsgd's flow-level collectives: ring prices");

#define CROSSTRAFFIC_WEIGHT 0.05

/* Adds weight to the load of every link on the route src -> dst; link
 * loads live in the links' user data (as weight * 1e6, integer). */
static void load_route(sg_host_t src, sg_host_t dst, double weight, int add)
{
    xbt_dynar_t links = xbt_dynar_new(sizeof(sg_link_t), NULL);
    sg_host_get_route(src, dst, links);
    unsigned i;
    sg_link_t link;
    xbt_dynar_foreach(links, i, link)
    {
        intptr_t load = (intptr_t)sg_link_get_data(link);
        load = add ? load + (intptr_t)(weight * 1e6) : 0;
        sg_link_set_data(link, (void *)load);
    }
    xbt_dynar_free(&links);
}

/* Max-min rate of the flow src -> dst given the loads on its links. */
static double flow_rate(sg_host_t src, sg_host_t dst, const dsgd_sim_network *net)
{
    xbt_dynar_t links = xbt_dynar_new(sizeof(sg_link_t), NULL);
    sg_host_get_route(src, dst, links);
    double rate = 1e300;
    unsigned i;
    sg_link_t link;
    xbt_dynar_foreach(links, i, link)
    {
        double capacity = sg_link_get_bandwidth(link) * net->bandwidth_factor;
        double load = (double)(intptr_t)sg_link_get_data(link) / 1e6;
        double share = sg_link_is_shared(link) && load > 1 ? capacity / load : capacity;
        if (share < rate)
            rate = share;
    }
    xbt_dynar_free(&links);
    return rate;
}

/* Prices a ring over hosts[0..n-1] (member i sends to member i+1). */
static void analyse_ring(const dsgd_sim_network *net, const sg_host_t *hosts, int n,
                         double *step_latency_s, double *flow_Bps)
{
    for (int pass = 0; pass < 2; pass++) /* clear any stale loads, then count */
        for (int i = 0; i < n; i++) {
            sg_host_t a = hosts[i], b = hosts[(i + 1) % n];
            load_route(a, b, 1.0, pass);
            if (net->crosstraffic)
                load_route(b, a, CROSSTRAFFIC_WEIGHT, pass);
        }
    double latency = 0, rate = 1e300;
    for (int i = 0; i < n; i++) {
        sg_host_t a = hosts[i], b = hosts[(i + 1) % n];
        double lat = sg_host_get_route_latency(a, b) * net->latency_factor;
        double r = flow_rate(a, b, net);
        latency = lat > latency ? lat : latency;
        rate = r < rate ? r : rate;
    }
    for (int i = 0; i < n; i++) { /* leave the links' data as we found it */
        load_route(hosts[i], hosts[(i + 1) % n], 0, 0);
        load_route(hosts[(i + 1) % n], hosts[i], 0, 0);
    }
    *step_latency_s = latency;
    *flow_Bps = rate;
}

/* The ring of a member list, analysed once per run (keyed by the group's
 * collective tag, a hash of its members). */
static sim_flow_ring *ring_of(dsgd_sim_world *w, const sim_members *m)
{
    for (sim_flow_ring *g = w->flow.rings; g; g = g->next)
        if (g->key == m->tag && g->n == m->n)
            return g;
    sim_flow_ring *g = calloc(1, sizeof *g);
    sg_host_t *hosts = malloc(sizeof *hosts * (size_t)m->n);
    if (!g || !hosts) {
        free(g);
        free(hosts);
        return NULL;
    }
    for (int i = 0; i < m->n; i++)
        hosts[i] = w->ranks[m->ranks ? m->ranks[i] : i].host;
    analyse_ring(&w->opt.network, hosts, m->n, &g->step_latency_s, &g->flow_Bps);
    free(hosts);
    XBT_VERB("ring of %d members (tag %ld, first rank %d): step latency %.9g s, slowest flow "
             "%.9g B/s",
             m->n, m->tag, m->ranks ? m->ranks[0] : 0, g->step_latency_s, g->flow_Bps);
    g->key = m->tag;
    g->n = m->n;
    g->next = w->flow.rings;
    w->flow.rings = g;
    return g;
}

/* The collective `tag` that members are gathering for: the one already
 * gathering, else a free one (re-armed), else a new one. */
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
    return spare;
}

/* Meets the other members at the op's barrier; the last to arrive prices
 * the collective (steps ring steps of `chunk` bytes) with price(); then
 * everyone copies the result (copy, may be NULL) and sleeps until it ends. */
static int meet(dsgd_sim_world *w, sim_flow_op *op, const sim_members *m, double steps,
                double chunk, void (*copy)(sim_flow_op *, void *), void *arg)
{
    if (++op->arrived == op->n) {
        sim_flow_ring *g = ring_of(w, m);
        if (g) { /* after the ring's collectives already in flight (FIFO, as NCCL runs a
                  * communicator's operations one after another) */
            double start = fmax(simgrid_get_clock(), g->busy_until);
            op->end = g->busy_until = start + steps * (g->step_latency_s + chunk / g->flow_Bps);
            XBT_DEBUG("collective tag %ld over %d members: %g steps of %g bytes, %.9f s to %.9f s",
                      op->tag, m->n, steps, chunk, start, op->end);
        } else {
            op->end = -1;
        }
    }
    sg_barrier_wait(op->barrier);
    double end = op->end;
    if (copy && end >= 0)
        copy(op, arg);
    sg_barrier_wait(op->barrier); /* nobody re-arms the op before all copied */
    if (++op->left == op->n)
        op->busy = 0;
    if (end < 0)
        return DSGD_ENOMEM;
    sg_actor_sleep_until(end);
    return DSGD_OK;
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

int sim_flow_allreduce(dsgd_comm *c, const sim_members *m, long tag, float *buf, size_t count)
{
    dsgd_sim_world *w = sim_self(c)->world;
    sim_flow_op *op = op_of(w, tag, m->n);
    if (!op)
        return DSGD_ENOMEM;
    if (op->arrived == 0 && buf) { /* first to arrive resets the sum */
        if (op->sum_count < count) {
            float *grown = realloc(op->sum, sizeof *grown * count);
            if (!grown)
                return DSGD_ENOMEM;
            op->sum = grown;
            op->sum_count = count;
        }
        memset(op->sum, 0, sizeof *op->sum * count);
    }
    if (buf)
        for (size_t i = 0; i < count; i++)
            op->sum[i] += buf[i];
    reduce_arg arg = {buf, count};
    double chunk = (double)count * sizeof(float) / m->n;
    return meet(w, op, m, 2.0 * (m->n - 1), chunk, copy_sum, &arg);
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

/* The ring allgather: N-1 steps of `bytes` per flow over the same routes,
 * so T = (N-1) (latency + bytes / rate), priced like the allreduce. */
int sim_flow_allgather(dsgd_comm *c, const sim_members *m, long tag, const void *sendbuf,
                       size_t bytes, void *recvbuf)
{
    dsgd_sim_world *w = sim_self(c)->world;
    sim_flow_op *op = op_of(w, tag, m->n);
    if (!op)
        return DSGD_ENOMEM;
    size_t total = bytes * (size_t)m->n;
    if (recvbuf && op->gathered_bytes < total) {
        char *grown = realloc(op->gathered, total);
        if (!grown)
            return DSGD_ENOMEM;
        op->gathered = grown;
        op->gathered_bytes = total;
    }
    if (recvbuf && sendbuf)
        memcpy(op->gathered + (size_t)m->me * bytes, sendbuf, bytes);
    gather_arg arg = {recvbuf, total};
    return meet(w, op, m, m->n - 1, (double)bytes, copy_gathered, &arg);
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
    while (w->flow.rings) {
        sim_flow_ring *g = w->flow.rings;
        w->flow.rings = g->next;
        free(g);
    }
}

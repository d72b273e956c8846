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
 * The routes are analysed once per run (O(N) route lookups), so a
 * collective costs O(1) simulation work plus two zero-time barriers;
 * contention is kept because n_l counts every flow that crosses l.
 * Real payloads are still summed, in a shared buffer. */
#include <simgrid/actor.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <simgrid/link.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xbt/dynar.h>

#include "sim/sim_internal.h"

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

static void analyse_ring(dsgd_sim_world *w)
{
    const dsgd_sim_network *net = &w->opt.network;
    int n = w->n;
    for (int pass = 0; pass < 2; pass++) /* clear any stale loads, then count */
        for (int i = 0; i < n; i++) {
            sg_host_t a = w->ranks[i].host, b = w->ranks[(i + 1) % n].host;
            load_route(a, b, 1.0, pass);
            if (net->crosstraffic)
                load_route(b, a, CROSSTRAFFIC_WEIGHT, pass);
        }
    double latency = 0, rate = 1e300;
    for (int i = 0; i < n; i++) {
        sg_host_t a = w->ranks[i].host, b = w->ranks[(i + 1) % n].host;
        double lat = sg_host_get_route_latency(a, b) * net->latency_factor;
        double r = flow_rate(a, b, net);
        latency = lat > latency ? lat : latency;
        rate = r < rate ? r : rate;
    }
    for (int i = 0; i < n; i++) { /* leave the links' data as we found it */
        load_route(w->ranks[i].host, w->ranks[(i + 1) % n].host, 0, 0);
        load_route(w->ranks[(i + 1) % n].host, w->ranks[i].host, 0, 0);
    }
    w->flow.step_latency_s = latency;
    w->flow.flow_Bps = rate;
    w->flow.analysed = 1;
}

int sim_flow_allreduce(dsgd_comm *c, float *buf, size_t count)
{
    sim_rank *r = sim_self(c);
    dsgd_sim_world *w = r->world;
    sim_flow *f = &w->flow;
    if (f->arrived == 0 && buf) { /* first to arrive resets the sum */
        if (f->sum_count < count) {
            float *grown = realloc(f->sum, sizeof *grown * count);
            if (!grown)
                return DSGD_ENOMEM;
            f->sum = grown;
            f->sum_count = count;
        }
        memset(f->sum, 0, sizeof *f->sum * count);
    }
    if (buf)
        for (size_t i = 0; i < count; i++)
            f->sum[i] += buf[i];
    if (++f->arrived == w->n) { /* last to arrive prices the collective */
        if (!f->analysed)
            analyse_ring(w);
        double chunk = (double)count * sizeof(float) / w->n;
        f->end = simgrid_get_clock() + 2.0 * (w->n - 1) * (f->step_latency_s + chunk / f->flow_Bps);
        f->arrived = 0;
    }
    sg_barrier_wait(f->barrier);
    if (buf)
        memcpy(buf, f->sum, sizeof *buf * count);
    double end = f->end;
    sg_barrier_wait(f->barrier); /* nobody resets the sum before all copied */
    sg_actor_sleep_until(end);
    return DSGD_OK;
}

/* The ring allgather: N-1 steps of `bytes` per flow over the same routes,
 * so T = (N-1) (latency + bytes / rate), priced like the allreduce. */
int sim_flow_allgather(dsgd_comm *c, const void *sendbuf, size_t bytes, void *recvbuf)
{
    sim_rank *r = sim_self(c);
    dsgd_sim_world *w = r->world;
    sim_flow *f = &w->flow;
    size_t total = bytes * (size_t)w->n;
    if (recvbuf && f->gathered_bytes < total) {
        char *grown = realloc(f->gathered, total);
        if (!grown)
            return DSGD_ENOMEM;
        f->gathered = grown;
        f->gathered_bytes = total;
    }
    if (recvbuf && sendbuf)
        memcpy(f->gathered + (size_t)c->rank * bytes, sendbuf, bytes);
    if (++f->arrived == w->n) {
        if (!f->analysed)
            analyse_ring(w);
        f->end =
            simgrid_get_clock() + (w->n - 1) * (f->step_latency_s + (double)bytes / f->flow_Bps);
        f->arrived = 0;
    }
    sg_barrier_wait(f->barrier);
    if (recvbuf)
        memcpy(recvbuf, f->gathered, total);
    double end = f->end;
    sg_barrier_wait(f->barrier);
    sg_actor_sleep_until(end);
    return DSGD_OK;
}

/* fluid.c — SimGrid's network model, replayed for a set of transfers that
 * start together (one step of a collective's schedule, flow.c).
 *
 * SimGrid 3.32's CM02 family (CM02, LV08: src/surf/network_cm02.cpp and
 * src/kernel/lmm/maxmin.cpp) moves a message of S bytes from a to b thus:
 *  - it first waits out the route's latency L (the sum of its links')
 *    times network/latency-factor, sharing nothing meanwhile;
 *  - then it takes a weighted max-min share of every link on its route:
 *    a flow of sharing penalty p = L + weight-S * sum(1 / bandwidth) over
 *    its links gets (fair share) / p, so flows over longer routes get less
 *    (TCP's RTT unfairness); a FATPIPE link gives each flow all of it;
 *  - its value is bounded by the route's slowest link and by TCP's window,
 *    network/TCP-gamma / (2 L) (L without the factor);
 *  - the data move at that value times network/bandwidth-factor;
 *  - with cross-traffic the flow also loads the reverse route's links
 *    with weight 0.05 (its acknowledgements);
 *  - the shares are solved again whenever a flow starts or ends.
 * sim_fluid_step plays exactly this, event by event, for transfers that
 * all start at time 0 and tells when each one ends. */
#include <float.h>
#include <math.h>
#include <simgrid/host.h>
#include <simgrid/link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <xbt/dynar.h>

#include "sim/sim_internal.h"

#define CROSSTRAFFIC_WEIGHT 0.05
#define SHARE_EPSILON 1e-9 /* relative: links this close to the tightest saturate together */

typedef struct fluid_link {
    sg_link_t link;
    double capacity, remaining, usage;
    int shared, saturated;
} fluid_link;

typedef struct fluid_use {
    int link;
    double weight;
} fluid_use;

enum { WAITING, ACTIVE, DONE };

typedef struct fluid_flow {
    double delay_s, penalty, bound, factor, remaining, value;
    int first_use, n_uses, state, fixed;
} fluid_flow;

typedef struct fluid {
    fluid_link *links;
    int n_links, cap_links;
    fluid_use *uses;
    int n_uses, cap_uses;
    fluid_flow *flows;
    int n_flows;
} fluid;

/* The index of link l in f->links (links remember it in their user data,
 * index + 1, until fluid_release). */
static int link_index(fluid *f, sg_link_t l)
{
    intptr_t known = (intptr_t)sg_link_get_data(l);
    if (known > 0)
        return (int)known - 1;
    if (f->n_links == f->cap_links) {
        int cap = f->cap_links ? 2 * f->cap_links : 64;
        fluid_link *grown = realloc(f->links, sizeof *grown * (size_t)cap);
        if (!grown)
            return -1;
        f->links = grown;
        f->cap_links = cap;
    }
    f->links[f->n_links] = (fluid_link){.link = l,
                                        .capacity = sg_link_get_bandwidth(l),
                                        .shared = sg_link_is_shared(l)};
    sg_link_set_data(l, (void *)(intptr_t)(f->n_links + 1));
    return f->n_links++;
}

static int add_use(fluid *f, int link, double weight)
{
    if (f->n_uses == f->cap_uses) {
        int cap = f->cap_uses ? 2 * f->cap_uses : 256;
        fluid_use *grown = realloc(f->uses, sizeof *grown * (size_t)cap);
        if (!grown)
            return -1;
        f->uses = grown;
        f->cap_uses = cap;
    }
    f->uses[f->n_uses++] = (fluid_use){link, weight};
    return 0;
}

/* Adds the links of route a -> b with the given weight to the flow's
 * uses; *min_bw receives the slowest link's bandwidth (if lower), *weight_s
 * adds up 1 / bandwidth.  Returns the number of links, or -1. */
static int add_route(fluid *f, sg_host_t a, sg_host_t b, double weight, double *min_bw,
                     double *inverse_bw)
{
    xbt_dynar_t route = xbt_dynar_new(sizeof(sg_link_t), NULL);
    sg_host_get_route(a, b, route);
    unsigned i;
    sg_link_t l;
    int count = 0;
    xbt_dynar_foreach(route, i, l)
    {
        int k = link_index(f, l);
        if (k < 0 || add_use(f, k, weight) != 0) {
            count = -1;
            break;
        }
        if (min_bw && f->links[k].capacity < *min_bw)
            *min_bw = f->links[k].capacity;
        if (inverse_bw)
            *inverse_bw += 1 / f->links[k].capacity;
        count++;
    }
    xbt_dynar_free(&route);
    return count;
}

/* Sets up flow i (a -> b, bytes) as SimGrid's communicate() does. */
static int add_flow(fluid *f, const dsgd_sim_network *net, sg_host_t a, sg_host_t b, double bytes,
                    char *err, size_t errlen)
{
    fluid_flow *fl = &f->flows[f->n_flows++];
    double latency = sg_host_get_route_latency(a, b), min_bw = INFINITY, inverse_bw = 0;
    fl->first_use = f->n_uses;
    int n = add_route(f, a, b, 1.0, &min_bw, &inverse_bw);
    if (n < 0 || (net->crosstraffic && add_route(f, b, a, CROSSTRAFFIC_WEIGHT, NULL, NULL) < 0)) {
        snprintf(err, errlen, "out of memory");
        return DSGD_ENOMEM;
    }
    if (n == 0 && latency <= 0) {
        snprintf(err, errlen, "no route from host %s to host %s", sg_host_get_name(a),
                 sg_host_get_name(b));
        return DSGD_EBACKEND;
    }
    fl->n_uses = f->n_uses - fl->first_use;
    fl->delay_s = latency * net->latency_factor;
    fl->penalty = fl->delay_s > 0 ? latency + net->weight_S * inverse_bw : 1.0;
    fl->bound = latency > 0 ? fmin(min_bw, net->tcp_gamma / (2 * latency)) : min_bw;
    fl->factor = net->bandwidth_factor;
    fl->remaining = bytes;
    fl->state = WAITING;
    return DSGD_OK;
}

static int flow_crosses_saturated(const fluid *f, const fluid_flow *fl)
{
    for (int u = fl->first_use; u < fl->first_use + fl->n_uses; u++)
        if (f->links[f->uses[u].link].saturated)
            return 1;
    return 0;
}

/* Usage of every link by the active flows not yet fixed: the sum of
 * weight / penalty on shared links, the largest on FATPIPE ones. */
static void link_usage(fluid *f)
{
    for (int k = 0; k < f->n_links; k++)
        f->links[k].usage = 0;
    for (int i = 0; i < f->n_flows; i++) {
        const fluid_flow *fl = &f->flows[i];
        if (fl->state != ACTIVE || fl->fixed)
            continue;
        for (int u = fl->first_use; u < fl->first_use + fl->n_uses; u++) {
            fluid_link *l = &f->links[f->uses[u].link];
            double w = f->uses[u].weight / fl->penalty;
            l->usage = l->shared ? l->usage + w : fmax(l->usage, w);
        }
    }
}

/* Fixes flow fl at value v: shared links lose what it takes. */
static void fix(fluid *f, fluid_flow *fl, double v)
{
    fl->value = v;
    fl->fixed = 1;
    for (int u = fl->first_use; u < fl->first_use + fl->n_uses; u++) {
        fluid_link *l = &f->links[f->uses[u].link];
        if (l->shared)
            l->remaining -= f->uses[u].weight * v;
    }
}

/* Weighted max-min shares of the active flows, in SimGrid's order: find
 * the tightest links (remaining / usage), let a flow on them that reaches
 * its bound first take its bound, else give every flow on them
 * tightest / penalty; repeat with what is left.  Returns how many flows
 * it fixed. */
static int solve_round(fluid *f)
{
    link_usage(f);
    double tightest = INFINITY;
    for (int k = 0; k < f->n_links; k++)
        if (f->links[k].usage > 0)
            tightest = fmin(tightest, fmax(f->links[k].remaining, 0) / f->links[k].usage);
    for (int k = 0; k < f->n_links; k++)
        f->links[k].saturated = f->links[k].usage > 0 &&
                                fmax(f->links[k].remaining, 0) / f->links[k].usage <=
                                    tightest * (1 + SHARE_EPSILON);
    double min_bound = INFINITY;
    for (int i = 0; i < f->n_flows; i++) {
        fluid_flow *fl = &f->flows[i];
        if (fl->state == ACTIVE && !fl->fixed &&
            (flow_crosses_saturated(f, fl) || isinf(tightest)) && fl->bound * fl->penalty < tightest)
            min_bound = fmin(min_bound, fl->bound * fl->penalty);
    }
    int fixed = 0;
    for (int i = 0; i < f->n_flows; i++) {
        fluid_flow *fl = &f->flows[i];
        if (fl->state != ACTIVE || fl->fixed || !(flow_crosses_saturated(f, fl) || isinf(tightest)))
            continue;
        if (isfinite(min_bound)) {
            if (fl->bound * fl->penalty <= min_bound * (1 + SHARE_EPSILON)) {
                fix(f, fl, fl->bound);
                fixed++;
            }
        } else if (isfinite(tightest)) {
            fix(f, fl, tightest / fl->penalty);
            fixed++;
        } else { /* no link and no bound: instantaneous */
            fix(f, fl, INFINITY);
            fixed++;
        }
    }
    return fixed;
}

static void solve(fluid *f)
{
    for (int k = 0; k < f->n_links; k++)
        f->links[k].remaining = f->links[k].capacity;
    for (int i = 0; i < f->n_flows; i++)
        f->flows[i].fixed = 0;
    while (solve_round(f) > 0)
        ;
}

/* Starts the flows whose latency has passed by time t (a flow with nothing
 * left to move ends there); returns how many changed state. */
static int start_due(fluid *f, double t, double *end_s)
{
    int changed = 0;
    for (int i = 0; i < f->n_flows; i++) {
        fluid_flow *fl = &f->flows[i];
        if (fl->state != WAITING || fl->delay_s > t)
            continue;
        fl->state = fl->remaining > 0 ? ACTIVE : DONE;
        if (fl->state == DONE)
            end_s[i] = t;
        changed++;
    }
    return changed;
}

/* The next time a flow starts or ends after t. */
static double next_event(const fluid *f, double t)
{
    double next = INFINITY;
    for (int i = 0; i < f->n_flows; i++) {
        const fluid_flow *fl = &f->flows[i];
        if (fl->state == WAITING)
            next = fmin(next, fl->delay_s);
        else if (fl->state == ACTIVE && fl->value > 0)
            next = fmin(next, t + fl->remaining / (fl->value * fl->factor));
    }
    return next;
}

/* Moves the active flows' data from t to t + dt; the flows that are
 * through (to rounding) end at t + dt.  So does a flow whose rest would
 * take less than the clock can tell from t + dt: a schedule's fractions of
 * a byte (a ring of 2,048 members splitting 8 bytes) left 1e-12 bytes
 * that t + remaining / rate rounded back to t, and the step never ended. */
static void advance(fluid *f, double t, double dt, double *end_s)
{
    for (int i = 0; i < f->n_flows; i++) {
        fluid_flow *fl = &f->flows[i];
        if (fl->state != ACTIVE)
            continue;
        double rate = fl->value * fl->factor, moved = rate * dt, before = fl->remaining;
        fl->remaining -= moved;
        if (isinf(fl->value) || fl->remaining <= 1e-9 * before ||
            fl->remaining / rate <= 4 * DBL_EPSILON * (t + dt)) {
            fl->state = DONE;
            end_s[i] = t + dt;
        }
    }
}

/* Does a shared link carry more than one of the transfers (or their
 * acknowledgements)?  Then their durations depend on which of them run at
 * the same time. */
static int links_shared(const fluid *f)
{
    int *count = calloc((size_t)(f->n_links > 0 ? f->n_links : 1), sizeof *count), shared = 0;
    for (int u = 0; count && u < f->n_uses && !shared; u++)
        shared = f->links[f->uses[u].link].shared && ++count[f->uses[u].link] > 1;
    free(count);
    return shared || !count;
}

static void fluid_release(fluid *f)
{
    for (int k = 0; k < f->n_links; k++)
        sg_link_set_data(f->links[k].link, NULL);
    free(f->links);
    free(f->uses);
    free(f->flows);
}

int sim_fluid_step(const dsgd_sim_network *net, const sg_host_t *hosts, const sim_xfer *x,
                   int n, double *end_s, int *shared, char *err, size_t errlen)
{
    fluid f = {0};
    int rc = DSGD_OK;
    if (!(f.flows = calloc((size_t)(n > 0 ? n : 1), sizeof *f.flows))) {
        snprintf(err, errlen, "out of memory");
        return DSGD_ENOMEM;
    }
    for (int i = 0; rc == DSGD_OK && i < n; i++)
        rc = add_flow(&f, net, hosts[x[i].src], hosts[x[i].dst], x[i].bytes, err, errlen);
    double t = 0;
    int changed = 1;
    while (rc == DSGD_OK) {
        changed |= start_due(&f, t, end_s);
        if (changed)
            solve(&f);
        double next = next_event(&f, t);
        if (isinf(next))
            break;
        advance(&f, t, next - t, end_s);
        changed = 1;
        t = next;
    }
    *shared = rc == DSGD_OK && links_shared(&f);
    for (int i = 0; rc == DSGD_OK && i < n; i++)
        if (f.flows[i].state != DONE) {
            snprintf(err, errlen, "flow model: the transfer from host %s to host %s never ends",
                     sg_host_get_name(hosts[x[i].src]), sg_host_get_name(hosts[x[i].dst]));
            rc = DSGD_EBACKEND;
        }
    fluid_release(&f);
    return rc;
}

/* collectives.c — group collectives built from simulated point-to-point, so
 * that SimGrid's network model prices every message (message-level model).
 *
 *   allreduce: ring (reduce-scatter then allgather), 2(n-1) steps, each
 *              moving count/n floats to the right neighbour; recursive
 *              halving-doubling (2 log2 n steps of halving sizes); binomial
 *              tree reduce + broadcast; hierarchical (per node, then
 *              across node leaders, then per node); each a descriptor
 *              (dsgd_sim_allreduce_algos), chosen once per group when it
 *              is created (--allreduce, or automatically by size);
 *   reduce, bcast: binomial trees, ceil(log2 n) rounds;
 *   allgather: ring, n-1 steps;
 *   barrier: zero-byte reduce then bcast.
 * Messages of one group use that group's tag, so collectives of different
 * groups between the same two ranks never match each other. */
#include <simgrid/engine.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_internal.h"

XBT_LOG_NEW_DEFAULT_SUBCATEGORY(dsgd_coll, dsgd,
                                "dsgd's collectives: allreduce choice, message-level pricing");

/* An allreduce algorithm: a component (first member, so the exported
 * component pointers are descriptor pointers), its function (message
 * level) and its schedule (the flow model's view of the same messages,
 * schedule.c). */
struct sim_allreduce_algo {
    dsgd_component base;
    int (*run)(sim_rank *r, const sim_members *m, float *buf, size_t count); /* NULL: auto */
    sim_schedule_fn schedule;
};

/* The plan of group g (NULL: the world). */
static const sim_coll_plan *plan_of(const sim_rank *r, const dsgd_group *g)
{
    return g ? g->impl : &r->world->plan;
}

static sim_members members_of(dsgd_comm *c, dsgd_group *g)
{
    return (sim_members){dsgd_group_size(c, g), dsgd_group_index(c, g),
                         plan_of(sim_self(c), g)->tag, g ? g->ranks : NULL};
}

static int world_rank(const sim_members *m, int index)
{
    return m->ranks ? m->ranks[index] : index;
}

/* Segment k of n over count floats: [count*k/n, count*(k+1)/n). */
static size_t seg_begin(size_t count, int n, int k) { return count * (size_t)k / (size_t)n; }

static float *at(float *buf, size_t offset) { return buf ? buf + offset : NULL; }

/* Sends send_bytes at sendbuf to member `to` while receiving up to
 * recv_bytes from member `from` into recvbuf (landing by copy or
 * accumulation); returns when both are done.  NULL buffers: phantom. */
static int sendrecv(sim_rank *r, const sim_members *m, int to, const void *sendbuf,
                    size_t send_bytes, int from, void *recvbuf, size_t recv_bytes, sim_land land)
{
    sg_comm_t send;
    int rc = sim_isend(r, world_rank(m, to), m->tag, sendbuf, send_bytes, &send);
    if (rc != DSGD_OK)
        return rc;
    int rc_recv = sim_recv(r, world_rank(m, from), m->tag, recvbuf, recv_bytes, land, NULL);
    int rc_send = sim_send_wait(r, send);
    return rc_recv != DSGD_OK ? rc_recv : rc_send;
}

/* Sends floats [s0,s1) of buf to member `to`, receives [r0,r1) from `from`. */
static int exchange(sim_rank *r, const sim_members *m, int to, int from, float *buf, size_t s0,
                    size_t s1, size_t r0, size_t r1, sim_land land)
{
    return sendrecv(r, m, to, at(buf, s0), (s1 - s0) * sizeof(float), from, at(buf, r0),
                    (r1 - r0) * sizeof(float), land);
}

/* One ring step: send segment `send_seg` right, receive segment `recv_seg`
 * from the left. */
static int ring_step(sim_rank *r, const sim_members *m, float *buf, size_t count, int send_seg,
                     int recv_seg, sim_land land)
{
    return exchange(r, m, (m->me + 1) % m->n, (m->me - 1 + m->n) % m->n, buf,
                    seg_begin(count, m->n, send_seg), seg_begin(count, m->n, send_seg + 1),
                    seg_begin(count, m->n, recv_seg), seg_begin(count, m->n, recv_seg + 1), land);
}

static int ring_allreduce(sim_rank *r, const sim_members *m, float *buf, size_t count)
{
    int n = m->n, rc = DSGD_OK;
    /* Reduce-scatter: after step s, segment (me - s - 1) holds s+2 terms;
     * at the end I own the full sum of segment (me + 1) mod n. */
    for (int s = 0; rc == DSGD_OK && s < n - 1; s++)
        rc = ring_step(r, m, buf, count, (m->me - s + n) % n, (m->me - s - 1 + n) % n,
                       SIM_ACCUMULATE);
    /* Allgather: pass the finished segments around the ring. */
    for (int s = 0; rc == DSGD_OK && s < n - 1; s++)
        rc = ring_step(r, m, buf, count, (m->me + 1 - s + n) % n, (m->me - s + n) % n, SIM_COPY);
    return rc;
}

/* Recursive halving (reduce-scatter) then recursive doubling (allgather),
 * Rabenseifner's algorithm.  A non-power-of-two group first folds its
 * `extra` surplus ranks into partners (and sends them the result at the
 * end), as MPICH does. */
static int halving_doubling_allreduce(sim_rank *r, const sim_members *m, float *buf, size_t count)
{
    int n = m->n, p2 = 1;
    while (p2 * 2 <= n)
        p2 *= 2;
    int extra = n - p2, me = m->me, rc = DSGD_OK;
    size_t bytes = count * sizeof(float);
    int vme; /* my index among the p2 participants, -1 if folded out */
    if (me < 2 * extra) {
        if (me % 2 == 0) { /* give my vector to me+1, get the result later */
            rc = sim_send(r, world_rank(m, me + 1), m->tag, buf, bytes);
            if (rc == DSGD_OK)
                rc = sim_recv(r, world_rank(m, me + 1), m->tag, buf, bytes, SIM_COPY, NULL);
            return rc;
        }
        rc = sim_recv(r, world_rank(m, me - 1), m->tag, buf, bytes, SIM_ACCUMULATE, NULL);
        vme = me / 2;
    } else {
        vme = me - extra;
    }
    /* participant v is group index (v < extra ? 2v+1 : v+extra) */
    size_t lo = 0, hi = count;
    size_t los[32], his[32];
    int steps = 0;
    for (int d = p2 / 2; rc == DSGD_OK && d >= 1; d /= 2, steps++) {
        int vpartner = vme ^ d;
        int partner = vpartner < extra ? 2 * vpartner + 1 : vpartner + extra;
        size_t mid = lo + (hi - lo) / 2;
        los[steps] = lo;
        his[steps] = hi;
        if (vme & d) { /* keep the upper half */
            rc = exchange(r, m, partner, partner, buf, lo, mid, mid, hi, SIM_ACCUMULATE);
            lo = mid;
        } else {
            rc = exchange(r, m, partner, partner, buf, mid, hi, lo, mid, SIM_ACCUMULATE);
            hi = mid;
        }
    }
    /* Doubling: undo the halving steps in reverse, copying the partner's
     * finished half. */
    for (int step = steps - 1, d = 1; rc == DSGD_OK && step >= 0; step--, d *= 2) {
        int vpartner = vme ^ d;
        int partner = vpartner < extra ? 2 * vpartner + 1 : vpartner + extra;
        size_t plo = los[step], phi = his[step];
        size_t other_lo = lo == plo ? hi : plo, other_hi = lo == plo ? phi : lo;
        rc = exchange(r, m, partner, partner, buf, lo, hi, other_lo, other_hi, SIM_COPY);
        lo = plo;
        hi = phi;
    }
    if (rc == DSGD_OK && me < 2 * extra) /* hand the result to the folded rank */
        rc = sim_send(r, world_rank(m, me - 1), m->tag, buf, bytes);
    return rc;
}

static int tree_bcast(sim_rank *r, const sim_members *m, int root, void *buf, size_t bytes)
{
    int v = (m->me - root + m->n) % m->n; /* my index relative to the root */
    int mask = 1, rc = DSGD_OK;
    for (; mask < m->n; mask <<= 1)
        if (v & mask) {
            rc = sim_recv(r, world_rank(m, (v - mask + root) % m->n), m->tag, buf, bytes, SIM_COPY,
                          NULL);
            break;
        }
    for (mask >>= 1; rc == DSGD_OK && mask > 0; mask >>= 1)
        if (v + mask < m->n)
            rc = sim_send(r, world_rank(m, (v + mask + root) % m->n), m->tag, buf, bytes);
    return rc;
}

static int tree_reduce(sim_rank *r, const sim_members *m, int root, float *buf, size_t count)
{
    int v = (m->me - root + m->n) % m->n;
    size_t bytes = count * sizeof(float);
    int rc = DSGD_OK;
    for (int mask = 1; rc == DSGD_OK && mask < m->n; mask <<= 1) {
        if (v & mask)
            return sim_send(r, world_rank(m, (v - mask + root) % m->n), m->tag, buf, bytes);
        if (v + mask < m->n)
            rc = sim_recv(r, world_rank(m, (v + mask + root) % m->n), m->tag, buf, bytes,
                          SIM_ACCUMULATE, NULL);
    }
    return rc;
}

static int tree_allreduce(sim_rank *r, const sim_members *m, float *buf, size_t count)
{
    int rc = tree_reduce(r, m, 0, buf, count);
    return rc != DSGD_OK ? rc : tree_bcast(r, m, 0, buf, count * sizeof(float));
}

/* Intra-node reduce to each node's first member, allreduce among those
 * leaders (ring), intra-node broadcast: inter-node traffic is one vector
 * per node, not per rank. */
static int hierarchical_allreduce(sim_rank *r, const sim_members *m, float *buf, size_t count)
{
    const int *node = r->world->node;
    int *local = sim_scratch_get(r, 2 * sizeof *local * (size_t)m->n);
    if (!local)
        return DSGD_ENOMEM;
    int *leaders = local + m->n;
    int my_node = node[world_rank(m, m->me)];
    sim_members in_node = {0, -1, m->tag, local}, across = {0, -1, m->tag, leaders};
    for (int i = 0; i < m->n; i++) {
        int wr = world_rank(m, i), first = 1;
        if (node[wr] == my_node) {
            if (i == m->me)
                in_node.me = in_node.n;
            local[in_node.n++] = wr;
        }
        for (int j = 0; j < i && first; j++) /* is i the first member on its node? */
            first = node[world_rank(m, j)] != node[wr];
        if (first) {
            if (node[wr] == my_node && i == m->me)
                across.me = across.n;
            leaders[across.n++] = wr;
        }
    }
    int rc = tree_reduce(r, &in_node, 0, buf, count);
    if (rc == DSGD_OK && across.me >= 0)
        rc = ring_allreduce(r, &across, buf, count);
    if (rc == DSGD_OK)
        rc = tree_bcast(r, &in_node, 0, buf, count * sizeof(float));
    return rc;
}

/* ---- the algorithms' table and the choice ------------------------------ */

static const sim_allreduce_algo auto_algo = {
    .base = {.name = "auto",
             .summary =
                 "ring above 64 KiB; below, hierarchical where machines hold several members, "
                 "else tree (chosen per group when it is created)"},
    .run = NULL,
};
static const sim_allreduce_algo ring_algo = {
    .base = {.name = "ring",
             .summary =
                 "reduce-scatter then allgather around the members, 2(n-1) steps of S/n bytes"},
    .run = ring_allreduce,
    .schedule = sim_schedule_ring_allreduce,
};
static const sim_allreduce_algo halving_doubling_algo = {
    .base = {.name = "halving-doubling",
             .summary = "recursive halving then doubling (Rabenseifner), 2 log2(n) steps"},
    .run = halving_doubling_allreduce,
    .schedule = sim_schedule_halving_doubling_allreduce,
};
static const sim_allreduce_algo tree_algo = {
    .base = {.name = "tree",
             .summary = "binomial tree reduce then broadcast, 2 ceil(log2 n) rounds of S bytes"},
    .run = tree_allreduce,
    .schedule = sim_schedule_tree_allreduce,
};
static const sim_allreduce_algo hierarchical_algo = {
    .base = {.name = "hierarchical",
             .summary = "tree within each machine, ring across the machines' leaders, tree back"},
    .run = hierarchical_allreduce,
    .schedule = sim_schedule_hierarchical_allreduce,
};

const dsgd_component *const dsgd_sim_allreduce_algos[] = {
    &auto_algo.base, &ring_algo.base,         &halving_doubling_algo.base,
    &tree_algo.base, &hierarchical_algo.base, NULL};

static const dsgd_component coll_auto = {
    .name = "auto",
    .summary = "flow where the flow model is shown equal to message level, else message"};
static const dsgd_component coll_message = {
    .name = "message", .summary = "every message of a collective through SimGrid's network model"};
static const dsgd_component coll_flow = {
    .name = "flow",
    .summary = "each algorithm's steps priced by SimGrid's network model, once per group and "
               "size, no per-message simulation"};

const dsgd_component *const dsgd_sim_coll_models[] = {&coll_auto, &coll_message, &coll_flow, NULL};

const sim_allreduce_algo *sim_allreduce_named(const char *name)
{
    if (!name)
        return &auto_algo;
    for (int i = 0; dsgd_sim_allreduce_algos[i]; i++)
        if (strcmp(dsgd_sim_allreduce_algos[i]->name, name) == 0)
            return (const sim_allreduce_algo *)dsgd_sim_allreduce_algos[i];
    return NULL;
}

/* The automatic choice: the bandwidth-optimal ring for large vectors (with
 * ranks in machine order it crosses each NIC once per step, which beats
 * our tree-based hierarchical scheme on NVLink machines); for small,
 * latency-bound ones a tree, hierarchical when machines hold several
 * members. */
static void choose(const sim_allreduce_algo *named, int shares_nodes,
                   const sim_allreduce_algo **small, const sim_allreduce_algo **large)
{
    if (named->run) {
        *small = *large = named;
    } else {
        *small = shares_nodes ? &hierarchical_algo : &tree_algo;
        *large = &ring_algo;
    }
}

void sim_coll_plan_init(sim_coll_plan *plan, const dsgd_sim_world *w, const sim_members *m)
{
    plan->tag = m->tag;
    plan->shares_nodes = 0;
    for (int i = 1; i < m->n && !plan->shares_nodes; i++)
        plan->shares_nodes = w->node[world_rank(m, i)] == w->node[world_rank(m, i - 1)];
    choose(w->allreduce, plan->shares_nodes, &plan->small, &plan->large);
    if (m->me == 0)
        XBT_VERB("allreduce over %s%d members (tag %ld, first rank %d)%s: %s up to %d bytes, %s "
                 "above",
                 m->ranks ? "a group of " : "the world's ", m->n, m->tag, world_rank(m, 0),
                 plan->shares_nodes ? ", machines shared" : "", plan->small->base.name,
                 SIM_ALLREDUCE_LARGE_BYTES, plan->large->base.name);
}

static const sim_allreduce_algo *choice(const sim_coll_plan *plan, size_t count)
{
    return count * sizeof(float) > SIM_ALLREDUCE_LARGE_BYTES ? plan->large : plan->small;
}

const dsgd_component *dsgd_sim_allreduce_choice(dsgd_comm *c, dsgd_group *g, size_t count)
{
    return &choice(plan_of(sim_self(c), g), count)->base;
}

/* ---- the flow model's reach -------------------------------------------- */

/* Prices one schedule as the flow model would; 1 exact, 0 not, -1 error. */
static int probe(const sg_host_t *hosts, const int *node, int n, const dsgd_sim_network *net,
                 const char *name, sim_schedule_fn schedule, double bytes, char *why, size_t whylen)
{
    double *end_s = malloc(sizeof *end_s * (size_t)n);
    int exact = 0, rc = end_s ? sim_flow_price_schedule(net, hosts, node, NULL, n, schedule, bytes,
                                                        end_s, &exact, why, whylen)
                              : DSGD_ENOMEM;
    free(end_s);
    if (rc != DSGD_OK)
        return -1;
    if (!exact)
        snprintf(why, whylen,
                 "%s of %.0f bytes over %d ranks: transfers that share links drift out of "
                 "lock-step on this platform (the flow model would be approximate)",
                 name, bytes, n);
    return exact;
}

static int *nodes_of(const sg_host_t *hosts, int n, int *shares_nodes)
{
    int *node = malloc(sizeof *node * (size_t)(n > 0 ? n : 1));
    if (!node)
        return NULL;
    dsgd_sim_number_nodes(hosts, n, node);
    *shares_nodes = 0;
    for (int i = 1; i < n; i++)
        *shares_nodes |= node[i] == node[i - 1];
    return node;
}

int dsgd_sim_flow_exact_case(const sg_host_t *hosts, int n, const char *collective, double bytes,
                             const dsgd_sim_network *net, char *why, size_t whylen)
{
    int allgather = strcmp(collective, "allgather") == 0, shares_nodes;
    const sim_allreduce_algo *algo = allgather ? &ring_algo : sim_allreduce_named(collective);
    int *node = algo && algo->run ? nodes_of(hosts, n, &shares_nodes) : NULL;
    if (!node) {
        snprintf(why, whylen, algo && algo->run ? "out of memory" : "%s: not an algorithm",
                 collective);
        return -1;
    }
    int rc = probe(hosts, node, n, net, allgather ? "ring allgather" : algo->base.name,
                   allgather ? sim_schedule_ring_allgather : algo->schedule, bytes, why, whylen);
    free(node);
    return rc;
}

/* The automatic choice's algorithms for small (4 KiB) and large (4 MiB)
 * vectors, and the ring allgather (64 KiB blocks). */
int dsgd_sim_flow_exact(const sg_host_t *hosts, int n, const char *allreduce,
                        const dsgd_sim_network *net, char *why, size_t whylen)
{
    const sim_allreduce_algo *named = sim_allreduce_named(allreduce), *small, *large;
    int shares_nodes;
    int *node = named ? nodes_of(hosts, n, &shares_nodes) : NULL;
    if (!node) {
        snprintf(why, whylen, named ? "out of memory" : "unknown allreduce algorithm");
        return -1;
    }
    free(node);
    choose(named, shares_nodes, &small, &large);
    int rc = dsgd_sim_flow_exact_case(hosts, n, small->base.name, 4096, net, why, whylen);
    if (rc == 1)
        rc = dsgd_sim_flow_exact_case(hosts, n, large->base.name, 4194304, net, why, whylen);
    if (rc == 1)
        rc = dsgd_sim_flow_exact_case(hosts, n, "allgather", 65536, net, why, whylen);
    return rc;
}

/* ---- entry points ------------------------------------------------------- */

/* Symmetry mode (sim.h): virtual members have no actor to send or receive
 * a message, so every collective goes through the flow model, which
 * prices it over all members. */
static int symmetric(const sim_rank *r) { return r->world->n_simulated < r->world->n; }

static int flow_level(const sim_rank *r)
{
    return r->world->opt.coll_model == DSGD_SIM_COLL_FLOW || symmetric(r);
}

static int allreduce(dsgd_comm *c, dsgd_group *g, float *buf, size_t count, long tag)
{
    sim_members m = members_of(c, g);
    sim_rank *r = sim_self(c);
    if (m.n == 1)
        return DSGD_OK;
    const sim_allreduce_algo *algo = choice(plan_of(r, g), count);
    if (flow_level(r))
        return sim_flow_allreduce(c, &m, tag >= 0 ? tag : m.tag, buf, count, algo->schedule);
    if (tag >= 0)
        m.tag = tag;
    double t0 = simgrid_get_clock();
    int rc = algo->run(r, &m, buf, count);
    if (m.me == 0)
        XBT_DEBUG("%s allreduce of %zu bytes over %d members (tag %ld): %.9f s to %.9f s",
                  algo->base.name, count * sizeof(float), m.n, m.tag, t0, simgrid_get_clock());
    return rc;
}

int sim_allreduce(dsgd_comm *c, dsgd_group *g, float *buf, size_t count)
{
    return allreduce(c, g, buf, count, -1);
}

/* Non-blocking allreduces: the same, with a tag of their own. */
int sim_allreduce_tagged(dsgd_comm *c, dsgd_group *g, float *buf, size_t count, long tag)
{
    return allreduce(c, g, buf, count, tag);
}

int sim_ring_allgather(dsgd_comm *c, dsgd_group *g, const void *sendbuf, size_t bytes,
                       void *recvbuf)
{
    sim_members m = members_of(c, g);
    if (flow_level(sim_self(c)) && m.n > 1)
        return sim_flow_allgather(c, &m, m.tag, sendbuf, bytes, recvbuf);
    char *out = recvbuf;
    if (out && sendbuf)
        memcpy(out + (size_t)m.me * bytes, sendbuf, bytes);
    int rc = DSGD_OK;
    for (int s = 0; rc == DSGD_OK && s < m.n - 1; s++) {
        size_t send_block = (size_t)((m.me - s + m.n) % m.n);
        size_t recv_block = (size_t)((m.me - s - 1 + m.n) % m.n);
        rc = sendrecv(sim_self(c), &m, (m.me + 1) % m.n, out ? out + send_block * bytes : NULL,
                      bytes, (m.me - 1 + m.n) % m.n, out ? out + recv_block * bytes : NULL, bytes,
                      SIM_COPY);
    }
    return rc;
}

int sim_tree_bcast(dsgd_comm *c, dsgd_group *g, int root, void *buf, size_t bytes)
{
    sim_members m = members_of(c, g);
    if (symmetric(sim_self(c)) && m.n > 1)
        return sim_flow_bcast(c, &m, root, buf, bytes);
    return tree_bcast(sim_self(c), &m, root, buf, bytes);
}

/* dsgd-run's reduce is MPI_Reduce, blocking in every --idle mode
 * (exec/backend.c says why): its waits spin, so --waits polled leaves
 * them exact. */
int sim_tree_reduce(dsgd_comm *c, dsgd_group *g, int root, float *buf, size_t count)
{
    sim_members m = members_of(c, g);
    sim_rank *r = sim_self(c);
    if (symmetric(r) && m.n > 1)
        return sim_flow_reduce(c, &m, root, buf, count);
    r->spinning++;
    int rc = tree_reduce(r, &m, root, buf, count);
    r->spinning--;
    return rc;
}

int sim_barrier(dsgd_comm *c, dsgd_group *g)
{
    sim_members m = members_of(c, g);
    if (symmetric(sim_self(c)) && m.n > 1)
        return sim_flow_barrier(c, &m);
    int rc = tree_reduce(sim_self(c), &m, 0, NULL, 0);
    return rc != DSGD_OK ? rc : sim_tree_bcast(c, g, 0, NULL, 0);
}

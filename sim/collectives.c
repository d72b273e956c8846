/* collectives.c — group collectives built from simulated point-to-point, so
 * that SimGrid's network model prices every message (message-level model).
 *
 *   allreduce: ring (reduce-scatter then allgather), 2(n-1) steps, each
 *              moving count/n floats to the right neighbour; recursive
 *              halving-doubling (2 log2 n steps of halving sizes); binomial
 *              tree reduce + broadcast; hierarchical (per node, then
 *              across node leaders, then per node); chosen by --allreduce;
 *   reduce, bcast: binomial trees, ceil(log2 n) rounds;
 *   allgather: ring, n-1 steps;
 *   barrier: zero-byte reduce then bcast.
 * Messages of one group use that group's tag, so collectives of different
 * groups between the same two ranks never match each other. */
#include <stdlib.h>
#include <string.h>

#include "sim/sim_internal.h"

typedef struct members {
    int n;            /* group size */
    int me;           /* my group index */
    long tag;         /* the group's collective tag */
    const int *ranks; /* world ranks; NULL: index == world rank */
} members;

static members members_of(dsgd_comm *c, dsgd_group *g)
{
    members m = {dsgd_group_size(c, g), dsgd_group_index(c, g), SIM_TAG_COLLECTIVE_BASE, NULL};
    if (g) {
        m.ranks = g->ranks;
        m.tag = *(const long *)g->impl;
    }
    return m;
}

static int world_rank(const members *m, int index) { return m->ranks ? m->ranks[index] : index; }

/* Segment k of n over count floats: [count*k/n, count*(k+1)/n). */
static size_t seg_begin(size_t count, int n, int k) { return count * (size_t)k / (size_t)n; }

static float *at(float *buf, size_t offset) { return buf ? buf + offset : NULL; }

/* One ring step: send segment `send_seg` right, receive segment `recv_seg`
 * from the left, landing it by copy or accumulation. */
static int ring_step(sim_rank *r, const members *m, float *buf, size_t count, int send_seg,
                     int recv_seg, sim_land land)
{
    int right = world_rank(m, (m->me + 1) % m->n);
    int left = world_rank(m, (m->me - 1 + m->n) % m->n);
    size_t s0 = seg_begin(count, m->n, send_seg), s1 = seg_begin(count, m->n, send_seg + 1);
    size_t r0 = seg_begin(count, m->n, recv_seg), r1 = seg_begin(count, m->n, recv_seg + 1);
    sg_comm_t send;
    int rc = sim_isend(r, right, m->tag, at(buf, s0), (s1 - s0) * sizeof(float), &send);
    if (rc != DSGD_OK)
        return rc;
    int rc_recv = sim_recv(r, left, m->tag, at(buf, r0), (r1 - r0) * sizeof(float), land, NULL);
    int rc_send = sg_comm_wait(send) == SG_OK ? DSGD_OK : DSGD_ENETWORK;
    return rc_recv != DSGD_OK ? rc_recv : rc_send;
}

static int ring_allreduce(sim_rank *r, const members *m, float *buf, size_t count)
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

/* Exchange with a partner: send [s0,s1) and receive [r0,r1) of buf. */
static int exchange(sim_rank *r, const members *m, int partner, float *buf, size_t s0, size_t s1,
                    size_t r0, size_t r1, sim_land land)
{
    sg_comm_t send;
    int peer = world_rank(m, partner);
    int rc = sim_isend(r, peer, m->tag, at(buf, s0), (s1 - s0) * sizeof(float), &send);
    if (rc != DSGD_OK)
        return rc;
    int rc_recv = sim_recv(r, peer, m->tag, at(buf, r0), (r1 - r0) * sizeof(float), land, NULL);
    int rc_send = sg_comm_wait(send) == SG_OK ? DSGD_OK : DSGD_ENETWORK;
    return rc_recv != DSGD_OK ? rc_recv : rc_send;
}

/* Recursive halving (reduce-scatter) then recursive doubling (allgather),
 * Rabenseifner's algorithm.  A non-power-of-two group first folds its
 * `extra` surplus ranks into partners (and sends them the result at the
 * end), as MPICH does. */
static int halving_doubling_allreduce(sim_rank *r, const members *m, float *buf, size_t count)
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
            rc = exchange(r, m, partner, buf, lo, mid, mid, hi, SIM_ACCUMULATE);
            lo = mid;
        } else {
            rc = exchange(r, m, partner, buf, mid, hi, lo, mid, SIM_ACCUMULATE);
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
        rc = exchange(r, m, partner, buf, lo, hi, other_lo, other_hi, SIM_COPY);
        lo = plo;
        hi = phi;
    }
    if (rc == DSGD_OK && me < 2 * extra) /* hand the result to the folded rank */
        rc = sim_send(r, world_rank(m, me - 1), m->tag, buf, bytes);
    return rc;
}

static int tree_bcast(sim_rank *r, const members *m, int root, void *buf, size_t bytes)
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

static int tree_reduce(sim_rank *r, const members *m, int root, float *buf, size_t count)
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

static int tree_allreduce(sim_rank *r, const members *m, float *buf, size_t count)
{
    int rc = tree_reduce(r, m, 0, buf, count);
    return rc != DSGD_OK ? rc : tree_bcast(r, m, 0, buf, count * sizeof(float));
}

/* Intra-node reduce to each node's first member, allreduce among those
 * leaders (ring), intra-node broadcast: inter-node traffic is one vector
 * per node, not per rank. */
static int hierarchical_allreduce(sim_rank *r, const members *m, float *buf, size_t count)
{
    const int *node = r->world->node;
    int *local = malloc(sizeof *local * (size_t)m->n);
    int *leaders = malloc(sizeof *leaders * (size_t)m->n);
    if (!local || !leaders) {
        free(local);
        free(leaders);
        return DSGD_ENOMEM;
    }
    int my_node = node[world_rank(m, m->me)];
    members in_node = {0, -1, m->tag, local}, across = {0, -1, m->tag, leaders};
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
    free(local);
    free(leaders);
    return rc;
}

/* Automatic choice: the bandwidth-optimal ring for large vectors (with
 * ranks in machine order it crosses each NIC once per step, which beats
 * our tree-based hierarchical scheme on NVLink machines); for small,
 * latency-bound ones a tree, hierarchical when machines hold several
 * members. */
static dsgd_sim_allreduce choose(const sim_rank *r, const members *m, size_t count)
{
    if (count * sizeof(float) > 65536)
        return DSGD_SIM_ALLREDUCE_RING;
    const int *node = r->world->node;
    for (int i = 1; i < m->n; i++)
        if (node[world_rank(m, i)] == node[world_rank(m, i - 1)])
            return DSGD_SIM_ALLREDUCE_HIERARCHICAL;
    return DSGD_SIM_ALLREDUCE_TREE;
}

static sim_flow_members flow_members(const members *m)
{
    return (sim_flow_members){m->n, m->me, m->tag, m->ranks};
}

static int allreduce(dsgd_comm *c, dsgd_group *g, float *buf, size_t count, long tag)
{
    members m = members_of(c, g);
    sim_rank *r = sim_self(c);
    if (m.n == 1)
        return DSGD_OK;
    if (r->world->opt.coll_model == DSGD_SIM_COLL_FLOW) {
        sim_flow_members fm = flow_members(&m);
        return sim_flow_allreduce(c, &fm, tag >= 0 ? tag : m.tag, buf, count);
    }
    if (tag >= 0)
        m.tag = tag;
    dsgd_sim_allreduce algo = r->world->opt.allreduce;
    if (algo == DSGD_SIM_ALLREDUCE_AUTO)
        algo = choose(r, &m, count);
    switch (algo) {
    case DSGD_SIM_ALLREDUCE_HALVING_DOUBLING: return halving_doubling_allreduce(r, &m, buf, count);
    case DSGD_SIM_ALLREDUCE_TREE: return tree_allreduce(r, &m, buf, count);
    case DSGD_SIM_ALLREDUCE_HIERARCHICAL: return hierarchical_allreduce(r, &m, buf, count);
    default: return ring_allreduce(r, &m, buf, count);
    }
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
    members m = members_of(c, g);
    if (sim_self(c)->world->opt.coll_model == DSGD_SIM_COLL_FLOW && m.n > 1) {
        sim_flow_members fm = flow_members(&m);
        return sim_flow_allgather(c, &fm, m.tag, sendbuf, bytes, recvbuf);
    }
    sim_rank *r = sim_self(c);
    char *out = recvbuf;
    if (out && sendbuf)
        memcpy(out + (size_t)m.me * bytes, sendbuf, bytes);
    int right = world_rank(&m, (m.me + 1) % m.n), left = world_rank(&m, (m.me - 1 + m.n) % m.n);
    int rc = DSGD_OK;
    for (int s = 0; rc == DSGD_OK && s < m.n - 1; s++) {
        int send_block = (m.me - s + m.n) % m.n, recv_block = (m.me - s - 1 + m.n) % m.n;
        sg_comm_t send;
        rc =
            sim_isend(r, right, m.tag, out ? out + (size_t)send_block * bytes : NULL, bytes, &send);
        if (rc != DSGD_OK)
            break;
        rc = sim_recv(r, left, m.tag, out ? out + (size_t)recv_block * bytes : NULL, bytes,
                      SIM_COPY, NULL);
        if (sg_comm_wait(send) != SG_OK && rc == DSGD_OK)
            rc = DSGD_ENETWORK;
    }
    return rc;
}

int sim_tree_bcast(dsgd_comm *c, dsgd_group *g, int root, void *buf, size_t bytes)
{
    members m = members_of(c, g);
    return tree_bcast(sim_self(c), &m, root, buf, bytes);
}

int sim_tree_reduce(dsgd_comm *c, dsgd_group *g, int root, float *buf, size_t count)
{
    members m = members_of(c, g);
    return tree_reduce(sim_self(c), &m, root, buf, count);
}

int sim_barrier(dsgd_comm *c, dsgd_group *g)
{
    int rc = sim_tree_reduce(c, g, 0, NULL, 0);
    return rc != DSGD_OK ? rc : sim_tree_bcast(c, g, 0, NULL, 0);
}

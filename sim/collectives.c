/* collectives.c — group collectives built from simulated point-to-point, so
 * that SimGrid's network model prices every message (message-level model).
 *
 *   allreduce: ring (reduce-scatter then allgather), 2(n-1) steps, each
 *              moving count/n floats to the right neighbour;
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

int sim_ring_allreduce(dsgd_comm *c, dsgd_group *g, float *buf, size_t count)
{
    members m = members_of(c, g);
    sim_rank *r = sim_self(c);
    int n = m.n, rc = DSGD_OK;
    /* Reduce-scatter: after step s, segment (me - s - 1) holds s+2 terms;
     * at the end I own the full sum of segment (me + 1) mod n. */
    for (int s = 0; rc == DSGD_OK && s < n - 1; s++)
        rc = ring_step(r, &m, buf, count, (m.me - s + n) % n, (m.me - s - 1 + n) % n,
                       SIM_ACCUMULATE);
    /* Allgather: pass the finished segments around the ring. */
    for (int s = 0; rc == DSGD_OK && s < n - 1; s++)
        rc = ring_step(r, &m, buf, count, (m.me + 1 - s + n) % n, (m.me - s + n) % n, SIM_COPY);
    return rc;
}

int sim_ring_allgather(dsgd_comm *c, dsgd_group *g, const void *sendbuf, size_t bytes,
                       void *recvbuf)
{
    members m = members_of(c, g);
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
    sim_rank *r = sim_self(c);
    int v = (m.me - root + m.n) % m.n; /* my index relative to the root */
    int mask = 1, rc = DSGD_OK;
    for (; mask < m.n; mask <<= 1)
        if (v & mask) {
            rc = sim_recv(r, world_rank(&m, (v - mask + root) % m.n), m.tag, buf, bytes, SIM_COPY,
                          NULL);
            break;
        }
    for (mask >>= 1; rc == DSGD_OK && mask > 0; mask >>= 1)
        if (v + mask < m.n)
            rc = sim_send(r, world_rank(&m, (v + mask + root) % m.n), m.tag, buf, bytes);
    return rc;
}

int sim_tree_reduce(dsgd_comm *c, dsgd_group *g, int root, float *buf, size_t count)
{
    members m = members_of(c, g);
    sim_rank *r = sim_self(c);
    int v = (m.me - root + m.n) % m.n;
    size_t bytes = count * sizeof(float);
    int rc = DSGD_OK;
    for (int mask = 1; rc == DSGD_OK && mask < m.n; mask <<= 1) {
        if (v & mask)
            return sim_send(r, world_rank(&m, (v - mask + root) % m.n), m.tag, buf, bytes);
        if (v + mask < m.n)
            rc = sim_recv(r, world_rank(&m, (v + mask + root) % m.n), m.tag, buf, bytes,
                          SIM_ACCUMULATE, NULL);
    }
    return rc;
}

int sim_barrier(dsgd_comm *c, dsgd_group *g)
{
    int rc = sim_tree_reduce(c, g, 0, NULL, 0);
    return rc != DSGD_OK ? rc : sim_tree_bcast(c, g, 0, NULL, 0);
}

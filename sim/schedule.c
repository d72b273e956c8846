/* schedule.c — each collective algorithm's message pattern, as the flow
 * model sees it: a list of steps, each a set of transfers between member
 * indices that the algorithm (collectives.c) starts together, one step
 * after another on each member.  flow.c prices every step with the
 * network model (fluid.c) and chains the steps member by member.
 *
 * A schedule must say what collectives.c does, message for message:
 * whoever changes an algorithm there changes its schedule here, and
 * tests/test_sim_flow.c compares the two. */
#include <stdlib.h>
#include <string.h>

#include "sim/sim_internal.h"

void sim_schedule_free(sim_schedule *s)
{
    for (int i = 0; i < s->n; i++)
        free(s->steps[i].xfers);
    free(s->steps);
    *s = (sim_schedule){0};
}

/* Opens a new, empty step that will run `repeat` times in a row. */
static int step_open(sim_schedule *s, int repeat)
{
    if (s->n == s->cap) {
        int cap = s->cap ? 2 * s->cap : 16;
        sim_flow_step *grown = realloc(s->steps, sizeof *grown * (size_t)cap);
        if (!grown)
            return DSGD_ENOMEM;
        s->steps = grown;
        s->cap = cap;
    }
    s->steps[s->n++] = (sim_flow_step){NULL, 0, 0, repeat, 0};
    return DSGD_OK;
}

static int add_to(sim_flow_step *st, int src, int dst, double bytes)
{
    if (st->n == st->cap) {
        int cap = st->cap ? 2 * st->cap : 8;
        sim_xfer *grown = realloc(st->xfers, sizeof *grown * (size_t)cap);
        if (!grown)
            return DSGD_ENOMEM;
        st->xfers = grown;
        st->cap = cap;
    }
    st->xfers[st->n++] = (sim_xfer){src, dst, bytes};
    return DSGD_OK;
}

/* Adds a transfer of `bytes` from member src to member dst to the open step. */
static int xfer(sim_schedule *s, int src, int dst, double bytes)
{
    return add_to(&s->steps[s->n - 1], src, dst, bytes);
}

/* Members ids[0..n-1] in a ring, each sending `bytes` to the next, `steps`
 * times (ring_allreduce: 2(n-1) steps of S/n; the ring allgather: n-1
 * steps of a block). */
static int ring(sim_schedule *s, const int *ids, int n, double bytes, int steps, int reduce)
{
    int rc = steps > 0 ? step_open(s, steps) : DSGD_OK;
    if (rc == DSGD_OK && steps > 0)
        s->steps[s->n - 1].reduce = reduce;
    for (int i = 0; rc == DSGD_OK && steps > 0 && i < n; i++)
        rc = xfer(s, ids[i], ids[(i + 1) % n], bytes);
    return rc;
}

/* The ring allreduce: n-1 steps reducing (each member sums the segment it
 * gets), then n-1 passing the sums on. */
static int ring_allreduce(sim_schedule *s, const int *ids, int n, double bytes)
{
    int rc = ring(s, ids, n, bytes / n, n - 1, 1);
    return rc == DSGD_OK ? ring(s, ids, n, bytes / n, n - 1, 0) : rc;
}

/* Binomial tree reduce to ids[0]: in round `mask`, member v (a multiple of
 * 2 mask) receives from v + mask. */
static int tree_reduce(sim_schedule *s, const int *ids, int n, double bytes)
{
    int rc = DSGD_OK;
    for (int mask = 1; rc == DSGD_OK && mask < n; mask <<= 1) {
        rc = step_open(s, 1);
        if (rc == DSGD_OK)
            s->steps[s->n - 1].reduce = 1;
        for (int v = 0; rc == DSGD_OK && v + mask < n; v += 2 * mask)
            rc = xfer(s, ids[v + mask], ids[v], bytes);
    }
    return rc;
}

/* Binomial tree broadcast from ids[0], largest distance first. */
static int tree_bcast(sim_schedule *s, const int *ids, int n, double bytes)
{
    int top = 1, rc = DSGD_OK;
    while (top < n)
        top <<= 1;
    for (int mask = top >> 1; rc == DSGD_OK && mask > 0; mask >>= 1) {
        rc = step_open(s, 1);
        for (int v = 0; rc == DSGD_OK && v + mask < n; v += 2 * mask)
            rc = xfer(s, ids[v], ids[v + mask], bytes);
    }
    return rc;
}

/* Adds src's steps to dst's, step i to step i (a new one where dst has
 * fewer): patterns that run side by side, e.g. one per machine. */
static int overlay(sim_schedule *dst, const sim_schedule *src)
{
    int rc = DSGD_OK;
    for (int i = 0; rc == DSGD_OK && i < src->n; i++) {
        if (i >= dst->n && (rc = step_open(dst, src->steps[i].repeat)) != DSGD_OK)
            break;
        dst->steps[i].reduce |= src->steps[i].reduce;
        for (int j = 0; rc == DSGD_OK && j < src->steps[i].n; j++) {
            const sim_xfer *x = &src->steps[i].xfers[j];
            rc = add_to(&dst->steps[i], x->src, x->dst, x->bytes);
        }
    }
    return rc;
}

/* Appends src's steps after dst's. */
static int append(sim_schedule *dst, const sim_schedule *src)
{
    int rc = DSGD_OK;
    for (int i = 0; rc == DSGD_OK && i < src->n; i++) {
        rc = step_open(dst, src->steps[i].repeat);
        if (rc == DSGD_OK)
            dst->steps[dst->n - 1].reduce = src->steps[i].reduce;
        for (int j = 0; rc == DSGD_OK && j < src->steps[i].n; j++) {
            const sim_xfer *x = &src->steps[i].xfers[j];
            rc = xfer(dst, x->src, x->dst, x->bytes);
        }
    }
    return rc;
}

/* A schedule over members 0..n-1 in order: first's steps, then then's
 * (NULL: none). */
typedef int (*over_ids)(sim_schedule *s, const int *ids, int n, double bytes);
static int in_order(sim_schedule *s, int n, double bytes, over_ids first, over_ids then)
{
    int *ids = malloc(sizeof *ids * (size_t)(n > 0 ? n : 1));
    if (!ids)
        return DSGD_ENOMEM;
    for (int i = 0; i < n; i++)
        ids[i] = i;
    int rc = first(s, ids, n, bytes);
    if (rc == DSGD_OK && then)
        rc = then(s, ids, n, bytes);
    free(ids);
    return rc;
}

static int ring_allgather(sim_schedule *s, const int *ids, int n, double block_bytes)
{
    return ring(s, ids, n, block_bytes, n - 1, 0);
}

int sim_schedule_ring_allreduce(sim_schedule *s, int n, const int *node, double bytes)
{
    (void)node;
    return in_order(s, n, bytes, ring_allreduce, NULL);
}

int sim_schedule_ring_allgather(sim_schedule *s, int n, const int *node, double block_bytes)
{
    (void)node;
    return in_order(s, n, block_bytes, ring_allgather, NULL);
}

int sim_schedule_tree_allreduce(sim_schedule *s, int n, const int *node, double bytes)
{
    (void)node;
    return in_order(s, n, bytes, tree_reduce, tree_bcast);
}

/* Broadcast and reduce from and to member 0 (collectives.c's tree_bcast
 * and tree_reduce; the flow model relabels them for another root) and the
 * barrier, a reduce then a broadcast of nothing. */
int sim_schedule_tree_bcast(sim_schedule *s, int n, const int *node, double bytes)
{
    (void)node;
    return in_order(s, n, bytes, tree_bcast, NULL);
}

int sim_schedule_tree_reduce(sim_schedule *s, int n, const int *node, double bytes)
{
    (void)node;
    return in_order(s, n, bytes, tree_reduce, NULL);
}

/* Participant v of the power-of-two core is member (v < extra ? 2v+1 : v+extra). */
static int hd_member(int v, int extra) { return v < extra ? 2 * v + 1 : v + extra; }

/* Every pair (v, v^d) of the core swaps `bytes` both ways. */
static int hd_exchange(sim_schedule *s, int p2, int extra, int d, double bytes, int reduce)
{
    int rc = step_open(s, 1);
    if (rc == DSGD_OK)
        s->steps[s->n - 1].reduce = reduce;
    for (int v = 0; rc == DSGD_OK && v < p2; v++)
        rc = xfer(s, hd_member(v, extra), hd_member(v ^ d, extra), bytes);
    return rc;
}

/* Rabenseifner: the surplus members fold in (even 2i gives its vector to
 * 2i+1), the core halves then doubles, the folded get the result back. */
int sim_schedule_halving_doubling_allreduce(sim_schedule *s, int n, const int *node, double bytes)
{
    (void)node;
    int p2 = 1, rc = DSGD_OK;
    while (p2 * 2 <= n)
        p2 *= 2;
    int extra = n - p2, steps = 0;
    if (extra > 0) {
        rc = step_open(s, 1);
        if (rc == DSGD_OK)
            s->steps[s->n - 1].reduce = 1;
        for (int i = 0; rc == DSGD_OK && i < extra; i++)
            rc = xfer(s, 2 * i, 2 * i + 1, bytes);
    }
    double half = bytes;
    for (int d = p2 / 2; rc == DSGD_OK && d >= 1; d /= 2, steps++)
        rc = hd_exchange(s, p2, extra, d, half /= 2, 1);
    for (int d = 1; rc == DSGD_OK && steps > 0; d *= 2, steps--, half *= 2)
        rc = hd_exchange(s, p2, extra, d, half, 0);
    if (rc == DSGD_OK && extra > 0) {
        rc = step_open(s, 1);
        for (int i = 0; rc == DSGD_OK && i < extra; i++)
            rc = xfer(s, 2 * i + 1, 2 * i, bytes);
    }
    return rc;
}

/* Every machine's members reduce to their first (a tree each, all machines
 * at once), the first members run a ring, and broadcast back. */
int sim_schedule_hierarchical_allreduce(sim_schedule *s, int n, const int *node, double bytes)
{
    int *order = malloc(sizeof *order * (size_t)n), *leaders = malloc(sizeof *leaders * (size_t)n);
    int *start = calloc((size_t)n + 1, sizeof *start), *size = calloc((size_t)n, sizeof *size);
    int n_nodes = 0, rc = order && leaders && start && size ? DSGD_OK : DSGD_ENOMEM;
    /* machines in order of their first member; members of each in order */
    int *machine = rc == DSGD_OK ? malloc(sizeof *machine * (size_t)n) : NULL;
    if (rc == DSGD_OK && !machine)
        rc = DSGD_ENOMEM;
    /* machine index of each node number (node numbers are below n:
     * dsgd_sim_number_nodes counts them from 0 in rank order), looked up
     * in O(1): a search among the leaders made a million members of
     * 262,144 machines take O(n x machines) */
    int top = 0;
    for (int i = 0; rc == DSGD_OK && i < n; i++)
        top = node[i] > top ? node[i] : top;
    int *index_of = rc == DSGD_OK ? malloc(sizeof *index_of * ((size_t)top + 1)) : NULL;
    if (rc == DSGD_OK && !index_of)
        rc = DSGD_ENOMEM;
    for (int v = 0; rc == DSGD_OK && v <= top; v++)
        index_of[v] = -1;
    for (int i = 0; rc == DSGD_OK && i < n; i++) {
        int k = index_of[node[i]];
        if (k < 0) { /* i is the first member of its machine */
            k = index_of[node[i]] = n_nodes++;
            leaders[k] = i;
        }
        machine[i] = k;
        size[k]++;
    }
    free(index_of);
    for (int k = 0; rc == DSGD_OK && k < n_nodes; k++)
        start[k + 1] = start[k] + size[k];
    for (int k = 0; rc == DSGD_OK && k < n_nodes; k++)
        size[k] = 0;
    for (int i = 0; rc == DSGD_OK && i < n; i++)
        order[start[machine[i]] + size[machine[i]]++] = i;
    /* one step per tree round, every machine's transfers of that round together */
    sim_schedule per_node = {0};
    for (int k = 0; rc == DSGD_OK && k < n_nodes; k++) {
        sim_schedule one = {0};
        rc = tree_reduce(&one, order + start[k], size[k], bytes);
        rc = rc == DSGD_OK ? overlay(&per_node, &one) : rc;
        sim_schedule_free(&one);
    }
    rc = rc == DSGD_OK ? append(s, &per_node) : rc;
    sim_schedule_free(&per_node);
    if (rc == DSGD_OK)
        rc = ring_allreduce(s, leaders, n_nodes, bytes);
    for (int k = 0; rc == DSGD_OK && k < n_nodes; k++) {
        sim_schedule one = {0};
        rc = tree_bcast(&one, order + start[k], size[k], bytes);
        rc = rc == DSGD_OK ? overlay(&per_node, &one) : rc;
        sim_schedule_free(&one);
    }
    rc = rc == DSGD_OK ? append(s, &per_node) : rc;
    sim_schedule_free(&per_node);
    free(order);
    free(leaders);
    free(start);
    free(size);
    free(machine);
    return rc;
}

/* leader.c — Leader SGD, multi-leader (Teng, Gao, Chalus, Choromanska,
 * Goldfarb, Weller 2019).
 *
 * Every rank is a worker taking local SGD steps; workers are grouped by
 * node (the platform's machines, or --node-size K ranks).  After step t:
 *     every --l-comm steps: each node allgathers its workers' losses (the
 *         mean of each one's last --loss-window batches); the node's
 *         lowest-loss worker (local leader) broadcasts x in the node;
 *         x <- (1 - c1) x + c1 x_local_leader
 *     every --g-comm steps: the nodes' first ranks allgather their nodes'
 *         best (loss, rank) and tell their nodes the lowest; that worker
 *         (the global leader) broadcasts x; x <- (1 - c2) x + c2 x_global_leader
 *     (The election goes through the nodes so that no rank holds every
 *     rank's loss: a flat allgather cost every rank size floats, 16 GiB
 *     in all at 65,536 simulated ranks.)
 * Defaults (--c1 --c2 0.1, --l-comm 64, --g-comm 128) are the authors'
 * script's.  Ties (and phantom runs, which have no loss) go to the lowest
 * rank.  When both fall on one step, the local pull comes first. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "algorithms/node.h"

typedef struct leader_options {
    long l_comm, g_comm, loss_window;
    double c1, c2;
} leader_options;

#define AT(f) DSGD_OPT_AT(leader_options, f)
static const dsgd_option leader_options_table[] = {
    {"l-comm", DSGD_OPT_LONG, AT(l_comm), .def = "64", .min = 1, .metavar = "N",
     .help = "steps between pulls towards the node's leader"},
    {"g-comm", DSGD_OPT_LONG, AT(g_comm), .def = "128", .min = 1, .metavar = "N",
     .help = "steps between pulls towards the global leader"},
    {"loss-window", DSGD_OPT_LONG, AT(loss_window), .def = "8", .min = 1, .metavar = "N",
     .help = "a worker's loss is the mean of its last N batches"},
    {"c1", DSGD_OPT_DOUBLE, AT(c1), .def = "0.1", .max = 1, .metavar = "X",
     .help = "pull strength towards the local leader"},
    {"c2", DSGD_OPT_DOUBLE, AT(c2), .def = "0.1", .max = 1, .metavar = "X",
     .help = "pull strength towards the global leader"},
    {.name = NULL},
};
#undef AT

/* The nodes of a run, built once and shared by its ranks
 * (dsgd_shared_put): a table of every rank per rank is size^2. */
typedef struct leader_nodes {
    int n_nodes;
    int *node;  /* [size]: each rank's */
    int *start; /* [n_nodes + 1]: node k's ranks are ranks[start[k] .. start[k+1]) */
    int *ranks; /* [size]: by node, ascending within */
    int *heads; /* [n_nodes]: each node's first rank (ascending: nodes are numbered so) */
} leader_nodes;

static void nodes_free(void *p)
{
    leader_nodes *t = p;
    if (!t)
        return;
    free(t->node);
    free(t->start);
    free(t->ranks);
    free(t->heads);
    free(t);
}

static const leader_nodes *nodes_of(dsgd_comm *c, const dsgd_layout *l)
{
    int size = dsgd_size(c);
    char key[64];
    snprintf(key, sizeof key, "leader nodes %d %d", size, l->node_size);
    const leader_nodes *shared = dsgd_shared_get(c, key);
    if (shared)
        return shared;
    leader_nodes *t = calloc(1, sizeof *t);
    if (!t || !(t->node = malloc(sizeof *t->node * (size_t)size)) ||
        !(t->ranks = malloc(sizeof *t->ranks * (size_t)size))) {
        nodes_free(t);
        return NULL;
    }
    for (int r = 0; r < size; r++) {
        t->node[r] = dsgd_layout_node(c, l, r);
        if (t->node[r] + 1 > t->n_nodes)
            t->n_nodes = t->node[r] + 1;
    }
    if (!(t->start = calloc((size_t)t->n_nodes + 1, sizeof *t->start)) ||
        !(t->heads = malloc(sizeof *t->heads * (size_t)t->n_nodes))) {
        nodes_free(t);
        return NULL;
    }
    for (int r = 0; r < size; r++) /* a counting sort by node; ascending within */
        t->start[t->node[r] + 1]++;
    for (int k = 0; k < t->n_nodes; k++)
        t->start[k + 1] += t->start[k];
    for (int k = 0; k < t->n_nodes; k++) /* heads[] as the cursors, for now */
        t->heads[k] = t->start[k];
    for (int r = 0; r < size; r++)
        t->ranks[t->heads[t->node[r]]++] = r;
    for (int k = 0; k < t->n_nodes; k++)
        t->heads[k] = t->start[k + 1] > t->start[k] ? t->ranks[t->start[k]] : -1;
    if (dsgd_shared_put(c, key, t, nodes_free) != DSGD_OK) {
        nodes_free(t);
        return NULL;
    }
    return t;
}

/* A node's best worker, as its head tells the other heads. */
typedef struct leader_best {
    float loss;
    int rank;
} leader_best;

typedef struct leader_state {
    const int *members;   /* my node's ranks, ascending (the run's table) */
    int n_members;
    float *loss;          /* my node's workers' losses (allgathered in the node) */
    leader_best *best;    /* on the heads: every node's best (allgathered among the heads) */
    float *window;        /* my last losses */
    dsgd_vec buf;         /* the leader's parameters */
    dsgd_group *node;     /* my node */
    dsgd_group *heads;    /* every node's first rank, on those ranks */
} leader_state;

/* Index of the lowest loss (the first of equals: the lowest rank). */
static int lowest(const float *loss, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (loss[i] < loss[best])
            best = i;
    return best;
}

static int pull(dsgd_worker *w, dsgd_comm *c, dsgd_group *g, int root, dsgd_vec *buf, double cpull)
{
    dsgd_vec_copy(buf, &w->params);
    int rc = dsgd_bcast(c, g, root, buf->data, dsgd_vec_bytes(buf));
    double t0 = dsgd_now(c);
    double bytes = dsgd_vec_scale(&w->params, (float)(1.0 - cpull));
    bytes += dsgd_vec_axpy(&w->params, (float)cpull, buf);
    return rc ? rc : dsgd_memory(c, "leader_pull", bytes, t0);
}

static int leader_start(dsgd_node *n, dsgd_comm *c)
{
    const leader_options *o = n->opt;
    leader_state *s = n->state;
    int me = dsgd_rank(c);
    const leader_nodes *t = nodes_of(c, &n->l);
    if (!t)
        return DSGD_ENOMEM;
    int k = t->node[me], first = t->start[k], my_index = 0;
    s->members = t->ranks + first;
    s->n_members = t->start[k + 1] - first;
    while (s->members[my_index] != me)
        my_index++;
    s->loss = malloc(sizeof *s->loss * (size_t)s->n_members);
    s->window = calloc((size_t)o->loss_window, sizeof *s->window);
    if (my_index == 0)
        s->best = malloc(sizeof *s->best * (size_t)t->n_nodes);
    if (!s->loss || !s->window || (my_index == 0 && !s->best) ||
        dsgd_vec_alloc_like(&n->w.params, &s->buf, NULL))
        return DSGD_ENOMEM;
    int rc = dsgd_group_create_view(c, s->members, s->n_members, my_index, &s->node);
    if (rc == DSGD_OK && my_index == 0)
        rc = dsgd_group_create_view(c, t->heads, t->n_nodes, k, &s->heads);
    return rc;
}

/* The globally lowest-loss worker (ties: the lowest rank), from my node's
 * best: the heads gather every node's, and each tells its node. */
static int global_leader(dsgd_comm *c, leader_state *s, int best, int *leader)
{
    int rc = DSGD_OK;
    *leader = s->members[best];
    if (s->heads) {
        leader_best mine = {s->loss[best], *leader};
        int n = dsgd_group_size(c, s->heads);
        rc = dsgd_allgather(c, s->heads, &mine, sizeof mine, s->best);
        for (int i = 0; rc == DSGD_OK && i < n; i++)
            if (s->best[i].loss < mine.loss || (s->best[i].loss == mine.loss && s->best[i].rank < mine.rank))
                mine = s->best[i];
        *leader = mine.rank;
    }
    int r = dsgd_bcast(c, s->node, 0, leader, sizeof *leader);
    return rc ? rc : r;
}

static int leader_step(dsgd_node *n, dsgd_comm *c, long t)
{
    const leader_options *o = n->opt;
    leader_state *s = n->state;
    dsgd_worker *w = &n->w;
    int rc = dsgd_worker_step(w, c, &w->grad);
    s->window[t % o->loss_window] = isnan(w->loss) ? 0.0f : (float)w->loss;
    int local = (t + 1) % o->l_comm == 0, global = (t + 1) % o->g_comm == 0;
    if (rc != DSGD_OK || !(local || global))
        return rc;
    long k = t + 1 < o->loss_window ? t + 1 : o->loss_window;
    float mine = 0;
    for (long i = 0; i < k; i++)
        mine += s->window[i] / (float)k;
    if ((rc = dsgd_allgather(c, s->node, &mine, sizeof mine, s->loss)))
        return rc;
    int best = lowest(s->loss, s->n_members), leader;
    if (local && (rc = pull(w, c, s->node, best, &s->buf, o->c1)))
        return rc;
    if (global && (rc = global_leader(c, s, best, &leader)) == DSGD_OK)
        rc = pull(w, c, NULL, leader, &s->buf, o->c2);
    return rc;
}

static void leader_stop(dsgd_node *n, dsgd_comm *c)
{
    leader_state *s = n->state;
    if (s->heads)
        dsgd_group_free(c, s->heads);
    if (s->node)
        dsgd_group_free(c, s->node);
    dsgd_vec_free(&s->buf);
    free(s->loss);
    free(s->best);
    free(s->window);
}

const dsgd_algo dsgd_algo_leader = {
    .base = {"leader",
             "leader SGD: local steps; workers pull towards their node's and the global "
             "lowest-loss worker (nodes: --node-size)",
             leader_options_table, sizeof(leader_options)},
    .collectives_only = 1,
    .state_size = sizeof(leader_state),
    .start = leader_start,
    .step = leader_step,
    .stop = leader_stop,
};

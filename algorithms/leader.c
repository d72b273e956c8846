/* leader.c — Leader SGD, multi-leader (Teng, Gao, Chalus, Choromanska,
 * Goldfarb, Weller 2019).
 *
 * Every rank is a worker taking local SGD steps; workers are grouped by
 * node (the platform's machines, or --node-size K ranks).  After step t:
 *     every --l-comm steps: allgather every worker's loss (the mean of its
 *         last --loss-window batches); in each group the lowest-loss worker
 *         (local leader) broadcasts x; x <- (1 - c1) x + c1 x_local_leader
 *     every --g-comm steps: the globally lowest-loss worker broadcasts x;
 *         x <- (1 - c2) x + c2 x_global_leader
 * Defaults (--c1 --c2 0.1, --l-comm 64, --g-comm 128) are the authors'
 * script's.  Ties (and phantom runs, which have no loss) go to the lowest
 * rank.  When both fall on one step, the local pull comes first. */
#include <math.h>
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

typedef struct leader_state {
    int *members, n_members; /* my node's ranks */
    int *all;                /* every rank */
    float *loss;             /* every worker's loss (allgathered) */
    float *window;           /* my last losses */
    dsgd_vec buf;            /* the leader's parameters */
    dsgd_group *node;
} leader_state;

/* Index (in `members` order) of the lowest loss among members. */
static int lowest(const float *loss, const int *members, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (loss[members[i]] < loss[members[best]])
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
    int size = dsgd_size(c), me = dsgd_rank(c);
    s->members = malloc(sizeof *s->members * (size_t)size);
    s->all = malloc(sizeof *s->all * (size_t)size);
    s->loss = malloc(sizeof *s->loss * (size_t)size);
    s->window = calloc((size_t)o->loss_window, sizeof *s->window);
    if (!s->members || !s->all || !s->loss || !s->window ||
        dsgd_vec_alloc_like(&n->w.params, &s->buf, NULL))
        return DSGD_ENOMEM;
    for (int r = 0; r < size; r++) {
        s->all[r] = r;
        if (dsgd_layout_node(c, &n->l, r) == dsgd_layout_node(c, &n->l, me))
            s->members[s->n_members++] = r;
    }
    return dsgd_group_create(c, s->members, s->n_members, &s->node);
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
    if ((rc = dsgd_allgather(c, NULL, &mine, sizeof mine, s->loss)))
        return rc;
    if (local && (rc = pull(w, c, s->node, lowest(s->loss, s->members, s->n_members), &s->buf,
                            o->c1)))
        return rc;
    if (global)
        rc = pull(w, c, NULL, lowest(s->loss, s->all, dsgd_size(c)), &s->buf, o->c2);
    return rc;
}

static void leader_stop(dsgd_node *n, dsgd_comm *c)
{
    leader_state *s = n->state;
    if (s->node)
        dsgd_group_free(c, s->node);
    dsgd_vec_free(&s->buf);
    free(s->members);
    free(s->all);
    free(s->loss);
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

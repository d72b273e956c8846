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

#include "algorithms/worker.h"

extern const dsgd_algo dsgd_algo_leader;

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

static int leader_run(dsgd_comm *c, const dsgd_job *job, dsgd_result *out)
{
    const dsgd_config *cfg = job->cfg;
    dsgd_worker w;
    dsgd_layout l;
    dsgd_group *node = NULL;
    int rc = dsgd_worker_setup(&w, &l, &dsgd_algo_leader, c, job, out);
    int n = dsgd_size(c), me = dsgd_rank(c), n_node = 0;
    int *members = malloc(sizeof *members * (size_t)n), *all = malloc(sizeof *all * (size_t)n);
    float *loss = malloc(sizeof *loss * (size_t)n), *window = calloc((size_t)cfg->loss_window, 4);
    dsgd_vec buf = {0};
    if (rc == DSGD_OK && (!members || !all || !loss || !window ||
                          dsgd_vec_alloc(&buf, w.params.len, dsgd_vec_is_phantom(&w.params))))
        rc = DSGD_ENOMEM;
    for (int r = 0; rc == DSGD_OK && r < n; r++) {
        all[r] = r;
        if (l.node[r] == l.node[me])
            members[n_node++] = r;
    }
    if (rc == DSGD_OK)
        rc = dsgd_group_create(c, members, n_node, &node);
    if (rc == DSGD_OK)
        rc = dsgd_barrier(c, NULL);
    double t0 = dsgd_now(c);
    for (long t = w.start_iter; rc == DSGD_OK && t < w.iters; t++) {
        dsgd_set_iter(c, t);
        if ((rc = dsgd_worker_load(&w, c, t)) || (rc = dsgd_worker_gradient(&w, c, out)) ||
            (rc = dsgd_worker_step(&w, c, &w.grad)))
            break;
        window[t % cfg->loss_window] = isnan(w.loss) ? 0.0f : (float)w.loss;
        int local = (t + 1) % cfg->l_comm == 0, global = (t + 1) % cfg->g_comm == 0;
        if (local || global) {
            long k = t + 1 < cfg->loss_window ? t + 1 : cfg->loss_window;
            float mine = 0;
            for (long i = 0; i < k; i++)
                mine += window[i] / (float)k;
            if ((rc = dsgd_allgather(c, NULL, &mine, sizeof mine, loss)))
                break;
            if (local && (rc = pull(&w, c, node, lowest(loss, members, n_node), &buf, cfg->c1)))
                break;
            if (global && (rc = pull(&w, c, NULL, lowest(loss, all, n), &buf, cfg->c2)))
                break;
        }
        if ((rc = dsgd_worker_after_step(&w, c, t + 1, out)))
            break;
        dsgd_worker_progress(&w, c, t, out);
    }
    out->time_s = dsgd_now(c) - t0;
    dsgd_set_iter(c, -1);
    if (rc == DSGD_OK)
        rc = dsgd_worker_finish(&w, c, out);
    if (node)
        dsgd_group_free(c, node);
    dsgd_vec_free(&buf);
    free(members);
    free(all);
    free(loss);
    free(window);
    dsgd_worker_free(&w);
    dsgd_layout_free(&l, c);
    return rc;
}

const dsgd_algo dsgd_algo_leader = {
    .name = "leader",
    .summary = "leader SGD: local steps; workers pull towards their node's and the global "
               "lowest-loss worker",
    .flags = "--l-comm N --g-comm N --loss-window N --c1 X --c2 X --node-size K",
    .run = leader_run,
};

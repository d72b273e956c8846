/* worker.c — load / gradient / step / evaluate / checkpoint / finish for
 * data-parallel workers. */
#include "algorithms/worker.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checkpoint.h"
#include "core/rng.h"

static int fail(dsgd_result *out, int status, const char *what)
{
    snprintf(out->error, sizeof out->error, "%s", what);
    return status;
}

/* The model --model chose, with its options, for the data set's samples. */
int dsgd_worker_build_model(const dsgd_config *cfg, const dsgd_dataset *ds, dsgd_model *m,
                            char *err, size_t errlen)
{
    const dsgd_choice *ch = &cfg->choice[DSGD_SEL_MODEL];
    const dsgd_model_desc *d =
        ch->component ? (const dsgd_model_desc *)ch->component : dsgd_model_find(cfg->model);
    if (!d) {
        snprintf(err, errlen, "--model: unknown model '%s' (see --model list)", cfg->model);
        return -1;
    }
    return dsgd_model_build(d, ch->options, dsgd_data_shape(ds), ds->classes, m, err, errlen);
}

int dsgd_worker_check_config(dsgd_config *cfg, const dsgd_dataset *data, char *err, size_t errlen)
{
    dsgd_model m;
    if (dsgd_worker_build_model(cfg, data, &m, err, errlen) != 0)
        return -1;
    int executable = dsgd_model_executable(&m);
    dsgd_model_destroy(&m);
    if (!executable && strcmp(cfg->payload, "real") == 0) {
        snprintf(err, errlen,
                 "--payload real: model '%s' is a descriptor (timing only); use --payload phantom",
                 cfg->model);
        return -1;
    }
    if (strcmp(cfg->payload, "auto") == 0)
        strcpy(cfg->payload, executable ? "real" : "phantom");
    const dsgd_component *variant = cfg->choice[DSGD_SEL_ALGO].component;
    if (variant && dsgd_algo_of(variant)->independent && dsgd_config_stops_early(cfg) &&
        cfg->eval_every) {
        /* Its workers stop at different iterations: an evaluation (a
         * collective of all workers) one of them never reaches would hang. */
        snprintf(err, errlen,
                 "--eval-every: %s's workers stop at different iterations under --%s, so they "
                 "cannot evaluate together mid-run; evaluate at the end (a curve: one run per "
                 "budget)",
                 variant->name, cfg->time_budget > 0 ? "time-budget" : "samples");
        return -1;
    }
    if ((cfg->checkpoint[0] || cfg->resume[0]) && dsgd_config_phantom(cfg)) {
        snprintf(err, errlen, "--%s: needs --payload real (phantom runs have no parameters)",
                 cfg->checkpoint[0] ? "checkpoint" : "resume");
        return -1;
    }
    char why[1200];
    if (cfg->checkpoint[0] && dsgd_checkpoint_check_dir(cfg->checkpoint, why, sizeof why) != 0) {
        snprintf(err, errlen, "--checkpoint %s", why);
        return -1;
    }
    if (cfg->resume[0]) { /* what the run knows before it starts: the rest at load */
        dsgd_checkpoint_meta expect;
        memset(&expect, 0, sizeof expect);
        snprintf(expect.model, sizeof expect.model, "%s", cfg->model);
        snprintf(expect.algo, sizeof expect.algo, "%s", cfg->algo);
        expect.batch = cfg->batch;
        expect.seed = cfg->seed;
        if (dsgd_checkpoint_probe(cfg->resume, &expect, err, errlen) != 0)
            return -1;
    }
    return 0;
}

static void checkpoint_meta(const dsgd_worker *w, dsgd_checkpoint_meta *meta)
{
    memset(meta, 0, sizeof *meta);
    snprintf(meta->model, sizeof meta->model, "%s", w->job->cfg->model);
    snprintf(meta->algo, sizeof meta->algo, "%s", w->job->cfg->algo);
    meta->n_params = w->model.n_params;
    meta->rank = w->index;
    meta->ranks = w->count;
    meta->batch = w->job->cfg->batch;
    meta->seed = w->job->cfg->seed;
}

int dsgd_worker_init(dsgd_worker *w, const dsgd_job *job, int index, int count, dsgd_result *out)
{
    memset(w, 0, sizeof *w);
    w->job = job;
    w->loss = w->first_loss = w->recent_loss = NAN;
    w->index = index;
    w->count = count;
    const dsgd_config *cfg = job->cfg;
    const dsgd_dataset *ds = job->data;
    int phantom = dsgd_config_phantom(cfg);
    if (job->descriptor && !dsgd_model_executable(job->descriptor)) {
        w->model = *job->descriptor; /* read only: layers and counts */
        w->model_shared = 1;
    } else if (dsgd_worker_build_model(cfg, ds, &w->model, out->error, sizeof out->error) != 0) {
        return DSGD_EINVAL;
    }
    if (job->device && !phantom && dsgd_model_set_device(&w->model, job->device) != 0)
        return fail(out, DSGD_EINVAL, "the model cannot run on the chosen device");
    dsgd_shard_range(ds->n[DSGD_TRAIN], index, count, &w->shard_begin, &w->shard_end);
    /* Phantom workers read no samples (they charge a batch's cost): a
     * timing-only run may have more workers than the data set has samples
     * (65,536 ResNet-50 workers on the synthetic set's 16,384). */
    if (w->shard_end == w->shard_begin && !phantom)
        return fail(out, DSGD_EINVAL, "more workers than training samples");
    w->iters_per_epoch = dsgd_iters_per_epoch(ds->n[DSGD_TRAIN], count, cfg->batch);
    w->iters = cfg->epochs ? cfg->epochs * w->iters_per_epoch : cfg->iters;
    dsgd_schedule_init(&w->schedule, cfg, w->iters_per_epoch);
    size_t n = w->model.n_params;
    if (dsgd_vec_alloc(&w->params, n, phantom) || dsgd_vec_alloc(&w->grad, n, phantom) ||
        dsgd_sgd_init(&w->opt, n, phantom, (float)cfg->lr, (float)cfg->momentum))
        return fail(out, DSGD_ENOMEM, "out of memory for parameters");
    w->opt.nesterov = cfg->nesterov;
    w->opt.weight_decay = (float)cfg->weight_decay;
    if (!phantom) {
        w->x = malloc(sizeof *w->x * (size_t)cfg->batch * ds->dim);
        w->y = malloc(sizeof *w->y * (size_t)cfg->batch);
        if (!w->x || !w->y ||
            dsgd_sampler_init(&w->sampler, w->shard_begin, w->shard_end, cfg->batch,
                              w->iters_per_epoch, cfg->seed) != 0)
            return fail(out, DSGD_ENOMEM, "out of memory for the minibatch");
    }
    if (cfg->laplacian_sigma > 0 && !phantom) {
        if (dsgd_laplacian_init(&w->smooth, n, cfg->laplacian_sigma) != 0)
            return fail(out, DSGD_ENOMEM, "out of memory for Laplacian smoothing");
        w->smoothing = 1;
    }
    if (!cfg->resume[0]) {
        dsgd_model_init_params(&w->model, &w->params, cfg->seed);
        return DSGD_OK;
    }
    dsgd_checkpoint_meta meta;
    checkpoint_meta(w, &meta);
    if (dsgd_checkpoint_load(cfg->resume, &meta, w->iters, &w->start_iter, w->params.data,
                             w->opt.velocity.data, out->error, sizeof out->error) != 0)
        return DSGD_EINVAL;
    out->start_iter = out->iters = w->start_iter;
    return DSGD_OK;
}

void dsgd_worker_free(dsgd_worker *w)
{
    dsgd_vec_free(&w->params);
    dsgd_vec_free(&w->grad);
    dsgd_sgd_free(&w->opt);
    dsgd_sampler_free(&w->sampler);
    if (w->smoothing)
        dsgd_laplacian_free(&w->smooth);
    free(w->x);
    free(w->y);
    free(w->scratch);
    if (!w->model_shared)
        dsgd_model_destroy(&w->model);
    memset(w, 0, sizeof *w);
}

int dsgd_worker_load(dsgd_worker *w, dsgd_comm *c, long iter)
{
    const dsgd_dataset *ds = w->job->data;
    int batch = w->job->cfg->batch;
    double t0 = dsgd_now(c);
    if (w->x)
        dsgd_sampler_load(&w->sampler, ds, iter, w->x, w->y);
    /* The model's input, one float per element, and a label per sample:
     * a descriptor model (ResNet-50) loads its own input size whatever
     * stands in for the data; for executable models it is the data set's
     * sample (dsgd_data_batch_bytes, what dsgd-run --bench io times). */
    double bytes =
        (double)batch * ((double)dsgd_shape_size(w->model.input) * sizeof(float) + sizeof(int));
    return dsgd_io(c, "load_batch", bytes, t0);
}

int dsgd_worker_gradient(dsgd_worker *w, dsgd_comm *c, dsgd_result *out)
{
    int batch = w->job->cfg->batch;
    double t0 = dsgd_now(c);
    w->loss = dsgd_model_loss_grad(&w->model, &w->params, w->x, w->y, batch, &w->grad);
    dsgd_work work;
    dsgd_model_work(&w->model, batch, !w->defer_backward, &work);
    int rc = dsgd_compute(c, w->defer_backward ? "forward" : "fwdbwd", &work, t0);
    if (rc == DSGD_OK && w->job->cfg->laplacian_sigma > 0) {
        double t1 = dsgd_now(c);
        double bytes = w->smoothing ? dsgd_laplacian_apply(&w->smooth, w->grad.data)
                                    : dsgd_laplacian_bytes(w->grad.len);
        rc = dsgd_memory(c, "laplacian", bytes, t1);
    }
    if (rc != DSGD_OK)
        return rc;
    if (dsgd_vec_is_phantom(&w->params))
        return DSGD_OK;
    if (!isfinite(w->loss)) {
        snprintf(out->error, sizeof out->error, "iteration %ld: loss is %s (lower --lr?)",
                 dsgd_iter(c), isnan(w->loss) ? "NaN" : "infinite");
        return DSGD_ENUMERIC;
    }
    if (isnan(w->first_loss))
        w->first_loss = w->loss;
    /* The last ~10 minibatches' loss: who leads (--eval-model leader). */
    w->recent_loss = isnan(w->recent_loss) ? w->loss : 0.9 * w->recent_loss + 0.1 * w->loss;
    dsgd_record(c, DSGD_EV_EVAL, "train_loss", dsgd_now(c), w->loss);
    return DSGD_OK;
}

int dsgd_worker_charge_backward(dsgd_worker *w, dsgd_comm *c, int first, int end)
{
    dsgd_work work = {0};
    int batch = w->job->cfg->batch;
    for (int l = first; l < end; l++) {
        work.flops[w->model.layers[l].kind] += batch * w->model.layers[l].bwd_flops;
        work.calls[w->model.layers[l].kind] += 1.0;
    }
    work.layer_calls = end - first;
    work.layers = w->model.layers;
    work.first = first, work.end = end;
    work.batch = batch;
    work.backward = 1;
    return dsgd_compute(c, "backward", &work, dsgd_now(c));
}

int dsgd_worker_spread(dsgd_worker *w, dsgd_comm *c, dsgd_group *group, double *spread)
{
    *spread = NAN;
    if (dsgd_vec_is_phantom(&w->params))
        return DSGD_OK;
    double t0 = dsgd_now(c);
    dsgd_vec mean = {w->scratch = malloc(sizeof(float) * w->params.len), w->params.len};
    if (!mean.data)
        return DSGD_ENOMEM;
    dsgd_vec_copy(&mean, &w->params);
    int n = dsgd_group_size(c, group);
    int rc = dsgd_allreduce(c, group, mean.data, mean.len);
    double sq = 0;
    for (size_t i = 0; i < mean.len; i++) {
        double d = w->params.data[i] - mean.data[i] / n;
        sq += d * d;
    }
    float total = (float)sq;
    if (rc == DSGD_OK)
        rc = dsgd_allreduce(c, group, &total, 1);
    free(w->scratch);
    w->scratch = NULL;
    *spread = sqrt((double)total / n);
    dsgd_record(c, DSGD_EV_EVAL, "spread", t0, *spread);
    return rc;
}

int dsgd_worker_setup(dsgd_worker *w, dsgd_layout *l, const dsgd_algo *algo, dsgd_comm *c,
                      const dsgd_job *job, dsgd_result *out)
{
    memset(w, 0, sizeof *w);
    int rc = dsgd_layout_init(l, algo, c, job->cfg, out);
    if (rc != DSGD_OK) { /* a bad layout is the same on every rank: all return */
        out->bad_input = rc == DSGD_EINVAL;
        return rc;
    }
    int index = l->my_worker >= 0 ? l->my_worker : 0;
    rc = dsgd_worker_init(w, job, index, l->n_workers, out);
    rc = dsgd_worker_ready(w, c, rc, out);
    /* Every rank learns a setup failure's status: all agree it is bad input. */
    out->bad_input = rc == DSGD_EINVAL;
    w->eval_group = l->worker_group;
    w->measure_spread = 1;
    out->staleness_mean = out->staleness_max = out->spread = NAN;
    double noise = job->cfg->init_noise;
    if (rc == DSGD_OK && noise > 0 && l->my_worker >= 0 && w->params.data) {
        dsgd_rng rng;
        dsgd_rng_seed2(&rng, job->cfg->seed, 7919 + (uint64_t)l->my_worker);
        for (size_t i = 0; i < w->params.len; i++)
            w->params.data[i] += (float)(noise * dsgd_rng_normal(&rng));
    }
    return rc;
}

void dsgd_worker_progress(dsgd_worker *w, dsgd_comm *c, long t, dsgd_result *out)
{
    out->iters = t + 1;
    if (w->job->progress && dsgd_rank(c) == 0)
        w->job->progress(w->job->progress_ctx, t + 1, w->iters, dsgd_now(c));
}

int dsgd_worker_scale(dsgd_worker *w, dsgd_comm *c, dsgd_vec *grad, float alpha)
{
    (void)w;
    if (alpha == 1.0f) /* one worker: nothing to average, nothing to charge */
        return DSGD_OK;
    double t0 = dsgd_now(c);
    return dsgd_memory(c, "scale", dsgd_vec_scale(grad, alpha), t0);
}

int dsgd_worker_step(dsgd_worker *w, dsgd_comm *c, const dsgd_vec *grad)
{
    double t0 = dsgd_now(c);
    long iter = dsgd_iter(c);
    w->opt.lr = (float)dsgd_schedule_lr(&w->schedule, iter < 0 ? 0 : iter);
    int rc = dsgd_memory(c, "sgd_step", dsgd_sgd_step(&w->opt, &w->params, grad), t0);
    dsgd_record(c, DSGD_EV_UPDATE, "sgd", t0, w->opt.lr);
    return rc;
}

/* Scores params on test samples [begin, end): loss sum and correct count;
 * charges the forward passes. */
static int score(dsgd_worker *w, dsgd_comm *c, const dsgd_vec *params, size_t begin, size_t end,
                 double *loss_sum, long *correct)
{
    const dsgd_dataset *ds = w->job->data;
    int batch = w->job->cfg->batch;
    double t0 = dsgd_now(c);
    *loss_sum = 0.0;
    *correct = 0;
    for (size_t done = begin; w->x && done < end;) {
        int chunk = (int)(end - done < (size_t)batch ? end - done : (size_t)batch);
        for (int k = 0; k < chunk; k++)
            ds->get(ds, DSGD_TEST, done + k, w->x + (size_t)k * ds->dim, &w->y[k]);
        int right = 0;
        *loss_sum +=
            (double)dsgd_model_evaluate(&w->model, params, w->x, w->y, chunk, &right) * chunk;
        *correct += right;
        done += (size_t)chunk;
    }
    dsgd_work work;
    dsgd_model_work(&w->model, (int)(end - begin), 0, &work);
    return dsgd_compute(c, "eval", &work, t0);
}

/* The lowest recent training loss among the members: its group index
 * (ties and phantom runs: the lowest index). */
static int find_leader(dsgd_worker *w, dsgd_comm *c, dsgd_group *group, int *leader)
{
    int n = dsgd_group_size(c, group);
    float mine = isnan(w->recent_loss) ? INFINITY : (float)w->recent_loss;
    float *all = malloc(sizeof *all * (size_t)n);
    if (!all)
        return DSGD_ENOMEM;
    int rc = dsgd_allgather(c, group, &mine, sizeof mine, all);
    *leader = 0;
    for (int i = 1; rc == DSGD_OK && i < n; i++)
        if (all[i] < all[*leader])
            *leader = i;
    free(all);
    return rc;
}

/* The parameters --eval-model scores, into *scored (a copy, or a view of
 * w->params when this worker's own are the answer). */
static int parameters_to_score(dsgd_worker *w, dsgd_comm *c, dsgd_group *group, const char *mode,
                               dsgd_vec *scored, int *owned)
{
    *owned = 0;
    *scored = w->params;
    if (strcmp(mode, "average") && strcmp(mode, "leader") && strcmp(mode, "rank0"))
        return DSGD_OK; /* each, shards: the worker's own */
    int rc = dsgd_vec_alloc_like(&w->params, scored, NULL);
    if (rc != DSGD_OK)
        return DSGD_ENOMEM;
    *owned = 1;
    dsgd_vec_copy(scored, &w->params);
    int n = dsgd_group_size(c, group), root = 0;
    if (strcmp(mode, "average") == 0) {
        rc = dsgd_allreduce(c, group, scored->data, scored->len);
        double t0 = dsgd_now(c);
        if (rc == DSGD_OK)
            rc = dsgd_memory(c, "scale", dsgd_vec_scale(scored, 1.0f / (float)n), t0);
        return rc;
    }
    if (strcmp(mode, "leader") == 0)
        rc = find_leader(w, c, group, &root);
    return rc ? rc : dsgd_bcast(c, group, root, scored->data, dsgd_vec_bytes(scored));
}

int dsgd_worker_evaluate(dsgd_worker *w, dsgd_comm *c, dsgd_group *group, dsgd_result *out)
{
    const dsgd_config *cfg = w->job->cfg;
    const dsgd_dataset *ds = w->job->data;
    const dsgd_algo *algo = w->job->algo;
    /* Workers that hold one model score it once, on shards, however asked. */
    int replicated = algo && algo->replicated && cfg->init_noise == 0;
    const char *mode = replicated ? "replicated" : cfg->eval_model;
    int each = strcmp(mode, "each") == 0, n = dsgd_group_size(c, group), owned = 0;
    size_t begin = 0, end = ds->n[DSGD_TEST];
    if (!each)
        dsgd_shard_range(ds->n[DSGD_TEST], dsgd_group_index(c, group), n, &begin, &end);
    double t0 = dsgd_now(c), loss_sum = 0;
    long correct = 0;
    dsgd_vec scored;
    int rc = parameters_to_score(w, c, group, mode, &scored, &owned);
    if (rc == DSGD_OK)
        rc = score(w, c, &scored, begin, end, &loss_sum, &correct);
    if (owned)
        dsgd_vec_free(&scored);
    /* Sums as floats: exact for counts below 2^24, 1e-7 relative for the
     * loss.  The third: the members' iterations so far (samples trained). */
    float sums[3] = {(float)loss_sum, (float)correct, (float)(w->done - w->start_iter)};
    if (rc == DSGD_OK)
        rc = dsgd_allreduce(c, group, sums, 3);
    out->samples = (long)sums[2] * cfg->batch;
    double total = (double)ds->n[DSGD_TEST] * (each ? n : 1); /* each: n whole splits */
    int real = w->x != NULL;
    out->final_loss = real ? sums[0] / total : NAN;
    out->test_accuracy = real ? sums[1] / total : NAN;
    out->eval_model = mode;
    dsgd_record(c, DSGD_EV_EVAL, "test_loss", t0, out->final_loss);
    dsgd_record(c, DSGD_EV_EVAL, "test_accuracy", t0, out->test_accuracy);
    return rc;
}

static int checkpoint(dsgd_worker *w, dsgd_comm *c, long iters_done, dsgd_result *out)
{
    dsgd_checkpoint_meta meta;
    checkpoint_meta(w, &meta);
    double t0 = dsgd_now(c);
    double bytes = dsgd_checkpoint_save(w->job->cfg->checkpoint, &meta, iters_done, w->params.data,
                                        w->opt.velocity.data, out->error, sizeof out->error);
    if (bytes < 0)
        return DSGD_EBACKEND;
    return dsgd_io(c, "checkpoint", bytes, t0);
}

int dsgd_worker_boundary(dsgd_worker *w, dsgd_comm *c, long iters_done, dsgd_result *out)
{
    const dsgd_config *cfg = w->job->cfg;
    w->done = iters_done;
    if (w->stop || !dsgd_config_stops_early(cfg) || iters_done >= w->iters) {
        out->stopped_by = iters_done >= w->iters && !w->stop ? "iters" : out->stopped_by;
        return DSGD_OK;
    }
    int rc = DSGD_OK, expired = 0, by_samples = 0;
    if (cfg->samples && w->lockstep) { /* every worker trains one minibatch an iteration */
        by_samples = (iters_done - w->start_iter) * cfg->batch * (long)w->count >= cfg->samples;
    } else if (cfg->samples) { /* workers of their own pace: count them all */
        long total = 0;
        rc = dsgd_tally(c, cfg->batch, &total);
        by_samples = total >= cfg->samples;
    }
    expired = by_samples || (cfg->time_budget > 0 && dsgd_now(c) - w->t_start >= cfg->time_budget);
    if (rc == DSGD_OK && w->lockstep && !by_samples)
        rc = dsgd_stop_vote(c, iters_done, expired, &w->stop);
    else
        w->stop = expired;
    if (w->stop)
        out->stopped_by = by_samples ? "samples" : "time";
    return rc;
}

int dsgd_worker_eval_due(const dsgd_worker *w, long iters_done)
{
    long every = w->job->cfg->eval_every;
    return every && iters_done % every == 0 && iters_done < w->iters && !w->stop;
}

int dsgd_worker_after_step(dsgd_worker *w, dsgd_comm *c, long iters_done, dsgd_result *out)
{
    const dsgd_config *cfg = w->job->cfg;
    int rc = dsgd_worker_boundary(w, c, iters_done, out);
    if (rc == DSGD_OK && dsgd_worker_eval_due(w, iters_done))
        rc = dsgd_worker_evaluate(w, c, w->eval_group, out);
    if (rc == DSGD_OK && cfg->checkpoint[0] &&
        ((cfg->checkpoint_every && iters_done % cfg->checkpoint_every == 0) ||
         iters_done == w->iters || w->stop))
        rc = checkpoint(w, c, iters_done, out);
    return rc;
}

/* What each rank tells the others once it is set up. */
typedef struct start_state {
    long status;
    long start_iter;
    char error[sizeof(((dsgd_result *)0)->error)];
} start_state;

/* The cheap check every run makes: two small allreduces (collectives the
 * flow model prices in O(1)) tell whether any rank failed or started from
 * another iteration.  Only then does everyone gather the details. */
static int anything_wrong(dsgd_worker *w, dsgd_comm *c, int status)
{
    float v[2] = {status != DSGD_OK ? 1.0f : 0.0f, (float)w->start_iter};
    if (dsgd_allreduce(c, NULL, v, 2) != DSGD_OK)
        return 1;
    /* v[1] is exact unless start iterations are huge; a false alarm only
     * costs the detailed check below. */
    float mismatch = v[1] != (float)dsgd_size(c) * (float)w->start_iter ? 1.0f : 0.0f;
    if (dsgd_allreduce(c, NULL, &mismatch, 1) != DSGD_OK)
        return 1;
    return v[0] > 0 || mismatch > 0;
}

/* The lowest rank whose flag is set, or -1, into *first.  Two allreduces
 * of about sqrt(size) floats each (which block of ranks holds the first
 * flag, then which rank in it), not an allgather: gathering one record per
 * rank on every rank costs size^2 of memory, 567 GB for 32,768 simulated
 * ranks (measured: the run killed at 23 GB).  Counts stay below 2^24, so
 * the float sums are exact. */
static int first_rank_flagged(dsgd_worker *w, dsgd_comm *c, int flag, int *first)
{
    int n = dsgd_size(c), me = dsgd_rank(c);
    int block = 1;
    while ((long)block * block < n)
        block++;
    int blocks = (n + block - 1) / block;
    int len = block > blocks ? block : blocks;
    float *v = w->scratch = calloc((size_t)len, sizeof *v);
    if (!v)
        return DSGD_ENOMEM;
    *first = -1;
    v[me / block] = flag ? 1.0f : 0.0f;
    int rc = dsgd_allreduce(c, NULL, v, (size_t)blocks);
    int b = 0;
    while (rc == DSGD_OK && b < blocks && v[b] == 0.0f)
        b++;
    if (rc == DSGD_OK && b < blocks) {
        memset(v, 0, sizeof *v * (size_t)len);
        if (me / block == b)
            v[me % block] = flag ? 1.0f : 0.0f;
        rc = dsgd_allreduce(c, NULL, v, (size_t)block);
        for (int i = 0; rc == DSGD_OK && i < block; i++)
            if (v[i] != 0.0f) {
                *first = b * block + i;
                break;
            }
    }
    free(v);
    w->scratch = NULL;
    return rc;
}

int dsgd_worker_ready(dsgd_worker *w, dsgd_comm *c, int status, dsgd_result *out)
{
    if (!anything_wrong(w, c, status))
        return DSGD_OK;
    /* The first rank that failed tells everyone why; else the first rank
     * that started from another iteration than rank 0. */
    start_state mine;
    memset(&mine, 0, sizeof mine);
    mine.status = status;
    mine.start_iter = w->start_iter;
    memcpy(mine.error, out->error, sizeof mine.error);
    int failed = -1, odd = -1;
    int rc = first_rank_flagged(w, c, status != DSGD_OK, &failed);
    if (rc == DSGD_OK && failed >= 0) {
        start_state theirs = mine;
        rc = dsgd_bcast(c, NULL, failed, &theirs, sizeof theirs);
        if (rc == DSGD_OK && failed != dsgd_rank(c))
            snprintf(out->error, sizeof out->error, "(rank %d) %.180s", failed, theirs.error);
        if (rc == DSGD_OK)
            rc = (int)theirs.status;
        return status != DSGD_OK ? status : rc;
    }
    long first_iter = w->start_iter, their_iter = 0;
    if (rc == DSGD_OK)
        rc = dsgd_bcast(c, NULL, 0, &first_iter, sizeof first_iter);
    if (rc == DSGD_OK)
        rc = first_rank_flagged(w, c, w->start_iter != first_iter, &odd);
    if (rc == DSGD_OK && odd >= 0) {
        their_iter = w->start_iter;
        rc = dsgd_bcast(c, NULL, odd, &their_iter, sizeof their_iter);
        if (rc == DSGD_OK) {
            snprintf(out->error, sizeof out->error,
                     "--resume: rank 0 stopped at iteration %ld but rank %d at %ld (mixed "
                     "checkpoints)",
                     first_iter, odd, their_iter);
            rc = DSGD_EINVAL;
        }
    }
    return status != DSGD_OK ? status : rc;
}

int dsgd_worker_finish(dsgd_worker *w, dsgd_comm *c, dsgd_result *out)
{
    /* without the workers that failed (asynchronous variants go on) */
    int rc = dsgd_group_survivors(c, w->eval_group, &w->survivors);
    dsgd_group *live = w->survivors;
    dsgd_group *g = live ? live : w->eval_group;
    if (rc == DSGD_OK && w->measure_spread)
        rc = dsgd_worker_spread(w, c, g, &out->spread);
    if (rc == DSGD_OK)
        rc = dsgd_worker_evaluate(w, c, g, out);
    dsgd_group_free(c, live);
    w->survivors = NULL;
    out->first_loss = w->first_loss;
    out->params_norm = dsgd_vec_is_phantom(&w->params) ? NAN : dsgd_vec_norm2(&w->params);
    return rc;
}

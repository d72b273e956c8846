/* worker.c — load / gradient / step / finish for data-parallel workers. */
#include "algorithms/worker.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Test samples the final loss is measured on (fewer if the split is small). */
#define EVAL_SAMPLES 1024

static int fail(dsgd_result *out, int status, const char *what)
{
    snprintf(out->error, sizeof out->error, "%s", what);
    return status;
}

int dsgd_worker_check_config(dsgd_config *cfg, const dsgd_dataset *data, char *err, size_t errlen)
{
    dsgd_model m;
    if (dsgd_model_create(cfg->model, cfg->hidden, dsgd_data_shape(data), data->classes, &m, err,
                          errlen) != 0)
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
    return 0;
}

int dsgd_worker_init(dsgd_worker *w, const dsgd_job *job, int index, int count, dsgd_result *out)
{
    memset(w, 0, sizeof *w);
    w->job = job;
    w->loss = w->first_loss = NAN;
    const dsgd_config *cfg = job->cfg;
    const dsgd_dataset *ds = job->data;
    int phantom = dsgd_config_phantom(cfg);
    if (dsgd_model_create(cfg->model, cfg->hidden, dsgd_data_shape(ds), ds->classes, &w->model,
                          out->error, sizeof out->error) != 0)
        return DSGD_EINVAL;
    dsgd_shard_range(ds->n[DSGD_TRAIN], index, count, &w->shard_begin, &w->shard_end);
    if (w->shard_end == w->shard_begin)
        return fail(out, DSGD_EINVAL, "more workers than training samples");
    size_t n = w->model.n_params;
    if (dsgd_vec_alloc(&w->params, n, phantom) || dsgd_vec_alloc(&w->grad, n, phantom) ||
        dsgd_sgd_init(&w->opt, n, phantom, (float)cfg->lr, (float)cfg->momentum))
        return fail(out, DSGD_ENOMEM, "out of memory for parameters");
    if (!phantom) {
        w->x = malloc(sizeof *w->x * (size_t)cfg->batch * ds->dim);
        w->y = malloc(sizeof *w->y * (size_t)cfg->batch);
        if (!w->x || !w->y)
            return fail(out, DSGD_ENOMEM, "out of memory for the minibatch");
    }
    dsgd_model_init_params(&w->model, &w->params, cfg->seed);
    return DSGD_OK;
}

void dsgd_worker_free(dsgd_worker *w)
{
    dsgd_vec_free(&w->params);
    dsgd_vec_free(&w->grad);
    dsgd_sgd_free(&w->opt);
    free(w->x);
    free(w->y);
    dsgd_model_destroy(&w->model);
    memset(w, 0, sizeof *w);
}

int dsgd_worker_load(dsgd_worker *w, dsgd_comm *c, long iter)
{
    const dsgd_dataset *ds = w->job->data;
    int batch = w->job->cfg->batch;
    double t0 = dsgd_now(c);
    if (w->x)
        dsgd_data_load_batch(ds, w->shard_begin, w->shard_end, iter, batch, w->x, w->y);
    /* One float per input element and a label per sample. */
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
    dsgd_model_work(&w->model, batch, 1, &work);
    int rc = dsgd_compute(c, "fwdbwd", &work, t0);
    if (rc != DSGD_OK)
        return rc;
    if (dsgd_vec_is_phantom(&w->params))
        return DSGD_OK;
    if (!isfinite(w->loss)) {
        snprintf(out->error, sizeof out->error, "iteration %ld: loss is %s (lower --lr?)", c->iter,
                 isnan(w->loss) ? "NaN" : "infinite");
        return DSGD_ENUMERIC;
    }
    if (isnan(w->first_loss))
        w->first_loss = w->loss;
    dsgd_record(c, DSGD_EV_EVAL, "train_loss", dsgd_now(c), w->loss);
    return DSGD_OK;
}

int dsgd_worker_scale(dsgd_worker *w, dsgd_comm *c, dsgd_vec *grad, float alpha)
{
    (void)w;
    double t0 = dsgd_now(c);
    return dsgd_memory(c, "scale", dsgd_vec_scale(grad, alpha), t0);
}

int dsgd_worker_step(dsgd_worker *w, dsgd_comm *c, const dsgd_vec *grad)
{
    double t0 = dsgd_now(c);
    int rc = dsgd_memory(c, "sgd_step", dsgd_sgd_step(&w->opt, &w->params, grad), t0);
    dsgd_record(c, DSGD_EV_UPDATE, "sgd", t0, 0);
    return rc;
}

int dsgd_worker_finish(dsgd_worker *w, dsgd_comm *c, dsgd_result *out)
{
    const dsgd_dataset *ds = w->job->data;
    int batch = w->job->cfg->batch;
    size_t n_eval = ds->n[DSGD_TEST] < EVAL_SAMPLES ? ds->n[DSGD_TEST] : EVAL_SAMPLES;
    double t0 = dsgd_now(c);
    double total = 0.0;
    size_t done = 0;
    while (w->x && done < n_eval) {
        int chunk = (int)(n_eval - done < (size_t)batch ? n_eval - done : (size_t)batch);
        for (int k = 0; k < chunk; k++)
            ds->get(ds, DSGD_TEST, done + k, w->x + (size_t)k * ds->dim, &w->y[k]);
        total +=
            (double)dsgd_model_loss_grad(&w->model, &w->params, w->x, w->y, chunk, NULL) * chunk;
        done += (size_t)chunk;
    }
    dsgd_work work;
    dsgd_model_work(&w->model, (int)n_eval, 0, &work);
    int rc = dsgd_compute(c, "eval", &work, t0);
    out->final_loss = w->x ? total / (double)n_eval : NAN;
    out->first_loss = w->first_loss;
    out->params_norm = dsgd_vec_is_phantom(&w->params) ? NAN : dsgd_vec_norm2(&w->params);
    dsgd_record(c, DSGD_EV_EVAL, "test_loss", t0, out->final_loss);
    return rc;
}

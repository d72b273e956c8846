/* worker.h — the steps every data-parallel worker takes, charged and traced.
 *
 * Algorithm files compose these (load, gradient, step, finish) around their
 * communication pattern, so each file shows only what makes the variant
 * different.  Every step charges its cost through comm.h: real math and
 * real time in exec, modelled time in sim, no math at all when phantom. */
#ifndef DSGD_WORKER_H
#define DSGD_WORKER_H

#include "algorithms/algo.h"
#include "core/model.h"
#include "core/optim.h"
#include "core/vec.h"

typedef struct dsgd_worker {
    const dsgd_job *job;
    dsgd_model model;
    dsgd_vec params;
    dsgd_vec grad;
    dsgd_sgd opt;
    float *x; /* minibatch features (NULL when phantom) */
    int *y;   /* minibatch labels */
    size_t shard_begin, shard_end;
    double loss;       /* loss of the last minibatch (NAN when phantom) */
    double first_loss; /* loss of the first minibatch */
} dsgd_worker;

/* Checks, before any rank starts, what dsgd_worker_init would reject in the
 * configuration (model name, widths, real payload for a descriptor model),
 * and resolves --payload auto to real or phantom.  Returns 0, or -1 with a
 * reason. */
int dsgd_worker_check_config(dsgd_config *cfg, const dsgd_dataset *data, char *err, size_t errlen);

/* Sets up worker `index` of `count` (its shard, model, parameters from the
 * run seed: identical on every worker).  Returns DSGD_OK or a status with a
 * reason in out->error. */
int dsgd_worker_init(dsgd_worker *w, const dsgd_job *job, int index, int count, dsgd_result *out);
void dsgd_worker_free(dsgd_worker *w);

/* Loads minibatch `iter` of the shard; charges io. */
int dsgd_worker_load(dsgd_worker *w, dsgd_comm *c, long iter);
/* Forward and backward on the loaded minibatch into w->grad; charges
 * compute, records the loss (eval/train_loss).  A non-finite loss is
 * DSGD_ENUMERIC with the iteration in out->error. */
int dsgd_worker_gradient(dsgd_worker *w, dsgd_comm *c, dsgd_result *out);
/* grad *= alpha, charged as memory traffic (e.g. 1/N after a sum). */
int dsgd_worker_scale(dsgd_worker *w, dsgd_comm *c, dsgd_vec *grad, float alpha);
/* One optimiser step with grad; charges memory, records an update event. */
int dsgd_worker_step(dsgd_worker *w, dsgd_comm *c, const dsgd_vec *grad);
/* Fills out: loss of the parameters on the test split (charged as compute),
 * parameter norm, first loss. */
int dsgd_worker_finish(dsgd_worker *w, dsgd_comm *c, dsgd_result *out);

#endif

/* worker.h — the steps every data-parallel worker takes, charged and traced.
 *
 * Algorithm files compose these (load, gradient, step, finish) around their
 * communication pattern, so each file shows only what makes the variant
 * different.  Every step charges its cost through comm.h: real math and
 * real time in exec, modelled time in sim, no math at all when phantom. */
#ifndef DSGD_WORKER_H
#define DSGD_WORKER_H

#include "algorithms/algo.h"
#include "algorithms/layout.h"
#include "core/data.h"
#include "core/laplacian.h"
#include "core/model.h"
#include "core/optim.h"
#include "core/schedule.h"
#include "core/vec.h"

typedef struct dsgd_worker {
    const dsgd_job *job;
    dsgd_model model;
    int model_shared; /* model is job->descriptor's: not ours to free */
    dsgd_vec params;
    dsgd_vec grad;
    dsgd_sgd opt;
    float *x; /* minibatch features (NULL when phantom) */
    int *y;   /* minibatch labels */
    size_t shard_begin, shard_end;
    double loss;            /* loss of the last minibatch (NAN when phantom) */
    double first_loss;      /* loss of the first minibatch */
    double recent_loss;     /* moving average of the minibatch losses (weight 0.1) */
    int index, count;       /* this worker among count */
    dsgd_sampler sampler;   /* shuffled minibatches of the shard */
    dsgd_schedule schedule; /* learning rate by iteration */
    long iters_per_epoch;   /* same on every worker */
    long iters;             /* the run ends after iteration iters-1 (--iters or --epochs) */
    long start_iter;        /* first iteration to run (> 0 after --resume) */
    dsgd_group *eval_group; /* the ranks that evaluate together (NULL: all ranks) */
    int measure_spread;     /* finish measures the workers' spread (dsgd_worker_setup) */
    int smoothing;          /* --laplacian-sigma > 0 on real parameters */
    dsgd_laplacian smooth;
    int defer_backward; /* gradient charges only the forward pass (see below) */
    /* Stopping early (--time-budget, --samples; dsgd_worker_boundary). */
    double t_start; /* dsgd_now() when training started (the node program sets it) */
    int lockstep;   /* the ranks vote at each boundary (dsgd_stop_vote) */
    long done;      /* iterations completed (the last boundary passed) */
    int stop;       /* the last boundary ended the run */
    /* A temporary of a collective in progress, freed with the worker: a
     * rank ended inside the collective (a stall, --fail) does not leak it. */
    void *scratch;
    /* The final evaluation's group of survivors while it runs (the node
     * frees it with the worker, for the same reason). */
    dsgd_group *survivors;
} dsgd_worker;

/* Checks, before any rank starts, what dsgd_worker_init would reject in the
 * configuration (model name, widths, real payload for a descriptor model,
 * --checkpoint and --resume directories), and resolves --payload auto to
 * real or phantom.  Returns 0, or -1 with a reason. */
int dsgd_worker_check_config(dsgd_config *cfg, const dsgd_dataset *data, char *err, size_t errlen);

/* Builds the model cfg names for data into m (dsgd_model_destroy frees
 * it): a descriptor is what dsgd_job.descriptor shares.  Returns 0, or -1
 * with a reason. */
int dsgd_worker_build_model(const dsgd_config *cfg, const dsgd_dataset *data, dsgd_model *m,
                            char *err, size_t errlen);

/* Sets up worker `index` of `count` (its shard, model, parameters from the
 * run seed: identical on every worker; or the state saved in --resume DIR,
 * with start_iter where it stopped).  Returns DSGD_OK or a status with a
 * reason in out->error. */
int dsgd_worker_init(dsgd_worker *w, const dsgd_job *job, int index, int count, dsgd_result *out);
void dsgd_worker_free(dsgd_worker *w);

/* For the variants with roles (layout.h): builds the layout of `algo`,
 * then dsgd_worker_init as worker l->my_worker of l->n_workers (servers and
 * communicators also get the initial parameters, from the same seed), then
 * dsgd_worker_ready.  Workers evaluate together (eval_group), add
 * --init-noise to their parameters, and finish measures their spread.
 * out->workers is set; staleness is NaN unless the variant fills it. */
int dsgd_worker_setup(dsgd_worker *w, dsgd_layout *l, const dsgd_algo *algo, dsgd_comm *c,
                      const dsgd_job *job, dsgd_result *out);
/* After iteration t: out->iters = t+1, and rank 0 reports progress. */
void dsgd_worker_progress(dsgd_worker *w, dsgd_comm *c, long t, dsgd_result *out);

/* Loads minibatch `iter` of the shard (shuffled per epoch); charges io. */
/* Forward and backward (below) apply --laplacian-sigma smoothing to the
 * gradient, charged as memory traffic. */
int dsgd_worker_load(dsgd_worker *w, dsgd_comm *c, long iter);
/* Forward and backward on the loaded minibatch into w->grad; charges
 * compute, records the loss (eval/train_loss).  A non-finite loss is
 * DSGD_ENUMERIC with the iteration in out->error. */
int dsgd_worker_gradient(dsgd_worker *w, dsgd_comm *c, dsgd_result *out);
/* With w->defer_backward set, dsgd_worker_gradient charges only the
 * forward pass (the math is done whole); the caller then charges the
 * backward pass in pieces, e.g. to overlap bucketed allreduces with it:
 * the backward work of layers first..end-1 (charge them from the last
 * layer back, as backpropagation produces their gradients). */
int dsgd_worker_charge_backward(dsgd_worker *w, dsgd_comm *c, int first, int end);
/* The RMS distance of the members' parameters to their mean, collective
 * over `group` (NaN when phantom); records eval/spread. */
int dsgd_worker_spread(dsgd_worker *w, dsgd_comm *c, dsgd_group *group, double *spread);
/* grad *= alpha, charged as memory traffic (e.g. 1/N after a sum); nothing
 * at all when alpha is 1. */
int dsgd_worker_scale(dsgd_worker *w, dsgd_comm *c, dsgd_vec *grad, float alpha);
/* One optimiser step with grad at the learning rate of iteration dsgd_iter(c);
 * charges memory, records an update event (value: the learning rate). */
int dsgd_worker_step(dsgd_worker *w, dsgd_comm *c, const dsgd_vec *grad);
/* Collective over `group` (NULL: all ranks), whose members hold the
 * parameters to judge, as --eval-model says: the members' average, the
 * leader's (lowest recent training loss) or the first member's, each
 * member scoring its share of the test split; each member's own on the
 * whole split (accuracies averaged); or each member's own on its share
 * (shards).  Workers of a replicated variant (algo.h) score their one
 * model on shards, with no communication.  The sums are allreduced, and
 * out->final_loss / out->test_accuracy receive the loss and accuracy
 * (eval events test_loss and test_accuracy record them), out->eval_model
 * what was scored.  The communication and the scoring are charged. */
int dsgd_worker_evaluate(dsgd_worker *w, dsgd_comm *c, dsgd_group *group, dsgd_result *out);
/* After iteration iters_done-1: decides whether the run stops there
 * (dsgd_worker_boundary), evaluates every --eval-every iterations
 * (collective, all ranks) and writes this rank's checkpoint every
 * --checkpoint-every iterations and after the last one (charged as io). */
/* At the boundary after iteration iters_done-1: whether the run stops
 * there (w->stop, out->stopped_by), from the iterations, --time-budget and
 * --samples.  In lock step (w->lockstep: a variant whose ranks wait for
 * each other) every rank that takes part -- workers, and servers or
 * communicators at the top of their iteration iters_done -- calls it at
 * every boundary, and they stop together (dsgd_stop_vote); otherwise each
 * worker stops on its own clock, or when the samples of all workers
 * together (dsgd_tally) reach --samples.  dsgd_worker_after_step calls it
 * for workers. */
int dsgd_worker_boundary(dsgd_worker *w, dsgd_comm *c, long iters_done, dsgd_result *out);
/* Whether dsgd_worker_after_step(w, c, iters_done, ...) evaluates (a
 * collective over all workers: asynchronous variants must not leave a
 * peer waiting on them then). */
int dsgd_worker_eval_due(const dsgd_worker *w, long iters_done);
int dsgd_worker_after_step(dsgd_worker *w, dsgd_comm *c, long iters_done, dsgd_result *out);
/* Collective over all ranks, right after dsgd_worker_init returned
 * `status` (even a failure, so that no rank waits for a failed one): fails
 * on every rank if init failed on any (out->error then names that rank and
 * its reason) or if ranks resumed at different iterations (checkpoints of
 * different moments).  Returns DSGD_OK or the failure. */
int dsgd_worker_ready(dsgd_worker *w, dsgd_comm *c, int status, dsgd_result *out);
/* Collective over the members of w->eval_group that have not failed:
 * evaluates the final parameters (as dsgd_worker_evaluate) and fills out's
 * parameter norm and first loss (and out->spread first when
 * w->measure_spread). */
int dsgd_worker_finish(dsgd_worker *w, dsgd_comm *c, dsgd_result *out);

#endif

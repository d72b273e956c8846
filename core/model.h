/* model.h — a neural network as a list of layers, with real math when the
 * model is executable.
 *
 * Every model describes its layers (kind, parameters, flops per sample), so
 * a timing-only simulation can charge its cost without running it.  An
 * executable model (the MLP here; a CNN later) also computes the loss and
 * its gradient on a minibatch.  Parameters and gradients are one flat
 * vector each, so a single collective moves them.  This header is the
 * device seam: a CUDA implementation fills the same calls. */
#ifndef DSGD_MODEL_H
#define DSGD_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "core/vec.h"

typedef enum dsgd_layer_kind {
    DSGD_LAYER_DENSE,
    DSGD_LAYER_RELU,
    DSGD_LAYER_SOFTMAX_XENT,
    DSGD_LAYER_KIND_COUNT
} dsgd_layer_kind;

typedef struct dsgd_layer_info {
    dsgd_layer_kind kind;
    char name[24];
    size_t params;
    double fwd_flops; /* per sample */
    double bwd_flops; /* per sample */
} dsgd_layer_info;

#define DSGD_MAX_LAYERS 64

typedef struct dsgd_model {
    char name[32];
    int n_layers;
    dsgd_layer_info layers[DSGD_MAX_LAYERS];
    size_t n_params;
    int in_dim;
    int classes;
    void *impl; /* executable state (weights layout, workspace) */
} dsgd_model;

/* Builds model `name` ("mlp") for in_dim inputs and `classes` outputs.
 * hidden is a comma-separated list of hidden widths ("128" or "256,128").
 * Returns 0, or -1 with a one-line reason in err. */
int dsgd_model_create(const char *name, const char *hidden, int in_dim, int classes, dsgd_model *m,
                      char *err, size_t errlen);
void dsgd_model_destroy(dsgd_model *m);

const char *dsgd_layer_kind_name(dsgd_layer_kind kind);

/* He-normal weights, zero biases, from seed alone (every rank that uses the
 * same seed gets the same parameters).  No-op on a phantom vector. */
void dsgd_model_init_params(const dsgd_model *m, dsgd_vec *params, uint64_t seed);

/* Mean softmax cross-entropy of the batch; if grad is not NULL, writes the
 * gradient of that mean w.r.t. params into it.  With phantom params nothing
 * is computed and NAN is returned.  Returns NAN if out of memory. */
float dsgd_model_loss_grad(dsgd_model *m, const dsgd_vec *params, const float *x, const int *y,
                           int batch, dsgd_vec *grad);

/* Threads the math library may use (1 keeps results independent of the
 * machine and leaves cores to the other ranks). */
void dsgd_model_set_threads(int threads);

/* Flops of one forward (and backward if with_backward) pass over batch. */
double dsgd_model_flops(const dsgd_model *m, int batch, int with_backward);

#endif

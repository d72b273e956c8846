/* model.h — a neural network as a list of layers, with real math when the
 * model is executable.
 *
 * Every model describes its layers (kind, parameters, flops per sample), so
 * a timing-only simulation can charge its cost without running it.  An
 * executable model (mlp.c, cnn.c) also computes the loss and
 * its gradient on a minibatch.  Parameters and gradients are one flat
 * vector each, so a single collective moves them.  This header is the
 * device seam: a CUDA implementation fills the same calls. */
#ifndef DSGD_MODEL_H
#define DSGD_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "core/option.h"
#include "core/vec.h"

struct dsgd_device; /* device.h: where an executable model's math runs */

/* Layer kinds: the cost model keeps one efficiency per kind (a GEMM-heavy
 * dense or conv layer runs nearer peak than a memory-bound ReLU). */
typedef enum dsgd_layer_kind {
    DSGD_LAYER_DENSE,        /* fully connected (GEMM) */
    DSGD_LAYER_CONV,         /* convolution */
    DSGD_LAYER_POOL,         /* max/average pooling */
    DSGD_LAYER_ACT,          /* element-wise activation (ReLU, GELU, ...) */
    DSGD_LAYER_NORM,         /* batch/layer normalisation */
    DSGD_LAYER_ATTENTION,    /* attention score and context products */
    DSGD_LAYER_EMBEDDING,    /* table lookup */
    DSGD_LAYER_ELEMENTWISE,  /* residual adds, dropout, ... */
    DSGD_LAYER_SOFTMAX_XENT, /* softmax + cross-entropy loss */
    /* convolution computed by FFT on the CPU (core/conv_fft.c): its time
     * does not follow the direct-convolution flops it is counted by, and
     * each call transforms the layer's weights, a large fixed cost — so it
     * is calibrated apart from im2col's convolutions */
    DSGD_LAYER_CONV_FFT,
    DSGD_LAYER_KIND_COUNT
} dsgd_layer_kind;

typedef struct dsgd_layer_info {
    dsgd_layer_kind kind;
    char name[24];
    size_t params;
    double fwd_flops; /* per sample */
    double bwd_flops; /* per sample */
} dsgd_layer_info;

/* Shape of one input sample (channels x height x width; a flat vector of
 * n features is n x 1 x 1). */
typedef struct dsgd_shape {
    int channels, height, width;
} dsgd_shape;

static inline int dsgd_shape_size(dsgd_shape s) { return s.channels * s.height * s.width; }

typedef struct dsgd_model dsgd_model;

/* What an executable model implements (mlp.c, cnn.c; CUDA later).  The
 * layer math underneath goes through a dsgd_device (device.h). */
typedef struct dsgd_model_ops {
    void (*init_params)(const dsgd_model *m, dsgd_vec *params, uint64_t seed);
    float (*loss_grad)(dsgd_model *m, const dsgd_vec *params, const float *x, const int *y,
                       int batch, dsgd_vec *grad);
    /* Forward only: mean loss, and *correct = samples whose top class is y. */
    float (*evaluate)(dsgd_model *m, const dsgd_vec *params, const float *x, const int *y,
                      int batch, int *correct);
    void (*destroy)(dsgd_model *m);
    /* Moves the model's math to dev (its workspaces are rebuilt there on
     * the next pass); 0, or -1 if it cannot. */
    int (*set_device)(dsgd_model *m, const struct dsgd_device *dev);
} dsgd_model_ops;

struct dsgd_model {
    char name[32];
    int n_layers;
    int layers_capacity;
    dsgd_layer_info *layers; /* heap array of n_layers */
    size_t n_params;
    dsgd_shape input;
    int classes;
    const dsgd_model_ops *ops; /* NULL: a descriptor (timing only, phantom) */
    void *impl;                /* executable state (weights layout, workspace) */
};

/* Options of the models built from hidden widths (mlp, cnn). */
typedef struct dsgd_model_options {
    char hidden[64]; /* comma-separated hidden widths, "128" or "256,128" */
} dsgd_model_options;

/* The --hidden option of those models (model.c). */
extern const dsgd_option dsgd_model_hidden_options[];

/* A model registers this descriptor (mlp.c, cnn.c, zoo.c); dsgd_models
 * lists them for --model. */
typedef struct dsgd_model_desc {
    dsgd_component base; /* name, summary, options (dsgd_model_options or none) */
    /* Builds it for inputs of shape `input` and `classes` outputs into m
     * (zeroed, name/input/classes set); options: its options struct. */
    int (*create)(const struct dsgd_model_desc *self, const void *options, dsgd_shape input,
                  int classes, dsgd_model *m, char *err, size_t errlen);
    const void *data; /* what create needs beyond the options (zoo: the layer builder) */
} dsgd_model_desc;

/* Every model, NULL-terminated (the --model choices). */
extern const dsgd_component *const dsgd_models[];
/* The model named `name`, or NULL. */
const dsgd_model_desc *dsgd_model_find(const char *name);

/* Builds model d with its options (NULL: its defaults).  Returns 0, or -1
 * with a one-line reason in err. */
int dsgd_model_build(const dsgd_model_desc *d, const void *options, dsgd_shape input, int classes,
                     dsgd_model *m, char *err, size_t errlen);
/* The same by name, hidden widths given as text (tests, benchmarks). */
int dsgd_model_create(const char *name, const char *hidden, dsgd_shape input, int classes,
                      dsgd_model *m, char *err, size_t errlen);
void dsgd_model_destroy(dsgd_model *m);
/* Runs an executable model's math on dev (device.h; models start on the
 * CPU device).  Parameters, gradients and batches stay host vectors for
 * the caller: the model copies them to and from dev (stage.h).  Returns 0,
 * or -1 for a descriptor model. */
int dsgd_model_set_device(dsgd_model *m, const struct dsgd_device *dev);
/* Whether the model can run real math (else only --payload phantom). */
static inline int dsgd_model_executable(const dsgd_model *m) { return m->ops != NULL; }

const char *dsgd_layer_kind_name(dsgd_layer_kind kind);
/* Appends a layer to m's list and adds its parameters to m->n_params;
 * returns -1 when out of memory.  For model builders. */
int dsgd_model_add_layer(dsgd_model *m, dsgd_layer_kind kind, const char *name, size_t params,
                         double fwd_flops, double bwd_flops);

/* He-normal weights, zero biases, from seed alone (every rank that uses the
 * same seed gets the same parameters).  No-op on a phantom vector. */
void dsgd_model_init_params(const dsgd_model *m, dsgd_vec *params, uint64_t seed);

/* Mean softmax cross-entropy of the batch; if grad is not NULL, writes the
 * gradient of that mean w.r.t. params into it.  With phantom params (or a
 * descriptor model) nothing is computed and NAN is returned.  Returns NAN
 * if out of memory. */
float dsgd_model_loss_grad(dsgd_model *m, const dsgd_vec *params, const float *x, const int *y,
                           int batch, dsgd_vec *grad);

/* Mean loss of the batch (forward only) and, in *correct, how many of its
 * samples the model classifies right.  NAN and *correct = 0 when phantom. */
float dsgd_model_evaluate(dsgd_model *m, const dsgd_vec *params, const float *x, const int *y,
                          int batch, int *correct);

/* The work of passes over a batch, by layer kind: what a compute charge
 * prices (sim: each kind at its own efficiency, plus a fixed overhead per
 * layer invocation). */
typedef struct dsgd_work {
    double flops[DSGD_LAYER_KIND_COUNT];
    double layer_calls; /* layer invocations (forward and backward count apart) */
    /* Of those, the calls of each kind; calls not attributed to a kind
     * (layer_calls - sum of calls) pay the profile's default overhead. */
    double calls[DSGD_LAYER_KIND_COUNT];
    /* The calls one by one, for a profile that prices each call by its
     * size (cost.h, cost curves): layers[first..end-1] over batch samples,
     * forward passes if forward, backward passes if backward.  layers
     * NULL: only the totals above are known. */
    const struct dsgd_layer_info *layers;
    int first, end;
    double batch;
    int forward, backward;
} dsgd_work;

/* Work of one forward (and backward if with_backward) pass over batch. */
void dsgd_model_work(const dsgd_model *m, int batch, int with_backward, dsgd_work *work);
/* Total flops of a work description. */
double dsgd_work_flops(const dsgd_work *work);

/* Threads the math library may use (1 keeps results independent of the
 * machine and leaves cores to the other ranks). */
void dsgd_model_set_threads(int threads);

/* Flops of one forward (and backward if with_backward) pass over batch. */
double dsgd_model_flops(const dsgd_model *m, int batch, int with_backward);

#endif

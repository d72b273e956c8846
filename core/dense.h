/* dense.h — a stack of fully connected layers with ReLU between them and
 * softmax cross-entropy on top: the whole MLP, and the head of the CNN.
 *
 * The stack owns its activations (device workspace) and reads its weights
 * from a flat parameter vector at fixed offsets: per layer W (out x in,
 * row-major) then b (out). */
#ifndef DSGD_DENSE_H
#define DSGD_DENSE_H

#include <stddef.h>
#include <stdint.h>

#include "core/device.h"
#include "core/model.h"

#define DSGD_DENSE_MAX 32

typedef struct dsgd_dense_stack {
    const dsgd_device *dev;
    int n;                         /* dense layers */
    int width[DSGD_DENSE_MAX + 1]; /* width[0] = inputs, width[n] = classes */
    size_t w_off[DSGD_DENSE_MAX], b_off[DSGD_DENSE_MAX];
    int ws_batch;                   /* batch the workspace holds */
    float *act[DSGD_DENSE_MAX + 1]; /* act[l]: output of layer l (after ReLU below the top) */
    float *delta[2];                /* ping-pong buffers for dLoss/dZ */
} dsgd_dense_stack;

/* Flops per sample of the layers the stack is made of, as its layer list
 * records them (and the layer benchmarks, layer_bench.h, charge them):
 * a dense layer in -> out (forward: the GEMM and the bias; backward: dW,
 * db, and dX if needs_dx), an element-wise ReLU over n values, softmax
 * cross-entropy over `classes` logits. */
void dsgd_dense_layer_flops(double in, double out, int needs_dx, double *fwd, double *bwd);
void dsgd_relu_flops(double n, double *fwd, double *bwd);
void dsgd_softmax_xent_flops(double classes, double *fwd, double *bwd);

/* Parses a comma-separated list of hidden widths ("128", "256,128") into
 * widths (at most max).  Returns the count, or -1 with a reason in err. */
int dsgd_dense_parse_hidden(const char *hidden, int *widths, int max, char *err, size_t errlen);

/* Lays out in -> hidden[0] -> ... -> classes, its parameters starting at
 * params_base, and appends its layers (names prefixed "fc", "relu") to m.
 * Returns 0, or -1 if the layer list is full. */
int dsgd_dense_init(dsgd_dense_stack *s, const dsgd_device *dev, int in, const int *hidden,
                    int n_hidden, int classes, size_t params_base, int first_needs_dx,
                    dsgd_model *m);
void dsgd_dense_free(dsgd_dense_stack *s);
/* He-normal weights (stream 0x1000 + stream_base + layer; variance 1/in
 * for the classifier on top), zero biases. */
void dsgd_dense_init_params(const dsgd_dense_stack *s, float *params, uint64_t seed,
                            int stream_base);

/* Forward over x (batch x in); logits end up in s->act[s->n].  Returns the
 * mean loss for labels y, fills *correct if not NULL, and leaves
 * dLoss/dlogits ready for dsgd_dense_backward.  NAN if out of memory. */
float dsgd_dense_forward(dsgd_dense_stack *s, const float *params, const float *x, const int *y,
                         int batch, int *correct);
/* Backward after a forward: parameter gradients into grad (same layout as
 * params); dx (batch x in), if not NULL, receives dLoss/dx. */
void dsgd_dense_backward(dsgd_dense_stack *s, const float *params, const float *x, int batch,
                         float *grad, float *dx);

#endif

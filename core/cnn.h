/* cnn.h — the LeNet-style convolutional network (cnn.c).
 *
 *     [conv 5x5 pad 2 -> ReLU -> max-pool 2x2] x n_conv -> dense stack
 *
 * `--model cnn` is two blocks of 32 and 64 channels and a dense head whose
 * hidden widths come from --hidden (default 128).  Tests build smaller ones
 * with dsgd_cnn_create_custom. */
#ifndef DSGD_CNN_H
#define DSGD_CNN_H

#include <stddef.h>

#include "core/device.h"
#include "core/model.h"

#define DSGD_CNN_MAX_CONV 4
/* Every conv block convolves with a 5x5 kernel, padding 2, stride 1. */
#define DSGD_CNN_KERNEL 5
#define DSGD_CNN_PAD 2

extern const dsgd_model_desc dsgd_model_cnn;

/* The model `--model cnn` builds. */
int dsgd_cnn_create(const char *hidden, dsgd_shape input, int classes, dsgd_model *m, char *err,
                    size_t errlen);
/* Any number (1..DSGD_CNN_MAX_CONV) of conv blocks with the given output
 * channels, appended to m (zeroed, as dsgd_model_create leaves it).  Returns 0, or -1 with a reason
 * in err (input too small, ...). */
int dsgd_cnn_create_custom(const int *channels, int n_conv, const char *hidden, dsgd_shape input,
                           int classes, dsgd_model *m, char *err, size_t errlen);

/* Flops per sample of a conv block's layers, as the model's layer list
 * records them (and the layer benchmarks, layer_bench.h, charge them): the
 * convolution of geometry g into out_channels (forward: the GEMM and the
 * bias; backward: dW, db, and dX with its col2im adds if needs_dx), and a
 * 2x2 max-pooling with `pooled` outputs. */
void dsgd_conv_layer_flops(const dsgd_conv_geom *g, int out_channels, int needs_dx, double *fwd,
                           double *bwd);
void dsgd_pool_flops(double pooled, double *fwd, double *bwd);

/* Forces the convolution algorithm of a cnn model (default DSGD_CONV_AUTO:
 * the device chooses per layer).  For tests and benchmarks. */
void dsgd_cnn_set_conv_algo(dsgd_model *m, dsgd_conv_algo algo);

#endif

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

extern const dsgd_model_desc dsgd_model_cnn;

/* The model `--model cnn` builds. */
int dsgd_cnn_create(const char *hidden, dsgd_shape input, int classes, dsgd_model *m, char *err,
                    size_t errlen);
/* Any number (1..DSGD_CNN_MAX_CONV) of conv blocks with the given output
 * channels, appended to m (zeroed, as dsgd_model_create leaves it).  Returns 0, or -1 with a reason
 * in err (input too small, ...). */
int dsgd_cnn_create_custom(const int *channels, int n_conv, const char *hidden, dsgd_shape input,
                           int classes, dsgd_model *m, char *err, size_t errlen);

/* Forces the convolution algorithm of a cnn model (default DSGD_CONV_AUTO:
 * the device chooses per layer).  For tests and benchmarks. */
void dsgd_cnn_set_conv_algo(dsgd_model *m, dsgd_conv_algo algo);

#endif

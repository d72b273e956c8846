/* device.h — the math kernels executable models are written against.
 *
 * The layer code (mlp.c, cnn.c) says *what* to compute; a device says *how*
 * and *where*.  device_cpu.c fills this table with loops and OpenBLAS sgemm;
 * the CUDA device (exec/cuda/) fills the same table with cuBLAS, cuDNN and
 * its own kernels and allocates in GPU memory, without touching the layer
 * code.  Every buffer a kernel sees comes from the device's alloc, except
 * on a device with host_memory set, whose kernels read host memory: there
 * the models pass the caller's parameters and batches straight through
 * (stage.h), and elsewhere they copy them with upload/download.
 *
 * Layouts.  Dense activations are row-major [batch][features].  Convolution
 * activations are channel-major across the batch, [channels][batch][h][w]
 * ("CNHW"), so that one sgemm covers the whole batch:
 *     out[Cout][B*OH*OW] = W[Cout][Cin*KH*KW] * cols[Cin*KH*KW][B*OH*OW]. */
#ifndef DSGD_DEVICE_H
#define DSGD_DEVICE_H

#include <stddef.h>

/* A 2-D convolution over a [channels][batch][height][width] tensor. */
typedef struct dsgd_conv_geom {
    int in_channels, height, width; /* input plane */
    int kernel, pad, stride;        /* square kernel */
    int out_height, out_width;
} dsgd_conv_geom;

/* Fills out_height/out_width from the rest; returns -1 if the output would
 * be empty. */
int dsgd_conv_geom_init(dsgd_conv_geom *g, int in_channels, int height, int width, int kernel,
                        int pad, int stride);

/* A convolution layer's device state (algorithm, workspaces, plans). */
typedef struct dsgd_conv dsgd_conv;

/* How a device may compute a convolution; AUTO lets it choose by shape. */
typedef enum dsgd_conv_algo { DSGD_CONV_AUTO, DSGD_CONV_IM2COL, DSGD_CONV_FFT } dsgd_conv_algo;

/* The algorithm the CPU device runs for a convolution of geometry g asked
 * to run `algo` (AUTO: its choice by shape), as its conv_create decides. */
dsgd_conv_algo dsgd_cpu_conv_choice(const dsgd_conv_geom *g, dsgd_conv_algo algo);

typedef struct dsgd_device {
    const char *name;
    int host_memory;              /* its buffers are host memory (the CPU) */
    void *(*alloc)(size_t bytes); /* zeroed; NULL when out of memory */
    void (*release)(void *p);
    /* Copies host -> device buffer and back; 0, or -1 when the copy, or a
     * kernel queued before it, failed (error() then says why). */
    int (*upload)(void *dst, const void *src, size_t bytes);
    int (*download)(void *dst, const void *src, size_t bytes);
    /* The first failure since the device opened (a kernel, cuBLAS or cuDNN
     * call), or NULL: the kernels below return nothing, so a failure is
     * kept until someone asks. */
    const char *(*error)(void);
    /* Waits until the kernels queued so far have run (to time them); 0, or
     * -1 as the copies. */
    int (*synchronize)(void);

    /* Convolution layers, whole: y[Cout][B][OH][OW] = w (*) x + bias, with
     * w as [Cout][Cin][K][K] and x as [Cin][B][H][W]; backward, after a
     * forward on the same x and w, writes dw, db and (if not NULL) dx.
     * batch may be below the max_batch the layer was created for.
     * conv_create returns NULL when out of memory or if `algo` cannot do
     * this geometry (DSGD_CONV_AUTO picks one that can). */
    dsgd_conv *(*conv_create)(const dsgd_conv_geom *g, int out_channels, int max_batch,
                              dsgd_conv_algo algo);
    void (*conv_destroy)(dsgd_conv *cv);
    void (*conv_forward)(dsgd_conv *cv, int batch, const float *x, const float *w,
                         const float *bias, float *y);
    void (*conv_backward)(dsgd_conv *cv, int batch, const float *x, const float *w, const float *dy,
                          float *dw, float *db, float *dx);

    /* c = alpha * op(a) * op(b) + beta * c, row-major, op = transpose if set. */
    void (*gemm)(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a,
                 int lda, const float *b, int ldb, float beta, float *c, int ldc);

    /* cols[(c*K+i)*K+j][(b*OH+oh)*OW+ow] = x[c][b][oh*S-P+i][ow*S-P+j] (0
     * outside the image); col2im adds the columns back into dx (zeroed by
     * it first). */
    void (*im2col)(const dsgd_conv_geom *g, int batch, const float *x, float *cols);
    void (*col2im)(const dsgd_conv_geom *g, int batch, const float *cols, float *dx);

    /* 2x2, stride 2 max pooling over `planes` planes of h x w (odd edges
     * dropped); argmax remembers the winner for the backward pass. */
    void (*maxpool_forward)(int planes, int height, int width, const float *x, float *y,
                            int *argmax);
    void (*maxpool_backward)(int planes, int height, int width, const float *dy, const int *argmax,
                             float *dx);

    /* x = max(x, 0); and dy = 0 where the forward output y is not > 0. */
    void (*relu_forward)(float *x, size_t n);
    void (*relu_backward)(const float *y, float *dy, size_t n);

    /* y[r][c] += bias[c] (dense), and its gradient db[c] = sum_r dy[r][c]. */
    void (*bias_rows_forward)(float *y, const float *bias, int rows, int cols);
    void (*bias_rows_backward)(const float *dy, float *db, int rows, int cols);
    /* y[ch][i] += bias[ch] over planes of `plane` values (convolution). */
    void (*bias_planes_forward)(float *y, const float *bias, int channels, size_t plane);
    void (*bias_planes_backward)(const float *dy, float *db, int channels, size_t plane);

    /* [channels][batch][inner] <-> [batch][channels][inner] (NCHW <-> CNHW,
     * and the flatten between convolutions and dense layers). */
    void (*to_channel_major)(const float *x, float *y, int batch, int channels, int inner);
    void (*to_batch_major)(const float *x, float *y, int batch, int channels, int inner);

    /* Mean softmax cross-entropy of the batch (returned to the host; NAN
     * if the device failed).  delta (may be NULL): the gradient of that
     * mean w.r.t. the logits.  correct (may be NULL; a host int): how many
     * rows have their largest logit at the label. */
    float (*softmax_xent)(const float *logits, const int *y, int batch, int classes, float *delta,
                          int *correct);

    /* Vector ops over n floats, for the optimizer and the vectors of the
     * algorithms: y += alpha * x; x *= alpha; and one step of SGD with
     * momentum, Nesterov and weight decay on x, velocity v, gradient g
     * (the formula of optim.h, dsgd_sgd_update). */
    void (*axpy)(float *y, float alpha, const float *x, size_t n);
    void (*scale)(float *x, float alpha, size_t n);
    void (*sgd_step)(float *x, float *v, const float *g, size_t n, float lr, float momentum,
                     float weight_decay, int nesterov);
} dsgd_device;

/* OpenBLAS and plain loops on the host. */
const dsgd_device *dsgd_device_cpu(void);

#endif

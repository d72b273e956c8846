/* layer_bench.c — one layer of each executable kind on the CPU device,
 * for the calibration micro-benchmarks (see layer_bench.h).  The calls in
 * run_* are those of dense.c and cnn.c for one layer; the flops come from
 * the functions those files describe their layers with. */
#include "core/layer_bench.h"

#include <stdlib.h>

#include "core/cnn.h"
#include "core/dense.h"
#include "core/device.h"
#include "core/rng.h"

/* The shapes (layer_bench.h says which model layer each one is). */
enum {
    DENSE_IN = 784,
    DENSE_OUT = 128,
    CONV1_IN = 1, /* the CNN's first block (im2col, no dX) */
    CONV1_OUT = 32,
    CONV1_SIDE = 28,
    CONV_IN = 32, /* its second block (FFT) */
    CONV_OUT = 64,
    CONV_SIDE = 14,
    PLANES = 32, /* act and pool: channels of 28 x 28 */
    PLANE_SIDE = 28,
    CLASSES = 10,
};

struct dsgd_layer_bench {
    dsgd_layer_kind kind;
    const dsgd_device *dev;
    int max_batch;
    size_t in, out; /* values per sample in and out */
    dsgd_conv_geom g;
    int conv_out; /* output channels */
    dsgd_conv *conv;
    float *x, *w, *bias, *y, *dy, *dw, *db, *dx;
    int *labels, *argmax;
    double fwd_flops, bwd_flops; /* per sample */
};

static const dsgd_layer_kind executable[] = {DSGD_LAYER_DENSE,    DSGD_LAYER_CONV,
                                             DSGD_LAYER_CONV_FFT, DSGD_LAYER_POOL,
                                             DSGD_LAYER_ACT,      DSGD_LAYER_SOFTMAX_XENT};

int dsgd_layer_bench_kinds(dsgd_layer_kind *kinds)
{
    int n = (int)(sizeof executable / sizeof executable[0]);
    for (int i = 0; i < n; i++)
        kinds[i] = executable[i];
    return n;
}

/* A zeroed device buffer of n floats, random normal values if fill (drawn
 * on the host, and uploaded where the device's memory is not the host's). */
static float *floats(const dsgd_layer_bench *b, size_t n, dsgd_rng *r, int fill)
{
    float *p = b->dev->alloc(sizeof(float) * (n ? n : 1));
    if (!p || !fill)
        return p;
    float *h = b->dev->host_memory ? p : malloc(sizeof(float) * (n ? n : 1));
    for (size_t i = 0; h && i < n; i++)
        h[i] = (float)dsgd_rng_normal(r);
    if (h != p && (!h || b->dev->upload(p, h, sizeof(float) * n) != 0)) {
        free(h);
        b->dev->release(p);
        return NULL;
    }
    if (h != p)
        free(h);
    return p;
}

/* The per-sample sizes, weight count and flops of each kind. */
static int shape(dsgd_layer_bench *b, size_t *weights, size_t *biases)
{
    *weights = *biases = 0;
    switch (b->kind) {
    case DSGD_LAYER_DENSE:
        b->in = DENSE_IN;
        b->out = DENSE_OUT;
        *weights = (size_t)DENSE_IN * DENSE_OUT;
        *biases = DENSE_OUT;
        dsgd_dense_layer_flops(DENSE_IN, DENSE_OUT, 1, &b->fwd_flops, &b->bwd_flops);
        return 0;
    case DSGD_LAYER_CONV:
    case DSGD_LAYER_CONV_FFT: {
        int first = b->kind == DSGD_LAYER_CONV;
        int cin = first ? CONV1_IN : CONV_IN, side = first ? CONV1_SIDE : CONV_SIDE;
        b->conv_out = first ? CONV1_OUT : CONV_OUT;
        if (dsgd_conv_geom_init(&b->g, cin, side, side, DSGD_CNN_KERNEL, DSGD_CNN_PAD, 1) != 0 ||
            (dsgd_cpu_conv_choice(&b->g, DSGD_CONV_AUTO) == DSGD_CONV_FFT) == first)
            return -1; /* the shape must take the algorithm its kind names */
        b->in = (size_t)cin * side * side;
        b->out = (size_t)b->conv_out * b->g.out_height * b->g.out_width;
        *weights = (size_t)b->conv_out * cin * DSGD_CNN_KERNEL * DSGD_CNN_KERNEL;
        *biases = (size_t)b->conv_out;
        dsgd_conv_layer_flops(&b->g, b->conv_out, !first, &b->fwd_flops, &b->bwd_flops);
        return 0;
    }
    case DSGD_LAYER_POOL:
        b->in = (size_t)PLANES * PLANE_SIDE * PLANE_SIDE;
        b->out = b->in / 4;
        dsgd_pool_flops((double)b->out, &b->fwd_flops, &b->bwd_flops);
        return 0;
    case DSGD_LAYER_ACT:
        b->in = b->out = (size_t)PLANES * PLANE_SIDE * PLANE_SIDE;
        dsgd_relu_flops((double)b->out, &b->fwd_flops, &b->bwd_flops);
        return 0;
    case DSGD_LAYER_SOFTMAX_XENT:
        b->in = b->out = CLASSES;
        dsgd_softmax_xent_flops(CLASSES, &b->fwd_flops, &b->bwd_flops);
        b->bwd_flops += b->fwd_flops; /* the backward call redoes the forward */
        return 0;
    default: return -1;
    }
}

dsgd_layer_bench *dsgd_layer_bench_create(const dsgd_device *dev, dsgd_layer_kind kind,
                                          int max_batch, unsigned long seed)
{
    dsgd_layer_bench *b = calloc(1, sizeof *b);
    if (!b || max_batch < 1) {
        free(b);
        return NULL;
    }
    b->kind = kind;
    b->dev = dev ? dev : dsgd_device_cpu();
    b->max_batch = max_batch;
    size_t weights, biases;
    if (shape(b, &weights, &biases) != 0) {
        free(b);
        return NULL;
    }
    dsgd_rng r;
    dsgd_rng_seed2(&r, seed, 0x5000 + (uint64_t)kind);
    size_t in = b->in * (size_t)max_batch, out = b->out * (size_t)max_batch;
    int ok = (b->x = floats(b, in, &r, 1)) && (b->dx = floats(b, in, &r, 0)) &&
             (b->y = floats(b, out, &r, 1)) && (b->dy = floats(b, out, &r, 1)) &&
             (b->w = floats(b, weights, &r, 1)) && (b->dw = floats(b, weights, &r, 0)) &&
             (b->bias = floats(b, biases, &r, 1)) && (b->db = floats(b, biases, &r, 0)) &&
             (b->labels = b->dev->alloc(sizeof(int) * (size_t)max_batch)) &&
             (b->argmax = b->dev->alloc(sizeof(int) * (out ? out : 1)));
    if (ok && (kind == DSGD_LAYER_CONV || kind == DSGD_LAYER_CONV_FFT))
        ok = (b->conv = b->dev->conv_create(&b->g, b->conv_out, max_batch, DSGD_CONV_AUTO)) != NULL;
    int *labels = ok ? malloc(sizeof(int) * (size_t)max_batch) : NULL;
    for (int i = 0; labels && i < max_batch; i++)
        labels[i] = (int)dsgd_rng_below(&r, CLASSES);
    ok = ok && labels && b->dev->upload(b->labels, labels, sizeof(int) * (size_t)max_batch) == 0;
    free(labels);
    if (!ok) {
        dsgd_layer_bench_destroy(b);
        return NULL;
    }
    return b;
}

void dsgd_layer_bench_destroy(dsgd_layer_bench *b)
{
    if (!b)
        return;
    if (b->conv)
        b->dev->conv_destroy(b->conv);
    float *bufs[] = {b->x, b->w, b->bias, b->y, b->dy, b->dw, b->db, b->dx};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        b->dev->release(bufs[i]);
    b->dev->release(b->labels);
    b->dev->release(b->argmax);
    free(b);
}

/* dense.c, one layer: z = x W^T + b; dW = dy^T x, db, dX = dy W. */
static void run_dense(dsgd_layer_bench *b, int batch, int backward)
{
    const dsgd_device *d = b->dev;
    int in = (int)b->in, out = (int)b->out;
    if (!backward) {
        d->gemm(0, 1, batch, out, in, 1.0f, b->x, in, b->w, in, 0.0f, b->y, out);
        d->bias_rows_forward(b->y, b->bias, batch, out);
        return;
    }
    d->gemm(1, 0, out, in, batch, 1.0f, b->dy, out, b->x, in, 0.0f, b->dw, in);
    d->bias_rows_backward(b->dy, b->db, batch, out);
    d->gemm(0, 0, batch, in, out, 1.0f, b->dy, out, b->w, in, 0.0f, b->dx, in);
}

void dsgd_layer_bench_run(dsgd_layer_bench *b, int batch, int backward)
{
    const dsgd_device *d = b->dev;
    size_t out = b->out * (size_t)batch;
    int planes = PLANES * batch;
    switch (b->kind) {
    case DSGD_LAYER_DENSE: run_dense(b, batch, backward); break;
    case DSGD_LAYER_CONV:
    case DSGD_LAYER_CONV_FFT:
        if (backward) /* a first layer (conv here) computes no dX */
            d->conv_backward(b->conv, batch, b->x, b->w, b->dy, b->dw, b->db,
                             b->kind == DSGD_LAYER_CONV ? NULL : b->dx);
        else
            d->conv_forward(b->conv, batch, b->x, b->w, b->bias, b->y);
        break;
    case DSGD_LAYER_POOL:
        if (backward)
            d->maxpool_backward(planes, PLANE_SIDE, PLANE_SIDE, b->dy, b->argmax, b->dx);
        else
            d->maxpool_forward(planes, PLANE_SIDE, PLANE_SIDE, b->x, b->y, b->argmax);
        break;
    case DSGD_LAYER_ACT:
        /* In place on y, as the layers do (max(x, 0) costs the same on any data). */
        if (backward)
            d->relu_backward(b->y, b->dy, out);
        else
            d->relu_forward(b->y, out);
        break;
    case DSGD_LAYER_SOFTMAX_XENT:
        d->softmax_xent(b->x, b->labels, batch, CLASSES, backward ? b->dx : NULL, NULL);
        break;
    default: break;
    }
}

int dsgd_layer_bench_wait(dsgd_layer_bench *b) { return b->dev->synchronize(); }

double dsgd_layer_bench_flops(const dsgd_layer_bench *b, int batch, int backward)
{
    return (backward ? b->bwd_flops : b->fwd_flops) * batch;
}

/* cnn.c — convolution, ReLU, max-pooling and a dense head, written against
 * dsgd_device so that another device can run it (the CPU device convolves
 * by im2col + sgemm or by FFT, whichever suits the layer; the CUDA device
 * by cuDNN: dsgd_model_set_device).
 *
 * Activations of the conv blocks are channel-major over the batch
 * ([C][B][H][W]) so that each convolution is one sgemm for the whole batch.
 * Parameter layout: per conv block W (Cout x Cin*5*5) then b (Cout), then
 * the dense head (dense.h). */
#include "core/cnn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dense.h"
#include "core/device.h"
#include "core/rng.h"
#include "core/stage.h"

#define KERNEL DSGD_CNN_KERNEL
#define PAD DSGD_CNN_PAD

typedef struct conv_block {
    dsgd_conv_geom g;
    int out_channels;
    int pool_h, pool_w;  /* after 2x2 pooling */
    size_t w_off, b_off; /* into the parameter vector */
    size_t rows;         /* Cin*K*K: weights per output channel */
    dsgd_conv *conv;     /* the device's convolution (algorithm, workspace) */
    const float *in;     /* input of the last forward pass */
    float *out;          /* conv + bias + ReLU, [Cout][B][OH][OW] */
    float *pooled;       /* [Cout][B][OH/2][OW/2] */
    int *argmax;
} conv_block;

typedef struct cnn {
    const dsgd_device *dev;
    dsgd_conv_algo algo;
    int n_conv;
    conv_block conv[DSGD_CNN_MAX_CONV];
    dsgd_dense_stack head;
    dsgd_stage stage; /* params, batch and gradient on the device */
    int ws_batch;
    float *input_cm; /* input in [C][B][H][W] when C > 1 */
    float *flat;     /* last pooled output, [B][features] */
    float *dflat, *dpool, *dout;
} cnn;

static const dsgd_model_ops cnn_ops;

static void free_workspace(cnn *p)
{
    const dsgd_device *d = p->dev;
    for (int l = 0; l < p->n_conv; l++) {
        conv_block *cb = &p->conv[l];
        d->conv_destroy(cb->conv);
        d->release(cb->out);
        d->release(cb->pooled);
        d->release(cb->argmax);
        cb->conv = NULL;
        cb->out = cb->pooled = NULL;
        cb->argmax = NULL;
    }
    float **bufs[] = {&p->input_cm, &p->flat, &p->dflat, &p->dpool, &p->dout};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) {
        d->release(*bufs[i]);
        *bufs[i] = NULL;
    }
    p->ws_batch = 0;
}

static int reserve(cnn *p, int batch)
{
    if (batch <= p->ws_batch)
        return 0;
    free_workspace(p);
    const dsgd_device *d = p->dev;
    size_t max_out = 0, max_pool = 0;
    for (int l = 0; l < p->n_conv; l++) {
        conv_block *cb = &p->conv[l];
        size_t columns = (size_t)batch * cb->g.out_height * cb->g.out_width;
        size_t out = columns * cb->out_channels;
        size_t pooled = (size_t)batch * cb->out_channels * cb->pool_h * cb->pool_w;
        if (!(cb->conv = d->conv_create(&cb->g, cb->out_channels, batch, p->algo)) ||
            !(cb->out = d->alloc(sizeof(float) * out)) ||
            !(cb->pooled = d->alloc(sizeof(float) * pooled)) ||
            !(cb->argmax = d->alloc(sizeof(int) * pooled)))
            goto oom;
        max_out = out > max_out ? out : max_out;
        max_pool = pooled > max_pool ? pooled : max_pool;
    }
    const conv_block *first = &p->conv[0];
    size_t input = (size_t)batch * first->g.in_channels * first->g.height * first->g.width;
    size_t flat = (size_t)batch * p->head.width[0];
    if ((first->g.in_channels > 1 && !(p->input_cm = d->alloc(sizeof(float) * input))) ||
        !(p->flat = d->alloc(sizeof(float) * flat)) ||
        !(p->dflat = d->alloc(sizeof(float) * flat)) ||
        !(p->dpool = d->alloc(sizeof(float) * max_pool)) ||
        !(p->dout = d->alloc(sizeof(float) * max_out)))
        goto oom;
    p->ws_batch = batch;
    return 0;
oom:
    free_workspace(p);
    return -1;
}

void dsgd_conv_layer_flops(const dsgd_conv_geom *g, int out_channels, int needs_dx, double *fwd,
                           double *bwd)
{
    double k = (double)g->in_channels * g->kernel * g->kernel;
    double positions = (double)g->out_height * g->out_width;
    double out = out_channels * positions;
    /* Forward: the GEMM (2*k per output) and the bias.  Backward: dW (2*k
     * per output), db, and dX (2*k per output, plus col2im adds). */
    *fwd = 2 * k * out + out;
    *bwd = 2 * k * out + out + (needs_dx ? 2 * k * out + k * positions : 0);
}

void dsgd_pool_flops(double pooled, double *fwd, double *bwd)
{
    /* 3 comparisons per output; backward scatters one value per output. */
    *fwd = 3 * pooled;
    *bwd = pooled;
}

/* The layer kind of block cb's convolution under algo: by the algorithm
 * the CPU runs (FFT convolutions are priced apart, model.h). */
static dsgd_layer_kind conv_kind(const conv_block *cb, dsgd_conv_algo algo)
{
    return dsgd_cpu_conv_choice(&cb->g, algo) == DSGD_CONV_FFT ? DSGD_LAYER_CONV_FFT
                                                               : DSGD_LAYER_CONV;
}

/* Adds conv block l's layers (conv, ReLU, pool) to the model's list; the
 * first block's input needs no gradient. */
static int describe_block(dsgd_model *m, const conv_block *cb, int l, dsgd_conv_algo algo)
{
    double cout = cb->out_channels;
    double out = cout * cb->g.out_height * cb->g.out_width;
    double fwd, bwd;
    dsgd_conv_layer_flops(&cb->g, cb->out_channels, l > 0, &fwd, &bwd);
    char name[24];
    snprintf(name, sizeof name, "conv%d", l + 1);
    if (dsgd_model_add_layer(m, conv_kind(cb, algo), name, (size_t)(cb->rows * cout + cout), fwd,
                             bwd) != 0)
        return -1;
    snprintf(name, sizeof name, "relu_conv%d", l + 1);
    dsgd_relu_flops(out, &fwd, &bwd);
    if (dsgd_model_add_layer(m, DSGD_LAYER_ACT, name, 0, fwd, bwd) != 0)
        return -1;
    snprintf(name, sizeof name, "pool%d", l + 1);
    dsgd_pool_flops(cout * cb->pool_h * cb->pool_w, &fwd, &bwd);
    return dsgd_model_add_layer(m, DSGD_LAYER_POOL, name, 0, fwd, bwd);
}

int dsgd_cnn_create_custom(const int *channels, int n_conv, const char *hidden, dsgd_shape input,
                           int classes, dsgd_model *m, char *err, size_t errlen)
{
    int widths[DSGD_DENSE_MAX];
    int n_hidden = dsgd_dense_parse_hidden(hidden, widths, DSGD_DENSE_MAX - 1, err, errlen);
    if (n_hidden < 0)
        return -1;
    if (n_conv < 1 || n_conv > DSGD_CNN_MAX_CONV) {
        snprintf(err, errlen, "--model cnn: %d conv blocks (want 1..%d)", n_conv,
                 DSGD_CNN_MAX_CONV);
        return -1;
    }
    cnn *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "--model cnn: out of memory");
        return -1;
    }
    p->dev = dsgd_device_cpu();
    p->n_conv = n_conv;
    int c = input.channels, h = input.height, w = input.width;
    size_t off = 0;
    for (int l = 0; l < n_conv; l++) {
        conv_block *cb = &p->conv[l];
        if (dsgd_conv_geom_init(&cb->g, c, h, w, KERNEL, PAD, 1) != 0 || cb->g.out_height < 2 ||
            cb->g.out_width < 2) {
            snprintf(err, errlen, "--model cnn: input %dx%dx%d too small for %d conv/pool blocks",
                     input.channels, input.height, input.width, n_conv);
            free(p);
            return -1;
        }
        cb->out_channels = channels[l];
        cb->pool_h = cb->g.out_height / 2;
        cb->pool_w = cb->g.out_width / 2;
        cb->rows = (size_t)c * KERNEL * KERNEL;
        cb->w_off = off;
        cb->b_off = off + cb->rows * (size_t)channels[l];
        off = cb->b_off + (size_t)channels[l];
        if (describe_block(m, cb, l, p->algo) != 0) {
            free(p);
            snprintf(err, errlen, "--model cnn: too many layers");
            return -1;
        }
        c = channels[l];
        h = cb->pool_h;
        w = cb->pool_w;
    }
    if (dsgd_dense_init(&p->head, p->dev, c * h * w, widths, n_hidden, classes, off, 1, m) != 0) {
        free(p);
        snprintf(err, errlen, "--hidden: too many layers in '%s'", hidden);
        return -1;
    }
    dsgd_stage_init(&p->stage, p->dev, m->n_params, dsgd_shape_size(input));
    m->ops = &cnn_ops;
    m->impl = p;
    return 0;
}

int dsgd_cnn_create(const char *hidden, dsgd_shape input, int classes, dsgd_model *m, char *err,
                    size_t errlen)
{
    static const int channels[] = {32, 64};
    return dsgd_cnn_create_custom(channels, 2, hidden, input, classes, m, err, errlen);
}

static int cnn_create(const dsgd_model_desc *self, const void *options, dsgd_shape input,
                      int classes, dsgd_model *m, char *err, size_t errlen)
{
    (void)self;
    const dsgd_model_options *o = options;
    return dsgd_cnn_create(o->hidden, input, classes, m, err, errlen);
}

const dsgd_model_desc dsgd_model_cnn = {
    .base = {"cnn",
             "executable: LeNet-style, two 5x5 conv blocks (32, 64 channels) and a dense head",
             dsgd_model_hidden_options, sizeof(dsgd_model_options)},
    .create = cnn_create,
};

void dsgd_cnn_set_conv_algo(dsgd_model *m, dsgd_conv_algo algo)
{
    cnn *p = m->impl;
    free_workspace(p);
    p->algo = algo;
    for (int i = 0, l = 0; i < m->n_layers && l < p->n_conv; i++) /* the kinds follow */
        if (m->layers[i].kind == DSGD_LAYER_CONV || m->layers[i].kind == DSGD_LAYER_CONV_FFT)
            m->layers[i].kind = conv_kind(&p->conv[l++], algo);
}

static void cnn_destroy(dsgd_model *m)
{
    cnn *p = m->impl;
    if (p) {
        free_workspace(p);
        dsgd_dense_free(&p->head);
        dsgd_stage_free(&p->stage);
        free(p);
    }
    m->impl = NULL;
}

static int cnn_set_device(dsgd_model *m, const dsgd_device *dev)
{
    cnn *p = m->impl;
    free_workspace(p);
    dsgd_dense_free(&p->head);
    dsgd_stage_free(&p->stage);
    p->dev = p->head.dev = dev;
    dsgd_stage_init(&p->stage, dev, m->n_params, dsgd_shape_size(m->input));
    return 0;
}

static void cnn_init_params(const dsgd_model *m, dsgd_vec *params, uint64_t seed)
{
    const cnn *p = m->impl;
    for (int l = 0; l < p->n_conv; l++) {
        const conv_block *cb = &p->conv[l];
        dsgd_rng r;
        dsgd_rng_seed2(&r, seed, 0x2000 + (uint64_t)l);
        double std = sqrt(2.0 / (double)cb->rows); /* He: fan-in = Cin*K*K */
        float *w = params->data + cb->w_off;
        for (size_t i = 0; i < cb->rows * (size_t)cb->out_channels; i++)
            w[i] = (float)(std * dsgd_rng_normal(&r));
        memset(params->data + cb->b_off, 0, sizeof(float) * cb->out_channels);
    }
    dsgd_dense_init_params(&p->head, params->data, seed, 0);
}

/* The forward pass over inputs already on the device (stage.h). */
static float forward(cnn *p, const float *params, const float *x, const int *y, int batch,
                     int *correct)
{
    if (reserve(p, batch) != 0)
        return NAN;
    const dsgd_device *d = p->dev;
    const conv_block *first = &p->conv[0];
    const float *in = x; /* [B][1][H][W] is already [1][B][H][W] */
    if (first->g.in_channels > 1) {
        d->to_channel_major(x, p->input_cm, batch, first->g.in_channels,
                            first->g.height * first->g.width);
        in = p->input_cm;
    }
    for (int l = 0; l < p->n_conv; l++) {
        conv_block *cb = &p->conv[l];
        int columns = batch * cb->g.out_height * cb->g.out_width;
        cb->in = in;
        d->conv_forward(cb->conv, batch, in, params + cb->w_off, params + cb->b_off, cb->out);
        d->relu_forward(cb->out, (size_t)columns * cb->out_channels);
        d->maxpool_forward(cb->out_channels * batch, cb->g.out_height, cb->g.out_width, cb->out,
                           cb->pooled, cb->argmax);
        in = cb->pooled;
    }
    const conv_block *last = &p->conv[p->n_conv - 1];
    d->to_batch_major(in, p->flat, batch, last->out_channels, last->pool_h * last->pool_w);
    return dsgd_dense_forward(&p->head, params, p->flat, y, batch, correct);
}

static void backward(cnn *p, const float *params, int batch, float *grad)
{
    const dsgd_device *d = p->dev;
    dsgd_dense_backward(&p->head, params, p->flat, batch, grad, p->dflat);
    const conv_block *last = &p->conv[p->n_conv - 1];
    d->to_channel_major(p->dflat, p->dpool, batch, last->out_channels, last->pool_h * last->pool_w);
    for (int l = p->n_conv - 1; l >= 0; l--) {
        conv_block *cb = &p->conv[l];
        int columns = batch * cb->g.out_height * cb->g.out_width;
        /* dpool holds dLoss/d(pooled output of block l). */
        d->maxpool_backward(cb->out_channels * batch, cb->g.out_height, cb->g.out_width, p->dpool,
                            cb->argmax, p->dout);
        d->relu_backward(cb->out, p->dout, (size_t)columns * cb->out_channels);
        /* dpool becomes dLoss/d(pooled output of block l-1), the input of l. */
        d->conv_backward(cb->conv, batch, cb->in, params + cb->w_off, p->dout, grad + cb->w_off,
                         grad + cb->b_off, l > 0 ? p->dpool : NULL);
    }
}

static float cnn_loss_grad(dsgd_model *m, const dsgd_vec *params, const float *x, const int *y,
                           int batch, dsgd_vec *grad)
{
    cnn *p = m->impl;
    const float *dp, *dx;
    const int *dy;
    if (dsgd_stage_in(&p->stage, params->data, x, y, batch, &dp, &dx, &dy) != 0)
        return NAN;
    float loss = forward(p, dp, dx, dy, batch, NULL);
    if (grad && isfinite(loss)) {
        backward(p, dp, batch, dsgd_stage_grad(&p->stage, grad->data));
        if (dsgd_stage_out(&p->stage, grad->data) != 0)
            return NAN;
    }
    return loss;
}

static float cnn_evaluate(dsgd_model *m, const dsgd_vec *params, const float *x, const int *y,
                          int batch, int *correct)
{
    cnn *p = m->impl;
    const float *dp, *dx;
    const int *dy;
    if (dsgd_stage_in(&p->stage, params->data, x, y, batch, &dp, &dx, &dy) != 0)
        return NAN;
    return forward(p, dp, dx, dy, batch, correct);
}

static const dsgd_model_ops cnn_ops = {
    .init_params = cnn_init_params,
    .loss_grad = cnn_loss_grad,
    .evaluate = cnn_evaluate,
    .destroy = cnn_destroy,
    .set_device = cnn_set_device,
};

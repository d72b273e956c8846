/* mlp.c — a dense ReLU network with softmax cross-entropy, on OpenBLAS.
 *
 * Parameter layout, layer by layer: W (out x in, row-major) then b (out).
 * Activations are stored per layer for the backward pass; the workspace
 * grows to the largest batch seen. */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/model.h"
#include "core/rng.h"

#define MLP_MAX_DENSE 32

typedef struct mlp {
    int n_dense;                  /* dense layers */
    int width[MLP_MAX_DENSE + 1]; /* width[0] = inputs, width[n_dense] = classes */
    size_t w_off[MLP_MAX_DENSE], b_off[MLP_MAX_DENSE];
    int ws_batch;                  /* batch the workspace holds */
    float *act[MLP_MAX_DENSE + 1]; /* act[l]: output of dense l after ReLU (act[0] unused) */
    float *delta[2];               /* ping-pong buffers for dLoss/dZ */
} mlp;

static void mlp_free_workspace(mlp *p)
{
    for (int l = 0; l <= p->n_dense; l++) {
        free(p->act[l]);
        p->act[l] = NULL;
    }
    free(p->delta[0]);
    free(p->delta[1]);
    p->delta[0] = p->delta[1] = NULL;
    p->ws_batch = 0;
}

static int mlp_reserve(mlp *p, int batch)
{
    if (batch <= p->ws_batch)
        return 0;
    mlp_free_workspace(p);
    int widest = 0;
    for (int l = 0; l <= p->n_dense; l++)
        if (p->width[l] > widest)
            widest = p->width[l];
    for (int l = 1; l <= p->n_dense; l++)
        if (!(p->act[l] = malloc(sizeof(float) * (size_t)batch * p->width[l])))
            goto oom;
    for (int i = 0; i < 2; i++)
        if (!(p->delta[i] = malloc(sizeof(float) * (size_t)batch * widest)))
            goto oom;
    p->ws_batch = batch;
    return 0;
oom:
    mlp_free_workspace(p);
    return -1;
}

static int parse_hidden(const char *hidden, int *widths, int max, char *err, size_t errlen)
{
    int n = 0;
    const char *s = hidden;
    while (*s) {
        char *end;
        long w = strtol(s, &end, 10);
        if (end == s || w <= 0 || w > 1 << 20 || (*end && *end != ',')) {
            snprintf(err, errlen, "--hidden: bad width list '%s' (want e.g. 128 or 256,128)",
                     hidden);
            return -1;
        }
        if (n == max) {
            snprintf(err, errlen, "--hidden: more than %d layers in '%s'", max, hidden);
            return -1;
        }
        widths[n++] = (int)w;
        s = *end ? end + 1 : end;
    }
    return n;
}

static const dsgd_model_ops mlp_ops;

int dsgd_mlp_create(const char *hidden, dsgd_shape input, int classes, dsgd_model *m, char *err,
                    size_t errlen)
{
    int hidden_widths[MLP_MAX_DENSE];
    int n_hidden = parse_hidden(hidden, hidden_widths, MLP_MAX_DENSE - 1, err, errlen);
    if (n_hidden < 0)
        return -1;
    mlp *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "--model mlp: out of memory");
        return -1;
    }
    p->n_dense = n_hidden + 1;
    p->width[0] = dsgd_shape_size(input);
    for (int l = 0; l < n_hidden; l++)
        p->width[l + 1] = hidden_widths[l];
    p->width[p->n_dense] = classes;

    size_t off = 0;
    for (int l = 1; l <= p->n_dense; l++) {
        double in = p->width[l - 1], out = p->width[l];
        p->w_off[l - 1] = off;
        p->b_off[l - 1] = off + (size_t)(in * out);
        off += (size_t)(in * out + out);
        char lname[24];
        snprintf(lname, sizeof lname, "fc%d", l);
        /* Backward: dW (2*in*out) and db (out), plus dX (2*in*out) except
         * for the first layer, whose input needs no gradient. */
        double bwd = 2 * in * out + out + (l > 1 ? 2 * in * out : 0);
        dsgd_model_add_layer(m, DSGD_LAYER_DENSE, lname, (size_t)(in * out + out),
                             2 * in * out + out, bwd);
        if (l < p->n_dense) {
            snprintf(lname, sizeof lname, "relu%d", l);
            dsgd_model_add_layer(m, DSGD_LAYER_ACT, lname, 0, out, out);
        }
    }
    /* softmax: max, exp, sum, divide, log ~ 5 per class; gradient 2. */
    dsgd_model_add_layer(m, DSGD_LAYER_SOFTMAX_XENT, "softmax_xent", 0, 5.0 * classes,
                         2.0 * classes);
    m->ops = &mlp_ops;
    m->impl = p;
    return 0;
}

static void mlp_destroy(dsgd_model *m)
{
    mlp *p = m->impl;
    if (p) {
        mlp_free_workspace(p);
        free(p);
    }
    m->impl = NULL;
}

static void mlp_init_params(const dsgd_model *m, dsgd_vec *params, uint64_t seed)
{
    const mlp *p = m->impl;
    dsgd_vec_zero(params);
    for (int l = 0; l < p->n_dense; l++) {
        int in = p->width[l], out = p->width[l + 1];
        dsgd_rng r;
        dsgd_rng_seed2(&r, seed, 0x1000 + (uint64_t)l);
        double std = sqrt(2.0 / in);
        float *w = params->data + p->w_off[l];
        for (size_t i = 0; i < (size_t)in * out; i++)
            w[i] = (float)(std * dsgd_rng_normal(&r));
    }
}

/* Softmax cross-entropy over a batch of logits; writes dLoss/dlogits for the
 * mean loss into delta and returns the mean loss. */
static float softmax_xent(const float *logits, const int *y, int batch, int classes, float *delta)
{
    double total = 0.0;
    for (int b = 0; b < batch; b++) {
        const float *z = logits + (size_t)b * classes;
        float *d = delta + (size_t)b * classes;
        float zmax = z[0];
        for (int k = 1; k < classes; k++)
            zmax = z[k] > zmax ? z[k] : zmax;
        double sum = 0.0;
        for (int k = 0; k < classes; k++)
            sum += exp((double)(z[k] - zmax));
        double log_sum = log(sum);
        total += log_sum - (z[y[b]] - zmax);
        for (int k = 0; k < classes; k++)
            d[k] = (float)(exp((double)(z[k] - zmax) - log_sum) / batch);
        d[y[b]] -= 1.0f / (float)batch;
    }
    return (float)(total / batch);
}

static float mlp_loss_grad(dsgd_model *m, const dsgd_vec *params, const float *x, const int *y,
                           int batch, dsgd_vec *grad)
{
    mlp *p = m->impl;
    if (mlp_reserve(p, batch) != 0)
        return NAN;
    const float *w = params->data;
    int L = p->n_dense;
    /* Forward: act[l] = relu(act[l-1] W^T + b), logits unclamped in act[L]. */
    for (int l = 1; l <= L; l++) {
        int in = p->width[l - 1], out = p->width[l];
        const float *a_in = l == 1 ? x : p->act[l - 1];
        float *z = p->act[l];
        const float *bias = w + p->b_off[l - 1];
        for (int b = 0; b < batch; b++)
            memcpy(z + (size_t)b * out, bias, sizeof(float) * out);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, batch, out, in, 1.0f, a_in, in,
                    w + p->w_off[l - 1], in, 1.0f, z, out);
        if (l < L)
            for (size_t i = 0; i < (size_t)batch * out; i++)
                z[i] = z[i] > 0.0f ? z[i] : 0.0f;
    }
    float *delta = p->delta[0], *spare = p->delta[1];
    float loss = softmax_xent(p->act[L], y, batch, m->classes, delta);
    if (!grad)
        return loss;
    /* Backward: delta holds dLoss/dZ_l for the layer being processed. */
    for (int l = L; l >= 1; l--) {
        int in = p->width[l - 1], out = p->width[l];
        const float *a_in = l == 1 ? x : p->act[l - 1];
        float *dw = grad->data + p->w_off[l - 1];
        float *db = grad->data + p->b_off[l - 1];
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, out, in, batch, 1.0f, delta, out, a_in,
                    in, 0.0f, dw, in);
        for (int j = 0; j < out; j++)
            db[j] = 0.0f;
        for (int b = 0; b < batch; b++)
            for (int j = 0; j < out; j++)
                db[j] += delta[(size_t)b * out + j];
        if (l == 1)
            break;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, batch, in, out, 1.0f, delta, out,
                    w + p->w_off[l - 1], in, 0.0f, spare, in);
        /* ReLU'(z) = [z > 0]; act holds relu(z), which is > 0 exactly there. */
        const float *a = p->act[l - 1];
        for (size_t i = 0; i < (size_t)batch * in; i++)
            if (a[i] <= 0.0f)
                spare[i] = 0.0f;
        float *t = delta;
        delta = spare;
        spare = t;
    }
    return loss;
}

static const dsgd_model_ops mlp_ops = {
    .init_params = mlp_init_params,
    .loss_grad = mlp_loss_grad,
    .destroy = mlp_destroy,
};

void dsgd_model_set_threads(int threads) { openblas_set_num_threads(threads); }

/* dense.c — fully connected layers on a dsgd_device. */
#include "core/dense.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"

void dsgd_dense_layer_flops(double in, double out, int needs_dx, double *fwd, double *bwd)
{
    *fwd = 2 * in * out + out;
    *bwd = 2 * in * out + out + (needs_dx ? 2 * in * out : 0);
}

void dsgd_relu_flops(double n, double *fwd, double *bwd) { *fwd = *bwd = n; }

void dsgd_softmax_xent_flops(double classes, double *fwd, double *bwd)
{
    /* max, exp, sum, divide, log ~ 5 per class; gradient 2. */
    *fwd = 5.0 * classes;
    *bwd = 2.0 * classes;
}

int dsgd_dense_parse_hidden(const char *hidden, int *widths, int max, char *err, size_t errlen)
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

int dsgd_dense_init(dsgd_dense_stack *s, const dsgd_device *dev, int in, const int *hidden,
                    int n_hidden, int classes, size_t params_base, int first_needs_dx,
                    dsgd_model *m)
{
    memset(s, 0, sizeof *s);
    s->dev = dev;
    s->n = n_hidden + 1;
    s->width[0] = in;
    for (int l = 0; l < n_hidden; l++)
        s->width[l + 1] = hidden[l];
    s->width[s->n] = classes;
    size_t off = params_base;
    for (int l = 1; l <= s->n; l++) {
        double nin = s->width[l - 1], nout = s->width[l];
        s->w_off[l - 1] = off;
        s->b_off[l - 1] = off + (size_t)(nin * nout);
        off += (size_t)(nin * nout + nout);
        char lname[24];
        snprintf(lname, sizeof lname, "fc%d", l);
        /* The first layer of the network needs no dX: its input is data. */
        double fwd, bwd;
        dsgd_dense_layer_flops(nin, nout, l > 1 || first_needs_dx, &fwd, &bwd);
        if (dsgd_model_add_layer(m, DSGD_LAYER_DENSE, lname, (size_t)(nin * nout + nout), fwd,
                                 bwd) != 0)
            return -1;
        if (l < s->n) {
            snprintf(lname, sizeof lname, "relu%d", l);
            dsgd_relu_flops(nout, &fwd, &bwd);
            if (dsgd_model_add_layer(m, DSGD_LAYER_ACT, lname, 0, fwd, bwd) != 0)
                return -1;
        }
    }
    double fwd, bwd;
    dsgd_softmax_xent_flops(classes, &fwd, &bwd);
    return dsgd_model_add_layer(m, DSGD_LAYER_SOFTMAX_XENT, "softmax_xent", 0, fwd, bwd);
}

static void free_workspace(dsgd_dense_stack *s)
{
    for (int l = 0; l <= s->n; l++) {
        s->dev->release(s->act[l]);
        s->act[l] = NULL;
    }
    for (int i = 0; i < 2; i++) {
        s->dev->release(s->delta[i]);
        s->delta[i] = NULL;
    }
    s->ws_batch = 0;
}

void dsgd_dense_free(dsgd_dense_stack *s)
{
    if (s->dev)
        free_workspace(s);
}

static int reserve(dsgd_dense_stack *s, int batch)
{
    if (batch <= s->ws_batch)
        return 0;
    free_workspace(s);
    int widest = 0;
    for (int l = 0; l <= s->n; l++)
        widest = s->width[l] > widest ? s->width[l] : widest;
    for (int l = 1; l <= s->n; l++)
        if (!(s->act[l] = s->dev->alloc(sizeof(float) * (size_t)batch * s->width[l])))
            goto oom;
    for (int i = 0; i < 2; i++)
        if (!(s->delta[i] = s->dev->alloc(sizeof(float) * (size_t)batch * widest)))
            goto oom;
    s->ws_batch = batch;
    return 0;
oom:
    free_workspace(s);
    return -1;
}

void dsgd_dense_init_params(const dsgd_dense_stack *s, float *params, uint64_t seed,
                            int stream_base)
{
    for (int l = 0; l < s->n; l++) {
        int in = s->width[l], out = s->width[l + 1];
        dsgd_rng r;
        dsgd_rng_seed2(&r, seed, 0x1000 + (uint64_t)stream_base + (uint64_t)l);
        /* He (2/in) for layers followed by ReLU; the classifier, which has
         * none, gets 1/in so that the first logits are O(1) (initial loss
         * near ln(classes)) instead of large enough to derail the CNN. */
        double std = sqrt((l + 1 < s->n ? 2.0 : 1.0) / in);
        float *w = params + s->w_off[l];
        for (size_t i = 0; i < (size_t)in * out; i++)
            w[i] = (float)(std * dsgd_rng_normal(&r));
        memset(params + s->b_off[l], 0, sizeof(float) * out);
    }
}

float dsgd_dense_forward(dsgd_dense_stack *s, const float *params, const float *x, const int *y,
                         int batch, int *correct)
{
    if (reserve(s, batch) != 0)
        return NAN;
    const dsgd_device *d = s->dev;
    for (int l = 1; l <= s->n; l++) {
        int in = s->width[l - 1], out = s->width[l];
        const float *a_in = l == 1 ? x : s->act[l - 1];
        float *z = s->act[l];
        d->gemm(0, 1, batch, out, in, 1.0f, a_in, in, params + s->w_off[l - 1], in, 0.0f, z, out);
        d->bias_rows_forward(z, params + s->b_off[l - 1], batch, out);
        if (l < s->n)
            d->relu_forward(z, (size_t)batch * out);
    }
    return d->softmax_xent(s->act[s->n], y, batch, s->width[s->n], s->delta[0], correct);
}

void dsgd_dense_backward(dsgd_dense_stack *s, const float *params, const float *x, int batch,
                         float *grad, float *dx)
{
    const dsgd_device *d = s->dev;
    float *delta = s->delta[0], *spare = s->delta[1];
    for (int l = s->n; l >= 1; l--) {
        int in = s->width[l - 1], out = s->width[l];
        const float *a_in = l == 1 ? x : s->act[l - 1];
        d->gemm(1, 0, out, in, batch, 1.0f, delta, out, a_in, in, 0.0f, grad + s->w_off[l - 1], in);
        d->bias_rows_backward(delta, grad + s->b_off[l - 1], batch, out);
        if (l == 1 && !dx)
            break;
        float *target = l == 1 ? dx : spare;
        d->gemm(0, 0, batch, in, out, 1.0f, delta, out, params + s->w_off[l - 1], in, 0.0f, target,
                in);
        if (l == 1)
            break;
        /* ReLU'(z) = [z > 0]; act holds relu(z), which is > 0 exactly there. */
        d->relu_backward(s->act[l - 1], spare, (size_t)batch * in);
        float *t = delta;
        delta = spare;
        spare = t;
    }
}

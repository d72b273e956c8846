/* test_cnn_gradcheck — the CNN's layers against independent references:
 *  1. the device's im2col + sgemm convolution equals a direct 7-loop
 *     convolution (with padding, strides 1 and 2, several channels), and
 *     col2im is im2col's adjoint (<im2col(x), c> = <x, col2im(c)>);
 *  2. max-pooling picks each window's maximum;
 *  3. the backward pass of a small CNN (2 conv/ReLU/pool blocks on a
 *     2-channel input, a dense head, softmax cross-entropy) matches central
 *     finite differences for every parameter, so every layer kind's
 *     gradient (conv, ReLU, pool, dense, softmax-xent, and the dX paths
 *     between them) is checked;
 *  4. the FFT convolution gives what im2col gives (outputs and all three
 *     gradients), and the gradient check passes with either algorithm;
 *  5. the model's parameter and flop bookkeeping. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/cnn.h"
#include "core/device.h"
#include "core/model.h"
#include "core/rng.h"

static int failures;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

static void fill_normal(dsgd_rng *r, float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = (float)dsgd_rng_normal(r);
}

/* Convolution through the device against the definition. */
static void check_convolution(int stride, int pad)
{
    enum { C = 3, B = 2, H = 7, W = 6, K = 3, COUT = 4 };
    const dsgd_device *d = dsgd_device_cpu();
    dsgd_conv_geom g;
    CHECK(dsgd_conv_geom_init(&g, C, H, W, K, pad, stride) == 0, "geometry rejected");
    int OH = g.out_height, OW = g.out_width, N = B * OH * OW, KK = C * K * K;
    CHECK(OH == (H + 2 * pad - K) / stride + 1 && OW == (W + 2 * pad - K) / stride + 1,
          "output size %dx%d", OH, OW);
    float *x = malloc(sizeof(float) * C * B * H * W), *w = malloc(sizeof(float) * COUT * KK);
    float *cols = malloc(sizeof(float) * KK * N), *y = malloc(sizeof(float) * COUT * N);
    float *c2 = malloc(sizeof(float) * KK * N), *back = malloc(sizeof(float) * C * B * H * W);
    dsgd_rng r;
    dsgd_rng_seed(&r, 11);
    fill_normal(&r, x, (size_t)C * B * H * W);
    fill_normal(&r, w, (size_t)COUT * KK);
    d->im2col(&g, B, x, cols);
    d->gemm(0, 0, COUT, N, KK, 1.0f, w, KK, cols, N, 0.0f, y, N);
    double worst = 0;
    for (int o = 0; o < COUT; o++)
        for (int b = 0; b < B; b++)
            for (int oh = 0; oh < OH; oh++)
                for (int ow = 0; ow < OW; ow++) {
                    double ref = 0;
                    for (int c = 0; c < C; c++)
                        for (int i = 0; i < K; i++)
                            for (int j = 0; j < K; j++) {
                                int ih = oh * stride - pad + i, iw = ow * stride - pad + j;
                                if (ih >= 0 && ih < H && iw >= 0 && iw < W)
                                    ref += (double)w[(o * C + c) * K * K + i * K + j] *
                                           x[((c * B + b) * H + ih) * W + iw];
                            }
                    double got = y[(size_t)o * N + (b * OH + oh) * OW + ow];
                    worst = fmax(worst, fabs(got - ref));
                }
    CHECK(worst < 1e-4, "conv stride %d pad %d: differs from the definition by %g", stride, pad,
          worst);
    /* Adjoint: <im2col(x), c2> == <x, col2im(c2)>. */
    fill_normal(&r, c2, (size_t)KK * N);
    d->col2im(&g, B, c2, back);
    double lhs = 0, rhs = 0;
    for (size_t i = 0; i < (size_t)KK * N; i++)
        lhs += (double)cols[i] * c2[i];
    for (size_t i = 0; i < (size_t)C * B * H * W; i++)
        rhs += (double)x[i] * back[i];
    CHECK(fabs(lhs - rhs) < 1e-3 * (1 + fabs(lhs)), "col2im is not im2col's adjoint: %g vs %g", lhs,
          rhs);
    printf("conv stride %d pad %d: %dx%d output, max error %.2g, adjoint %.6g = %.6g\n", stride,
           pad, OH, OW, worst, lhs, rhs);
    free(x), free(w), free(cols), free(y), free(c2), free(back);
}

static void check_pool(void)
{
    const dsgd_device *d = dsgd_device_cpu();
    /* One 4x5 plane: the odd last column is dropped. */
    float x[20] = {1, 9, 2, 3, 100, 4, 5, 8, 7, 100, -1, -2, -3, -4, 100, -5, -0.5f, -6, -7, 100};
    float y[4], dy[4] = {1, 2, 3, 4}, dx[20];
    int arg[4];
    d->maxpool_forward(1, 4, 5, x, y, arg);
    CHECK(y[0] == 9 && y[1] == 8 && y[2] == -0.5f && y[3] == -3, "pool values %g %g %g %g", y[0],
          y[1], y[2], y[3]);
    d->maxpool_backward(1, 4, 5, dy, arg, dx);
    CHECK(dx[1] == 1 && dx[7] == 2 && dx[16] == 3 && dx[12] == 4 && dx[0] == 0 && dx[4] == 0,
          "pool gradient routed to the wrong inputs");
}

enum { IN_C = 2, IN_H = 8, IN_W = 8, CLASSES = 4, BATCH = 3 };

/* algo: the convolution algorithm (both are checked the same way). */
static void check_gradients(dsgd_conv_algo algo, const char *algo_name)
{
    static const int channels[] = {3, 4};
    dsgd_model m = {.input = {IN_C, IN_H, IN_W}, .classes = CLASSES}; /* as dsgd_model_create */
    char err[256];
    if (dsgd_cnn_create_custom(channels, 2, "5", (dsgd_shape){IN_C, IN_H, IN_W}, CLASSES, &m, err,
                               sizeof err) != 0) {
        CHECK(0, "%s", err);
        return;
    }
    /* conv1 3x(2*25)+3, conv2 4x(3*25)+4, fc1 5x(4*2*2)+5, fc2 4x5+4. */
    size_t expect = (3 * 50 + 3) + (4 * 75 + 4) + (5 * 16 + 5) + (4 * 5 + 4);
    CHECK(m.n_params == expect, "n_params %zu, expected %zu", m.n_params, expect);
    /* conv1 forward flops per sample: 2*50 per output and the bias, 3x8x8 outputs. */
    CHECK(m.layers[0].kind == DSGD_LAYER_CONV && m.layers[0].fwd_flops == (2 * 50 + 1) * 3 * 64.0,
          "conv1 forward flops %g", m.layers[0].fwd_flops);
    int kinds[DSGD_LAYER_KIND_COUNT] = {0};
    for (int l = 0; l < m.n_layers; l++)
        kinds[m.layers[l].kind]++;
    CHECK(kinds[DSGD_LAYER_CONV] == 2 && kinds[DSGD_LAYER_POOL] == 2 &&
              kinds[DSGD_LAYER_DENSE] == 2 && kinds[DSGD_LAYER_ACT] == 3 &&
              kinds[DSGD_LAYER_SOFTMAX_XENT] == 1,
          "layer kinds do not match the architecture");

    dsgd_cnn_set_conv_algo(&m, algo);
    /* the convolutions' kind follows the algorithm that runs them (their
     * channels, 2 and 3 in, are below the FFT's choice: im2col by default) */
    dsgd_layer_kind want_kind = algo == DSGD_CONV_FFT ? DSGD_LAYER_CONV_FFT : DSGD_LAYER_CONV;
    CHECK(m.layers[0].kind == want_kind && m.layers[3].kind == want_kind,
          "conv layer kinds %d %d under algo %d, want %d", (int)m.layers[0].kind,
          (int)m.layers[3].kind, (int)algo, (int)want_kind);
    dsgd_vec params, grad;
    dsgd_vec_alloc(&params, m.n_params, 0);
    dsgd_vec_alloc(&grad, m.n_params, 0);
    dsgd_model_init_params(&m, &params, 5);
    dsgd_rng r;
    dsgd_rng_seed(&r, 9);
    for (size_t i = 0; i < params.len; i++) /* non-zero biases too */
        params.data[i] += 0.05f * (float)dsgd_rng_normal(&r);
    float x[BATCH * IN_C * IN_H * IN_W];
    int y[BATCH];
    fill_normal(&r, x, sizeof x / sizeof x[0]);
    for (int b = 0; b < BATCH; b++)
        y[b] = (int)dsgd_rng_below(&r, CLASSES);
    float loss = dsgd_model_loss_grad(&m, &params, x, y, BATCH, &grad);
    CHECK(isfinite(loss), "loss %g", loss);
    int correct = -1;
    float eval_loss = dsgd_model_evaluate(&m, &params, x, y, BATCH, &correct);
    CHECK(eval_loss == loss && correct >= 0 && correct <= BATCH, "evaluate: loss %g, correct %d",
          eval_loss, correct);

    /* Small steps: larger ones cross ReLU and max-pool kinks (pre-activations
     * near 0, near-ties in a window) and measure a different function. */
    const float eps = 1e-3f;
    double worst = 0;
    int bad = 0;
    for (size_t i = 0; i < params.len; i++) {
        float saved = params.data[i];
        params.data[i] = saved + eps;
        double up = dsgd_model_loss_grad(&m, &params, x, y, BATCH, NULL);
        params.data[i] = saved - eps;
        double down = dsgd_model_loss_grad(&m, &params, x, y, BATCH, NULL);
        params.data[i] = saved;
        double fd = (up - down) / (2.0 * eps), an = grad.data[i];
        /* float32 forward passes: absolute floor 2e-3, relative 2 %. */
        double e = fabs(fd - an) / (2e-3 + 2e-2 * fmax(fabs(fd), fabs(an)));
        worst = fmax(worst, e);
        if (e > 1.0 && bad++ < 10)
            fprintf(stderr, "param %zu: analytic %.6g, finite difference %.6g\n", i, an, fd);
    }
    failures += bad;
    printf("cnn gradcheck (%s): %zu parameters, loss %.5f, worst error/tolerance %.3f, %d "
           "failures\n",
           algo_name, params.len, loss, worst, bad);
    dsgd_vec_free(&params);
    dsgd_vec_free(&grad);
    dsgd_model_destroy(&m);
}

/* The FFT convolution against im2col (itself checked against the
 * definition above) on a layer shaped like the CNN's second one: outputs,
 * weight, bias and input gradients, with a batch below the layer's maximum
 * after a call on a full batch. */
static void check_fft_matches_im2col(void)
{
    enum { CIN = 8, COUT = 6, H = 14, W = 11, MAXB = 5, B = 3 };
    const dsgd_device *d = dsgd_device_cpu();
    dsgd_conv_geom g;
    dsgd_conv_geom_init(&g, CIN, H, W, 5, 2, 1);
    size_t nx = (size_t)CIN * B * H * W, nw = (size_t)COUT * CIN * 25;
    size_t ny = (size_t)COUT * B * g.out_height * g.out_width;
    float *x = malloc(sizeof(float) * nx), *w = malloc(sizeof(float) * nw);
    float *bias = malloc(sizeof(float) * COUT), *dy = malloc(sizeof(float) * ny);
    float *y[2], *dw[2], *db[2], *dx[2];
    dsgd_rng r;
    dsgd_rng_seed(&r, 21);
    fill_normal(&r, x, nx);
    fill_normal(&r, w, nw);
    fill_normal(&r, bias, COUT);
    fill_normal(&r, dy, ny);
    size_t big_nx = nx / B * MAXB, big_ny = ny / B * MAXB;
    float *big_x = malloc(sizeof(float) * big_nx), *big_dx = malloc(sizeof(float) * big_nx);
    float *big_y = malloc(sizeof(float) * big_ny), *big_dy = malloc(sizeof(float) * big_ny);
    fill_normal(&r, big_x, big_nx);
    fill_normal(&r, big_dy, big_ny);
    dsgd_conv_algo algos[2] = {DSGD_CONV_IM2COL, DSGD_CONV_FFT};
    for (int a = 0; a < 2; a++) {
        y[a] = malloc(sizeof(float) * ny), dw[a] = malloc(sizeof(float) * nw);
        db[a] = malloc(sizeof(float) * COUT), dx[a] = malloc(sizeof(float) * nx);
        dsgd_conv *cv = d->conv_create(&g, COUT, MAXB, algos[a]);
        CHECK(cv != NULL, "conv_create algo %d", a);
        if (!cv)
            return;
        /* a full batch of other data first: the batch-B call must neither
         * read its planes nor reuse its transforms */
        d->conv_forward(cv, MAXB, big_x, w, bias, big_y);
        d->conv_backward(cv, MAXB, big_x, w, big_dy, dw[a], db[a], big_dx);
        d->conv_forward(cv, B, x, w, bias, y[a]);
        d->conv_backward(cv, B, x, w, dy, dw[a], db[a], dx[a]);
        d->conv_destroy(cv);
    }
    struct {
        const char *what;
        float **v;
        size_t n;
    } outs[] = {{"output", y, ny}, {"dW", dw, nw}, {"db", db, COUT}, {"dX", dx, nx}};
    for (size_t k = 0; k < sizeof outs / sizeof outs[0]; k++) {
        double worst = 0, scale = 0;
        for (size_t i = 0; i < outs[k].n; i++) {
            worst = fmax(worst, fabs(outs[k].v[0][i] - outs[k].v[1][i]));
            scale = fmax(scale, fabs(outs[k].v[0][i]));
        }
        CHECK(worst <= 1e-5 * scale + 1e-6, "fft %s differs from im2col by %g (scale %g)",
              outs[k].what, worst, scale);
        printf("fft vs im2col %-6s: max difference %.2g of %.3g\n", outs[k].what, worst, scale);
    }
    free(x), free(w), free(bias), free(dy);
    free(big_x), free(big_dx), free(big_y), free(big_dy);
    for (int a = 0; a < 2; a++)
        free(y[a]), free(dw[a]), free(db[a]), free(dx[a]);
}

int main(void)
{
    check_convolution(1, 0);
    check_convolution(1, 2);
    check_convolution(2, 1);
    check_pool();
    check_fft_matches_im2col();
    check_gradients(DSGD_CONV_IM2COL, "im2col");
    check_gradients(DSGD_CONV_FFT, "fft");
    /* The model --model cnn builds on Fashion-MNIST-sized input. */
    dsgd_model m;
    char err[256];
    CHECK(dsgd_model_create("cnn", "128", (dsgd_shape){1, 28, 28}, 10, &m, err, sizeof err) == 0,
          "%s", err);
    size_t expect = (32 * 25 + 32) + (64 * 800 + 64) + (128 * 64 * 49 + 128) + (10 * 128 + 10);
    CHECK(m.n_params == expect, "cnn on 28x28: n_params %zu, expected %zu", m.n_params, expect);
    dsgd_model_destroy(&m);
    CHECK(dsgd_model_create("cnn", "128", (dsgd_shape){1, 2, 2}, 10, &m, err, sizeof err) != 0,
          "a 2x2 input was accepted");
    printf("%d failures\n", failures);
    return failures != 0;
}

/* test_gpu_kernels — every kernel of the CUDA device against the CPU
 * device on the same random inputs: forward, backward and update ops, each
 * within 1e-4 relative error (||gpu - cpu|| / ||cpu||, fp32).  Skipped
 * (exit 77) where there is no GPU or no CUDA build.
 *
 *     test_gpu_kernels           all checks
 *     test_gpu_kernels --probe   only whether a GPU is there (exit 0 or 77) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/device.h"
#include "core/rng.h"
#include "gpu.h"

#define TOLERANCE 1e-4

typedef struct kit {
    const dsgd_device *cpu, *gpu;
    dsgd_rng rng;
    int failures;
} kit;

/* n random floats on the host and the same on the GPU. */
typedef struct pair {
    float *h, *d;
    size_t n;
} pair;

static pair make(kit *k, size_t n)
{
    pair p = {malloc(sizeof(float) * (n ? n : 1)), k->gpu->alloc(sizeof(float) * n), n};
    if (!p.h || !p.d) {
        fprintf(stderr, "out of memory for %zu floats\n", n);
        exit(1);
    }
    gpu_fill_normal(&k->rng, p.h, n);
    k->gpu->upload(p.d, p.h, sizeof(float) * n);
    return p;
}

static void drop(kit *k, pair *p)
{
    free(p->h);
    k->gpu->release(p->d);
}

/* Compares the GPU copy of p with its host copy (which the CPU computed). */
static void check(kit *k, const char *what, const pair *p)
{
    float *got = malloc(sizeof(float) * (p->n ? p->n : 1));
    if (k->gpu->download(got, p->d, sizeof(float) * p->n) != 0) {
        fprintf(stderr, "%s: %s\n", what, k->gpu->error());
        k->failures++;
        free(got);
        return;
    }
    double e = gpu_rel_error(got, p->h, p->n);
    int ok = e <= TOLERANCE;
    printf("%-40s relative error %.2e %s\n", what, e, ok ? "ok" : "FAILED");
    k->failures += !ok;
    free(got);
}

static void check_gemm(kit *k)
{
    enum { M = 37, N = 53, K = 29 };
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            pair a = make(k, M * K), b = make(k, K * N), c = make(k, M * N);
            int lda = ta ? M : K, ldb = tb ? K : N;
            k->cpu->gemm(ta, tb, M, N, K, 0.7f, a.h, lda, b.h, ldb, 0.3f, c.h, N);
            k->gpu->gemm(ta, tb, M, N, K, 0.7f, a.d, lda, b.d, ldb, 0.3f, c.d, N);
            char what[64];
            snprintf(what, sizeof what, "gemm trans_a %d trans_b %d", ta, tb);
            check(k, what, &c);
            drop(k, &a), drop(k, &b), drop(k, &c);
        }
}

/* The CNN's two layers, a stride-2 one and a tiny padded one. */
static const int GEOMS[][6] = {
    /* in_channels, height, width, kernel, pad, stride */
    {1, 28, 28, 5, 2, 1},
    {32, 14, 14, 5, 2, 1},
    {3, 11, 9, 3, 1, 2},
    {4, 2, 3, 5, 2, 1},
};

static void check_im2col(kit *k, const dsgd_conv_geom *g, int batch)
{
    size_t nx = (size_t)g->in_channels * batch * g->height * g->width;
    size_t nc =
        (size_t)g->in_channels * g->kernel * g->kernel * batch * g->out_height * g->out_width;
    pair x = make(k, nx), cols = make(k, nc);
    k->cpu->im2col(g, batch, x.h, cols.h);
    k->gpu->im2col(g, batch, x.d, cols.d);
    check(k, "im2col", &cols);
    k->cpu->col2im(g, batch, cols.h, x.h);
    k->gpu->col2im(g, batch, cols.d, x.d);
    check(k, "col2im", &x);
    drop(k, &x), drop(k, &cols);
}

/* One convolution layer on both devices: output, dW, db, dX, for a batch
 * below the layer's maximum and then at it. */
static void check_conv(kit *k, const dsgd_conv_geom *g, int cout, dsgd_conv_algo algo)
{
    enum { MAXB = 6 };
    dsgd_conv *cc = k->cpu->conv_create(g, cout, MAXB, DSGD_CONV_IM2COL);
    dsgd_conv *gc = k->gpu->conv_create(g, cout, MAXB, algo);
    if (!cc || !gc) {
        fprintf(stderr, "conv_create failed: %s\n", k->gpu->error() ? k->gpu->error() : "");
        k->failures++;
        return;
    }
    for (int batch = MAXB - 2; batch <= MAXB; batch += 2) {
        size_t nx = (size_t)g->in_channels * batch * g->height * g->width;
        size_t nw = (size_t)cout * g->in_channels * g->kernel * g->kernel;
        size_t ny = (size_t)cout * batch * g->out_height * g->out_width;
        pair x = make(k, nx), w = make(k, nw), b = make(k, (size_t)cout), y = make(k, ny);
        pair dy = make(k, ny), dw = make(k, nw), db = make(k, (size_t)cout), dx = make(k, nx);
        k->cpu->conv_forward(cc, batch, x.h, w.h, b.h, y.h);
        k->gpu->conv_forward(gc, batch, x.d, w.d, b.d, y.d);
        k->cpu->conv_backward(cc, batch, x.h, w.h, dy.h, dw.h, db.h, dx.h);
        k->gpu->conv_backward(gc, batch, x.d, w.d, dy.d, dw.d, db.d, dx.d);
        char what[96];
        const char *name = algo == DSGD_CONV_IM2COL ? "im2col" : "cudnn";
        snprintf(what, sizeof what, "conv %s %dx%dx%d->%d b%d: y", name, g->in_channels, g->height,
                 g->width, cout, batch);
        check(k, what, &y);
        what[strlen(what) - 1] = '\0';
        char sub[112];
        snprintf(sub, sizeof sub, "%sdW", what), check(k, sub, &dw);
        snprintf(sub, sizeof sub, "%sdb", what), check(k, sub, &db);
        snprintf(sub, sizeof sub, "%sdX", what), check(k, sub, &dx);
        drop(k, &x), drop(k, &w), drop(k, &b), drop(k, &y);
        drop(k, &dy), drop(k, &dw), drop(k, &db), drop(k, &dx);
    }
    k->cpu->conv_destroy(cc);
    k->gpu->conv_destroy(gc);
}

static void check_pool(kit *k)
{
    enum { PLANES = 7, H = 13, W = 10 };
    size_t nx = (size_t)PLANES * H * W, ny = (size_t)PLANES * (H / 2) * (W / 2);
    pair x = make(k, nx), y = make(k, ny), dy = make(k, ny), dx = make(k, nx);
    /* ties, where the first of the window must win on both devices */
    for (size_t i = 0; i < nx; i += 7)
        x.h[i] = x.h[i + 1 < nx ? i + 1 : i] = 0.5f;
    k->gpu->upload(x.d, x.h, sizeof(float) * nx);
    int *arg_h = malloc(sizeof(int) * ny), *arg_d = k->gpu->alloc(sizeof(int) * ny);
    int *arg_back = malloc(sizeof(int) * ny);
    k->cpu->maxpool_forward(PLANES, H, W, x.h, y.h, arg_h);
    k->gpu->maxpool_forward(PLANES, H, W, x.d, y.d, arg_d);
    check(k, "maxpool_forward", &y);
    k->gpu->download(arg_back, arg_d, sizeof(int) * ny);
    int same = memcmp(arg_back, arg_h, sizeof(int) * ny) == 0;
    printf("%-40s %s\n", "maxpool argmax", same ? "ok" : "FAILED");
    k->failures += !same;
    k->cpu->maxpool_backward(PLANES, H, W, dy.h, arg_h, dx.h);
    k->gpu->maxpool_backward(PLANES, H, W, dy.d, arg_d, dx.d);
    check(k, "maxpool_backward", &dx);
    drop(k, &x), drop(k, &y), drop(k, &dy), drop(k, &dx);
    free(arg_h), free(arg_back);
    k->gpu->release(arg_d);
}

static void check_elementwise(kit *k)
{
    enum { ROWS = 33, COLS = 70, CH = 5 };
    size_t n = (size_t)ROWS * COLS;
    pair y = make(k, n), dy = make(k, n);
    k->cpu->relu_forward(y.h, n);
    k->gpu->relu_forward(y.d, n);
    check(k, "relu_forward", &y);
    k->cpu->relu_backward(y.h, dy.h, n);
    k->gpu->relu_backward(y.d, dy.d, n);
    check(k, "relu_backward", &dy);

    pair bias = make(k, COLS), db = make(k, COLS);
    k->cpu->bias_rows_forward(y.h, bias.h, ROWS, COLS);
    k->gpu->bias_rows_forward(y.d, bias.d, ROWS, COLS);
    check(k, "bias_rows_forward", &y);
    k->cpu->bias_rows_backward(dy.h, db.h, ROWS, COLS);
    k->gpu->bias_rows_backward(dy.d, db.d, ROWS, COLS);
    check(k, "bias_rows_backward", &db);

    size_t plane = n / CH;
    k->cpu->bias_planes_forward(y.h, bias.h, CH, plane);
    k->gpu->bias_planes_forward(y.d, bias.d, CH, plane);
    check(k, "bias_planes_forward", &y);
    k->cpu->bias_planes_backward(dy.h, db.h, CH, plane);
    k->gpu->bias_planes_backward(dy.d, db.d, CH, plane);
    db.n = CH;
    check(k, "bias_planes_backward", &db);
    db.n = COLS;

    /* n = 3 batches x 5 channels x 154 */
    pair t = make(k, n);
    k->cpu->to_channel_major(y.h, t.h, 3, CH, (int)(n / 15));
    k->gpu->to_channel_major(y.d, t.d, 3, CH, (int)(n / 15));
    check(k, "to_channel_major", &t);
    k->cpu->to_batch_major(y.h, t.h, 3, CH, (int)(n / 15));
    k->gpu->to_batch_major(y.d, t.d, 3, CH, (int)(n / 15));
    check(k, "to_batch_major", &t);
    drop(k, &y), drop(k, &dy), drop(k, &bias), drop(k, &db), drop(k, &t);
}

static void check_softmax(kit *k)
{
    enum { B = 300, CLASSES = 10 };
    pair z = make(k, B * CLASSES), delta = make(k, B * CLASSES);
    int labels[B], *labels_d = k->gpu->alloc(sizeof labels);
    for (int b = 0; b < B; b++)
        labels[b] = (int)dsgd_rng_below(&k->rng, CLASSES);
    k->gpu->upload(labels_d, labels, sizeof labels);
    int right_cpu = -1, right_gpu = -1;
    float loss_cpu = k->cpu->softmax_xent(z.h, labels, B, CLASSES, delta.h, &right_cpu);
    float loss_gpu = k->gpu->softmax_xent(z.d, labels_d, B, CLASSES, delta.d, &right_gpu);
    check(k, "softmax_xent delta", &delta);
    double e = fabs((double)loss_gpu - loss_cpu) / fabs((double)loss_cpu);
    int ok = e <= TOLERANCE && right_cpu == right_gpu;
    printf("%-40s loss %.6f vs %.6f, correct %d vs %d %s\n", "softmax_xent loss", loss_gpu,
           loss_cpu, right_gpu, right_cpu, ok ? "ok" : "FAILED");
    k->failures += !ok;
    drop(k, &z), drop(k, &delta);
    k->gpu->release(labels_d);
}

static void check_vector_ops(kit *k)
{
    enum { N = 100003 };
    pair x = make(k, N), y = make(k, N), v = make(k, N), g = make(k, N);
    k->cpu->axpy(y.h, -0.37f, x.h, N);
    k->gpu->axpy(y.d, -0.37f, x.d, N);
    check(k, "axpy", &y);
    k->cpu->scale(x.h, 1.7f, N);
    k->gpu->scale(x.d, 1.7f, N);
    check(k, "scale", &x);
    for (int nesterov = 0; nesterov < 2; nesterov++)
        for (int wd = 0; wd < 2; wd++) {
            float decay = wd ? 5e-4f : 0.0f;
            k->cpu->sgd_step(x.h, v.h, g.h, N, 0.05f, 0.9f, decay, nesterov);
            k->gpu->sgd_step(x.d, v.d, g.d, N, 0.05f, 0.9f, decay, nesterov);
            char what[64];
            snprintf(what, sizeof what, "sgd_step nesterov %d decay %g: x", nesterov, decay);
            check(k, what, &x);
            snprintf(what, sizeof what, "sgd_step nesterov %d decay %g: v", nesterov, decay);
            check(k, what, &v);
        }
    drop(k, &x), drop(k, &y), drop(k, &v), drop(k, &g);
}

int main(int argc, char **argv)
{
    kit k;
    memset(&k, 0, sizeof k);
    k.cpu = dsgd_device_cpu();
    k.gpu = gpu_open_or_skip();
    if (argc > 1 && strcmp(argv[1], "--probe") == 0)
        return 0;
    dsgd_rng_seed(&k.rng, 42);
    check_gemm(&k);
    for (size_t i = 0; i < sizeof GEOMS / sizeof GEOMS[0]; i++) {
        const int *p = GEOMS[i];
        dsgd_conv_geom g;
        dsgd_conv_geom_init(&g, p[0], p[1], p[2], p[3], p[4], p[5]);
        check_im2col(&k, &g, 3);
        check_conv(&k, &g, i == 1 ? 64 : 6, DSGD_CONV_AUTO);
        check_conv(&k, &g, 6, DSGD_CONV_IM2COL);
    }
    check_pool(&k);
    check_elementwise(&k);
    check_softmax(&k);
    check_vector_ops(&k);
    if (k.gpu->error()) {
        fprintf(stderr, "device error: %s\n", k.gpu->error());
        k.failures++;
    }
    dsgd_cuda_device_close();
    printf("%d failures\n", k.failures);
    return k.failures != 0;
}

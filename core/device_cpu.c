/* device_cpu.c — the host device: OpenBLAS sgemm for the heavy lifting,
 * plain loops (that the compiler vectorises) for the rest. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/conv_fft.h"
#include "core/device.h"
#include "core/optim.h"
#include "core/vec.h"

int dsgd_conv_geom_init(dsgd_conv_geom *g, int in_channels, int height, int width, int kernel,
                        int pad, int stride)
{
    g->in_channels = in_channels;
    g->height = height;
    g->width = width;
    g->kernel = kernel;
    g->pad = pad;
    g->stride = stride;
    g->out_height = (height + 2 * pad - kernel) / stride + 1;
    g->out_width = (width + 2 * pad - kernel) / stride + 1;
    return in_channels > 0 && kernel > 0 && stride > 0 && height + 2 * pad >= kernel &&
                   width + 2 * pad >= kernel
               ? 0
               : -1;
}

static void *cpu_alloc(size_t bytes) { return calloc(1, bytes ? bytes : 1); }
static void cpu_release(void *p) { free(p); }

static int cpu_copy(void *dst, const void *src, size_t bytes)
{
    if (dst != src)
        memcpy(dst, src, bytes);
    return 0;
}

static const char *cpu_error(void) { return NULL; }
static int cpu_synchronize(void) { return 0; }

/* The vector ops are vec.c's, on views of the arrays (one copy of each). */
static void cpu_axpy(float *y, float alpha, const float *x, size_t n)
{
    dsgd_vec vy = {y, n}, vx = {(float *)x, n};
    dsgd_vec_axpy(&vy, alpha, &vx);
}

static void cpu_scale(float *x, float alpha, size_t n)
{
    dsgd_vec v = {x, n};
    dsgd_vec_scale(&v, alpha);
}

static void cpu_gemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a,
                     int lda, const float *b, int ldb, float beta, float *c, int ldc)
{
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

/* The output columns [lo, hi) whose input column ow*S-P+j is inside. */
static void valid_columns(const dsgd_conv_geom *g, int j, int *lo, int *hi)
{
    int off = j - g->pad, s = g->stride;
    *lo = off >= 0 ? 0 : (-off + s - 1) / s;
    int last = g->width - 1 - off; /* ow*s <= last */
    *hi = last < 0 ? 0 : last / s + 1;
    if (*hi > g->out_width)
        *hi = g->out_width;
    if (*lo > *hi)
        *lo = *hi;
}

static void cpu_im2col(const dsgd_conv_geom *g, int batch, const float *x, float *cols)
{
    const int K = g->kernel, OH = g->out_height, OW = g->out_width, S = g->stride;
    const size_t plane = (size_t)g->height * g->width, out_plane = (size_t)OH * OW;
    for (int c = 0; c < g->in_channels; c++)
        for (int i = 0; i < K; i++)
            for (int j = 0; j < K; j++) {
                float *row = cols + ((size_t)(c * K + i) * K + j) * batch * out_plane;
                int lo, hi;
                valid_columns(g, j, &lo, &hi);
                for (int b = 0; b < batch; b++) {
                    const float *src = x + ((size_t)c * batch + b) * plane;
                    for (int oh = 0; oh < OH; oh++) {
                        float *dst = row + ((size_t)b * OH + oh) * OW;
                        int ih = oh * S - g->pad + i;
                        if (ih < 0 || ih >= g->height) {
                            memset(dst, 0, sizeof(float) * OW);
                            continue;
                        }
                        const float *in = src + (size_t)ih * g->width + j - g->pad;
                        for (int ow = 0; ow < lo; ow++)
                            dst[ow] = 0.0f;
                        if (S == 1)
                            memcpy(dst + lo, in + lo, sizeof(float) * (size_t)(hi - lo));
                        else
                            for (int ow = lo; ow < hi; ow++)
                                dst[ow] = in[ow * S];
                        for (int ow = hi; ow < OW; ow++)
                            dst[ow] = 0.0f;
                    }
                }
            }
}

static void cpu_col2im(const dsgd_conv_geom *g, int batch, const float *cols, float *dx)
{
    const int K = g->kernel, OH = g->out_height, OW = g->out_width, S = g->stride;
    const size_t plane = (size_t)g->height * g->width, out_plane = (size_t)OH * OW;
    memset(dx, 0, sizeof(float) * plane * batch * g->in_channels);
    for (int c = 0; c < g->in_channels; c++)
        for (int i = 0; i < K; i++)
            for (int j = 0; j < K; j++) {
                const float *row = cols + ((size_t)(c * K + i) * K + j) * batch * out_plane;
                int lo, hi;
                valid_columns(g, j, &lo, &hi);
                for (int b = 0; b < batch; b++) {
                    float *dst = dx + ((size_t)c * batch + b) * plane;
                    for (int oh = 0; oh < OH; oh++) {
                        int ih = oh * S - g->pad + i;
                        if (ih < 0 || ih >= g->height)
                            continue;
                        const float *src = row + ((size_t)b * OH + oh) * OW;
                        float *out = dst + (size_t)ih * g->width + j - g->pad;
                        for (int ow = lo; ow < hi; ow++)
                            out[ow * S] += src[ow];
                    }
                }
            }
}

static void cpu_maxpool_forward(int planes, int height, int width, const float *x, float *y,
                                int *argmax)
{
    int oh_n = height / 2, ow_n = width / 2;
    for (int p = 0; p < planes; p++) {
        const float *in = x + (size_t)p * height * width;
        float *out = y + (size_t)p * oh_n * ow_n;
        int *arg = argmax + (size_t)p * oh_n * ow_n;
        for (int oh = 0; oh < oh_n; oh++)
            for (int ow = 0; ow < ow_n; ow++) {
                int best = 2 * oh * width + 2 * ow;
                int cand[3] = {best + 1, best + width, best + width + 1};
                for (int k = 0; k < 3; k++)
                    if (in[cand[k]] > in[best])
                        best = cand[k];
                out[oh * ow_n + ow] = in[best];
                arg[oh * ow_n + ow] = best;
            }
    }
}

static void cpu_maxpool_backward(int planes, int height, int width, const float *dy,
                                 const int *argmax, float *dx)
{
    size_t out_plane = (size_t)(height / 2) * (width / 2);
    memset(dx, 0, sizeof(float) * (size_t)planes * height * width);
    for (int p = 0; p < planes; p++) {
        float *d = dx + (size_t)p * height * width;
        for (size_t i = 0; i < out_plane; i++)
            d[argmax[p * out_plane + i]] += dy[p * out_plane + i];
    }
}

static void cpu_relu_forward(float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

static void cpu_relu_backward(const float *y, float *dy, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dy[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}

static void cpu_bias_rows_forward(float *y, const float *bias, int rows, int cols)
{
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++)
            y[(size_t)r * cols + c] += bias[c];
}

static void cpu_bias_rows_backward(const float *dy, float *db, int rows, int cols)
{
    memset(db, 0, sizeof(float) * cols);
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++)
            db[c] += dy[(size_t)r * cols + c];
}

static void cpu_bias_planes_forward(float *y, const float *bias, int channels, size_t plane)
{
    for (int ch = 0; ch < channels; ch++) {
        float *p = y + (size_t)ch * plane, b = bias[ch];
        for (size_t i = 0; i < plane; i++)
            p[i] += b;
    }
}

static void cpu_bias_planes_backward(const float *dy, float *db, int channels, size_t plane)
{
    for (int ch = 0; ch < channels; ch++) {
        const float *p = dy + (size_t)ch * plane;
        float sum = 0.0f;
        for (size_t i = 0; i < plane; i++)
            sum += p[i];
        db[ch] = sum;
    }
}

static void cpu_to_channel_major(const float *x, float *y, int batch, int channels, int inner)
{
    for (int b = 0; b < batch; b++)
        for (int c = 0; c < channels; c++)
            memcpy(y + ((size_t)c * batch + b) * inner, x + ((size_t)b * channels + c) * inner,
                   sizeof(float) * inner);
}

static void cpu_to_batch_major(const float *x, float *y, int batch, int channels, int inner)
{
    for (int c = 0; c < channels; c++)
        for (int b = 0; b < batch; b++)
            memcpy(y + ((size_t)b * channels + c) * inner, x + ((size_t)c * batch + b) * inner,
                   sizeof(float) * inner);
}

static float cpu_softmax_xent(const float *logits, const int *y, int batch, int classes,
                              float *delta, int *correct)
{
    double total = 0.0;
    int right = 0;
    for (int b = 0; b < batch; b++) {
        const float *z = logits + (size_t)b * classes;
        int arg = 0;
        for (int k = 1; k < classes; k++)
            arg = z[k] > z[arg] ? k : arg;
        right += arg == y[b];
        float zmax = z[arg];
        double sum = 0.0;
        for (int k = 0; k < classes; k++)
            sum += exp((double)(z[k] - zmax));
        double log_sum = log(sum);
        total += log_sum - (z[y[b]] - zmax);
        if (!delta)
            continue;
        float *d = delta + (size_t)b * classes;
        for (int k = 0; k < classes; k++)
            d[k] = (float)(exp((double)(z[k] - zmax) - log_sum) / batch);
        d[y[b]] -= 1.0f / (float)batch;
    }
    if (correct)
        *correct = right;
    return (float)(total / batch);
}

/* ---- convolution layers: im2col + sgemm, or FFT (conv_fft.c) ---------- */

struct dsgd_conv {
    dsgd_conv_geom g;
    int out_channels;
    conv_fft *fft; /* NULL: im2col */
    float *cols;   /* im2col of the last forward's input, for the backward */
    float *dcols;
};

static void cpu_conv_destroy(dsgd_conv *cv)
{
    if (!cv)
        return;
    dsgd_conv_fft_destroy(cv->fft);
    free(cv->cols);
    free(cv->dcols);
    free(cv);
}

/* FFT where it pays: stride 1 and enough input channels that the per-
 * frequency products dominate the transforms (measured: 8x faster than
 * im2col for the CNN's 32->64 layer; slower for its 1->32 layer). */
dsgd_conv_algo dsgd_cpu_conv_choice(const dsgd_conv_geom *g, dsgd_conv_algo algo)
{
    /* the FFT cannot take a padded input smaller than the kernel (a 4x4
     * image's second block); cpu_conv_create falls back there too */
    int fits = g->height + 2 * g->pad >= g->kernel && g->width + 2 * g->pad >= g->kernel;
    if (algo == DSGD_CONV_AUTO)
        return g->stride == 1 && g->in_channels >= 8 && fits ? DSGD_CONV_FFT : DSGD_CONV_IM2COL;
    return algo;
}

static dsgd_conv *cpu_conv_create(const dsgd_conv_geom *g, int out_channels, int max_batch,
                                  dsgd_conv_algo algo)
{
    dsgd_conv *cv = calloc(1, sizeof *cv);
    if (!cv)
        return NULL;
    cv->g = *g;
    cv->out_channels = out_channels;
    int chosen = algo == DSGD_CONV_AUTO;
    algo = dsgd_cpu_conv_choice(g, algo);
    if (algo == DSGD_CONV_FFT) {
        if ((cv->fft = dsgd_conv_fft_create(g, out_channels, max_batch)) != NULL)
            return cv;
        /* The FFT cannot take inputs smaller than the kernel (a 4x4 image's
         * second block: 2x2 padded to 4x4 under a 5x5 kernel); where it was
         * only chosen, im2col takes them. */
        if (!chosen) {
            free(cv);
            return NULL;
        }
    }
    size_t cols =
        (size_t)g->in_channels * g->kernel * g->kernel * max_batch * g->out_height * g->out_width;
    cv->cols = malloc(sizeof(float) * cols);
    cv->dcols = malloc(sizeof(float) * cols);
    if (!cv->cols || !cv->dcols) {
        cpu_conv_destroy(cv);
        return NULL;
    }
    return cv;
}

static void cpu_conv_forward(dsgd_conv *cv, int batch, const float *x, const float *w,
                             const float *bias, float *y)
{
    if (cv->fft) {
        dsgd_conv_fft_forward(cv->fft, batch, x, w, bias, y);
        return;
    }
    const dsgd_conv_geom *g = &cv->g;
    int rows = g->in_channels * g->kernel * g->kernel;
    int columns = batch * g->out_height * g->out_width;
    cpu_im2col(g, batch, x, cv->cols);
    cpu_gemm(0, 0, cv->out_channels, columns, rows, 1.0f, w, rows, cv->cols, columns, 0.0f, y,
             columns);
    cpu_bias_planes_forward(y, bias, cv->out_channels, (size_t)columns);
}

static void cpu_conv_backward(dsgd_conv *cv, int batch, const float *x, const float *w,
                              const float *dy, float *dw, float *db, float *dx)
{
    (void)x; /* both algorithms kept what they need of it from the forward */
    const dsgd_conv_geom *g = &cv->g;
    int columns = batch * g->out_height * g->out_width;
    cpu_bias_planes_backward(dy, db, cv->out_channels, (size_t)columns);
    if (cv->fft) {
        dsgd_conv_fft_backward(cv->fft, batch, dy, dw, dx);
        return;
    }
    int rows = g->in_channels * g->kernel * g->kernel;
    cpu_gemm(0, 1, cv->out_channels, rows, columns, 1.0f, dy, columns, cv->cols, columns, 0.0f, dw,
             rows);
    if (!dx)
        return;
    cpu_gemm(1, 0, rows, columns, cv->out_channels, 1.0f, w, rows, dy, columns, 0.0f, cv->dcols,
             columns);
    cpu_col2im(g, batch, cv->dcols, dx);
}

static const dsgd_device cpu_device = {
    .name = "cpu",
    .host_memory = 1,
    .alloc = cpu_alloc,
    .release = cpu_release,
    .upload = cpu_copy,
    .download = cpu_copy,
    .error = cpu_error,
    .synchronize = cpu_synchronize,
    .conv_create = cpu_conv_create,
    .conv_destroy = cpu_conv_destroy,
    .conv_forward = cpu_conv_forward,
    .conv_backward = cpu_conv_backward,
    .gemm = cpu_gemm,
    .im2col = cpu_im2col,
    .col2im = cpu_col2im,
    .maxpool_forward = cpu_maxpool_forward,
    .maxpool_backward = cpu_maxpool_backward,
    .relu_forward = cpu_relu_forward,
    .relu_backward = cpu_relu_backward,
    .bias_rows_forward = cpu_bias_rows_forward,
    .bias_rows_backward = cpu_bias_rows_backward,
    .bias_planes_forward = cpu_bias_planes_forward,
    .bias_planes_backward = cpu_bias_planes_backward,
    .to_channel_major = cpu_to_channel_major,
    .to_batch_major = cpu_to_batch_major,
    .softmax_xent = cpu_softmax_xent,
    .axpy = cpu_axpy,
    .scale = cpu_scale,
    .sgd_step = dsgd_sgd_update,
};

const dsgd_device *dsgd_device_cpu(void) { return &cpu_device; }

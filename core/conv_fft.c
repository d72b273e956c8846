/* conv_fft.c — FFT convolution: forward, input gradient, weight gradient.
 *
 * With xp the input placed at offset (P, P) of an N x N zero plane and
 * capital letters for 2-D real-to-complex transforms, per frequency f:
 *     forward       Y[f]  = conj(W[f]) X[f]          (Cout x Cin)(Cin x B)
 *     input grad    DX[f] = W[f]^T DY[f]  = conj(W)^H DY     (Cin x B)
 *     weight grad   DW[f] = conj(DY[f] X[f]^H)                (Cout x Cin)
 * (correlation is conj(W) X; its adjoints follow).  Spectra are stored
 * frequency-major ([f][row][col]) straight from FFTW's strided output, so
 * each product is one cgemm on contiguous matrices. */
#include "core/conv_fft.h"

#include <cblas.h>
#include <complex.h>
#include <fftw3.h>
#include <stdlib.h>
#include <string.h>

typedef struct batch_plans {
    int batch; /* 0: none */
    fftwf_plan x_fwd, y_inv, dy_fwd, dx_inv;
} batch_plans;

struct conv_fft {
    dsgd_conv_geom g;
    int cin, cout, max_batch;
    int nh, nw, bins; /* transform size and its complex bins */
    float *xpad, *wpad, *ypad;
    fftwf_complex *xf, *wf, *yf, *dxf;
    fftwf_plan w_fwd, dw_inv;
    /* The activations' transforms take only the batch's planes (a call's
     * cost follows its batch, not the size the layer was made for):
     * planned for max_batch at creation, and for the last other batch. */
    batch_plans full, last;
};

/* r2c (inverse = 0) or c2r of `used` planes in each of `groups` rows of
 * `stride` planes, spectra frequency-major (plane index g * stride + b,
 * frequencies groups * stride apart). */
static fftwf_plan plan(const conv_fft *cv, int groups, int stride, int used, float *real,
                       fftwf_complex *spec, int inverse)
{
    int plane = cv->nh * cv->nw, planes = groups * stride, cols = cv->nw / 2 + 1;
    fftwf_iodim dims[2] = {{cv->nh, cv->nw, cols * planes}, {cv->nw, 1, planes}};
    fftwf_iodim rows[2] = {{groups, stride * plane, stride}, {used, plane, 1}};
    if (inverse) {
        for (int i = 0; i < 2; i++) { /* complex in, real out */
            int t = dims[i].is;
            dims[i].is = dims[i].os, dims[i].os = t;
            t = rows[i].is;
            rows[i].is = rows[i].os, rows[i].os = t;
        }
        return fftwf_plan_guru_dft_c2r(2, dims, 2, rows, spec, real, FFTW_ESTIMATE);
    }
    return fftwf_plan_guru_dft_r2c(2, dims, 2, rows, real, spec, FFTW_ESTIMATE);
}

static void plans_destroy(batch_plans *p)
{
    fftwf_plan all[] = {p->x_fwd, p->y_inv, p->dy_fwd, p->dx_inv};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (all[i])
            fftwf_destroy_plan(all[i]);
    memset(p, 0, sizeof *p);
}

static int plans_make(const conv_fft *cv, int batch, batch_plans *p)
{
    int B = cv->max_batch;
    p->batch = batch;
    p->x_fwd = plan(cv, cv->cin, B, batch, cv->xpad, cv->xf, 0);
    p->dx_inv = plan(cv, cv->cin, B, batch, cv->xpad, cv->dxf, 1);
    p->y_inv = plan(cv, cv->cout, B, batch, cv->ypad, cv->yf, 1);
    p->dy_fwd = plan(cv, cv->cout, B, batch, cv->ypad, cv->yf, 0);
    if (p->x_fwd && p->dx_inv && p->y_inv && p->dy_fwd)
        return 0;
    plans_destroy(p);
    return -1;
}

/* The plans for batch: the last ones if they fit, else new ones; the
 * max_batch plans (right for any batch, every plane transformed) if
 * planning fails. */
static const batch_plans *plans_for(conv_fft *cv, int batch)
{
    if (batch == cv->max_batch)
        return &cv->full;
    if (cv->last.batch == batch)
        return &cv->last;
    plans_destroy(&cv->last);
    return plans_make(cv, batch, &cv->last) == 0 ? &cv->last : &cv->full;
}

conv_fft *dsgd_conv_fft_create(const dsgd_conv_geom *g, int out_channels, int max_batch)
{
    if (g->stride != 1)
        return NULL;
    conv_fft *cv = calloc(1, sizeof *cv);
    if (!cv)
        return NULL;
    cv->g = *g;
    cv->cin = g->in_channels;
    cv->cout = out_channels;
    cv->max_batch = max_batch;
    /* Wrap-around of indices >= N lands in [0, P): padding, never read. */
    cv->nh = g->height + g->pad;
    cv->nw = g->width + g->pad;
    if (cv->nh < g->kernel || cv->nw < g->kernel || cv->nh < g->out_height ||
        cv->nw < g->out_width) {
        free(cv);
        return NULL;
    }
    cv->bins = cv->nh * (cv->nw / 2 + 1);
    size_t plane = (size_t)cv->nh * cv->nw;
    size_t xin = (size_t)cv->cin * max_batch, yout = (size_t)cv->cout * max_batch;
    size_t wk = (size_t)cv->cout * cv->cin;
    cv->xpad = fftwf_alloc_real(xin * plane);
    cv->wpad = fftwf_alloc_real(wk * plane);
    cv->ypad = fftwf_alloc_real(yout * plane);
    cv->xf = fftwf_alloc_complex(xin * cv->bins);
    cv->dxf = fftwf_alloc_complex(xin * cv->bins);
    cv->wf = fftwf_alloc_complex(wk * cv->bins);
    cv->yf = fftwf_alloc_complex(yout * cv->bins);
    if (!cv->xpad || !cv->wpad || !cv->ypad || !cv->xf || !cv->dxf || !cv->wf || !cv->yf) {
        dsgd_conv_fft_destroy(cv);
        return NULL;
    }
    /* planes beyond a call's batch are transformed only by the max_batch
     * plans' fallback (plans_for): zeros there, never uninitialised memory */
    memset(cv->xpad, 0, sizeof(float) * xin * plane);
    memset(cv->ypad, 0, sizeof(float) * yout * plane);
    cv->w_fwd = plan(cv, 1, (int)wk, (int)wk, cv->wpad, cv->wf, 0);
    cv->dw_inv = plan(cv, 1, (int)wk, (int)wk, cv->wpad, cv->wf, 1);
    if (!cv->w_fwd || !cv->dw_inv || plans_make(cv, max_batch, &cv->full) != 0) {
        dsgd_conv_fft_destroy(cv);
        return NULL;
    }
    return cv;
}

void dsgd_conv_fft_destroy(conv_fft *cv)
{
    if (!cv)
        return;
    if (cv->w_fwd)
        fftwf_destroy_plan(cv->w_fwd);
    if (cv->dw_inv)
        fftwf_destroy_plan(cv->dw_inv);
    plans_destroy(&cv->full);
    plans_destroy(&cv->last);
    fftwf_free(cv->xpad), fftwf_free(cv->wpad), fftwf_free(cv->ypad);
    fftwf_free(cv->xf), fftwf_free(cv->dxf), fftwf_free(cv->wf), fftwf_free(cv->yf);
    free(cv);
}

/* Copies `groups` x `batch` planes of h x w into the first `batch` N x N
 * planes at (off, off) of each group of max_batch (the others are left
 * alone: the batch's plans do not read them). */
static void pad_planes(const conv_fft *cv, const float *src, float *dst, int groups, int batch,
                       int h, int w, int off)
{
    size_t plane = (size_t)cv->nh * cv->nw;
    for (int gi = 0; gi < groups; gi++)
        for (int b = 0; b < batch; b++) {
            const float *s = src + ((size_t)gi * batch + b) * h * w;
            float *d = dst + ((size_t)gi * cv->max_batch + b) * plane;
            memset(d, 0, sizeof(float) * plane);
            for (int i = 0; i < h; i++)
                memcpy(d + (size_t)(i + off) * cv->nw + off, s + (size_t)i * w, sizeof(float) * w);
        }
}

static void transform_weights(conv_fft *cv, const float *w)
{
    int K = cv->g.kernel;
    size_t plane = (size_t)cv->nh * cv->nw, wk = (size_t)cv->cout * cv->cin;
    memset(cv->wpad, 0, sizeof(float) * plane * wk);
    for (size_t p = 0; p < wk; p++)
        for (int i = 0; i < K; i++)
            memcpy(cv->wpad + p * plane + (size_t)i * cv->nw, w + (p * K + i) * K,
                   sizeof(float) * K);
    fftwf_execute(cv->w_fwd);
    /* Keep conj(W): the forward product needs it, the input gradient its
     * conjugate transpose. */
    float *wf = (float *)cv->wf;
    for (size_t i = 1; i < 2 * wk * cv->bins; i += 2)
        wf[i] = -wf[i];
}

void dsgd_conv_fft_forward(conv_fft *cv, int batch, const float *x, const float *w,
                           const float *bias, float *y)
{
    const dsgd_conv_geom *g = &cv->g;
    const float complex one = 1.0f, zero = 0.0f;
    const batch_plans *bp = plans_for(cv, batch);
    pad_planes(cv, x, cv->xpad, cv->cin, batch, g->height, g->width, g->pad);
    fftwf_execute(bp->x_fwd);
    transform_weights(cv, w);
    int B = cv->max_batch;
    for (int f = 0; f < cv->bins; f++)
        cblas_cgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, cv->cout, batch, cv->cin, &one,
                    cv->wf + (size_t)f * cv->cout * cv->cin, cv->cin,
                    cv->xf + (size_t)f * cv->cin * B, B, &zero, cv->yf + (size_t)f * cv->cout * B,
                    B);
    fftwf_execute(bp->y_inv);
    float scale = 1.0f / (float)(cv->nh * cv->nw);
    size_t plane = (size_t)cv->nh * cv->nw, out = (size_t)g->out_height * g->out_width;
    for (int o = 0; o < cv->cout; o++)
        for (int b = 0; b < batch; b++) {
            const float *s = cv->ypad + ((size_t)o * B + b) * plane;
            float *d = y + ((size_t)o * batch + b) * out;
            for (int i = 0; i < g->out_height; i++)
                for (int j = 0; j < g->out_width; j++)
                    d[i * g->out_width + j] = s[(size_t)i * cv->nw + j] * scale + bias[o];
        }
}

void dsgd_conv_fft_backward(conv_fft *cv, int batch, const float *dy, float *dw, float *dx)
{
    const dsgd_conv_geom *g = &cv->g;
    const float complex one = 1.0f, zero = 0.0f;
    int B = cv->max_batch, K = g->kernel;
    size_t plane = (size_t)cv->nh * cv->nw;
    float scale = 1.0f / (float)(cv->nh * cv->nw);
    const batch_plans *bp = plans_for(cv, batch);
    pad_planes(cv, dy, cv->ypad, cv->cout, batch, g->out_height, g->out_width, 0);
    fftwf_execute(bp->dy_fwd);
    if (dx) {
        for (int f = 0; f < cv->bins; f++)
            cblas_cgemm(CblasRowMajor, CblasConjTrans, CblasNoTrans, cv->cin, batch, cv->cout, &one,
                        cv->wf + (size_t)f * cv->cout * cv->cin, cv->cin,
                        cv->yf + (size_t)f * cv->cout * B, B, &zero,
                        cv->dxf + (size_t)f * cv->cin * B, B);
        fftwf_execute(bp->dx_inv);
        size_t in = (size_t)g->height * g->width;
        for (int c = 0; c < cv->cin; c++)
            for (int b = 0; b < batch; b++) {
                const float *s = cv->xpad + ((size_t)c * B + b) * plane;
                float *d = dx + ((size_t)c * batch + b) * in;
                for (int i = 0; i < g->height; i++)
                    for (int j = 0; j < g->width; j++)
                        d[i * g->width + j] = s[(size_t)(i + g->pad) * cv->nw + j + g->pad] * scale;
            }
    }
    /* W's spectrum is no longer needed: the weight gradient's goes there. */
    for (int f = 0; f < cv->bins; f++)
        cblas_cgemm(CblasRowMajor, CblasNoTrans, CblasConjTrans, cv->cout, cv->cin, batch, &one,
                    cv->yf + (size_t)f * cv->cout * B, B, cv->xf + (size_t)f * cv->cin * B, B,
                    &zero, cv->wf + (size_t)f * cv->cout * cv->cin, cv->cin);
    size_t wk = (size_t)cv->cout * cv->cin;
    float *wf = (float *)cv->wf;
    for (size_t i = 1; i < 2 * wk * cv->bins; i += 2)
        wf[i] = -wf[i];
    fftwf_execute(cv->dw_inv);
    for (size_t p = 0; p < wk; p++)
        for (int i = 0; i < K; i++)
            for (int j = 0; j < K; j++)
                dw[(p * K + i) * K + j] = cv->wpad[p * plane + (size_t)i * cv->nw + j] * scale;
}

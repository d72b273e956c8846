/* device_cuda.cu — the CUDA device: device.h's table on one GPU.
 *
 * GEMMs go to cuBLAS (row-major through the usual transpose: C^T = B^T A^T
 * in cuBLAS's column-major), convolutions to cuDNN (the algorithms its
 * heuristics rank first, chosen once per layer and batch size, with one
 * workspace per layer), and the rest to the small kernels below, each the
 * CPU device's loop (core/device_cpu.c) with one thread per output.
 * Pooling and ReLU are kernels of ours rather than cuDNN's: device.h's
 * pooling remembers its argmax for the backward pass and breaks ties as the
 * CPU does, which cuDNN's pooling (it recomputes from x and y) does not.
 *
 * Everything runs on the legacy default stream, so cuBLAS, cuDNN, the
 * kernels and the copies are ordered without events; a download waits for
 * the work before it.  Kernels and library calls return nothing through
 * device.h: their first failure is kept (error()) and fails the next copy.
 *
 * Numerics: fp32 throughout; cuDNN is asked for FMA math (no TF32 tensor
 * cores), so that results agree with the CPU device to ~1e-6 relative; the
 * reductions (bias gradients, the loss) accumulate in double, as the CPU's
 * loss does.  Compiled here with -Werror; run only where a GPU is. */
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <new>

extern "C" {
#include "core/device.h"
#include "exec/cuda/device_cuda.h"
}

namespace
{

/* ---- the process's GPU: handles and the first error ------------------ */

struct context {
    int open;
    int ordinal;
    cublasHandle_t blas;
    cudnnHandle_t dnn;
    char name[300];
    char error[256];
    /* softmax_xent's per-row losses and its reduced [loss, correct] */
    double *row_loss;
    int *row_right;
    int rows_capacity;
    double *result;
};

context ctx;

void fail(const char *what, const char *why)
{
    if (!ctx.error[0])
        snprintf(ctx.error, sizeof ctx.error, "%s: %s", what, why);
}

bool cuda_ok(cudaError_t rc, const char *what)
{
    if (rc == cudaSuccess)
        return true;
    fail(what, cudaGetErrorString(rc));
    return false;
}

bool blas_ok(cublasStatus_t rc, const char *what)
{
    if (rc == CUBLAS_STATUS_SUCCESS)
        return true;
    fail(what, cublasGetStatusString(rc));
    return false;
}

bool dnn_ok(cudnnStatus_t rc, const char *what)
{
    if (rc == CUDNN_STATUS_SUCCESS)
        return true;
    fail(what, cudnnGetErrorString(rc));
    return false;
}

/* After a kernel launch: a bad configuration shows here, a fault later. */
void launched(const char *what) { cuda_ok(cudaGetLastError(), what); }

constexpr int THREADS = 256;

/* Blocks for n items, one per thread; the kernels stride over the grid, so
 * capping the count only lengthens each thread's loop. */
unsigned blocks(size_t n)
{
    size_t b = (n + THREADS - 1) / THREADS;
    return (unsigned)(b == 0 ? 1 : b > (1u << 20) ? (1u << 20) : b);
}

#define GRID_STRIDE(i, n)                                                                          \
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < (n);                        \
         i += (size_t)gridDim.x * blockDim.x)

/* ---- memory ------------------------------------------------------------ */

void *cuda_alloc(size_t bytes)
{
    void *p = nullptr;
    if (!cuda_ok(cudaMalloc(&p, bytes ? bytes : 1), "cudaMalloc"))
        return nullptr;
    if (!cuda_ok(cudaMemset(p, 0, bytes ? bytes : 1), "cudaMemset")) {
        cudaFree(p);
        return nullptr;
    }
    return p;
}

void cuda_release(void *p)
{
    if (p)
        cuda_ok(cudaFree(p), "cudaFree");
}

int cuda_upload(void *dst, const void *src, size_t bytes)
{
    return cuda_ok(cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice), "upload") && !ctx.error[0]
               ? 0
               : -1;
}

int cuda_download(void *dst, const void *src, size_t bytes)
{
    return cuda_ok(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost), "download") && !ctx.error[0]
               ? 0
               : -1;
}

const char *cuda_error(void) { return ctx.error[0] ? ctx.error : nullptr; }

int cuda_synchronize(void)
{
    return cuda_ok(cudaDeviceSynchronize(), "synchronize") && !ctx.error[0] ? 0 : -1;
}

/* ---- GEMM ---------------------------------------------------------------- */

void cuda_gemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
               const float *b, int ldb, float beta, float *c, int ldc)
{
    /* Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T. */
    blas_ok(cublasSgemm(ctx.blas, trans_b ? CUBLAS_OP_T : CUBLAS_OP_N,
                        trans_a ? CUBLAS_OP_T : CUBLAS_OP_N, n, m, k, &alpha, b, ldb, a, lda, &beta,
                        c, ldc),
            "cublasSgemm");
}

/* ---- im2col / col2im --------------------------------------------------- */

__global__ void im2col_kernel(dsgd_conv_geom g, int batch, const float *x, float *cols)
{
    const int K = g.kernel, OH = g.out_height, OW = g.out_width;
    const size_t columns = (size_t)batch * OH * OW;
    const size_t n = (size_t)g.in_channels * K * K * columns;
    GRID_STRIDE(idx, n)
    {
        size_t row = idx / columns, col = idx % columns;
        int j = (int)(row % K), i = (int)(row / K % K), c = (int)(row / K / K);
        int ow = (int)(col % OW), oh = (int)(col / OW % OH), b = (int)(col / OW / OH);
        int ih = oh * g.stride - g.pad + i, iw = ow * g.stride - g.pad + j;
        bool inside = ih >= 0 && ih < g.height && iw >= 0 && iw < g.width;
        cols[idx] = inside ? x[(((size_t)c * batch + b) * g.height + ih) * g.width + iw] : 0.0f;
    }
}

/* One thread per input pixel gathers the columns that read it: no atomics,
 * and the sum in the CPU's order (i, then j). */
__global__ void col2im_kernel(dsgd_conv_geom g, int batch, const float *cols, float *dx)
{
    const int K = g.kernel, OH = g.out_height, OW = g.out_width, S = g.stride;
    const size_t columns = (size_t)batch * OH * OW;
    const size_t n = (size_t)g.in_channels * batch * g.height * g.width;
    GRID_STRIDE(idx, n)
    {
        int iw = (int)(idx % g.width), ih = (int)(idx / g.width % g.height);
        int b = (int)(idx / g.width / g.height % batch);
        int c = (int)(idx / g.width / g.height / batch);
        float sum = 0.0f;
        for (int i = 0; i < K; i++) {
            int oh_s = ih + g.pad - i;
            if (oh_s < 0 || oh_s % S || oh_s / S >= OH)
                continue;
            for (int j = 0; j < K; j++) {
                int ow_s = iw + g.pad - j;
                if (ow_s < 0 || ow_s % S || ow_s / S >= OW)
                    continue;
                size_t row = ((size_t)c * K + i) * K + j;
                sum += cols[row * columns + ((size_t)b * OH + oh_s / S) * OW + ow_s / S];
            }
        }
        dx[idx] = sum;
    }
}

void cuda_im2col(const dsgd_conv_geom *g, int batch, const float *x, float *cols)
{
    size_t n =
        (size_t)g->in_channels * g->kernel * g->kernel * batch * g->out_height * g->out_width;
    im2col_kernel<<<blocks(n), THREADS>>>(*g, batch, x, cols);
    launched("im2col");
}

void cuda_col2im(const dsgd_conv_geom *g, int batch, const float *cols, float *dx)
{
    size_t n = (size_t)g->in_channels * batch * g->height * g->width;
    col2im_kernel<<<blocks(n), THREADS>>>(*g, batch, cols, dx);
    launched("col2im");
}

/* ---- pooling, ReLU ----------------------------------------------------- */

__global__ void maxpool_forward_kernel(int planes, int height, int width, const float *x, float *y,
                                       int *argmax)
{
    const int ohn = height / 2, own = width / 2;
    const size_t n = (size_t)planes * ohn * own;
    GRID_STRIDE(idx, n)
    {
        int ow = (int)(idx % own), oh = (int)(idx / own % ohn);
        size_t p = idx / own / ohn;
        const float *in = x + p * height * width;
        int best = 2 * oh * width + 2 * ow;
        int cand[3] = {best + 1, best + width, best + width + 1};
        for (int k = 0; k < 3; k++)
            if (in[cand[k]] > in[best])
                best = cand[k];
        y[idx] = in[best];
        argmax[idx] = best;
    }
}

/* 2x2 windows of stride 2 do not overlap: each input gets at most one
 * output's gradient, so a store into the zeroed dx is the CPU's add. */
__global__ void maxpool_backward_kernel(int planes, int height, int width, const float *dy,
                                        const int *argmax, float *dx)
{
    const size_t out_plane = (size_t)(height / 2) * (width / 2);
    const size_t n = (size_t)planes * out_plane;
    GRID_STRIDE(idx, n)
    dx[idx / out_plane * height * width + argmax[idx]] = dy[idx];
}

void cuda_maxpool_forward(int planes, int height, int width, const float *x, float *y, int *argmax)
{
    size_t n = (size_t)planes * (height / 2) * (width / 2);
    maxpool_forward_kernel<<<blocks(n), THREADS>>>(planes, height, width, x, y, argmax);
    launched("maxpool_forward");
}

void cuda_maxpool_backward(int planes, int height, int width, const float *dy, const int *argmax,
                           float *dx)
{
    size_t n = (size_t)planes * (height / 2) * (width / 2);
    if (!cuda_ok(cudaMemsetAsync(dx, 0, sizeof(float) * (size_t)planes * height * width, 0),
                 "maxpool_backward"))
        return;
    maxpool_backward_kernel<<<blocks(n), THREADS>>>(planes, height, width, dy, argmax, dx);
    launched("maxpool_backward");
}

__global__ void relu_forward_kernel(float *x, size_t n)
{
    GRID_STRIDE(i, n)
    x[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

__global__ void relu_backward_kernel(const float *y, float *dy, size_t n)
{
    GRID_STRIDE(i, n)
    dy[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}

void cuda_relu_forward(float *x, size_t n)
{
    relu_forward_kernel<<<blocks(n), THREADS>>>(x, n);
    launched("relu_forward");
}

void cuda_relu_backward(const float *y, float *dy, size_t n)
{
    relu_backward_kernel<<<blocks(n), THREADS>>>(y, dy, n);
    launched("relu_backward");
}

/* ---- bias ---------------------------------------------------------------- */

__global__ void bias_rows_forward_kernel(float *y, const float *bias, int rows, int cols)
{
    const size_t n = (size_t)rows * cols;
    GRID_STRIDE(i, n)
    y[i] += bias[i % cols];
}

/* One thread per column walks the rows: neighbours read neighbours. */
__global__ void bias_rows_backward_kernel(const float *dy, float *db, int rows, int cols)
{
    GRID_STRIDE(c, (size_t)cols)
    {
        double sum = 0.0;
        for (int r = 0; r < rows; r++)
            sum += dy[(size_t)r * cols + c];
        db[c] = (float)sum;
    }
}

__global__ void bias_planes_forward_kernel(float *y, const float *bias, int channels, size_t plane)
{
    const size_t n = (size_t)channels * plane;
    GRID_STRIDE(i, n)
    y[i] += bias[i / plane];
}

/* One block per channel: strided partial sums, then a tree in shared
 * memory (a plane is batch x H x W, up to ~10^5 values). */
__global__ void bias_planes_backward_kernel(const float *dy, float *db, size_t plane)
{
    __shared__ double partial[THREADS];
    const float *p = dy + (size_t)blockIdx.x * plane;
    double sum = 0.0;
    for (size_t i = threadIdx.x; i < plane; i += blockDim.x)
        sum += p[i];
    partial[threadIdx.x] = sum;
    __syncthreads();
    for (int half = THREADS / 2; half > 0; half /= 2) {
        if ((int)threadIdx.x < half)
            partial[threadIdx.x] += partial[threadIdx.x + half];
        __syncthreads();
    }
    if (threadIdx.x == 0)
        db[blockIdx.x] = (float)partial[0];
}

void cuda_bias_rows_forward(float *y, const float *bias, int rows, int cols)
{
    bias_rows_forward_kernel<<<blocks((size_t)rows * cols), THREADS>>>(y, bias, rows, cols);
    launched("bias_rows_forward");
}

void cuda_bias_rows_backward(const float *dy, float *db, int rows, int cols)
{
    bias_rows_backward_kernel<<<blocks((size_t)cols), THREADS>>>(dy, db, rows, cols);
    launched("bias_rows_backward");
}

void cuda_bias_planes_forward(float *y, const float *bias, int channels, size_t plane)
{
    bias_planes_forward_kernel<<<blocks((size_t)channels * plane), THREADS>>>(y, bias, channels,
                                                                              plane);
    launched("bias_planes_forward");
}

void cuda_bias_planes_backward(const float *dy, float *db, int channels, size_t plane)
{
    if (channels <= 0)
        return;
    bias_planes_backward_kernel<<<(unsigned)channels, THREADS>>>(dy, db, plane);
    launched("bias_planes_backward");
}

/* ---- layout changes ------------------------------------------------------ */

/* y[c][b][i] = x[b][c][i] (to_channel) or y[b][c][i] = x[c][b][i]. */
__global__ void transpose_kernel(const float *x, float *y, int batch, int channels, int inner,
                                 bool to_channel)
{
    const size_t n = (size_t)batch * channels * inner;
    GRID_STRIDE(idx, n)
    {
        /* idx walks the output */
        size_t i = idx % inner, outer = idx / inner;
        size_t src;
        if (to_channel) { /* outer = c * batch + b */
            size_t b = outer % batch, c = outer / batch;
            src = (b * channels + c) * inner + i;
        } else { /* outer = b * channels + c */
            size_t c = outer % channels, b = outer / channels;
            src = (c * batch + b) * inner + i;
        }
        y[idx] = x[src];
    }
}

void cuda_to_channel_major(const float *x, float *y, int batch, int channels, int inner)
{
    size_t n = (size_t)batch * channels * inner;
    transpose_kernel<<<blocks(n), THREADS>>>(x, y, batch, channels, inner, true);
    launched("to_channel_major");
}

void cuda_to_batch_major(const float *x, float *y, int batch, int channels, int inner)
{
    size_t n = (size_t)batch * channels * inner;
    transpose_kernel<<<blocks(n), THREADS>>>(x, y, batch, channels, inner, false);
    launched("to_batch_major");
}

/* ---- softmax cross-entropy ----------------------------------------------- */

/* One thread per row (classes are few): its loss and whether it is right,
 * and its delta, computed as the CPU does (exp in double). */
__global__ void softmax_rows_kernel(const float *logits, const int *y, int batch, int classes,
                                    float *delta, double *row_loss, int *row_right)
{
    GRID_STRIDE(b, (size_t)batch)
    {
        const float *z = logits + b * classes;
        int arg = 0;
        for (int k = 1; k < classes; k++)
            arg = z[k] > z[arg] ? k : arg;
        row_right[b] = arg == y[b];
        float zmax = z[arg];
        double sum = 0.0;
        for (int k = 0; k < classes; k++)
            sum += exp((double)(z[k] - zmax));
        double log_sum = log(sum);
        row_loss[b] = log_sum - (z[y[b]] - zmax);
        if (!delta)
            continue;
        float *d = delta + b * classes;
        for (int k = 0; k < classes; k++)
            d[k] = (float)(exp((double)(z[k] - zmax) - log_sum) / batch);
        d[y[b]] -= 1.0f / (float)batch;
    }
}

/* One block sums the rows in a fixed order: result = [loss sum, right]. */
__global__ void softmax_reduce_kernel(const double *row_loss, const int *row_right, int batch,
                                      double *result)
{
    __shared__ double loss[THREADS];
    __shared__ int right[THREADS];
    double l = 0.0;
    int r = 0;
    for (int i = threadIdx.x; i < batch; i += blockDim.x) {
        l += row_loss[i];
        r += row_right[i];
    }
    loss[threadIdx.x] = l;
    right[threadIdx.x] = r;
    __syncthreads();
    for (int half = THREADS / 2; half > 0; half /= 2) {
        if ((int)threadIdx.x < half) {
            loss[threadIdx.x] += loss[threadIdx.x + half];
            right[threadIdx.x] += right[threadIdx.x + half];
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        result[0] = loss[0];
        result[1] = right[0];
    }
}

bool reserve_rows(int batch)
{
    if (batch <= ctx.rows_capacity)
        return true;
    cuda_release(ctx.row_loss);
    cuda_release(ctx.row_right);
    ctx.row_loss = nullptr;
    ctx.row_right = nullptr;
    ctx.rows_capacity = 0;
    ctx.row_loss = (double *)cuda_alloc(sizeof(double) * (size_t)batch);
    ctx.row_right = (int *)cuda_alloc(sizeof(int) * (size_t)batch);
    if (!ctx.row_loss || !ctx.row_right)
        return false;
    ctx.rows_capacity = batch;
    return true;
}

float cuda_softmax_xent(const float *logits, const int *y, int batch, int classes, float *delta,
                        int *correct)
{
    if (correct)
        *correct = 0;
    if (batch <= 0 || !reserve_rows(batch))
        return NAN;
    softmax_rows_kernel<<<blocks((size_t)batch), THREADS>>>(logits, y, batch, classes, delta,
                                                            ctx.row_loss, ctx.row_right);
    launched("softmax_xent");
    softmax_reduce_kernel<<<1, THREADS>>>(ctx.row_loss, ctx.row_right, batch, ctx.result);
    launched("softmax_xent reduce");
    double result[2];
    if (cuda_download(result, ctx.result, sizeof result) != 0)
        return NAN;
    if (correct)
        *correct = (int)result[1];
    return (float)(result[0] / batch);
}

/* ---- vector ops, SGD ------------------------------------------------------ */

__global__ void axpy_kernel(float *y, float alpha, const float *x, size_t n)
{
    GRID_STRIDE(i, n)
    y[i] += alpha * x[i];
}

__global__ void scale_kernel(float *x, float alpha, size_t n)
{
    GRID_STRIDE(i, n)
    x[i] *= alpha;
}

/* optim.h's step, as dsgd_sgd_update computes it. */
__global__ void sgd_kernel(float *x, float *v, const float *g, size_t n, float lr, float mu,
                           float wd, int nesterov)
{
    GRID_STRIDE(i, n)
    {
        float gi = g[i] + wd * x[i];
        float vi = mu * v[i] + gi;
        v[i] = vi;
        x[i] -= lr * (nesterov ? gi + mu * vi : vi);
    }
}

void cuda_axpy(float *y, float alpha, const float *x, size_t n)
{
    axpy_kernel<<<blocks(n), THREADS>>>(y, alpha, x, n);
    launched("axpy");
}

void cuda_scale(float *x, float alpha, size_t n)
{
    scale_kernel<<<blocks(n), THREADS>>>(x, alpha, n);
    launched("scale");
}

void cuda_sgd_step(float *x, float *v, const float *g, size_t n, float lr, float momentum,
                   float weight_decay, int nesterov)
{
    sgd_kernel<<<blocks(n), THREADS>>>(x, v, g, n, lr, momentum, weight_decay, nesterov);
    launched("sgd_step");
}

} /* namespace */

/* ---- convolution layers: cuDNN, or im2col + cuBLAS ------------------------ */

/* cuDNN's choice for one batch size: the algorithms and their workspace. */
struct conv_plan {
    int batch; /* 0: unused */
    cudnnConvolutionFwdAlgo_t fwd;
    cudnnConvolutionBwdDataAlgo_t bwd_data;
    cudnnConvolutionBwdFilterAlgo_t bwd_filter;
};

#define CONV_PLANS 4 /* a training batch and an evaluation's last chunk fit */

struct dsgd_conv {
    dsgd_conv_geom g;
    int out_channels;
    int im2col; /* 1: im2col + cuBLAS; 0: cuDNN */
    float *cols, *dcols;
    cudnnTensorDescriptor_t x_desc, y_desc;
    cudnnFilterDescriptor_t w_desc;
    cudnnConvolutionDescriptor_t conv_desc;
    int desc_batch; /* batch x_desc and y_desc describe */
    conv_plan plans[CONV_PLANS];
    const conv_plan *plan; /* of desc_batch */
    void *workspace;
    size_t workspace_bytes;
};

namespace
{

/* [C][B][H][W] as cuDNN's N=B, C=C with strides: planes stay packed. */
bool describe(cudnnTensorDescriptor_t d, int batch, int channels, int h, int w)
{
    return dnn_ok(cudnnSetTensor4dDescriptorEx(d, CUDNN_DATA_FLOAT, batch, channels, h, w, h * w,
                                               batch * h * w, w, 1),
                  "cudnnSetTensor4dDescriptorEx");
}

bool grow_workspace(dsgd_conv *cv, size_t bytes)
{
    if (bytes <= cv->workspace_bytes)
        return true;
    cuda_release(cv->workspace);
    cv->workspace_bytes = 0;
    if (!(cv->workspace = cuda_alloc(bytes)))
        return false;
    cv->workspace_bytes = bytes;
    return true;
}

/* The first of cuDNN's ranked algorithms that runs in fp32.  The
 * descriptor stays in CUDNN_FMA_MATH throughout: an algorithm ranked with
 * DEFAULT_MATH would be allowed TF32 tensor cores on Ampere and later (10
 * mantissa bits: 1e-3 errors), which the tests' 1e-4 would catch. */
template <typename Perf> int first_fp32(const Perf *perf, int n)
{
    for (int i = 0; i < n; i++)
        if (perf[i].status == CUDNN_STATUS_SUCCESS && perf[i].mathType != CUDNN_TENSOR_OP_MATH &&
            perf[i].mathType != CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION)
            return i;
    return -1;
}

/* Asks cuDNN's heuristics for this batch's algorithms (once per batch
 * size) and sizes the workspace for them. */
bool plan_for(dsgd_conv *cv, int batch, conv_plan *p)
{
    cudnnConvolutionFwdAlgoPerf_t fwd[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
    cudnnConvolutionBwdDataAlgoPerf_t data[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
    cudnnConvolutionBwdFilterAlgoPerf_t filter[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
    int n_fwd = 0, n_data = 0, n_filter = 0;
    if (!dnn_ok(cudnnGetConvolutionForwardAlgorithm_v7(
                    ctx.dnn, cv->x_desc, cv->w_desc, cv->conv_desc, cv->y_desc,
                    CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &n_fwd, fwd),
                "cudnnGetConvolutionForwardAlgorithm_v7") ||
        !dnn_ok(cudnnGetConvolutionBackwardDataAlgorithm_v7(
                    ctx.dnn, cv->w_desc, cv->y_desc, cv->conv_desc, cv->x_desc,
                    CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &n_data, data),
                "cudnnGetConvolutionBackwardDataAlgorithm_v7") ||
        !dnn_ok(cudnnGetConvolutionBackwardFilterAlgorithm_v7(
                    ctx.dnn, cv->x_desc, cv->y_desc, cv->conv_desc, cv->w_desc,
                    CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &n_filter, filter),
                "cudnnGetConvolutionBackwardFilterAlgorithm_v7"))
        return false;
    int f = first_fp32(fwd, n_fwd), d = first_fp32(data, n_data), w = first_fp32(filter, n_filter);
    if (f < 0 || d < 0 || w < 0) {
        fail("cuDNN heuristics", "no fp32 algorithm for this convolution");
        return false;
    }
    p->batch = batch;
    p->fwd = fwd[f].algo;
    p->bwd_data = data[d].algo;
    p->bwd_filter = filter[w].algo;
    size_t need = fwd[f].memory;
    need = data[d].memory > need ? data[d].memory : need;
    need = filter[w].memory > need ? filter[w].memory : need;
    return grow_workspace(cv, need);
}

/* Points the descriptors and the plan at `batch`. */
bool use_batch(dsgd_conv *cv, int batch)
{
    if (batch == cv->desc_batch)
        return true;
    const dsgd_conv_geom *g = &cv->g;
    if (!describe(cv->x_desc, batch, g->in_channels, g->height, g->width) ||
        !describe(cv->y_desc, batch, cv->out_channels, g->out_height, g->out_width))
        return false;
    cv->desc_batch = batch;
    for (int i = 0; i < CONV_PLANS; i++)
        if (cv->plans[i].batch == batch) {
            cv->plan = &cv->plans[i];
            return true;
        }
    int slot = 0; /* a free one, else the first (the training batch's stays) */
    for (int i = CONV_PLANS - 1; i >= 1; i--)
        if (!cv->plans[i].batch)
            slot = i;
    if (slot == 0 && cv->plans[0].batch)
        slot = CONV_PLANS - 1;
    cv->plan = &cv->plans[slot];
    if (!plan_for(cv, batch, &cv->plans[slot])) {
        cv->plans[slot].batch = 0;
        cv->desc_batch = 0;
        return false;
    }
    return true;
}

void cuda_conv_destroy(dsgd_conv *cv)
{
    if (!cv)
        return;
    cuda_release(cv->cols);
    cuda_release(cv->dcols);
    cuda_release(cv->workspace);
    if (cv->x_desc)
        cudnnDestroyTensorDescriptor(cv->x_desc);
    if (cv->y_desc)
        cudnnDestroyTensorDescriptor(cv->y_desc);
    if (cv->w_desc)
        cudnnDestroyFilterDescriptor(cv->w_desc);
    if (cv->conv_desc)
        cudnnDestroyConvolutionDescriptor(cv->conv_desc);
    delete cv;
}

/* IM2COL asks for the GEMM path (a reference that does not go through
 * cuDNN); AUTO and FFT let cuDNN's heuristics choose (which may pick its
 * own FFT algorithms). */
dsgd_conv *cuda_conv_create(const dsgd_conv_geom *g, int out_channels, int max_batch,
                            dsgd_conv_algo algo)
{
    dsgd_conv *cv = new (std::nothrow) dsgd_conv();
    if (!cv)
        return nullptr;
    cv->g = *g;
    cv->out_channels = out_channels;
    if (algo == DSGD_CONV_IM2COL) {
        cv->im2col = 1;
        size_t cols = (size_t)g->in_channels * g->kernel * g->kernel * max_batch * g->out_height *
                      g->out_width;
        cv->cols = (float *)cuda_alloc(sizeof(float) * cols);
        cv->dcols = (float *)cuda_alloc(sizeof(float) * cols);
        if (!cv->cols || !cv->dcols) {
            cuda_conv_destroy(cv);
            return nullptr;
        }
        return cv;
    }
    if (!dnn_ok(cudnnCreateTensorDescriptor(&cv->x_desc), "cudnnCreateTensorDescriptor") ||
        !dnn_ok(cudnnCreateTensorDescriptor(&cv->y_desc), "cudnnCreateTensorDescriptor") ||
        !dnn_ok(cudnnCreateFilterDescriptor(&cv->w_desc), "cudnnCreateFilterDescriptor") ||
        !dnn_ok(cudnnCreateConvolutionDescriptor(&cv->conv_desc),
                "cudnnCreateConvolutionDescriptor") ||
        !dnn_ok(cudnnSetFilter4dDescriptor(cv->w_desc, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW,
                                           out_channels, g->in_channels, g->kernel, g->kernel),
                "cudnnSetFilter4dDescriptor") ||
        !dnn_ok(cudnnSetConvolution2dDescriptor(cv->conv_desc, g->pad, g->pad, g->stride, g->stride,
                                                1, 1, CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT),
                "cudnnSetConvolution2dDescriptor") ||
        !dnn_ok(cudnnSetConvolutionMathType(cv->conv_desc, CUDNN_FMA_MATH),
                "cudnnSetConvolutionMathType") ||
        !use_batch(cv, max_batch)) {
        cuda_conv_destroy(cv);
        return nullptr;
    }
    return cv;
}

void cuda_conv_forward(dsgd_conv *cv, int batch, const float *x, const float *w, const float *bias,
                       float *y)
{
    const dsgd_conv_geom *g = &cv->g;
    int columns = batch * g->out_height * g->out_width;
    if (cv->im2col) {
        int rows = g->in_channels * g->kernel * g->kernel;
        cuda_im2col(g, batch, x, cv->cols);
        cuda_gemm(0, 0, cv->out_channels, columns, rows, 1.0f, w, rows, cv->cols, columns, 0.0f, y,
                  columns);
    } else {
        const float one = 1.0f, zero = 0.0f;
        if (!use_batch(cv, batch) ||
            !dnn_ok(cudnnConvolutionForward(ctx.dnn, &one, cv->x_desc, x, cv->w_desc, w,
                                            cv->conv_desc, cv->plan->fwd, cv->workspace,
                                            cv->workspace_bytes, &zero, cv->y_desc, y),
                    "cudnnConvolutionForward"))
            return;
    }
    cuda_bias_planes_forward(y, bias, cv->out_channels, (size_t)columns);
}

void cuda_conv_backward(dsgd_conv *cv, int batch, const float *x, const float *w, const float *dy,
                        float *dw, float *db, float *dx)
{
    const dsgd_conv_geom *g = &cv->g;
    int columns = batch * g->out_height * g->out_width;
    cuda_bias_planes_backward(dy, db, cv->out_channels, (size_t)columns);
    if (cv->im2col) { /* cols still hold the forward's im2col of x */
        int rows = g->in_channels * g->kernel * g->kernel;
        cuda_gemm(0, 1, cv->out_channels, rows, columns, 1.0f, dy, columns, cv->cols, columns, 0.0f,
                  dw, rows);
        if (!dx)
            return;
        cuda_gemm(1, 0, rows, columns, cv->out_channels, 1.0f, w, rows, dy, columns, 0.0f,
                  cv->dcols, columns);
        cuda_col2im(g, batch, cv->dcols, dx);
        return;
    }
    const float one = 1.0f, zero = 0.0f;
    if (!use_batch(cv, batch) ||
        !dnn_ok(cudnnConvolutionBackwardFilter(ctx.dnn, &one, cv->x_desc, x, cv->y_desc, dy,
                                               cv->conv_desc, cv->plan->bwd_filter, cv->workspace,
                                               cv->workspace_bytes, &zero, cv->w_desc, dw),
                "cudnnConvolutionBackwardFilter"))
        return;
    if (!dx)
        return;
    dnn_ok(cudnnConvolutionBackwardData(ctx.dnn, &one, cv->w_desc, w, cv->y_desc, dy, cv->conv_desc,
                                        cv->plan->bwd_data, cv->workspace, cv->workspace_bytes,
                                        &zero, cv->x_desc, dx),
           "cudnnConvolutionBackwardData");
}

/* The table, filled member by member (C++17 has no designated
 * initializers). */
dsgd_device make_table()
{
    dsgd_device d;
    memset(&d, 0, sizeof d);
    d.name = "cuda";
    d.host_memory = 0;
    d.alloc = cuda_alloc;
    d.release = cuda_release;
    d.upload = cuda_upload;
    d.download = cuda_download;
    d.error = cuda_error;
    d.synchronize = cuda_synchronize;
    d.conv_create = cuda_conv_create;
    d.conv_destroy = cuda_conv_destroy;
    d.conv_forward = cuda_conv_forward;
    d.conv_backward = cuda_conv_backward;
    d.gemm = cuda_gemm;
    d.im2col = cuda_im2col;
    d.col2im = cuda_col2im;
    d.maxpool_forward = cuda_maxpool_forward;
    d.maxpool_backward = cuda_maxpool_backward;
    d.relu_forward = cuda_relu_forward;
    d.relu_backward = cuda_relu_backward;
    d.bias_rows_forward = cuda_bias_rows_forward;
    d.bias_rows_backward = cuda_bias_rows_backward;
    d.bias_planes_forward = cuda_bias_planes_forward;
    d.bias_planes_backward = cuda_bias_planes_backward;
    d.to_channel_major = cuda_to_channel_major;
    d.to_batch_major = cuda_to_batch_major;
    d.softmax_xent = cuda_softmax_xent;
    d.axpy = cuda_axpy;
    d.scale = cuda_scale;
    d.sgd_step = cuda_sgd_step;
    return d;
}

const dsgd_device cuda_device = make_table();

} /* namespace */

/* ---- opening the GPU (device_cuda.h) -------------------------------------- */

extern "C" int dsgd_cuda_built(void) { return 1; }

extern "C" int dsgd_cuda_device_count(char *err, size_t errlen)
{
    int count = 0;
    cudaError_t rc = cudaGetDeviceCount(&count);
    if (rc != cudaSuccess) {
        if (err)
            snprintf(err, errlen, "no CUDA device: %s", cudaGetErrorString(rc));
        return 0;
    }
    if (count == 0 && err)
        snprintf(err, errlen, "no CUDA device: the driver reports none");
    return count;
}

extern "C" const dsgd_device *dsgd_cuda_device_open(int ordinal, char *err, size_t errlen)
{
    if (ctx.open) {
        if (ordinal == ctx.ordinal)
            return &cuda_device;
        snprintf(err, errlen, "CUDA device %d: this process drives GPU %d already", ordinal,
                 ctx.ordinal);
        return nullptr;
    }
    int count = dsgd_cuda_device_count(err, errlen);
    if (count == 0)
        return nullptr;
    if (ordinal < 0 || ordinal >= count) {
        snprintf(err, errlen, "CUDA device %d: this machine has %d (0..%d)", ordinal, count,
                 count - 1);
        return nullptr;
    }
    memset(&ctx, 0, sizeof ctx);
    cudaDeviceProp prop;
    if (!cuda_ok(cudaSetDevice(ordinal), "cudaSetDevice") ||
        !cuda_ok(cudaFree(nullptr), "creating the CUDA context") ||
        !cuda_ok(cudaGetDeviceProperties(&prop, ordinal), "cudaGetDeviceProperties") ||
        !blas_ok(cublasCreate(&ctx.blas), "cublasCreate") ||
        !dnn_ok(cudnnCreate(&ctx.dnn), "cudnnCreate") ||
        !(ctx.result = (double *)cuda_alloc(2 * sizeof(double)))) {
        snprintf(err, errlen, "CUDA device %d: %s", ordinal, ctx.error);
        dsgd_cuda_device_close();
        return nullptr;
    }
    snprintf(ctx.name, sizeof ctx.name, "%s (sm_%d%d)", prop.name, prop.major, prop.minor);
    ctx.ordinal = ordinal;
    ctx.open = 1;
    return &cuda_device;
}

extern "C" void dsgd_cuda_device_close(void)
{
    cuda_release(ctx.row_loss);
    cuda_release(ctx.row_right);
    cuda_release(ctx.result);
    if (ctx.dnn)
        cudnnDestroy(ctx.dnn);
    if (ctx.blas)
        cublasDestroy(ctx.blas);
    memset(&ctx, 0, sizeof ctx);
}

extern "C" const char *dsgd_cuda_device_name(void) { return ctx.open ? ctx.name : ""; }

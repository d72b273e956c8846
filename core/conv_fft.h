/* conv_fft.h — convolution layers (stride 1) through the FFT: the CPU
 * device's algorithm for layers with many input channels.
 *
 * Per frequency, a convolution over channels is a small complex matrix
 * product, so the forward pass, the input gradient and the weight gradient
 * each cost one complex GEMM per frequency plus transforms, instead of
 * 2*Cin*K*K flops per output: for 5x5 kernels on 14x14 planes about 8x
 * fewer flops than im2col + sgemm.  The transforms are N x N with
 * N = size + pad, the smallest size at which the circular wrap-around lands
 * only on padding.  Used through device.h (dsgd_device.conv_*). */
#ifndef DSGD_CONV_FFT_H
#define DSGD_CONV_FFT_H

#include "core/device.h"

typedef struct conv_fft conv_fft;

/* NULL when out of memory or the geometry is not stride 1. */
conv_fft *dsgd_conv_fft_create(const dsgd_conv_geom *g, int out_channels, int max_batch);
void dsgd_conv_fft_destroy(conv_fft *cv);
/* y[Cout][B][OH][OW] = w (*) x + bias, x in [Cin][B][H][W]. */
void dsgd_conv_fft_forward(conv_fft *cv, int batch, const float *x, const float *w,
                           const float *bias, float *y);
/* dw and (if dx is not NULL) dx from dy, after a forward on the same x and
 * w (its transforms of x and w are reused).  The bias gradient is not here. */
void dsgd_conv_fft_backward(conv_fft *cv, int batch, const float *dy, float *dw, float *dx);

#endif

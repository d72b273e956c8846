/* layer_bench.h — one layer of each executable kind, alone, for timing.
 *
 * The calibration micro-benchmarks (dsgd-run --bench layers) time each
 * layer kind's forward and backward pass over batch sizes, to fit a rate
 * and a per-call overhead per kind.  A benchmark layer has the shape of a
 * layer of the executable models (dense: the MLP's 784 -> 128; conv: the
 * CNN's first block, 1 -> 32 channels on 28x28, by im2col, without dX as
 * a network's first layer; conv_fft: its second block, 32 -> 64 channels
 * on 14x14, by FFT; act and pool: the CNN's first block, 32 x 28 x 28;
 * softmax_xent: 10 classes), runs the same device kernels (device.h) the
 * layer code calls with the algorithm it would choose, and counts the
 * flops the models' layer lists record (the same functions compute them),
 * so that a rate fitted on it prices the models' own layers.  Both passes
 * of dense and conv_fft compute dX, as every layer but a network's first
 * does. */
#ifndef DSGD_LAYER_BENCH_H
#define DSGD_LAYER_BENCH_H

#include "core/model.h"

typedef struct dsgd_layer_bench dsgd_layer_bench;

/* The kinds that can run on the CPU device, in a fixed order; returns how
 * many (at most DSGD_LAYER_KIND_COUNT) and writes them to kinds. */
int dsgd_layer_bench_kinds(dsgd_layer_kind *kinds);

/* A benchmark layer of `kind` on device dev (NULL: the CPU) for batches up
 * to max_batch, its input filled with random values from seed.  NULL when
 * out of memory or when the kind does not run on the CPU.  On a GPU the
 * layers take the same shapes (the kind conv_fft names the CNN's second
 * convolution, whatever algorithm the device runs it with), so that a
 * profile fitted there prices the models' layers as they are listed. */
struct dsgd_device;
dsgd_layer_bench *dsgd_layer_bench_create(const struct dsgd_device *dev, dsgd_layer_kind kind,
                                          int max_batch, unsigned long seed);
void dsgd_layer_bench_destroy(dsgd_layer_bench *b);

/* Runs one forward pass (backward = 0) or one backward pass over `batch`
 * samples (1..max_batch); a backward pass reads what the last forward pass
 * over the same batch left.  softmax_xent's forward computes the loss
 * alone; its backward is the call the models make, which computes the
 * loss and its gradient in one pass. */
void dsgd_layer_bench_run(dsgd_layer_bench *b, int batch, int backward);
/* Waits for the device to finish the runs (a GPU queues them); 0 or -1. */
int dsgd_layer_bench_wait(dsgd_layer_bench *b);

/* Flops of that call, as the models count them (softmax_xent's backward:
 * its forward and backward flops together). */
double dsgd_layer_bench_flops(const dsgd_layer_bench *b, int batch, int backward);

#endif

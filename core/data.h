/* data.h — labelled data sets and per-worker shards.
 *
 * A data set hands out samples by index so that each worker touches only its
 * own shard.  "synthetic" is a seeded Gaussian-mixture classification set
 * that needs no files: sample j depends only on (seed, j), so every backend
 * and every node count sees the same data. */
#ifndef DSGD_DATA_H
#define DSGD_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "core/model.h"

typedef enum dsgd_split { DSGD_TRAIN = 0, DSGD_TEST = 1 } dsgd_split;

typedef struct dsgd_dataset dsgd_dataset;
struct dsgd_dataset {
    char name[32];
    size_t n[2];                 /* samples in the train and test splits */
    int dim;                     /* features per sample (= channels * height * width) */
    int channels, height, width; /* sample shape (a flat set: dim x 1 x 1) */
    int classes;
    /* Writes sample `index` of `split`: dim floats to x, its label to *y. */
    void (*get)(const dsgd_dataset *ds, dsgd_split split, size_t index, float *x, int *y);
    void (*destroy)(dsgd_dataset *ds);
    void *impl;
};

static inline dsgd_shape dsgd_data_shape(const dsgd_dataset *ds)
{
    return (dsgd_shape){ds->channels, ds->height, ds->width};
}

/* The named data sets (--data choices), NULL-terminated; --data also
 * takes a directory of IDX files. */
extern const dsgd_component *const dsgd_datasets[];

/* Opens the data set named by spec ("synthetic").  Returns 0, or -1 with a
 * one-line reason in err (unknown name, unreadable file, ...). */
int dsgd_data_open(const char *spec, uint64_t seed, dsgd_dataset *ds, char *err, size_t errlen);
void dsgd_data_close(dsgd_dataset *ds);

/* The contiguous shard [*begin, *end) of n samples owned by worker w of W. */
void dsgd_shard_range(size_t n, int w, int W, size_t *begin, size_t *end);

/* Fills x (batch*dim) and y (batch) with minibatch `iter` of a shard: sample
 * k is shard index (iter*batch + k) mod shard length (no shuffling; the
 * training loop uses dsgd_sampler). */
void dsgd_data_load_batch(const dsgd_dataset *ds, size_t shard_begin, size_t shard_end, long iter,
                          int batch, float *x, int *y);

/* Bytes a minibatch of `batch` samples loads: a float per input element
 * and a label per sample (a worker with an executable model charges as
 * much; a descriptor model charges its own input size). */
static inline double dsgd_data_batch_bytes(const dsgd_dataset *ds, int batch)
{
    return (double)batch * ((double)ds->dim * sizeof(float) + sizeof(int));
}

/* Iterations in one epoch: enough minibatches of `batch` to cover the
 * largest of the W shards of n samples, so every worker agrees on it. */
long dsgd_iters_per_epoch(size_t n, int workers, int batch);

/* Per-epoch shuffled minibatches of one shard.  Epoch e visits the shard in
 * an order drawn from (seed, e) alone, so it is the same on every backend
 * and after a resume; a shard shorter than the epoch wraps around its own
 * order.  Minibatch `iter` belongs to epoch iter / iters_per_epoch. */
typedef struct dsgd_sampler {
    size_t begin, end; /* the shard */
    int batch;
    long iters_per_epoch;
    uint64_t seed;
    long epoch;    /* the epoch `order` holds (-1: none yet) */
    size_t *order; /* shard offsets in this epoch's order */
} dsgd_sampler;

/* Returns 0, or -1 when out of memory. */
int dsgd_sampler_init(dsgd_sampler *s, size_t begin, size_t end, int batch, long iters_per_epoch,
                      uint64_t seed);
void dsgd_sampler_free(dsgd_sampler *s);
/* Fills x (batch*dim) and y (batch) with minibatch `iter`. */
void dsgd_sampler_load(dsgd_sampler *s, const dsgd_dataset *ds, long iter, float *x, int *y);

#endif

/* data.c — data set registry, shards, minibatches and the synthetic set. */
#define _POSIX_C_SOURCE 200809L
#include "core/data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/idx.h"
#include "core/rng.h"

#ifndef DSGD_FASHION_MNIST_DIR
#define DSGD_FASHION_MNIST_DIR "/usr/share/datasets/fashion-mnist"
#endif

/* The synthetic set: `classes` Gaussian blobs in `dim` dimensions whose
 * centres are drawn once from the seed; noise makes them overlap so the loss
 * keeps falling for a few hundred steps rather than one. */
enum { SYN_DIM = 64, SYN_CLASSES = 10, SYN_TRAIN = 16384, SYN_TEST = 2048 };
#define SYN_NOISE 2.5f

typedef struct synthetic {
    uint64_t seed;
    float centres[SYN_CLASSES][SYN_DIM];
} synthetic;

static void synthetic_get(const dsgd_dataset *ds, dsgd_split split, size_t index, float *x, int *y)
{
    const synthetic *s = ds->impl;
    dsgd_rng r;
    /* Stream ids: train samples from 0, test samples from 2^40. */
    dsgd_rng_seed2(&r, s->seed, (split == DSGD_TEST ? 1ULL << 40 : 0) + index);
    int label = (int)dsgd_rng_below(&r, SYN_CLASSES);
    for (int i = 0; i < SYN_DIM; i++)
        x[i] = s->centres[label][i] + SYN_NOISE * (float)dsgd_rng_normal(&r);
    *y = label;
}

static void synthetic_destroy(dsgd_dataset *ds) { free(ds->impl); }

static int synthetic_open(uint64_t seed, dsgd_dataset *ds)
{
    synthetic *s = malloc(sizeof *s);
    if (!s)
        return -1;
    s->seed = seed;
    dsgd_rng r;
    dsgd_rng_seed2(&r, seed, 1ULL << 50);
    for (int c = 0; c < SYN_CLASSES; c++)
        for (int i = 0; i < SYN_DIM; i++)
            s->centres[c][i] = (float)dsgd_rng_normal(&r);
    snprintf(ds->name, sizeof ds->name, "synthetic");
    ds->n[DSGD_TRAIN] = SYN_TRAIN;
    ds->n[DSGD_TEST] = SYN_TEST;
    ds->dim = SYN_DIM;
    /* 64 features read as one 8x8 image, so image models run on it too. */
    ds->channels = 1;
    ds->height = 8;
    ds->width = 8;
    ds->classes = SYN_CLASSES;
    ds->get = synthetic_get;
    ds->destroy = synthetic_destroy;
    ds->impl = s;
    return 0;
}

static const dsgd_component synthetic_set = {
    "synthetic", "Gaussian blobs, generated from --seed (no files; for tests and demos)", NULL, 0};
static const dsgd_component fashion_mnist_set = {
    "fashion-mnist",
    "Zalando's Fashion-MNIST, 60,000 + 10,000 28x28 images (Debian: dataset-fashion-mnist)", NULL,
    0};
const dsgd_component *const dsgd_datasets[] = {&synthetic_set, &fashion_mnist_set, NULL};

int dsgd_data_open(const char *spec, uint64_t seed, dsgd_dataset *ds, char *err, size_t errlen)
{
    memset(ds, 0, sizeof *ds);
    if (strcmp(spec, synthetic_set.name) == 0) {
        if (synthetic_open(seed, ds) != 0) {
            snprintf(err, errlen, "--data %s: out of memory", spec);
            return -1;
        }
        return 0;
    }
    /* fashion-mnist: where Debian's dataset-fashion-mnist installs it. */
    const char *dir = strcmp(spec, fashion_mnist_set.name) == 0 ? DSGD_FASHION_MNIST_DIR : spec;
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        if (dir == spec)
            snprintf(err, errlen,
                     "--data: unknown data set '%s' (available: synthetic, fashion-mnist, or a "
                     "directory of IDX files)",
                     spec);
        else
            snprintf(err, errlen,
                     "--data fashion-mnist: %s not found (install the Debian package "
                     "dataset-fashion-mnist)",
                     dir);
        return -1;
    }
    char why[400];
    if (dsgd_idx_open_dir(dir, dir == spec ? "idx" : spec, ds, why, sizeof why) != 0) {
        snprintf(err, errlen, "--data %s", why);
        return -1;
    }
    return 0;
}

void dsgd_data_close(dsgd_dataset *ds)
{
    if (ds->destroy)
        ds->destroy(ds);
    memset(ds, 0, sizeof *ds);
}

void dsgd_shard_range(size_t n, int w, int W, size_t *begin, size_t *end)
{
    *begin = n * (size_t)w / (size_t)W;
    *end = n * (size_t)(w + 1) / (size_t)W;
}

void dsgd_data_load_batch(const dsgd_dataset *ds, size_t shard_begin, size_t shard_end, long iter,
                          int batch, float *x, int *y)
{
    size_t len = shard_end - shard_begin;
    for (int k = 0; k < batch; k++) {
        size_t j = shard_begin + ((size_t)iter * (size_t)batch + (size_t)k) % len;
        ds->get(ds, DSGD_TRAIN, j, x + (size_t)k * ds->dim, &y[k]);
    }
}

long dsgd_iters_per_epoch(size_t n, int workers, int batch)
{
    size_t largest = (n + (size_t)workers - 1) / (size_t)workers;
    long iters = (long)((largest + (size_t)batch - 1) / (size_t)batch);
    return iters > 0 ? iters : 1;
}

int dsgd_sampler_init(dsgd_sampler *s, size_t begin, size_t end, int batch, long iters_per_epoch,
                      uint64_t seed)
{
    *s = (dsgd_sampler){begin, end, batch, iters_per_epoch, seed, -1, NULL};
    s->order = malloc(sizeof *s->order * (end > begin ? end - begin : 1));
    return s->order ? 0 : -1;
}

void dsgd_sampler_free(dsgd_sampler *s)
{
    free(s->order);
    s->order = NULL;
}

/* Fisher-Yates from the epoch's own stream (2^56 + epoch: apart from the
 * streams of synthetic samples and of initial weights). */
static void shuffle(dsgd_sampler *s, long epoch)
{
    size_t len = s->end - s->begin;
    for (size_t i = 0; i < len; i++)
        s->order[i] = i;
    dsgd_rng r;
    dsgd_rng_seed2(&r, s->seed, (1ULL << 56) + (uint64_t)epoch);
    for (size_t i = len; i > 1; i--) {
        size_t j = (size_t)dsgd_rng_below(&r, i);
        size_t t = s->order[i - 1];
        s->order[i - 1] = s->order[j];
        s->order[j] = t;
    }
    s->epoch = epoch;
}

void dsgd_sampler_load(dsgd_sampler *s, const dsgd_dataset *ds, long iter, float *x, int *y)
{
    long epoch = iter / s->iters_per_epoch;
    if (epoch != s->epoch)
        shuffle(s, epoch);
    size_t len = s->end - s->begin;
    size_t first = (size_t)(iter % s->iters_per_epoch) * (size_t)s->batch;
    for (int k = 0; k < s->batch; k++) {
        size_t j = s->begin + s->order[(first + (size_t)k) % len];
        ds->get(ds, DSGD_TRAIN, j, x + (size_t)k * ds->dim, &y[k]);
    }
}

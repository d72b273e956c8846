/* checkpoint.c — save and load one rank's training state. */
#define _POSIX_C_SOURCE 200809L
#include "core/checkpoint.h"

#include "core/atomic.h"
#include "core/paths.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Format 2 records the variant (format 1 did not). */
#define MAGIC "DSGDCKP2"

typedef struct file_header {
    char magic[8];
    dsgd_checkpoint_meta meta;
    int64_t iter;
} file_header;

static void path_of(char *path, size_t len, const char *dir, int rank)
{
    snprintf(path, len, "%s/rank-%d.ckpt", dir, rank);
}

/* FNV-1a over a byte range, continuing from h. */
static uint64_t fnv1a(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

int dsgd_checkpoint_check_dir(const char *dir, char *err, size_t errlen)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%s: cannot create: %s", dir, strerror(errno));
        return -1;
    }
    char probe[1100];
    snprintf(probe, sizeof probe, "%s/.probe.%ld", dir, (long)getpid());
    FILE *f = fopen(probe, "w");
    if (!f) {
        snprintf(err, errlen, "%s: cannot write: %s", dir, strerror(errno));
        return -1;
    }
    fclose(f);
    remove(probe);
    return 0;
}

typedef struct checkpoint_job {
    const file_header *h;
    const float *params, *velocity;
    size_t n;
    uint64_t sum;
} checkpoint_job;

static int write_checkpoint(FILE *f, void *ctx)
{
    const checkpoint_job *j = ctx;
    int ok = fwrite(j->h, sizeof *j->h, 1, f) == 1 &&
             fwrite(j->params, sizeof(float), j->n, f) == j->n &&
             fwrite(j->velocity, sizeof(float), j->n, f) == j->n &&
             fwrite(&j->sum, sizeof j->sum, 1, f) == 1;
    return ok ? 0 : -1;
}

double dsgd_checkpoint_save(const char *dir, const dsgd_checkpoint_meta *meta, long iter,
                            const float *params, const float *velocity, char *err, size_t errlen)
{
    char path[1100];
    path_of(path, sizeof path, dir, meta->rank);
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "--checkpoint %s: cannot create: %s", dir, strerror(errno));
        return -1;
    }
    file_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, MAGIC, 8);
    /* Field by field: padding stays zero, so equal states give equal files. */
    memcpy(h.meta.model, meta->model, sizeof h.meta.model);
    memcpy(h.meta.algo, meta->algo, sizeof h.meta.algo);
    h.meta.n_params = meta->n_params;
    h.meta.rank = meta->rank;
    h.meta.ranks = meta->ranks;
    h.meta.batch = meta->batch;
    h.meta.seed = meta->seed;
    h.iter = iter;
    size_t n = (size_t)meta->n_params;
    uint64_t sum = fnv1a(0xcbf29ce484222325ULL, &h, sizeof h);
    sum = fnv1a(sum, params, n * sizeof(float));
    sum = fnv1a(sum, velocity, n * sizeof(float));
    checkpoint_job job = {&h, params, velocity, n, sum};
    char why[1200];
    if (dsgd_write_atomic(path, "wb", write_checkpoint, &job, why, sizeof why) != 0) {
        snprintf(err, errlen, "--checkpoint %s", why);
        return -1;
    }
    return (double)sizeof h + 2.0 * n * sizeof(float) + sizeof sum;
}

/* Iterations no run reaches (dsgd's unbounded runs stop at 2^40). */
#define MAX_ITER ((int64_t)1 << 40)
#define MAX_RANKS (1 << 24)

/* Opens path and checks that the file is whole: a header of this format,
 * the length it announces, the checksum.  On success *out is positioned
 * after the header.  Errors say "--resume PATH: ...". */
static int open_whole(const char *path, file_header *h, FILE **out, char *err, size_t errlen)
{
    char why[1200];
    FILE *f = dsgd_input_fopen(path, "rb", why, sizeof why);
    if (!f) {
        snprintf(err, errlen, "--resume %s", why);
        return -1;
    }
    struct stat st;
    const char *bad = NULL;
    if (fstat(fileno(f), &st) != 0 || fread(h, sizeof *h, 1, f) != 1)
        bad = "not a dsgd checkpoint (or truncated)";
    else if (memcmp(h->magic, "DSGDCKP1", 8) == 0)
        bad = "written by an older dsgd (checkpoint format 1, which did not record the variant): "
              "start the run afresh";
    else if (memcmp(h->magic, MAGIC, 8) != 0)
        bad = "not a dsgd checkpoint (or truncated)";
    if (bad) {
        snprintf(err, errlen, "--resume %s: %s", path, bad);
        fclose(f);
        return -1;
    }
    uint64_t n = h->meta.n_params, limit = ((uint64_t)INT64_MAX - sizeof *h) / 8 - 1;
    uint64_t want = n <= limit ? sizeof *h + 8 * n + sizeof(uint64_t) : 0;
    if ((uint64_t)st.st_size != want) {
        snprintf(err, errlen,
                 "--resume %s: damaged: %lld bytes, but its header announces %llu parameters "
                 "(%llu bytes)",
                 path, (long long)st.st_size, (unsigned long long)n, (unsigned long long)want);
        fclose(f);
        return -1;
    }
    uint64_t sum = fnv1a(0xcbf29ce484222325ULL, h, sizeof *h), stored = 0;
    unsigned char buf[1 << 16];
    for (uint64_t left = 8 * n; left > 0;) {
        size_t chunk = left < sizeof buf ? (size_t)left : sizeof buf;
        if (fread(buf, 1, chunk, f) != chunk) {
            bad = "truncated";
            break;
        }
        sum = fnv1a(sum, buf, chunk);
        left -= chunk;
    }
    if (!bad && fread(&stored, sizeof stored, 1, f) != 1)
        bad = "truncated";
    if (!bad && sum != stored)
        bad = "checksum mismatch (damaged file)";
    if (!bad && fseek(f, (long)sizeof *h, SEEK_SET) != 0)
        bad = "cannot seek";
    if (bad) {
        snprintf(err, errlen, "--resume %s: %s", path, bad);
        fclose(f);
        return -1;
    }
    *out = f;
    return 0;
}

/* A whole file's own claims: its rank, and an iteration some run reached. */
static int check_claims(const char *path, const file_header *h, int rank, char *err, size_t errlen)
{
    const dsgd_checkpoint_meta *m = &h->meta;
    if (m->rank != rank) {
        snprintf(err, errlen,
                 "--resume %s: holds the state of rank %d, not of rank %d (files renamed or "
                 "swapped?)",
                 path, (int)m->rank, rank);
        return -1;
    }
    if (m->ranks < 1 || m->ranks > MAX_RANKS || m->rank >= m->ranks) {
        snprintf(err, errlen, "--resume %s: rank %d of %d ranks is no run's", path, (int)m->rank,
                 (int)m->ranks);
        return -1;
    }
    if (h->iter < 0 || h->iter > MAX_ITER) {
        snprintf(err, errlen, "--resume %s: iteration %lld is no run's (0 to 2^40)", path,
                 (long long)h->iter);
        return -1;
    }
    return 0;
}

static int mismatch(char *err, size_t errlen, const char *path, const char *what, long theirs,
                    long ours)
{
    snprintf(err, errlen, "--resume %s: written by a run with %s %ld, this one has %ld", path, what,
             theirs, ours);
    return -1;
}

/* Does the file's run match the known fields of expect (0, "": unknown)? */
static int check_fits(const char *path, const dsgd_checkpoint_meta *m,
                      const dsgd_checkpoint_meta *expect, char *err, size_t errlen)
{
    if (expect->model[0] && strncmp(m->model, expect->model, sizeof m->model) != 0) {
        snprintf(err, errlen, "--resume %s: written for model '%.31s', this run trains '%.31s'",
                 path, m->model, expect->model);
        return -1;
    }
    if (expect->algo[0] && strncmp(m->algo, expect->algo, sizeof m->algo) != 0) {
        snprintf(err, errlen, "--resume %s: written by --algo %.31s, this run is --algo %.31s",
                 path, m->algo, expect->algo);
        return -1;
    }
    if (expect->n_params && m->n_params != expect->n_params)
        return mismatch(err, errlen, path, "parameter count", (long)m->n_params,
                        (long)expect->n_params);
    if (expect->ranks && m->ranks != expect->ranks)
        return mismatch(err, errlen, path, "ranks", m->ranks, expect->ranks);
    if (expect->batch && m->batch != expect->batch)
        return mismatch(err, errlen, path, "--batch", m->batch, expect->batch);
    if (m->seed != expect->seed)
        return mismatch(err, errlen, path, "--seed", (long)m->seed, (long)expect->seed);
    return 0;
}

int dsgd_checkpoint_probe(const char *dir, const dsgd_checkpoint_meta *expect, char *err,
                          size_t errlen)
{
    char path[1100];
    file_header first, h;
    int ranks = 1;
    for (int r = 0; r < ranks; r++) {
        path_of(path, sizeof path, dir, r);
        FILE *f;
        if (open_whole(path, r ? &h : &first, &f, err, errlen) != 0)
            return -1;
        fclose(f);
        if (check_claims(path, r ? &h : &first, r, err, errlen) != 0)
            return -1;
        if (r == 0) {
            ranks = first.meta.ranks;
            if (check_fits(path, &first.meta, expect, err, errlen) != 0)
                return -1;
            continue;
        }
        dsgd_checkpoint_meta same = first.meta;
        same.rank = h.meta.rank;
        if (memcmp(&same, &h.meta, sizeof same) != 0 || h.iter != first.iter) {
            snprintf(err, errlen,
                     "--resume %s: not from the run of %s/rank-0.ckpt (mixed checkpoints: "
                     "iteration %lld against %lld)",
                     path, dir, (long long)h.iter, (long long)first.iter);
            return -1;
        }
    }
    return 0;
}

int dsgd_checkpoint_load(const char *dir, const dsgd_checkpoint_meta *expect, long max_iter,
                         long *iter, float *params, float *velocity, char *err, size_t errlen)
{
    char path[1100];
    path_of(path, sizeof path, dir, expect->rank);
    file_header h;
    FILE *f;
    if (open_whole(path, &h, &f, err, errlen) != 0)
        return -1;
    int rc = check_claims(path, &h, expect->rank, err, errlen);
    if (rc == 0)
        rc = check_fits(path, &h.meta, expect, err, errlen);
    if (rc == 0 && h.iter > max_iter) {
        snprintf(err, errlen, "--resume %s: reached iteration %lld, beyond this run's %ld", path,
                 (long long)h.iter, max_iter);
        rc = -1;
    }
    size_t n = (size_t)expect->n_params;
    if (rc == 0 &&
        (fread(params, sizeof(float), n, f) != n || fread(velocity, sizeof(float), n, f) != n)) {
        snprintf(err, errlen, "--resume %s: truncated", path);
        rc = -1;
    }
    fclose(f);
    if (rc == 0)
        *iter = (long)h.iter;
    return rc;
}

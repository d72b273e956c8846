/* bench.c — the micro-benchmarks of dsgd-run --bench (bench.h).
 *
 * Communication goes through the comm.h verbs, so the wrappers record it
 * exactly as they record a training run's; warm-up repetitions and the
 * barriers that line the ranks up run with the trace detached.  Local work
 * (layers, vector ops, loads) is recorded here, with the call's flops or
 * bytes and the batch in `value`.  This file is part of the exec backend:
 * it reaches the trace through comm_backend.h. */
#define _POSIX_C_SOURCE 200809L /* nanosleep */
#include "exec/bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "algorithms/comm_backend.h"
#include "core/idle.h"
#include "core/layer_bench.h"
#include "core/optim.h"
#include "core/progress.h"
#include "core/vec.h"

static const struct {
    const char *name;
    unsigned bit;
} kind_names[] = {
    {"p2p", DSGD_BENCH_P2P},       {"allreduce", DSGD_BENCH_ALLREDUCE},
    {"layers", DSGD_BENCH_LAYERS}, {"vector", DSGD_BENCH_VECTOR},
    {"io", DSGD_BENCH_IO},         {"naps", DSGD_BENCH_NAPS},
    {"all", DSGD_BENCH_ALL},
};
#define N_KIND_NAMES (sizeof kind_names / sizeof kind_names[0])

/* Batch sizes of the layer and io benchmarks. */
static const int batches[] = {1, 8, 32, 128};
#define N_BATCHES (sizeof batches / sizeof batches[0])
#define MAX_BATCH 128

static int parse_kinds(const char *list, unsigned *kinds, char *err, size_t errlen)
{
    *kinds = 0;
    const char *s = list;
    while (*s) {
        size_t len = strcspn(s, ",");
        unsigned bit = 0;
        for (size_t i = 0; i < N_KIND_NAMES && !bit; i++)
            if (strlen(kind_names[i].name) == len && strncmp(s, kind_names[i].name, len) == 0)
                bit = kind_names[i].bit;
        if (!bit) {
            snprintf(
                err, errlen,
                "--bench: unknown kind '%.*s' (one of: p2p allreduce layers vector io naps all)",
                (int)len, s);
            return -1;
        }
        *kinds |= bit;
        s += len + (s[len] == ',');
    }
    if (!*kinds) {
        snprintf(err, errlen, "--bench: empty list (want e.g. p2p,allreduce or all)");
        return -1;
    }
    return 0;
}

/* "64M" -> 67108864 (K, M, G: powers of 1024). */
static int parse_bytes(const char *text, size_t *bytes, char *err, size_t errlen)
{
    char *end;
    double v = strtod(text, &end);
    double unit = 1;
    if (end != text && *end && !end[1]) {
        const char *units = "KMG";
        const char *u = strchr(units, end[0] & ~0x20);
        unit = u ? (double)(1u << (10 * (u - units + 1))) : 0;
        end += u != NULL;
    }
    v *= unit;
    if (end == text || *end || !(v >= 1) || v > (double)DSGD_BENCH_MAX_BYTES_LIMIT) {
        snprintf(err, errlen, "--bench-max-bytes: bad value '%s' (want 1 to 1G bytes, e.g. 256M)",
                 text);
        return -1;
    }
    *bytes = (size_t)v;
    return 0;
}

int dsgd_bench_plan_init(dsgd_bench_plan *p, const dsgd_config *cfg, const dsgd_dataset *data,
                         char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    if (parse_kinds(cfg->bench, &p->kinds, err, errlen) != 0 ||
        parse_bytes(cfg->bench_max_bytes, &p->max_bytes, err, errlen) != 0)
        return -1;
    if (!cfg->trace[0]) {
        snprintf(err, errlen, "--bench: needs --trace FILE (the trace is what it measures)");
        return -1;
    }
    p->reps = cfg->bench_reps;
    p->warmup = cfg->bench_warmup;
    p->data = data;
    p->seed = cfg->seed;
    p->quiet = cfg->quiet;
    return 0;
}

void dsgd_bench_kinds_str(unsigned kinds, char *out, size_t len)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i + 1 < N_KIND_NAMES; i++) /* all but "all" */
        if ((kinds & kind_names[i].bit) && used < len)
            used += (size_t)snprintf(out + used, len - used, "%s%s", used ? "," : "",
                                     kind_names[i].name);
}

/* ------------------------------------------------------------------------ */
/* Repetitions: warm-up ones untraced, timed ones numbered 0..reps-1.       */

typedef struct bench_run {
    dsgd_comm *c;
    const dsgd_bench_plan *p;
    dsgd_trace *trace; /* the rank's trace, detached during warm-up */
} bench_run;

/* Repetition `rep` of a point: rep < 0 is a warm-up one. */
static void begin_rep(bench_run *b, int rep)
{
    b->c->trace = rep < 0 ? NULL : b->trace;
    dsgd_set_iter(b->c, rep < 0 ? -1 : rep);
}

static void end_point(bench_run *b)
{
    b->c->trace = b->trace;
    dsgd_set_iter(b->c, -1);
}

/* Lines the ranks up before a point, without an event. */
static int line_up(bench_run *b)
{
    b->c->trace = NULL;
    int rc = dsgd_barrier(b->c, NULL);
    b->c->trace = b->trace;
    return rc;
}

/* Whether every rank says ok (after each allocates what it needs). */
static int all_ok(bench_run *b, int ok)
{
    float failed = ok ? 0.0f : 1.0f;
    b->c->trace = NULL;
    int rc = dsgd_allreduce(b->c, NULL, &failed, 1);
    b->c->trace = b->trace;
    return rc == DSGD_OK && failed == 0.0f;
}

/* A local event from t0 to now: compute (flops), memory or io (bytes). */
static void record_local(bench_run *b, dsgd_event_kind kind, const char *name, double t0,
                         double bytes, double flops, double value)
{
    dsgd_comm *c = b->c;
    if (!c->trace)
        return;
    dsgd_event ev = {.rank = c->rank,
                     .kind = kind,
                     .t0 = t0,
                     .t1 = dsgd_now(c),
                     .bytes = bytes,
                     .flops = flops,
                     .peer = -1,
                     .iter = c->iter,
                     .value = value};
    snprintf(ev.name, sizeof ev.name, "%s", name);
    dsgd_trace_add(c->trace, &ev);
}

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

/* ------------------------------------------------------------------------ */
/* p2p: rank 0 sends, rank 1 sends back; the other ranks wait.            */

static int bench_p2p(bench_run *b, char *err, size_t errlen)
{
    dsgd_comm *c = b->c;
    int me = dsgd_rank(c);
    size_t max = min_size(b->p->max_bytes, DSGD_BENCH_MESSAGE_MAX);
    char *buf = me <= 1 ? malloc(max) : NULL;
    if (buf)
        memset(buf, 1, max); /* touch every page before timing */
    if (!all_ok(b, me > 1 || buf)) {
        free(buf);
        snprintf(err, errlen, "--bench p2p: out of memory for %zu-byte messages", max);
        return DSGD_ENOMEM;
    }
    int rc = DSGD_OK;
    for (size_t bytes = 1; bytes <= max && rc == DSGD_OK; bytes *= 2) {
        rc = line_up(b);
        for (int rep = -b->p->warmup; me <= 1 && rep < b->p->reps && rc == DSGD_OK; rep++) {
            begin_rep(b, rep);
            if (me == 0) {
                rc = dsgd_send(c, 1, 0, buf, bytes);
                if (rc == DSGD_OK)
                    rc = dsgd_recv(c, 1, 0, buf, bytes, NULL);
            } else {
                rc = dsgd_recv(c, 0, 0, buf, bytes, NULL);
                if (rc == DSGD_OK)
                    rc = dsgd_send(c, 0, 0, buf, bytes);
            }
        }
        end_point(b);
    }
    free(buf);
    if (rc != DSGD_OK)
        snprintf(err, errlen, "--bench p2p: %s", dsgd_status_str(rc));
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Collectives over all ranks: sizes 4 B, x4, up to the maximum.          */

enum { COLL_ALLREDUCE, COLL_REDUCE, COLL_BCAST, COLL_ALLGATHER, COLL_COUNT };
static const char *const coll_names[COLL_COUNT] = {"allreduce", "reduce", "bcast", "allgather"};

static int collective(dsgd_comm *c, int which, float *buf, size_t bytes, float *gathered)
{
    switch (which) {
    case COLL_ALLREDUCE: return dsgd_allreduce(c, NULL, buf, bytes / sizeof(float));
    case COLL_REDUCE: return dsgd_reduce(c, NULL, 0, buf, bytes / sizeof(float));
    case COLL_BCAST: return dsgd_bcast(c, NULL, 0, buf, bytes);
    default: return dsgd_allgather(c, NULL, buf, bytes, gathered);
    }
}

static int bench_collectives(bench_run *b, char *err, size_t errlen)
{
    dsgd_comm *c = b->c;
    size_t n = (size_t)dsgd_size(c);
    size_t max = min_size(b->p->max_bytes, DSGD_BENCH_MESSAGE_MAX);
    float *buf = malloc(max), *gathered = malloc(max); /* allgather: n x bytes <= max */
    if (buf)
        memset(buf, 0, max);
    if (gathered)
        memset(gathered, 0, max);
    if (!all_ok(b, buf && gathered)) {
        free(buf);
        free(gathered);
        snprintf(err, errlen, "--bench allreduce: out of memory for %zu-byte vectors", max);
        return DSGD_ENOMEM;
    }
    int rc = DSGD_OK;
    for (int which = 0; which < COLL_COUNT && rc == DSGD_OK; which++) {
        size_t top = which == COLL_ALLGATHER ? max / n : max;
        for (size_t bytes = 4; bytes <= top && rc == DSGD_OK; bytes *= 4) {
            rc = line_up(b);
            for (int rep = -b->p->warmup; rep < b->p->reps && rc == DSGD_OK; rep++) {
                begin_rep(b, rep);
                rc = collective(c, which, buf, bytes, gathered);
            }
            end_point(b);
        }
        if (rc != DSGD_OK)
            snprintf(err, errlen, "--bench allreduce: %s: %s", coll_names[which],
                     dsgd_status_str(rc));
    }
    free(buf);
    free(gathered);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Layers: each kind, forward then backward, per batch size, on the device */
/* of --device (a GPU's calls are timed to their end: it queues them).     */

static int bench_layers(bench_run *b, char *err, size_t errlen)
{
    dsgd_layer_kind kinds[DSGD_LAYER_KIND_COUNT];
    int n = dsgd_layer_bench_kinds(kinds);
    int rc = DSGD_OK;
    for (int k = 0; k < n && rc == DSGD_OK; k++) {
        dsgd_layer_bench *lb =
            dsgd_layer_bench_create(b->p->device, kinds[k], MAX_BATCH, b->p->seed);
        if (!all_ok(b, lb != NULL)) {
            dsgd_layer_bench_destroy(lb);
            snprintf(err, errlen, "--bench layers: out of memory for the %s layer",
                     dsgd_layer_kind_name(kinds[k]));
            return DSGD_ENOMEM;
        }
        char fwd[DSGD_EVENT_NAME_MAX], bwd[DSGD_EVENT_NAME_MAX];
        snprintf(fwd, sizeof fwd, "bench:%s:fwd", dsgd_layer_kind_name(kinds[k]));
        snprintf(bwd, sizeof bwd, "bench:%s:bwd", dsgd_layer_kind_name(kinds[k]));
        for (size_t i = 0; i < N_BATCHES && rc == DSGD_OK; i++) {
            int batch = batches[i];
            rc = line_up(b);
            for (int rep = -b->p->warmup; rep < b->p->reps && rc == DSGD_OK; rep++) {
                begin_rep(b, rep);
                double t0 = dsgd_now(b->c);
                dsgd_layer_bench_run(lb, batch, 0);
                if (dsgd_layer_bench_wait(lb) != 0)
                    rc = DSGD_EINVAL;
                record_local(b, DSGD_EV_COMPUTE, fwd, t0, 0, dsgd_layer_bench_flops(lb, batch, 0),
                             batch);
                t0 = dsgd_now(b->c);
                dsgd_layer_bench_run(lb, batch, 1);
                if (dsgd_layer_bench_wait(lb) != 0)
                    rc = DSGD_EINVAL;
                record_local(b, DSGD_EV_COMPUTE, bwd, t0, 0, dsgd_layer_bench_flops(lb, batch, 1),
                             batch);
            }
            end_point(b);
        }
        dsgd_layer_bench_destroy(lb);
    }
    if (rc != DSGD_OK)
        snprintf(err, errlen, "--bench layers: %s", dsgd_status_str(rc));
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Vector ops: what the variants charge as memory-bound work.              */

enum { VEC_AXPY, VEC_SCALE, VEC_COPY, VEC_SGD_STEP, VEC_COUNT };
static const char *const vec_names[VEC_COUNT] = {"bench:vec:axpy", "bench:vec:scale",
                                                 "bench:vec:copy", "bench:vec:sgd_step"};

/* Runs op `which` on the first len floats; returns what vec.c counts. */
static double vector_op(int which, dsgd_vec *x, dsgd_vec *y, dsgd_sgd *opt, size_t len)
{
    dsgd_vec xs = {x->data, len}, ys = {y->data, len};
    dsgd_sgd step = *opt;
    step.velocity.len = len;
    switch (which) {
    case VEC_AXPY: return dsgd_vec_axpy(&ys, 1e-3f, &xs);
    case VEC_SCALE: return dsgd_vec_scale(&ys, 0.999f);
    case VEC_COPY: return dsgd_vec_copy(&ys, &xs);
    default: return dsgd_sgd_step(&step, &ys, &xs);
    }
}

static int bench_vector(bench_run *b, char *err, size_t errlen)
{
    size_t max_len = min_size(b->p->max_bytes, DSGD_BENCH_VECTOR_MAX) / sizeof(float);
    dsgd_vec x = {0}, y = {0};
    dsgd_sgd opt;
    memset(&opt, 0, sizeof opt);
    int ok = max_len > 0 && dsgd_vec_alloc(&x, max_len, 0) == 0 &&
             dsgd_vec_alloc(&y, max_len, 0) == 0 &&
             dsgd_sgd_init(&opt, max_len, 0, 0.01f, 0.9f) == 0;
    if (!all_ok(b, ok)) {
        dsgd_vec_free_all(&x, &y, NULL);
        dsgd_sgd_free(&opt);
        snprintf(err, errlen, "--bench vector: out of memory for %zu-float vectors", max_len);
        return DSGD_ENOMEM;
    }
    int rc = DSGD_OK;
    for (int which = 0; which < VEC_COUNT && rc == DSGD_OK; which++)
        for (size_t len = 1024; len <= max_len && rc == DSGD_OK; len *= 4) {
            rc = line_up(b);
            for (int rep = -b->p->warmup; rep < b->p->reps && rc == DSGD_OK; rep++) {
                begin_rep(b, rep);
                double t0 = dsgd_now(b->c);
                double bytes = vector_op(which, &x, &y, &opt, len);
                record_local(b, DSGD_EV_MEMORY, vec_names[which], t0, bytes, 0, (double)len);
            }
            end_point(b);
        }
    dsgd_vec_free_all(&x, &y, NULL);
    dsgd_sgd_free(&opt);
    if (rc != DSGD_OK)
        snprintf(err, errlen, "--bench vector: %s", dsgd_status_str(rc));
    return rc;
}

/* ------------------------------------------------------------------------ */
/* io: minibatches of this rank's shard, in a training run's order.        */

static int bench_io(bench_run *b, char *err, size_t errlen)
{
    const dsgd_dataset *ds = b->p->data;
    dsgd_comm *c = b->c;
    size_t begin, end;
    dsgd_shard_range(ds->n[DSGD_TRAIN], dsgd_rank(c), dsgd_size(c), &begin, &end);
    float *x = malloc(sizeof *x * (size_t)MAX_BATCH * ds->dim);
    int *y = malloc(sizeof *y * MAX_BATCH);
    if (!all_ok(b, x && y && end > begin)) {
        free(x);
        free(y);
        snprintf(err, errlen, "--bench io: %s",
                 end > begin ? "out of memory for a minibatch" : "more ranks than samples");
        return end > begin ? DSGD_ENOMEM : DSGD_EINVAL;
    }
    int rc = DSGD_OK;
    for (size_t i = 0; i < N_BATCHES && rc == DSGD_OK; i++) {
        int batch = batches[i];
        dsgd_sampler s;
        long per_epoch = dsgd_iters_per_epoch(ds->n[DSGD_TRAIN], dsgd_size(c), batch);
        if (dsgd_sampler_init(&s, begin, end, batch, per_epoch, b->p->seed) != 0) {
            rc = DSGD_ENOMEM;
            break;
        }
        rc = line_up(b);
        for (int rep = -b->p->warmup; rep < b->p->reps && rc == DSGD_OK; rep++) {
            begin_rep(b, rep);
            double t0 = dsgd_now(c);
            dsgd_sampler_load(&s, ds, rep + b->p->warmup, x, y);
            record_local(b, DSGD_EV_IO, "bench:io", t0, dsgd_data_batch_bytes(ds, batch), 0, batch);
        }
        end_point(b);
        dsgd_sampler_free(&s);
    }
    free(x);
    free(y);
    if (rc != DSGD_OK)
        snprintf(err, errlen, "--bench io: %s", dsgd_status_str(rc));
    return rc;
}

/* ------------------------------------------------------------------------ */
/* naps: what a nap of a waiting rank (--idle sleep) really lasts.          */

/* Every rank naps at once, as waiting ranks do, for each length the
 * waits use (DSGD_IDLE_NAP_MIN_S doubling to DSGD_IDLE_NAP_MAX_S); the
 * events are waits named bench:nap whose value is the nap asked for, so
 * that dsgd-calibrate fits the overshoot (wake_latency_s). */
static int bench_naps(bench_run *b, char *err, size_t errlen)
{
    int rc = DSGD_OK;
    for (double asked = DSGD_IDLE_NAP_MIN_S; asked <= DSGD_IDLE_NAP_MAX_S * 1.0001 && rc == DSGD_OK;
         asked *= 2) {
        rc = line_up(b);
        for (int rep = -b->p->warmup; rep < b->p->reps && rc == DSGD_OK; rep++) {
            begin_rep(b, rep);
            struct timespec nap = {0, (long)(asked * 1e9 + 0.5)};
            double t0 = dsgd_now(b->c);
            nanosleep(&nap, NULL);
            record_local(b, DSGD_EV_WAIT, "bench:nap", t0, 0, 0, asked);
        }
        end_point(b);
    }
    if (rc != DSGD_OK)
        snprintf(err, errlen, "--bench naps: %s", dsgd_status_str(rc));
    return rc;
}

/* ------------------------------------------------------------------------ */

int dsgd_bench_run(dsgd_comm *c, const dsgd_bench_plan *p, char *err, size_t errlen)
{
    static const struct {
        unsigned bit;
        const char *name;
        int (*run)(bench_run *b, char *err, size_t errlen);
    } steps[] = {
        {DSGD_BENCH_P2P, "p2p", bench_p2p},
        {DSGD_BENCH_ALLREDUCE, "allreduce", bench_collectives},
        {DSGD_BENCH_LAYERS, "layers", bench_layers},
        {DSGD_BENCH_VECTOR, "vector", bench_vector},
        {DSGD_BENCH_IO, "io", bench_io},
        {DSGD_BENCH_NAPS, "naps", bench_naps},
    };
    bench_run b = {c, p, c->trace};
    int rc = DSGD_OK;
    int progress = !p->quiet && dsgd_rank(c) == 0;
    for (size_t i = 0; i < sizeof steps / sizeof steps[0] && rc == DSGD_OK; i++) {
        if (!(p->kinds & steps[i].bit))
            continue;
        if (steps[i].bit == DSGD_BENCH_P2P && dsgd_size(c) < 2) {
            if (progress)
                fprintf(stderr, "dsgd-run: --bench p2p skipped: it needs 2 ranks\n");
            continue;
        }
        double t0 = dsgd_wall_seconds();
        rc = steps[i].run(&b, err, errlen);
        if (progress && rc == DSGD_OK)
            fprintf(stderr, "dsgd-run: --bench %s: %.1f s\n", steps[i].name,
                    dsgd_wall_seconds() - t0);
    }
    c->trace = b.trace;
    return rc;
}

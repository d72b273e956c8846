/* bench.h — dsgd-run --bench: micro-benchmarks that time real work on the
 * MPI backend and write it as ordinary trace events, the input of
 * dsgd-calibrate (the events each kind writes are listed in the README,
 * "Micro-benchmarks").  As SMPI's calibration does, every point (a message
 * size, a batch, a vector length) runs `warmup` untimed repetitions, which
 * the trace does not show, then `reps` timed ones, numbered 0..reps-1 in
 * the trace's iter column. */
#ifndef DSGD_BENCH_H
#define DSGD_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "algorithms/comm.h"
#include "core/config.h"
#include "core/data.h"

/* What --bench KIND[,KIND..] selects. */
enum {
    DSGD_BENCH_P2P = 1 << 0,       /* ping-pong between ranks 0 and 1 */
    DSGD_BENCH_ALLREDUCE = 1 << 1, /* allreduce, reduce, bcast, allgather over all ranks */
    DSGD_BENCH_LAYERS = 1 << 2,    /* each CPU layer kind's forward and backward */
    DSGD_BENCH_VECTOR = 1 << 3,    /* axpy, scale, copy, sgd_step */
    DSGD_BENCH_IO = 1 << 4,        /* minibatch loads of --data */
    DSGD_BENCH_NAPS = 1 << 5,      /* the naps of a waiting rank (core/idle.h) */
    DSGD_BENCH_ALL = (1 << 6) - 1,
};

/* Largest message (p2p, collectives) and vector (vector) whatever
 * --bench-max-bytes says: 64 MiB covers Open MPI's rendezvous range, 256 MiB
 * vectors every cache. */
#define DSGD_BENCH_MESSAGE_MAX ((size_t)64 << 20)
#define DSGD_BENCH_VECTOR_MAX ((size_t)256 << 20)
#define DSGD_BENCH_MAX_BYTES_LIMIT ((size_t)1 << 30)

typedef struct dsgd_bench_plan {
    unsigned kinds; /* DSGD_BENCH_* */
    int reps, warmup;
    size_t max_bytes;
    const dsgd_dataset *data; /* for io */
    uint64_t seed;
    int quiet; /* no progress lines */
    /* where the layers run (device.h; NULL: the CPU): dsgd-run --device */
    const struct dsgd_device *device;
} dsgd_bench_plan;

/* The plan the flags of cfg ask for (--bench, --bench-reps,
 * --bench-warmup, --bench-max-bytes, --data, --seed, --quiet).  Returns 0,
 * or -1 with a one-line reason naming the flag and the value in err. */
int dsgd_bench_plan_init(dsgd_bench_plan *p, const dsgd_config *cfg, const dsgd_dataset *data,
                         char *err, size_t errlen);

/* The kinds as --bench spells them, comma-separated, into out. */
void dsgd_bench_kinds_str(unsigned kinds, char *out, size_t len);

/* Runs the plan on every rank (collective over all ranks).  Events go to
 * c's trace.  Returns DSGD_OK or a dsgd_status, with a reason in err. */
int dsgd_bench_run(dsgd_comm *c, const dsgd_bench_plan *p, char *err, size_t errlen);

#endif

/* config.h — the command line shared by dsgd-sim and dsgd-run.
 *
 * A generic parser over option tables (option.h): the core table below
 * (config.c) holds the flags every run reads; each component the user
 * selects (--algo, --model, --data, --allreduce, --coll-model) brings its
 * own options, stored in its own options struct.  A flag cannot exist
 * without being documented, and --help groups the flags by their owner.
 * Flags of one program are refused by the other with a message naming the
 * right program; a variant's flag given to another variant names its
 * owner. */
#ifndef DSGD_CONFIG_H
#define DSGD_CONFIG_H

#include <stdint.h>
#include <stdio.h>

#include "core/option.h"

/* The flags that select a component. */
typedef enum dsgd_selector {
    DSGD_SEL_ALGO,       /* --algo: SGD variant (algorithms/) */
    DSGD_SEL_MODEL,      /* --model (core/model.c) */
    DSGD_SEL_DATA,       /* --data (core/data.c); a directory is also accepted */
    DSGD_SEL_ALLREDUCE,  /* --allreduce (sim/) */
    DSGD_SEL_COLL_MODEL, /* --coll-model (sim/) */
    DSGD_SEL_COUNT
} dsgd_selector;

/* The component a selecting flag chose, and its options. */
typedef struct dsgd_choice {
    const dsgd_component *component; /* NULL: not a registered name (a --data directory) */
    void *options;                   /* its options struct; NULL if it has none */
} dsgd_choice;

/* What a program offers: per selector, a NULL-terminated list of
 * components (NULL: the program has no such flag). */
typedef struct dsgd_cli {
    dsgd_program prog;
    const dsgd_component *const *choices[DSGD_SEL_COUNT];
    FILE *out; /* where --help, --version and lists go (NULL: nowhere) */
} dsgd_cli;

typedef struct dsgd_config {
    /* what runs */
    char algo[32];
    char model[32];
    char data[512];
    char payload[16]; /* "auto", "real" or "phantom" (auto is resolved before a run) */
    long iters;       /* DSGD_ITERS_UNBOUNDED: until --time-budget or --samples */
    int batch;
    double lr;
    double momentum;
    uint64_t seed;
    char trace[1024];
    int json;
    int quiet;
    /* training schedule */
    long epochs;          /* 0: run --iters iterations */
    double time_budget;   /* seconds of training before the workers stop (0: none) */
    long samples;         /* training samples, all workers together, before they stop (0: none) */
    int nesterov;         /* Nesterov momentum */
    double weight_decay;  /* L2 coefficient added to the gradient */
    double warmup_epochs; /* linear learning-rate warm-up */
    char lr_steps[128];   /* epochs at which the rate is multiplied by lr_decay */
    double lr_decay;
    long eval_every;       /* iterations between test evaluations (0: only at the end) */
    char eval_model[16];   /* which parameters are evaluated: average|each|leader|rank0|shards */
    char checkpoint[1024]; /* directory of checkpoints ("" none) */
    long checkpoint_every; /* iterations between checkpoints (0: only at the end) */
    char resume[1024];     /* directory to resume from ("" none) */
    /* what every variant's workers do alike */
    double laplacian_sigma; /* Laplacian smoothing of the gradient (0: off) */
    int node_size;          /* ranks per node as the variants see them (0: the machines) */
    double init_noise;      /* workers perturb their initial parameters (consensus tests) */
    /* dsgd-run only: how ranks wait (exec/exec.h) */
    char idle[8]; /* "spin", "yield" or "sleep" */
    /* dsgd-run only: where the models' math runs (exec/cuda/device_cuda.h) */
    char device[16];    /* "cpu", "cuda" (GPU = local rank mod GPUs) or "cuda:N" */
    char comm_path[16]; /* filled by dsgd-run: "host", or "host-staged" (GPU) */
    /* dsgd-run only: micro-benchmarks instead of training (exec/bench.h) */
    char bench[64];           /* "": train; else kinds, comma-separated */
    int bench_reps;           /* timed repetitions per point */
    int bench_warmup;         /* untimed repetitions before them */
    char bench_max_bytes[16]; /* largest message/vector, with K/M/G suffix */
    /* dsgd-sim only */
    char platform[1024];
    int nodes;                /* 0: every host of the platform */
    char ranks_per_host[16];  /* "cores" or a number: ranks per host (sim/sim.h) */
    char cost_profile[1024];  /* "": built-in defaults */
    char allreduce[24];       /* a name of dsgd_sim_allreduce_algos */
    char coll_model[16];      /* a name of dsgd_sim_coll_models */
    char coll_model_why[200]; /* why dsgd-sim simulates collectives that way (the JSON says) */
    char p2p_model[16];       /* auto, message or flow (dsgd-sim --p2p-model) */
    char p2p_model_why[200];  /* why dsgd-sim simulates point to point that way */
    char symmetry[8];         /* auto|on|off (--symmetry) */
    int symmetric;            /* dsgd-sim ran in symmetry mode (the JSON says) */
    char symmetry_why[200];   /* why it did or did not */
    int simulated_ranks;      /* ranks it ran as actors */
    char compute_pricing[8];  /* "curves" or "rates": how the profile prices layers (JSON) */
    int stack_kib;            /* actor stacks dsgd-sim ran with (sim/contexts.c) */
    int guard_pages;          /* guard pages below each */
    char contexts_why[160];   /* why (the JSON says) */
    char sweep[256];          /* "nodes=16,64,...": one run per point */
    char sweep_out[1024];     /* where the sweep's table goes ("": stdout) */
    char sweep_variants[1024]; /* one variant's flags per line: every node count for each */
    dsgd_strlist sim_cfg;     /* --cfg KEY:VALUE, passed to SimGrid */
    dsgd_strlist slow;        /* --slow HOSTS:FACTOR[@T0-T1] */
    dsgd_strlist fail;        /* --fail HOST@T */
    char jitter[32];          /* --jitter CV[:normal|lognormal] ("": none) */
    char waits[8];            /* --waits exact|polled (core/idle.h) */
    dsgd_strlist log;         /* --log CATEGORY.thres:LEVEL, SimGrid's syntax */
    /* the components chosen, with their options (dsgd_config_free) */
    dsgd_choice choice[DSGD_SEL_COUNT];
} dsgd_config;

enum { DSGD_CONFIG_OK = 0, DSGD_CONFIG_EXIT = 1, DSGD_CONFIG_ERROR = -1 };

/* Fills cfg with defaults, then parses argv.  Returns DSGD_CONFIG_OK;
 * DSGD_CONFIG_EXIT after printing --help, --version or a list (`--algo
 * list`) to cli->out; or DSGD_CONFIG_ERROR with a one-line reason (naming
 * the flag and value) in err.  argv strings must outlive cfg (lists point
 * into them).  Free with dsgd_config_free whatever it returned. */
int dsgd_config_parse(dsgd_config *cfg, int argc, char **argv, const dsgd_cli *cli, char *err,
                      size_t errlen);
void dsgd_config_free(dsgd_config *cfg);
/* The flags that define the run cfg holds, as "--name=value" (or "--name"
 * for a boolean that is on), passed one by one to emit: every flag of the
 * core table and of the chosen components that both programs accept,
 * defaults included (a replay does not depend on today's defaults), unset
 * ones and outputs (--trace, --json, --checkpoint, ...) left out.  Given to
 * dsgd-sim or dsgd-run, they run the same configuration (dsgd-validate
 * replays real runs so; the JSON's `flags`). */
void dsgd_config_flags(const dsgd_config *cfg, void (*emit)(void *ctx, const char *flag),
                       void *ctx);
/* Writes --help for the program cli describes. */
void dsgd_config_usage(FILE *out, const dsgd_cli *cli);

/* The options struct of the component chosen by `sel` (NULL: none). */
static inline const void *dsgd_config_options(const dsgd_config *cfg, dsgd_selector sel)
{
    return cfg->choice[sel].options;
}

/* --iters when --time-budget or --samples ends the run instead. */
#define DSGD_ITERS_UNBOUNDED (1L << 40)

/* Whether the run may stop before its iterations: --time-budget, --samples. */
static inline int dsgd_config_stops_early(const dsgd_config *cfg)
{
    return cfg->time_budget > 0 || cfg->samples > 0;
}

#define DSGD_MAX_LR_STEPS 16
/* The epochs of --lr-steps into epochs[DSGD_MAX_LR_STEPS]: returns their
 * count, or -1 with a reason in err. */
int dsgd_config_lr_steps(const dsgd_config *cfg, double *epochs, char *err, size_t errlen);

static inline int dsgd_config_phantom(const dsgd_config *cfg) { return cfg->payload[0] == 'p'; }

#endif

/* config.h — the command line shared by dsgd-sim and dsgd-run.
 *
 * One table of flags (config.c) drives parsing, validation and --help, so a
 * flag cannot exist without being documented.  Flags specific to one program
 * are rejected by the other with a message that names the right program. */
#ifndef DSGD_CONFIG_H
#define DSGD_CONFIG_H

#include <stdint.h>
#include <stdio.h>

typedef enum dsgd_program { DSGD_PROG_SIM = 1, DSGD_PROG_RUN = 2 } dsgd_program;

#define DSGD_MAX_LIST 16

/* A repeatable flag's values (pointers into argv). */
typedef struct dsgd_strlist {
    int n;
    const char *items[DSGD_MAX_LIST];
} dsgd_strlist;

typedef struct dsgd_config {
    /* shared */
    char algo[32];
    char model[32];
    char hidden[64];
    char data[512];
    char payload[16]; /* "auto", "real" or "phantom" (auto is resolved before a run) */
    long iters;
    int batch;
    double lr;
    double momentum;
    uint64_t seed;
    char trace[1024];
    int json;
    int quiet;
    /* training schedule (issue #4) */
    long epochs;          /* 0: run --iters iterations */
    int nesterov;         /* Nesterov momentum */
    double weight_decay;  /* L2 coefficient added to the gradient */
    double warmup_epochs; /* linear learning-rate warm-up */
    char lr_steps[128];   /* epochs at which the rate is multiplied by lr_decay */
    double lr_decay;
    long eval_every;       /* iterations between test evaluations (0: only at the end) */
    char checkpoint[1024]; /* directory of checkpoints ("" none) */
    long checkpoint_every; /* iterations between checkpoints (0: only at the end) */
    char resume[1024];     /* directory to resume from ("" none) */
    /* algorithm variants (issue #5; see each algorithms/<name>.c) */
    double bucket_mb;       /* ssgd: gradient buckets of this many MiB (0: one allreduce) */
    int servers;            /* ssgd-ps, asgd, odsgd, easgd: parameter servers */
    long push_every;        /* asgd: steps between gradient pushes */
    double server_lr_scale; /* asgd: server's learning rate / --lr (0: 1/workers) */
    long pull_every;        /* asgd: steps between parameter pulls */
    long warmup_steps;      /* odsgd: plain synchronous steps first */
    double local_lr;        /* odsgd: learning rate of the local update */
    double local_dc;        /* odsgd: delay-compensation lambda (0: none) */
    long l_comm;            /* leader: steps between local (node) leader pulls */
    long g_comm;            /* leader: steps between global leader pulls */
    long loss_window;       /* leader: batches averaged into a worker's loss */
    double c1, c2;          /* leader: local and global pull strengths */
    long tau;               /* easgd: steps between exchanges with the centre */
    double alpha;           /* easgd: elastic moving rate */
    long sync_every;        /* localsgd, lasgd: steps between model averagings */
    long gossip_every;      /* gossip: steps between gossip exchanges */
    char gossip[8];         /* gossip: push or pull */
    double laplacian_sigma; /* any variant: Laplacian smoothing of the gradient (0: off) */
    int node_size;          /* lsgd, leader: ranks per node (0: the platform's machines) */
    double init_noise;      /* workers perturb their initial parameters (consensus tests) */
    /* dsgd-sim only */
    char platform[1024];
    int nodes;               /* 0: every host of the platform */
    char cost_profile[1024]; /* "": built-in defaults */
    char allreduce[24];      /* auto ring halving-doubling tree hierarchical */
    char coll_model[16];     /* message flow */
    char sweep[256];         /* "nodes=16,64,...": one run per point */
    char sweep_out[1024];    /* where the sweep's table goes ("": stdout) */
    dsgd_strlist sim_cfg;    /* --cfg KEY:VALUE, passed to SimGrid */
    dsgd_strlist slow;       /* --slow HOSTS:FACTOR[@T0-T1] */
    dsgd_strlist fail;       /* --fail HOST@T */
} dsgd_config;

enum { DSGD_CONFIG_OK = 0, DSGD_CONFIG_EXIT = 1, DSGD_CONFIG_ERROR = -1 };

/* Fills cfg with defaults, then parses argv.  Returns DSGD_CONFIG_OK;
 * DSGD_CONFIG_EXIT after printing --help or --version to stdout; or
 * DSGD_CONFIG_ERROR with a one-line reason (naming the flag and value) in
 * err.  argv strings must outlive cfg (sim_cfg points into them). */
int dsgd_config_parse(dsgd_config *cfg, int argc, char **argv, dsgd_program prog, char *err,
                      size_t errlen);
void dsgd_config_usage(FILE *out, dsgd_program prog);

#define DSGD_MAX_LR_STEPS 16
/* The epochs of --lr-steps into epochs[DSGD_MAX_LR_STEPS]: returns their
 * count, or -1 with a reason in err. */
int dsgd_config_lr_steps(const dsgd_config *cfg, double *epochs, char *err, size_t errlen);

static inline int dsgd_config_phantom(const dsgd_config *cfg) { return cfg->payload[0] == 'p'; }

#endif

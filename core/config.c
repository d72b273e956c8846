/* config.c — flag table, parser and --help for both programs. */
#include "core/config.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define DSGD_VERSION "0.1.0"

typedef enum { ARG_STR, ARG_LONG, ARG_INT, ARG_DOUBLE, ARG_U64, ARG_BOOL, ARG_LIST } arg_type;

typedef struct flag {
    const char *name; /* without the leading "--" */
    arg_type type;
    size_t offset;  /* into dsgd_config */
    size_t size;    /* buffer size for ARG_STR */
    unsigned progs; /* DSGD_PROG_* bits that accept it */
    double min;     /* numeric lower bound (inclusive) */
    const char *metavar;
    const char *help;
    const char *choices; /* ARG_STR: the allowed values, '|'-separated */
} flag;

#define BOTH (DSGD_PROG_SIM | DSGD_PROG_RUN)
#define SIM DSGD_PROG_SIM
#define STR(field) ARG_STR, offsetof(dsgd_config, field), sizeof(((dsgd_config *)0)->field)
#define NUM(type, field) type, offsetof(dsgd_config, field), 0

static const flag flags[] = {
    {"algo", STR(algo), BOTH, 0, "NAME", "SGD variant to run; 'list' prints them (default ssgd)",
     NULL},
    {"model", STR(model), BOTH, 0, "NAME",
     "executable: mlp, cnn; descriptors: lenet5, alexnet, vgg16, resnet18, resnet50, inception-v3, "
     "bert-large (default mlp)",
     NULL},
    {"hidden", STR(hidden), BOTH, 0, "W[,W...]",
     "hidden widths of the mlp, or of the cnn's dense head (default 128)", NULL},
    {"data", STR(data), BOTH, 0, "NAME|DIR",
     "synthetic, fashion-mnist, or a directory of MNIST-style IDX files (default synthetic)", NULL},
    {"payload", STR(payload), BOTH, 0, "auto|real|phantom",
     "real buffers and math, or sizes only; auto: real if the model can run (default auto)",
     "auto|real|phantom"},
    {"iters", NUM(ARG_LONG, iters), BOTH, 1, "N", "training iterations (default 50)", NULL},
    {"batch", NUM(ARG_INT, batch), BOTH, 1, "B", "minibatch per worker (default 32)", NULL},
    {"lr", NUM(ARG_DOUBLE, lr), BOTH, 0, "X", "learning rate (default 0.05)", NULL},
    {"momentum", NUM(ARG_DOUBLE, momentum), BOTH, 0, "X", "SGD momentum (default 0.9)", NULL},
    {"epochs", NUM(ARG_LONG, epochs), BOTH, 1, "E",
     "train E epochs of the largest shard (overrides --iters)", NULL},
    {"nesterov", NUM(ARG_BOOL, nesterov), BOTH, 0, NULL, "Nesterov momentum", NULL},
    {"weight-decay", NUM(ARG_DOUBLE, weight_decay), BOTH, 0, "X", "L2 weight decay (default 0)",
     NULL},
    {"warmup-epochs", NUM(ARG_DOUBLE, warmup_epochs), BOTH, 0, "E",
     "linear learning-rate warm-up over E epochs (default 0)", NULL},
    {"lr-steps", STR(lr_steps), BOTH, 0, "E[,E...]|none",
     "epochs at which the learning rate is multiplied by --lr-decay (default with --epochs E: "
     "E/2 and 3E/4; otherwise none)",
     NULL},
    {"lr-decay", NUM(ARG_DOUBLE, lr_decay), BOTH, 0, "X",
     "factor of each --lr-steps step (default 0.1)", NULL},
    {"eval-every", NUM(ARG_LONG, eval_every), BOTH, 1, "N",
     "evaluate test loss and accuracy every N iterations (default: at the end)", NULL},
    {"checkpoint", STR(checkpoint), BOTH, 0, "DIR",
     "write checkpoints (one file per rank) into DIR at the end", NULL},
    {"checkpoint-every", NUM(ARG_LONG, checkpoint_every), BOTH, 1, "N",
     "also write them every N iterations", NULL},
    {"resume", STR(resume), BOTH, 0, "DIR", "continue from the checkpoints in DIR", NULL},
    {"seed", NUM(ARG_U64, seed), BOTH, 0, "S", "seed of data, initial weights (default 1)", NULL},
    {"trace", STR(trace), BOTH, 0, "FILE", "write the event trace (CSV) to FILE", NULL},
    {"json", NUM(ARG_BOOL, json), BOTH, 0, NULL, "print a one-line JSON summary at the end", NULL},
    {"quiet", NUM(ARG_BOOL, quiet), BOTH, 0, NULL, "no progress output", NULL},
    {"bucket-mb", NUM(ARG_DOUBLE, bucket_mb), BOTH, 0, "MB",
     "ssgd: allreduce the gradient in buckets of MB MiB overlapping the backward pass (default 0: "
     "one allreduce after it)",
     NULL},
    {"servers", NUM(ARG_INT, servers), BOTH, 1, "S",
     "ssgd-ps, asgd, odsgd, easgd: parameter servers, each owning a contiguous shard (default 1)",
     NULL},
    {"push-every", NUM(ARG_LONG, push_every), BOTH, 1, "N",
     "asgd: push the accumulated gradient every N steps (default 1)", NULL},
    {"pull-every", NUM(ARG_LONG, pull_every), BOTH, 1, "N",
     "asgd: pull the parameters every N steps (default 1)", NULL},
    {"server-lr-scale", NUM(ARG_DOUBLE, server_lr_scale), BOTH, 0, "F",
     "asgd: the server applies each push at the learning rate times F (default or 0: 1/W for W "
     "workers: a round of pushes moves the model as far as one synchronous step)",
     NULL},
    {"warmup-steps", NUM(ARG_LONG, warmup_steps), BOTH, 0, "N",
     "odsgd: first N steps are plain synchronous SGD (default 200)", NULL},
    {"local-lr", NUM(ARG_DOUBLE, local_lr), BOTH, 0, "X",
     "odsgd: learning rate of the local one-step update (default 0.05)", NULL},
    {"local-dc", NUM(ARG_DOUBLE, local_dc), BOTH, 0, "L",
     "odsgd: delay compensation lambda of the local update (default 0: none)", NULL},
    {"l-comm", NUM(ARG_LONG, l_comm), BOTH, 1, "N",
     "leader: steps between pulls towards the node's leader (default 64)", NULL},
    {"g-comm", NUM(ARG_LONG, g_comm), BOTH, 1, "N",
     "leader: steps between pulls towards the global leader (default 128)", NULL},
    {"loss-window", NUM(ARG_LONG, loss_window), BOTH, 1, "N",
     "leader: a worker's loss is the mean of its last N batches (default 8)", NULL},
    {"c1", NUM(ARG_DOUBLE, c1), BOTH, 0, "X", "leader: pull strength to the local leader (0.1)",
     NULL},
    {"c2", NUM(ARG_DOUBLE, c2), BOTH, 0, "X", "leader: pull strength to the global leader (0.1)",
     NULL},
    {"tau", NUM(ARG_LONG, tau), BOTH, 1, "N",
     "easgd: steps between exchanges with the centre (default 1)", NULL},
    {"alpha", NUM(ARG_DOUBLE, alpha), BOTH, 0, "X", "easgd: elastic moving rate (default 0.1)",
     NULL},
    {"sync-every", NUM(ARG_LONG, sync_every), BOTH, 1, "N",
     "localsgd, lasgd: steps between model averagings (default 8)", NULL},
    {"gossip-every", NUM(ARG_LONG, gossip_every), BOTH, 1, "N",
     "gossip: steps between gossip exchanges (default 1)", NULL},
    {"gossip", STR(gossip), BOTH, 0, "push|pull",
     "gossip: push parameters to a random peer, or pull a random peer's (default push)",
     "push|pull"},
    {"laplacian-sigma", NUM(ARG_DOUBLE, laplacian_sigma), BOTH, 0, "S",
     "any variant: Laplacian smoothing of the gradient, g <- (I - S L)^-1 g (default 0: off)",
     NULL},
    {"node-size", NUM(ARG_INT, node_size), BOTH, 1, "K",
     "lsgd, leader: treat ranks kK..kK+K-1 as node k (default: the machines of the platform)",
     NULL},
    {"init-noise", NUM(ARG_DOUBLE, init_noise), BOTH, 0, "X",
     "workers add X * N(0,1) noise to their initial parameters (consensus tests; default 0)", NULL},
    {"platform", STR(platform), SIM, 0, "FILE",
     "SimGrid platform XML, or a name in platforms/ (default small.xml)", NULL},
    {"nodes", NUM(ARG_INT, nodes), SIM, 1, "N", "ranks to simulate (default: every host)", NULL},
    {"allreduce", STR(allreduce), SIM, 0, "ALGO",
     "auto, ring, halving-doubling, tree or hierarchical (default auto)",
     "auto|ring|halving-doubling|tree|hierarchical"},
    {"coll-model", STR(coll_model), SIM, 0, "message|flow",
     "simulate collectives message by message, or as flows (default message)", "message|flow"},
    {"sweep", STR(sweep), SIM, 0, "nodes=N1,N2,..",
     "run one simulation per node count (in parallel), print a scaling table", NULL},
    {"sweep-out", STR(sweep_out), SIM, 0, "FILE", "write the sweep's table to FILE", NULL},
    {"cost-profile", STR(cost_profile), SIM, 0, "FILE",
     "how hosts price compute, I/O and memory (default: built-in, see core/cost.h)", NULL},
    {"cfg", ARG_LIST, offsetof(dsgd_config, sim_cfg), 0, SIM, 0, "KEY:VALUE",
     "SimGrid configuration item (repeatable)", NULL},
    {"slow", ARG_LIST, offsetof(dsgd_config, slow), 0, SIM, 0, "HOSTS:F[@T0-T1]",
     "hosts (names, ranks or rank ranges a-b, comma-separated) compute F times slower, "
     "optionally only from T0 to T1 s (repeatable)",
     NULL},
    {"fail", ARG_LIST, offsetof(dsgd_config, fail), 0, SIM, 0, "HOST@T",
     "kill the rank on a host (name or rank) at simulated time T (repeatable); synchronous "
     "variants then stall (exit 3), asynchronous ones go on without a failed worker",
     NULL},
};
#define N_FLAGS (sizeof flags / sizeof flags[0])

static void set_defaults(dsgd_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    strcpy(cfg->algo, "ssgd");
    strcpy(cfg->model, "mlp");
    strcpy(cfg->hidden, "128");
    strcpy(cfg->data, "synthetic");
    strcpy(cfg->payload, "auto");
    cfg->iters = 50;
    cfg->batch = 32;
    cfg->lr = 0.05;
    cfg->momentum = 0.9;
    cfg->seed = 1;
    cfg->lr_decay = 0.1;
    cfg->servers = 1;
    cfg->push_every = cfg->pull_every = 1;
    cfg->warmup_steps = 200;
    cfg->local_lr = 0.05;
    cfg->l_comm = 64;
    cfg->g_comm = 128;
    cfg->loss_window = 8;
    cfg->c1 = cfg->c2 = 0.1;
    cfg->tau = 1;
    cfg->alpha = 0.1;
    cfg->sync_every = 8;
    cfg->gossip_every = 1;
    strcpy(cfg->gossip, "push");
    strcpy(cfg->platform, "small.xml");
    strcpy(cfg->allreduce, "auto");
    strcpy(cfg->coll_model, "message");
}

static const char *prog_name(dsgd_program prog)
{
    return prog == DSGD_PROG_SIM ? "dsgd-sim" : "dsgd-run";
}

void dsgd_config_usage(FILE *out, dsgd_program prog)
{
    if (prog == DSGD_PROG_SIM)
        fprintf(out, "usage: dsgd-sim [FLAGS]\n"
                     "Simulates distributed SGD on a SimGrid platform (time is simulated).\n\n");
    else
        fprintf(out, "usage: mpirun -np N dsgd-run [FLAGS]\n"
                     "Runs distributed SGD for real over MPI (time is wall time).\n\n");
    fprintf(out, "flags (--flag VALUE or --flag=VALUE):\n");
    for (size_t i = 0; i < N_FLAGS; i++) {
        if (!(flags[i].progs & prog))
            continue;
        char lhs[64];
        snprintf(lhs, sizeof lhs, "--%s%s%s", flags[i].name, flags[i].metavar ? " " : "",
                 flags[i].metavar ? flags[i].metavar : "");
        fprintf(out, "  %-26s %s\n", lhs, flags[i].help);
    }
    fprintf(out, "  %-26s %s\n  %-26s %s\n", "--help", "this text", "--version",
            "print the version");
}

static const flag *find_flag(const char *name, size_t len)
{
    for (size_t i = 0; i < N_FLAGS; i++)
        if (strlen(flags[i].name) == len && strncmp(flags[i].name, name, len) == 0)
            return &flags[i];
    return NULL;
}

/* Whether value is one of the '|'-separated choices. */
static int is_choice(const char *value, const char *choices)
{
    size_t len = strlen(value);
    for (const char *c = choices; c; c = strchr(c, '|') ? strchr(c, '|') + 1 : NULL)
        if (strncmp(c, value, len) == 0 && (c[len] == '|' || c[len] == '\0'))
            return 1;
    return 0;
}

static int set_value(dsgd_config *cfg, const flag *f, const char *value, char *err, size_t errlen)
{
    char *field = (char *)cfg + f->offset;
    char *end = NULL;
    errno = 0;
    switch (f->type) {
    case ARG_STR:
        if (strlen(value) >= f->size || value[0] == '\0') {
            snprintf(err, errlen, "--%s: value '%s' is empty or too long", f->name, value);
            return -1;
        }
        if (f->choices && !is_choice(value, f->choices)) {
            snprintf(err, errlen, "--%s: bad value '%s' (want %s)", f->name, value, f->choices);
            return -1;
        }
        strcpy(field, value);
        return 0;
    case ARG_LIST: {
        dsgd_strlist *list = (dsgd_strlist *)field;
        if (list->n == DSGD_MAX_LIST) {
            snprintf(err, errlen, "--%s: more than %d items", f->name, DSGD_MAX_LIST);
            return -1;
        }
        /* the metavar shows the separator the value needs (':' or '@') */
        if (!strchr(value, *strpbrk(f->metavar, ":@"))) {
            snprintf(err, errlen, "--%s: '%s' is not %s", f->name, value, f->metavar);
            return -1;
        }
        list->items[list->n++] = value;
        return 0;
    }
    case ARG_BOOL: return 0; /* handled by the caller: booleans take no value */
    case ARG_DOUBLE: {
        double v = strtod(value, &end);
        if (end == value || *end || errno || !isfinite(v) || v < f->min) {
            snprintf(err, errlen, "--%s: bad value '%s' (want a number >= %g)", f->name, value,
                     f->min);
            return -1;
        }
        *(double *)field = v;
        return 0;
    }
    case ARG_LONG:
    case ARG_INT:
    case ARG_U64: {
        if (value[0] == '-' && f->type == ARG_U64)
            errno = ERANGE;
        unsigned long long u = 0;
        long long v = 0;
        if (f->type == ARG_U64)
            u = strtoull(value, &end, 10);
        else
            v = strtoll(value, &end, 10);
        long long max = f->type == ARG_INT ? 1LL << 30 : 1LL << 53;
        if (end == value || *end || errno || (f->type != ARG_U64 && (v < f->min || v > max))) {
            snprintf(err, errlen, "--%s: bad value '%s' (want an integer >= %g)", f->name, value,
                     f->min);
            return -1;
        }
        if (f->type == ARG_U64)
            *(uint64_t *)field = u;
        else if (f->type == ARG_LONG)
            *(long *)field = (long)v;
        else
            *(int *)field = (int)v;
        return 0;
    }
    }
    return -1;
}

static int validate(const dsgd_config *cfg, char *err, size_t errlen)
{
    double steps[DSGD_MAX_LR_STEPS];
    if (cfg->lr_steps[0] && dsgd_config_lr_steps(cfg, steps, err, errlen) < 0)
        return -1;
    if ((cfg->checkpoint_every && !cfg->checkpoint[0])) {
        snprintf(err, errlen, "--checkpoint-every: needs --checkpoint DIR");
        return -1;
    }
    if ((cfg->checkpoint[0] || cfg->resume[0]) && dsgd_config_phantom(cfg)) {
        snprintf(err, errlen, "--%s: needs --payload real (phantom runs have no parameters)",
                 cfg->checkpoint[0] ? "checkpoint" : "resume");
        return -1;
    }
    return 0;
}

int dsgd_config_lr_steps(const dsgd_config *cfg, double *epochs, char *err, size_t errlen)
{
    int n = 0;
    const char *s = strcmp(cfg->lr_steps, "none") == 0 ? "" : cfg->lr_steps;
    while (*s) {
        char *end;
        double e = strtod(s, &end);
        if (end == s || !isfinite(e) || e <= 0 || (n > 0 && e <= epochs[n - 1]) ||
            (*end && *end != ',') || n == DSGD_MAX_LR_STEPS) {
            snprintf(err, errlen,
                     "--lr-steps: bad list '%s' (want up to %d increasing epochs, e.g. 3,4)",
                     cfg->lr_steps, DSGD_MAX_LR_STEPS);
            return -1;
        }
        epochs[n++] = e;
        s = *end ? end + 1 : end;
    }
    return n;
}

int dsgd_config_parse(dsgd_config *cfg, int argc, char **argv, dsgd_program prog, char *err,
                      size_t errlen)
{
    set_defaults(cfg);
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            dsgd_config_usage(stdout, prog);
            return DSGD_CONFIG_EXIT;
        }
        if (strcmp(arg, "--version") == 0) {
            printf("%s %s\n", prog_name(prog), DSGD_VERSION);
            return DSGD_CONFIG_EXIT;
        }
        if (strncmp(arg, "--", 2) != 0) {
            snprintf(err, errlen, "unexpected argument '%s' (flags start with --; see --help)",
                     arg);
            return DSGD_CONFIG_ERROR;
        }
        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const flag *f = find_flag(name, len);
        if (!f) {
            snprintf(err, errlen, "unknown flag '%.*s' (see %s --help)", (int)(len + 2), arg,
                     prog_name(prog));
            return DSGD_CONFIG_ERROR;
        }
        if (!(f->progs & prog)) {
            snprintf(err, errlen, "flag '--%s' belongs to %s, not %s", f->name,
                     prog_name(prog == DSGD_PROG_SIM ? DSGD_PROG_RUN : DSGD_PROG_SIM),
                     prog_name(prog));
            return DSGD_CONFIG_ERROR;
        }
        if (f->type == ARG_BOOL) {
            if (eq) {
                snprintf(err, errlen, "flag '--%s' takes no value", f->name);
                return DSGD_CONFIG_ERROR;
            }
            *(int *)((char *)cfg + f->offset) = 1;
            continue;
        }
        const char *value = eq ? eq + 1 : NULL;
        if (!value) {
            if (i + 1 >= argc) {
                snprintf(err, errlen, "flag '--%s' needs a value (%s)", f->name, f->metavar);
                return DSGD_CONFIG_ERROR;
            }
            value = argv[++i];
        }
        if (set_value(cfg, f, value, err, errlen) != 0)
            return DSGD_CONFIG_ERROR;
    }
    return validate(cfg, err, errlen) == 0 ? DSGD_CONFIG_OK : DSGD_CONFIG_ERROR;
}

/* config.c — the core flag table and the generic parser and --help over it
 * and the selected components' tables (see config.h). */
#include "core/config.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define DSGD_VERSION "0.1.0"

#define SIM .progs = DSGD_PROG_SIM
#define RUN .progs = DSGD_PROG_RUN
#define AT(field) DSGD_OPT_AT(dsgd_config, field)

/* Flags every run reads, in the order --help shows them. */
static const dsgd_option core_options[] = {
    {"algo", DSGD_OPT_STR, AT(algo), .def = "ssgd", .metavar = "NAME",
     .help = "SGD variant (below); 'list' prints them"},
    {"model", DSGD_OPT_STR, AT(model), .def = "mlp", .metavar = "NAME",
     .help = "model (below); 'list' prints them"},
    {"data", DSGD_OPT_STR, AT(data), .def = "synthetic", .metavar = "NAME|DIR",
     .help = "data set, or a directory of MNIST-style IDX files; 'list' prints them"},
    {"payload", DSGD_OPT_STR, AT(payload), .def = "auto", .metavar = "auto|real|phantom",
     .help = "real buffers and math, or sizes only; auto: real if the model can run",
     .choices = "auto|real|phantom"},
    {"iters", DSGD_OPT_LONG, AT(iters), .min = 1, .metavar = "N",
     .help = "training iterations (default 50; with --time-budget or --samples: as many as "
             "they allow)"},
    {"batch", DSGD_OPT_INT, AT(batch), .def = "32", .min = 1, .metavar = "B",
     .help = "minibatch per worker"},
    {"lr", DSGD_OPT_DOUBLE, AT(lr), .def = "0.05", .metavar = "X", .help = "learning rate"},
    {"momentum", DSGD_OPT_DOUBLE, AT(momentum), .def = "0.9", .metavar = "X",
     .help = "SGD momentum"},
    {"epochs", DSGD_OPT_LONG, AT(epochs), .min = 1, .metavar = "E",
     .help = "train E epochs of the largest shard (overrides --iters)"},
    {"time-budget", DSGD_OPT_DOUBLE, AT(time_budget), .def = "0", .metavar = "S",
     .help = "stop after S seconds of training (simulated in dsgd-sim, wall in dsgd-run), at "
             "the first iteration boundary past S; asynchronous variants' workers each on their "
             "own clock (0: no limit)"},
    {"samples", DSGD_OPT_LONG, AT(samples), .min = 1, .metavar = "N",
     .help = "stop once the workers together have trained on N samples (asynchronous "
             "variants: fast workers take more of them)"},
    {"nesterov", DSGD_OPT_BOOL, AT(nesterov), .help = "Nesterov momentum"},
    {"weight-decay", DSGD_OPT_DOUBLE, AT(weight_decay), .def = "0", .metavar = "X",
     .help = "L2 weight decay"},
    {"warmup-epochs", DSGD_OPT_DOUBLE, AT(warmup_epochs), .def = "0", .metavar = "E",
     .help = "linear learning-rate warm-up over E epochs"},
    {"lr-steps", DSGD_OPT_STR, AT(lr_steps), .metavar = "E[,E...]|none",
     .help = "epochs at which the learning rate is multiplied by --lr-decay (default with "
             "--epochs E: E/2 and 3E/4; otherwise none)"},
    {"lr-decay", DSGD_OPT_DOUBLE, AT(lr_decay), .def = "0.1", .metavar = "X",
     .help = "factor of each --lr-steps step"},
    {"eval-every", DSGD_OPT_LONG, AT(eval_every), .min = 1, .metavar = "N",
     .help = "evaluate test loss and accuracy every N iterations (default: at the end)"},
    {"eval-model", DSGD_OPT_STR, AT(eval_model), .def = "average", .metavar = "WHICH",
     .help = "the parameters evaluated when workers' models differ (gossip, leader, easgd, ...): "
             "average (the workers' mean model), each (every worker's model on the whole test "
             "split, accuracies averaged), leader (the worker of lowest recent training loss), "
             "rank0 (the first worker's), shards (each worker's model on its share of the split)",
     .choices = "average|each|leader|rank0|shards"},
    {"checkpoint", DSGD_OPT_STR, AT(checkpoint), .metavar = "DIR",
     .help = "write checkpoints (one file per rank) into DIR at the end", .output = 1},
    {"checkpoint-every", DSGD_OPT_LONG, AT(checkpoint_every), .min = 1, .metavar = "N",
     .help = "also write them every N iterations", .output = 1},
    {"resume", DSGD_OPT_STR, AT(resume), .metavar = "DIR",
     .help = "continue from the checkpoints in DIR"},
    {"seed", DSGD_OPT_U64, AT(seed), .def = "1", .metavar = "S",
     .help = "seed of data and initial weights"},
    {"trace", DSGD_OPT_STR, AT(trace), .metavar = "FILE",
     .help = "write the event trace (CSV) to FILE", .output = 1},
    {"json", DSGD_OPT_BOOL, AT(json), .help = "print a one-line JSON summary at the end",
     .output = 1},
    {"quiet", DSGD_OPT_BOOL, AT(quiet), .help = "no progress output", .output = 1},
    {"laplacian-sigma", DSGD_OPT_DOUBLE, AT(laplacian_sigma), .def = "0", .metavar = "S",
     .help = "any variant: Laplacian smoothing of the gradient, g <- (I - S L)^-1 g (0: off)"},
    {"node-size", DSGD_OPT_INT, AT(node_size), .min = 1, .metavar = "K",
     .help = "variants that group ranks by node (lsgd, leader): ranks kK..kK+K-1 form node k "
             "(default: the platform's machines; lsgd on one-rank machines: groups of 8)"},
    {"init-noise", DSGD_OPT_DOUBLE, AT(init_noise), .def = "0", .metavar = "X",
     .help = "workers add X * N(0,1) noise to their initial parameters (consensus tests)"},
    {"idle", DSGD_OPT_STR, AT(idle), .def = "sleep", .metavar = "spin|yield|sleep", RUN,
     .choices = "spin|yield|sleep",
     .help = "what a rank does while it waits for others: spin (MPI's busy polling), yield (the "
             "same with Open MPI's mpi_yield_when_idle), sleep (poll, then nap between polls: "
             "leaves the core to working ranks on a busy machine)"},
    {"device", DSGD_OPT_STR, AT(device), .def = "cpu", .metavar = "cpu|cuda[:N]", RUN,
     .help = "where the executable models compute: cpu (OpenBLAS), cuda (the GPU of index local "
             "rank mod GPUs; cuBLAS and cuDNN) or cuda:N (GPU N for every rank)"},
    {"bench", DSGD_OPT_STR, AT(bench), .metavar = "KIND[,KIND..]", RUN,
     .help = "run micro-benchmarks instead of training, into --trace: p2p (ping-pong between "
             "ranks 0 and 1, 1 B doubling up to --bench-max-bytes), allreduce (allreduce, "
             "reduce, bcast, allgather over sizes), layers (each CPU layer kind's forward and "
             "backward over batches 1, 8, 32, 128), vector (axpy, scale, copy, sgd_step), io "
             "(minibatch loads of --data), naps (how long a waiting rank's naps last), or all"},
    {"bench-reps", DSGD_OPT_INT, AT(bench_reps), .def = "10", .min = 1, .max = 100000,
     .metavar = "R", RUN, .help = "timed repetitions of each --bench point (trace column iter)"},
    {"bench-warmup", DSGD_OPT_INT, AT(bench_warmup), .def = "2", .min = 0, .max = 100000,
     .metavar = "W", RUN, .help = "untimed repetitions before them (not in the trace)"},
    {"bench-max-bytes", DSGD_OPT_STR, AT(bench_max_bytes), .def = "64M", .metavar = "N[K|M|G]", RUN,
     .help = "largest message and vector of --bench (p2p goes to 64M at most, vectors to 256M)"},
    {"platform", DSGD_OPT_STR, AT(platform), .def = "small.xml", .metavar = "FILE", SIM,
     .help = "SimGrid platform XML, or a name in platforms/"},
    {"nodes", DSGD_OPT_INT, AT(nodes), .min = 1, .metavar = "N", SIM,
     .help = "ranks to simulate (default: as many as the hosts that can take a worker hold, "
             "see --ranks-per-host, plus the servers or communicators the variant keeps on CPU "
             "hosts while those have room)"},
    {"ranks-per-host", DSGD_OPT_STR, AT(ranks_per_host), .def = "cores", .metavar = "N|cores", SIM,
     .help = "ranks a host takes, consecutive ranks together (cores: its core count; an N above "
             "it oversubscribes the host: its ranks share its cores)"},
    {"allreduce", DSGD_OPT_STR, AT(allreduce), .def = "auto", .metavar = "ALGO", SIM,
     .help = "message-level allreduce algorithm; 'list' prints them"},
    {"coll-model", DSGD_OPT_STR, AT(coll_model), .def = "auto", .metavar = "MODEL", SIM,
     .help = "how collectives are simulated; 'list' prints them"},
    {"p2p-model", DSGD_OPT_STR, AT(p2p_model), .def = "auto", .metavar = "auto|message|flow", SIM,
     .choices = "auto|message|flow",
     .help = "how point-to-point messages are simulated: message (one SimGrid transfer each) or "
             "flow (a fluid model of the network's links, README \"Flow-level point to point\"); "
             "auto: flow for point-to-point variants from 512 ranks on"},
    {"symmetry", DSGD_OPT_STR, AT(symmetry), .def = "auto", .metavar = "auto|on|off", SIM,
     .choices = "auto|on|off",
     .help = "simulate only the first machine's ranks, each standing for the ranks of every other "
             "machine, with collectives priced over all ranks by the flow model: for variants "
             "whose ranks are interchangeable (ssgd, localsgd, lasgd) with --payload phantom, "
             "identical hosts, no --slow, --fail or --jitter.  auto: from 16,384 ranks on when "
             "that holds, the flow model is exact and no --trace is asked for; on: or exit 2 "
             "naming what breaks it; off: never.  Per-rank outputs (--trace) then hold the "
             "simulated ranks only; the JSON's aggregates (workers, samples) are for all ranks"},
    {"sweep", DSGD_OPT_STR, AT(sweep), .metavar = "nodes=N1,N2,..", SIM,
     .help = "run one simulation per node count (in parallel; under mpirun -np K the K processes "
             "share the points), print a scaling table"},
    {"sweep-out", DSGD_OPT_STR, AT(sweep_out), .metavar = "FILE", SIM,
     .help = "write the sweep's table to FILE"},
    {"sweep-variants", DSGD_OPT_STR, AT(sweep_variants), .metavar = "FILE", SIM,
     .help = "sweep every variant of FILE (one per line: its flags, e.g. --algo asgd --servers 8; "
             "'#' comments) over the node counts, on the platform loaded once; one table"},
    {"cost-profile", DSGD_OPT_STR, AT(cost_profile), .metavar = "FILE", SIM,
     .help = "how hosts price compute, I/O and memory (default: built-in, see core/cost.h)"},
    {"cfg", DSGD_OPT_LIST, AT(sim_cfg), .metavar = "KEY:VALUE", SIM,
     .help = "SimGrid configuration item (repeatable)"},
    {"log", DSGD_OPT_LIST, AT(log), .metavar = "CATEGORY.thres:LEVEL", SIM,
     .help = "SimGrid log setting, e.g. dsgd.thres:verbose or dsgd_flow.thres:debug "
             "(repeatable; categories: dsgd and its children)"},
    {"slow", DSGD_OPT_LIST, AT(slow), .metavar = "HOSTS:F[@T0-T1]", SIM,
     .help = "hosts (names, ranks or rank ranges a-b, comma-separated) compute F times slower, "
             "optionally only from T0 to T1 s (repeatable)"},
    {"jitter", DSGD_OPT_STR, AT(jitter), .metavar = "CV[:normal|lognormal]", SIM,
     .help = "every compute charge times a random factor of mean 1 and this coefficient of "
             "variation, per rank from --seed (default normal; lognormal: a heavy tail); default: "
             "the cost profile's jitter_cv (dsgd-calibrate measures it), else none; 0: none"},
    {"waits", DSGD_OPT_STR, AT(waits), .def = "exact", .metavar = "exact|polled", SIM,
     .choices = "exact|polled",
     .help = "when a waiting rank sees what it waited for: exact (at once), polled (as dsgd-run "
             "--idle sleep polls: after a 20 us spin, at the end of the nap it is in, naps "
             "doubling from 1 us to 64 us and each overshooting by the cost profile's "
             "wake_latency_s; dsgd-validate replays runs that slept so)"},
    {"fail", DSGD_OPT_LIST, AT(fail), .metavar = "HOST@T", SIM,
     .help = "kill a rank, or the ranks on a host, at simulated time T (repeatable); "
             "synchronous variants then stall (exit 3), asynchronous ones go on without a "
             "failed worker"},
    {NULL},
};

/* The core flag that selects each kind of component, and what --help
 * calls them. */
static const struct {
    const char *flag;
    size_t name_offset; /* the name's field in dsgd_config */
    const char *noun;   /* what one of them is called */
    const char *title;  /* what --help calls them all */
    int open;           /* a value outside the list is allowed (a directory) */
    const char *other;  /* ... and what it is */
} selectors[DSGD_SEL_COUNT] = {
    [DSGD_SEL_ALGO] = {"algo", offsetof(dsgd_config, algo), "variant", "SGD variants (--algo)", 0},
    [DSGD_SEL_MODEL] = {"model", offsetof(dsgd_config, model), "model", "models (--model)", 0},
    [DSGD_SEL_DATA] =
        {"data", offsetof(dsgd_config, data), "data set", "data sets (--data)", 1,
         "a directory of MNIST-style IDX files ({train,t10k}-{images-idx3,labels-idx1}"
         "-ubyte[.gz])"},
    [DSGD_SEL_ALLREDUCE] = {"allreduce", offsetof(dsgd_config, allreduce), "allreduce algorithm",
                            "allreduce algorithms of the message-level model (--allreduce)", 0},
    [DSGD_SEL_COLL_MODEL] = {"coll-model", offsetof(dsgd_config, coll_model), "collective model",
                             "collective models (--coll-model)", 0},
};

static const char *prog_name(dsgd_program prog)
{
    return prog == DSGD_PROG_SIM ? "dsgd-sim" : "dsgd-run";
}

static const char *selected_name(const dsgd_config *cfg, dsgd_selector s)
{
    return (const char *)cfg + selectors[s].name_offset;
}

void dsgd_config_usage(FILE *out, const dsgd_cli *cli)
{
    if (cli->prog == DSGD_PROG_SIM)
        fprintf(out, "usage: dsgd-sim [FLAGS]\n"
                     "Simulates distributed SGD on a SimGrid platform (time is simulated).\n\n");
    else
        fprintf(out, "usage: mpirun -np N dsgd-run [FLAGS]\n"
                     "Runs distributed SGD for real over MPI (time is wall time).\n\n");
    fprintf(out, "flags (--flag VALUE or --flag=VALUE):\n");
    dsgd_option_usage(out, core_options, cli->prog);
    fprintf(out, "  %-26s %s\n  %-26s %s\n", "--help", "this text", "--version",
            "print the version");
    for (int s = 0; s < DSGD_SEL_COUNT; s++) {
        if (!cli->choices[s])
            continue;
        int flags = 0;
        for (const dsgd_component *const *c = cli->choices[s]; *c; c++)
            flags |= (*c)->options != NULL;
        fprintf(out, "\n%s%s:\n", selectors[s].title, flags ? ", with their own flags" : "");
        for (const dsgd_component *const *c = cli->choices[s]; *c; c++)
            dsgd_component_usage(out, *c, cli->prog);
        if (selectors[s].open)
            fprintf(out, "%-18s %s\n", "DIR", selectors[s].other);
    }
}

static const dsgd_component *find_component(const dsgd_component *const *list, const char *name)
{
    for (; list && *list; list++)
        if (strcmp((*list)->name, name) == 0)
            return *list;
    return NULL;
}

/* The option named name[0..len) of any component the program offers, and
 * into *owners the names of every component that has it ("a, b"). */
static const dsgd_option *find_anywhere(const dsgd_cli *cli, const char *name, size_t len, int *sel,
                                        char *owners, size_t owners_len)
{
    const dsgd_option *found = NULL;
    size_t used = 0;
    owners[0] = '\0';
    for (int s = 0; s < DSGD_SEL_COUNT; s++)
        for (const dsgd_component *const *c = cli->choices[s]; c && *c; c++) {
            const dsgd_option *o = dsgd_option_find((*c)->options, name, len);
            if (!o)
                continue;
            if (!found) {
                found = o;
                *sel = s;
            }
            if (used < owners_len)
                used += (size_t)snprintf(owners + used, owners_len - used, "%s%s", used ? ", " : "",
                                         (*c)->name);
        }
    return found;
}

/* One argv flag split into its name and its value (NULL if none given). */
typedef struct flag_arg {
    const char *arg, *name, *value;
    size_t len;
} flag_arg;

/* Splits argv[*i]; takes the next argv entry as the value when the option
 * wants one and none came with '='.  Returns 0 or -1 with err. */
static int take_value(flag_arg *f, const dsgd_option *o, int argc, char **argv, int *i, char *err,
                      size_t errlen)
{
    if (o->type == DSGD_OPT_BOOL) {
        if (f->value) {
            snprintf(err, errlen, "flag '--%s' takes no value", o->name);
            return -1;
        }
        f->value = "1";
        return 0;
    }
    if (!f->value) {
        if (*i + 1 >= argc) {
            snprintf(err, errlen, "flag '--%s' needs a value (%s)", o->name, o->metavar);
            return -1;
        }
        f->value = argv[++*i];
    }
    return 0;
}

static int split_flag(const char *arg, flag_arg *f, char *err, size_t errlen)
{
    if (strncmp(arg, "--", 2) != 0) {
        snprintf(err, errlen, "unexpected argument '%.200s' (flags start with --; see --help)",
                 arg);
        return -1;
    }
    f->arg = arg;
    f->name = arg + 2;
    const char *eq = strchr(f->name, '=');
    f->len = eq ? (size_t)(eq - f->name) : strlen(f->name);
    f->value = eq ? eq + 1 : NULL;
    return 0;
}

static void print_list(FILE *out, const dsgd_component *const *list, dsgd_program prog)
{
    for (; out && list && *list; list++)
        dsgd_component_usage(out, *list, prog);
}

/* The components named by the selecting flags: a list printed for
 * 'list', an error for an unknown name, and each one's default options. */
static int resolve(dsgd_config *cfg, const dsgd_cli *cli, char *err, size_t errlen)
{
    for (int s = 0; s < DSGD_SEL_COUNT; s++) {
        const dsgd_component *const *list = cli->choices[s];
        const char *name = selected_name(cfg, s);
        if (!list)
            continue;
        if (strcmp(name, "list") == 0) {
            print_list(cli->out, list, cli->prog);
            if (selectors[s].open && cli->out)
                fprintf(cli->out, "%-18s %s\n", "DIR", selectors[s].other);
            return DSGD_CONFIG_EXIT;
        }
        dsgd_choice *ch = &cfg->choice[s];
        ch->component = find_component(list, name);
        if (!ch->component && !selectors[s].open) {
            size_t used = (size_t)snprintf(err, errlen,
                                           "--%s: unknown %s '%.100s' (one of:", selectors[s].flag,
                                           selectors[s].noun, name);
            for (const dsgd_component *const *c = list; *c && used < errlen; c++)
                used += (size_t)snprintf(err + used, errlen - used, " %s", (*c)->name);
            if (used < errlen)
                snprintf(err + used, errlen - used, ")");
            return DSGD_CONFIG_ERROR;
        }
        if (ch->component &&
            dsgd_component_options_new(ch->component, &ch->options, err, errlen) != 0)
            return DSGD_CONFIG_ERROR;
    }
    return DSGD_CONFIG_OK;
}

/* A component's flag: stored in the chosen component's options, or an
 * error naming the components it belongs to. */
static int set_component_flag(dsgd_config *cfg, const dsgd_cli *cli, flag_arg *f, int argc,
                              char **argv, int *i, char *err, size_t errlen)
{
    for (int s = 0; s < DSGD_SEL_COUNT; s++) {
        const dsgd_choice *ch = &cfg->choice[s];
        const dsgd_option *o =
            ch->component ? dsgd_option_find(ch->component->options, f->name, f->len) : NULL;
        if (o)
            return take_value(f, o, argc, argv, i, err, errlen) ||
                   dsgd_option_set(o, ch->options, f->value, err, errlen);
    }
    int s = 0;
    char owners[256];
    const dsgd_option *o = find_anywhere(cli, f->name, f->len, &s, owners, sizeof owners);
    if (!o) {
        snprintf(err, errlen, "unknown flag '%.*s' (see %s --help)", (int)(f->len + 2), f->arg,
                 prog_name(cli->prog));
        return -1;
    }
    snprintf(err, errlen, "flag '--%s' belongs to --%s %s, not to --%s %s", o->name,
             selectors[s].flag, owners, selectors[s].flag, selected_name(cfg, s));
    return -1;
}

/* --device: cpu, cuda or cuda:N. */
static int check_device(const char *device, char *err, size_t errlen)
{
    if (strcmp(device, "cpu") == 0 || strcmp(device, "cuda") == 0)
        return 0;
    char *end;
    if (strncmp(device, "cuda:", 5) == 0 && device[5] >= '0' && device[5] <= '9' &&
        strtol(device + 5, &end, 10) <= 1024 && *end == '\0')
        return 0;
    snprintf(err, errlen, "--device: bad device '%s' (want cpu, cuda or cuda:N)", device);
    return -1;
}

static int validate(const dsgd_config *cfg, char *err, size_t errlen)
{
    if (check_device(cfg->device, err, errlen) != 0)
        return -1;
    if (!(cfg->time_budget >= 0) || !isfinite(cfg->time_budget)) {
        snprintf(err, errlen, "--time-budget: want seconds >= 0, got %g", cfg->time_budget);
        return -1;
    }
    double steps[DSGD_MAX_LR_STEPS];
    if (cfg->lr_steps[0] && dsgd_config_lr_steps(cfg, steps, err, errlen) < 0)
        return -1;
    if (cfg->checkpoint_every && !cfg->checkpoint[0]) {
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

/* Pass 1: --help, --version and the core flags; a component's flag (found
 * in any component the program offers, to know whether it takes a value)
 * is left for pass 2, once the selecting flags are all known. */
static int parse_core(dsgd_config *cfg, const dsgd_cli *cli, int argc, char **argv,
                      unsigned char *deferred, char *err, size_t errlen)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            if (cli->out)
                dsgd_config_usage(cli->out, cli);
            return DSGD_CONFIG_EXIT;
        }
        if (strcmp(arg, "--version") == 0) {
            if (cli->out)
                fprintf(cli->out, "%s %s\n", prog_name(cli->prog), DSGD_VERSION);
            return DSGD_CONFIG_EXIT;
        }
        flag_arg f;
        if (split_flag(arg, &f, err, errlen) != 0)
            return DSGD_CONFIG_ERROR;
        const dsgd_option *o = dsgd_option_find(core_options, f.name, f.len);
        if (o && o->progs && !(o->progs & cli->prog)) {
            snprintf(err, errlen, "flag '--%s' belongs to %s, not %s", o->name,
                     prog_name(DSGD_PROG_BOTH & ~cli->prog), prog_name(cli->prog));
            return DSGD_CONFIG_ERROR;
        }
        if (o) {
            if (take_value(&f, o, argc, argv, &i, err, errlen) ||
                dsgd_option_set(o, cfg, f.value, err, errlen))
                return DSGD_CONFIG_ERROR;
            continue;
        }
        int s;
        char owners[8];
        o = find_anywhere(cli, f.name, f.len, &s, owners, sizeof owners);
        if (!o) {
            snprintf(err, errlen, "unknown flag '%.*s' (see %s --help)", (int)(f.len + 2), arg,
                     prog_name(cli->prog));
            return DSGD_CONFIG_ERROR;
        }
        deferred[i] = 1;
        if (take_value(&f, o, argc, argv, &i, err, errlen) != 0)
            return DSGD_CONFIG_ERROR;
    }
    return DSGD_CONFIG_OK;
}

int dsgd_config_parse(dsgd_config *cfg, int argc, char **argv, const dsgd_cli *cli, char *err,
                      size_t errlen)
{
    memset(cfg, 0, sizeof *cfg);
    if (dsgd_option_defaults(core_options, cfg, err, errlen) != 0)
        return DSGD_CONFIG_ERROR;
    unsigned char *deferred = calloc((size_t)(argc > 0 ? argc : 1), 1);
    if (!deferred) {
        snprintf(err, errlen, "out of memory parsing the flags");
        return DSGD_CONFIG_ERROR;
    }
    int rc = parse_core(cfg, cli, argc, argv, deferred, err, errlen);
    if (rc == DSGD_CONFIG_OK)
        rc = resolve(cfg, cli, err, errlen);
    for (int i = 1; rc == DSGD_CONFIG_OK && i < argc; i++) {
        flag_arg f;
        if (deferred[i] && (split_flag(argv[i], &f, err, errlen) != 0 ||
                            set_component_flag(cfg, cli, &f, argc, argv, &i, err, errlen) != 0))
            rc = DSGD_CONFIG_ERROR;
    }
    free(deferred);
    if (!cfg->iters) /* not given: bounded by the budget, else the default */
        cfg->iters = dsgd_config_stops_early(cfg) ? DSGD_ITERS_UNBOUNDED : 50;
    if (rc == DSGD_CONFIG_OK && validate(cfg, err, errlen) != 0)
        rc = DSGD_CONFIG_ERROR;
    return rc;
}

/* dsgd_config_flags for one table over its struct. */
static void table_flags(const dsgd_option *table, const void *base,
                        void (*emit)(void *ctx, const char *flag), void *ctx)
{
    for (const dsgd_option *o = table; o && o->name; o++) {
        if (o->output || (o->progs && o->progs != DSGD_PROG_BOTH))
            continue;
        char value[1100], flag[1200];
        if (o->type == DSGD_OPT_LIST) {
            const dsgd_strlist *list = (const dsgd_strlist *)((const char *)base + o->offset);
            for (int i = 0; i < list->n; i++) {
                snprintf(flag, sizeof flag, "--%s=%s", o->name, list->items[i]);
                emit(ctx, flag);
            }
        } else if (dsgd_option_format(o, base, value, sizeof value)) {
            if (o->type == DSGD_OPT_BOOL)
                snprintf(flag, sizeof flag, "--%s", o->name);
            else
                snprintf(flag, sizeof flag, "--%s=%s", o->name, value);
            emit(ctx, flag);
        }
    }
}

void dsgd_config_flags(const dsgd_config *cfg, void (*emit)(void *ctx, const char *flag), void *ctx)
{
    table_flags(core_options, cfg, emit, ctx);
    /* the components both programs offer: --algo, --model, --data */
    for (int s = DSGD_SEL_ALGO; s <= DSGD_SEL_DATA; s++)
        if (cfg->choice[s].component && cfg->choice[s].options)
            table_flags(cfg->choice[s].component->options, cfg->choice[s].options, emit, ctx);
}

void dsgd_config_free(dsgd_config *cfg)
{
    for (int s = 0; s < DSGD_SEL_COUNT; s++) {
        free(cfg->choice[s].options);
        cfg->choice[s] = (dsgd_choice){NULL, NULL};
    }
}

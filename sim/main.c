/* main.c — dsgd-sim: run an SGD variant on a simulated platform.
 *
 * Exit status: 0 success; 1 the run failed (non-finite loss, network
 * failure); 2 bad flags or input files; 3 ranks never finished (deadlock). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <signal.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xbt/config.h>

#include "algorithms/algo.h"
#include "algorithms/node.h"
#include "algorithms/worker.h"
#include "core/config.h"
#include "core/data.h"
#include "core/model.h"
#include "core/paths.h"
#include "core/progress.h"
#include "core/report.h"
#include "core/trace.h"
#include "sim/faults.h"
#include "sim/sim.h"
#include "sim/sweep.h"

#define EXIT_RUN_FAILED 1
#define EXIT_BAD_INPUT 2
#define EXIT_STALLED 3

#define die(status, ...) dsgd_die("dsgd-sim", status, __VA_ARGS__)

/* The user's --cfg item for key ("network/model"), or NULL. */
static const char *user_cfg(const dsgd_config *cfg, const char *key)
{
    size_t len = strlen(key);
    const char *found = NULL;
    for (int i = 0; i < cfg->sim_cfg.n; i++)
        if (strncmp(cfg->sim_cfg.items[i], key, len) == 0 && cfg->sim_cfg.items[i][len] == ':')
            found = cfg->sim_cfg.items[i] + len + 1;
    return found;
}

/* The setting in force for key: the user's --cfg item, else the platform
 * file's <config> (a calibrated platform names its network model there),
 * else NULL (dsgd's default).  buf holds a value read from the platform. */
static const char *network_cfg(const dsgd_config *cfg, const char *key, char *buf, size_t len)
{
    const char *user = user_cfg(cfg, key);
    if (user)
        return user;
    return dsgd_sim_platform_config(cfg->platform, key, buf, len) ? buf : NULL;
}

/* The argv handed to simgrid_init: program name, a log setting, dsgd's
 * default network model unless the user or the platform picks one, then
 * the --cfg items.
 * Default: CM02 without cross-traffic, plain max-min sharing, i.e. an
 * idealised non-blocking fabric (SimGrid's own default, LV08, models TCP). */
typedef struct simgrid_args {
    int argc;
    char *argv[2 * DSGD_MAX_LIST + 7];
    char storage[2 * DSGD_MAX_LIST][300];
} simgrid_args;

static void build_simgrid_args(const dsgd_config *cfg, simgrid_args *a, char *log)
{
    a->argc = 0;
    a->argv[a->argc++] = "dsgd-sim";
    a->argv[a->argc++] = log;
    a->argv[a->argc++] = "--log=ker_engine.app:file:/dev/null";
#ifdef DSGD_SANITIZE_BUILD
    /* LeakSanitizer's exit scan faults on the guard pages of actor stacks. */
    a->argv[a->argc++] = "--cfg=contexts/guard-size:0";
#endif
    char model[64], cross[64];
    if (!network_cfg(cfg, "network/model", model, sizeof model))
        a->argv[a->argc++] = "--cfg=network/model:CM02";
    if (!network_cfg(cfg, "network/model", model, sizeof model) &&
        !network_cfg(cfg, "network/crosstraffic", cross, sizeof cross))
        a->argv[a->argc++] = "--cfg=network/crosstraffic:0";
    int k = 0;
    for (int i = 0; i < cfg->sim_cfg.n; i++, k++) {
        snprintf(a->storage[k], sizeof a->storage[k], "--cfg=%s", cfg->sim_cfg.items[i]);
        a->argv[a->argc++] = a->storage[k];
    }
    for (int i = 0; i < cfg->log.n; i++, k++) { /* dsgd's own categories (and SimGrid's) */
        snprintf(a->storage[k], sizeof a->storage[k], "--log=%s", cfg->log.items[i]);
        a->argv[a->argc++] = a->storage[k];
    }
    a->argv[a->argc] = NULL;
}

/* SimGrid aborts the process on a malformed platform or --cfg item.  So
 * the simulation runs in a child process whose stderr goes to a pipe until
 * the platform is loaded: if the child dies before that, the parent turns
 * SimGrid's output into one line; once loaded, the child restores stderr,
 * tells the parent, and the parent only waits for its exit status.  (The
 * platform is loaded once: for 16,384 hosts that takes seconds.) */
typedef struct load_guard {
    int fd;           /* child: write end of the pipe; -1 when done */
    int saved_stderr; /* child: the real stderr */
} load_guard;

#define LOADED_MARK "\001dsgd-sim: platform loaded\n"

/* Signals that end a program, which the parent passes on to the
 * simulation child: `kill -TERM` of dsgd-sim (a batch scheduler's, a
 * timeout's) must end the simulation too, which removes any temporary it is
 * writing (core/atomic.c), and not leave it running to write --trace after
 * its parent is gone.  The child's pid is the handler's only state. */
static const int forwarded_signals[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT};
static volatile pid_t simulation_child;

static void forward_signal(int sig)
{
    if (simulation_child > 0)
        kill(simulation_child, sig);
}

static void forward_signals_to(pid_t child)
{
    simulation_child = child;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = forward_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (size_t i = 0; i < sizeof forwarded_signals / sizeof forwarded_signals[0]; i++)
        sigaction(forwarded_signals[i], &sa, NULL);
}

/* The child ended by a signal the parent forwarded: the parent ends the
 * same way (its shell sees "Terminated", status 128 + signal). */
static void die_like_child(int status)
{
    if (!WIFSIGNALED(status))
        return;
    for (size_t i = 0; i < sizeof forwarded_signals / sizeof forwarded_signals[0]; i++)
        if (WTERMSIG(status) == forwarded_signals[i]) {
            signal(forwarded_signals[i], SIG_DFL);
            raise(forwarded_signals[i]);
        }
}

/* Why SimGrid died loading the platform without saying why (its parser
 * crashes on a platform without a zone): what the file lacks, else how it
 * died. */
static void crash_reason(const char *platform, int status, char *why, size_t len)
{
    FILE *f = fopen(platform, "r");
    char line[1024];
    int zone = 0;
    while (f && !zone && fgets(line, sizeof line, f))
        zone = strstr(line, "<zone") || strstr(line, "<cluster");
    if (f)
        fclose(f);
    if (f && !zone)
        snprintf(why, len, "it declares no <zone> (hosts and links go inside one, or a <cluster>)");
    else if (WIFSIGNALED(status))
        snprintf(why, len, "it crashed loading the platform (signal %d)", WTERMSIG(status));
    else
        snprintf(why, len, "it could not load the platform (exit status %d)",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/* Parent side: returns the exit status to give. */
static int parent_wait(pid_t pid, int fd, const char *platform)
{
    FILE *in = fdopen(fd, "r");
    char line[512], why[512] = "";
    int loaded = 0, why_telling = 0;
    while (in && !loaded && fgets(line, sizeof line, in)) {
        if (strcmp(line, LOADED_MARK) == 0) {
            loaded = 1;
            break;
        }
        /* Keep the first ERROR or CRITICAL line (it names the problem);
         * without one, the first line that says something. */
        char reason[512];
        int telling = dsgd_sim_log_reason(line, reason, sizeof reason);
        if (telling >= 0 && (!why[0] || (telling && !why_telling))) {
            snprintf(why, sizeof why, "%s", reason);
            why_telling = telling;
        }
    }
    if (in)
        fclose(in);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    die_like_child(status);
    if (!loaded) {
        if (!why[0])
            crash_reason(platform, status, why, sizeof why);
        fprintf(stderr, "dsgd-sim: --platform/--cfg %s: SimGrid refused it: %s\n", platform, why);
        return EXIT_BAD_INPUT;
    }
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* Forks.  In the parent, waits for the child and returns its exit status
 * (>= 0).  In the child (or if fork is impossible) returns -1 with stderr
 * captured until load_guard_done. */
static int load_guard_begin(load_guard *g, const char *platform)
{
    int fds[2];
    g->fd = g->saved_stderr = -1;
    if (pipe(fds) != 0)
        return -1;
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid > 0) {
        close(fds[1]);
        forward_signals_to(pid);
        return parent_wait(pid, fds[0], platform);
    }
    /* The parent killed outright (SIGKILL) cannot forward: the kernel
     * then ends the child. */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent)
        _exit(128 + SIGTERM);
    close(fds[0]);
    g->fd = fds[1];
    g->saved_stderr = dup(STDERR_FILENO);
    dup2(g->fd, STDERR_FILENO);
    return -1;
}

static void load_guard_done(load_guard *g)
{
    if (g->fd < 0)
        return;
    fflush(stderr);
    dup2(g->saved_stderr, STDERR_FILENO);
    close(g->saved_stderr);
    if (write(g->fd, LOADED_MARK, strlen(LOADED_MARK)) < 0) {
        /* the parent is gone: nothing to tell */
    }
    close(g->fd);
    g->fd = -1;
}

/* A bare file name that is not in the current directory is looked up in the
 * platforms/ folder of the source tree, so `--platform small.xml` works from
 * anywhere.  Returns 0 if the (resolved) file is a readable regular file
 * (a FIFO would block SimGrid's parser forever) of hosts this machine can
 * hold (SimGrid expands a cluster's radical without limit), else -1 with
 * err. */
static int resolve_platform(dsgd_config *cfg, char *err, size_t errlen)
{
    struct stat st;
    if (stat(cfg->platform, &st) != 0 && errno == ENOENT && !strchr(cfg->platform, '/')) {
        char path[sizeof cfg->platform];
        int len = snprintf(path, sizeof path, "%s/%s", DSGD_PLATFORM_DIR, cfg->platform);
        if (len > 0 && (size_t)len < sizeof path && stat(path, &st) == 0)
            memcpy(cfg->platform, path, (size_t)len + 1);
    }
    long hosts;
    return dsgd_sim_platform_check_size(cfg->platform, &hosts, err, errlen);
}

/* --ranks-per-host as a number (0: each host's cores); checked by
 * check_inputs. */
static int ranks_per_host(const dsgd_config *cfg)
{
    char err[128];
    int per_host = 0;
    return dsgd_sim_parse_ranks_per_host(cfg->ranks_per_host, &per_host, err, sizeof err) == 0
               ? per_host
               : 0;
}

/* SimGrid 3.32's ns-3 model cannot run dsgd (measured, README "Network
 * model"): a zero-byte message (a barrier's, a failure notice) never
 * completes and the simulated clock stops; a message to the same host
 * completes at once; clusters without a backbone crash it while loading,
 * and ns-3 crashes at SimGrid's shutdown after a run. */
static int check_network_model(const dsgd_config *cfg)
{
    char buf[64];
    const char *model = network_cfg(cfg, "network/model", buf, sizeof buf);
    if (model && strcmp(model, "ns-3") == 0)
        return die(EXIT_BAD_INPUT,
                   "%s network/model:ns-3: not supported (under SimGrid's ns-3 model "
                   "zero-byte messages never complete); use CM02 (default), LV08 or SMPI",
                   user_cfg(cfg, "network/model") ? "--cfg" : cfg->platform);
    return 0;
}

/* Checks the inputs that need no platform; *jitter receives --jitter. */
static int check_inputs(const dsgd_config *cfg, dsgd_sim_jitter *jitter)
{
    char err[512];
    int per_host;
    if (dsgd_sim_parse_ranks_per_host(cfg->ranks_per_host, &per_host, err, sizeof err) != 0)
        return die(EXIT_BAD_INPUT, "%s", err);
    if (check_network_model(cfg) != 0)
        return EXIT_BAD_INPUT;
    if (cfg->trace[0] && dsgd_trace_check_writable(cfg->trace, err, sizeof err) != 0)
        return die(EXIT_BAD_INPUT, "--trace %s", err);
    if (cfg->sweep_out[0] && dsgd_output_check(cfg->sweep_out, err, sizeof err) != 0)
        return die(EXIT_BAD_INPUT, "--sweep-out %s", err);
    if (!cfg->sweep[0] && (cfg->sweep_out[0] || cfg->sweep_variants[0]))
        return die(EXIT_BAD_INPUT, "--%s needs --sweep nodes=N1,N2,..",
                   cfg->sweep_variants[0] ? "sweep-variants" : "sweep-out");
    if (dsgd_sim_jitter_parse(cfg->jitter, jitter, err, sizeof err) != 0)
        return die(EXIT_BAD_INPUT, "%s", err);
    return 0;
}

static void init_simgrid(const dsgd_config *cfg)
{
    simgrid_args args;
    /* Configuration changes are echoed at INFO; the engine's deadlock
     * report lists every blocked actor (thousands of lines): dsgd-sim
     * reports stalls itself, so the engine's log goes to /dev/null. */
    build_simgrid_args(cfg, &args, "--log=xbt_cfg.thresh:warning");
    simgrid_init(&args.argc, args.argv);
}

/* Can the flow model replay the network model in force?  Fills *net
 * either way; returns 0, or -1 with the reason in why. */
static int flow_network(const dsgd_config *cfg, dsgd_sim_network *net, char *why, size_t len)
{
    char buf[64]; /* build_simgrid_args: CM02 unless the user or the platform said */
    const char *model = network_cfg(cfg, "network/model", buf, sizeof buf);
    if (dsgd_sim_network_read(model ? model : "CM02", net, why, len) != 0)
        return -1;
    const char *solver = user_cfg(cfg, "network/solver"), *host = user_cfg(cfg, "host/model");
    if (solver && strcmp(solver, "maxmin") != 0) {
        snprintf(why, len, "network/solver:%s is not the max-min the flow model replays", solver);
        return -1;
    }
    if (host && strcmp(host, "default") != 0 && strcmp(host, "compound") != 0) {
        snprintf(why, len, "host/model:%s brings its own network model", host);
        return -1;
    }
    return 0;
}

/* Backend options from the flags (after simgrid_init: reads its config). */
static dsgd_sim_options sim_options(const dsgd_config *cfg, const dsgd_cost_profile *cost)
{
    dsgd_sim_options opt = {
        .cost = *cost, .trace = cfg->trace[0] != '\0', .allreduce = cfg->allreduce};
    opt.coll_model =
        strcmp(cfg->coll_model, "flow") == 0 ? DSGD_SIM_COLL_FLOW : DSGD_SIM_COLL_MESSAGE;
    char why[200];
    flow_network(cfg, &opt.network, why, sizeof why);
    return opt;
}

/* Reports the run's outcome; returns the exit status. */
/* Ranks killed by --fail are expected not to finish; any other rank
 * that did not is a stall (a synchronous algorithm waiting for the dead, or
 * a deadlock).  The summary is the lowest surviving rank's.  In symmetry
 * mode only ranks 0..simulated-1 ran: the others have no result, and the
 * summary's aggregates (workers, samples) already count all n. */
static int report(const dsgd_config *cfg, int nodes, int n, int hosts_used,
                  const dsgd_result *results, const dsgd_sim_faults *faults, double wall_start)
{
    int unfinished = 0, first_unfinished = -1, reporter = -1, failed = -1;
    for (int i = 0; i < n; i++) {
        if (results[i].finished && reporter < 0)
            reporter = i;
        if (!results[i].finished && !dsgd_sim_failed_rank(faults, i) && unfinished++ == 0)
            first_unfinished = i;
        if (results[i].finished && results[i].status != DSGD_OK && failed < 0)
            failed = i;
    }
    /* A rank that failed on its own (a NaN loss) left the others waiting
     * for it: its reason is the run's, not their stall.  (A network error
     * after --fail is the stall's consequence.) */
    if (unfinished && failed >= 0 && results[failed].status != DSGD_ENETWORK) {
        fprintf(stderr, "dsgd-sim: rank %d failed: %s\n", failed,
                results[failed].error[0] ? results[failed].error
                                         : dsgd_status_str(results[failed].status));
        return EXIT_RUN_FAILED;
    }
    if (unfinished) {
        fprintf(stderr,
                "dsgd-sim: stalled: %d of %d ranks never finished (first: rank %d) at simulated "
                "time %.6f s: %s\n",
                unfinished, n, first_unfinished, simgrid_get_clock(),
                faults->n_fail ? "they waited for a rank that --fail killed"
                               : "deadlock (every remaining rank waits for another)");
        return EXIT_STALLED;
    }
    for (int i = 0; i < n; i++)
        if (results[i].finished && results[i].status != DSGD_OK) {
            fprintf(stderr, "dsgd-sim: rank %d failed: %s%s\n", i,
                    results[i].error[0] ? results[i].error : dsgd_status_str(results[i].status),
                    results[i].status == DSGD_ENETWORK && faults->n_fail
                        ? " (a peer was killed by --fail)"
                        : "");
            return results[i].bad_input ? EXIT_BAD_INPUT : EXIT_RUN_FAILED;
        }
    if (reporter < 0) {
        fprintf(stderr, "dsgd-sim: every rank was killed by --fail\n");
        return EXIT_RUN_FAILED;
    }
    int lost = 0;
    for (int i = 0; i < n; i++)
        lost += !results[i].finished;
    if (lost && !cfg->quiet)
        fprintf(stderr, "dsgd-sim: %d rank%s killed by --fail; the others finished without %s\n",
                lost, lost > 1 ? "s" : "", lost > 1 ? "them" : "it");
    if (cfg->json) {
        dsgd_result r0 = results[reporter];
        r0.failed_ranks = lost;
        r0.hosts = hosts_used;
        r0.wall_s = dsgd_wall_seconds() - wall_start;
        r0.peak_rss_mb = dsgd_peak_rss_mb();
        dsgd_report_json(stdout, "sim", cfg, nodes, &r0);
    }
    return 0;
}

/* Actor stacks for n ranks (sim/contexts.c): small ones for many actors,
 * no guard pages where they would exceed vm.max_map_count, the user's
 * --cfg (or the platform's <config>) first; one line on stderr when the
 * machine's limits will not do.  Helper actors (non-blocking allreduces,
 * --fail) come and go beside the ranks: contexts.c keeps mappings spare. */
static void choose_contexts(dsgd_config *cfg, int n)
{
    char buf[64];
    dsgd_sim_limits lim;
    dsgd_sim_limits_read(&lim);
    lim.actors = n;
    lim.user_stack = network_cfg(cfg, "contexts/stack-size", buf, sizeof buf) != NULL;
    lim.user_guard = network_cfg(cfg, "contexts/guard-size", buf, sizeof buf) != NULL;
    lim.guard_maps_per_actor = 2;
    dsgd_sim_contexts c;
    dsgd_sim_contexts_current(&c);
    dsgd_sim_contexts_choose(&lim, &c);
    if (c.warning[0])
        fprintf(stderr, "%s\n", c.warning);
    dsgd_sim_contexts_apply(&c);
    cfg->stack_kib = c.stack_kib;
    cfg->guard_pages = c.guard_pages;
    snprintf(cfg->contexts_why, sizeof cfg->contexts_why, "%s", c.why);
}

/* A variant that needs machines of several ranks (lsgd), on a platform
 * whose machines hold one rank each: consecutive hosts form nodes of the
 * variant's default size, never leaving a node of one rank. */
static int default_node_size(const dsgd_algo *algo, int n)
{
    int k = n < algo->node_size ? n : algo->node_size;
    return n % k == 1 ? k + 1 : k;
}

/* Free text in the JSON: quotes and backslashes would break it. */
static void json_safe(char *text)
{
    for (; *text; text++)
        if (*text == '"' || *text == '\\' || (unsigned char)*text < ' ')
            *text = '\'';
}

/* Records an automatic choice: the model chosen (into name, unless it is
 * name itself) and why (for the JSON). */
static void record_choice(char *name, size_t name_len, const char *model, char *why,
                          size_t why_len, const char *reason)
{
    snprintf(why, why_len, "%s", reason);
    json_safe(why);
    if (model != name)
        snprintf(name, name_len, "%s", model);
}

/* --coll-model: auto takes the flow model where it replays message level
 * exactly and message level would be slow: variants that talk only
 * through collectives, from FLOW_MIN_RANKS ranks on (point-to-point
 * variants too where --p2p-model auto will take the flow model for their
 * messages, from P2P_FLOW_MIN_RANKS on: their collectives, at setup and
 * evaluation, do not overlap their messages), on a network model
 * the flow model replays (CM02, LV08), on a platform where it prices the
 * collectives exactly (dsgd_sim_flow_exact: not where transfers sharing
 * links drift apart).  Message level elsewhere: point to point, which only
 * message level simulates, and small runs, where it is affordable.  An
 * explicit flow that the flow model cannot replay is refused; one it
 * prices only approximately is run, and the JSON says so
 * (coll_model_why).  Returns 0, or -1 with the reason in err. */
#define FLOW_MIN_RANKS 64
#define P2P_FLOW_MIN_RANKS 512
static int choose_coll_model(dsgd_config *cfg, const dsgd_algo *algo, const sg_host_t *hosts, int n,
                             char *err, size_t errlen)
{
    dsgd_sim_network net;
    char why[160] = "", reach[200] = "";
    int replayable = flow_network(cfg, &net, why, sizeof why) == 0;
    int asked = strcmp(cfg->coll_model, "flow") == 0,
        automatic = !asked && strcmp(cfg->coll_model, "auto") == 0;
    if (replayable && strcmp(cfg->waits, "polled") == 0) { /* polls are per message */
        replayable = 0;
        snprintf(why, sizeof why, "--waits polled: a rank polls for each message");
    }
    if (asked && !replayable) {
        snprintf(err, errlen, "--coll-model flow: %s (use --coll-model message)", why);
        return -1;
    }
    const char *model = cfg->coll_model, *reason = "asked for";
    int p2p_flow = !algo->collectives_only && n >= P2P_FLOW_MIN_RANKS &&
                   strcmp(cfg->p2p_model, "message") != 0 && cfg->fail.n == 0;
    int worth = (algo->collectives_only || p2p_flow) && n >= FLOW_MIN_RANKS && replayable;
    int exact = asked || (automatic && worth)
                    ? dsgd_sim_flow_exact(hosts, n, cfg->allreduce, &net, reach, sizeof reach)
                    : 1;
    if (exact < 0) {
        snprintf(err, errlen, "--platform %.300s: %s", cfg->platform, reach);
        return -1;
    }
    if (asked && !exact)
        reason = reach;
    if (automatic) {
        model = worth && exact ? "flow" : "message";
        reason = !algo->collectives_only && !p2p_flow
                     ? "point-to-point variant whose messages run at message level (below 512 ranks, --p2p-model message or --fail)"
                 : n < FLOW_MIN_RANKS    ? "small run (message level is affordable and exact)"
                 : !replayable           ? why
                 : !exact                ? reach
                 : !algo->collectives_only ? "point-to-point variant at scale; the flow model is exact here"
                                         : "collectives only; the flow model is exact here";
    }
    record_choice(cfg->coll_model, sizeof cfg->coll_model, model, cfg->coll_model_why,
                  sizeof cfg->coll_model_why, reason);
    return 0;
}

/* --p2p-model: auto takes the flow-level point-to-point model
 * (p2pflow.c) for variants that send point to point, from
 * P2P_FLOW_MIN_RANKS ranks on, where message level costs minutes (a
 * parameter server's transfers form one max-min component: O(W^2) work a
 * round) and the flow model is within a few per cent of it (README,
 * "Flow-level point to point"); message level below, where it is
 * affordable and exact.  Both need a network model the flow models
 * replay, waits that are exact (--waits polled polls per message) and no
 * --fail (failure notices travel as messages).  Returns 0, or -1 with the
 * reason in err. */
static int choose_p2p_model(dsgd_config *cfg, const dsgd_algo *algo, int n,
                            const dsgd_sim_faults *faults, char *err, size_t errlen)
{
    dsgd_sim_network net;
    char why[160] = "";
    int possible = flow_network(cfg, &net, why, sizeof why) == 0;
    if (possible && strcmp(cfg->waits, "polled") == 0) {
        possible = 0;
        snprintf(why, sizeof why, "--waits polled: a rank polls for each message");
    }
    if (possible && faults->n_fail > 0) {
        possible = 0;
        snprintf(why, sizeof why, "--fail: failure notices travel as messages");
    }
    const char *model = cfg->p2p_model, *reason = "asked for";
    if (strcmp(model, "flow") == 0 && !possible) {
        snprintf(err, errlen, "--p2p-model flow: %s (use --p2p-model message)", why);
        return -1;
    }
    if (strcmp(model, "auto") == 0) {
        int worth = !algo->collectives_only && n >= P2P_FLOW_MIN_RANKS;
        model = worth && possible ? "flow" : "message";
        reason = algo->collectives_only    ? "collectives-only variant"
                 : n < P2P_FLOW_MIN_RANKS ? "small run (message level is affordable and exact)"
                 : !possible              ? why
                                          : "point-to-point variant at scale";
    }
    record_choice(cfg->p2p_model, sizeof cfg->p2p_model, model, cfg->p2p_model_why,
                  sizeof cfg->p2p_model_why, reason);
    return 0;
}

/* --symmetry: symmetry mode (sim.h) runs the first machine's ranks and
 * lets the others mirror them; it needs ranks that are interchangeable:
 * a variant that declares so (algo.h), no per-rank numerics (phantom
 * payloads), nothing that treats one rank unlike another (--slow, --fail,
 * --jitter, per-rank checkpoint files, --waits polled: polls are per
 * message), every machine a copy of the first (symmetry.c), and the flow
 * model, which alone prices a collective without every member's actor.
 * auto takes it from SYMMETRY_MIN_RANKS ranks on, where the full
 * simulation's actors start to cost (9.4 s and 337 MiB for ssgd at 16,384
 * flat hosts against 0.8 s and 75 MiB; README, "Symmetry mode"; below,
 * the full runs that bench/sim_scale.sh and tests/sim_memory.sh measure
 * stay as they were), only where --coll-model auto already chose the flow
 * model as exact, and not with --trace (every rank's events asked for).
 * Returns 0 with *simulated (0: every rank), or -1 with the reason in err
 * (--symmetry on and a broken condition). */
#define SYMMETRY_MIN_RANKS 16384
static const char *symmetry_breaker(const dsgd_config *cfg, const dsgd_algo *algo,
                                    const dsgd_sim_faults *faults, const dsgd_sim_options *opt,
                                    int message_asked, char *buf, size_t len)
{
    dsgd_sim_network net;
    if (!algo->symmetric)
        snprintf(buf, len, "--algo %s: its ranks are not interchangeable (roles or point to point)",
                 algo->base.name);
    else if (strcmp(cfg->payload, "phantom") != 0)
        snprintf(buf, len, "--payload %s: every rank's numerics need its own actor", cfg->payload);
    else if (faults->n_slow)
        snprintf(buf, len, "--slow: the slowed hosts' ranks differ from the others");
    else if (faults->n_fail)
        snprintf(buf, len, "--fail: the killed ranks differ from the others");
    else if (opt->jitter.kind != DSGD_JITTER_NONE && opt->jitter.cv > 0)
        snprintf(buf, len, "--jitter %s: every rank draws its own compute times", cfg->jitter);
    else if (cfg->checkpoint[0] || cfg->resume[0])
        snprintf(buf, len, "--checkpoint/--resume: every rank has its own file");
    else if (strcmp(cfg->waits, "polled") == 0)
        snprintf(buf, len, "--waits polled: a rank polls for each message");
    else if (message_asked)
        snprintf(buf, len, "--coll-model message: message level needs every rank's actor");
    else if (flow_network(cfg, &net, buf, len) != 0)
        return buf; /* the flow model cannot replay the network model */
    else
        return NULL;
    return buf;
}

static int choose_symmetry(dsgd_config *cfg, const dsgd_algo *algo, const sg_host_t *hosts, int n,
                           const dsgd_sim_faults *faults, const dsgd_sim_options *opt,
                           int message_asked, int *simulated, char *err, size_t errlen)
{
    char why[200] = "";
    int on = strcmp(cfg->symmetry, "on") == 0, k = 0, symmetric = 0;
    if (strcmp(cfg->symmetry, "off") == 0)
        snprintf(why, sizeof why, "--symmetry off");
    else if (symmetry_breaker(cfg, algo, faults, opt, message_asked, why, sizeof why))
        ; /* why says what breaks it */
    else if (dsgd_sim_symmetry_classes(hosts, n, &k, why, sizeof why) != 0)
        ;
    else if (!on && cfg->trace[0])
        snprintf(why, sizeof why, "auto: --trace asks for every rank's events");
    else if (!on && n < SYMMETRY_MIN_RANKS)
        snprintf(why, sizeof why, "auto: below %d ranks the full simulation is affordable",
                 SYMMETRY_MIN_RANKS);
    else if (!on && strcmp(cfg->coll_model, "flow") != 0)
        snprintf(why, sizeof why, "auto: the flow model is not chosen here (%.150s)",
                 cfg->coll_model_why);
    else
        symmetric = snprintf(why, sizeof why,
                             "%s: the first machine's %d rank%s simulated, the other %d "
                             "mirror %s",
                             on ? "--symmetry on" : "auto", k, k > 1 ? "s" : "", n - k,
                             k > 1 ? "them" : "it") > 0;
    if (on && !symmetric) {
        snprintf(err, errlen, "--symmetry on: %s", why);
        return -1;
    }
    *simulated = symmetric ? k : 0;
    cfg->symmetric = symmetric;
    cfg->simulated_ranks = symmetric ? k : n;
    snprintf(cfg->symmetry_why, sizeof cfg->symmetry_why, "%s", why);
    json_safe(cfg->symmetry_why);
    if (symmetric && strcmp(cfg->coll_model, "flow") != 0) { /* --symmetry on at message level */
        snprintf(cfg->coll_model, sizeof cfg->coll_model, "flow");
        char was[sizeof cfg->coll_model_why];
        snprintf(was, sizeof was, "%s", cfg->coll_model_why);
        snprintf(cfg->coll_model_why, sizeof cfg->coll_model_why,
                 "--symmetry on needs the flow model (auto had chosen message: %.120s)", was);
    }
    return 0;
}

/* The roles of n ranks on a provisional placement into roles[], with the
 * placement in provisional[]: machine by machine where machines have CPU
 * hosts, else workers while accelerator hosts have room, then the rest;
 * lsgd's default node size is set here. */
static int provisional_roles(const dsgd_algo *algo, dsgd_config *cfg, const sg_host_t *all,
                             size_t n_all, int n, int *is_worker, int *node_of, dsgd_role *roles,
                             sg_host_t *provisional, char *err, size_t errlen)
{
    int per_host = ranks_per_host(cfg);
    long worker_slots;
    dsgd_sim_slots(all, n_all, per_host, &worker_slots);
    for (int r = 0; r < n; r++)
        is_worker[r] = r < worker_slots;
    /* Machines of accelerators and a CPU host: each machine's ranks are
     * consecutive (its accelerators, then its CPU host), so that nodes of
     * consecutive ranks are machines and their roles can stay on them. */
    int by_machine = dsgd_sim_worker_hosts(all, n_all) < n_all;
    if ((by_machine ? dsgd_sim_place_by_machine(all, n_all, n, per_host, provisional, err, errlen)
                    : dsgd_sim_place(all, n_all, n, is_worker, NULL, per_host, provisional, err,
                                     errlen)) != 0)
        return -1;
    int n_nodes = dsgd_sim_number_nodes(provisional, n, node_of);
    if (algo->node_size && cfg->node_size == 0 && n_nodes == n && n > 1)
        cfg->node_size = default_node_size(algo, n);
    return dsgd_algo_roles(algo, cfg, n, node_of, roles, err, errlen);
}

static int count_workers(const dsgd_role *roles, int n)
{
    int k = 0;
    for (int r = 0; r < n; r++)
        k += roles[r] == DSGD_ROLE_WORKER;
    return k;
}

/* Where each rank runs: the algorithm's roles decide, not its code, and
 * --ranks-per-host how many ranks share a host (consecutive ranks; one
 * node for the variants, dsgd_sim_number_nodes).  The roles may depend on
 * which ranks share a machine, so they are computed on a provisional
 * placement (accelerator hosts first); then workers go to accelerator
 * hosts and the other roles (servers, communicators) to CPU hosts
 * (dsgd_sim_place), each on the machine it had (a communicator stays with
 * its node's workers).  When --nodes is not given (*n is the accelerator
 * slots), ranks the roles keep off the accelerators are added while the
 * CPU hosts have room for them: every accelerator trains.  On multi-GPU
 * platforms, --node-size G+1 makes the algorithms' notion of a node match
 * the machines.  A variant that needs machines of several ranks (lsgd) on
 * one-rank machines gets --node-size chosen here.  placed has room for
 * every slot of the platform when --nodes is not given. */
static int place_by_role(const dsgd_algo *algo, dsgd_config *cfg, const sg_host_t *all,
                         size_t n_all, int *n, sg_host_t *placed, char *err, size_t errlen)
{
    int per_host = ranks_per_host(cfg);
    long worker_slots, slots = dsgd_sim_slots(all, n_all, per_host, &worker_slots);
    size_t cap = (size_t)(cfg->nodes ? *n : (slots > *n ? slots : *n));
    int *node_of = malloc(sizeof *node_of * cap);
    int *is_worker = malloc(sizeof *is_worker * cap);
    dsgd_role *roles = malloc(sizeof *roles * cap);
    sg_host_t *provisional = malloc(sizeof *provisional * cap);
    int rc = -1, node_size = cfg->node_size;
    if (!node_of || !is_worker || !roles || !provisional) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    if (provisional_roles(algo, cfg, all, n_all, *n, is_worker, node_of, roles, provisional, err,
                          errlen) != 0)
        goto done;
    /* default --nodes: give the non-workers CPU hosts, not accelerators */
    for (int grown = *n + (*n - count_workers(roles, *n));
         !cfg->nodes && grown > *n && grown <= slots;) {
        int keep = cfg->node_size;
        cfg->node_size = node_size;
        if (provisional_roles(algo, cfg, all, n_all, grown, is_worker, node_of, roles, provisional,
                              err, errlen) != 0 ||
            count_workers(roles, grown) != worker_slots) { /* no better: as it was */
            cfg->node_size = keep;
            if (provisional_roles(algo, cfg, all, n_all, *n, is_worker, node_of, roles, provisional,
                                  err, errlen) != 0)
                goto done;
            break;
        }
        *n = grown;
        break;
    }
    for (int r = 0; r < *n; r++)
        is_worker[r] = roles[r] == DSGD_ROLE_WORKER;
    rc = dsgd_sim_place(all, n_all, *n, is_worker, provisional, per_host, placed, err, errlen);
done:
    free(node_of);
    free(is_worker);
    free(roles);
    free(provisional);
    return rc;
}
/* Loads and checks cfg's platform in the child of a load guard.  Returns
 * -1 there once it is loaded; else the exit status to end with (the
 * parent's: the child's; the child's: a check that failed). */
static int load_platform(const dsgd_config *cfg)
{
    char err[512];
    load_guard guard;
    int rc = load_guard_begin(&guard, cfg->platform);
    if (rc >= 0)
        return rc;
    init_simgrid(cfg);
    simgrid_load_platform(cfg->platform);
    dsgd_sim_seal_platform(); /* routes are looked up before the run */
    load_guard_done(&guard);
    const char *bad_key = NULL;
    if (dsgd_sim_check_config(&bad_key, err, sizeof err) != 0)
        return user_cfg(cfg, bad_key)
                   ? die(EXIT_BAD_INPUT, "--cfg %s", err)
                   : die(EXIT_BAD_INPUT, "--platform %s: <config> %s", cfg->platform, err);
    if (dsgd_sim_check_platform(cfg->platform, err, sizeof err) != 0)
        return die(EXIT_BAD_INPUT, "--platform %s: %s", cfg->platform, err);
    dsgd_sim_inherit_properties();
    return -1;
}

/* One simulation: load the platform (unless a sweep has: loaded), place
 * the ranks, run, report. */
static int simulate(dsgd_config *cfg, const dsgd_algo *algo, dsgd_dataset *data,
                    const dsgd_sim_jitter *jitter, double wall_start, int loaded)
{
    char err[512];
    dsgd_cost_profile cost;
    dsgd_cost_defaults(&cost);
    if (cfg->cost_profile[0] && dsgd_cost_load(cfg->cost_profile, &cost, err, sizeof err) != 0)
        return die(EXIT_BAD_INPUT, "--cost-profile %s", err);
    snprintf(cfg->compute_pricing, sizeof cfg->compute_pricing, "%s",
             dsgd_cost_has_curves(&cost) ? "curves" : "rates");
    int rc = loaded ? -1 : load_platform(cfg);
    if (rc >= 0)
        return rc;
    size_t n_hosts;
    sg_host_t *all_hosts = dsgd_sim_hosts(&n_hosts);
    long n_workers;
    dsgd_sim_slots(all_hosts, n_hosts, ranks_per_host(cfg), &n_workers);
    if (!cfg->nodes && n_workers == 0) {
        free(all_hosts);
        return die(EXIT_BAD_INPUT,
                   "--platform %s: no host can take a worker: all %zu hosts are kind=cpu (kept "
                   "for servers and communicators)",
                   cfg->platform, n_hosts);
    }
    long n_slots = dsgd_sim_slots(all_hosts, n_hosts, ranks_per_host(cfg), NULL);
    int n = cfg->nodes ? cfg->nodes : (int)n_workers;
    long room = cfg->nodes || n_slots < n ? n : n_slots; /* the default may grow (place_by_role) */
    sg_host_t *hosts = malloc(sizeof *hosts * (size_t)(room > 0 ? room : 1));
    if (!hosts || place_by_role(algo, cfg, all_hosts, n_hosts, &n, hosts, err, sizeof err) != 0) {
        free(all_hosts);
        free(hosts);
        return die(EXIT_BAD_INPUT, "--nodes %d: %s (%s)", n, hosts ? err : "out of memory",
                   cfg->platform);
    }
    free(all_hosts);
    if (dsgd_sim_check_hosts(hosts, n, err, sizeof err) != 0 ||
        dsgd_sim_check_routes(hosts, n, err, sizeof err) != 0) {
        free(hosts);
        return die(EXIT_BAD_INPUT, "--platform %s: %s", cfg->platform, err);
    }
    int hosts_used = dsgd_sim_hosts_used(hosts, n);
    int message_asked = strcmp(cfg->coll_model, "message") == 0;
    if (choose_coll_model(cfg, algo, hosts, n, err, sizeof err) != 0) {
        free(hosts);
        return die(EXIT_BAD_INPUT, "%s", err);
    }
    dsgd_sim_faults faults;
    if (dsgd_sim_faults_parse(cfg, hosts, n, &faults, err, sizeof err) != 0) {
        free(hosts);
        return die(EXIT_BAD_INPUT, "%s", err);
    }
    if (choose_p2p_model(cfg, algo, n, &faults, err, sizeof err) != 0) {
        free(hosts);
        dsgd_sim_faults_free(&faults);
        return die(EXIT_BAD_INPUT, "%s", err);
    }
    dsgd_model_set_threads(1);
    dsgd_sim_options opt = sim_options(cfg, &cost);
    opt.p2p_flow = strcmp(cfg->p2p_model, "flow") == 0;
    opt.faults = &faults;
    opt.jitter = *jitter;
    if (!cfg->jitter[0] && cost.jitter_cv > 0) { /* the calibrated spread, unless --jitter says */
        opt.jitter.kind = cost.jitter_lognormal ? DSGD_JITTER_LOGNORMAL : DSGD_JITTER_NORMAL;
        opt.jitter.cv = cost.jitter_cv;
        snprintf(cfg->jitter, sizeof cfg->jitter, "%.4g:%s", cost.jitter_cv,
                 cost.jitter_lognormal ? "lognormal" : "normal");
    }
    opt.seed = cfg->seed;
    opt.polled_waits = strcmp(cfg->waits, "polled") == 0;
    if (choose_symmetry(cfg, algo, hosts, n, &faults, &opt, message_asked, &opt.simulated, err,
                        sizeof err) != 0) {
        free(hosts);
        dsgd_sim_faults_free(&faults);
        return die(EXIT_BAD_INPUT, "%s", err);
    }
    if (opt.simulated)
        opt.coll_model = DSGD_SIM_COLL_FLOW;
    int simulated = opt.simulated ? opt.simulated : n; /* ranks that run as actors */
    choose_contexts(cfg, simulated);
    dsgd_sim_world *world = dsgd_sim_world_create(n, hosts, &opt);
    dsgd_result *results = calloc((size_t)n, sizeof *results);
    free(hosts);
    if (!world || !results) {
        dsgd_sim_world_destroy(world);
        dsgd_sim_faults_free(&faults);
        free(results);
        return die(EXIT_RUN_FAILED, "out of memory for %d ranks", n);
    }
    dsgd_progress progress;
    dsgd_progress_init(&progress, cfg->quiet, "simulated");
    dsgd_job job = {cfg, data, algo, dsgd_progress_update, &progress, NULL, NULL}; /* CPU device */
    dsgd_model descriptor; /* checked by dsgd_worker_check_config: builds */
    int shared = dsgd_worker_build_model(cfg, data, &descriptor, err, sizeof err) == 0;
    if (shared && !dsgd_model_executable(&descriptor))
        job.descriptor = &descriptor;
    dsgd_sim_launch(world, dsgd_node_main, &job, results);
    dsgd_progress_done(&progress);
    if (shared)
        dsgd_model_destroy(&descriptor);

    int status = report(cfg, n, simulated, hosts_used, results, &faults, wall_start);
    if (status == 0 && cfg->trace[0] &&
        dsgd_trace_write_csv(cfg->trace, dsgd_sim_traces(world), (size_t)simulated, err,
                             sizeof err) != 0)
        status = die(EXIT_RUN_FAILED, "--trace %s", err);
    dsgd_sim_world_destroy(world);
    dsgd_sim_faults_free(&faults);
    free(results);
    return status;
}

static int parse(dsgd_config *cfg, int argc, char **argv, char *err, size_t errlen)
{
    dsgd_cli cli = dsgd_algo_cli(DSGD_PROG_SIM, stdout);
    cli.choices[DSGD_SEL_ALLREDUCE] = dsgd_sim_allreduce_algos;
    cli.choices[DSGD_SEL_COLL_MODEL] = dsgd_sim_coll_models;
    return dsgd_config_parse(cfg, argc, argv, &cli, err, errlen);
}

/* A sweep point's flags parse (dsgd_sweep_hooks.check). */
static int point_check(int argc, char **argv, char *err, size_t errlen)
{
    dsgd_config cfg;
    int rc = parse(&cfg, argc, argv, err, errlen);
    dsgd_config_free(&cfg);
    if (rc == DSGD_CONFIG_EXIT)
        snprintf(err, errlen, "--help and --version are not a variant");
    return rc != DSGD_CONFIG_OK;
}

static int run(dsgd_config *cfg, int argc, char **argv, double wall_start, int loaded);

/* A sweep point, in a process forked after the platform was loaded
 * (dsgd_sweep_hooks.run). */
static int point_run(int argc, char **argv)
{
    dsgd_config cfg;
    int status = run(&cfg, argc, argv, dsgd_wall_seconds(), 1);
    dsgd_config_free(&cfg);
    return status;
}

/* The sweep: planned (every variant's flags checked), then the platform
 * loaded once, in the load guard's child, which runs the points. */
static int sweep(dsgd_config *cfg, int argc, char **argv)
{
    char err[1024];
    if (cfg->trace[0])
        return die(EXIT_BAD_INPUT, "--trace cannot be combined with --sweep");
    dsgd_sweep_hooks hooks = {point_check, point_run};
    dsgd_sweep *plan;
    int rc = dsgd_sweep_prepare(argc, argv, cfg, &hooks, &plan, err, sizeof err);
    if (rc != 0)
        return die(rc, "%s", err);
    if ((rc = load_platform(cfg)) < 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        rc = dsgd_sweep_run(plan, cores > 0 ? (int)cores : 1, &hooks, err, sizeof err);
        if (rc != 0)
            die(rc, "%s", err);
    }
    dsgd_sweep_free(plan);
    return rc;
}

/* Parses the flags, checks the inputs, then sweeps or simulates. */
static int run(dsgd_config *cfg, int argc, char **argv, double wall_start, int loaded)
{
    char err[512];
    int rc = parse(cfg, argc, argv, err, sizeof err);
    if (rc == DSGD_CONFIG_EXIT)
        return 0;
    if (rc != DSGD_CONFIG_OK)
        return die(EXIT_BAD_INPUT, "%s", err);
    const dsgd_algo *algo = dsgd_algo_of(cfg->choice[DSGD_SEL_ALGO].component);
    if (resolve_platform(cfg, err, sizeof err) != 0)
        return die(EXIT_BAD_INPUT, "--platform %s", err);
    dsgd_dataset data;
    dsgd_sim_jitter jitter;
    if (dsgd_data_open(cfg->data, cfg->seed, &data, err, sizeof err) != 0)
        return die(EXIT_BAD_INPUT, "%s", err);
    if (dsgd_worker_check_config(cfg, &data, err, sizeof err) != 0 ||
        (rc = check_inputs(cfg, &jitter)) != 0) {
        dsgd_data_close(&data);
        return rc ? rc : die(EXIT_BAD_INPUT, "%s", err);
    }
    if (cfg->sweep[0] && !loaded) {
        dsgd_data_close(&data);
        return sweep(cfg, argc, argv);
    }
    rc = simulate(cfg, algo, &data, &jitter, wall_start, loaded);
    dsgd_data_close(&data);
    return rc;
}

int main(int argc, char **argv)
{
    double wall_start = dsgd_wall_seconds();
    dsgd_config cfg;
    int status = run(&cfg, argc, argv, wall_start, 0);
    dsgd_config_free(&cfg);
    return status;
}

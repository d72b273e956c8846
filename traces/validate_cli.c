/* validate_cli.c — dsgd-validate: how well dsgd-sim predicts real runs.
 *
 *     dsgd-validate --platform P [--cost-profile F] [-o CSV] [--json] RUN.json...
 *
 * Each RUN.json is a run's one-line summary (dsgd-run --json); its `flags`
 * say how to run it again.  dsgd-validate runs that configuration in
 * dsgd-sim (a child process: nothing of SimGrid or MPI is linked here) on
 * the platform and cost profile given, with as many ranks per host as the
 * real run had, and compares the mean iteration times, and with the run's
 * trace (RUN.csv beside RUN.json) the time per iteration of each phase
 * (compute, communication, waiting, I/O, memory).  Summaries of one
 * configuration repeated are one row: the best (lowest) time is the
 * measurement, as for a noisy machine.  Errors are results: exit status 0
 * whatever they are; 1 a simulation failed; 2 bad flags or input. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/paths.h"
#include "core/report.h"
#include "core/trace.h"
#include "traces/json.h"
#include "traces/validate.h"

#define EXIT_SIM_FAILED 1
#define EXIT_BAD_INPUT 2
#define MAX_LIST 64

#define die(status, ...) dsgd_die("dsgd-validate", status, __VA_ARGS__)

static void usage(FILE *out)
{
    fprintf(out,
            "usage: dsgd-validate --platform P [--cost-profile F] [options] RUN.json...\n"
            "\n"
            "Runs each real run's configuration (its JSON summary's `flags`, from dsgd-run\n"
            "--json) again in dsgd-sim on platform P with cost profile F, and reports per run\n"
            "the measured and predicted mean iteration time, the relative error\n"
            "(predicted - measured) / measured, and with the run's trace (RUN.csv beside\n"
            "RUN.json) the error of each phase's time per iteration: compute, comm\n"
            "(send/recv/collective), wait, io, memory (mean over the workers).  Summaries of\n"
            "one configuration (same flags, ranks, hosts) are one row, measured as their\n"
            "best (lowest) time.  Ends with the median |error| and the worst error, over\n"
            "all runs and over the fit and held-out sets apart.\n"
            "\n"
            "options:\n"
            "  --platform FILE      SimGrid platform (a calibrated one: dsgd-calibrate)\n"
            "  --cost-profile FILE  cost profile (default: dsgd-sim's built-in one)\n"
            "  --sim PATH           the dsgd-sim to run (default: beside dsgd-validate)\n"
            "  --sim-arg ARG        one more argument for dsgd-sim, after the run's own\n"
            "                       (repeatable; e.g. --sim-arg=--ranks-per-host=cores)\n"
            "  --held-out GLOB      runs whose path or file name match are held out: the\n"
            "                       fit never saw them (repeatable); the others are `fit`\n"
            "  -o FILE              write the table as CSV (dsgd-plot validation|compare)\n"
            "  --json               print one JSON line instead of the table\n"
            "  --quiet              no progress on stderr\n"
            "  --help               this text\n"
            "\n"
            "Ranks per host: the summary's `hosts` (dsgd-run: the machines MPI found) gives\n"
            "ceil(nodes / hosts) ranks per simulated host, oversubscribing a host with fewer\n"
            "cores as the real machine was; a dsgd-sim summary gives its ranks_per_host.\n"
            "Exit status: 0 (whatever the errors); 1 a simulation failed; 2 bad flags or\n"
            "input (one line on stderr naming it).\n");
}

typedef struct options {
    const char *platform, *cost_profile, *sim, *csv;
    const char *sim_args[MAX_LIST], *held_out[MAX_LIST];
    int n_sim_args, n_held_out;
    int json, quiet;
    const char **runs;
    int n_runs;
} options;

/* One configuration: the runs that repeat it, its measurement (the best)
 * and its prediction. */
typedef struct row {
    const char *path; /* the best run's summary */
    const char *set;  /* "fit" or "held-out" */
    char algo[32], model[32];
    int nodes, hosts, batch, repeats;
    char ranks_per_host[16]; /* "" when the summary does not say */
    char **flags;
    size_t n_flags;
    char key[4096]; /* what makes two summaries one configuration */
    double real_iter_s, sim_iter_s, error_pct;
    int has_phases; /* the real trace was there */
    dsgd_phase_times real, sim;
} row;

static int parse_options(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    o->runs = calloc((size_t)argc, sizeof *o->runs);
    if (!o->runs)
        return die(EXIT_BAD_INPUT, "out of memory");
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *eq = strchr(arg, '=');
        size_t len = eq && arg[0] == '-' ? (size_t)(eq - arg) : strlen(arg);
#define IS(flag) (strlen(flag) == len && strncmp(arg, flag, len) == 0)
        const char *value = NULL;
        int takes = IS("--platform") || IS("--cost-profile") || IS("--sim") || IS("-o") ||
                    IS("--sim-arg") || IS("--held-out");
        if (takes) {
            if (eq)
                value = eq + 1;
            else if (i + 1 < argc)
                value = argv[++i];
            else
                return die(EXIT_BAD_INPUT, "flag '%s' needs a value", arg);
            if (!value[0])
                return die(EXIT_BAD_INPUT, "flag '%.*s': empty value", (int)len, arg);
        }
        if (IS("--platform"))
            o->platform = value;
        else if (IS("--cost-profile"))
            o->cost_profile = value;
        else if (IS("--sim"))
            o->sim = value;
        else if (IS("-o"))
            o->csv = value;
        else if (IS("--sim-arg") || IS("--held-out")) {
            int *n = IS("--sim-arg") ? &o->n_sim_args : &o->n_held_out;
            if (*n == MAX_LIST)
                return die(EXIT_BAD_INPUT, "flag '%.*s': more than %d", (int)len, arg, MAX_LIST);
            (IS("--sim-arg") ? o->sim_args : o->held_out)[(*n)++] = value;
        } else if (IS("--json") && !eq)
            o->json = 1;
        else if (IS("--quiet") && !eq)
            o->quiet = 1;
        else if (arg[0] == '-' && arg[1])
            return die(EXIT_BAD_INPUT, "unknown flag '%s' (see --help)", arg);
        else
            o->runs[o->n_runs++] = arg;
#undef IS
    }
    if (!o->platform)
        return die(EXIT_BAD_INPUT, "no platform: --platform FILE (see --help)");
    if (o->n_runs == 0)
        return die(EXIT_BAD_INPUT, "no run given: RUN.json... (summaries of dsgd-run --json)");
    return 0;
}

/* The last non-empty line of path (a summary file may hold other output
 * before it) into a new buffer; *line_no its number.  NULL with err. */
static char *last_line(const char *path, long *line_no, char *err, size_t errlen)
{
    FILE *f = dsgd_input_fopen(path, "r", err, errlen);
    if (!f)
        return NULL;
    char *line = NULL, *last = NULL;
    size_t cap = 0;
    long n = 0;
    ssize_t got;
    while ((got = getline(&line, &cap, f)) >= 0) {
        n++;
        if (strspn(line, " \t\r\n") == (size_t)got)
            continue;
        free(last);
        last = strdup(line);
        *line_no = n;
    }
    free(line);
    fclose(f);
    if (!last)
        snprintf(err, errlen, "%s: empty file (want a JSON summary line)", path);
    return last;
}

/* The flags of a summary without `flags` (older versions): what its keys
 * say; the rest takes today's defaults. */
static int flags_from_keys(const dsgd_json *j, row *r)
{
    static const char *const keys[] = {"algo",  "model", "data",      "payload",
                                       "iters", "batch", "node_size", "eval_model"};
    r->flags = calloc(sizeof keys / sizeof keys[0], sizeof *r->flags);
    if (!r->flags)
        return -1;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const dsgd_json_value *v = dsgd_json_get(j, keys[i]);
        char flag[600], name[32];
        snprintf(name, sizeof name, "%s", keys[i]);
        for (char *c = name; *c; c++)
            *c = *c == '_' ? '-' : *c;
        if (!v ||
            (v->type == DSGD_JSON_NUMBER && v->number == 0 && strcmp(keys[i], "node_size") == 0) ||
            (v->type == DSGD_JSON_STRING && strcmp(v->string, "replicated") == 0))
            continue;
        if (v->type == DSGD_JSON_STRING)
            snprintf(flag, sizeof flag, "--%s=%s", name, v->string);
        else if (v->type == DSGD_JSON_NUMBER)
            snprintf(flag, sizeof flag, "--%s=%.0f", name, v->number);
        else
            continue;
        if (!(r->flags[r->n_flags++] = strdup(flag)))
            return -1;
    }
    return 0;
}

/* Adds flag to r's flags.  Returns 0, or -1 when out of memory. */
static int append_flag(row *r, const char *flag)
{
    char **grown = realloc(r->flags, (r->n_flags + 1) * sizeof *grown);
    if (!grown)
        return -1;
    r->flags = grown;
    return (r->flags[r->n_flags] = strdup(flag)) ? (r->n_flags++, 0) : -1;
}

/* Reads one summary into r.  Returns 0, or exits' status with the reason
 * printed. */
static int load_run(const char *path, row *r)
{
    char err[600];
    long line_no = 0;
    memset(r, 0, sizeof *r);
    r->path = path;
    char *text = last_line(path, &line_no, err, sizeof err);
    if (!text)
        return die(EXIT_BAD_INPUT, "%s", err);
    dsgd_json j;
    int rc = dsgd_json_parse(text, &j, err, sizeof err);
    free(text);
    if (rc != 0)
        return die(EXIT_BAD_INPUT, "%s:%ld: not a JSON summary: %s", path, line_no, err);
    const char *algo = dsgd_json_string(&j, "algo"), *model = dsgd_json_string(&j, "model");
    double nodes = dsgd_json_number(&j, "nodes"), iter_s = dsgd_json_number(&j, "iter_time_s");
    const char *missing = !algo           ? "algo"
                          : !model        ? "model"
                          : !(nodes >= 1) ? "nodes"
                          : !(iter_s > 0) ? "iter_time_s"
                                          : NULL;
    if (missing) {
        dsgd_json_free(&j);
        return die(EXIT_BAD_INPUT,
                   "%s:%ld: key \"%s\" missing or not valid (want a run's summary: "
                   "dsgd-run --json)",
                   path, line_no, missing);
    }
    snprintf(r->algo, sizeof r->algo, "%s", algo);
    snprintf(r->model, sizeof r->model, "%s", model);
    r->nodes = (int)nodes;
    r->batch = (int)(isnan(dsgd_json_number(&j, "batch")) ? 0 : dsgd_json_number(&j, "batch"));
    double hosts = dsgd_json_number(&j, "hosts");
    r->hosts = hosts >= 1 ? (int)hosts : 0;
    r->real_iter_s = iter_s;
    const char *backend = dsgd_json_string(&j, "backend"),
               *rph = dsgd_json_string(&j, "ranks_per_host");
    if (backend && strcmp(backend, "sim") == 0 && rph)
        snprintf(r->ranks_per_host, sizeof r->ranks_per_host, "%s", rph);
    else if (r->hosts)
        snprintf(r->ranks_per_host, sizeof r->ranks_per_host, "%d",
                 (r->nodes + r->hosts - 1) / r->hosts);
    const dsgd_json_value *flags = dsgd_json_get(&j, "flags");
    rc = 0;
    if (flags && flags->type == DSGD_JSON_ARRAY) {
        r->flags = calloc(flags->n_items + 1, sizeof *r->flags);
        for (size_t i = 0; r->flags && i < flags->n_items; i++) {
            if (strncmp(flags->items[i], "--resume", 8) == 0) {
                rc = die(EXIT_BAD_INPUT,
                         "%s: a resumed run (%s): its times start at a checkpoint "
                         "and cannot be replayed",
                         path, flags->items[i]);
                break;
            }
            r->flags[r->n_flags++] = strdup(flags->items[i]);
        }
    } else if (flags) {
        rc = die(EXIT_BAD_INPUT, "%s:%ld: key \"flags\" is not an array of strings", path, line_no);
    } else if (flags_from_keys(&j, r) == 0) {
        fprintf(stderr,
                "dsgd-validate: %s: no \"flags\" (an older summary): replaying its algo, "
                "model, data, payload, iters, batch and node_size; other flags take the defaults\n",
                path);
    }
    /* A real run is replayed with what the simulator needs to know of how
     * it ran: the simulator's equivalent of its MPI library's allreduce
     * (exec/exec.h), and, when its ranks slept between polls (dsgd-run
     * --idle sleep, the default), waits seen at those polls. */
    if (rc == 0 && r->flags && !(backend && strcmp(backend, "sim") == 0)) {
        const char *allreduce = dsgd_json_string(&j, "allreduce");
        const char *idle = dsgd_json_string(&j, "idle");
        char flag[64] = "";
        if (allreduce && strcmp(allreduce, "unknown") != 0 && strcmp(allreduce, "auto") != 0)
            snprintf(flag, sizeof flag, "--allreduce=%s", allreduce);
        if ((flag[0] && append_flag(r, flag) != 0) ||
            (idle && strcmp(idle, "sleep") == 0 && append_flag(r, "--waits=polled") != 0)) {
            dsgd_json_free(&j);
            return die(EXIT_BAD_INPUT, "out of memory");
        }
    }
    dsgd_json_free(&j);
    if (rc)
        return rc;
    if (!r->flags)
        return die(EXIT_BAD_INPUT, "out of memory");
    size_t used =
        (size_t)snprintf(r->key, sizeof r->key, "%d|%d|%s", r->nodes, r->hosts, r->ranks_per_host);
    for (size_t i = 0; i < r->n_flags && used < sizeof r->key; i++)
        used += (size_t)snprintf(r->key + used, sizeof r->key - used, "|%s", r->flags[i]);
    return 0;
}

static void row_free(row *r)
{
    for (size_t i = 0; i < r->n_flags; i++)
        free(r->flags[i]);
    free(r->flags);
}

static int held_out(const options *o, const char *path)
{
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    for (int i = 0; i < o->n_held_out; i++)
        if (fnmatch(o->held_out[i], path, 0) == 0 || fnmatch(o->held_out[i], base, 0) == 0)
            return 1;
    return 0;
}

/* RUN.json -> RUN.csv (RUN.csv appended when the name has no .json). */
static void trace_path(const char *run, char *out, size_t len)
{
    size_t n = strlen(run);
    if (n > 5 && strcmp(run + n - 5, ".json") == 0)
        snprintf(out, len, "%.*s.csv", (int)(n - 5), run);
    else
        snprintf(out, len, "%s.csv", run);
}

/* Phase times of a trace file; 0, 1 when the file is absent, or an exit
 * status with the reason printed. */
static int load_phases(const char *path, dsgd_phase_times *out, int must_exist)
{
    if (!must_exist && access(path, F_OK) != 0)
        return 1;
    char err[600];
    dsgd_trace t;
    if (dsgd_trace_read_csv(path, &t, err, sizeof err) != 0)
        return die(must_exist ? EXIT_SIM_FAILED : EXIT_BAD_INPUT, "%s", err);
    int rc = dsgd_phase_times_of(&t, out);
    dsgd_trace_free(&t);
    if (rc != 0)
        return die(must_exist ? EXIT_SIM_FAILED : EXIT_BAD_INPUT,
                   "%s: no worker in the trace (no compute event in a training iteration)", path);
    return 0;
}

/* The last non-empty line of a file, for a one-line error. */
static void tail_line(const char *path, char *out, size_t len)
{
    long n;
    char err[100];
    char *line = last_line(path, &n, err, sizeof err);
    snprintf(out, len, "%s", line ? line : "no message");
    out[strcspn(out, "\n")] = '\0';
    free(line);
}

/* Runs dsgd-sim with argv, stdout to out_path, stderr to err_path.
 * Returns its exit status (128 + signal), or -1 if it could not start. */
static int spawn(char *const *argv, const char *out_path, const char *err_path)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (out < 0 || err < 0 || dup2(out, STDOUT_FILENO) < 0 || dup2(err, STDERR_FILENO) < 0)
            _exit(127);
        if (strchr(argv[0], '/'))
            execv(argv[0], argv);
        else
            execvp(argv[0], argv);
        fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Simulates row r (index i) in dir; fills its prediction.  Returns 0 or
 * an exit status with the reason printed. */
static int simulate(const options *o, row *r, int i, const char *dir)
{
    char out[PATH_MAX + 32], err[PATH_MAX + 32], trace[PATH_MAX + 32];
    char a_platform[PATH_MAX + 16], a_profile[PATH_MAX + 32], a_nodes[32], a_rph[48],
        a_trace[PATH_MAX + 48];
    snprintf(out, sizeof out, "%s/sim-%d.json", dir, i);
    snprintf(err, sizeof err, "%s/sim-%d.err", dir, i);
    snprintf(trace, sizeof trace, "%s/sim-%d.csv", dir, i);
    char **argv = calloc(r->n_flags + (size_t)o->n_sim_args + 12, sizeof *argv);
    if (!argv)
        return die(EXIT_SIM_FAILED, "out of memory");
    int n = 0;
    argv[n++] = (char *)o->sim;
    for (size_t k = 0; k < r->n_flags; k++)
        argv[n++] = r->flags[k];
    snprintf(a_platform, sizeof a_platform, "--platform=%s", o->platform);
    argv[n++] = a_platform;
    if (o->cost_profile) {
        snprintf(a_profile, sizeof a_profile, "--cost-profile=%s", o->cost_profile);
        argv[n++] = a_profile;
    }
    snprintf(a_nodes, sizeof a_nodes, "--nodes=%d", r->nodes);
    argv[n++] = a_nodes;
    if (r->ranks_per_host[0]) {
        snprintf(a_rph, sizeof a_rph, "--ranks-per-host=%s", r->ranks_per_host);
        argv[n++] = a_rph;
    }
    for (int k = 0; k < o->n_sim_args; k++)
        argv[n++] = (char *)o->sim_args[k];
    snprintf(a_trace, sizeof a_trace, "--trace=%s", trace);
    argv[n++] = a_trace;
    argv[n++] = "--json";
    argv[n++] = "--quiet";
    int status = spawn(argv, out, err);
    free(argv);
    if (status != 0) {
        char why[400];
        tail_line(err, why, sizeof why);
        if (status < 0 || status == 127)
            return die(EXIT_BAD_INPUT, "--sim %s: cannot run it: %s", o->sim,
                       status < 0 ? strerror(errno) : why);
        /* dsgd-sim's exit 2 is bad input: the platform, the profile or the flags */
        return die(status == EXIT_BAD_INPUT ? EXIT_BAD_INPUT : EXIT_SIM_FAILED,
                   "%s: dsgd-sim failed (exit %d): %s", r->path, status, why);
    }
    long line_no;
    char msg[600];
    char *text = last_line(out, &line_no, msg, sizeof msg);
    dsgd_json j;
    if (!text || dsgd_json_parse(text, &j, msg, sizeof msg) != 0) {
        free(text);
        return die(EXIT_SIM_FAILED, "%s: dsgd-sim printed no summary: %s", r->path, msg);
    }
    free(text);
    r->sim_iter_s = dsgd_json_number(&j, "iter_time_s");
    dsgd_json_free(&j);
    r->error_pct = dsgd_error_pct(r->sim_iter_s, r->real_iter_s);
    if (r->has_phases) {
        int rc = load_phases(trace, &r->sim, 1);
        if (rc)
            return rc;
    }
    return 0;
}

static int write_number(FILE *f, const char *sep, double v)
{
    return isfinite(v) ? fprintf(f, "%s%.9g", sep, v) : fprintf(f, "%s", sep);
}

/* The CSV: the columns of dsgd-plot compare (config, nodes, sim/real
 * iteration times), then the rest. */
static int write_csv(const char *path, const row *rows, int n)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f)
        return die(EXIT_BAD_INPUT, "-o %s: cannot write: %s", path, strerror(errno));
    fprintf(f, "run,set,config,label,algo,model,nodes,batch,repeats,real_iter_time_s,"
               "sim_iter_time_s,error_pct");
    for (int p = 0; p < DSGD_PHASE_COUNT; p++)
        fprintf(f, ",real_%s_s,sim_%s_s,%s_error_pct,%s_miss_pct", dsgd_phase_name(p),
                dsgd_phase_name(p), dsgd_phase_name(p), dsgd_phase_name(p));
    fputc('\n', f);
    for (int i = 0; i < n; i++) {
        const row *r = &rows[i];
        const char *base = strrchr(r->path, '/') ? strrchr(r->path, '/') + 1 : r->path;
        char run[256];
        snprintf(run, sizeof run, "%s", base);
        for (char *c = run; *c; c++)
            *c = *c == ',' ? ';' : *c;
        fprintf(f, "%s,%s,%s %s b%d,%s/%d,%s,%s,%d,%d,%d", run, r->set, r->algo, r->model, r->batch,
                r->algo, r->nodes, r->algo, r->model, r->nodes, r->batch, r->repeats);
        write_number(f, ",", r->real_iter_s);
        write_number(f, ",", r->sim_iter_s);
        write_number(f, ",", r->error_pct);
        for (int p = 0; p < DSGD_PHASE_COUNT; p++) {
            double real = r->has_phases ? r->real.seconds[p] : NAN;
            double sim = r->has_phases ? r->sim.seconds[p] : NAN;
            write_number(f, ",", real);
            write_number(f, ",", sim);
            write_number(f, ",", dsgd_error_pct(sim, real));
            write_number(f, ",", (sim - real) / r->real_iter_s * 100.0);
        }
        fputc('\n', f);
    }
    int bad = ferror(f);
    if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return die(EXIT_BAD_INPUT, "-o %s: cannot write: %s", path, strerror(e));
    }
    return 0;
}

/* Median and worst error of the rows in set (NULL: all). */
typedef struct stats {
    int runs;
    double median, worst;
    const char *worst_run;
} stats;

static stats stats_of(const row *rows, int n, const char *set)
{
    double *errors = calloc((size_t)n, sizeof *errors);
    const row **picked = calloc((size_t)n, sizeof *picked);
    stats s = {0, NAN, NAN, NULL};
    if (!errors || !picked) {
        free(errors);
        free(picked);
        return s;
    }
    for (int i = 0; i < n; i++)
        if (!set || strcmp(rows[i].set, set) == 0) {
            picked[s.runs] = &rows[i];
            errors[s.runs++] = rows[i].error_pct;
        }
    long worst;
    dsgd_error_stats(errors, (size_t)s.runs, &s.median, &s.worst, &worst);
    s.worst_run = worst >= 0 ? picked[worst]->path : NULL;
    free(errors);
    free(picked);
    return s;
}

static void print_json_number(const char *key, double v, int comma)
{
    printf(comma ? ",\"%s\":" : "\"%s\":", key);
    if (isfinite(v))
        printf("%.9g", v);
    else
        printf("null");
}

/* Paths are written as JSON strings: quotes and backslashes escaped. */
static void print_json_string(const char *key, const char *s)
{
    printf(",\"%s\":\"", key);
    for (; s && *s; s++)
        if (*s == '"' || *s == '\\')
            printf("\\%c", *s);
        else if ((unsigned char)*s >= ' ')
            putchar(*s);
    putchar('"');
}

static void print_json(const options *o, const row *rows, int n)
{
    printf("{\"tool\":\"dsgd-validate\"");
    print_json_string("platform", o->platform);
    print_json_string("cost_profile", o->cost_profile ? o->cost_profile : "");
    printf(",\"runs\":[");
    for (int i = 0; i < n; i++) {
        const row *r = &rows[i];
        printf("%s{\"run\":\"", i ? "," : "");
        for (const char *s = r->path; *s; s++)
            printf(*s == '"' || *s == '\\' ? "\\%c" : "%c", *s);
        printf("\"");
        print_json_string("set", r->set);
        print_json_string("algo", r->algo);
        print_json_string("model", r->model);
        printf(",\"nodes\":%d,\"batch\":%d,\"repeats\":%d", r->nodes, r->batch, r->repeats);
        print_json_number("real_iter_time_s", r->real_iter_s, 1);
        print_json_number("sim_iter_time_s", r->sim_iter_s, 1);
        print_json_number("error_pct", r->error_pct, 1);
        for (int p = 0; p < DSGD_PHASE_COUNT; p++) {
            char key[64];
            double real = r->has_phases ? r->real.seconds[p] : NAN;
            double sim = r->has_phases ? r->sim.seconds[p] : NAN;
            snprintf(key, sizeof key, "real_%s_s", dsgd_phase_name(p));
            print_json_number(key, real, 1);
            snprintf(key, sizeof key, "sim_%s_s", dsgd_phase_name(p));
            print_json_number(key, sim, 1);
            snprintf(key, sizeof key, "%s_error_pct", dsgd_phase_name(p));
            print_json_number(key, dsgd_error_pct(sim, real), 1);
        }
        printf("}");
    }
    printf("],\"summary\":{");
    const char *sets[] = {NULL, "fit", "held-out"}, *names[] = {"all", "fit", "held_out"};
    for (int k = 0; k < 3; k++) {
        stats s = stats_of(rows, n, sets[k]);
        printf("%s\"%s\":{\"runs\":%d", k ? "," : "", names[k], s.runs);
        print_json_number("median_abs_error_pct", s.median, 1);
        print_json_number("worst_error_pct", s.worst, 1);
        if (s.worst_run)
            print_json_string("worst_run", s.worst_run);
        printf("}");
    }
    printf("}}\n");
}

static void print_pct(double v)
{
    if (isfinite(v))
        printf(" %+8.2f", v);
    else
        printf(" %8s", "-");
}

static void print_table(const row *rows, int n)
{
    printf("%-28s %-8s %-8s %-6s %5s %5s %12s %12s %8s", "run", "set", "algo", "model", "ranks",
           "batch", "measured_ms", "predicted_ms", "error%");
    for (int p = 0; p < DSGD_PHASE_COUNT; p++)
        printf(" %8s", dsgd_phase_name(p));
    printf("\n");
    for (int i = 0; i < n; i++) {
        const row *r = &rows[i];
        const char *base = strrchr(r->path, '/') ? strrchr(r->path, '/') + 1 : r->path;
        printf("%-28.28s %-8s %-8s %-6s %5d %5d %12.4f %12.4f", base, r->set, r->algo, r->model,
               r->nodes, r->batch, r->real_iter_s * 1e3, r->sim_iter_s * 1e3);
        print_pct(r->error_pct);
        for (int p = 0; p < DSGD_PHASE_COUNT; p++)
            print_pct(r->has_phases ? dsgd_error_pct(r->sim.seconds[p], r->real.seconds[p]) : NAN);
        printf("\n");
    }
    printf("(error: (predicted - measured) / measured; phases: the same for the time per "
           "iteration of each, mean over workers; -: not in the real trace or no trace)\n");
    const char *sets[] = {NULL, "fit", "held-out"}, *names[] = {"all", "fit", "held-out"};
    for (int k = 0; k < 3; k++) {
        stats s = stats_of(rows, n, sets[k]);
        if (k > 0 && s.runs == 0)
            continue;
        printf("%s: %d run%s, median |error| %.2f %%, worst %+.2f %% (%s)\n", names[k], s.runs,
               s.runs == 1 ? "" : "s", s.median, s.worst, s.worst_run ? s.worst_run : "-");
    }
}

/* dsgd-sim beside this program, else on PATH. */
static const char *default_sim(char *buf, size_t len)
{
    ssize_t n = readlink("/proc/self/exe", buf, len - 16);
    if (n > 0) {
        buf[n] = '\0';
        char *slash = strrchr(buf, '/');
        if (slash) {
            strcpy(slash + 1, "dsgd-sim");
            if (access(buf, X_OK) == 0)
                return buf;
        }
    }
    return "dsgd-sim";
}

/* Loads the summaries, merging repeats of one configuration into one row
 * (the best run's).  Returns the number of rows, or -status. */
static int load_rows(const options *o, row *rows)
{
    int n = 0;
    for (int i = 0; i < o->n_runs; i++) {
        row r;
        int rc = load_run(o->runs[i], &r);
        if (rc) {
            row_free(&r);
            return -rc;
        }
        r.set = held_out(o, r.path) ? "held-out" : "fit";
        r.repeats = 1;
        char trace[PATH_MAX];
        trace_path(r.path, trace, sizeof trace);
        rc = load_phases(trace, &r.real, 0);
        if (rc > 1) {
            row_free(&r);
            return -rc;
        }
        r.has_phases = rc == 0;
        int same = -1;
        for (int k = 0; k < n && same < 0; k++)
            if (strcmp(rows[k].key, r.key) == 0 && strcmp(rows[k].set, r.set) == 0)
                same = k;
        if (same < 0) {
            rows[n++] = r;
        } else if (r.real_iter_s < rows[same].real_iter_s) {
            r.repeats = rows[same].repeats + 1;
            row_free(&rows[same]);
            rows[same] = r;
        } else {
            rows[same].repeats++;
            row_free(&r);
        }
    }
    return n;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return usage(stdout), 0;
    options o;
    int rc = parse_options(argc, argv, &o);
    if (rc)
        return free(o.runs), rc;
    char sim_buf[PATH_MAX];
    if (!o.sim)
        o.sim = default_sim(sim_buf, sizeof sim_buf);
    if (access(o.platform, R_OK) != 0 && strchr(o.platform, '/'))
        rc = die(EXIT_BAD_INPUT, "--platform %s: cannot read: %s", o.platform, strerror(errno));
    else if (o.cost_profile && access(o.cost_profile, R_OK) != 0)
        rc = die(EXIT_BAD_INPUT, "--cost-profile %s: cannot read: %s", o.cost_profile,
                 strerror(errno));
    char why[PATH_MAX + 200];
    if (!rc && o.csv && dsgd_output_check(o.csv, why, sizeof why) != 0) /* before simulating */
        rc = die(EXIT_BAD_INPUT, "-o %s", why);
    row *rows = calloc((size_t)o.n_runs, sizeof *rows);
    int n = rc || !rows ? 0 : load_rows(&o, rows);
    if (!rc && !rows)
        rc = die(EXIT_BAD_INPUT, "out of memory");
    if (n < 0)
        rc = -n, n = 0;
    char dir[PATH_MAX];
    const char *tmpdir = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/dsgd-validate.XXXXXX", tmpdir && tmpdir[0] ? tmpdir : "/tmp");
    int made = 0;
    if (!rc && !(made = mkdtemp(dir) != NULL))
        rc = die(EXIT_SIM_FAILED, "cannot create a temporary directory %s: %s", dir,
                 strerror(errno));
    for (int i = 0; !rc && i < n; i++) {
        if (!o.quiet)
            fprintf(stderr, "dsgd-validate: [%d/%d] simulating %s\n", i + 1, n, rows[i].path);
        rc = simulate(&o, &rows[i], i, dir);
    }
    if (!rc && o.csv)
        rc = write_csv(o.csv, rows, n);
    if (!rc && o.json)
        print_json(&o, rows, n);
    else if (!rc)
        print_table(rows, n);
    if (made) { /* empty it */
        for (int i = 0; i < n; i++) {
            const char *ext[] = {"json", "err", "csv"};
            for (int k = 0; k < 3; k++) {
                char path[PATH_MAX + 32];
                snprintf(path, sizeof path, "%s/sim-%d.%s", dir, i, ext[k]);
                unlink(path);
            }
        }
        rmdir(dir);
    }
    for (int i = 0; i < n; i++)
        row_free(&rows[i]);
    free(rows);
    free(o.runs);
    return rc;
}

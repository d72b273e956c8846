/* sweep.c — scaling sweeps as parallel child processes.
 *
 * The platform is loaded once, by the process that runs the sweep (a
 * 65,536-host fat tree takes SimGrid 3.32 tens of seconds to build); each
 * point is a child forked from it, which parses its own flags and runs one
 * simulation on the platform it inherited: SimGrid runs one simulation per
 * process, and separate processes use the machine's cores.  A sweep runs
 * every node count for each variant of --sweep-variants (or for the
 * command line's alone).  Started by an MPI launcher (mpirun -np K dsgd-sim
 * ... --sweep ...), each of the K processes simulates every K-th point and
 * the first gathers the rows through dsgd-gather, a child that joins the
 * MPI job as its parent's rank (dsgd-sim itself must not link MPI: SimGrid
 * carries MPI symbols). */
#define _POSIX_C_SOURCE 200809L
#include "sim/sweep.h"

#include "core/atomic.h"
#include "core/progress.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_POINTS 64   /* node counts */
#define MAX_VARIANTS 64 /* lines of --sweep-variants */
#define MAX_TOKENS 32   /* flags and values on one line */
/* A sweep says each point it finishes on a terminal, and elsewhere (a log,
 * a pipe) once it has run this long: a short one stays silent. */
#define QUIET_S 10.0

typedef struct point {
    int nodes;
    int variant; /* its line of --sweep-variants, -1: the command line's alone */
    pid_t pid;
    FILE *out, *errout; /* the child's stdout and stderr (temporary files) */
    int done, status;
    int sequential; /* the baseline: one worker running plain SGD */
    double iter_time_s, samples_per_s;
    double workers; /* ranks that train (servers excluded) */
    char algo[64], model[64]; /* as the child's JSON says */
    char error[300];
} point;

typedef struct variant {
    char *line;              /* its tokens point into it */
    char *tok[MAX_TOKENS + 1];
    int n;
    int lineno;
} variant;

struct dsgd_sweep {
    const dsgd_config *cfg;
    int argc;
    char **argv;
    point *points;
    int total; /* the points, the sequential baseline (if any) last */
    int rows;  /* the points that are table rows */
    int seq;   /* index of the sequential baseline, -1: none */
    variant variants[MAX_VARIANTS];
    int n_variants;
};

int dsgd_sweep_parse(const char *spec, int *nodes, int max, char *err, size_t errlen)
{
    if (strncmp(spec, "nodes=", 6) != 0) {
        snprintf(err, errlen, "--sweep: '%s' is not nodes=N1,N2,...", spec);
        return -1;
    }
    int n = 0;
    for (const char *s = spec + 6; *s;) {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s || v < 1 || v > 1 << 24 || (*end && *end != ',')) {
            snprintf(err, errlen, "--sweep: bad node count in '%s'", spec);
            return -1;
        }
        if (n == max) {
            snprintf(err, errlen, "--sweep: more than %d points", max);
            return -1;
        }
        nodes[n++] = (int)v;
        s = *end ? end + 1 : end;
    }
    if (n == 0) {
        snprintf(err, errlen, "--sweep: no node counts in '%s'", spec);
        return -1;
    }
    return n;
}

/* Whether arg is one of the variant's own flags (the sequential baseline,
 * plain ssgd, drops them); *value_follows if its value is the next one. */
static int variant_flag(const dsgd_config *cfg, const char *arg, int *value_follows)
{
    const dsgd_component *v = cfg->choice[DSGD_SEL_ALGO].component;
    *value_follows = 0;
    if (!v || strncmp(arg, "--", 2) != 0)
        return 0;
    const char *name = arg + 2, *eq = strchr(name, '=');
    const dsgd_option *o =
        dsgd_option_find(v->options, name, eq ? (size_t)(eq - name) : strlen(name));
    *value_follows = o && !eq && o->type != DSGD_OPT_BOOL;
    return o != NULL;
}

/* Flags a line of --sweep-variants may not set: the platform and SimGrid's
 * configuration are loaded once for every point, and the sweep sets the
 * rest. */
static const char *const fixed_flags[] = {"platform", "cfg", "log", "sweep", "sweep-out",
                                          "sweep-variants", "nodes", "trace", NULL};

static int fixed_flag(const char *arg)
{
    if (strncmp(arg, "--", 2) != 0)
        return 0;
    size_t len = strcspn(arg + 2, "=");
    for (int i = 0; fixed_flags[i]; i++)
        if (strlen(fixed_flags[i]) == len && strncmp(arg + 2, fixed_flags[i], len) == 0)
            return 1;
    return 0;
}

/* Reads --sweep-variants: one variant's flags per line ('#' starts a
 * comment; blank lines are skipped). */
static int read_variants(dsgd_sweep *s, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "--sweep-variants %s: %s", path, strerror(errno));
        return -1;
    }
    char buf[2048];
    int lineno = 0, rc = 0;
    while (rc == 0 && fgets(buf, sizeof buf, f)) {
        lineno++;
        if (!strchr(buf, '\n') && !feof(f)) {
            snprintf(err, errlen, "--sweep-variants %s:%d: line longer than %zu characters", path,
                     lineno, sizeof buf - 2);
            rc = -1;
            break;
        }
        buf[strcspn(buf, "#\n")] = '\0';
        if (buf[strspn(buf, " \t\r")] == '\0')
            continue;
        if (s->n_variants == MAX_VARIANTS) {
            snprintf(err, errlen, "--sweep-variants %s:%d: more than %d variants", path, lineno,
                     MAX_VARIANTS);
            rc = -1;
            break;
        }
        variant *v = &s->variants[s->n_variants];
        if (!(v->line = strdup(buf))) {
            snprintf(err, errlen, "--sweep-variants %s: out of memory", path);
            rc = -1;
            break;
        }
        s->n_variants++;
        v->lineno = lineno;
        for (char *save = NULL, *t = strtok_r(v->line, " \t\r", &save); t;
             t = strtok_r(NULL, " \t\r", &save)) {
            if (v->n == MAX_TOKENS) {
                snprintf(err, errlen, "--sweep-variants %s:%d: more than %d words", path, lineno,
                         MAX_TOKENS);
                rc = -1;
                break;
            }
            if (fixed_flag(t)) {
                snprintf(err, errlen,
                         "--sweep-variants %s:%d: %.*s is the sweep's (the platform and SimGrid's "
                         "configuration are loaded once for every point)",
                         path, lineno, (int)strcspn(t, "="), t);
                rc = -1;
                break;
            }
            v->tok[v->n++] = t;
        }
    }
    if (rc == 0 && ferror(f)) {
        snprintf(err, errlen, "--sweep-variants %s: %s", path, strerror(errno));
        rc = -1;
    }
    fclose(f);
    if (rc == 0 && s->n_variants == 0) {
        snprintf(err, errlen, "--sweep-variants %s: no variant in it", path);
        rc = -1;
    }
    return rc;
}

static int is_sweep_flag(const char *arg, int *value_follows)
{
    static const char *const names[] = {"--sweep", "--sweep-out", "--sweep-variants", NULL};
    *value_follows = 0;
    for (int i = 0; names[i]; i++) {
        size_t len = strlen(names[i]);
        if (strncmp(arg, names[i], len) == 0 && (arg[len] == '\0' || arg[len] == '=')) {
            *value_follows = arg[len] == '\0';
            return 1;
        }
    }
    return 0;
}

/* A point's flags: argv without the sweep's, its variant's line, then
 * --nodes N --json --quiet (and --algo ssgd for the sequential baseline,
 * which drops the variant flags of the command line).  NULL: out of
 * memory. */
static char **child_argv(const dsgd_sweep *s, const point *p, char *nodes_buf, size_t buflen)
{
    const variant *v = p->variant >= 0 ? &s->variants[p->variant] : NULL;
    char **out = calloc((size_t)s->argc + (v ? (size_t)v->n : 0) + 8, sizeof *out);
    if (!out)
        return NULL;
    int k = 0;
    for (int i = 0; i < s->argc; i++) {
        int value_follows;
        if (i > 0 && (is_sweep_flag(s->argv[i], &value_follows) ||
                      (p->sequential && variant_flag(s->cfg, s->argv[i], &value_follows)))) {
            i += value_follows; /* and its value */
            continue;
        }
        out[k++] = s->argv[i];
    }
    for (int i = 0; v && i < v->n; i++)
        out[k++] = v->tok[i];
    snprintf(nodes_buf, buflen, "%d", p->nodes);
    out[k++] = "--nodes";
    out[k++] = nodes_buf;
    out[k++] = "--json";
    out[k++] = "--quiet";
    if (p->sequential) { /* one worker, no servers: plain SGD (the last --algo wins) */
        out[k++] = "--algo";
        out[k++] = "ssgd";
    }
    out[k] = NULL;
    return out;
}

static int count_args(char **argv)
{
    int n = 0;
    while (argv[n])
        n++;
    return n;
}

int dsgd_sweep_prepare(int argc, char **argv, const dsgd_config *cfg,
                       const dsgd_sweep_hooks *hooks, dsgd_sweep **out, char *err, size_t errlen)
{
    *out = NULL;
    int nodes[MAX_POINTS];
    int n = dsgd_sweep_parse(cfg->sweep, nodes, MAX_POINTS, err, errlen);
    if (n < 0)
        return 2;
    dsgd_sweep *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "--sweep: out of memory");
        return 1;
    }
    *s = (dsgd_sweep){.cfg = cfg, .argc = argc, .argv = argv, .seq = -1};
    if (cfg->sweep_variants[0] && read_variants(s, cfg->sweep_variants, err, errlen) != 0) {
        dsgd_sweep_free(s);
        return 2;
    }
    int lines = s->n_variants ? s->n_variants : 1, one = 0;
    for (int i = 0; i < n; i++)
        one |= nodes[i] == 1;
    if (!(s->points = calloc((size_t)(lines * n + 1), sizeof *s->points))) {
        dsgd_sweep_free(s);
        snprintf(err, errlen, "--sweep: out of memory");
        return 1;
    }
    for (int v = 0; v < lines; v++)
        for (int i = 0; i < n; i++)
            s->points[s->total++] = (point){.nodes = nodes[i], .variant = s->n_variants ? v : -1};
    s->rows = s->total;
    if (!one) { /* the baseline of the speedups: sequential SGD on one worker */
        s->seq = s->total;
        s->points[s->total++] = (point){.nodes = 1, .variant = -1, .sequential = 1};
    }
    /* Each variant's flags are checked now, not after the platform has
     * loaded. */
    for (int v = 0; v < s->n_variants && hooks->check; v++) {
        char nodes_buf[16], why[400];
        char **cargv = child_argv(s, &s->points[v * n], nodes_buf, sizeof nodes_buf);
        int bad = !cargv || hooks->check(count_args(cargv), cargv, why, sizeof why) != 0;
        if (bad)
            snprintf(err, errlen, "--sweep-variants %s:%d: %s", cfg->sweep_variants,
                     s->variants[v].lineno, cargv ? why : "out of memory");
        free(cargv);
        if (bad) {
            dsgd_sweep_free(s);
            return 2;
        }
    }
    *out = s;
    return 0;
}

void dsgd_sweep_free(dsgd_sweep *s)
{
    if (!s)
        return;
    for (int v = 0; v < s->n_variants; v++)
        free(s->variants[v].line);
    free(s->points);
    free(s);
}

/* Forks point p's process: it runs the point on the platform this process
 * has loaded, its stdout and stderr into temporary files. */
static int start(const dsgd_sweep *s, point *p, const dsgd_sweep_hooks *hooks)
{
    char nodes_buf[16];
    char **cargv = child_argv(s, p, nodes_buf, sizeof nodes_buf);
    p->out = tmpfile();
    p->errout = tmpfile();
    if (!cargv || !p->out || !p->errout) {
        free(cargv);
        return -1;
    }
    fflush(NULL);
    p->pid = fork();
    if (p->pid == 0) {
        /* A sweep ended by a signal ends its points too (they would go on
         * running and writing otherwise). */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        dup2(fileno(p->out), STDOUT_FILENO);
        dup2(fileno(p->errout), STDERR_FILENO);
        int status = hooks->run(count_args(cargv), cargv);
        fflush(NULL);
        _exit(status);
    }
    free(cargv);
    return p->pid < 0 ? -1 : 0;
}

static double json_number(const char *line, const char *key)
{
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    const char *at = strstr(line, pattern);
    return at ? strtod(at + strlen(pattern), NULL) : -1;
}

/* The string value of "key" in a JSON line ("" if none). */
static void json_string(const char *line, const char *key, char *out, size_t len)
{
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    const char *at = strstr(line, pattern);
    out[0] = '\0';
    if (at) {
        at += strlen(pattern);
        size_t n = strcspn(at, "\"");
        snprintf(out, len, "%.*s", (int)(n < len ? n : len - 1), at);
    }
}

/* Reads a finished child's outputs into p. */
static void collect(point *p, int status)
{
    p->done = 1;
    p->status = status;
    char line[4096] = "";
    rewind(p->out);
    if (!fgets(line, sizeof line, p->out))
        line[0] = '\0';
    p->iter_time_s = json_number(line, "iter_time_s");
    p->samples_per_s = json_number(line, "samples_per_s");
    p->workers = json_number(line, "workers");
    json_string(line, "algo", p->algo, sizeof p->algo);
    json_string(line, "model", p->model, sizeof p->model);
    rewind(p->errout);
    if (!fgets(p->error, sizeof p->error, p->errout))
        p->error[0] = '\0';
    p->error[strcspn(p->error, "\n")] = '\0';
    fclose(p->out);
    fclose(p->errout);
}

/* "algo=asgd nodes=64" (the variant's algorithm from its flags when the
 * point has not said). */
static void point_name(const dsgd_sweep *s, const point *p, char *out, size_t len)
{
    const char *algo = p->algo[0] ? p->algo : p->sequential ? "ssgd" : s->cfg->algo;
    const variant *v = p->variant >= 0 ? &s->variants[p->variant] : NULL;
    for (int i = 0; v && !p->algo[0] && i < v->n; i++)
        if (strcmp(v->tok[i], "--algo") == 0 && i + 1 < v->n)
            algo = v->tok[i + 1];
        else if (strncmp(v->tok[i], "--algo=", 7) == 0)
            algo = v->tok[i] + 7;
    if (s->n_variants || p->sequential)
        snprintf(out, len, "algo=%s nodes=%d", algo, p->nodes);
    else
        snprintf(out, len, "nodes=%d", p->nodes);
}

/* The run a point's speedup is against: its variant's one-node point, or
 * sequential SGD. */
static const point *baseline_of(const dsgd_sweep *s, const point *p)
{
    for (int i = 0; i < s->rows; i++)
        if (s->points[i].variant == p->variant && s->points[i].nodes == 1)
            return &s->points[i];
    return &s->points[s->seq];
}

/* Each row says what its speedup is against (the baseline column) and,
 * when it is above linear (a speedup above the number of workers, so an
 * efficiency above 1 too), why (the note column): the workers' iterations
 * are shorter than the baseline's, so they do less per step. */
static int write_rows(FILE *f, void *ctx)
{
    const dsgd_sweep *s = ctx;
    fprintf(f, "algo,model,nodes,iter_time_s,samples_per_s,speedup,efficiency,baseline,note\n");
    for (int i = 0; i < s->rows; i++) {
        const point *p = &s->points[i], *base = baseline_of(s, p);
        char baseline[96];
        snprintf(baseline, sizeof baseline, "%s on 1 node",
                 base->sequential ? "sequential SGD (ssgd)" : base->algo);
        double speedup = p->samples_per_s / base->samples_per_s;
        double efficiency = speedup / p->nodes;
        char note[160] = "";
        if (speedup > p->workers * (1 + 1e-9))
            snprintf(note, sizeof note,
                     "above linear: %g workers; an iteration takes %.6g s against the "
                     "baseline's %.6g s (the workers do less per step than it does)",
                     p->workers, p->iter_time_s, base->iter_time_s);
        fprintf(f, "%s,%s,%d,%.9g,%.9g,%.6g,%.6g,%s,%s\n", p->algo, p->model, p->nodes,
                p->iter_time_s, p->samples_per_s, speedup, efficiency, baseline, note);
    }
    return 0;
}

static int write_table(const dsgd_sweep *s, char *err, size_t errlen)
{
    if (!s->cfg->sweep_out[0])
        return write_rows(stdout, (void *)s) || fflush(stdout) ? -1 : 0;
    if (dsgd_write_atomic(s->cfg->sweep_out, "w", write_rows, (void *)s, err, errlen) == 0)
        return 0;
    char why[512];
    snprintf(why, sizeof why, "%s", err);
    snprintf(err, errlen, "--sweep-out %s", why);
    return -1;
}

/* This process's share when an MPI launcher started several: its rank,
 * the job's size and how many of it run on this machine (1, 1, 1 when
 * not launched so). */
static void launch_share(int *rank, int *size, int *local)
{
    static const char *vars[][3] = {
        {"OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_SIZE"},
        {"PMI_RANK", "PMI_SIZE", "MPI_LOCALNRANKS"},
    };
    *rank = 0, *size = 1, *local = 1;
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *r = getenv(vars[i][0]), *n = getenv(vars[i][1]), *l = getenv(vars[i][2]);
        if (!r || !n || atoi(n) < 1 || atoi(r) < 0 || atoi(r) >= atoi(n))
            continue;
        *rank = atoi(r), *size = atoi(n);
        *local = l && atoi(l) >= 1 ? atoi(l) : 1;
        return;
    }
}

/* dsgd-gather beside this program (path, or "" if it is not there). */
static void gather_path(char *path, size_t len)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    path[0] = '\0';
    if (n <= 0)
        return;
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (slash)
        *slash = '\0';
    snprintf(path, len, "%s/dsgd-gather", slash ? self : ".");
    if (access(path, X_OK) != 0)
        path[0] = '\0';
}

/* Sends this rank's finished points (one line each: index, status, the
 * figures, the error) through dsgd-gather; on rank 0 reads every rank's
 * lines back into points.  Returns 0, or -1 with a reason in err. */
static int gather(point *points, int total, int rank, char *err, size_t errlen)
{
    char exe[PATH_MAX + 16];
    gather_path(exe, sizeof exe);
    if (!exe[0]) {
        snprintf(
            err, errlen,
            "--sweep under an MPI launcher needs dsgd-gather beside dsgd-sim (built with MPI)");
        return -1;
    }
    int in[2], out[2];
    if (pipe(in) != 0)
        goto fail;
    if (pipe(out) != 0) {
        close(in[0]), close(in[1]);
        goto fail;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(in[0], STDIN_FILENO);
        dup2(out[1], STDOUT_FILENO);
        close(in[0]), close(in[1]), close(out[0]), close(out[1]);
        execl(exe, exe, (char *)NULL);
        fprintf(stderr, "cannot run %s: %s\n", exe, strerror(errno));
        _exit(127);
    }
    close(in[0]), close(out[1]);
    FILE *to = pid > 0 ? fdopen(in[1], "w") : NULL;
    FILE *from = pid > 0 ? fdopen(out[0], "r") : NULL;
    if (!to || !from) {
        if (to)
            fclose(to);
        else
            close(in[1]);
        if (from)
            fclose(from);
        else
            close(out[0]);
        if (pid > 0)
            waitpid(pid, NULL, 0);
        goto fail;
    }
    /* The child reads all of its input before it answers: no deadlock. */
    for (int i = 0; i < total; i++)
        if (points[i].done)
            fprintf(to, "%d %d %.17g %.17g %.17g %s %s %s\n", i, points[i].status,
                    points[i].iter_time_s, points[i].samples_per_s, points[i].workers,
                    points[i].algo[0] ? points[i].algo : "-",
                    points[i].model[0] ? points[i].model : "-", points[i].error);
    fclose(to);
    char line[512];
    while (fgets(line, sizeof line, from)) {
        int i, status, at = 0;
        double it, sps, workers;
        char algo[64], model[64];
        if (rank != 0 ||
            sscanf(line, "%d %d %lg %lg %lg %63s %63s %n", &i, &status, &it, &sps, &workers, algo,
                   model, &at) < 7 ||
            i < 0 || i >= total)
            continue;
        point *p = &points[i];
        p->done = 1, p->status = status;
        p->iter_time_s = it, p->samples_per_s = sps, p->workers = workers;
        snprintf(p->algo, sizeof p->algo, "%s", strcmp(algo, "-") ? algo : "");
        snprintf(p->model, sizeof p->model, "%s", strcmp(model, "-") ? model : "");
        snprintf(p->error, sizeof p->error, "%s", line + at);
        p->error[strcspn(p->error, "\n")] = '\0';
    }
    fclose(from);
    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(err, errlen, "--sweep: dsgd-gather failed (%s)",
                 WIFEXITED(status) ? "see its message above" : "killed by a signal");
        return -1;
    }
    return 0;
fail:
    snprintf(err, errlen, "--sweep: cannot start dsgd-gather: %s", strerror(errno));
    return -1;
}

int dsgd_sweep_run(dsgd_sweep *s, int parallel, const dsgd_sweep_hooks *hooks, char *err,
                   size_t errlen)
{
    point *points = s->points;
    int total = s->total;
    int rank, size, local;
    launch_share(&rank, &size, &local);
    if (size > 1) /* every size-th point, the machine's cores shared by its ranks */
        parallel = parallel / local > 1 ? parallel / local : 1;
    int mine = 0;
    for (int i = 0; i < total; i++)
        mine += i % size == rank;
    int running = 0, next = rank, finished = 0, failed = -1;
    char name[128];
    double t0 = dsgd_wall_seconds();
    while (finished < mine) {
        while (failed < 0 && next < total && running < parallel) {
            if (start(s, &points[next], hooks) != 0) {
                snprintf(err, errlen, "--sweep: cannot start a child process: %s", strerror(errno));
                return 1;
            }
            next += size, running++;
        }
        if (running == 0)
            break;
        int status;
        pid_t pid = wait(&status);
        if (pid < 0)
            break;
        for (int i = 0; i < next && i < total; i++)
            if (points[i].pid == pid && !points[i].done) {
                collect(&points[i], WIFEXITED(status) ? WEXITSTATUS(status) : 128);
                running--, finished++;
                if (points[i].status != 0 || points[i].samples_per_s <= 0) {
                    if (failed < 0)
                        failed = i;
                } else if (!s->cfg->quiet &&
                           (isatty(STDERR_FILENO) || dsgd_wall_seconds() - t0 > QUIET_S)) {
                    point_name(s, &points[i], name, sizeof name);
                    fprintf(stderr, "  sweep: %s done (%d/%d, %.0f s)\n", name, finished, mine,
                            dsgd_wall_seconds() - t0);
                }
            }
    }
    if (size > 1) {
        if (gather(points, total, rank, err, errlen) != 0)
            return 1;
        if (rank != 0) /* the first rank reports and writes the table */
            return 0;
        failed = -1;
        for (int i = 0; i < total && failed < 0; i++)
            if (!points[i].done || points[i].status != 0 || points[i].samples_per_s <= 0)
                failed = i;
        if (failed >= 0 && !points[failed].done) {
            point_name(s, &points[failed], name, sizeof name);
            snprintf(err, errlen, "--sweep: point %s was not run (its rank stopped at a failure)",
                     name);
            for (int i = 0; i < total; i++) /* a failure that says why comes first */
                if (points[i].done && points[i].status != 0) {
                    failed = i;
                    break;
                }
            if (!points[failed].done)
                return 1;
        }
        if (!s->cfg->quiet && failed < 0)
            fprintf(stderr, "dsgd-sim: sweep of %d points over %d MPI ranks\n", total, size);
    }
    if (failed >= 0) {
        const point *p = &points[failed];
        point_name(s, p, name, sizeof name);
        snprintf(err, errlen, "--sweep: point %s failed (exit %d): %s", name, p->status,
                 p->error[0] ? p->error : "no output");
        return p->status == 2 ? 2 : 1;
    }
    return write_table(s, err, errlen) ? 1 : 0;
}

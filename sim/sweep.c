/* sweep.c — scaling sweeps as parallel child processes.
 *
 * Each point is a separate dsgd-sim process: SimGrid runs one simulation
 * per process, and separate processes use the machine's cores. */
#define _POSIX_C_SOURCE 200809L
#include "sim/sweep.h"

#include "core/atomic.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_POINTS 64

typedef struct point {
    int nodes;
    pid_t pid;
    FILE *out, *errout; /* the child's stdout and stderr (temporary files) */
    int done, status;
    int sequential; /* the baseline: one worker running plain SGD */
    double iter_time_s, samples_per_s;
    double workers; /* ranks that train (servers excluded) */
    char error[300];
} point;

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
    const dsgd_option *o = dsgd_option_find(v->options, name, eq ? (size_t)(eq - name) : strlen(name));
    *value_follows = o && !eq && o->type != DSGD_OPT_BOOL;
    return o != NULL;
}

/* argv without the sweep flags, plus --nodes N --json --quiet. */
static char **child_argv(const dsgd_config *cfg, int argc, char **argv, int nodes, int sequential,
                         char *nodes_buf, size_t buflen)
{
    char **out = calloc((size_t)argc + 8, sizeof *out);
    if (!out)
        return NULL;
    int k = 0;
    for (int i = 0; i < argc; i++) {
        if (i > 0 && (strcmp(argv[i], "--sweep") == 0 || strcmp(argv[i], "--sweep-out") == 0)) {
            i++; /* and its value */
            continue;
        }
        if (strncmp(argv[i], "--sweep=", 8) == 0 || strncmp(argv[i], "--sweep-out=", 12) == 0)
            continue;
        int value_follows;
        if (i > 0 && sequential && variant_flag(cfg, argv[i], &value_follows)) {
            i += value_follows;
            continue;
        }
        out[k++] = argv[i];
    }
    snprintf(nodes_buf, buflen, "%d", nodes);
    out[k++] = "--nodes";
    out[k++] = nodes_buf;
    out[k++] = "--json";
    out[k++] = "--quiet";
    if (sequential) { /* one worker, no servers: plain SGD (the last --algo wins) */
        out[k++] = "--algo";
        out[k++] = "ssgd";
    }
    out[k] = NULL;
    return out;
}

static int start(const dsgd_config *cfg, point *p, int argc, char **argv)
{
    char nodes_buf[16];
    char **cargv =
        child_argv(cfg, argc, argv, p->nodes, p->sequential, nodes_buf, sizeof nodes_buf);
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
        execv("/proc/self/exe", cargv);
        fprintf(stderr, "cannot run /proc/self/exe: %s\n", strerror(errno));
        _exit(127);
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

/* Reads a finished child's outputs into p. */
static void collect(point *p, int status)
{
    p->done = 1;
    p->status = status;
    char line[2048] = "";
    rewind(p->out);
    if (!fgets(line, sizeof line, p->out))
        line[0] = '\0';
    p->iter_time_s = json_number(line, "iter_time_s");
    p->samples_per_s = json_number(line, "samples_per_s");
    p->workers = json_number(line, "workers");
    rewind(p->errout);
    if (!fgets(p->error, sizeof p->error, p->errout))
        p->error[0] = '\0';
    p->error[strcspn(p->error, "\n")] = '\0';
    fclose(p->out);
    fclose(p->errout);
}

typedef struct table_job {
    const dsgd_config *cfg;
    const point *points;
    int n;
    const point *base; /* the run the speedups are against */
} table_job;

/* Each row says what its speedup is against (the baseline column) and,
 * when it is above linear (a speedup above the number of workers, so an
 * efficiency above 1 too), why (the note column): the workers' iterations
 * are shorter than the baseline's, so they do less per step. */
static int write_rows(FILE *f, void *ctx)
{
    const table_job *t = ctx;
    char baseline[64];
    snprintf(baseline, sizeof baseline, "%s on 1 node",
             t->base->sequential ? "sequential SGD (ssgd)" : t->cfg->algo);
    fprintf(f, "algo,model,nodes,iter_time_s,samples_per_s,speedup,efficiency,baseline,note\n");
    for (int i = 0; i < t->n; i++) {
        const point *p = &t->points[i];
        double speedup = p->samples_per_s / t->base->samples_per_s;
        double efficiency = speedup / p->nodes;
        char note[160] = "";
        if (speedup > p->workers * (1 + 1e-9))
            snprintf(note, sizeof note,
                     "above linear: %g workers; an iteration takes %.6g s against the "
                     "baseline's %.6g s (the workers do less per step than it does)",
                     p->workers, p->iter_time_s, t->base->iter_time_s);
        fprintf(f, "%s,%s,%d,%.9g,%.9g,%.6g,%.6g,%s,%s\n", t->cfg->algo, t->cfg->model, p->nodes,
                p->iter_time_s, p->samples_per_s, speedup, efficiency, baseline, note);
    }
    return 0;
}

static int write_table(const dsgd_config *cfg, const point *points, int n, const point *base,
                       char *err, size_t errlen)
{
    table_job job = {cfg, points, n, base};
    if (!cfg->sweep_out[0])
        return write_rows(stdout, &job) || fflush(stdout) ? -1 : 0;
    if (dsgd_write_atomic(cfg->sweep_out, "w", write_rows, &job, err, errlen) == 0)
        return 0;
    char why[512];
    snprintf(why, sizeof why, "%s", err);
    snprintf(err, errlen, "--sweep-out %s", why);
    return -1;
}

int dsgd_sweep_run(int argc, char **argv, const dsgd_config *cfg, int parallel, char *err,
                   size_t errlen)
{
    point points[MAX_POINTS + 1];
    memset(points, 0, sizeof points);
    int nodes[MAX_POINTS];
    int n = dsgd_sweep_parse(cfg->sweep, nodes, MAX_POINTS, err, errlen);
    if (n < 0)
        return 2;
    int total = n, base = -1;
    for (int i = 0; i < n; i++) {
        points[i].nodes = nodes[i];
        if (nodes[i] == 1)
            base = i;
    }
    if (base < 0) { /* the baseline of the speedups: sequential SGD on one worker */
        base = total;
        points[total].sequential = 1;
        points[total++].nodes = 1;
    }
    int running = 0, next = 0, finished = 0, failed = -1;
    while (finished < total) {
        while (failed < 0 && next < total && running < parallel) {
            if (start(cfg, &points[next], argc, argv) != 0) {
                snprintf(err, errlen, "--sweep: cannot start a child process: %s", strerror(errno));
                return 1;
            }
            next++, running++;
        }
        if (running == 0)
            break;
        int status;
        pid_t pid = wait(&status);
        if (pid < 0)
            break;
        for (int i = 0; i < next; i++)
            if (points[i].pid == pid && !points[i].done) {
                collect(&points[i], WIFEXITED(status) ? WEXITSTATUS(status) : 128);
                running--, finished++;
                if (points[i].status != 0 || points[i].samples_per_s <= 0) {
                    if (failed < 0)
                        failed = i;
                } else if (!cfg->quiet && isatty(STDERR_FILENO)) {
                    fprintf(stderr, "  sweep: nodes=%d done (%d/%d)\n", points[i].nodes, finished,
                            total);
                }
            }
    }
    if (failed >= 0) {
        const point *p = &points[failed];
        snprintf(err, errlen, "--sweep: point nodes=%d failed (exit %d): %s", p->nodes, p->status,
                 p->error[0] ? p->error : "no output");
        return p->status == 2 ? 2 : 1;
    }
    return write_table(cfg, points, n, &points[base], err, errlen) ? 1 : 0;
}

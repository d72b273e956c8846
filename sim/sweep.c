/* sweep.c — scaling sweeps as parallel child processes.
 *
 * Each point is a separate dsgd-sim process: SimGrid runs one simulation
 * per process, and separate processes use the machine's cores.  Started
 * by an MPI launcher (mpirun -np K dsgd-sim ... --sweep ...), each of the
 * K processes simulates every K-th point and the first gathers the rows
 * through dsgd-gather, a child that joins the MPI job as its parent's rank
 * (dsgd-sim itself must not link MPI: SimGrid carries MPI symbols). */
#define _POSIX_C_SOURCE 200809L
#include "sim/sweep.h"

#include "core/atomic.h"

#include <errno.h>
#include <limits.h>
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
    const dsgd_option *o =
        dsgd_option_find(v->options, name, eq ? (size_t)(eq - name) : strlen(name));
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
            fprintf(to, "%d %d %.17g %.17g %.17g %s\n", i, points[i].status, points[i].iter_time_s,
                    points[i].samples_per_s, points[i].workers, points[i].error);
    fclose(to);
    char line[512];
    while (fgets(line, sizeof line, from)) {
        int i, status, at = 0;
        double it, sps, workers;
        if (rank != 0 ||
            sscanf(line, "%d %d %lg %lg %lg %n", &i, &status, &it, &sps, &workers, &at) < 5 ||
            i < 0 || i >= total)
            continue;
        point *p = &points[i];
        p->done = 1, p->status = status;
        p->iter_time_s = it, p->samples_per_s = sps, p->workers = workers;
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
    int rank, size, local;
    launch_share(&rank, &size, &local);
    if (size > 1) /* every size-th point, the machine's cores shared by its ranks */
        parallel = parallel / local > 1 ? parallel / local : 1;
    int mine = 0;
    for (int i = 0; i < total; i++)
        mine += i % size == rank;
    int running = 0, next = rank, finished = 0, failed = -1;
    while (finished < mine) {
        while (failed < 0 && next < total && running < parallel) {
            if (start(cfg, &points[next], argc, argv) != 0) {
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
        for (int i = 0; i < next; i++)
            if (points[i].pid == pid && !points[i].done) {
                collect(&points[i], WIFEXITED(status) ? WEXITSTATUS(status) : 128);
                running--, finished++;
                if (points[i].status != 0 || points[i].samples_per_s <= 0) {
                    if (failed < 0)
                        failed = i;
                } else if (!cfg->quiet && isatty(STDERR_FILENO)) {
                    fprintf(stderr, "  sweep: nodes=%d done (%d/%d)\n", points[i].nodes, finished,
                            mine);
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
            snprintf(err, errlen,
                     "--sweep: point nodes=%d was not run (its rank stopped at a failure)",
                     points[failed].nodes);
            for (int i = 0; i < total; i++) /* a failure that says why comes first */
                if (points[i].done && points[i].status != 0) {
                    failed = i;
                    break;
                }
            if (!points[failed].done)
                return 1;
        }
        if (!cfg->quiet && failed < 0)
            fprintf(stderr, "dsgd-sim: sweep of %d points over %d MPI ranks\n", total, size);
    }
    if (failed >= 0) {
        const point *p = &points[failed];
        snprintf(err, errlen, "--sweep: point nodes=%d failed (exit %d): %s", p->nodes, p->status,
                 p->error[0] ? p->error : "no output");
        return p->status == 2 ? 2 : 1;
    }
    return write_table(cfg, points, n, &points[base], err, errlen) ? 1 : 0;
}

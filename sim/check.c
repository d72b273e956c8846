/* check.c — what dsgd-sim refuses before a run because SimGrid 3.32 would
 * abort, crash or hang on it: configuration values (--cfg, or a platform's
 * <config>), a platform's numbers (hosts' speeds, links' bandwidths and
 * latencies), radicals that count down, and routes missing between the
 * run's hosts.  Each check returns a one-line reason naming the key, host,
 * link or hosts and the value; the program says where it came from. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include <errno.h>
#include <math.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <simgrid/link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xbt/config.h>
#include <xbt/dynar.h>

#include "sim/sim.h"

/* ---- configuration ------------------------------------------------------- */

/* Numeric items and the values SimGrid survives.  Measured on 3.32:
 * surf/precision <= 0 hangs the engine, maxmin/precision < 0 crashes it,
 * a bandwidth factor of 0 aborts it ("The Impossible Did Happen"), a stack
 * of a few KiB overflows into the heap, a negative guard size aborts, a
 * concurrency limit of 0 lets nothing progress (a stall).  Negative
 * factors, latencies and weights were accepted and made time run
 * backwards.  dsgd's actors need about 16 KiB of stack (less than 32 under
 * AddressSanitizer, every variant with the CNN): 64 KiB leaves room. */
#define MIN_STACK_KIB 64
static const struct {
    const char *key;
    int integer; /* an int item (else a double) */
    double min;  /* the least value allowed ... */
    int above;   /* ... excluded */
    const char *want;
} limits[] = {
    {"surf/precision", 0, 0, 1, "a number > 0"},
    {"maxmin/precision", 0, 0, 1, "a number > 0"},
    {"bmf/precision", 0, 0, 1, "a number > 0"},
    {"network/bandwidth-factor", 0, 0, 1, "a number > 0"},
    {"network/latency-factor", 0, 0, 0, "a number >= 0"},
    {"network/TCP-gamma", 0, 0, 0, "a number >= 0 (bytes; 0: no window)"},
    {"network/weight-S", 0, 0, 0, "a number >= 0"},
    {"network/loopback-bw", 0, 0, 1, "a bandwidth > 0"},
    {"network/loopback-lat", 0, 0, 0, "a latency >= 0"},
    {"plugin/dvfs/sampling-rate", 0, 0, 1, "a number > 0"},
    {"contexts/stack-size", 1, MIN_STACK_KIB, 0, "at least 64 (KiB; dsgd's actors need more)"},
    {"contexts/guard-size", 1, 0, 0, "a number of pages >= 0"},
    {"contexts/nthreads", 1, 1, 0, "a number >= 1"},
    {"bmf/max-iterations", 1, 1, 0, "a number >= 1"},
    {"tracing/precision", 1, 0, 0, "a number >= 0"},
};

int dsgd_sim_check_config(const char **bad_key, char *err, size_t errlen)
{
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
        double v =
            limits[i].integer ? sg_cfg_get_int(limits[i].key) : sg_cfg_get_double(limits[i].key);
        if (isfinite(v) && (limits[i].above ? v > limits[i].min : v >= limits[i].min))
            continue;
        *bad_key = limits[i].key;
        snprintf(err, errlen, "%s:%g: want %s", limits[i].key, v, limits[i].want);
        return -1;
    }
    int limit = sg_cfg_get_int("maxmin/concurrency-limit");
    if (limit == 0 || limit < -1) {
        *bad_key = "maxmin/concurrency-limit";
        snprintf(err, errlen, "maxmin/concurrency-limit:%d: want -1 (no limit) or a number >= 1",
                 limit);
        return -1;
    }
    return 0;
}

/* ---- the platform's numbers ---------------------------------------------- */

/* A radical ("0-15", "0-3,8,10-11") with a range that counts down: SimGrid
 * creates no host for it.  Copies the first into bad; returns 1 if found. */
static int reversed_radical(const char *platform, char *bad, size_t len)
{
    FILE *f = fopen(platform, "r");
    char line[4096];
    int found = 0;
    while (f && !found && fgets(line, sizeof line, f)) {
        char value[256];
        const char *p = strstr(line, "radical=");
        if (!p || (p[8] != '"' && p[8] != '\''))
            continue;
        const char *end = strchr(p + 9, p[8]);
        if (!end || (size_t)(end - p - 9) >= sizeof value)
            continue;
        memcpy(value, p + 9, (size_t)(end - p - 9));
        value[end - p - 9] = '\0';
        for (char *item = strtok(value, ","); item && !found; item = strtok(NULL, ",")) {
            long a, b;
            if (sscanf(item, "%ld-%ld", &a, &b) == 2 && b < a) {
                snprintf(bad, len, "%s", item);
                found = 1;
            }
        }
    }
    if (f)
        fclose(f);
    return found;
}

static int bad_number(double v, int zero_ok)
{
    return !isfinite(v) || v < 0 || (!zero_ok && v == 0);
}

int dsgd_sim_check_platform(const char *platform, char *err, size_t errlen)
{
    char range[64];
    if (reversed_radical(platform, range, sizeof range)) {
        snprintf(err, errlen,
                 "a cluster's radical counts down ('%s'): SimGrid makes no host of it; "
                 "write LOW-HIGH",
                 range);
        return -1;
    }
    size_t n_hosts = sg_host_count();
    if (n_hosts == 0) {
        snprintf(err, errlen, "it has no hosts");
        return -1;
    }
    sg_host_t *hosts = sg_host_list();
    int rc = 0;
    for (size_t i = 0; i < n_hosts && rc == 0; i++)
        for (unsigned long p = 0; p < sg_host_get_nb_pstates(hosts[i]) && rc == 0; p++) {
            double speed = sg_host_get_pstate_speed(hosts[i], p);
            if (bad_number(speed, 0)) {
                snprintf(err, errlen, "host %s: speed %g flop/s%s: want a finite speed > 0",
                         sg_host_get_name(hosts[i]), speed,
                         sg_host_get_nb_pstates(hosts[i]) > 1 ? " (a pstate's)" : "");
                rc = -1;
            }
        }
    free(hosts);
    size_t n_links = sg_link_count();
    sg_link_t *links = rc == 0 && n_links ? sg_link_list() : NULL;
    for (size_t i = 0; links && i < n_links && rc == 0; i++) {
        double bw = sg_link_get_bandwidth(links[i]), lat = sg_link_get_latency(links[i]);
        if (bad_number(bw, 0))
            snprintf(err, errlen, "link %s: bandwidth %g B/s: want a finite bandwidth > 0",
                     sg_link_get_name(links[i]), bw);
        else if (bad_number(lat, 1))
            snprintf(err, errlen, "link %s: latency %g s: want a finite latency >= 0",
                     sg_link_get_name(links[i]), lat);
        rc = bad_number(bw, 0) || bad_number(lat, 1) ? -1 : 0;
    }
    free(links);
    return rc;
}

/* ---- routes -------------------------------------------------------------- */

int dsgd_sim_log_reason(const char *line, char *why, size_t len)
{
    /* SimGrid's log lines start with "[time] "; the rest is backtraces,
     * a sanitizer's report of a crash or the shell's word for it, which
     * say nothing about the input. */
    if (line[0] != '[')
        return -1;
    int telling = strstr(line, "/ERROR]") || strstr(line, "/CRITICAL]");
    /* Drop SimGrid's "[time] file:line: [category/LEVEL] " prefix and an
     * "Uncaught exception TYPE: " preamble. */
    const char *msg = line, *tag;
    while ((tag = strstr(msg, "] ")) != NULL)
        msg = tag + 2;
    if (strncmp(msg, "Uncaught exception ", 19) == 0 && strstr(msg, ": "))
        msg = strstr(msg, ": ") + 2;
    if (strncmp(msg, "Backtrace", 9) == 0 || strncmp(msg, "Current backtrace", 17) == 0 ||
        strspn(msg, " \t\n") == strlen(msg))
        return -1;
    snprintf(why, len, "%s", msg);
    why[strcspn(why, "\n")] = '\0';
    return telling;
}

/* Whether SimGrid has a route from a to b: one with links or with a
 * latency.  Without one, a message between them aborts the engine. */
static int routed(sg_host_t a, sg_host_t b)
{
    if (a == b)
        return 1;
    xbt_dynar_t links = xbt_dynar_new(sizeof(sg_link_t), NULL);
    sg_host_get_route(a, b, links);
    int ok = !xbt_dynar_is_empty(links) || sg_host_get_route_latency(a, b) > 0;
    xbt_dynar_free(&links);
    return ok;
}

/* The k-th pair checked: every host to the first and back, and to the
 * next rank's (3n lookups, not n^2: a platform cut in parts shows). */
static void pair(const sg_host_t *hosts, long k, sg_host_t *a, sg_host_t *b)
{
    long i = 1 + k / 3;
    sg_host_t pairs[3][2] = {{hosts[0], hosts[i]}, {hosts[i], hosts[0]}, {hosts[i - 1], hosts[i]}};
    *a = pairs[k % 3][0];
    *b = pairs[k % 3][1];
}

#define NO_ROUTE_STATUS 3

/* Child side: looks the pairs up, publishing the one in hand in *cursor. */
static void probe_routes(const sg_host_t *hosts, int n, volatile long *cursor)
{
    for (long k = 0; k < 3L * (n - 1); k++) {
        sg_host_t a, b;
        *cursor = k;
        pair(hosts, k, &a, &b);
        if (!routed(a, b))
            _exit(NO_ROUTE_STATUS);
    }
    _exit(0);
}

/* Parent side: SimGrid's reason from the child's stderr, then its status. */
static int probe_wait(pid_t pid, int fd, char *why, size_t len)
{
    FILE *in = fdopen(fd, "r");
    char line[1024];
    int why_telling = 0;
    why[0] = '\0';
    while (in && fgets(line, sizeof line, in)) {
        char reason[512];
        int telling = dsgd_sim_log_reason(line, reason, sizeof reason);
        if (telling >= 0 && (!why[0] || (telling && !why_telling))) {
            snprintf(why, len, "%s", reason);
            why_telling = telling;
        }
    }
    if (in)
        fclose(in);
    else
        close(fd);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return status;
}

/* SimGrid 3.32 does not answer "no route" on every platform: Floyd zones
 * throw, Dijkstra zones without edges crash, zones without gateways fail
 * an assertion, routing="None" zones abort.  So the lookups run in a child
 * process; its death on a pair is that pair's missing route, with
 * SimGrid's last word as the reason.  (The platform must be sealed:
 * dsgd_sim_seal_platform.) */
int dsgd_sim_check_routes(const sg_host_t *hosts, int n, char *err, size_t errlen)
{
    if (n < 2)
        return 0;
    volatile long *cursor =
        mmap(NULL, sizeof *cursor, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int fds[2];
    if (cursor == MAP_FAILED || pipe(fds) != 0) {
        if (cursor != MAP_FAILED)
            munmap((void *)cursor, sizeof *cursor);
        return 0; /* cannot look safely: the run will tell */
    }
    *cursor = -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], STDERR_FILENO);
        probe_routes(hosts, n, cursor);
    }
    close(fds[1]);
    char why[512];
    int status = pid > 0 ? probe_wait(pid, fds[0], why, sizeof why) : (close(fds[0]), 0);
    long k = *cursor;
    munmap((void *)cursor, sizeof *cursor);
    if (pid < 0 || (WIFEXITED(status) && WEXITSTATUS(status) == 0))
        return 0;
    if (k < 0) {
        snprintf(err, errlen, "SimGrid failed before looking up a route: %s",
                 why[0] ? why : "it crashed");
        return -1;
    }
    sg_host_t a, b;
    pair(hosts, k, &a, &b);
    const char *a_name = sg_host_get_name(a), *b_name = sg_host_get_name(b);
    if (WIFEXITED(status) && WEXITSTATUS(status) == NO_ROUTE_STATUS)
        snprintf(err, errlen, "no route from host %s to host %s (ranks there could never talk)",
                 a_name, b_name);
    else if (why[0])
        snprintf(err, errlen, "no route from host %s to host %s (SimGrid: %.300s)", a_name, b_name,
                 why);
    else
        snprintf(err, errlen,
                 "no route from host %s to host %s (SimGrid crashed looking it up: %s %d)", a_name,
                 b_name, WIFSIGNALED(status) ? "signal" : "exit status",
                 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    return -1;
}

/* platform_size.c — how many hosts a platform file declares, read from its
 * text before SimGrid loads it.
 *
 * SimGrid expands a cluster's radical ("0-99999999") into that many hosts,
 * links and routes while it parses, with no limit: a 300-byte file could
 * take the machine's memory.  Counting first lets dsgd-sim refuse a
 * platform that cannot fit, in one line, before loading anything. */
#define _POSIX_C_SOURCE 200809L
#include "sim/sim.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/paths.h"

/* Hosts a radical names: comma-separated numbers and ranges "a-b".
 * Returns the count (saturating at LONG_MAX), or -1 if it is no radical. */
static long radical_hosts(const char *r, const char *end)
{
    long total = 0;
    while (r < end) {
        char *stop;
        errno = 0;
        long long a = strtoll(r, &stop, 10), b = a;
        if (stop == r || errno)
            return -1;
        r = stop;
        if (r < end && *r == '-') {
            b = strtoll(r + 1, &stop, 10);
            if (stop == r + 1 || errno)
                return -1;
            r = stop;
        }
        if (b < a)
            return -1;
        unsigned long long n = (unsigned long long)(b - a) + 1;
        total = n > (unsigned long long)(LONG_MAX - total) ? LONG_MAX : total + (long)n;
        while (r < end && (*r == ',' || isspace((unsigned char)*r)))
            r++;
    }
    return total;
}

/* text without its XML comments (in place). */
static void drop_comments(char *text)
{
    char *out = text;
    for (char *p = text; *p;) {
        if (strncmp(p, "<!--", 4) == 0) {
            char *close = strstr(p + 4, "-->");
            if (!close)
                break;
            p = close + 3;
        } else {
            *out++ = *p++;
        }
    }
    *out = '\0';
}

/* Memory SimGrid takes to load a host, by how it is declared: peak RSS
 * of a two-rank run on `platforms/gen` platforms less that of small.xml,
 * per host (2026-12-03, SimGrid 3.32): a FLAT cluster 3.3 KiB from 16,384
 * to 262,144 hosts; a FAT_TREE 4.1 KiB at 4,096 hosts, 5.6 at 16,384 and
 * 6.4 at 65,536 (its switches grow with it); a TORUS 3.8 at 4,096.  With
 * room for the routes a run looks up; 16 KiB for the rest (DRAGONFLY,
 * explicit <host> tags, whose zones' routing tables we do not model). */
typedef struct host_cost {
    const char *topology; /* a cluster's topology attribute; NULL: anything else */
    long bytes;
} host_cost;

static const host_cost host_costs[] = {
    {"FLAT", 4L << 10}, {"FAT_TREE", 8L << 10}, {"TORUS", 6L << 10}, {NULL, 16L << 10}};

/* The cost of a host of the cluster whose tag holds position at (text
 * starts the file): its topology attribute's, FLAT when it has none. */
static const host_cost *cluster_cost(const char *text, const char *at)
{
    const char *open = at, *close = strchr(at, '>');
    while (open > text && *open != '<')
        open--;
    const char *topo = strstr(open, "topology");
    const char *name = "FLAT";
    char value[32] = "";
    if (topo && close && topo < close) {
        const char *q = strchr(topo, '=');
        q = q ? q + 1 : topo;
        while (isspace((unsigned char)*q))
            q++;
        if (*q == '"' || *q == '\'') {
            const char *end = strchr(q + 1, *q);
            if (end && end - q - 1 < (long)sizeof value)
                snprintf(value, sizeof value, "%.*s", (int)(end - q - 1), q + 1);
        }
        name = value;
    }
    const host_cost *c = host_costs;
    while (c->topology && strcmp(c->topology, name) != 0)
        c++;
    return c;
}

/* Counts the hosts and what they cost to load (*bytes, saturating);
 * first_radical receives the radical that declares the most. */
static long count_hosts(char *text, char *first_radical, size_t len, double *bytes,
                        const host_cost **largest)
{
    long total = 0, most = 0;
    const host_cost *plain = &host_costs[sizeof host_costs / sizeof host_costs[0] - 1];
    first_radical[0] = '\0';
    *largest = plain;
    for (char *p = text; (p = strstr(p, "<host")) != NULL; p += 5)
        if (isspace((unsigned char)p[5]) || p[5] == '/' || p[5] == '>')
            total += total < LONG_MAX;
    *bytes = (double)total * plain->bytes;
    for (char *p = text; (p = strstr(p, "radical")) != NULL;) {
        char *at = p, *q = p + 7;
        p = q;
        while (isspace((unsigned char)*q))
            q++;
        if (*q++ != '=')
            continue;
        while (isspace((unsigned char)*q))
            q++;
        char quote = *q;
        char *end = quote == '"' || quote == '\'' ? strchr(q + 1, quote) : NULL;
        if (!end)
            continue;
        long n = radical_hosts(q + 1, end);
        if (n < 0)
            continue; /* SimGrid says what is wrong with it */
        const host_cost *cost = cluster_cost(text, at);
        *bytes += (double)n * cost->bytes;
        if (!first_radical[0] || n > most) {
            snprintf(first_radical, len, "%.*s", (int)(end - q - 1 > 40 ? 40 : end - q - 1), q + 1);
            most = n;
            *largest = cost;
        }
        total = n > LONG_MAX - total ? LONG_MAX : total + n;
    }
    return total;
}

/* A hard cap far above the 16,384 hosts of the largest platforms in use,
 * reached by the one-million-node runs of symmetry mode (README). */
#define MAX_HOSTS (1L << 20)

int dsgd_sim_platform_check_size(const char *platform, long *hosts, char *err, size_t errlen)
{
    char why[1200];
    FILE *f = dsgd_input_fopen(platform, "r", why, sizeof why);
    if (!f) {
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    size_t cap = 1 << 16, n = 0;
    char *text = malloc(cap);
    for (size_t got; text && (got = fread(text + n, 1, cap - n - 1, f)) > 0;) {
        n += got;
        if (n + 1 == cap) {
            char *grown = cap < ((size_t)1 << 30) ? realloc(text, cap *= 2) : NULL;
            if (!grown) {
                free(text);
                text = NULL;
            } else {
                text = grown;
            }
        }
    }
    fclose(f);
    if (!text) {
        snprintf(err, errlen, "%s: too large to read (over 1 GiB, or out of memory)", platform);
        return -1;
    }
    text[n] = '\0';
    drop_comments(text);
    char radical[48];
    double bytes;
    const host_cost *cost;
    long count = count_hosts(text, radical, sizeof radical, &bytes, &cost);
    free(text);
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    double room = pages > 0 && page > 0 ? (double)pages * page / 2 : INFINITY;
    *hosts = count;
    if (count > MAX_HOSTS) {
        snprintf(err, errlen,
                 "%s: declares %ld hosts (radical '%s'), more than dsgd-sim loads (%ld)", platform,
                 count, radical, MAX_HOSTS);
        return -1;
    }
    if (bytes > room) {
        snprintf(err, errlen,
                 "%s: declares %ld hosts (radical '%s'), more than dsgd-sim loads in half this "
                 "machine's memory (%.0f MiB: about %ld KiB a host%s%s, %.0f MiB in all)",
                 platform, count, radical, room / 1048576, cost->bytes >> 10,
                 cost->topology ? " of a cluster " : "", cost->topology ? cost->topology : "",
                 bytes / 1048576);
        return -1;
    }
    return 0;
}

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

static long count_hosts(char *text, char *first_radical, size_t len)
{
    long total = 0;
    first_radical[0] = '\0';
    for (char *p = text; (p = strstr(p, "<host")) != NULL; p += 5)
        if (isspace((unsigned char)p[5]) || p[5] == '/' || p[5] == '>')
            total += total < LONG_MAX;
    for (char *p = text; (p = strstr(p, "radical")) != NULL;) {
        char *q = p + 7;
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
        if (!first_radical[0] || n > 1000)
            snprintf(first_radical, len, "%.*s", (int)(end - q - 1 > 40 ? 40 : end - q - 1), q + 1);
        total = n > LONG_MAX - total ? LONG_MAX : total + n;
    }
    return total;
}

/* Memory SimGrid takes per host of a cluster with its links and routing:
 * about 5.5 KiB measured (peak RSS of a two-rank run on torus-4096.xml and
 * fattree-4096.xml against small.xml); 16 KiB leaves room for the routes a
 * run of every host computes.  And a hard cap far above the 16,384 hosts
 * of the largest platforms in use. */
#define BYTES_PER_HOST (16L << 10)
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
    long count = count_hosts(text, radical, sizeof radical);
    free(text);
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    long room =
        pages > 0 && page > 0 ? (long)((double)pages * page / 2 / BYTES_PER_HOST) : MAX_HOSTS;
    long limit = room < MAX_HOSTS ? room : MAX_HOSTS;
    *hosts = count;
    if (count > limit) {
        snprintf(err, errlen,
                 "%s: declares %ld hosts (radical '%s'), more than dsgd-sim loads (%ld: about %ld "
                 "KiB each, in half this machine's memory)",
                 platform, count, radical, limit, BYTES_PER_HOST >> 10);
        return -1;
    }
    return 0;
}

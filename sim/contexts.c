/* contexts.c — the actors' stacks, sized for the run.  Every rank is a
 * SimGrid actor with a stack of its own (contexts/stack-size, 8 MiB by
 * default) below a guard page (contexts/guard-size, 1 page): the guard
 * splits the stack's memory mapping in two, and Linux allows a process
 * vm.max_map_count mappings (65,530 by default), so from about 32,700
 * actors on SimGrid aborts ("Failed to protect stack").  Without guards,
 * neighbouring stacks merge into one mapping.
 *
 * SimGrid allocates stacks with calloc (posix_memalign with a guard).
 * glibc's malloc serves an allocation above its mmap threshold with a fresh
 * mapping, whose pages cost nothing until touched (a rank touches about
 * 16 KiB of its stack), but raises that threshold each time such a chunk
 * is freed: once a freed buffer was larger than a stack, stacks come from
 * the heap, where calloc zeroes them, so every actor costs its whole stack
 * (measured: 16,384 actors of 128 KiB took 1.69 GB instead of 0.96 GB).
 * So the threshold is pinned to the stack size before the actors start.
 *
 * A setting the user gave (--cfg, or the platform's <config>) wins. */
#define _GNU_SOURCE /* mallopt's M_ constants */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xbt/config.h>

#include "sim/sim.h"

/* Mappings kept free for what else the process maps (libraries, heap
 * arenas, large buffers; about 200 in a run). */
#define SPARE_MAPS 2048
/* glibc refuses mmap thresholds above 32 MiB (HEAP_MAX_SIZE / 2). */
#define MAX_MMAP_THRESHOLD (32L << 20)

void dsgd_sim_contexts_choose(const dsgd_sim_limits *lim, dsgd_sim_contexts *c)
{
    c->warning[0] = '\0';
    int chose_stack = 0, dropped_guard = 0;
    if (!lim->user_stack && lim->actors > DSGD_SIM_LARGE_ACTORS &&
        c->stack_kib > DSGD_SIM_LARGE_STACK_KIB) {
        c->stack_kib = DSGD_SIM_LARGE_STACK_KIB;
        chose_stack = 1;
    }
    long maps = lim->guard_maps_per_actor * lim->actors + lim->maps_in_use + SPARE_MAPS;
    if (c->guard_pages > 0 && lim->max_map_count > 0 && maps > lim->max_map_count) {
        if (lim->user_guard) {
            snprintf(c->warning, sizeof c->warning,
                     "dsgd-sim: warning: %ld actors with guard pages (--cfg "
                     "contexts/guard-size:%d) need about %ld memory mappings, vm.max_map_count is "
                     "%ld: SimGrid will abort (contexts/guard-size:0, or sysctl -w "
                     "vm.max_map_count=%ld)",
                     lim->actors, c->guard_pages, maps, lim->max_map_count, maps);
        } else {
            c->guard_pages = 0;
            dropped_guard = 1;
            snprintf(c->warning, sizeof c->warning,
                     "dsgd-sim: %ld actors with stack guard pages need about %ld memory mappings, "
                     "vm.max_map_count is %ld: running without guard pages (contexts/guard-size:0; "
                     "sysctl -w vm.max_map_count=%ld keeps them)",
                     lim->actors, maps, lim->max_map_count, maps);
        }
    }
    double need = (double)lim->actors * DSGD_SIM_BYTES_PER_ACTOR;
    if (!c->warning[0] && lim->mem_available_bytes > 0 && need > lim->mem_available_bytes)
        snprintf(c->warning, sizeof c->warning,
                 "dsgd-sim: warning: %ld actors need about %.1f GiB, /proc/meminfo says %.1f GiB "
                 "available: the run may be killed",
                 lim->actors, need / (1 << 30), lim->mem_available_bytes / (1 << 30));
    snprintf(c->why, sizeof c->why, "%s%s%s",
             lim->user_stack || lim->user_guard ? "as configured"
             : chose_stack                      ? "small stacks for many actors"
                                                : "SimGrid's defaults",
             dropped_guard ? "; no guard pages: two mappings per actor exceed vm.max_map_count"
                           : "",
             lim->user_guard && c->warning[0] && !dropped_guard ? "; too many mappings" : "");
}

/* The first number in file after key (e.g. "MemAvailable:"), or -1. */
static double read_number(const char *path, const char *key)
{
    FILE *f = fopen(path, "r");
    char line[256];
    double v = -1;
    size_t len = key ? strlen(key) : 0;
    while (f && fgets(line, sizeof line, f))
        if (!key || strncmp(line, key, len) == 0) {
            v = strtod(line + len, NULL);
            break;
        }
    if (f)
        fclose(f);
    return v;
}

static long count_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    long n = 0;
    int ch;
    while (f && (ch = getc(f)) != EOF)
        n += ch == '\n';
    if (f)
        fclose(f);
    return n;
}

void dsgd_sim_limits_read(dsgd_sim_limits *lim)
{
    lim->max_map_count = (long)read_number("/proc/sys/vm/max_map_count", NULL);
    lim->maps_in_use = count_lines("/proc/self/maps");
    double kib = read_number("/proc/meminfo", "MemAvailable:");
    lim->mem_available_bytes = kib > 0 ? kib * 1024 : -1;
}

void dsgd_sim_contexts_current(dsgd_sim_contexts *c)
{
    c->stack_kib = sg_cfg_get_int("contexts/stack-size");
    c->guard_pages = sg_cfg_get_int("contexts/guard-size");
}

void dsgd_sim_contexts_apply(const dsgd_sim_contexts *c)
{
    sg_cfg_set_int("contexts/stack-size", c->stack_kib);
    sg_cfg_set_int("contexts/guard-size", c->guard_pages);
    long stack_bytes = (long)c->stack_kib * 1024;
    if (stack_bytes <= MAX_MMAP_THRESHOLD) {
        mallopt(M_MMAP_THRESHOLD, (int)stack_bytes);
        mallopt(M_MMAP_MAX, 1 << 30); /* glibc's default, 65,536, is fewer than the actors */
    }
}

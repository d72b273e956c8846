/* test_sim_contexts.c — the actor stacks dsgd-sim picks (sim/contexts.c)
 * for given machine limits: SimGrid's defaults for small runs, small
 * stacks for many actors, no guard pages past vm.max_map_count (with a
 * one-line message), the user's settings first, a warning when memory
 * will not do. */
#include <stdio.h>
#include <string.h>

#include "sim/sim.h"

static int failures;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "FAIL line %d: ", __LINE__);                                           \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

static dsgd_sim_contexts choose(long actors, int user_stack, int user_guard, long max_maps,
                                double mem_bytes)
{
    dsgd_sim_limits lim = {actors, user_stack, user_guard, 2, max_maps, 200, mem_bytes};
    dsgd_sim_contexts c = {.stack_kib = user_stack ? 512 : 8192, .guard_pages = 1};
    dsgd_sim_contexts_choose(&lim, &c);
    return c;
}

int main(void)
{
    double plenty = 64.0 * (1 << 30);
    dsgd_sim_contexts c = choose(64, 0, 0, 65530, plenty);
    CHECK(c.stack_kib == 8192 && c.guard_pages == 1 && !c.warning[0], "64 actors: %d KiB %d '%s'",
          c.stack_kib, c.guard_pages, c.warning);
    CHECK(strcmp(c.why, "SimGrid's defaults") == 0, "why: %s", c.why);

    c = choose(DSGD_SIM_LARGE_ACTORS + 1, 0, 0, 65530, plenty);
    CHECK(c.stack_kib == DSGD_SIM_LARGE_STACK_KIB && c.guard_pages == 1 && !c.warning[0],
          "1,025 actors: %d KiB %d '%s'", c.stack_kib, c.guard_pages, c.warning);

    c = choose(32768, 0, 0, 65530, plenty);
    CHECK(c.stack_kib == DSGD_SIM_LARGE_STACK_KIB && c.guard_pages == 0,
          "32,768 actors: %d KiB, %d guard pages", c.stack_kib, c.guard_pages);
    CHECK(strstr(c.warning, "vm.max_map_count is 65530") && !strchr(c.warning, '\n'),
          "32,768 actors: warning '%s'", c.warning);
    CHECK(strstr(c.why, "no guard pages"), "why: %s", c.why);

    c = choose(32768, 0, 0, 1 << 20, plenty); /* a raised vm.max_map_count keeps them */
    CHECK(c.guard_pages == 1 && !c.warning[0], "max_map_count 2^20: %d '%s'", c.guard_pages,
          c.warning);

    c = choose(32768, 0, 1, 65530, plenty); /* --cfg contexts/guard-size wins, with a warning */
    CHECK(c.guard_pages == 1 && strstr(c.warning, "SimGrid will abort"), "user guard: %d '%s'",
          c.guard_pages, c.warning);

    c = choose(4096, 1, 0, 65530, plenty); /* --cfg contexts/stack-size wins */
    CHECK(c.stack_kib == 512 && strcmp(c.why, "as configured") == 0, "user stack: %d %s",
          c.stack_kib, c.why);

    c = choose(65536, 0, 0, -1, 1.0 * (1 << 30)); /* 65,536 ranks on 1 GiB available */
    CHECK(strstr(c.warning, "may be killed") && c.guard_pages == 1, "1 GiB: '%s'", c.warning);

    if (failures == 0)
        printf("contexts: all checks passed\n");
    return failures != 0;
}

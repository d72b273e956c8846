/* config.c — fuzz target: the command line (dsgd_config_parse), as
 * dsgd-sim and dsgd-run see it, with the checks dsgd-sim makes before it
 * needs a platform (--ranks-per-host, --jitter, --lr-steps).
 *
 * Input: the arguments, one per line (a NUL cuts one short); the first
 * byte picks the program: 'r' dsgd-run, anything else dsgd-sim. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/algo.h"
#include "core/config.h"
#include "sim/jitter.h"
#include "sim/sim.h"

#define MAX_ARGS 64

static void ignore_flag(void *ctx, const char *flag)
{
    size_t *total = ctx;
    *total += strlen(flag);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || size > 4096)
        return 0;
    int run = data[0] == 'r';
    /* One copy holds every argument (they must outlive the config). */
    char *text = malloc(size);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = run ? "dsgd-run" : "dsgd-sim";
    for (char *p = text; argc <= MAX_ARGS && p < text + size - 1;) {
        argv[argc++] = p;
        size_t len = strcspn(p, "\n");
        p[len] = '\0';
        p += len + 1;
    }
    argv[argc] = NULL;

    dsgd_cli cli = dsgd_algo_cli(run ? DSGD_PROG_RUN : DSGD_PROG_SIM, NULL);
    if (!run) {
        cli.choices[DSGD_SEL_ALLREDUCE] = dsgd_sim_allreduce_algos;
        cli.choices[DSGD_SEL_COLL_MODEL] = dsgd_sim_coll_models;
    }
    dsgd_config cfg;
    char err[512];
    if (dsgd_config_parse(&cfg, argc, argv, &cli, err, sizeof err) == DSGD_CONFIG_OK) {
        size_t total = 0;
        dsgd_config_flags(&cfg, ignore_flag, &total);
        double epochs[DSGD_MAX_LR_STEPS];
        dsgd_config_lr_steps(&cfg, epochs, err, sizeof err);
        int per_host;
        dsgd_sim_parse_ranks_per_host(cfg.ranks_per_host, &per_host, err, sizeof err);
        dsgd_sim_jitter jitter;
        dsgd_sim_jitter_parse(cfg.jitter, &jitter, err, sizeof err);
    }
    dsgd_config_free(&cfg);
    free(text);
    return 0;
}

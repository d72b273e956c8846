/* test_config.c — the generic command-line parser over option tables
 * (core/option.c, core/config.c), with two made-up variants: defaults from
 * the tables, both value forms, a variant's flag before --algo, ranges,
 * booleans, repeatable lists, the errors that name a flag's owners, lists
 * and --help grouped by owner. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"

static int failures;
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                   \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

typedef struct alpha_options {
    long every;
    double rate;
    int fast;
    char mode[8];
} alpha_options;

static const dsgd_option alpha_table[] = {
    {"every", DSGD_OPT_LONG, DSGD_OPT_AT(alpha_options, every), .def = "8", .min = 1,
     .metavar = "N", .help = "steps between things"},
    {"rate", DSGD_OPT_DOUBLE, DSGD_OPT_AT(alpha_options, rate), .def = "0.5", .max = 1,
     .metavar = "X", .help = "a rate in [0, 1]"},
    {"fast", DSGD_OPT_BOOL, DSGD_OPT_AT(alpha_options, fast), .help = "go fast"},
    {"mode", DSGD_OPT_STR, DSGD_OPT_AT(alpha_options, mode), .def = "push", .metavar = "M",
     .help = "push or pull", .choices = "push|pull"},
    {.name = NULL},
};

typedef struct beta_options {
    long every;
} beta_options;

static const dsgd_option beta_table[] = {
    {"every", DSGD_OPT_LONG, DSGD_OPT_AT(beta_options, every), .def = "3", .min = 1,
     .metavar = "N", .help = "beta's own every"},
    {.name = NULL},
};

static const dsgd_component alpha = {"alpha", "the first", alpha_table, sizeof(alpha_options)};
static const dsgd_component beta = {"beta", "the second", beta_table, sizeof(beta_options)};
static const dsgd_component gamma_ = {"gamma", "no options", NULL, 0};
static const dsgd_component *const algos[] = {&alpha, &beta, &gamma_, NULL};
static const dsgd_component model = {"mlp", "a model", NULL, 0};
static const dsgd_component *const models[] = {&model, NULL};

/* Parses the NULL-terminated args (program name added); err receives the
 * reason, out (if not NULL) what the parser printed. */
static int parse(dsgd_config *cfg, dsgd_program prog, char *err, char *out, size_t outlen,
                 const char *first, ...)
{
    char *argv[32] = {"prog"};
    int argc = 1;
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a && argc < 31; a = va_arg(ap, const char *))
        argv[argc++] = (char *)a;
    va_end(ap);
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    dsgd_cli cli = {.prog = prog, .out = mem};
    cli.choices[DSGD_SEL_ALGO] = algos;
    cli.choices[DSGD_SEL_MODEL] = models;
    err[0] = '\0';
    int rc = dsgd_config_parse(cfg, argc, argv, &cli, err, 300);
    fclose(mem);
    if (out)
        snprintf(out, outlen, "%s", buf ? buf : "");
    free(buf);
    return rc;
}

static const alpha_options *alpha_of(const dsgd_config *cfg)
{
    return dsgd_config_options(cfg, DSGD_SEL_ALGO);
}

int main(void)
{
    dsgd_config cfg;
    char err[300], out[8192];

    /* defaults: the core table's and the chosen variant's */
    CHECK(parse(&cfg, DSGD_PROG_RUN, err, NULL, 0, "--algo", "alpha", NULL) == DSGD_CONFIG_OK,
          "%s", err);
    CHECK(cfg.iters == 50 && cfg.batch == 32 && cfg.lr == 0.05 && cfg.seed == 1,
          "core defaults %ld %d %g", cfg.iters, cfg.batch, cfg.lr);
    CHECK(cfg.choice[DSGD_SEL_ALGO].component == &alpha, "chose alpha");
    CHECK(alpha_of(&cfg)->every == 8 && alpha_of(&cfg)->rate == 0.5 && !alpha_of(&cfg)->fast &&
              strcmp(alpha_of(&cfg)->mode, "push") == 0,
          "alpha defaults");
    dsgd_config_free(&cfg);

    /* a variant's flag before --algo, both value forms, a boolean */
    CHECK(parse(&cfg, DSGD_PROG_RUN, err, NULL, 0, "--every=5", "--rate", "1", "--fast", "--algo",
                "alpha", "--mode", "pull", "--iters", "7", NULL) == DSGD_CONFIG_OK,
          "%s", err);
    CHECK(alpha_of(&cfg)->every == 5 && alpha_of(&cfg)->rate == 1 && alpha_of(&cfg)->fast &&
              strcmp(alpha_of(&cfg)->mode, "pull") == 0 && cfg.iters == 7,
          "values %ld %g %d %s", alpha_of(&cfg)->every, alpha_of(&cfg)->rate,
          alpha_of(&cfg)->fast, alpha_of(&cfg)->mode);
    dsgd_config_free(&cfg);

    /* --iters: 50 unless a budget ends the run; a given --iters caps it */
    CHECK(parse(&cfg, DSGD_PROG_RUN, err, NULL, 0, "--algo", "alpha", "--time-budget", "2.5", NULL) ==
                  DSGD_CONFIG_OK &&
              cfg.iters == DSGD_ITERS_UNBOUNDED && cfg.time_budget == 2.5 &&
              dsgd_config_stops_early(&cfg),
          "--time-budget alone: iters %ld", cfg.iters);
    dsgd_config_free(&cfg);
    CHECK(parse(&cfg, DSGD_PROG_RUN, err, NULL, 0, "--algo", "alpha", "--samples", "1000", "--iters", "9", NULL) ==
                  DSGD_CONFIG_OK &&
              cfg.iters == 9 && cfg.samples == 1000,
          "--samples with --iters: iters %ld", cfg.iters);
    dsgd_config_free(&cfg);
    CHECK(parse(&cfg, DSGD_PROG_RUN, err, NULL, 0, "--time-budget", "-1", NULL) ==
                  DSGD_CONFIG_ERROR &&
              strstr(err, "--time-budget") && strstr(err, "-1"),
          "negative budget: %s", err);
    dsgd_config_free(&cfg);
    CHECK(parse(&cfg, DSGD_PROG_RUN, err, NULL, 0, "--samples", "0", NULL) == DSGD_CONFIG_ERROR &&
              strstr(err, "--samples"),
          "zero samples: %s", err);
    dsgd_config_free(&cfg);

    /* the same name in two variants lands in the chosen one's struct */
    CHECK(parse(&cfg, DSGD_PROG_RUN, err, NULL, 0, "--algo", "beta", "--every", "11", NULL) ==
              DSGD_CONFIG_OK,
          "%s", err);
    CHECK(((const beta_options *)dsgd_config_options(&cfg, DSGD_SEL_ALGO))->every == 11,
          "beta's every");
    dsgd_config_free(&cfg);

    /* errors, each naming the flag and the value or the owners */
    struct {
        const char *args[4], *want;
    } bad[] = {
        {{"--algo", "gamma", "--every", "2"},
         "flag '--every' belongs to --algo alpha, beta, not to --algo gamma"},
        {{"--algo", "beta", "--fast"}, "flag '--fast' belongs to --algo alpha, not to --algo beta"},
        {{"--algo", "alpha", "--rate", "1.5"}, "--rate: bad value '1.5' (want a number from 0 to 1)"},
        {{"--algo", "alpha", "--every", "0"}, "--every: bad value '0' (want an integer >= 1)"},
        {{"--algo", "alpha", "--fast=1"}, "flag '--fast' takes no value"},
        {{"--algo", "alpha", "--mode", "both"}, "--mode: bad value 'both' (want push|pull)"},
        {{"--algo", "delta"}, "--algo: unknown variant 'delta' (one of: alpha beta gamma)"},
        {{"--algo", "alpha", "--model", "cnn"}, "--model: unknown model 'cnn' (one of: mlp)"},
        {{"--nodes", "4"}, "flag '--nodes' belongs to dsgd-sim, not dsgd-run"},
        {{"--bogus"}, "unknown flag '--bogus' (see dsgd-run --help)"},
        {{"--algo", "alpha", "--every"}, "flag '--every' needs a value (N)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = parse(&cfg, DSGD_PROG_RUN, err, NULL, 0, bad[i].args[0], bad[i].args[1],
                       bad[i].args[2], bad[i].args[3], NULL);
        CHECK(rc == DSGD_CONFIG_ERROR && strcmp(err, bad[i].want) == 0, "case %zu: got '%s'", i,
              err);
        dsgd_config_free(&cfg);
    }

    /* lists and --help come from the tables, defaults included */
    CHECK(parse(&cfg, DSGD_PROG_RUN, err, out, sizeof out, "--algo", "list", NULL) ==
              DSGD_CONFIG_EXIT,
          "%s", err);
    CHECK(strstr(out, "alpha ") && strstr(out, "beta ") && strstr(out, "gamma ") &&
              strstr(out, "  --every N") && strstr(out, "(default 8)") && strstr(out, "(default 3)"),
          "--algo list: %s", out);
    dsgd_config_free(&cfg);
    CHECK(parse(&cfg, DSGD_PROG_SIM, err, out, sizeof out, "--help", NULL) == DSGD_CONFIG_EXIT,
          "%s", err);
    CHECK(strstr(out, "usage: dsgd-sim") && strstr(out, "--platform FILE") &&
              strstr(out, "SGD variants (--algo), with their own flags:") &&
              strstr(out, "models (--model):") && strstr(out, "--iters N") &&
              strstr(out, "training iterations (default 50;"),
          "--help: %s", out);
    dsgd_config_free(&cfg);
    CHECK(parse(&cfg, DSGD_PROG_RUN, err, out, sizeof out, "--help", NULL) == DSGD_CONFIG_EXIT &&
              !strstr(out, "--platform"),
          "dsgd-run --help shows a dsgd-sim flag");
    dsgd_config_free(&cfg);

    if (failures)
        fprintf(stderr, "%d check(s) failed\n", failures);
    else
        printf("config: all checks passed\n");
    return failures != 0;
}

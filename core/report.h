/* report.h — what a run returns, and the one-line JSON summary. */
#ifndef DSGD_REPORT_H
#define DSGD_REPORT_H

#include <stdarg.h>
#include <stdio.h>

#include "core/config.h"

/* Filled by each rank's node program; the program reports rank 0's. */
typedef struct dsgd_result {
    int finished;          /* the node program returned */
    int status;            /* its return value (0 = success) */
    long iters;            /* iterations completed (this rank's) */
    long samples;          /* training samples of this invocation, all workers (0: unknown) */
    const char *stopped_by; /* what ended the training: "iters", "time" or "samples" */
    const char *eval_model; /* the parameters evaluated ("replicated": every worker's, equal) */
    double time_s;         /* training loop time (simulated or wall) */
    double first_loss;     /* training loss of the first minibatch */
    double final_loss;     /* loss of the final parameters on the test split */
    double test_accuracy;  /* their accuracy on the whole test split */
    long start_iter;       /* first iteration of this invocation (> 0 after --resume) */
    double params_norm;    /* L2 norm of the final parameters */
    int workers;           /* ranks that train (0: every rank); samples_per_s counts these */
    double staleness_mean; /* asgd: mean and max staleness of the server's updates (NaN: n/a) */
    double staleness_max;
    double spread;      /* RMS distance of the workers' final models to their mean (NaN: n/a) */
    int failed_ranks; /* ranks that failed during the run and that it went on without (set by main)
                       */
    int hosts;          /* machines the ranks occupy (set by main; 0: unknown) */
    char error[200];    /* why status != 0, one line */
    int bad_input;      /* the run was refused at setup (layout, checkpoint): exit 2, not 1 */
    double wall_s;      /* wall-clock seconds of the whole program run (set by main) */
    double peak_rss_mb; /* peak resident memory of this process (set by main) */
} dsgd_result;

/* Prints "prog: MESSAGE" as one line on stderr and returns status: how
 * every program reports an error before exiting with it. */
int dsgd_die(const char *prog, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int dsgd_vdie(const char *prog, int status, const char *fmt, va_list ap);

/* Peak resident set size of this process, in MiB. */
double dsgd_peak_rss_mb(void);

/* Prints the JSON summary line (NaN/inf become null). */
void dsgd_report_json(FILE *out, const char *backend, const dsgd_config *cfg, int nodes,
                      const dsgd_result *r);

#endif

/* schedule.h — the learning rate as a function of the iteration.
 *
 *     lr(t) = lr * min(1, (t+1) / warmup_iters) * decay^(steps passed by t)
 *
 * Warm-up and steps are given in epochs on the command line (--warmup-epochs,
 * --lr-steps, --lr-decay) and turned into iterations here, so the rate
 * depends on the iteration alone: a resumed run follows the same curve. */
#ifndef DSGD_SCHEDULE_H
#define DSGD_SCHEDULE_H

#include "core/config.h"

typedef struct dsgd_schedule {
    double base;
    long warmup_iters; /* 0: none */
    int n_steps;
    long step_iters[DSGD_MAX_LR_STEPS];
    double decay;
} dsgd_schedule;

/* From cfg (already validated) and the length of an epoch in iterations. */
void dsgd_schedule_init(dsgd_schedule *s, const dsgd_config *cfg, long iters_per_epoch);
double dsgd_schedule_lr(const dsgd_schedule *s, long iter);

#endif

/* schedule.c — learning-rate warm-up and steps. */
#include "core/schedule.h"

#include <math.h>

void dsgd_schedule_init(dsgd_schedule *s, const dsgd_config *cfg, long iters_per_epoch)
{
    s->base = cfg->lr;
    s->decay = cfg->lr_decay;
    s->warmup_iters = (long)ceil(cfg->warmup_epochs * (double)iters_per_epoch);
    double epochs[DSGD_MAX_LR_STEPS];
    char err[8];
    int n = cfg->lr_steps[0] ? dsgd_config_lr_steps(cfg, epochs, err, sizeof err) : 0;
    if (!cfg->lr_steps[0] && cfg->epochs > 0) {
        /* Training by epochs without a schedule: the usual steps at half
         * and three quarters of the run (--lr-steps none turns them off). */
        epochs[0] = 0.5 * (double)cfg->epochs;
        epochs[1] = 0.75 * (double)cfg->epochs;
        n = 2;
    }
    s->n_steps = n > 0 ? n : 0;
    for (int i = 0; i < s->n_steps; i++)
        s->step_iters[i] = (long)llround(epochs[i] * (double)iters_per_epoch);
}

double dsgd_schedule_lr(const dsgd_schedule *s, long iter)
{
    double lr = s->base;
    if (iter < s->warmup_iters)
        lr *= (double)(iter + 1) / (double)s->warmup_iters;
    for (int i = 0; i < s->n_steps; i++)
        if (iter >= s->step_iters[i])
            lr *= s->decay;
    return lr;
}

/* mlp.h — the dense ReLU network (mlp.c): `--model mlp`. */
#ifndef DSGD_MLP_H
#define DSGD_MLP_H

#include "core/model.h"

extern const dsgd_model_desc dsgd_model_mlp;

/* The mlp with hidden widths "W[,W...]" (empty: none). */
int dsgd_mlp_create(const char *hidden, dsgd_shape input, int classes, dsgd_model *m, char *err,
                    size_t errlen);

#endif

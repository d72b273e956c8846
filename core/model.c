/* model.c — model registry and what every model shares: the layer list,
 * flop totals, and dispatch to an executable implementation. */
#include "core/model.h"

#include "core/cnn.h"
#include "core/mlp.h"
#include "core/zoo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const dsgd_component *const dsgd_models[] = {
    &dsgd_model_mlp.base,      &dsgd_model_cnn.base,      &dsgd_zoo_lenet5.base,
    &dsgd_zoo_alexnet.base,    &dsgd_zoo_vgg16.base,      &dsgd_zoo_resnet18.base,
    &dsgd_zoo_resnet50.base,   &dsgd_zoo_inception_v3.base, &dsgd_zoo_bert_large.base,
    NULL,
};

const dsgd_option dsgd_model_hidden_options[] = {
    {"hidden", DSGD_OPT_STR, DSGD_OPT_AT(dsgd_model_options, hidden), .def = "128",
     .metavar = "W[,W...]", .help = "hidden widths of the dense layers"},
    {.name = NULL},
};

const dsgd_model_desc *dsgd_model_find(const char *name)
{
    for (const dsgd_component *const *c = dsgd_models; *c; c++)
        if (strcmp((*c)->name, name) == 0)
            return (const dsgd_model_desc *)*c;
    return NULL;
}

int dsgd_model_build(const dsgd_model_desc *d, const void *options, dsgd_shape input, int classes,
                     dsgd_model *m, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    snprintf(m->name, sizeof m->name, "%s", d->base.name);
    m->input = input;
    m->classes = classes;
    void *defaults = NULL;
    if (!options && dsgd_component_options_new(&d->base, &defaults, err, errlen) != 0)
        return -1;
    int rc = d->create(d, options ? options : defaults, input, classes, m, err, errlen);
    free(defaults);
    if (rc != 0)
        dsgd_model_destroy(m);
    return rc;
}

int dsgd_model_create(const char *name, const char *hidden, dsgd_shape input, int classes,
                      dsgd_model *m, char *err, size_t errlen)
{
    const dsgd_model_desc *d = dsgd_model_find(name);
    if (!d) {
        memset(m, 0, sizeof *m);
        snprintf(err, errlen, "--model: unknown model '%s' (see --model list)", name);
        return -1;
    }
    dsgd_model_options opt;
    snprintf(opt.hidden, sizeof opt.hidden, "%s", hidden ? hidden : "128");
    return dsgd_model_build(d, d->base.options_size ? &opt : NULL, input, classes, m, err, errlen);
}

void dsgd_model_destroy(dsgd_model *m)
{
    if (m->ops && m->ops->destroy)
        m->ops->destroy(m);
    free(m->layers);
    memset(m, 0, sizeof *m);
}

const char *dsgd_layer_kind_name(dsgd_layer_kind kind)
{
    static const char *const names[DSGD_LAYER_KIND_COUNT] = {
        "dense",     "conv",      "pool",        "act",         "norm",
        "attention", "embedding", "elementwise", "softmax_xent", "conv_fft"};
    return kind < DSGD_LAYER_KIND_COUNT ? names[kind] : "unknown";
}

int dsgd_model_add_layer(dsgd_model *m, dsgd_layer_kind kind, const char *name, size_t params,
                         double fwd_flops, double bwd_flops)
{
    if (m->n_layers == m->layers_capacity) {
        int cap = m->layers_capacity ? 2 * m->layers_capacity : 16;
        dsgd_layer_info *grown = realloc(m->layers, sizeof *grown * (size_t)cap);
        if (!grown)
            return -1;
        m->layers = grown;
        m->layers_capacity = cap;
    }
    dsgd_layer_info *li = &m->layers[m->n_layers++];
    li->kind = kind;
    snprintf(li->name, sizeof li->name, "%s", name);
    li->params = params;
    li->fwd_flops = fwd_flops;
    li->bwd_flops = bwd_flops;
    m->n_params += params;
    return 0;
}

int dsgd_model_set_device(dsgd_model *m, const struct dsgd_device *dev)
{
    return m->ops && m->ops->set_device ? m->ops->set_device(m, dev) : -1;
}

void dsgd_model_init_params(const dsgd_model *m, dsgd_vec *params, uint64_t seed)
{
    if (m->ops && params->data)
        m->ops->init_params(m, params, seed);
}

float dsgd_model_loss_grad(dsgd_model *m, const dsgd_vec *params, const float *x, const int *y,
                           int batch, dsgd_vec *grad)
{
    if (!m->ops || !params->data)
        return NAN;
    return m->ops->loss_grad(m, params, x, y, batch, grad);
}

float dsgd_model_evaluate(dsgd_model *m, const dsgd_vec *params, const float *x, const int *y,
                          int batch, int *correct)
{
    *correct = 0;
    if (!m->ops || !params->data)
        return NAN;
    return m->ops->evaluate(m, params, x, y, batch, correct);
}

void dsgd_model_work(const dsgd_model *m, int batch, int with_backward, dsgd_work *work)
{
    memset(work, 0, sizeof *work);
    for (int l = 0; l < m->n_layers; l++) {
        const dsgd_layer_info *li = &m->layers[l];
        work->flops[li->kind] += batch * (li->fwd_flops + (with_backward ? li->bwd_flops : 0.0));
        work->calls[li->kind] += with_backward ? 2.0 : 1.0;
    }
    work->layer_calls = m->n_layers * (with_backward ? 2.0 : 1.0);
    work->layers = m->layers;
    work->first = 0, work->end = m->n_layers;
    work->batch = batch;
    work->forward = 1, work->backward = with_backward;
}

double dsgd_work_flops(const dsgd_work *work)
{
    double total = 0.0;
    for (int k = 0; k < DSGD_LAYER_KIND_COUNT; k++)
        total += work->flops[k];
    return total;
}

double dsgd_model_flops(const dsgd_model *m, int batch, int with_backward)
{
    double per_sample = 0.0;
    for (int l = 0; l < m->n_layers; l++)
        per_sample += m->layers[l].fwd_flops + (with_backward ? m->layers[l].bwd_flops : 0.0);
    return per_sample * batch;
}

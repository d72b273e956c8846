/* test_model_zoo — every descriptor model against its published totals.
 *
 * Parameters and multiply-adds (convolution and dense layers, per sample)
 * must be within 2 % of the figures below; sources:
 *  [T] torchvision model documentation, "Table of all available
 *      classification weights" (pytorch.org/vision/stable/models.html):
 *      params and GFLOPS (multiply-adds) at 224x224 (299x299 for
 *      Inception-v3, whose count includes the auxiliary classifier).
 *  [L] LeCun, Bottou, Bengio, Haffner, "Gradient-based learning applied to
 *      document recognition", Proc. IEEE 86(11), 1998, Sec. II-B: LeNet-5
 *      has about 60,000 trainable parameters; C1..F6 make 340,908
 *      connections (multiply-adds plus biases and subsampling terms).
 *  [B] Devlin, Chang, Lee, Toutanova, "BERT: Pre-training of deep
 *      bidirectional transformers for language understanding", NAACL 2019,
 *      Sec. 3: BERT-large (L=24, H=1024, A=16) has 340M parameters.
 *  [H] He, Zhang, Ren, Sun, "Deep residual learning for image
 *      recognition", CVPR 2016, Table 1: ResNet-50 3.8e9 FLOPs (multiply-
 *      adds) — v1 with stride in the first 1x1; torchvision's v1.5 (stride
 *      in the 3x3) counts 4.09e9, which is what we model.
 * The figures for ResNet-50 quoted in issue #3 (25.6 M parameters, about
 * 4.1 G multiply-adds) are the same as [T]'s. */
#include <math.h>
#include <stdio.h>

#include "core/model.h"

typedef struct expected {
    const char *name;
    double params;
    double macs; /* per sample; 0: not checked */
    const char *source;
} expected;

static const expected table[] = {
    {"lenet5", 60000, 0, "[L]"},           {"alexnet", 61100840, 0.71e9, "[T]"},
    {"vgg16", 138357544, 15.47e9, "[T]"},  {"resnet18", 11689512, 1.81e9, "[T]"},
    {"resnet50", 25557032, 4.09e9, "[T]"}, {"inception-v3", 27161264, 5.71e9, "[T]"},
    {"bert-large", 340e6, 0, "[B]"},
};

/* GEMM multiply-adds per sample: conv and dense forward flops are
 * 2*MACs (+ one add per output for the bias, negligible here). */
static double gemm_macs(const dsgd_model *m)
{
    double flops = 0;
    for (int l = 0; l < m->n_layers; l++)
        if (m->layers[l].kind == DSGD_LAYER_CONV || m->layers[l].kind == DSGD_LAYER_DENSE)
            flops += m->layers[l].fwd_flops;
    return flops / 2;
}

static int within(double got, double want, double tol) { return fabs(got - want) <= tol * want; }

int main(void)
{
    int failures = 0;
    printf("%-13s %7s %14s %14s %8s %10s %10s %8s\n", "model", "layers", "params", "published",
           "error", "GMACs", "published", "error");
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        const expected *e = &table[i];
        dsgd_model m;
        char err[256];
        if (dsgd_model_create(e->name, "", (dsgd_shape){1, 1, 1}, 10, &m, err, sizeof err) != 0) {
            fprintf(stderr, "FAIL %s: %s\n", e->name, err);
            failures++;
            continue;
        }
        double macs = gemm_macs(&m);
        int ok = within((double)m.n_params, e->params, 0.02) &&
                 (e->macs == 0 || within(macs, e->macs, 0.02)) && !dsgd_model_executable(&m);
        /* backward ~ 2x forward for the GEMM layers */
        double fwd = dsgd_model_flops(&m, 1, 0), both = dsgd_model_flops(&m, 1, 1);
        ok = ok && both > 2.5 * fwd && both < 3.1 * fwd;
        printf("%-13s %7d %14zu %14.0f %+7.2f%% %10.3f %10.3f %+7.2f%% %s %s\n", e->name,
               m.n_layers, m.n_params, e->params, 100 * (m.n_params - e->params) / e->params,
               macs / 1e9, e->macs / 1e9, e->macs ? 100 * (macs - e->macs) / e->macs : 0.0,
               e->source, ok ? "ok" : "FAIL");
        failures += !ok;
        dsgd_model_destroy(&m);
    }
    return failures != 0;
}

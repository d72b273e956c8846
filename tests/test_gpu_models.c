/* test_gpu_models — the MLP and the CNN on the CUDA device: the gradient
 * against central finite differences of the GPU's own loss (every
 * parameter of small networks, the CPU gradient checks' tolerances), and
 * loss, gradient and accuracy against the same model on the CPU device
 * (small networks and the full `--model cnn` on 28x28 inputs; 1e-4
 * relative).  Skipped (exit 77) without a GPU or a CUDA build. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/cnn.h"
#include "core/model.h"
#include "core/rng.h"
#include "gpu.h"

#define TOLERANCE 1e-4

typedef struct model_case {
    const char *name;
    int cnn;         /* 0: mlp */
    int conv_algo;   /* dsgd_conv_algo of the GPU model */
    dsgd_shape in;   /* input shape */
    const char *hid; /* hidden widths */
    int batch;
    int gradcheck; /* also against finite differences (small models only) */
} model_case;

static int build(const model_case *mc, dsgd_model *m)
{
    char err[256];
    int rc;
    if (!mc->cnn)
        rc = dsgd_model_create("mlp", mc->hid, mc->in, 4, m, err, sizeof err);
    else if (mc->in.height == 28)
        rc = dsgd_model_create("cnn", mc->hid, mc->in, 10, m, err, sizeof err);
    else {
        static const int channels[] = {3, 4};
        *m = (dsgd_model){.input = mc->in, .classes = 4};
        rc = dsgd_cnn_create_custom(channels, 2, mc->hid, mc->in, 4, m, err, sizeof err);
    }
    if (rc != 0)
        fprintf(stderr, "%s: %s\n", mc->name, err);
    return rc;
}

/* Finite differences of the GPU loss against the GPU gradient. */
static int gradcheck(const model_case *mc, dsgd_model *m, dsgd_vec *params, const dsgd_vec *grad,
                     const float *x, const int *y)
{
    const float eps = mc->cnn ? 1e-3f : 1e-2f; /* as the CPU tests */
    double worst = 0;
    int bad = 0;
    for (size_t i = 0; i < params->len; i++) {
        float saved = params->data[i];
        params->data[i] = saved + eps;
        double up = dsgd_model_loss_grad(m, params, x, y, mc->batch, NULL);
        params->data[i] = saved - eps;
        double down = dsgd_model_loss_grad(m, params, x, y, mc->batch, NULL);
        params->data[i] = saved;
        double fd = (up - down) / (2.0 * eps), an = grad->data[i];
        double e = fabs(fd - an) / (2e-3 + 2e-2 * fmax(fabs(fd), fabs(an)));
        worst = fmax(worst, e);
        if (e > 1.0 && bad++ < 10)
            fprintf(stderr, "%s param %zu: analytic %.6g, finite difference %.6g\n", mc->name, i,
                    an, fd);
    }
    printf("%-28s gradcheck: %zu parameters, worst error/tolerance %.3f, %d failures\n", mc->name,
           params->len, worst, bad);
    return bad;
}

static int run_case(const model_case *mc, const dsgd_device *gpu)
{
    dsgd_model cpu_m, gpu_m;
    if (build(mc, &cpu_m) != 0 || build(mc, &gpu_m) != 0)
        return 1;
    if (mc->cnn)
        dsgd_cnn_set_conv_algo(&gpu_m, (dsgd_conv_algo)mc->conv_algo);
    if (dsgd_model_set_device(&gpu_m, gpu) != 0) {
        fprintf(stderr, "%s: set_device failed\n", mc->name);
        return 1;
    }
    dsgd_vec params, grad_cpu, grad_gpu;
    dsgd_vec_alloc(&params, cpu_m.n_params, 0);
    dsgd_vec_alloc(&grad_cpu, cpu_m.n_params, 0);
    dsgd_vec_alloc(&grad_gpu, cpu_m.n_params, 0);
    dsgd_model_init_params(&cpu_m, &params, 5);
    dsgd_rng r;
    dsgd_rng_seed(&r, 9);
    for (size_t i = 0; i < params.len; i++) /* non-zero biases too */
        params.data[i] += 0.05f * (float)dsgd_rng_normal(&r);
    size_t nx = (size_t)mc->batch * dsgd_shape_size(mc->in);
    float *x = malloc(sizeof(float) * nx);
    int *y = malloc(sizeof(int) * (size_t)mc->batch);
    gpu_fill_normal(&r, x, nx);
    for (int b = 0; b < mc->batch; b++)
        y[b] = (int)dsgd_rng_below(&r, (uint64_t)cpu_m.classes);

    float loss_cpu = dsgd_model_loss_grad(&cpu_m, &params, x, y, mc->batch, &grad_cpu);
    float loss_gpu = dsgd_model_loss_grad(&gpu_m, &params, x, y, mc->batch, &grad_gpu);
    int right_cpu = -1, right_gpu = -2;
    dsgd_model_evaluate(&cpu_m, &params, x, y, mc->batch, &right_cpu);
    dsgd_model_evaluate(&gpu_m, &params, x, y, mc->batch, &right_gpu);
    double loss_e = fabs((double)loss_gpu - loss_cpu) / fabs((double)loss_cpu);
    double grad_e = gpu_rel_error(grad_gpu.data, grad_cpu.data, grad_cpu.len);
    int failures = !(loss_e <= TOLERANCE) + !(grad_e <= TOLERANCE) + (right_cpu != right_gpu);
    printf("%-28s vs cpu: loss %.6f/%.6f (%.1e), gradient %.1e, correct %d/%d %s\n", mc->name,
           loss_gpu, loss_cpu, loss_e, grad_e, right_gpu, right_cpu, failures ? "FAILED" : "ok");
    if (mc->gradcheck)
        failures += gradcheck(mc, &gpu_m, &params, &grad_gpu, x, y);
    if (gpu->error()) {
        fprintf(stderr, "%s: device error: %s\n", mc->name, gpu->error());
        failures++;
    }
    free(x), free(y);
    dsgd_vec_free_all(&params, &grad_cpu, &grad_gpu, NULL);
    dsgd_model_destroy(&cpu_m);
    dsgd_model_destroy(&gpu_m);
    return failures;
}

int main(void)
{
    const dsgd_device *gpu = gpu_open_or_skip();
    const model_case cases[] = {
        {"mlp 6-7-5-4", 0, 0, {6, 1, 1}, "7,5", 5, 1},
        {"cnn small, cudnn", 1, DSGD_CONV_AUTO, {2, 8, 8}, "5", 3, 1},
        {"cnn small, im2col", 1, DSGD_CONV_IM2COL, {2, 8, 8}, "5", 3, 1},
        {"mlp 784-128-4, batch 64", 0, 0, {784, 1, 1}, "128", 64, 0},
        {"cnn 28x28 (--model cnn)", 1, DSGD_CONV_AUTO, {1, 28, 28}, "128", 32, 0},
    };
    int failures = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        failures += run_case(&cases[i], gpu);
    dsgd_cuda_device_close();
    printf("%d failures\n", failures);
    return failures != 0;
}

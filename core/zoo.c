/* zoo.c — descriptor models: well-known networks as lists of layers with
 * parameter counts and forward flops per sample, for timing-only (phantom)
 * simulation.  Nothing here computes; the totals are checked against the
 * published figures in tests/test_model_zoo.c.
 *
 * Conventions: a multiply-add is 2 flops; convolutions and dense layers are
 * the GEMM work (what papers and torchvision count as "MACs"); batch norm,
 * activations, pooling and residual adds get their element-wise flops; the
 * backward pass costs 2x the forward (input and weight gradients), except
 * that the first layer needs no input gradient.  Architectures follow the
 * torchvision definitions (AlexNet, VGG-16, ResNet-18/50, Inception-v3 with
 * its auxiliary classifier) and the BERT paper (BERT-large, sequence 128). */
#include <stdio.h>
#include <string.h>

#include "core/zoo.h"

/* Tracks the activation shape while layers are appended. */
typedef struct builder {
    dsgd_model *m;
    int c, h, w;
    int failed; /* out of memory */
    int first;  /* the next GEMM layer is the model's first */
} builder;

static void layer(builder *b, dsgd_layer_kind kind, const char *name, size_t params, double fwd,
                  double bwd)
{
    if (dsgd_model_add_layer(b->m, kind, name, params, fwd, bwd) != 0)
        b->failed = 1;
}

static double elements(const builder *b) { return (double)b->c * b->h * b->w; }

/* Convolution with a kh x kw kernel, strides, paddings; optional bias. */
static void conv2(builder *b, const char *name, int out, int kh, int kw, int sh, int sw, int ph,
                  int pw, int bias)
{
    int oh = (b->h + 2 * ph - kh) / sh + 1, ow = (b->w + 2 * pw - kw) / sw + 1;
    double macs = (double)out * oh * ow * b->c * kh * kw;
    size_t params = (size_t)out * b->c * kh * kw + (bias ? (size_t)out : 0);
    double fwd = 2 * macs + (bias ? (double)out * oh * ow : 0);
    layer(b, DSGD_LAYER_CONV, name, params, fwd, b->first ? fwd : 2 * fwd);
    b->first = 0;
    b->c = out;
    b->h = oh;
    b->w = ow;
}

static void conv(builder *b, const char *name, int out, int k, int stride, int pad, int bias)
{
    conv2(b, name, out, k, k, stride, stride, pad, pad, bias);
}

static void relu(builder *b, const char *name)
{
    layer(b, DSGD_LAYER_ACT, name, 0, elements(b), elements(b));
}

/* Batch norm: scale and shift are parameters (running statistics are not). */
static void bn(builder *b, const char *name)
{
    layer(b, DSGD_LAYER_NORM, name, 2 * (size_t)b->c, 4 * elements(b), 8 * elements(b));
}

static void pool(builder *b, const char *name, int k, int stride, int pad)
{
    b->h = (b->h + 2 * pad - k) / stride + 1;
    b->w = (b->w + 2 * pad - k) / stride + 1;
    layer(b, DSGD_LAYER_POOL, name, 0, (double)k * k * elements(b), elements(b));
}

/* Adaptive pooling to out x out. */
static void pool_to(builder *b, const char *name, int out)
{
    double in = elements(b);
    b->h = b->w = out;
    layer(b, DSGD_LAYER_POOL, name, 0, in, in);
}

static void dense(builder *b, const char *name, int out)
{
    int in = b->c * b->h * b->w;
    double macs = (double)in * out;
    layer(b, DSGD_LAYER_DENSE, name, (size_t)in * out + (size_t)out, 2 * macs + out,
          b->first ? 2 * macs + out : 4 * macs + out);
    b->first = 0;
    b->c = out;
    b->h = b->w = 1;
}

static void add(builder *b, const char *name)
{
    layer(b, DSGD_LAYER_ELEMENTWISE, name, 0, elements(b), elements(b));
}

static void loss(builder *b)
{
    layer(b, DSGD_LAYER_SOFTMAX_XENT, "softmax_xent", 0, 5.0 * b->c, 2.0 * b->c);
}

static builder start(dsgd_model *m, int c, int h, int w)
{
    m->input = (dsgd_shape){c, h, w};
    return (builder){m, c, h, w, 0, 1};
}

/* ---- LeNet-5 (LeCun et al. 1998), as published ----------------------
 * 32x32 input; S2/S4 subsample with one trainable coefficient and bias per
 * map; C3 connects each of its 16 maps to a subset of S2's 6 maps (60
 * input maps in all, the paper's Table I); the output layer has one
 * 84-vector per class (840 parameters). */
static void lenet_subsample(builder *b, const char *name)
{
    pool(b, name, 2, 2, 0);
    b->m->layers[b->m->n_layers - 1].params = 2 * (size_t)b->c;
    b->m->n_params += 2 * (size_t)b->c;
}

static void lenet5(builder *b)
{
    conv(b, "c1", 6, 5, 1, 0, 1);
    relu(b, "c1.act");
    lenet_subsample(b, "s2");
    /* C3: 60 input maps of 5x5 onto 16 maps of 10x10, plus 16 biases. */
    double c3_macs = 10.0 * 10 * 60 * 25;
    layer(b, DSGD_LAYER_CONV, "c3", 60 * 25 + 16, 2 * c3_macs + 1600, 4 * c3_macs + 1600);
    b->c = 16;
    b->h = b->w = 10;
    relu(b, "c3.act");
    lenet_subsample(b, "s4");
    conv(b, "c5", 120, 5, 1, 0, 1);
    relu(b, "c5.act");
    dense(b, "f6", 84);
    relu(b, "f6.act");
    double out_macs = 84.0 * 10;
    layer(b, DSGD_LAYER_DENSE, "output", 840, 2 * out_macs, 4 * out_macs);
    b->c = 10;
}

/* ---- AlexNet (torchvision) -------------------------------------------- */
static void alexnet(builder *b)
{
    conv(b, "conv1", 64, 11, 4, 2, 1);
    relu(b, "relu1");
    pool(b, "pool1", 3, 2, 0);
    conv(b, "conv2", 192, 5, 1, 2, 1);
    relu(b, "relu2");
    pool(b, "pool2", 3, 2, 0);
    conv(b, "conv3", 384, 3, 1, 1, 1);
    relu(b, "relu3");
    conv(b, "conv4", 256, 3, 1, 1, 1);
    relu(b, "relu4");
    conv(b, "conv5", 256, 3, 1, 1, 1);
    relu(b, "relu5");
    pool(b, "pool5", 3, 2, 0);
    pool_to(b, "avgpool", 6);
    dense(b, "fc6", 4096);
    relu(b, "relu6");
    dense(b, "fc7", 4096);
    relu(b, "relu7");
    dense(b, "fc8", 1000);
}

/* ---- VGG-16 (configuration D, torchvision) ----------------------------- */
static void vgg16(builder *b)
{
    static const int cfg[] = {64, 64,  0,   128, 128, 0,   256, 256, 256,
                              0,  512, 512, 512, 0,   512, 512, 512, 0};
    char name[24];
    int k = 1;
    for (size_t i = 0; i < sizeof cfg / sizeof cfg[0]; i++) {
        if (cfg[i] == 0) {
            snprintf(name, sizeof name, "pool%d", k);
            pool(b, name, 2, 2, 0);
            continue;
        }
        snprintf(name, sizeof name, "conv%d", k++);
        conv(b, name, cfg[i], 3, 1, 1, 1);
        relu(b, "relu");
    }
    pool_to(b, "avgpool", 7);
    dense(b, "fc6", 4096);
    relu(b, "relu6");
    dense(b, "fc7", 4096);
    relu(b, "relu7");
    dense(b, "fc8", 1000);
}

/* ---- ResNets (He et al. 2016; torchvision v1.5: stride on the 3x3) ----- */
static void resnet_block(builder *b, int width, int stride, int bottleneck)
{
    builder in = *b;
    int out = bottleneck ? 4 * width : width;
    if (bottleneck) {
        conv(b, "conv1x1a", width, 1, 1, 0, 0);
        bn(b, "bn");
        relu(b, "relu");
        conv(b, "conv3x3", width, 3, stride, 1, 0);
        bn(b, "bn");
        relu(b, "relu");
        conv(b, "conv1x1b", out, 1, 1, 0, 0);
        bn(b, "bn");
    } else {
        conv(b, "conv3x3a", width, 3, stride, 1, 0);
        bn(b, "bn");
        relu(b, "relu");
        conv(b, "conv3x3b", width, 3, 1, 1, 0);
        bn(b, "bn");
    }
    if (stride != 1 || in.c != out) { /* projection shortcut */
        builder sc = in;
        sc.m = b->m;
        conv(&sc, "downsample", out, 1, stride, 0, 0);
        bn(&sc, "downsample.bn");
        b->failed |= sc.failed;
    }
    add(b, "residual");
    relu(b, "relu");
}

static void resnet(builder *b, const int blocks[4], int bottleneck)
{
    conv(b, "conv1", 64, 7, 2, 3, 0);
    bn(b, "bn1");
    relu(b, "relu");
    pool(b, "maxpool", 3, 2, 1);
    for (int stage = 0; stage < 4; stage++)
        for (int i = 0; i < blocks[stage]; i++)
            resnet_block(b, 64 << stage, i == 0 && stage > 0 ? 2 : 1, bottleneck);
    pool_to(b, "avgpool", 1);
    dense(b, "fc", 1000);
}

static void resnet18(builder *b) { resnet(b, (const int[4]){2, 2, 2, 2}, 0); }
static void resnet50(builder *b) { resnet(b, (const int[4]){3, 4, 6, 3}, 1); }

/* ---- Inception-v3 (Szegedy et al. 2016; torchvision, with aux head) --- */
/* BasicConv2d: convolution without bias, batch norm, ReLU. */
static void bconv(builder *b, int out, int kh, int kw, int stride, int ph, int pw)
{
    conv2(b, "conv", out, kh, kw, stride, stride, ph, pw, 0);
    bn(b, "bn");
    relu(b, "relu");
}

/* Runs a branch from the block input `in`; returns its output channels. */
typedef void (*branch_fn)(builder *b, int arg);

static int branch(builder *b, const builder *in, branch_fn fn, int arg, builder *out)
{
    builder br = *in;
    br.m = b->m;
    fn(&br, arg);
    b->failed |= br.failed;
    *out = br;
    return br.c;
}

static void br_1x1(builder *b, int out) { bconv(b, out, 1, 1, 1, 0, 0); }
static void br_pool_1x1(builder *b, int out)
{
    pool(b, "avgpool", 3, 1, 1);
    bconv(b, out, 1, 1, 1, 0, 0);
}
static void br_a_5x5(builder *b, int unused)
{
    (void)unused;
    bconv(b, 48, 1, 1, 1, 0, 0);
    bconv(b, 64, 5, 5, 1, 2, 2);
}
static void br_a_3x3dbl(builder *b, int unused)
{
    (void)unused;
    bconv(b, 64, 1, 1, 1, 0, 0);
    bconv(b, 96, 3, 3, 1, 1, 1);
    bconv(b, 96, 3, 3, 1, 1, 1);
}
static void br_b_3x3(builder *b, int unused)
{
    (void)unused;
    bconv(b, 384, 3, 3, 2, 0, 0);
}
static void br_b_3x3dbl(builder *b, int unused)
{
    (void)unused;
    bconv(b, 64, 1, 1, 1, 0, 0);
    bconv(b, 96, 3, 3, 1, 1, 1);
    bconv(b, 96, 3, 3, 2, 0, 0);
}
static void br_maxpool(builder *b, int unused)
{
    (void)unused;
    pool(b, "maxpool", 3, 2, 0);
}
static void br_c_7x7(builder *b, int c7)
{
    bconv(b, c7, 1, 1, 1, 0, 0);
    bconv(b, c7, 1, 7, 1, 0, 3);
    bconv(b, 192, 7, 1, 1, 3, 0);
}
static void br_c_7x7dbl(builder *b, int c7)
{
    bconv(b, c7, 1, 1, 1, 0, 0);
    bconv(b, c7, 7, 1, 1, 3, 0);
    bconv(b, c7, 1, 7, 1, 0, 3);
    bconv(b, c7, 7, 1, 1, 3, 0);
    bconv(b, 192, 1, 7, 1, 0, 3);
}
static void br_d_3x3(builder *b, int unused)
{
    (void)unused;
    bconv(b, 192, 1, 1, 1, 0, 0);
    bconv(b, 320, 3, 3, 2, 0, 0);
}
static void br_d_7x7x3(builder *b, int unused)
{
    (void)unused;
    bconv(b, 192, 1, 1, 1, 0, 0);
    bconv(b, 192, 1, 7, 1, 0, 3);
    bconv(b, 192, 7, 1, 1, 3, 0);
    bconv(b, 192, 3, 3, 2, 0, 0);
}
/* Inception-E's split 3x3: a stem, then 1x3 and 3x1 side by side. */
static void br_e_split(builder *b, int stem_dbl)
{
    if (stem_dbl) {
        bconv(b, 448, 1, 1, 1, 0, 0);
        bconv(b, 384, 3, 3, 1, 1, 1);
    } else {
        bconv(b, 384, 1, 1, 1, 0, 0);
    }
    builder stem = *b;
    bconv(b, 384, 1, 3, 1, 0, 1);
    builder other = stem;
    bconv(&other, 384, 3, 1, 1, 1, 0);
    b->failed |= other.failed;
    b->c = 768;
}

/* Concatenates branches run on the same input. */
static void mixed(builder *b, const branch_fn *fns, const int *args, int n)
{
    builder in = *b, out = *b;
    int channels = 0;
    for (int i = 0; i < n; i++)
        channels += branch(b, &in, fns[i], args[i], &out);
    b->c = channels;
    b->h = out.h;
    b->w = out.w;
}

static void inception_aux(builder *b)
{
    builder aux = *b;
    pool(&aux, "aux.avgpool", 5, 3, 0);
    bconv(&aux, 128, 1, 1, 1, 0, 0);
    bconv(&aux, 768, 5, 5, 1, 0, 0);
    pool_to(&aux, "aux.avgpool2", 1);
    dense(&aux, "aux.fc", 1000);
    b->failed |= aux.failed;
}

static void inception_v3(builder *b)
{
    bconv(b, 32, 3, 3, 2, 0, 0);
    bconv(b, 32, 3, 3, 1, 0, 0);
    bconv(b, 64, 3, 3, 1, 1, 1);
    pool(b, "maxpool1", 3, 2, 0);
    bconv(b, 80, 1, 1, 1, 0, 0);
    bconv(b, 192, 3, 3, 1, 0, 0);
    pool(b, "maxpool2", 3, 2, 0);
    const branch_fn a[] = {br_1x1, br_a_5x5, br_a_3x3dbl, br_pool_1x1};
    mixed(b, a, (const int[]){64, 0, 0, 32}, 4);
    mixed(b, a, (const int[]){64, 0, 0, 64}, 4);
    mixed(b, a, (const int[]){64, 0, 0, 64}, 4);
    mixed(b, (const branch_fn[]){br_b_3x3, br_b_3x3dbl, br_maxpool}, (const int[]){0, 0, 0}, 3);
    const branch_fn c[] = {br_1x1, br_c_7x7, br_c_7x7dbl, br_pool_1x1};
    static const int c7[] = {128, 160, 160, 192};
    for (int i = 0; i < 4; i++)
        mixed(b, c, (const int[]){192, c7[i], c7[i], 192}, 4);
    inception_aux(b);
    mixed(b, (const branch_fn[]){br_d_3x3, br_d_7x7x3, br_maxpool}, (const int[]){0, 0, 0}, 3);
    const branch_fn e[] = {br_1x1, br_e_split, br_e_split, br_pool_1x1};
    for (int i = 0; i < 2; i++)
        mixed(b, e, (const int[]){320, 0, 1, 192}, 4);
    pool_to(b, "avgpool", 1);
    dense(b, "fc", 1000);
}

/* ---- BERT-large (Devlin et al. 2019): L=24, H=1024, A=16, sequence 128 -- */
enum {
    BERT_LAYERS = 24,
    BERT_HIDDEN = 1024,
    BERT_FFN = 4096,
    BERT_SEQ = 128,
    BERT_VOCAB = 30522,
    BERT_POSITIONS = 512,
    BERT_TYPES = 2
};

/* A dense layer applied to every token of the sequence. */
static void token_dense(builder *b, const char *name, int in, int out)
{
    double macs = (double)BERT_SEQ * in * out;
    layer(b, DSGD_LAYER_DENSE, name, (size_t)in * out + (size_t)out, 2 * macs, 4 * macs);
}

static void layer_norm(builder *b, const char *name)
{
    double n = (double)BERT_SEQ * BERT_HIDDEN;
    layer(b, DSGD_LAYER_NORM, name, 2 * BERT_HIDDEN, 5 * n, 10 * n);
}

static void bert_large(builder *b)
{
    size_t embed = (size_t)(BERT_VOCAB + BERT_POSITIONS + BERT_TYPES) * BERT_HIDDEN;
    /* A lookup: no GEMM, one pass over the sequence's vectors. */
    layer(b, DSGD_LAYER_EMBEDDING, "embeddings", embed, 3.0 * BERT_SEQ * BERT_HIDDEN,
          3.0 * BERT_SEQ * BERT_HIDDEN);
    layer_norm(b, "embeddings.ln");
    double attn = 2.0 * 2.0 * BERT_SEQ * BERT_SEQ * BERT_HIDDEN; /* QK^T and AV */
    for (int l = 0; l < BERT_LAYERS; l++) {
        token_dense(b, "attn.qkv", BERT_HIDDEN, 3 * BERT_HIDDEN);
        layer(b, DSGD_LAYER_ATTENTION, "attn.scores", 0, attn, 2 * attn);
        token_dense(b, "attn.out", BERT_HIDDEN, BERT_HIDDEN);
        layer(b, DSGD_LAYER_ELEMENTWISE, "attn.residual", 0, BERT_SEQ * BERT_HIDDEN,
              BERT_SEQ * BERT_HIDDEN);
        layer_norm(b, "attn.ln");
        token_dense(b, "ffn.in", BERT_HIDDEN, BERT_FFN);
        layer(b, DSGD_LAYER_ACT, "ffn.gelu", 0, 8.0 * BERT_SEQ * BERT_FFN,
              8.0 * BERT_SEQ * BERT_FFN);
        token_dense(b, "ffn.out", BERT_FFN, BERT_HIDDEN);
        layer(b, DSGD_LAYER_ELEMENTWISE, "ffn.residual", 0, BERT_SEQ * BERT_HIDDEN,
              BERT_SEQ * BERT_HIDDEN);
        layer_norm(b, "ffn.ln");
    }
    /* Pooler on the first token, then a 2-way classifier (next sentence). */
    b->c = BERT_HIDDEN;
    b->h = b->w = 1;
    dense(b, "pooler", BERT_HIDDEN);
    b->c = BERT_HIDDEN;
}

/* A descriptor model: its input shape and the builder of its layers. */
typedef struct zoo_entry {
    int c, h, w;
    void (*build)(builder *b);
} zoo_entry;

static int zoo_create(const dsgd_model_desc *self, const void *options, dsgd_shape input,
                      int classes, dsgd_model *m, char *err, size_t errlen)
{
    (void)options, (void)input, (void)classes;
    const zoo_entry *z = self->data;
    builder b = start(m, z->c, z->h, z->w);
    z->build(&b);
    loss(&b);
    m->classes = b.c;
    if (b.failed) {
        snprintf(err, errlen, "--model %s: out of memory", self->base.name);
        return -1;
    }
    return 0;
}

#define ZOO(var, name, summary, c, h, w, build)                                                    \
    static const zoo_entry var##_entry = {c, h, w, build};                                         \
    const dsgd_model_desc var = {{name, "descriptor: " summary, NULL, 0}, zoo_create, &var##_entry}

ZOO(dsgd_zoo_lenet5, "lenet5", "LeNet-5 (LeCun 1998), 32x32 input", 1, 32, 32, lenet5);
ZOO(dsgd_zoo_alexnet, "alexnet", "AlexNet (torchvision), 224x224", 3, 224, 224, alexnet);
ZOO(dsgd_zoo_vgg16, "vgg16", "VGG-16 (torchvision), 224x224", 3, 224, 224, vgg16);
ZOO(dsgd_zoo_resnet18, "resnet18", "ResNet-18 (torchvision), 224x224", 3, 224, 224, resnet18);
ZOO(dsgd_zoo_resnet50, "resnet50", "ResNet-50 (torchvision), 224x224", 3, 224, 224, resnet50);
ZOO(dsgd_zoo_inception_v3, "inception-v3", "Inception-v3 with aux classifier, 299x299", 3, 299,
    299, inception_v3);
ZOO(dsgd_zoo_bert_large, "bert-large", "BERT-large, sequence 128", 1, 1, BERT_SEQ, bert_large);

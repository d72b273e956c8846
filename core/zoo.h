/* zoo.h — descriptor models (zoo.c): well-known networks as layer lists,
 * for timing-only (phantom) simulation. */
#ifndef DSGD_ZOO_H
#define DSGD_ZOO_H

#include "core/model.h"

extern const dsgd_model_desc dsgd_zoo_lenet5, dsgd_zoo_alexnet, dsgd_zoo_vgg16, dsgd_zoo_resnet18,
    dsgd_zoo_resnet50, dsgd_zoo_inception_v3, dsgd_zoo_bert_large;

#endif

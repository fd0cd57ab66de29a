// lmx::nn: modules, layers, activations, losses and initialisers.
#pragma once

#include "lmx/nn/activations.h"
#include "lmx/nn/conv.h"
#include "lmx/nn/init.h"
#include "lmx/nn/layers.h"
#include "lmx/nn/losses.h"
#include "lmx/nn/module.h"
#include "lmx/nn/pooling.h"
#include "lmx/nn/positional.h"
#include "lmx/nn/quantized.h"
#include "lmx/nn/recurrent.h"
#include "lmx/nn/transformer.h"
#include "lmx/nn/upsample.h"

// lmx::nn: modules, layers, activations, losses and initialisers.
#pragma once

#include "lmx/nn/activations.h"
#include "lmx/nn/conv.h"
#include "lmx/nn/init.h"
#include "lmx/nn/layers.h"
#include "lmx/nn/losses.h"
#include "lmx/nn/module.h"
#include "lmx/nn/pooling.h"

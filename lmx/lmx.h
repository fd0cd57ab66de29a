// The one include for lmx users.
#pragma once

#include "lmx/core/array.h"
#include "lmx/core/compile.h"
#include "lmx/core/conv.h"
#include "lmx/core/device.h"
#include "lmx/core/dtype.h"
#include "lmx/core/fast.h"
#include "lmx/core/memory.h"
#include "lmx/core/ops.h"
#include "lmx/core/random.h"
#include "lmx/core/transforms.h"
#include "lmx/core/tree.h"
#include "lmx/core/utils.h"
#include "lmx/io/datasets.h"
#include "lmx/io/load_save.h"
#include "lmx/nn.h"
#include "lmx/optim.h"

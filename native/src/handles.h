// SPDX-License-Identifier: Apache-2.0
// handles.h: the opaque structs behind mos.h's handles. Each holds a shared_ptr to the internal
// object, so children keep their parents alive and handles can be freed in any order.
#pragma once

#include <memory>

#include "bank.h"
#include "context.h"
#include "layer.h"
#include "model/decoder.h"
#include "model/kv_cache.h"
#include "optim.h"
#include "pool.h"
#include "tensor.h"

struct mos_context {
  std::shared_ptr<mos::Context> impl;
};
struct mos_tensor {
  std::shared_ptr<mos::Tensor> impl;
};
struct mos_pool {
  std::shared_ptr<mos::Pool> impl;
};
struct mos_layer {
  std::shared_ptr<mos::Layer> impl;
};
struct mos_optimizer {
  std::shared_ptr<mos::AdamW> impl;
};
struct mos_bank {
  std::shared_ptr<mos::bank::Bank> impl;
};

struct mos_decoder {
  std::shared_ptr<mos::model::Decoder> impl;
};
struct mos_kv_cache {
  std::shared_ptr<mos::model::KvCache> impl;
};

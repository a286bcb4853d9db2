// SPDX-License-Identifier: Apache-2.0
// adamw_update.h: mos.h's AdamW (torch.optim.AdamW) for one element, the update both backends
// run (cuda/adamw.cu is compiled without FMA contraction, so the two agree bit for bit).
#pragma once

#include <math.h>  // sqrtf on host and device

#include "common/host_device.h"

namespace mos {

// Operation by operation in the documented order: p -= lr*wd*p; m = b1 m + (1-b1) g;
// v = b2 v + (1-b2) g^2; p -= lr * (m / bc1) / (sqrt(v / bc2) + eps), with bc1 = 1 - b1^t,
// bc2 = 1 - b2^t after t++.
MOS_HD void adamw_update(float g, float* p, float* m, float* v, float lr, float beta1, float beta2,
                         float eps, float weight_decay, float bc1, float bc2) {
  float pv = *p;
  pv = pv - (lr * weight_decay) * pv;
  const float mn = beta1 * *m + (1.0f - beta1) * g;
  const float vn = beta2 * *v + (1.0f - beta2) * (g * g);
  const float m_hat = mn / bc1;
  const float denom = sqrtf(vn / bc2) + eps;
  *p = pv - (lr * m_hat) / denom;
  *m = mn;
  *v = vn;
}

}  // namespace mos

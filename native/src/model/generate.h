// SPDX-License-Identifier: Apache-2.0
// generate.h: token sampling (sampling.cpp, mos_sample) and whole-request generation over the KV
// cache (generate.cpp, mos_decoder_generate).
#pragma once

#include <cstdint>
#include <memory>

#include "mos/mos.h"

namespace mos {
namespace bank {
class Bank;
}
namespace model {

class Decoder;

// INVALID_ARGUMENT naming `what` (e.g. "sampling" or "requests[2].sampling") and the bad field.
void validate_sampling(const mos_sampling_t& s, const char* what);

// One token from logits[vocab] (host): greedy for temperature <= 0 (lowest id on ties), else
// temperature, then top-k, then top-p (the smallest most-likely set of mass >= top_p), then a draw
// u = uniform01_53(hash3(seed, kStreamSample, counter)) over the kept tokens in order of
// decreasing probability (ids ascending on ties). *logprob (may be null): ln softmax(logits)[token].
void sample(const float* logits, int32_t vocab, const mos_sampling_t& s, uint64_t counter,
            int32_t* token, float* logprob);

// mos_decoder_generate: checks every request, then prefills and decodes in a KV cache of its own.
void generate(const std::shared_ptr<Decoder>& decoder, bank::Bank* bank,
              mos_generate_request_t* requests, int32_t num_requests, mos_token_callback_t callback,
              void* user);

}  // namespace model
}  // namespace mos

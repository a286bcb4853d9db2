// SPDX-License-Identifier: Apache-2.0
// The struct and callback bindings of the decoder ABI: every layout's size and field offsets equal
// the C ABI's (the same numbers are static_asserts in tests/native/test_decoder_abi.cpp, so the C
// compiler vouches for them), and, with the built library, calls that pass each struct and an
// upcall through the real ABI (config validation, sampling, a generation stopped by its callback,
// a step of the base's AdamW).
package org.mos.ffi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class BindingsStructTest {

  static void offsets(GroupLayout layout, long size, String[] fields, long[] offsets) {
    assertEquals(size, layout.byteSize(), layout.name().orElse("?") + " size");
    for (int i = 0; i < fields.length; i++) {
      assertEquals(
          offsets[i],
          layout.byteOffset(java.lang.foreign.MemoryLayout.PathElement.groupElement(fields[i])),
          layout.name().orElse("?") + "." + fields[i]);
    }
  }

  @Test
  void layoutsMatchTheCAbi() {
    offsets(
        mos_decoder_config.layout(),
        76,
        new String[] {
          "vocab_size",
          "max_positions",
          "rms_norm_eps",
          "rope_type",
          "rope_original_max_positions",
          "tie_word_embeddings",
          "weight_dtype"
        },
        new long[] {0, 28, 32, 40, 56, 68, 72});
    offsets(
        mos_batch.layout(),
        32,
        new String[] {"num_seqs", "lengths", "tokens", "targets"},
        new long[] {0, 8, 16, 24});
    offsets(
        mos_step.layout(),
        40,
        new String[] {"num_seqs", "seq_ids", "lengths", "tokens", "adapter_ids"},
        new long[] {0, 8, 16, 24, 32});
    offsets(
        mos_sampling.layout(),
        24,
        new String[] {"temperature", "top_k", "top_p", "seed"},
        new long[] {0, 4, 8, 16});
    offsets(
        mos_generate_request.layout(),
        72,
        new String[] {
          "prompt",
          "prompt_length",
          "max_new_tokens",
          "sampling",
          "stop_ids",
          "num_stop_ids",
          "adapter_id",
          "out_tokens",
          "out_length"
        },
        new long[] {0, 8, 12, 16, 40, 48, 52, 56, 64});
    assertEquals(
        mos_sampling.layout().byteSize(), mos_generate_request.sampling$layout().byteSize());
    offsets(
        mos_adamw_params.layout(),
        24,
        new String[] {"lr", "beta1", "beta2", "eps", "weight_decay", "max_grad_norm"},
        new long[] {0, 4, 8, 12, 16, 20});
  }

  @Test
  void callbackStubRoundTrip() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment stub =
          mos_token_callback_t.allocate((user, request, token) -> request * 100 + token, arena);
      assertEquals(307, mos_token_callback_t.invoke(stub, MemorySegment.NULL, 3, 7));
    }
  }

  static boolean libraryLoaded() {
    String lib = System.getProperty("mos.library.path");
    if (lib == null || !Files.isRegularFile(Path.of(lib))) {
      return false;
    }
    if (!MosLibrary.isLoaded()) {
      MosLibrary.load(Path.of(lib));
    }
    return true;
  }

  static MemorySegment tinyConfig(Arena arena) {
    MemorySegment c = mos_decoder_config.allocate(arena);
    mos_decoder_config.vocab_size(c, 8);
    mos_decoder_config.hidden_size(c, 4);
    mos_decoder_config.intermediate_size(c, 4);
    mos_decoder_config.num_layers(c, 1);
    mos_decoder_config.num_heads(c, 1);
    mos_decoder_config.num_kv_heads(c, 1);
    mos_decoder_config.head_dim(c, 4);
    mos_decoder_config.max_positions(c, 16);
    mos_decoder_config.rms_norm_eps(c, 1e-5f);
    mos_decoder_config.rope_theta(c, 10000f);
    mos_decoder_config.rope_type(c, mos_h.MOS_ROPE_DEFAULT());
    mos_decoder_config.tie_word_embeddings(c, 1);
    mos_decoder_config.weight_dtype(c, mos_h.MOS_DTYPE_F32());
    return c;
  }

  @Test
  void structsThroughTheLibrary() {
    Assumptions.assumeTrue(libraryLoaded(), "no built libmos at mos.library.path");
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment config = tinyConfig(arena);
      assertEquals(mos_h.MOS_STATUS_OK(), mos_h.mos_decoder_config_validate(config));
      mos_decoder_config.head_dim(config, 5);
      assertEquals(mos_h.MOS_STATUS_INVALID_ARGUMENT(), mos_h.mos_decoder_config_validate(config));
      mos_decoder_config.head_dim(config, 4);

      // mos_sample on a heap array (critical downcall): greedy picks the largest logit.
      MemorySegment sampling = mos_sampling.allocate(arena);
      mos_sampling.temperature(sampling, 0f);
      mos_sampling.top_p(sampling, 1f);
      MemorySegment token = arena.allocate(ValueLayout.JAVA_INT);
      assertEquals(
          mos_h.MOS_STATUS_OK(),
          mos_h.mos_sample(
              MemorySegment.ofArray(new float[] {0.5f, 2f, -1f}),
              3,
              sampling,
              0L,
              token,
              MemorySegment.NULL));
      assertEquals(1, token.get(ValueLayout.JAVA_INT, 0));

      // A decoder with zero weights (every logit 0: greedy draws token 0) generating until its
      // callback says stop after three tokens.
      MemorySegment ctxOut = arena.allocate(ValueLayout.ADDRESS);
      assertEquals(0, mos_h.mos_context_create(mos_h.MOS_BACKEND_CPU(), 0, ctxOut));
      MemorySegment ctx = ctxOut.get(ValueLayout.ADDRESS, 0);
      MemorySegment decOut = arena.allocate(ValueLayout.ADDRESS);
      assertEquals(0, mos_h.mos_decoder_create(ctx, config, decOut));
      MemorySegment dec = decOut.get(ValueLayout.ADDRESS, 0);
      MemorySegment count = arena.allocate(ValueLayout.JAVA_INT);
      assertEquals(0, mos_h.mos_decoder_weight_count(dec, count));
      MemorySegment name = arena.allocate(128);
      MemorySegment rows = arena.allocate(ValueLayout.JAVA_LONG);
      MemorySegment cols = arena.allocate(ValueLayout.JAVA_LONG);
      for (int i = 0; i < count.get(ValueLayout.JAVA_INT, 0); i++) {
        assertEquals(
            0, mos_h.mos_decoder_weight_info(dec, i, name, 128, rows, cols, MemorySegment.NULL));
        long n = rows.get(ValueLayout.JAVA_LONG, 0) * cols.get(ValueLayout.JAVA_LONG, 0);
        assertEquals(
            0,
            mos_h.mos_decoder_set_weight(
                dec,
                name,
                mos_h.MOS_DTYPE_F32(),
                rows.get(ValueLayout.JAVA_LONG, 0),
                cols.get(ValueLayout.JAVA_LONG, 0),
                arena.allocate(ValueLayout.JAVA_FLOAT, n)));
      }
      MemorySegment req = mos_generate_request.allocate(arena);
      mos_generate_request.prompt(req, arena.allocateFrom(ValueLayout.JAVA_INT, 1, 2, 3));
      mos_generate_request.prompt_length(req, 3);
      mos_generate_request.max_new_tokens(req, 8);
      mos_generate_request.sampling(req, sampling);
      mos_generate_request.adapter_id(req, -1);
      MemorySegment out = arena.allocate(ValueLayout.JAVA_INT, 8);
      out.fill((byte) 0x7f);
      mos_generate_request.out_tokens(req, out);
      List<int[]> seen = new ArrayList<>();
      MemorySegment stub = mos_token_callback_t.allocate(
          (user, request, tok) -> {
            seen.add(new int[] {request, tok});
            return seen.size() == 3 ? 1 : 0;
          },
          arena);
      assertEquals(
          0, mos_h.mos_decoder_generate(dec, MemorySegment.NULL, req, 1, stub, MemorySegment.NULL));
      assertEquals(3, mos_generate_request.out_length(req));
      assertEquals(3, seen.size());
      for (int[] s : seen) {
        assertArrayEquals(new int[] {0, 0}, s);
      }
      assertEquals(0, out.getAtIndex(ValueLayout.JAVA_INT, 2));
      assertEquals(0x7f7f7f7f, out.getAtIndex(ValueLayout.JAVA_INT, 3));

      // Training the base: mos_adamw_params_t's fields reach the library in order (a beta2 of 1
      // is refused by name), a step counts, and weights come back into a heap array.
      assertEquals(0, mos_h.mos_decoder_set_base_trainable(dec, 1));
      MemorySegment params = mos_adamw_params.allocate(arena);
      mos_adamw_params.lr(params, 0.01f);
      mos_adamw_params.beta1(params, 0.9f);
      mos_adamw_params.beta2(params, 1f);
      mos_adamw_params.eps(params, 1e-8f);
      MemorySegment norm = arena.allocate(ValueLayout.JAVA_DOUBLE);
      assertEquals(
          mos_h.MOS_STATUS_INVALID_ARGUMENT(), mos_h.mos_decoder_base_step(dec, params, norm));
      String message = mos_h.mos_last_error().reinterpret(Long.MAX_VALUE).getString(0);
      assertEquals(true, message.startsWith("mos_decoder_base_step: beta2"), message);
      mos_adamw_params.beta2(params, 0.999f);
      mos_adamw_params.max_grad_norm(params, Float.NaN);
      assertEquals(
          mos_h.MOS_STATUS_INVALID_ARGUMENT(), mos_h.mos_decoder_base_step(dec, params, norm));
      mos_adamw_params.max_grad_norm(params, 1f);
      assertEquals(0, mos_h.mos_decoder_base_step(dec, params, norm));
      assertEquals(0.0, norm.get(ValueLayout.JAVA_DOUBLE, 0));
      MemorySegment step = arena.allocate(ValueLayout.JAVA_LONG);
      assertEquals(0, mos_h.mos_decoder_base_get_step(dec, step));
      assertEquals(1L, step.get(ValueLayout.JAVA_LONG, 0));
      float[] norms = {2f, 2f, 2f, 2f};
      MemorySegment normName = arena.allocateFrom("model.norm.weight");
      assertEquals(
          0,
          mos_h.mos_decoder_set_weight(
              dec,
              normName,
              mos_h.MOS_DTYPE_F32(),
              1,
              4,
              arena.allocateFrom(ValueLayout.JAVA_FLOAT, 0.5f, -1f, 3f, 0.25f)));
      assertEquals(
          0,
          mos_h.mos_decoder_get_weight(
              dec, normName, mos_h.MOS_DTYPE_F32(), 1, 4, MemorySegment.ofArray(norms)));
      assertArrayEquals(new float[] {0.5f, -1f, 3f, 0.25f}, norms);
      float[] moment = {1f, 1f, 1f, 1f};
      assertEquals(
          0,
          mos_h.mos_decoder_base_read(
              dec, normName, mos_h.MOS_BASE_ADAM_V(), MemorySegment.ofArray(moment), 4));
      assertArrayEquals(new float[4], moment);
      assertEquals(0, mos_h.mos_decoder_free(dec));
      assertEquals(0, mos_h.mos_context_free(ctx));
    }
  }
}

// SPDX-License-Identifier: Apache-2.0
// Decoder: libmos's Llama-family decoder (mos_decoder_t): weights by name, MoS pools on its seven
// projections, packed-batch loss and logits, merge, KV-cache steps, sampling and generation.
package org.mos;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mos.ffi.mos_adamw_params;
import org.mos.ffi.mos_batch;
import org.mos.ffi.mos_generate_request;
import org.mos.ffi.mos_h;
import org.mos.ffi.mos_step;
import org.mos.ffi.mos_token_callback_t;

/**
 * A Llama-family transformer in libmos ({@code mos_decoder_t}): Hugging Face transformers'
 * {@code LlamaForCausalLM} with MoS pool groups attached to any of its seven projections
 * ({@link #PROJECTIONS}). docs/llm.md describes what it computes, its memory and its speed.
 *
 * <p>This is the C ABI's level: weights are handed over by Hugging Face name
 * ({@link #setWeight}), batches are packed sequences of token ids. {@code org.mos.llm.LlamaModel}
 * (module mos-llm) loads a checkpoint directory into one, with adapters, scoring and generation
 * built on these calls.
 *
 * <ul>
 *   <li><b>Weights.</b> {@link #create} allocates every weight (zero); {@link #setWeight} copies
 *       one in, converting to the storage dtype; {@link #weights()} lists the expected names and
 *       shapes and whether each was set. The first compute call refuses a decoder with a weight
 *       never set ({@link Status#INVALID_STATE} naming it).
 *   <li><b>Training.</b> {@link #attachPool} puts a {@link ShardPool} on a projection of every
 *       block; {@link #loss} with {@code backward} adds {@code gradScale * d(loss sum)/d(pool)}
 *       into the attached pools' gradients (the base stays frozen): zero them once per optimizer
 *       step, call it per micro-batch with {@code gradScale = 1 / tokens of the step}, then clip
 *       and step the {@link AdamW} that holds the pools. Dropout draws from
 *       {@link #dropoutState()}, advanced by every loss with backward.
 *   <li><b>Inference.</b> {@link #logits} recomputes whole sequences; {@link #step} runs any mix
 *       of prefill chunks and decode tokens through a {@link KvCache}, with the attached pools or
 *       one adapter of an {@link AdapterBank} per sequence; {@link #generate} does prefill,
 *       decoding, sampling and stop ids in libmos, calling back per token.
 * </ul>
 *
 * <p>Threads: an object of its context (calls run under the context's lock). A step or generation
 * with a bank holds the bank's read lock too (taken first), so adapters can be added to and
 * removed from the bank meanwhile. A {@link TokenCallback} runs on the calling thread inside
 * {@link #generate}; it must not call this decoder (refused with {@link Status#INVALID_STATE}).
 *
 * {@snippet :
 * try (MosContext ctx = MosContext.cpu();
 *      Decoder dec = Decoder.create(ctx, config)) {
 *   for (Decoder.WeightInfo w : dec.weights()) dec.setWeight(w.name(), w.rows(), w.cols(), values(w));
 *   Decoder.Loss l = dec.loss(new int[] {4}, new int[] {1, 5, 9, 2}, new int[] {5, 9, 2, -1}, false, 1f);
 *   double meanNll = l.mean();
 * }
 * }
 */
public final class Decoder implements AutoCloseable {

  /** The projections a pool group can adapt, in libmos's order (dropout's projection number). */
  public static final List<String> PROJECTIONS =
      List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

  /** Dtypes {@link #setWeight} converts from ({@code mos_dtype_t}; F16 is a source dtype only). */
  public enum SourceDtype {
    /** IEEE float32. */
    F32(0, 4),
    /** bfloat16. */
    BF16(1, 2),
    /** IEEE float16 ({@code MOS_DTYPE_F16}). */
    F16(3, 2);

    private final int code;
    private final int bytes;

    SourceDtype(int code, int bytes) {
      this.code = code;
      this.bytes = bytes;
    }

    /** The {@code mos_dtype_t} value. */
    public int code() {
      return code;
    }

    /** Bytes per element. */
    public int bytes() {
      return bytes;
    }
  }

  /**
   * One weight the decoder expects ({@code mos_decoder_weight_info}).
   *
   * @param name its Hugging Face name, e.g. {@code model.layers.0.self_attn.q_proj.weight}
   * @param rows rows (1 for a vector)
   * @param cols columns
   * @param isSet whether {@link #setWeight} has been called for it
   */
  public record WeightInfo(String name, long rows, long cols, boolean isSet) {}

  /**
   * A loss over a batch: {@code sum} of −ln p(target) over the {@code count} positions that have a
   * target (accumulated in double).
   */
  public record Loss(double sum, long count) {
    /** sum / count (NaN when count is 0). */
    public double mean() {
      return count == 0 ? Double.NaN : sum / count;
    }

    /** This loss plus {@code other}. */
    public Loss plus(Loss other) {
      return new Loss(sum + other.sum, count + other.count);
    }
  }

  /**
   * One generation request ({@code mos_generate_request_t}).
   *
   * @param prompt at least one token id
   * @param maxNewTokens at least 1; prompt length + maxNewTokens − 1 must not exceed the
   *     decoder's max positions
   * @param sampling how tokens are drawn (token n of the request uses counter n)
   * @param stopIds ids that end the request when generated (the stop id is kept in the output);
   *     may be empty
   * @param adapterId with a bank: an adapter of it, or −1 for the base model alone; without a
   *     bank: −1 (the attached pools, if any, apply)
   */
  public record GenerateRequest(
      int[] prompt, int maxNewTokens, Sampling sampling, int[] stopIds, int adapterId) {
    /** Checks nulls and copies the arrays. */
    public GenerateRequest {
      Native.notNull(prompt, "GenerateRequest", "prompt");
      Native.notNull(sampling, "GenerateRequest", "sampling");
      prompt = prompt.clone();
      stopIds = stopIds == null ? new int[0] : stopIds.clone();
    }
  }

  /** Called after each generated token, on the thread that called {@link #generate}. */
  @FunctionalInterface
  public interface TokenCallback {
    /**
     * @param request the request's index in the list given to {@link #generate}
     * @param token the token just generated
     * @return true to stop this request after this token
     */
    boolean onToken(int request, int token);
  }

  final NativeHandle handle;
  private final MosContext context;
  private final DecoderConfig config;
  private final Map<String, ShardPool> attached = new LinkedHashMap<>(); // context's lock
  private boolean merged; // context's lock
  private Thread inCallback; // the thread running a TokenCallback of this decoder, or null

  private Decoder(MosContext context, MemorySegment address, DecoderConfig config) {
    this.handle = new NativeHandle("Decoder", address, mos_h::mos_decoder_free, context.state);
    this.context = context;
    this.config = config;
  }

  /**
   * A decoder with every weight allocated (zero) and none set. Its whole memory is checked
   * against what is available first.
   *
   * @throws MosException INVALID_ARGUMENT naming a config field; OUT_OF_MEMORY with both sizes
   */
  public static Decoder create(MosContext ctx, DecoderConfig config) {
    String fn = "Decoder.create";
    Native.notNull(ctx, fn, "ctx");
    Native.notNull(config, fn, "config");
    MemorySegment address = ctx.handle.query((c, a) -> {
      MemorySegment out = Native.handleSlot(a);
      Native.check(mos_h.mos_decoder_create(c, config.toNative(a), out));
      return Native.handleIn(out);
    });
    return new Decoder(ctx, address, config);
  }

  /** The context. */
  public MosContext context() {
    return context;
  }

  /** The configuration it was created with. */
  public DecoderConfig config() {
    return config;
  }

  // ---- weights
  // -----------------------------------------------------------------------------------

  /**
   * Copies weight {@code name} [rows x cols] (row-major; rows = 1 for a vector) of
   * {@code dtype} from {@code data} (native memory, e.g. a memory-mapped checkpoint tensor, read
   * in place; a heap segment is copied first), converting to the storage dtype (F16 and F32 to
   * BF16 round to nearest-even). Setting a name again replaces it.
   *
   * @throws MosException INVALID_ARGUMENT for an unknown name (with the expected pattern),
   *     SHAPE_MISMATCH naming both shapes, INVALID_STATE while merged
   */
  public void setWeight(String name, SourceDtype dtype, long rows, long cols, MemorySegment data) {
    String fn = "Decoder.setWeight";
    Native.notNull(name, fn, "name");
    Native.notNull(dtype, fn, "dtype");
    Native.notNull(data, fn, "data");
    if (rows < 0 || cols < 0 || (cols > 0 && rows > Long.MAX_VALUE / cols / dtype.bytes())) {
      throw Native.shape(fn + ": '" + name + "': bad shape [" + rows + " x " + cols + "]");
    }
    long want = rows * cols * dtype.bytes();
    if (data.byteSize() != want) {
      throw Native.shape(fn + ": '" + name + "' [" + rows + " x " + cols + "] of " + dtype
          + " needs " + want + " bytes, data has " + data.byteSize());
    }
    guard(fn);
    handle.call(h -> {
      try (Arena arena = Arena.ofConfined()) {
        MemorySegment src = data;
        if (!src.isNative()) {
          src = arena.allocate(Math.max(1, want), 8);
          MemorySegment.copy(data, 0, src, 0, want);
        }
        return mos_h.mos_decoder_set_weight(
            h, arena.allocateFrom(name), dtype.code(), rows, cols, src);
      }
    });
  }

  /** {@link #setWeight(String, SourceDtype, long, long, MemorySegment)} from f32 values. */
  public void setWeight(String name, long rows, long cols, float[] values) {
    String fn = "Decoder.setWeight";
    Native.notNull(values, fn, "values");
    if (rows * cols != values.length) {
      throw Native.shape(fn + ": '" + name + "' [" + rows + " x " + cols + "] needs " + rows * cols
          + " values, got " + values.length);
    }
    setWeight(name, SourceDtype.F32, rows, cols, MemorySegment.ofArray(values));
  }

  /** The weights the decoder expects, in its order, with whether each is set. */
  public List<WeightInfo> weights() {
    guard("Decoder.weights");
    return handle.query((h, a) -> {
      MemorySegment count = a.allocate(ValueLayout.JAVA_INT);
      Native.check(mos_h.mos_decoder_weight_count(h, count));
      int n = count.get(ValueLayout.JAVA_INT, 0);
      int capacity = 512;
      MemorySegment name = a.allocate(capacity);
      MemorySegment rows = a.allocate(ValueLayout.JAVA_LONG);
      MemorySegment cols = a.allocate(ValueLayout.JAVA_LONG);
      MemorySegment set = a.allocate(ValueLayout.JAVA_INT);
      List<WeightInfo> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        Native.check(mos_h.mos_decoder_weight_info(h, i, name, capacity, rows, cols, set));
        out.add(new WeightInfo(
            name.getString(0),
            rows.get(ValueLayout.JAVA_LONG, 0),
            cols.get(ValueLayout.JAVA_LONG, 0),
            set.get(ValueLayout.JAVA_INT, 0) != 0));
      }
      return Collections.unmodifiableList(out);
    });
  }

  // ---- adapters
  // ----------------------------------------------------------------------------------

  /**
   * Attaches {@code pool} (same context; d_in, d_out and L matching the projection) as the
   * adapter of {@code projection} in every block; replaces one attached before. The decoder keeps
   * the pool alive.
   *
   * @throws MosException INVALID_ARGUMENT for an unknown projection, SHAPE_MISMATCH for a pool of
   *     other dimensions, INVALID_STATE while merged
   */
  public void attachPool(String projection, ShardPool pool) {
    String fn = "Decoder.attachPool";
    Native.notNull(projection, fn, "projection");
    Native.notNull(pool, fn, "pool");
    Native.sameContext(fn, context, pool.context(), "pool");
    guard(fn);
    handle.query((h, a) -> {
      Native.check(mos_h.mos_decoder_attach_pool(h, a.allocateFrom(projection), pool.handle.get()));
      return attached.put(projection, pool);
    });
  }

  /** Detaches the pool of {@code projection} (nothing attached: nothing happens). */
  public void detachPool(String projection) {
    String fn = "Decoder.detachPool";
    Native.notNull(projection, fn, "projection");
    guard(fn);
    handle.query((h, a) -> {
      Native.check(
          mos_h.mos_decoder_attach_pool(h, a.allocateFrom(projection), MemorySegment.NULL));
      return attached.remove(projection);
    });
  }

  /** The attached pools by projection, in the order attached. */
  public Map<String, ShardPool> attachedPools() {
    context.lock.lock();
    try {
      return Collections.unmodifiableMap(new LinkedHashMap<>(attached));
    } finally {
      context.lock.unlock();
    }
  }

  /**
   * Sets the dropout generator: a loss with backward draws the masks of every adapted
   * projection from (seed, counter, block, projection), then increments the counter (docs/llm.md
   * gives the formula). Default (0, 0). For checkpoints: save {@link #dropoutState()} and
   * restore it.
   */
  public void setDropoutState(long seed, long counter) {
    guard("Decoder.setDropoutState");
    handle.call(h -> mos_h.mos_decoder_set_dropout_state(h, seed, counter));
  }

  /** The dropout generator's (seed, counter). */
  public MosLinear.DropoutState dropoutState() {
    guard("Decoder.dropoutState");
    return handle.query((h, a) -> {
      MemorySegment seed = a.allocate(ValueLayout.JAVA_LONG);
      MemorySegment counter = a.allocate(ValueLayout.JAVA_LONG);
      Native.check(mos_h.mos_decoder_get_dropout_state(h, seed, counter));
      return new MosLinear.DropoutState(
          seed.get(ValueLayout.JAVA_LONG, 0), counter.get(ValueLayout.JAVA_LONG, 0));
    });
  }

  /**
   * Recomputation: on, a training forward keeps only each block's input and recomputes the block
   * before its backward (less memory, about one more forward of time). Default off.
   */
  public void setRecompute(boolean on) {
    guard("Decoder.setRecompute");
    handle.call(h -> mos_h.mos_decoder_set_recompute(h, on ? 1 : 0));
  }

  // ---- whole-sequence passes
  // ---------------------------------------------------------------------

  /**
   * Forward over a packed batch (sequences of {@code lengths}, their tokens concatenated); the
   * loss is −ln softmax(logits_t)[targets[t]] summed over positions with {@code targets[t] >= 0}
   * (a negative target, e.g. −1 or HF's −100, is none). With {@code backward}: training mode
   * (dropout on), then backward, adding {@code gradScale * d(sum)/d(pool)} into every attached
   * pool's gradients and advancing the dropout counter.
   *
   * @throws MosException SHAPE_MISMATCH for arrays that disagree, INVALID_ARGUMENT for an id
   *     outside the vocabulary or a sequence longer than max positions, INVALID_STATE while merged
   *     (backward) or with a weight never set
   */
  public Loss loss(int[] lengths, int[] tokens, int[] targets, boolean backward, float gradScale) {
    String fn = "Decoder.loss";
    Native.notNull(targets, fn, "targets");
    checkBatch(fn, lengths, tokens);
    if (targets.length != tokens.length) {
      throw Native.shape(fn + ": " + targets.length + " targets for " + tokens.length + " tokens");
    }
    guard(fn);
    return handle.query((h, a) -> {
      MemorySegment batch = batch(a, lengths, tokens, targets);
      MemorySegment sum = a.allocate(ValueLayout.JAVA_DOUBLE);
      MemorySegment count = a.allocate(ValueLayout.JAVA_LONG);
      Native.check(mos_h.mos_decoder_loss(h, batch, backward ? 1 : 0, gradScale, sum, count));
      return new Loss(sum.get(ValueLayout.JAVA_DOUBLE, 0), count.get(ValueLayout.JAVA_LONG, 0));
    });
  }

  /**
   * Inference forward without a cache: the logits of every position, row-major
   * [sum of lengths x vocab]. For scoring and tests; generation uses {@link #step}.
   *
   * @throws MosException as {@link #loss}; INVALID_ARGUMENT when the result would not fit a Java
   *     array
   */
  public float[] logits(int[] lengths, int[] tokens) {
    String fn = "Decoder.logits";
    checkBatch(fn, lengths, tokens);
    long n = (long) tokens.length * config.vocabSize();
    if (n > Integer.MAX_VALUE - 8) {
      throw Native.invalid(fn + ": " + tokens.length + " x " + config.vocabSize()
          + " logits do not fit a Java array; pass fewer tokens");
    }
    guard(fn);
    return handle.query((h, a) -> {
      MemorySegment out = a.allocate(ValueLayout.JAVA_FLOAT, n);
      Native.check(mos_h.mos_decoder_logits(h, batch(a, lengths, tokens, null), out));
      return out.toArray(ValueLayout.JAVA_FLOAT);
    });
  }

  // ---- merge
  // -------------------------------------------------------------------------------------

  /**
   * Folds the attached pools into the base weights, W += (alpha/r) B_k A_k (F32 storage only):
   * single-adapter serving without the adapter's extra products. While merged, training passes,
   * attaching and setting weights are refused; leave the pools unchanged until {@link #unmerge}.
   *
   * @throws MosException UNSUPPORTED with BF16 storage (it could not give W back), INVALID_STATE
   *     when merged already
   */
  public void merge() {
    guard("Decoder.merge");
    handle.call(h -> {
      int s = mos_h.mos_decoder_merge(h);
      if (s == 0) merged = true;
      return s;
    });
  }

  /** Subtracts what {@link #merge} added. INVALID_STATE when not merged. */
  public void unmerge() {
    guard("Decoder.unmerge");
    handle.call(h -> {
      int s = mos_h.mos_decoder_unmerge(h);
      if (s == 0) merged = false;
      return s;
    });
  }

  /** Whether the attached pools are merged into the weights. */
  public boolean isMerged() {
    context.lock.lock();
    try {
      return merged;
    } finally {
      context.lock.unlock();
    }
  }

  // ---- training the base
  // -------------------------------------------------------------------------

  /**
   * Makes every base weight trainable (on) or frozen again (off): on allocates an F32 gradient
   * and two AdamW moments per weight (12 bytes a parameter, zero) and sets the base's step count
   * to 0; off frees them. Then {@link #loss} with backward also adds {@code gradScale *
   * d(sum)/dW} into every base weight's gradient (docs/llm.md, "Training the base").
   *
   * @throws MosException UNSUPPORTED with BF16 weight storage (create the decoder with F32),
   *     INVALID_STATE while merged, OUT_OF_MEMORY with both sizes
   */
  public void setBaseTrainable(boolean on) {
    guard("Decoder.setBaseTrainable");
    handle.call(h -> mos_h.mos_decoder_set_base_trainable(h, on ? 1 : 0));
  }

  /** Zeroes every base weight's gradient (once per optimizer step). INVALID_STATE when frozen. */
  public void baseZeroGrad() {
    guard("Decoder.baseZeroGrad");
    handle.call(mos_h::mos_decoder_base_zero_grad);
  }

  /**
   * One AdamW step on every base weight: the gradients' global L2 norm, clipping to
   * {@code maxGradNorm} (&lt;= 0: none), then the update; weight decay on the matrices only.
   *
   * @return the global gradient norm before clipping
   * @throws MosException INVALID_ARGUMENT for a bad hyper-parameter; INVALID_STATE when frozen,
   *     merged, or when the norm is NaN or infinite (nothing changes then)
   */
  public double baseStep(
      float lr, float beta1, float beta2, float eps, float weightDecay, float maxGradNorm) {
    guard("Decoder.baseStep");
    return handle.query((h, a) -> {
      MemorySegment p = mos_adamw_params.allocate(a);
      mos_adamw_params.lr(p, lr);
      mos_adamw_params.beta1(p, beta1);
      mos_adamw_params.beta2(p, beta2);
      mos_adamw_params.eps(p, eps);
      mos_adamw_params.weight_decay(p, weightDecay);
      mos_adamw_params.max_grad_norm(p, maxGradNorm);
      MemorySegment norm = a.allocate(ValueLayout.JAVA_DOUBLE);
      Native.check(mos_h.mos_decoder_base_step(h, p, norm));
      return norm.get(ValueLayout.JAVA_DOUBLE, 0);
    });
  }

  /**
   * Weight {@code name} [rows x cols] as f32 values (row-major), e.g. to save a trained base as a
   * checkpoint; while merged, W plus the attached pools' delta.
   *
   * @throws MosException INVALID_ARGUMENT for an unknown name, SHAPE_MISMATCH naming both shapes,
   *     INVALID_STATE for a weight never set
   */
  public float[] weight(String name, long rows, long cols) {
    String fn = "Decoder.weight";
    Native.notNull(name, fn, "name");
    if (rows < 0 || cols < 0 || (cols > 0 && rows > (Integer.MAX_VALUE - 8) / cols)) {
      throw Native.shape(fn + ": '" + name + "': bad shape [" + rows + " x " + cols + "]");
    }
    guard(fn);
    return handle.query((h, a) -> {
      MemorySegment out = a.allocate(ValueLayout.JAVA_FLOAT, Math.max(1, rows * cols));
      Native.check(mos_h.mos_decoder_get_weight(
          h, a.allocateFrom(name), mos_h.MOS_DTYPE_F32(), rows, cols, out));
      return out.asSlice(0, rows * cols * 4).toArray(ValueLayout.JAVA_FLOAT);
    });
  }

  // ---- KV cache, steps, generation
  // ---------------------------------------------------------------

  /** Bytes one token takes in a {@link KvCache} (f32 keys and values of every block). */
  public long kvBytesPerToken() {
    guard("Decoder.kvBytesPerToken");
    return handle.query((h, a) -> {
      MemorySegment out = a.allocate(ValueLayout.JAVA_LONG);
      Native.check(mos_h.mos_kv_cache_bytes_per_token(h, out));
      return out.get(ValueLayout.JAVA_LONG, 0);
    });
  }

  /**
   * A KV cache with room for {@code capacityTokens} tokens over all its sequences (rounded up to
   * pages of 16), allocated now.
   *
   * @throws MosException INVALID_ARGUMENT for a capacity below 1, OUT_OF_MEMORY with both sizes
   */
  public KvCache newKvCache(long capacityTokens) {
    guard("Decoder.newKvCache");
    MemorySegment address = handle.query((h, a) -> {
      MemorySegment out = Native.handleSlot(a);
      Native.check(mos_h.mos_kv_cache_create(h, capacityTokens, out));
      return Native.handleIn(out);
    });
    return new KvCache(this, address);
  }

  /**
   * One inference step with the attached pools (if any) on every sequence: see
   * {@link #step(KvCache, AdapterBank, int[], int[], int[], int[])}.
   */
  public float[] step(KvCache cache, int[] seqIds, int[] lengths, int[] tokens) {
    return step(cache, null, seqIds, lengths, tokens, null);
  }

  /**
   * One inference step over sequences of {@code cache}: sequence {@code seqIds[i]} gets
   * {@code lengths[i] >= 1} new tokens (a prefill chunk, or 1 when decoding; {@code tokens}
   * holds them all, concatenated), at the positions after what it holds. Their keys and values are
   * appended, each new token attends to its sequence's cached tokens and the new ones before it.
   *
   * <p>Adapters: {@code adapterIds == null} applies the attached pools to every sequence;
   * otherwise {@code adapterIds[i]} is an adapter of {@code bank} for sequence i, or −1 for the
   * base model alone (bank may be null only when all are −1). A projection no adapter of the bank
   * adapts is left as in the base.
   *
   * <p>Everything is checked before the cache changes (a full cache: OUT_OF_MEMORY naming the
   * pages needed and free; a position beyond max positions; a sequence listed twice; an unknown
   * id); a step that fails later changes no sequence's length.
   *
   * @return each sequence's logits at its last new token, row-major [seqIds.length x vocab]
   */
  public float[] step(
      KvCache cache,
      AdapterBank bank,
      int[] seqIds,
      int[] lengths,
      int[] tokens,
      int[] adapterIds) {
    String fn = "Decoder.step";
    Native.notNull(cache, fn, "cache");
    Native.notNull(seqIds, fn, "seqIds");
    checkBatch(fn, lengths, tokens);
    if (cache.decoder() != this) {
      throw Native.invalid(fn + ": the KvCache belongs to another Decoder");
    }
    if (seqIds.length != lengths.length) {
      throw Native.shape(
          fn + ": " + seqIds.length + " sequence ids but " + lengths.length + " lengths");
    }
    if (adapterIds != null && adapterIds.length != seqIds.length) {
      throw Native.shape(
          fn + ": " + adapterIds.length + " adapter ids for " + seqIds.length + " sequences");
    }
    long n = (long) seqIds.length * config.vocabSize();
    if (n > Integer.MAX_VALUE - 8) {
      throw Native.invalid(fn + ": " + seqIds.length + " x " + config.vocabSize()
          + " logits do not fit a Java array; step fewer sequences");
    }
    guard(fn);
    float[] logits = new float[(int) n];
    withBank(
        bank,
        b -> handle.call(h -> {
          try (Arena a = Arena.ofConfined()) {
            MemorySegment step = mos_step.allocate(a);
            mos_step.num_seqs(step, seqIds.length);
            mos_step.seq_ids(step, a.allocateFrom(ValueLayout.JAVA_INT, seqIds));
            mos_step.lengths(step, a.allocateFrom(ValueLayout.JAVA_INT, lengths));
            mos_step.tokens(step, a.allocateFrom(ValueLayout.JAVA_INT, tokens));
            mos_step.adapter_ids(
                step,
                adapterIds == null
                    ? MemorySegment.NULL
                    : a.allocateFrom(ValueLayout.JAVA_INT, adapterIds));
            MemorySegment out = a.allocate(ValueLayout.JAVA_FLOAT, n);
            int s = mos_h.mos_decoder_step(h, cache.handle.get(), b, step, out);
            if (s == 0) MemorySegment.copy(out, ValueLayout.JAVA_FLOAT, 0, logits, 0, (int) n);
            return s;
          }
        }));
    return logits;
  }

  /**
   * Generates for every request at once ({@code mos_decoder_generate}): prefill of all prompts
   * (up to 512 prompt tokens per step), then decoding of all unfinished requests together, one
   * token each per step, in a KV cache of its own. A request ends after {@code maxNewTokens}
   * tokens, after a stop id (kept in its output), or when {@code callback} returns true.
   *
   * @param bank the adapters the requests' {@code adapterId}s name, or null (then every
   *     adapterId must be −1 and the attached pools apply)
   * @param callback called after each token (may be null); an exception it throws stops every
   *     request at its next token and is rethrown from here
   * @return each request's generated tokens (without the prompt), in request order
   * @throws MosException naming the request for a bad request (checked before anything runs)
   */
  public int[][] generate(
      AdapterBank bank, List<GenerateRequest> requests, TokenCallback callback) {
    String fn = "Decoder.generate";
    Native.notNull(requests, fn, "requests");
    if (requests.isEmpty()) {
      throw Native.invalid(fn + ": no requests");
    }
    for (int i = 0; i < requests.size(); i++) {
      GenerateRequest r = Native.notNull(requests.get(i), fn, "request " + i);
      if (r.maxNewTokens() < 1) {
        throw Native.invalid(
            fn + ": request " + i + ": maxNewTokens must be >= 1, got " + r.maxNewTokens());
      }
    }
    guard(fn);
    int count = requests.size();
    int[][] out = new int[count][];
    Throwable[] failure = new Throwable[1];
    withBank(
        bank,
        b -> handle.call(h -> {
          try (Arena a = Arena.ofConfined()) {
            MemorySegment reqs = mos_generate_request.allocateArray(count, a);
            MemorySegment[] outTokens = new MemorySegment[count];
            for (int i = 0; i < count; i++) {
              GenerateRequest r = requests.get(i);
              MemorySegment s = mos_generate_request.asSlice(reqs, i);
              mos_generate_request.prompt(
                  s,
                  r.prompt().length == 0
                      ? MemorySegment.NULL
                      : a.allocateFrom(ValueLayout.JAVA_INT, r.prompt()));
              mos_generate_request.prompt_length(s, r.prompt().length);
              mos_generate_request.max_new_tokens(s, r.maxNewTokens());
              r.sampling().write(mos_generate_request.sampling(s));
              mos_generate_request.stop_ids(
                  s,
                  r.stopIds().length == 0
                      ? MemorySegment.NULL
                      : a.allocateFrom(ValueLayout.JAVA_INT, r.stopIds()));
              mos_generate_request.num_stop_ids(s, r.stopIds().length);
              mos_generate_request.adapter_id(s, r.adapterId());
              outTokens[i] = a.allocate(ValueLayout.JAVA_INT, r.maxNewTokens());
              mos_generate_request.out_tokens(s, outTokens[i]);
              mos_generate_request.out_length(s, 0);
            }
            MemorySegment stub = MemorySegment.NULL;
            if (callback != null) {
              Thread self = Thread.currentThread();
              stub = mos_token_callback_t.allocate(
                  (user, request, token) -> {
                    // An exception must not unwind into libmos: record it and stop every request.
                    if (failure[0] != null) return 1;
                    inCallback = self;
                    try {
                      return callback.onToken(request, token) ? 1 : 0;
                    } catch (Throwable t) {
                      failure[0] = t;
                      return 1;
                    } finally {
                      inCallback = null;
                    }
                  },
                  a);
            }
            int s = mos_h.mos_decoder_generate(h, b, reqs, count, stub, MemorySegment.NULL);
            for (int i = 0; i < count; i++) {
              int len = mos_generate_request.out_length(mos_generate_request.asSlice(reqs, i));
              out[i] =
                  outTokens[i].asSlice(0, (long) len * Integer.BYTES).toArray(ValueLayout.JAVA_INT);
            }
            return s;
          }
        }));
    if (failure[0] instanceof RuntimeException e) throw e;
    if (failure[0] instanceof Error e) throw e;
    if (failure[0] != null) {
      throw new MosException(
          Status.INVALID_STATE, fn + ": the token callback failed: " + failure[0]);
    }
    return out;
  }

  // ---- lifetime
  // ----------------------------------------------------------------------------------

  /** Whether {@link #close()} was called. */
  public boolean isClosed() {
    return handle.isClosed();
  }

  /**
   * Releases this handle; idempotent. KV caches keep the native decoder alive until they are
   * closed too.
   */
  @Override
  public void close() {
    handle.close();
  }

  @Override
  public String toString() {
    return "Decoder[" + config.numLayers() + " layers, hidden " + config.hiddenSize() + ", vocab "
        + config.vocabSize() + ", " + config.weightDtype() + (isClosed() ? ", closed" : "") + "]";
  }

  // ---- helpers
  // -----------------------------------------------------------------------------------

  /** Refuses a call made from inside this decoder's own TokenCallback. */
  private void guard(String fn) {
    if (inCallback == Thread.currentThread()) {
      throw new MosException(
          Status.INVALID_STATE,
          fn + ": called from inside a TokenCallback"
              + " of this decoder's generate; return from the callback first");
    }
  }

  private static void checkBatch(String fn, int[] lengths, int[] tokens) {
    Native.notNull(lengths, fn, "lengths");
    Native.notNull(tokens, fn, "tokens");
    if (lengths.length == 0) {
      throw Native.invalid(fn + ": no sequences");
    }
    long total = 0;
    for (int i = 0; i < lengths.length; i++) {
      if (lengths[i] < 1) {
        throw Native.invalid(
            fn + ": sequence " + i + " has length " + lengths[i] + " (at least 1)");
      }
      total += lengths[i];
    }
    if (total != tokens.length) {
      throw Native.shape(
          fn + ": the lengths add up to " + total + " but there are " + tokens.length + " tokens");
    }
  }

  private static MemorySegment batch(Arena a, int[] lengths, int[] tokens, int[] targets) {
    MemorySegment batch = mos_batch.allocate(a);
    mos_batch.num_seqs(batch, lengths.length);
    mos_batch.lengths(batch, a.allocateFrom(ValueLayout.JAVA_INT, lengths));
    mos_batch.tokens(batch, a.allocateFrom(ValueLayout.JAVA_INT, tokens));
    mos_batch.targets(
        batch,
        targets == null ? MemorySegment.NULL : a.allocateFrom(ValueLayout.JAVA_INT, targets));
    return batch;
  }

  /** Runs {@code body} with the bank's address under its read lock (taken first), or NULL. */
  private static void withBank(AdapterBank bank, java.util.function.Consumer<MemorySegment> body) {
    if (bank == null) {
      body.accept(MemorySegment.NULL);
      return;
    }
    bank.handle.call(b -> {
      body.accept(b);
      return 0;
    });
  }
}

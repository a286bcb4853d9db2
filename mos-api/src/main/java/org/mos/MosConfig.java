// SPDX-License-Identifier: Apache-2.0
// MosConfig: the MoS hyper-parameters of one model (r, R_eq, p, l, alpha, dropout, seed),
// immutable,
// validated on construction; the checks that need the layer shapes run in validateFor.
package org.mos;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import org.mos.ffi.mos_config;
import org.mos.ffi.mos_h;

/**
 * The MoS hyper-parameters, shared by every projection type of a model (each type gets its own
 * pools, sized by these numbers and its own {@code d_in}, {@code d_out}). Section numbers refer to
 * {@code docs/method.md}, the project's description of the method, which follows the paper's
 * official code.
 *
 * <p>The compact constructor checks every rule that does not depend on the layer shapes and throws
 * {@link MosException} ({@link Status#INVALID_ARGUMENT}) naming the broken rule;
 * {@link #validateFor(int, int, int)} checks the rest.
 *
 * <p>Defaults ({@link #defaults()}): r = 16, R_eq = 4, p = 1, l = 2, alpha = 16, dropout = 0,
 * seed = 0. r = 16, R_eq = 4 and alpha = 16 are the official code's example configuration
 * (method.md §8, {@code launch.json}; alpha = 16 throughout the paper's runs). The paper's exact p and
 * l per table were not recovered (method.md §8): l = 2 is the most frequent value in the official
 * parameter log, and p = 1 keeps privatization on (an ablation shows it matters). The paper
 * trains with dropout 0.1; the default here is 0 so that a fresh model is deterministic; use
 * {@code .dropout(0.1f)} to match the paper. These defaults need at least 5 layers
 * ((r - p) l ≤ (R_eq - p) L l).
 *
 * {@snippet :
 * MosConfig config = MosConfig.builder()
 *     .rank(8).equivalentRank(2).privateRank(1).shardsPerVector(2).dropout(0.1f).seed(42)
 *     .build()
 *     .validateFor(4096, 11008, 32);                    // LLaMA2-7B's up_proj
 * long trainable = config.trainableParameters(4096, 11008, 32);   // 2 * 32 * 15104
 * try (MosContext ctx = MosContext.cpu();
 *      ShardPool pool = ShardPool.create(ctx, 64, 64, 8, config)) {
 *   pool.init(config.seed());
 * }
 * }
 *
 * @param rank r, the active rank: the rank of each assembled A_k [r x d_in] and B_k [d_out x r]
 *     (paper: "rank"; code {@code lora_r}, method.md §1). Sets the adapter's capacity and FLOPs, costs
 *     only indices, not parameters; the scaling is alpha / r. Default 16. Valid: r ≥ 1, r ≥ p
 *     (the private vectors are the last p of the r), and r = R_eq when p = R_eq; with the layer
 *     count L also (r - p) l ≤ (R_eq - p) L l.
 * @param equivalentRank R_eq, the "equivalent rank" (code {@code valid_param_lora_r}, method.md §1,
 *     §7): sets the pool size P = R_eq L l and the budget, R_eq L (d_in + d_out) trainable
 *     parameters per projection type, exactly LoRA with rank R_eq. Default 4. Valid: R_eq ≥ 1.
 * @param privateRank p, rank vectors private to each block ("shard privatization", code
 *     {@code valid_param_private_r}, method.md §2, §10.6): the last p rank vectors of block k are its
 *     own rows [S + k p l, S + (k+1) p l). Default 1. Valid: 0 ≤ p ≤ R_eq; p = R_eq makes MoS
 *     plain LoRA with rank R_eq and needs r = R_eq.
 * @param shardsPerVector l, shards per rank vector ("vector sharding", code
 *     {@code num_chunk_per_vec}, method.md §1, §3): each rank vector of A_k (B_k) is the concatenation
 *     of l shards of length d_in / l (d_out / l). Default 2. Valid: l ≥ 1, dividing both d_in and
 *     d_out (no padding, method.md §10.3).
 * @param alpha alpha, the LoRA scaling numerator: the adapter output is multiplied by alpha / r
 *     with the active rank r (method.md §4, §9.6). Default 16 (the paper's value). Valid: any finite
 *     value.
 * @param dropout the inverted-dropout rate on the adapter branch's input during training, never
 *     on the base path (method.md §4, §10.9). Default 0; the paper uses 0.1. Valid: 0 ≤ dropout &lt; 1.
 * @param seed the seed a {@link MosModel} derives its pool initialisation, routing indices and
 *     per-layer dropout seeds from (method.md §2: the official indices come from torch's RNG and are
 *     not reproducible elsewhere, so save them with the adapter). Default 0. Valid: any value.
 */
public record MosConfig(
    int rank,
    int equivalentRank,
    int privateRank,
    int shardsPerVector,
    float alpha,
    float dropout,
    long seed) {

  /** Validates the shape-independent rules (method.md §2, §10.12). */
  public MosConfig {
    if (rank < 1) {
      throw Native.invalid("MosConfig: r (rank) must be >= 1, got " + rank);
    }
    if (equivalentRank < 1) {
      throw Native.invalid("MosConfig: R_eq (equivalentRank) must be >= 1, got " + equivalentRank);
    }
    if (privateRank < 0 || privateRank > equivalentRank) {
      throw Native.invalid("MosConfig: p (privateRank) must be in [0, R_eq = " + equivalentRank
          + "], got " + privateRank);
    }
    if (shardsPerVector < 1) {
      throw Native.invalid("MosConfig: l (shardsPerVector) must be >= 1, got " + shardsPerVector);
    }
    if (rank < privateRank) {
      throw Native.invalid("MosConfig: r (rank) must be >= p (privateRank): the p private rank "
          + "vectors are the last p of the r, got r = " + rank + ", p = " + privateRank);
    }
    if (privateRank == equivalentRank && rank != equivalentRank) {
      throw Native.invalid("MosConfig: p = R_eq = " + equivalentRank
          + " (plain LoRA) requires r = R_eq, got r = " + rank);
    }
    if (!Float.isFinite(alpha)) {
      throw Native.invalid("MosConfig: alpha must be finite, got " + alpha);
    }
    if (!(dropout >= 0f && dropout < 1f)) {
      throw Native.invalid("MosConfig: dropout must be in [0, 1), got " + dropout);
    }
  }

  /** r = 16, R_eq = 4, p = 1, l = 2, alpha = 16, dropout = 0, seed = 0 (see the class doc). */
  public static MosConfig defaults() {
    return builder().build();
  }

  /** A builder starting from {@link #defaults()}. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from this config. */
  public Builder toBuilder() {
    return new Builder()
        .rank(rank)
        .equivalentRank(equivalentRank)
        .privateRank(privateRank)
        .shardsPerVector(shardsPerVector)
        .alpha(alpha)
        .dropout(dropout)
        .seed(seed);
  }

  /** The adapter scaling alpha / r (method.md §4). */
  public float scaling() {
    return alpha / rank;
  }

  /** P = R_eq L l, the shards per pool (method.md §1). */
  public long numShards(int numLayers) {
    return (long) equivalentRank * numLayers * shardsPerVector;
  }

  /** S = (R_eq - p) L l, the public (shared) rows of each pool (method.md §1). */
  public long publicShards(int numLayers) {
    return (long) (equivalentRank - privateRank) * numLayers * shardsPerVector;
  }

  /**
   * Trainable parameters of one projection type with these shapes: R_eq L (d_in + d_out)
   * (method.md §7), independent of r, p and l. Computed from the config alone (no libmos needed).
   */
  public long trainableParameters(int dIn, int dOut, int numLayers) {
    return (long) equivalentRank * numLayers * ((long) dIn + dOut);
  }

  /**
   * Checks the rules that depend on the layer shapes (method.md §10.12): d_in, d_out, L ≥ 1; l divides
   * d_in and d_out; (r - p) l ≤ (R_eq - p) L l. Then asks libmos ({@code mos_config_validate}),
   * so that Java and C agree.
   *
   * @return this config, for chaining
   * @throws MosException ({@link Status#INVALID_ARGUMENT}) naming the broken rule
   */
  public MosConfig validateFor(int dIn, int dOut, int numLayers) {
    checkShapes(dIn, dOut, numLayers);
    validateNative(dIn, dOut, numLayers);
    return this;
  }

  /** The Java half of validateFor. */
  void checkShapes(int dIn, int dOut, int numLayers) {
    if (dIn < 1 || dOut < 1) {
      throw Native.invalid("MosConfig: d_in and d_out must be >= 1, got " + dIn + " and " + dOut);
    }
    if (numLayers < 1) {
      throw Native.invalid("MosConfig: the number of layers L must be >= 1, got " + numLayers);
    }
    if (dIn % shardsPerVector != 0 || dOut % shardsPerVector != 0) {
      throw Native.invalid("MosConfig: l = " + shardsPerVector + " must divide d_in = " + dIn
          + " and d_out = " + dOut + " (no padding)");
    }
    long shared = (long) (rank - privateRank) * shardsPerVector;
    if (shared > publicShards(numLayers)) {
      throw Native.invalid("MosConfig: (r - p) * l = (" + rank + " - " + privateRank + ") * "
          + shardsPerVector + " = " + shared
          + " shared shards per block exceed the public region S = "
          + "(R_eq - p) * L * l = " + publicShards(numLayers));
    }
  }

  /** The libmos half of validateFor (mos_config_validate). */
  void validateNative(int dIn, int dOut, int numLayers) {
    NativeLoader.load();
    try (Arena arena = Arena.ofConfined()) {
      Native.check(mos_h.mos_config_validate(toNative(arena, dIn, dOut, numLayers)));
    }
  }

  /**
   * This config for a W [dOut x dIn] shared by {@code numLayers} blocks as libmos's
   * {@code mos_config_t} (struct_size set), allocated with {@code allocator}.
   */
  MemorySegment toNative(SegmentAllocator allocator, int dIn, int dOut, int numLayers) {
    MemorySegment c = mos_config.allocate(allocator);
    mos_config.struct_size(c, Math.toIntExact(mos_config.sizeof()));
    mos_config.d_in(c, dIn);
    mos_config.d_out(c, dOut);
    mos_config.num_blocks(c, numLayers);
    mos_config.rank(c, rank);
    mos_config.equivalent_rank(c, equivalentRank);
    mos_config.private_rank(c, privateRank);
    mos_config.shards_per_vector(c, shardsPerVector);
    mos_config.alpha(c, alpha);
    mos_config.dropout(c, dropout);
    return c;
  }

  /**
   * Builds a {@link MosConfig}; starts from the defaults. {@link #build()} validates.
   *
   * {@snippet :
   * MosConfig c = MosConfig.builder().rank(8).equivalentRank(2).build();
   * }
   */
  public static final class Builder {
    private int rank = 16;
    private int equivalentRank = 4;
    private int privateRank = 1;
    private int shardsPerVector = 2;
    private float alpha = 16f;
    private float dropout = 0f;
    private long seed = 0L;

    private Builder() {}

    /** r, the active rank; see {@link MosConfig#rank()}. */
    public Builder rank(int r) {
      this.rank = r;
      return this;
    }

    /** R_eq; see {@link MosConfig#equivalentRank()}. */
    public Builder equivalentRank(int rEq) {
      this.equivalentRank = rEq;
      return this;
    }

    /** p; see {@link MosConfig#privateRank()}. */
    public Builder privateRank(int p) {
      this.privateRank = p;
      return this;
    }

    /** l; see {@link MosConfig#shardsPerVector()}. */
    public Builder shardsPerVector(int l) {
      this.shardsPerVector = l;
      return this;
    }

    /** alpha; see {@link MosConfig#alpha()}. */
    public Builder alpha(float alpha) {
      this.alpha = alpha;
      return this;
    }

    /** The adapter dropout rate; see {@link MosConfig#dropout()}. */
    public Builder dropout(float dropout) {
      this.dropout = dropout;
      return this;
    }

    /** The model seed; see {@link MosConfig#seed()}. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** The validated config. */
    public MosConfig build() {
      return new MosConfig(
          rank, equivalentRank, privateRank, shardsPerVector, alpha, dropout, seed);
    }
  }
}

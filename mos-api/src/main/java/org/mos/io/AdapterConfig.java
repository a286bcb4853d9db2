// SPDX-License-Identifier: Apache-2.0
// The content of a mos adapter's adapter_config.json: the MoS hyperparameters shared by every pool
// group, the number of blocks, and one PoolSpec per pool group. Validated like mos_config_validate.
package org.mos.io;

import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.mos.MosException;
import org.mos.Status;

/**
 * An adapter's configuration (docs/adapter-format.md). Every pool group shares the MoS
 * hyperparameters; each has its own shape and module path.
 *
 * @param r               active rank: the rank of every assembled A_k [r x d_in] and B_k
 *                        [d_out x r]; >= 1 (method.md §1, {@code lora_r})
 * @param equivalentRank  R_eq, the parameter budget: the pools hold as many values as LoRA of
 *                        rank R_eq; >= 1 (method.md §1, {@code valid_param_lora_r})
 * @param privateRank     p, rank vectors per block drawn from the block's private shards;
 *                        0 <= p <= min(r, R_eq), and p == R_eq only with r == R_eq (method.md §2)
 * @param shardsPerVector l, shards per rank vector; >= 1, divides every in/out feature count
 * @param loraAlpha       α; the adapter's output is scaled by α / r (method.md §4); finite
 * @param loraDropout     dropout rate on the adapter branch input during training, in [0, 1)
 * @param numLayers       L, the blocks that share each pool group; >= 1
 * @param pools           pool groups by name (insertion order is kept and is the file order);
 *                        names are identifiers ({@code [A-Za-z0-9_][A-Za-z0-9_-]*})
 * @param baseModel       the base model's name or path, or null if unknown
 * @param metadata        free JSON-compatible metadata (maps, lists, strings, numbers, booleans),
 *                        never null (empty if none)
 */
public record AdapterConfig(
    int r,
    int equivalentRank,
    int privateRank,
    int shardsPerVector,
    float loraAlpha,
    float loraDropout,
    int numLayers,
    Map<String, PoolSpec> pools,
    String baseModel,
    Map<String, Object> metadata) {

  private static final Pattern POOL_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_\\-]*");

  public AdapterConfig {
    if (r < 1) throw bad("r must be >= 1, got " + r);
    if (equivalentRank < 1) throw bad("equivalent_rank must be >= 1, got " + equivalentRank);
    if (privateRank < 0 || privateRank > equivalentRank) {
      throw bad("private_rank must be in [0, equivalent_rank=" + equivalentRank + "], got "
          + privateRank);
    }
    if (privateRank > r) {
      throw bad("private_rank " + privateRank + " exceeds r " + r);
    }
    if (shardsPerVector < 1) throw bad("shards_per_vector must be >= 1, got " + shardsPerVector);
    if (numLayers < 1) throw bad("num_layers must be >= 1, got " + numLayers);
    if (privateRank == equivalentRank && r != equivalentRank) {
      throw bad("private_rank == equivalent_rank == " + privateRank + " requires r == "
          + equivalentRank + " (plain LoRA), got r = " + r);
    }
    if ((long) (r - privateRank) > (long) (equivalentRank - privateRank) * numLayers) {
      throw bad("r - private_rank = " + (r - privateRank) + " shared rank vectors exceed the "
          + (equivalentRank - privateRank) * (long) numLayers
          + " public ones, (equivalent_rank - private_rank) * num_layers");
    }
    long shards = (long) equivalentRank * numLayers * shardsPerVector;
    if (shards > SafeTensors.MAX_ARRAY_ELEMENTS) {
      throw bad("equivalent_rank * num_layers * shards_per_vector = " + shards + " is too large");
    }
    if ((long) r * shardsPerVector * numLayers > SafeTensors.MAX_ARRAY_ELEMENTS) {
      throw bad("r * shards_per_vector * num_layers is too large");
    }
    if (!Float.isFinite(loraAlpha)) throw bad("lora_alpha must be finite, got " + loraAlpha);
    if (!(loraDropout >= 0f && loraDropout < 1f)) {
      throw bad("lora_dropout must be in [0, 1), got " + loraDropout);
    }
    if (pools == null || pools.isEmpty())
      throw bad("pools is empty: an adapter needs a pool group");
    Set<String> paths = new HashSet<>();
    for (Map.Entry<String, PoolSpec> e : pools.entrySet()) {
      String name = e.getKey();
      PoolSpec s = e.getValue();
      if (name == null || !POOL_NAME.matcher(name).matches()) {
        throw bad("pool name '" + name + "' is not an identifier ([A-Za-z0-9_][A-Za-z0-9_-]*)");
      }
      if (s == null) throw bad("pool '" + name + "' has no spec");
      if (s.inFeatures() % shardsPerVector != 0 || s.outFeatures() % shardsPerVector != 0) {
        throw bad("pool '" + name + "': in_features " + s.inFeatures() + " and out_features "
            + s.outFeatures() + " must be divisible by shards_per_vector " + shardsPerVector);
      }
      if (numLayers > 1 && !s.modulePath().contains(PoolSpec.LAYER_PLACEHOLDER)) {
        throw bad("pool '" + name + "': module_path '" + s.modulePath() + "' lacks "
            + PoolSpec.LAYER_PLACEHOLDER + " but num_layers is " + numLayers);
      }
      if (!paths.add(s.modulePath())) {
        throw bad("pool '" + name + "': module_path '" + s.modulePath()
            + "' is used by another pool group");
      }
      long feat = Math.max(s.inFeatures(), s.outFeatures()) / shardsPerVector;
      if (shards * feat > SafeTensors.MAX_ARRAY_ELEMENTS) {
        throw bad("pool '" + name + "' would hold " + shards * feat
            + " values in one array, more than Java allows");
      }
    }
    pools = Collections.unmodifiableMap(new LinkedHashMap<>(pools));
    metadata =
        metadata == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
  }

  private static MosException bad(String msg) {
    return new MosException(Status.INVALID_ARGUMENT, msg);
  }

  /** P = R_eq · L · l, the shards in each pool (method.md §1). */
  public int numShards() {
    return equivalentRank * numLayers * shardsPerVector;
  }

  /** r · l, the routing indices of one block for A (and as many for B). */
  public int indicesPerLayer() {
    return r * shardsPerVector;
  }

  /** The pool group {@code name}; MosException if there is none. */
  public PoolSpec pool(String name) {
    PoolSpec s = pools.get(name);
    if (s == null) throw bad("no pool group '" + name + "' (have " + pools.keySet() + ")");
    return s;
  }

  /** Trainable parameters of pool group {@code name}: R_eq · L · (d_in + d_out) (method.md §7). */
  public long trainableParameters(String name) {
    PoolSpec s = pool(name);
    return (long) equivalentRank * numLayers * ((long) s.inFeatures() + s.outFeatures());
  }

  /** Trainable parameters of the whole adapter. */
  public long trainableParameters() {
    long n = 0;
    for (String name : pools.keySet()) n += trainableParameters(name);
    return n;
  }

  /** Parameters of dense LoRA at {@code rank} on the same modules: rank · L · Σ(d_in + d_out). */
  public long loraParameters(int rank) {
    long sum = 0;
    for (PoolSpec s : pools.values()) sum += (long) s.inFeatures() + s.outFeatures();
    return (long) rank * numLayers * sum;
  }

  /** Routing indices stored for the whole adapter: 2 · L · r · l per pool group. */
  public long indexCount() {
    return 2L * numLayers * indicesPerLayer() * pools.size();
  }

  /** α / r, the factor applied to the adapter branch. */
  public float scaling() {
    return loraAlpha / r;
  }

  /**
   * The {@link org.mos.MosConfig} with these hyperparameters and {@code seed} (the seed matters
   * only for pools initialised afresh; a loaded adapter's values replace them).
   */
  public org.mos.MosConfig toMosConfig(long seed) {
    return org.mos.MosConfig.builder()
        .rank(r)
        .equivalentRank(equivalentRank)
        .privateRank(privateRank)
        .shardsPerVector(shardsPerVector)
        .alpha(loraAlpha)
        .dropout(loraDropout)
        .seed(seed)
        .build();
  }

  /**
   * A builder holding {@code config}'s hyperparameters (no pools, no base model, no metadata),
   * for building the adapter config of live pools.
   */
  public static Builder builder(org.mos.MosConfig config, int numLayers) {
    return builder()
        .r(config.rank())
        .equivalentRank(config.equivalentRank())
        .privateRank(config.privateRank())
        .shardsPerVector(config.shardsPerVector())
        .loraAlpha(config.alpha())
        .loraDropout(config.dropout())
        .numLayers(numLayers);
  }

  /** A builder, for code that creates adapters. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builder with the defaults of the paper's example config (r=16, R_eq=4, p=1, l=2, α=16). */
  public static final class Builder {
    private int r = 16;
    private int equivalentRank = 4;
    private int privateRank = 1;
    private int shardsPerVector = 2;
    private float loraAlpha = 16f;
    private float loraDropout = 0f;
    private int numLayers = 1;
    private final Map<String, PoolSpec> pools = new LinkedHashMap<>();
    private String baseModel;
    private Map<String, Object> metadata = new LinkedHashMap<>();

    private Builder() {}

    public Builder r(int v) {
      r = v;
      return this;
    }

    public Builder equivalentRank(int v) {
      equivalentRank = v;
      return this;
    }

    public Builder privateRank(int v) {
      privateRank = v;
      return this;
    }

    public Builder shardsPerVector(int v) {
      shardsPerVector = v;
      return this;
    }

    public Builder loraAlpha(float v) {
      loraAlpha = v;
      return this;
    }

    public Builder loraDropout(float v) {
      loraDropout = v;
      return this;
    }

    public Builder numLayers(int v) {
      numLayers = v;
      return this;
    }

    /** Adds (or replaces) pool group {@code name}. */
    public Builder pool(String name, int inFeatures, int outFeatures, String modulePath) {
      pools.put(name, new PoolSpec(inFeatures, outFeatures, modulePath));
      return this;
    }

    public Builder baseModel(String v) {
      baseModel = v;
      return this;
    }

    public Builder metadata(Map<String, Object> v) {
      metadata = new LinkedHashMap<>(v);
      return this;
    }

    public Builder metadata(String key, Object value) {
      metadata.put(key, value);
      return this;
    }

    public AdapterConfig build() {
      return new AdapterConfig(
          r,
          equivalentRank,
          privateRank,
          shardsPerVector,
          loraAlpha,
          loraDropout,
          numLayers,
          pools,
          baseModel,
          metadata);
    }
  }
}

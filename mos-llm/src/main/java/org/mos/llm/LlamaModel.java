// SPDX-License-Identifier: Apache-2.0
// LlamaModel: a Hugging Face checkpoint directory loaded into libmos's decoder, with MoS (or PEFT
// LoRA) adapters, loss and scoring for training, KV-cache steps and streaming generation.
package org.mos.llm;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.mos.AdamW;
import org.mos.AdapterBank;
import org.mos.DType;
import org.mos.Decoder;
import org.mos.DecoderConfig;
import org.mos.KvCache;
import org.mos.MosClosedException;
import org.mos.MosConfig;
import org.mos.MosContext;
import org.mos.MosException;
import org.mos.MosLinear;
import org.mos.MosModel;
import org.mos.Sampling;
import org.mos.ShardPool;
import org.mos.Status;
import org.mos.io.AdapterConfig;
import org.mos.io.AdapterFormat;
import org.mos.io.MosAdapter;
import org.mos.io.MosFileException;
import org.mos.io.PoolSpec;
import org.mos.io.SafeTensors.Dtype;
import org.mos.llm.data.Example;
import org.mos.llm.tokenizer.StreamDecoder;
import org.mos.llm.tokenizer.Tokenizer;
import org.mos.train.Trainer;

/**
 * A Llama-family checkpoint ({@code LlamaForCausalLM}, Qwen2, Mistral without a sliding window)
 * loaded into libmos's {@link Decoder}: the frozen base model, at most one attached trainable MoS
 * adapter, and the calls training, scoring and generation need.
 *
 * <p><b>Loading.</b> {@link #load(MosContext, Path)} opens the directory with
 * {@link HfCheckpoint} (config.json checked by {@link LlamaConfig}, every tensor by name, shape
 * and dtype), creates the decoder and copies the weights in tensor by tensor from memory-mapped
 * views (never a whole weight on the Java heap: a 1B-parameter BF16 model needs about its 2.5 GB
 * plus one tensor), then checks that every weight the decoder expects was set. Matrices are
 * stored in BF16 by default or F32 ({@link LoadOptions}); everything computes in F32. A
 * {@code tokenizer.json} next to the weights is loaded too.
 *
 * <p><b>Adapters.</b> One adapter at a time is attached to the decoder: a new trainable one
 * ({@link #attachNewAdapter}), a saved mos adapter or a PEFT LoRA directory
 * ({@link #loadAdapter(Path)}). It lives in a {@link MosModel} (one {@link ShardPool} per adapted
 * projection, named {@code q_proj} ... {@code down_proj}, and an {@link AdamW}), which
 * {@link Trainer} trains ({@link #trainer()}). Pool groups are matched to projections by their
 * module path ({@link #modulePath}), so {@link #saveAdapter} writes module paths that
 * {@code mos export-lora} turns into a PEFT LoRA that PEFT and vLLM load onto the same base
 * model. The model owns the adapter's MosModel: {@link #detachAdapter()} and {@link #close()}
 * close it.
 *
 * <p><b>Threads.</b> Calls run under the lock of the model's context (one at a time); a
 * {@link TokenListener} runs on the generating thread and must not call this model.
 *
 * {@snippet :
 * try (MosContext ctx = MosContext.cpu();
 *      LlamaModel model = LlamaModel.load(ctx, Path.of("SmolLM2-135M"))) {
 *   double nll = model.meanNll(new int[][] {{1, 504, 3156, 28}});
 *   LlamaModel.Generation g = model.generate("The capital of France is",
 *       LlamaModel.GenerateOptions.greedy(20), (req, id, text) -> {
 *         System.out.print(text);
 *         return false;                                   // true stops this request
 *       });
 *   MosModel adapter = model.attachNewAdapter(MosConfig.builder().rank(8).equivalentRank(2)
 *       .build(), List.of("q_proj", "v_proj"));
 *   Trainer trainer = model.trainer().config(trainerConfig).build();
 * }
 * }
 */
public final class LlamaModel implements AutoCloseable {

  /** The projections an adapter can adapt, in libmos's order. */
  public static final List<String> PROJECTIONS = Decoder.PROJECTIONS;

  /** Token ids per {@link Decoder#loss} call when scoring many sequences. */
  private static final int SCORE_CHUNK_TOKENS = 4096;

  /** How the decoder stores the checkpoint's matrices (norms and biases are always F32). */
  public enum WeightStorage {
    /** bfloat16: 2 bytes per parameter; F32 and F16 weights are rounded to nearest-even. */
    BF16,
    /** float32: 4 bytes per parameter, exact for every source dtype; merging needs it. */
    F32,
    /** F32 when any weight in the files is F32 or F16 (exact), else BF16 (a BF16 checkpoint). */
    AS_CHECKPOINT
  }

  /**
   * How {@link #load(MosContext, Path, LoadOptions)} loads.
   *
   * @param weightStorage the matrices' storage (default {@link WeightStorage#BF16})
   * @param loadTokenizer load {@code tokenizer.json} when the directory has one (default true);
   *     false for callers that work on token ids only
   */
  public record LoadOptions(WeightStorage weightStorage, boolean loadTokenizer) {
    /** Checks for null. */
    public LoadOptions {
      if (weightStorage == null) {
        throw new MosException(Status.NULL_POINTER, "LoadOptions: weightStorage is null");
      }
    }

    /** BF16 storage, tokenizer loaded. */
    public static LoadOptions defaults() {
      return new LoadOptions(WeightStorage.BF16, true);
    }

    public LoadOptions withWeightStorage(WeightStorage storage) {
      return new LoadOptions(storage, loadTokenizer);
    }

    public LoadOptions withTokenizer(boolean load) {
      return new LoadOptions(weightStorage, load);
    }
  }

  /**
   * How one request generates.
   *
   * @param maxNewTokens at most this many new tokens (at least 1)
   * @param sampling greedy or sampled ({@link Sampling}); token n of a request uses draw counter n
   * @param stopIds ids that end generation (the one generated is kept in the output, as Hugging
   *     Face's {@code generate} keeps its EOS); null: the model's {@link #stopIds()}
   */
  public record GenerateOptions(int maxNewTokens, Sampling sampling, int[] stopIds) {
    /** Checks the ranges; copies stopIds. */
    public GenerateOptions {
      if (maxNewTokens < 1) {
        throw new MosException(
            Status.INVALID_ARGUMENT,
            "GenerateOptions: maxNewTokens must be" + " >= 1, got " + maxNewTokens);
      }
      if (sampling == null) {
        throw new MosException(Status.NULL_POINTER, "GenerateOptions: sampling is null");
      }
      stopIds = stopIds == null ? null : stopIds.clone();
    }

    /** Greedy decoding of up to {@code maxNewTokens} tokens, stopping at the model's EOS ids. */
    public static GenerateOptions greedy(int maxNewTokens) {
      return new GenerateOptions(maxNewTokens, Sampling.greedy(), null);
    }

    public GenerateOptions withSampling(Sampling s) {
      return new GenerateOptions(maxNewTokens, s, stopIds);
    }

    /** These stop ids instead of the model's (an empty array: none). */
    public GenerateOptions withStopIds(int... ids) {
      return new GenerateOptions(maxNewTokens, sampling, ids);
    }
  }

  /**
   * One request of a batched {@link #generate(List, AdapterBank, TokenListener)}.
   *
   * @param prompt the prompt's token ids (at least one)
   * @param options how it generates
   * @param adapterId an adapter of the bank, or −1 for the base model alone (without a bank: −1,
   *     and the attached adapter applies)
   */
  public record Request(int[] prompt, GenerateOptions options, int adapterId) {
    public Request {
      if (prompt == null || options == null) {
        throw new MosException(Status.NULL_POINTER, "Request: prompt or options is null");
      }
      prompt = prompt.clone();
    }
  }

  /** Why a generation ended. */
  public enum FinishReason {
    /** maxNewTokens were generated. */
    LENGTH,
    /** A stop id was generated (it is the last id). */
    STOP_ID,
    /** The {@link TokenListener} asked to stop. */
    STOPPED
  }

  /**
   * A finished generation.
   *
   * @param ids the generated ids (the prompt not included; a stop id that ended it included)
   * @param text their text ({@link Tokenizer#decode} without special tokens) when the model has
   *     a tokenizer
   * @param finishReason why it ended
   */
  public record Generation(int[] ids, Optional<String> text, FinishReason finishReason) {}

  /** Receives each generated token as soon as it exists, on the generating thread. */
  @FunctionalInterface
  public interface TokenListener {
    /**
     * @param request the request's index (0 for a single prompt)
     * @param token the token id
     * @param text the text this token completes ("" while a multi-byte character is incomplete,
     *     and always without a tokenizer; special tokens give "")
     * @return true to stop this request after this token
     */
    boolean onToken(int request, int token, String text);
  }

  private final MosContext context;
  private final Path directory;
  private final LlamaConfig config;
  private final List<Integer> eosTokenIds;
  private final Decoder decoder;
  private final Tokenizer tokenizer;
  private final List<String> notes;
  private MosModel adapter; // guarded by this

  private LlamaModel(
      MosContext context,
      Path directory,
      LlamaConfig config,
      List<Integer> eosTokenIds,
      Decoder decoder,
      Tokenizer tokenizer,
      List<String> notes) {
    this.context = context;
    this.directory = directory;
    this.config = config;
    this.eosTokenIds = List.copyOf(eosTokenIds);
    this.decoder = decoder;
    this.tokenizer = tokenizer;
    this.notes = List.copyOf(notes);
  }

  // ---- loading
  // -------------------------------------------------------------------------------------

  /** {@link #load(MosContext, Path, LoadOptions)} with BF16 storage and the tokenizer. */
  public static LlamaModel load(MosContext ctx, Path dir) {
    return load(ctx, dir, LoadOptions.defaults());
  }

  /**
   * Loads the checkpoint directory {@code dir} into a decoder on {@code ctx} (see the class
   * comment). A downloaded Hugging Face model works as it is: the directory {@code
   * huggingface-cli download} writes, or a hub cache snapshot ({@code
   * ~/.cache/huggingface/hub/models--.../snapshots/<rev>}).
   *
   * @throws MosFileException naming the file, tensor and problem for a bad checkpoint (nothing
   *     is allocated then); MosException OUT_OF_MEMORY when the weights do not fit
   */
  public static LlamaModel load(MosContext ctx, Path dir, LoadOptions options) {
    if (ctx == null || dir == null || options == null) {
      throw new MosException(Status.NULL_POINTER, "LlamaModel.load: ctx, dir or options is null");
    }
    try (HfCheckpoint ckpt = HfCheckpoint.open(dir)) {
      LlamaConfig c = ckpt.config();
      DType storage =
          switch (options.weightStorage()) {
            case BF16 -> DType.BF16;
            case F32 -> DType.F32;
            case AS_CHECKPOINT ->
              ckpt.dtypes().contains(Dtype.F32) || ckpt.dtypes().contains(Dtype.F16)
                  ? DType.F32
                  : DType.BF16;
          };
      Tokenizer tok = options.loadTokenizer() && Files.isRegularFile(dir.resolve("tokenizer.json"))
          ? Tokenizer.load(dir)
          : null;
      Decoder dec = Decoder.create(ctx, decoderConfig(c, storage));
      try {
        List<Decoder.WeightInfo> expected = dec.weights();
        List<LlamaConfig.TensorSpec> specs = c.tensors();
        for (int i = 0; i < Math.max(expected.size(), specs.size()); i++) {
          Decoder.WeightInfo w = i < expected.size() ? expected.get(i) : null;
          LlamaConfig.TensorSpec s = i < specs.size() ? specs.get(i) : null;
          if (w == null
              || s == null
              || !w.name().equals(s.name())
              || w.rows() != s.rows()
              || w.cols() != s.cols()) {
            throw new MosException(
                Status.INTERNAL,
                "LlamaModel.load: libmos's decoder expects "
                    + (w == null
                        ? "no weight "
                        : w.name() + " [" + w.rows() + " x " + w.cols() + "] ")
                    + "at position " + i + " but LlamaConfig lists " + (s == null ? "none" : s));
          }
        }
        ckpt.forEachTensor(
            (t, data) -> dec.setWeight(t.name(), sourceDtype(t.dtype()), t.rows(), t.cols(), data));
        for (Decoder.WeightInfo w : dec.weights()) {
          if (!w.isSet()) {
            throw new MosFileException(dir, w.name(), "was never loaded into the decoder");
          }
        }
      } catch (RuntimeException e) {
        dec.close();
        throw e;
      }
      return new LlamaModel(ctx, dir, c, ckpt.eosTokenIds(), dec, tok, ckpt.notes());
    }
  }

  /** The decoder configuration of {@code c} with matrices stored in {@code weightDtype}. */
  public static DecoderConfig decoderConfig(LlamaConfig c, DType weightDtype) {
    LlamaConfig.Rope r = c.rope();
    DecoderConfig.Builder b = DecoderConfig.builder()
        .vocabSize(c.vocabSize())
        .hiddenSize(c.hiddenSize())
        .intermediateSize(c.intermediateSize())
        .numLayers(c.numLayers())
        .numHeads(c.numHeads())
        .numKvHeads(c.numKvHeads())
        .headDim(c.headDim())
        .maxPositions(c.maxPositions())
        .rmsNormEps((float) c.rmsNormEps())
        .ropeTheta((float) r.theta())
        .qkvBias(c.qkvBias())
        .oBias(c.oBias())
        .tieWordEmbeddings(c.tieWordEmbeddings())
        .weightDtype(weightDtype);
    if (r.type() == LlamaConfig.RopeType.LLAMA3) {
      b.rope(
          DecoderConfig.RopeType.LLAMA3,
          (float) r.factor(),
          (float) r.lowFreqFactor(),
          (float) r.highFreqFactor(),
          r.originalMaxPositions());
    }
    return b.build();
  }

  private static Decoder.SourceDtype sourceDtype(Dtype d) {
    return switch (d) {
      case F32 -> Decoder.SourceDtype.F32;
      case BF16 -> Decoder.SourceDtype.BF16;
      case F16 -> Decoder.SourceDtype.F16;
      default ->
        throw new MosException(Status.INTERNAL, "HfCheckpoint let dtype " + d + " through");
    };
  }

  // ---- what it is
  // ----------------------------------------------------------------------------------

  /** The context the decoder lives in. */
  public MosContext context() {
    return context;
  }

  /** The checkpoint directory as given to {@link #load}. */
  public Path directory() {
    return directory;
  }

  /** The directory's name: the adapter's {@code base_model} when saving. */
  public String name() {
    Path n = directory.toAbsolutePath().normalize().getFileName();
    return n == null ? directory.toString() : n.toString();
  }

  /** The architecture (as {@link HfCheckpoint#config()} gives it). */
  public LlamaConfig config() {
    return config;
  }

  /** The decoder (the C ABI's level: weights, steps, generation). */
  public Decoder decoder() {
    return decoder;
  }

  /** How the matrices are stored. */
  public DType weightDtype() {
    return decoder.config().weightDtype();
  }

  /** The tokenizer, when the directory has one and it was loaded. */
  public Optional<Tokenizer> tokenizer() {
    return Optional.ofNullable(tokenizer);
  }

  /** The checkpoint's EOS ids: generation_config.json's {@code eos_token_id}, else config.json's. */
  public List<Integer> eosTokenIds() {
    return eosTokenIds;
  }

  /**
   * The ids that end generation by default: the tokenizer's {@link Tokenizer#eosIds()} when there
   * is one (its EOS token and the checkpoint's), else {@link #eosTokenIds()}.
   */
  public int[] stopIds() {
    Set<Integer> ids = new LinkedHashSet<>(eosTokenIds);
    if (tokenizer != null) ids.addAll(tokenizer.eosIds());
    return ids.stream().mapToInt(Integer::intValue).toArray();
  }

  /** What loading accepted but ignored ({@link HfCheckpoint#notes()}). */
  public List<String> notes() {
    return notes;
  }

  // ---- adapters
  // ------------------------------------------------------------------------------------

  /**
   * The module path of {@code projection} in this family, with {@code {layer}} for the block:
   * {@code model.layers.{layer}.self_attn.q_proj} ... {@code model.layers.{layer}.mlp.down_proj}.
   */
  public static String modulePath(String projection) {
    return "model.layers." + PoolSpec.LAYER_PLACEHOLDER + "." + parentModule(projection) + "."
        + projection;
  }

  /** {@code self_attn} or {@code mlp}. */
  static String parentModule(String projection) {
    return switch (projection) {
      case "q_proj", "k_proj", "v_proj", "o_proj" -> "self_attn";
      case "gate_proj", "up_proj", "down_proj" -> "mlp";
      default ->
        throw new MosException(
            Status.INVALID_ARGUMENT,
            "unknown projection '" + projection + "' (projections: " + PROJECTIONS + ")");
    };
  }

  /** Every projection's module path, by projection. */
  public static Map<String, String> modulePaths() {
    Map<String, String> m = new LinkedHashMap<>();
    for (String p : PROJECTIONS) m.put(p, modulePath(p));
    return m;
  }

  /** {d_in, d_out} of {@code projection} in a model of {@code c}. */
  public static int[] projectionShape(LlamaConfig c, String projection) {
    return switch (projection) {
      case "q_proj" -> new int[] {c.hiddenSize(), c.qDim()};
      case "k_proj", "v_proj" -> new int[] {c.hiddenSize(), c.kvDim()};
      case "o_proj" -> new int[] {c.qDim(), c.hiddenSize()};
      case "gate_proj", "up_proj" -> new int[] {c.hiddenSize(), c.intermediateSize()};
      case "down_proj" -> new int[] {c.intermediateSize(), c.hiddenSize()};
      default ->
        throw new MosException(
            Status.INVALID_ARGUMENT,
            "unknown projection '" + projection + "' (projections: " + PROJECTIONS + ")");
    };
  }

  /** {@link #attachNewAdapter(MosConfig, Collection, AdamW.Builder)} with the default AdamW. */
  public MosModel attachNewAdapter(MosConfig config, Collection<String> projections) {
    return attachNewAdapter(config, projections, AdamW.builder());
  }

  /**
   * Attaches a new trainable MoS adapter: one pool group per projection in {@code projections}
   * (any of {@link #PROJECTIONS}, in any order), initialised and routed from {@code config}'s
   * seed as {@link MosModel#addPool} does, and an AdamW from {@code optimizer}. The decoder's
   * dropout generator starts at {@code (MosModel.deriveSeed(config.seed(), "decoder", 0), 0)}.
   *
   * @return the adapter's MosModel (owned by this model)
   * @throws MosException INVALID_STATE when an adapter is attached or the model is merged;
   *     INVALID_ARGUMENT for an unknown or repeated projection or a config that does not fit
   */
  public synchronized MosModel attachNewAdapter(
      MosConfig config, Collection<String> projections, AdamW.Builder optimizer) {
    String fn = "LlamaModel.attachNewAdapter";
    if (config == null || projections == null || optimizer == null) {
      throw new MosException(
          Status.NULL_POINTER, fn + ": config, projections or optimizer is null");
    }
    requireNoAdapter(fn);
    List<String> order = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    for (String p : projections) {
      if (p == null || !PROJECTIONS.contains(p)) {
        throw new MosException(
            Status.INVALID_ARGUMENT,
            fn + ": unknown projection '" + p + "' (projections: " + PROJECTIONS + ")");
      }
      if (!seen.add(p)) {
        throw new MosException(
            Status.INVALID_ARGUMENT, fn + ": projection '" + p + "' is given" + " twice");
      }
    }
    if (seen.isEmpty()) {
      throw new MosException(Status.INVALID_ARGUMENT, fn + ": no projection to adapt");
    }
    for (String p : PROJECTIONS) if (seen.contains(p)) order.add(p);
    MosModel m = MosModel.create(context, config, this.config.numLayers(), optimizer);
    try {
      for (String p : order) {
        int[] s = projectionShape(this.config, p);
        m.addPool(p, s[0], s[1]);
      }
      attach(m, MosModel.deriveSeed(config.seed(), "decoder", 0));
      return m;
    } catch (RuntimeException e) {
      m.close();
      throw e;
    }
  }

  /** {@link #loadAdapter(Path, AdamW.Builder)} with the default AdamW. */
  public MosModel loadAdapter(Path dir) {
    return loadAdapter(dir, AdamW.builder());
  }

  /**
   * Reads the adapter in {@code dir} ({@link #readAdapter}) and attaches it, trainable further
   * with an AdamW from {@code optimizer}.
   *
   * @return the adapter's MosModel (owned by this model)
   */
  public synchronized MosModel loadAdapter(Path dir, AdamW.Builder optimizer) {
    requireNoAdapter("LlamaModel.loadAdapter");
    return attachAdapter(readAdapter(dir), optimizer);
  }

  /**
   * Attaches {@code adapter} (whose pool groups {@link #checkAdapter} matches to this model's
   * projections by module path).
   *
   * @return the adapter's MosModel (owned by this model)
   */
  public synchronized MosModel attachAdapter(MosAdapter adapter, AdamW.Builder optimizer) {
    String fn = "LlamaModel.attachAdapter";
    if (adapter == null || optimizer == null) {
      throw new MosException(Status.NULL_POINTER, fn + ": adapter or optimizer is null");
    }
    requireNoAdapter(fn);
    MosModel m = checkAdapter(adapter).toModel(context, optimizer);
    try {
      attach(m, MosModel.deriveSeed(0, "decoder", 0));
      return m;
    } catch (RuntimeException e) {
      m.close();
      throw e;
    }
  }

  /**
   * Reads an adapter directory for this model: a mos adapter ({@link MosAdapter#load}) or a PEFT
   * LoRA ({@link PeftLora#read}), told apart by adapter_config.json's {@code peft_type} (another
   * PEFT type is refused naming it); its pool
   * groups matched to this model's projections ({@link #checkAdapter}).
   *
   * @throws MosFileException for a bad or foreign adapter, naming the file and the problem
   */
  public MosAdapter readAdapter(Path dir) {
    if (dir == null)
      throw new MosException(Status.NULL_POINTER, "LlamaModel.readAdapter: dir is null");
    Path d = AdapterFormat.adapterDirectory(dir);
    String type = PeftLora.peftType(d);
    // A mos adapter says "MOS"; anything else PEFT wrote goes to PeftLora, which reads LORA and
    // names any other type it refuses.
    MosAdapter a = type == null || type.equals(AdapterFormat.PEFT_TYPE)
        ? MosAdapter.load(d)
        : PeftLora.read(d, config);
    try {
      return checkAdapter(a);
    } catch (MosFileException e) {
      throw e;
    } catch (MosException e) {
      throw new MosFileException(d.resolve(AdapterFormat.CONFIG_FILE), e.getMessage());
    }
  }

  /**
   * {@code adapter} with its pool groups named after the projections they adapt, matched by module
   * path: each pool group's {@code module_path} must be one of {@link #modulePaths()} (at most once),
   * with this model's d_in, d_out and number of blocks.
   *
   * @throws MosException INVALID_ARGUMENT naming the pool group and what does not match
   */
  public MosAdapter checkAdapter(MosAdapter adapter) {
    AdapterConfig c = adapter.config();
    Map<String, String> byPath = new LinkedHashMap<>();
    for (String p : PROJECTIONS) byPath.put(modulePath(p), p);
    if (c.numLayers() != config.numLayers()) {
      throw new MosException(
          Status.INVALID_ARGUMENT,
          "the adapter has " + c.numLayers()
              + " blocks but " + name() + " has " + config.numLayers() + ": an adapter of another"
              + " model (base_model " + c.baseModel() + ")");
    }
    AdapterConfig.Builder b = AdapterConfig.builder()
        .r(c.r())
        .equivalentRank(c.equivalentRank())
        .privateRank(c.privateRank())
        .shardsPerVector(c.shardsPerVector())
        .loraAlpha(c.loraAlpha())
        .loraDropout(c.loraDropout())
        .numLayers(c.numLayers())
        .baseModel(c.baseModel())
        .metadata(c.metadata());
    Map<String, org.mos.io.PoolData> pools = new LinkedHashMap<>();
    for (Map.Entry<String, PoolSpec> e : c.pools().entrySet()) {
      PoolSpec s = e.getValue();
      String proj = byPath.get(s.modulePath());
      if (proj == null) {
        throw new MosException(
            Status.INVALID_ARGUMENT,
            "pool group '" + e.getKey()
                + "' has module_path '" + s.modulePath() + "', which is none of this model's"
                + " projections (" + String.join(", ", byPath.keySet()) + ")");
      }
      if (pools.containsKey(proj)) {
        throw new MosException(Status.INVALID_ARGUMENT, "two pool groups adapt " + proj);
      }
      int[] shape = projectionShape(config, proj);
      if (s.inFeatures() != shape[0] || s.outFeatures() != shape[1]) {
        throw new MosException(
            Status.INVALID_ARGUMENT,
            "pool group '" + e.getKey() + "' ("
                + proj + ") is " + s.inFeatures() + " -> " + s.outFeatures() + " but " + name()
                + "'s " + proj + " is " + shape[0] + " -> " + shape[1] + ": an adapter of another"
                + " model (base_model " + c.baseModel() + ")");
      }
      b.pool(proj, s.inFeatures(), s.outFeatures(), s.modulePath());
      pools.put(proj, adapter.pools().get(e.getKey()));
    }
    return new MosAdapter(b.build(), pools);
  }

  /**
   * Adds the adapter in {@code dir} (mos or PEFT LoRA, {@link #readAdapter}) to {@code bank}
   * under this model's projection names, for per-sequence adapters in {@link #step} and
   * {@link #generate(List, AdapterBank, TokenListener)}.
   *
   * @return its id in the bank
   */
  public int addAdapterTo(AdapterBank bank, Path dir) {
    return addAdapterTo(bank, readAdapter(dir));
  }

  /** {@link #addAdapterTo(AdapterBank, Path)} for an adapter in memory. */
  public int addAdapterTo(AdapterBank bank, MosAdapter adapter) {
    if (bank == null || adapter == null) {
      throw new MosException(
          Status.NULL_POINTER, "LlamaModel.addAdapterTo: bank or adapter is null");
    }
    return checkAdapter(adapter).addTo(bank);
  }

  /** The attached adapter, if any. */
  public synchronized Optional<MosModel> adapter() {
    return Optional.ofNullable(adapter);
  }

  /**
   * Detaches the adapter and closes its MosModel (no adapter: nothing happens).
   *
   * @throws MosException INVALID_STATE while merged
   */
  public synchronized void detachAdapter() {
    if (adapter == null) return;
    if (decoder.isMerged()) {
      throw new MosException(
          Status.INVALID_STATE,
          "LlamaModel.detachAdapter: the adapter is" + " merged; unmerge() first");
    }
    for (String p : adapter.pools().keySet()) decoder.detachPool(p);
    adapter.close();
    adapter = null;
  }

  /**
   * The attached adapter as a {@link MosAdapter}: its pools and indices, module paths of this
   * family, {@code base_model} = {@link #name()}.
   *
   * @param metadata free metadata to record, or null
   */
  public synchronized MosAdapter adapterSnapshot(Map<String, Object> metadata) {
    MosModel m = requireAdapter("LlamaModel.adapterSnapshot");
    return MosAdapter.fromModel(m, modulePaths(), name(), metadata);
  }

  /** Saves the attached adapter into {@code dir} (the mos adapter format, atomically). */
  public void saveAdapter(Path dir) {
    saveAdapter(dir, null);
  }

  /** Saves the attached adapter with {@code metadata}. */
  public void saveAdapter(Path dir, Map<String, Object> metadata) {
    adapterSnapshot(metadata).save(dir);
  }

  /**
   * A {@link Trainer} builder for the attached adapter, with this family's module paths and
   * {@code base_model} set, so the trainer's saves load back here and export to PEFT correctly.
   * The task's {@code trainStep} calls {@link #loss(List, boolean, float)}; store
   * {@link #dropoutState()} in the task's {@code saveState} to resume bit-identically.
   */
  public synchronized Trainer.Builder trainer() {
    MosModel m = requireAdapter("LlamaModel.trainer");
    Trainer.Builder b = Trainer.builder(m).baseModel(name());
    for (String p : m.pools().keySet()) b.modulePath(p, modulePath(p));
    return b;
  }

  /**
   * Folds the attached adapter into the weights (single-adapter serving at the base model's
   * speed). Needs F32 storage.
   *
   * @throws MosException UNSUPPORTED with BF16 storage, INVALID_STATE without an adapter or when
   *     merged already
   */
  public synchronized void merge() {
    String fn = "LlamaModel.merge";
    if (weightDtype() != DType.F32) {
      throw new MosException(
          Status.UNSUPPORTED,
          fn + ": the weights are stored in "
              + weightDtype() + ", from which W could not be recovered after merging; load with"
              + " LoadOptions weight storage F32 to merge (or serve the adapter unmerged)");
    }
    requireAdapter(fn);
    decoder.merge();
  }

  /** Takes the merged adapter out of the weights again. INVALID_STATE when not merged. */
  public synchronized void unmerge() {
    decoder.unmerge();
  }

  /** Whether the adapter is merged into the weights. */
  public boolean isMerged() {
    return decoder.isMerged();
  }

  private void attach(MosModel m, long dropoutSeed) {
    List<String> done = new ArrayList<>();
    try {
      for (Map.Entry<String, ShardPool> e : m.pools().entrySet()) {
        decoder.attachPool(e.getKey(), e.getValue());
        done.add(e.getKey());
      }
      decoder.setDropoutState(dropoutSeed, 0);
    } catch (RuntimeException ex) {
      for (String p : done) decoder.detachPool(p);
      throw ex;
    }
    adapter = m;
  }

  private void requireNoAdapter(String fn) {
    requireOpen(fn);
    if (adapter != null) {
      throw new MosException(
          Status.INVALID_STATE,
          fn + ": an adapter is attached already;" + " detachAdapter() first");
    }
  }

  private MosModel requireAdapter(String fn) {
    requireOpen(fn);
    if (adapter == null) {
      throw new MosException(Status.INVALID_STATE, fn + ": no adapter is attached");
    }
    return adapter;
  }

  private void requireOpen(String fn) {
    if (decoder.isClosed()) throw new MosClosedException("LlamaModel");
  }

  // ---- training and scoring
  // ----------------------------------------------------------------------

  /**
   * Loss of a batch of examples (each one sequence; {@code lossMask[i]} says whether predicting
   * {@code tokens[i]} counts), optionally with backward into the attached pools: see
   * {@link Decoder#loss}. For a training step: zero the gradients, call this per micro-batch with
   * {@code gradScale = 1 / target tokens of the whole step}, then clip and step.
   */
  public Decoder.Loss loss(List<Example> examples, boolean backward, float gradScale) {
    if (examples == null)
      throw new MosException(Status.NULL_POINTER, "LlamaModel.loss: examples is null");
    int[][] t = new int[examples.size()][];
    boolean[][] m = new boolean[examples.size()][];
    for (int i = 0; i < t.length; i++) {
      t[i] = examples.get(i).tokens();
      m[i] = examples.get(i).lossMask();
    }
    return loss(t, m, backward, gradScale);
  }

  /**
   * {@link #loss(List, boolean, float)} on plain arrays: sequence i is {@code tokens[i]}, and
   * {@code lossMask[i][t]} says whether predicting {@code tokens[i][t]} from the tokens before it
   * counts ({@code lossMask[i][0]} is ignored: nothing predicts the first token).
   */
  public Decoder.Loss loss(
      int[][] tokens, boolean[][] lossMask, boolean backward, float gradScale) {
    String fn = "LlamaModel.loss";
    if (tokens == null || lossMask == null) {
      throw new MosException(Status.NULL_POINTER, fn + ": tokens or lossMask is null");
    }
    if (tokens.length != lossMask.length) {
      throw new MosException(
          Status.SHAPE_MISMATCH,
          fn + ": " + tokens.length + " sequences but " + lossMask.length + " masks");
    }
    Packed p = pack(fn, tokens, lossMask, 0, tokens.length);
    return decoder.loss(p.lengths, p.tokens, p.targets, backward, gradScale);
  }

  /**
   * The summed negative log-likelihood of every position t ≥ 1 of every sequence,
   * −ln p(s[t] | s[&lt;t]), and the number of such positions (a sequence of one token adds
   * none). Inference mode; many sequences run in chunks of about 4,096 tokens.
   */
  public Decoder.Loss score(int[][] sequences) {
    String fn = "LlamaModel.score";
    if (sequences == null) throw new MosException(Status.NULL_POINTER, fn + ": sequences is null");
    Decoder.Loss total = new Decoder.Loss(0, 0);
    int start = 0;
    while (start < sequences.length) {
      int end = start;
      long tokens = 0;
      while (end < sequences.length
          && (end == start || tokens + lengthOf(fn, sequences, end) <= SCORE_CHUNK_TOKENS)) {
        tokens += lengthOf(fn, sequences, end);
        end++;
      }
      Packed p = pack(fn, sequences, null, start, end);
      if (p.lengths.length > 0) {
        total = total.plus(decoder.loss(p.lengths, p.tokens, p.targets, false, 1f));
      }
      start = end;
    }
    return total;
  }

  /**
   * {@link #score} as one number: the mean −ln p over all scored positions, pooled over the
   * sequences (nats per token).
   *
   * @throws MosException INVALID_ARGUMENT when no sequence has two tokens
   */
  public double meanNll(int[][] sequences) {
    Decoder.Loss l = score(sequences);
    if (l.count() == 0) {
      throw new MosException(
          Status.INVALID_ARGUMENT,
          "LlamaModel.meanNll: no position to score" + " (every sequence has fewer than 2 tokens)");
    }
    return l.mean();
  }

  /** The logits of every position of one sequence, row-major [tokens.length x vocab]. */
  public float[] logits(int[] tokens) {
    if (tokens == null)
      throw new MosException(Status.NULL_POINTER, "LlamaModel.logits: tokens is null");
    return decoder.logits(new int[] {tokens.length}, tokens);
  }

  /** The dropout generator's state, for checkpoints ({@link Decoder#dropoutState()}). */
  public MosLinear.DropoutState dropoutState() {
    return decoder.dropoutState();
  }

  /** Restores the dropout generator ({@link Decoder#setDropoutState}). */
  public void setDropoutState(MosLinear.DropoutState state) {
    if (state == null)
      throw new MosException(Status.NULL_POINTER, "LlamaModel.setDropoutState: state is null");
    decoder.setDropoutState(state.seed(), state.counter());
  }

  /** Recompute each block in backward instead of keeping its activations (less memory). */
  public void setRecompute(boolean on) {
    decoder.setRecompute(on);
  }

  private static int lengthOf(String fn, int[][] seqs, int i) {
    if (seqs[i] == null)
      throw new MosException(Status.NULL_POINTER, fn + ": sequence " + i + " is null");
    return seqs[i].length;
  }

  /** Sequences [from, to) packed; empty sequences skipped; targets from masks (or all). */
  private Packed pack(String fn, int[][] seqs, boolean[][] masks, int from, int to) {
    int n = 0;
    long total = 0;
    for (int i = from; i < to; i++) {
      int len = lengthOf(fn, seqs, i);
      if (masks != null) {
        if (masks[i] == null)
          throw new MosException(Status.NULL_POINTER, fn + ": mask " + i + " is null");
        if (masks[i].length != len) {
          throw new MosException(
              Status.SHAPE_MISMATCH,
              fn + ": sequence " + i + " has " + len + " tokens but its mask " + masks[i].length
                  + " entries");
        }
      }
      if (len > config.maxPositions()) {
        throw new MosException(
            Status.INVALID_ARGUMENT,
            fn + ": sequence " + i + " has " + len + " tokens, more than the model's "
                + config.maxPositions() + " positions");
      }
      if (len > 0) {
        n++;
        total += len;
      }
    }
    if (total > Integer.MAX_VALUE - 8) {
      throw new MosException(Status.INVALID_ARGUMENT, fn + ": " + total + " tokens in one call");
    }
    Packed p = new Packed(new int[n], new int[(int) total], new int[(int) total]);
    int s = 0;
    int at = 0;
    for (int i = from; i < to; i++) {
      int[] t = seqs[i];
      if (t.length == 0) continue;
      p.lengths[s++] = t.length;
      for (int j = 0; j < t.length; j++) {
        boolean counts = j + 1 < t.length && (masks == null || masks[i][j + 1]);
        p.tokens[at + j] = t[j];
        p.targets[at + j] = counts ? t[j + 1] : -1;
      }
      at += t.length;
    }
    return p;
  }

  private record Packed(int[] lengths, int[] tokens, int[] targets) {}

  // ---- inference
  // -----------------------------------------------------------------------------------

  /**
   * A KV cache for {@link #step} with room for {@code capacityTokens} tokens over all sequences
   * ({@link Decoder#kvBytesPerToken()} bytes each). The caller closes it.
   */
  public KvCache newKvCache(long capacityTokens) {
    return decoder.newKvCache(capacityTokens);
  }

  /**
   * One step through {@code cache} with the attached adapter on every sequence (a server's
   * building block): sequence {@code seqIds[i]} gets {@code lengths[i]} new tokens (a prefill
   * chunk or one decode token), all concatenated in {@code tokens}; returns each sequence's logits
   * at its last new token, [seqIds.length x vocab]. See {@link Decoder#step}.
   */
  public float[] step(KvCache cache, int[] seqIds, int[] lengths, int[] tokens) {
    return decoder.step(cache, seqIds, lengths, tokens);
  }

  /**
   * One step with a per-sequence adapter: {@code adapterIds[i]} is an adapter of {@code bank}
   * ({@link #addAdapterTo}) or −1 for the base model alone. See {@link Decoder#step}.
   */
  public float[] step(
      KvCache cache,
      AdapterBank bank,
      int[] seqIds,
      int[] lengths,
      int[] tokens,
      int[] adapterIds) {
    return decoder.step(cache, bank, seqIds, lengths, tokens, adapterIds);
  }

  /** Greedy or sampled continuation of {@code prompt} without a listener. */
  public Generation generate(int[] prompt, GenerateOptions options) {
    return generate(prompt, options, null);
  }

  /**
   * Generates a continuation of {@code prompt} (token ids) with the attached adapter, if any,
   * calling {@code listener} (may be null) for each token as it is generated.
   */
  public Generation generate(int[] prompt, GenerateOptions options, TokenListener listener) {
    if (prompt == null || options == null) {
      throw new MosException(Status.NULL_POINTER, "LlamaModel.generate: prompt or options is null");
    }
    return generate(List.of(new Request(prompt, options, -1)), null, listener).get(0);
  }

  /**
   * Generates a continuation of {@code prompt} text: {@link #promptIds(String)}, so the prompt
   * starts as a training example's prompt does (BOS where the tokenizer adds one) and is not
   * closed by the tokenizer's suffix.
   *
   * @throws MosException INVALID_STATE when the model has no tokenizer
   */
  public Generation generate(String prompt, GenerateOptions options, TokenListener listener) {
    if (prompt == null)
      throw new MosException(Status.NULL_POINTER, "LlamaModel.generate: prompt is null");
    if (tokenizer == null) {
      throw new MosException(
          Status.INVALID_STATE,
          "LlamaModel.generate: " + directory
              + " has no tokenizer.json (or it was not loaded); pass token ids instead");
    }
    return generate(promptIds(prompt), options, listener);
  }

  /**
   * The ids a text prompt is generated from: the tokenizer's {@link Tokenizer#prefixIds()} (e.g.
   * BOS) then {@code encode(prompt, false)}, the layout of a prompt in a
   * {@code {"prompt", "completion"}} training example. The {@link Tokenizer#suffixIds()} (an EOS
   * that {@code add_eos_token} asks for) are left out: a prompt to continue is not finished.
   *
   * @throws MosException INVALID_STATE when the model has no tokenizer
   */
  public int[] promptIds(String prompt) {
    if (prompt == null)
      throw new MosException(Status.NULL_POINTER, "LlamaModel.promptIds: prompt is null");
    if (tokenizer == null) {
      throw new MosException(
          Status.INVALID_STATE,
          "LlamaModel.promptIds: " + directory
              + " has no tokenizer.json (or it was not loaded); pass token ids instead");
    }
    int[] pre = tokenizer.prefixIds(), text = tokenizer.encode(prompt, false);
    int[] ids = java.util.Arrays.copyOf(pre, pre.length + text.length);
    System.arraycopy(text, 0, ids, pre.length, text.length);
    return ids;
  }

  /**
   * Generates for several requests together (prefill of all prompts, then one decode step for all
   * unfinished ones at a time), each with its own options and adapter: with a {@code bank},
   * request i uses adapter {@code adapterId} of it (or −1: the base model alone); without one,
   * every adapterId must be −1 and the attached adapter applies to all. A request's tokens do not
   * depend on the others in the batch (sampling draws are keyed by request and position).
   *
   * @param listener called per token with the request's index (may be null)
   * @return the generations, in request order
   */
  public List<Generation> generate(
      List<Request> requests, AdapterBank bank, TokenListener listener) {
    String fn = "LlamaModel.generate";
    if (requests == null) throw new MosException(Status.NULL_POINTER, fn + ": requests is null");
    int n = requests.size();
    List<Decoder.GenerateRequest> native_ = new ArrayList<>(n);
    int[] defaults = stopIds();
    List<Set<Integer>> stops = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Request r = requests.get(i);
      if (r == null)
        throw new MosException(Status.NULL_POINTER, fn + ": request " + i + " is null");
      int[] stop = r.options().stopIds() == null ? defaults : r.options().stopIds();
      Set<Integer> s = new LinkedHashSet<>();
      for (int id : stop) s.add(id);
      stops.add(s);
      native_.add(new Decoder.GenerateRequest(
          r.prompt(), r.options().maxNewTokens(), r.options().sampling(), stop, r.adapterId()));
    }
    StreamDecoder[] streams = new StreamDecoder[n];
    if (tokenizer != null && listener != null) {
      for (int i = 0; i < n; i++) streams[i] = tokenizer.streamDecoder(true);
    }
    boolean[] stopped = new boolean[n];
    Decoder.TokenCallback cb = listener == null
        ? null
        : (req, token) -> {
          String text = streams[req] == null ? "" : streams[req].push(token);
          boolean stop = listener.onToken(req, token, text);
          if (stop) stopped[req] = true;
          return stop;
        };
    int[][] out = decoder.generate(bank, native_, cb);
    List<Generation> result = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int[] ids = out[i];
      FinishReason why = stopped[i]
          ? FinishReason.STOPPED
          : ids.length > 0 && stops.get(i).contains(ids[ids.length - 1])
              ? FinishReason.STOP_ID
              : FinishReason.LENGTH;
      Optional<String> text =
          tokenizer == null ? Optional.empty() : Optional.of(tokenizer.decode(ids, true));
      result.add(new Generation(ids, text, why));
    }
    return result;
  }

  // ---- lifetime
  // ------------------------------------------------------------------------------------

  /** Whether {@link #close()} was called. */
  public boolean isClosed() {
    return decoder.isClosed();
  }

  /** Closes the attached adapter's MosModel and the decoder; idempotent. */
  @Override
  public synchronized void close() {
    if (adapter != null) {
      adapter.close();
      adapter = null;
    }
    decoder.close();
  }

  @Override
  public String toString() {
    return "LlamaModel[" + name() + ", " + config.architecture().className() + ", "
        + config.numLayers() + " layers, " + weightDtype()
        + (adapter == null ? "" : ", adapter " + adapter.pools().keySet())
        + (isClosed() ? ", closed" : "") + "]";
  }
}

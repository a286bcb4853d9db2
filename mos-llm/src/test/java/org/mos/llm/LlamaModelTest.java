// SPDX-License-Identifier: Apache-2.0
// LlamaModel's Java API on tiny checkpoints written here (TinyCheckpoint): storage dtypes, single
// file vs sharded, tied; adapters (attach / save / load bit-identical, export to PEFT and back,
// PEFT
// refusals, module-path matching); merge == unmerged within 1e-5; KV-cache steps == recomputation
// within 1e-5; batched generation with mixed bank adapters == each adapter alone (ids equal); the
// listener's order; masked loss == the double-precision sum from the logits; training through the
// Trainer; every bad checkpoint a one-line MosFileException.
package org.mos.llm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mos.llm.LlamaConfigTest.assertOneLine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.AdamW;
import org.mos.AdapterBank;
import org.mos.DType;
import org.mos.Decoder;
import org.mos.KvCache;
import org.mos.MosConfig;
import org.mos.MosContext;
import org.mos.MosException;
import org.mos.MosModel;
import org.mos.PoolArray;
import org.mos.Sampling;
import org.mos.ShardPool;
import org.mos.Status;
import org.mos.io.AdapterConfig;
import org.mos.io.AdapterFormat;
import org.mos.io.LoraExport;
import org.mos.io.MosAdapter;
import org.mos.io.MosFileException;
import org.mos.io.SafeTensors.Dtype;
import org.mos.llm.LlamaModel.GenerateOptions;
import org.mos.llm.LlamaModel.LoadOptions;
import org.mos.llm.LlamaModel.WeightStorage;
import org.mos.llm.data.Example;
import org.mos.train.Rng;
import org.mos.train.Trainer;
import org.mos.train.TrainerConfig;
import org.mos.train.TrainingTask;

class LlamaModelTest {
  /** Logits relative to the largest logit (these tiny random models' logits reach about 10). */
  static final double TOL = 1e-5;

  static final LoadOptions F32 = LoadOptions.defaults().withWeightStorage(WeightStorage.F32);
  /** r 4 from R_eq 2, p 1, l 2 over the tiny model's 4 blocks. */
  static final MosConfig MOS = MosConfig.builder()
      .rank(4)
      .equivalentRank(2)
      .privateRank(1)
      .shardsPerVector(2)
      .alpha(8)
      .seed(3)
      .build();

  static MosContext ctx;

  @TempDir
  Path tmp;

  @BeforeAll
  static void context() {
    ctx = MosContext.cpu();
  }

  @AfterAll
  static void closeContext() {
    ctx.close();
  }

  /** The tiny 4-block GQA model (hidden 16, 4 heads of 4, 2 KV heads, vocab 32). */
  static ObjectNode config() {
    ObjectNode c = TinyCheckpoint.config();
    c.put("num_hidden_layers", 4);
    return c;
  }

  /** Weights ~ N(0, 0.25²), norm weights ~ 1 + N(0, 0.2²): logits well spread, no overflow. */
  static TinyCheckpoint tiny(ObjectNode config, Dtype dtype, long seed) {
    TinyCheckpoint t = TinyCheckpoint.of(config, dtype, seed);
    for (TinyCheckpoint.Entry e : new ArrayList<>(t.tensors.values())) {
      float[] v = e.values();
      boolean norm = e.name().endsWith("norm.weight");
      for (int i = 0; i < v.length; i++) v[i] = norm ? 1 + 0.2f * v[i] : 0.25f * v[i];
    }
    return t;
  }

  Path tinyDir(String name) throws IOException {
    return tiny(config(), Dtype.F32, 11).write(tmp.resolve(name));
  }

  /** Gaussian values in every pool of the adapter (a new one has pool_B = 0, adding nothing). */
  static void randomize(MosModel adapter, long seed) {
    Random rnd = new Random(seed);
    for (ShardPool p : adapter.pools().values()) {
      for (PoolArray a : new PoolArray[] {PoolArray.POOL_A, PoolArray.POOL_B}) {
        float[] v = new float[p.size(a)];
        for (int i = 0; i < v.length; i++) v[i] = 0.2f * (float) rnd.nextGaussian();
        p.write(a, v);
      }
    }
  }

  static final int[] SEQ = {3, 17, 5, 29, 0, 12, 8, 21, 30, 2, 9};

  /** Every element within {@code tol} relative to the largest magnitude of {@code want}. */
  static void assertClose(float[] want, float[] got, double tol, String what) {
    assertEquals(want.length, got.length, what);
    double worst = 0;
    double scale = 1;
    for (int i = 0; i < want.length; i++) {
      worst = Math.max(worst, Math.abs(want[i] - got[i]));
      scale = Math.max(scale, Math.abs(want[i]));
    }
    assertTrue(
        worst <= tol * scale,
        what + ": worst difference " + worst + " (largest logit " + scale + ")");
  }

  // ---- loading ---------------------------------------------------------------------------------

  @Test
  void loadsSingleFileShardedTiedAndEachStorage() throws IOException {
    TinyCheckpoint t = tiny(config(), Dtype.F32, 11);
    Path single = t.write(tmp.resolve("single"));
    Path sharded = tmp.resolve("sharded");
    t.writeSharded(sharded, 3);
    try (LlamaModel a = LlamaModel.load(ctx, single, F32);
        LlamaModel b = LlamaModel.load(ctx, sharded, F32);
        LlamaModel c = LlamaModel.load(ctx, single)) {
      assertEquals(DType.F32, a.weightDtype());
      assertEquals(DType.BF16, c.weightDtype());
      assertArrayEquals(a.logits(SEQ), b.logits(SEQ), "sharded == single file, bit for bit");
      assertTrue(a.decoder().weights().stream().allMatch(Decoder.WeightInfo::isSet));
      assertEquals("single", a.name());
      assertTrue(a.tokenizer().isEmpty());
      assertArrayEquals(new int[] {1}, a.stopIds());
      // BF16 storage rounds the matrices: close to F32, not equal.
      float[] bf = c.logits(SEQ);
      assertNotEquals(Arrays.toString(a.logits(SEQ)), Arrays.toString(bf));
      assertClose(a.logits(SEQ), bf, 0.05, "bf16 storage");
    }

    ObjectNode tiedConfig = config().put("tie_word_embeddings", true);
    TinyCheckpoint tied = tiny(tiedConfig, Dtype.F16, 5);
    Path tiedDir = tied.write(tmp.resolve("tied-f16"));
    // Oracle: the same weights untied, lm_head = the embedding, stored as F32.
    TinyCheckpoint untied = tiny(config(), Dtype.F32, 5);
    for (TinyCheckpoint.Entry e : tied.tensors.values()) {
      float[] v = e.values().clone();
      for (int i = 0; i < v.length; i++) v[i] = Float.float16ToFloat(Float.floatToFloat16(v[i]));
      untied.tensors.put(
          e.name(), new TinyCheckpoint.Entry(e.name(), Dtype.F32, e.shape(), v, null));
    }
    TinyCheckpoint.Entry emb = untied.tensors.get("model.embed_tokens.weight");
    untied.tensors.put(
        "lm_head.weight",
        new TinyCheckpoint.Entry("lm_head.weight", Dtype.F32, emb.shape(), emb.values(), null));
    Path untiedDir = untied.write(tmp.resolve("untied-f32"));
    try (LlamaModel a = LlamaModel.load(
            ctx, tiedDir, LoadOptions.defaults().withWeightStorage(WeightStorage.AS_CHECKPOINT));
        LlamaModel b = LlamaModel.load(ctx, untiedDir, F32)) {
      assertTrue(a.config().tieWordEmbeddings());
      assertEquals(DType.F32, a.weightDtype(), "F16 weights are stored exactly in F32");
      assertClose(b.logits(SEQ), a.logits(SEQ), TOL, "tied == untied with lm_head = embedding");
    }
  }

  @Test
  void everyBadCheckpointIsOneLine() throws IOException {
    TinyCheckpoint missing = tiny(config(), Dtype.F32, 1);
    missing.tensors.remove("model.layers.2.mlp.up_proj.weight");
    assertRefused(
        missing.write(tmp.resolve("missing")),
        "model.safetensors",
        "model.layers.2.mlp.up_proj.weight");

    TinyCheckpoint extra = tiny(config(), Dtype.F32, 1);
    extra.put("model.layers.0.mlp.extra.weight", Dtype.F32, new long[] {2, 2}, new Random(1));
    assertRefused(
        extra.write(tmp.resolve("extra")), "model.safetensors", "model.layers.0.mlp.extra.weight");

    TinyCheckpoint shape = tiny(config(), Dtype.F32, 1);
    shape.put(
        "model.layers.1.self_attn.k_proj.weight", Dtype.F32, new long[] {16, 16}, new Random(1));
    assertRefused(shape.write(tmp.resolve("shape")), "model.safetensors", "[16, 16]");

    assertRefused(
        tiny(config(), Dtype.F32, 1).write(tmp.resolve("hostile")),
        "config.json",
        "num_hidden_layers",
        c -> c.put("num_hidden_layers", 1_000_000_000));
    assertRefused(
        tiny(config(), Dtype.F32, 1).write(tmp.resolve("yarn")),
        "config.json",
        "yarn",
        c -> ((ObjectNode) c.get("rope_parameters")).put("rope_type", "yarn"));

    MosFileException e =
        assertThrows(MosFileException.class, () -> LlamaModel.load(ctx, tmp.resolve("nope")));
    assertOneLine(e, "nope", "no such directory");
  }

  private void assertRefused(Path dir, String file, String fragment) {
    MosFileException e = assertThrows(MosFileException.class, () -> LlamaModel.load(ctx, dir));
    assertOneLine(e, file, fragment);
  }

  private void assertRefused(
      Path dir, String file, String fragment, java.util.function.Consumer<ObjectNode> edit)
      throws IOException {
    ObjectNode c =
        (ObjectNode) TinyCheckpoint.JSON.readTree(dir.resolve("config.json").toFile());
    edit.accept(c);
    Files.writeString(dir.resolve("config.json"), c.toPrettyString());
    assertRefused(dir, file, fragment);
  }

  // ---- adapters --------------------------------------------------------------------------------

  @Test
  void attachSaveLoadRoundTripGivesIdenticalLogits() throws IOException {
    Path dir = tinyDir("base");
    Path saved = tmp.resolve("adapter");
    float[] adapted;
    try (LlamaModel m = LlamaModel.load(ctx, dir, F32)) {
      float[] base = m.logits(SEQ);
      MosModel a = m.attachNewAdapter(MOS, List.of("v_proj", "q_proj", "down_proj"));
      assertEquals(
          List.of("q_proj", "v_proj", "down_proj"), List.copyOf(a.pools().keySet()));
      assertArrayEquals(base, m.logits(SEQ), "a new adapter (pool_B = 0) adds nothing");
      randomize(a, 7);
      adapted = m.logits(SEQ);
      assertNotEquals(Arrays.toString(base), Arrays.toString(adapted));
      m.saveAdapter(saved);
      MosException twice =
          assertThrows(MosException.class, () -> m.attachNewAdapter(MOS, List.of("k_proj")));
      assertEquals(Status.INVALID_STATE, twice.status());
      m.detachAdapter();
      assertArrayEquals(base, m.logits(SEQ), "detached");
    }
    AdapterConfig c = AdapterFormat.readConfig(saved);
    assertEquals("base", c.baseModel());
    assertEquals("model.layers.{layer}.self_attn.q_proj", c.pool("q_proj").modulePath());
    assertEquals("model.layers.{layer}.mlp.down_proj", c.pool("down_proj").modulePath());
    try (LlamaModel m = LlamaModel.load(ctx, dir, F32)) {
      m.loadAdapter(saved);
      assertArrayEquals(adapted, m.logits(SEQ), "saved and loaded: bit for bit");

      // The PEFT LoRA export of the same adapter, read back as PEFT: the same function.
      Path peft = tmp.resolve("peft");
      LoraExport.export(m.adapterSnapshot(null), peft, LoraExport.Precision.F32, false);
      m.detachAdapter();
      m.loadAdapter(peft);
      assertEquals(
          MOS.alpha() / MOS.rank(),
          m.adapterSnapshot(null).config().scaling(),
          1e-7,
          "PEFT's lora_alpha / r");
      assertClose(adapted, m.logits(SEQ), TOL, "export-lora output loaded as PEFT LoRA");
    }
  }

  @Test
  void adaptersAreMatchedByModulePathAndForeignOnesRefused() throws IOException {
    Path dir = tinyDir("base");
    try (LlamaModel m = LlamaModel.load(ctx, dir, F32)) {
      MosModel a = m.attachNewAdapter(MOS, List.of("up_proj"));
      randomize(a, 2);
      MosAdapter good = m.adapterSnapshot(null);
      m.detachAdapter();

      // Pool groups named anything: the module path decides.
      AdapterConfig gc = good.config();
      AdapterConfig renamed = AdapterConfig.builder(gc.toMosConfig(0), gc.numLayers())
          .pool("mlp-up", 16, 24, "model.layers.{layer}.mlp.up_proj")
          .build();
      MosAdapter byPath = new MosAdapter(renamed, java.util.Map.of("mlp-up", good.pool("up_proj")));
      Path p = tmp.resolve("renamed");
      byPath.save(p);
      m.loadAdapter(p);
      assertEquals(
          List.of("up_proj"), List.copyOf(m.adapter().orElseThrow().pools().keySet()));
      m.detachAdapter();

      // Trainer's default paths (no self_attn / mlp) are not this model's.
      AdapterConfig wrongPath = AdapterConfig.builder(gc.toMosConfig(0), gc.numLayers())
          .pool("up_proj", 16, 24, "model.layers.{layer}.up_proj")
          .build();
      Path w = tmp.resolve("wrong-path");
      new MosAdapter(wrongPath, good.pools()).save(w);
      MosFileException e = assertThrows(MosFileException.class, () -> m.loadAdapter(w));
      assertOneLine(e, "adapter_config.json", "module_path 'model.layers.{layer}.up_proj'");

      AdapterConfig wrongShape = AdapterConfig.builder(gc.toMosConfig(0), gc.numLayers())
          .pool("up_proj", 16, 32, "model.layers.{layer}.mlp.up_proj")
          .build();
      MosException s = assertThrows(
          MosException.class,
          () -> m.checkAdapter(new MosAdapter(
              wrongShape,
              java.util.Map.of(
                  "up_proj",
                  new org.mos.io.PoolData(
                      new float[good.config().numShards() * 8],
                      new float[16 * good.config().numShards()],
                      good.pool("up_proj").indexA(),
                      good.pool("up_proj").indexB())))));
      assertTrue(
          s.getMessage().contains("16 -> 32") && s.getMessage().contains("16 -> 24"),
          s.getMessage());
      assertTrue(m.adapter().isEmpty(), "nothing attached after a refusal");

      MosException proj =
          assertThrows(MosException.class, () -> m.attachNewAdapter(MOS, List.of("qkv_proj")));
      assertTrue(proj.getMessage().contains("qkv_proj"), proj.getMessage());
    }
  }

  @Test
  void peftLoraRefusalsNameTheKey() throws IOException {
    Path dir = tinyDir("base");
    try (LlamaModel m = LlamaModel.load(ctx, dir, F32)) {
      randomize(m.attachNewAdapter(MOS, List.of("q_proj")), 4);
      Path peft = tmp.resolve("peft");
      LoraExport.export(m.adapterSnapshot(null), peft, LoraExport.Precision.BF16, false);
      m.detachAdapter();
      Path cfg = peft.resolve("adapter_config.json");
      String original = Files.readString(cfg);
      String[][] cases = {
        {"\"use_dora\": false", "\"use_dora\": true", "use_dora"},
        {"\"peft_type\": \"LORA\"", "\"peft_type\": \"IA3\"", "\"IA3\" is not supported"},
        {"\"bias\": \"none\"", "\"bias\": \"all\"", "bias"},
        {"\"modules_to_save\": null", "\"modules_to_save\": [\"lm_head\"]", "modules_to_save"},
        {"\"r\": 4", "\"r\": 3", "expected [3, 16]"}
      };
      for (String[] c : cases) {
        assertTrue(original.contains(c[0]), c[0] + " in " + original);
        Files.writeString(cfg, original.replace(c[0], c[1]));
        MosFileException e = assertThrows(MosFileException.class, () -> m.loadAdapter(peft));
        assertOneLine(e, "peft", c[2]);
      }
      // rslora: lora_alpha / sqrt(r) becomes MoS's alpha / r with alpha = lora_alpha sqrt(r).
      Files.writeString(cfg, original.replace("\"use_rslora\": false", "\"use_rslora\": true"));
      MosAdapter rs = m.readAdapter(peft);
      assertEquals(MOS.alpha() / Math.sqrt(4), rs.config().scaling(), 1e-6);
      assertTrue(m.adapter().isEmpty());
    }
  }

  @Test
  void mergedEqualsUnmergedInF32AndBf16Refuses() throws IOException {
    Path dir = tinyDir("base");
    try (LlamaModel m = LlamaModel.load(ctx, dir, F32)) {
      MosException none = assertThrows(MosException.class, m::merge);
      assertEquals(Status.INVALID_STATE, none.status());
      randomize(m.attachNewAdapter(MOS, LlamaModel.PROJECTIONS), 9);
      float[] unmerged = m.logits(SEQ);
      int[] ids = m.generate(SEQ, GenerateOptions.greedy(8).withStopIds()).ids();
      m.merge();
      assertTrue(m.isMerged());
      assertClose(unmerged, m.logits(SEQ), TOL, "merged");
      assertArrayEquals(
          ids, m.generate(SEQ, GenerateOptions.greedy(8).withStopIds()).ids());
      MosException train = assertThrows(
          MosException.class,
          () -> m.loss(new int[][] {SEQ}, new boolean[][] {new boolean[SEQ.length]}, true, 1f));
      assertEquals(Status.INVALID_STATE, train.status());
      m.unmerge();
      assertClose(unmerged, m.logits(SEQ), TOL, "unmerged");
    }
    try (LlamaModel m = LlamaModel.load(ctx, dir)) {
      m.attachNewAdapter(MOS, List.of("q_proj"));
      MosException e = assertThrows(MosException.class, m::merge);
      assertEquals(Status.UNSUPPORTED, e.status());
      assertTrue(e.getMessage().contains("BF16") && e.getMessage().contains("F32"), e.getMessage());
    }
  }

  // ---- inference -------------------------------------------------------------------------------

  @Test
  void kvCacheStepsEqualRecomputation() throws IOException {
    try (LlamaModel m = LlamaModel.load(ctx, tinyDir("base"), F32);
        KvCache cache = m.newKvCache(40)) {
      randomize(m.attachNewAdapter(MOS, List.of("k_proj", "gate_proj")), 5);
      int vocab = m.config().vocabSize();
      int a = cache.addSequence();
      int b = cache.addSequence();
      int[] seqA = Arrays.copyOf(SEQ, 7);
      int[] seqB = {4, 4, 19};
      // Prefill A; then a mixed step: B's prefill chunk and A's first decode token together.
      float[] la = m.step(cache, new int[] {a}, new int[] {7}, seqA);
      assertClose(last(m.logits(seqA), vocab), la, TOL, "prefill");
      List<Integer> genA = new ArrayList<>();
      int next = argmax(la);
      for (int t = 0; t < 6; t++) {
        genA.add(next);
        int[] ctxA = concat(seqA, genA);
        float[] l;
        if (t == 0) {
          l = m.step(cache, new int[] {b, a}, new int[] {3, 1}, new int[] {4, 4, 19, next});
          assertClose(last(m.logits(seqB), vocab), Arrays.copyOf(l, vocab), TOL, "B's prefill");
          l = Arrays.copyOfRange(l, vocab, 2 * vocab);
        } else {
          l = m.step(cache, new int[] {a}, new int[] {1}, new int[] {next});
        }
        assertClose(last(m.logits(ctxA), vocab), l, TOL, "decode step " + t);
        next = argmax(l);
      }
      assertEquals(7 + 6, cache.sequenceLength(a));
      assertEquals(3, cache.sequenceLength(b));
      KvCache.Usage u = cache.usage();
      assertEquals(2, u.numSequences());
      assertEquals(48, u.capacityTokens());
      assertEquals(32, u.usedTokens());
      int[] gen = m.generate(seqA, GenerateOptions.greedy(6).withStopIds()).ids();
      assertArrayEquals(
          genA.stream().mapToInt(Integer::intValue).toArray(), gen, "generate == greedy steps");
      // Full: one free page; 40 more tokens for B (3 held, in one page) need two.
      MosException full = assertThrows(
          MosException.class, () -> m.step(cache, new int[] {b}, new int[] {40}, new int[40]));
      assertEquals(Status.OUT_OF_MEMORY, full.status());
      assertEquals(3, cache.sequenceLength(b), "a refused step changes nothing");
      cache.removeSequence(a);
      assertEquals(1, cache.usage().numSequences());
    }
  }

  @Test
  void batchedGenerationWithMixedAdaptersEqualsPerAdapterRuns() throws IOException {
    Path dir = tinyDir("base");
    Path adA = tmp.resolve("a");
    Path adB = tmp.resolve("b");
    int[] p1 = {1, 2, 3, 4, 5};
    int[] p2 = {9, 8, 7};
    int[] p3 = {20, 21, 22, 23, 24, 25, 26};
    Sampling hot = new Sampling(1.5f, 10, 0.9f, 42);
    List<int[]> alone = new ArrayList<>();
    try (LlamaModel m = LlamaModel.load(ctx, dir, F32)) {
      alone.add(null);
      alone.add(null);
      alone.add(m.generate(p3, GenerateOptions.greedy(9)).ids());
      randomize(m.attachNewAdapter(MOS, List.of("q_proj", "up_proj")), 1);
      m.saveAdapter(adA);
      alone.set(0, m.generate(p1, GenerateOptions.greedy(9)).ids());
      alone.add(m.generate(p2, new GenerateOptions(9, hot, null)).ids());
      m.detachAdapter();
      randomize(m.attachNewAdapter(MOS, List.of("v_proj", "o_proj", "down_proj")), 2);
      m.saveAdapter(adB);
      alone.set(1, m.generate(p2, GenerateOptions.greedy(9)).ids());
      m.detachAdapter();
      assertNotEquals(Arrays.toString(alone.get(0)), Arrays.toString(alone.get(2)));

      try (AdapterBank bank = AdapterBank.create(ctx, 0)) {
        int a = m.addAdapterTo(bank, adA);
        int b = m.addAdapterTo(bank, adB);
        List<LlamaModel.Request> reqs = List.of(
            new LlamaModel.Request(p1, GenerateOptions.greedy(9), a),
            new LlamaModel.Request(p2, GenerateOptions.greedy(9), b),
            new LlamaModel.Request(p3, GenerateOptions.greedy(9), -1),
            new LlamaModel.Request(p2, new GenerateOptions(9, hot, null), a));
        List<int[]> streamed = new ArrayList<>();
        for (int i = 0; i < 4; i++) streamed.add(new int[0]);
        List<LlamaModel.Generation> got = m.generate(reqs, bank, (req, token, text) -> {
          streamed.set(req, concat(streamed.get(req), List.of(token)));
          return false;
        });
        for (int i = 0; i < 4; i++) {
          assertArrayEquals(alone.get(i), got.get(i).ids(), "request " + i);
          assertArrayEquals(got.get(i).ids(), streamed.get(i), "listener order, request " + i);
        }

        // The same through steps: a bank adapter per sequence == the adapter attached.
        try (KvCache cache = m.newKvCache(64)) {
          int s0 = cache.addSequence();
          int s1 = cache.addSequence();
          float[] l = m.step(
              cache,
              bank,
              new int[] {s0, s1},
              new int[] {5, 3},
              concat(p1, List.of(9, 8, 7)),
              new int[] {a, -1});
          m.loadAdapter(adA);
          int vocab = m.config().vocabSize();
          assertClose(last(m.logits(p1), vocab), Arrays.copyOf(l, vocab), TOL, "bank adapter a");
          m.detachAdapter();
          assertClose(
              last(m.logits(p2), vocab), Arrays.copyOfRange(l, vocab, 2 * vocab), TOL, "base");
        }
      }
    }
  }

  @Test
  void listenerStopsAndMayNotReenter() throws IOException {
    try (LlamaModel m = LlamaModel.load(ctx, tinyDir("base"), F32)) {
      List<Integer> seen = new ArrayList<>();
      LlamaModel.Generation g =
          m.generate(SEQ, GenerateOptions.greedy(10).withStopIds(), (req, token, text) -> {
            seen.add(token);
            assertEquals("", text, "no tokenizer: no text");
            return seen.size() == 3;
          });
      assertEquals(LlamaModel.FinishReason.STOPPED, g.finishReason());
      assertEquals(3, g.ids().length);
      assertEquals(seen, Arrays.stream(g.ids()).boxed().toList());
      assertTrue(g.text().isEmpty());

      LlamaModel.Generation full = m.generate(SEQ, GenerateOptions.greedy(10).withStopIds());
      assertEquals(LlamaModel.FinishReason.LENGTH, full.finishReason());
      int stop = full.ids()[4];
      LlamaModel.Generation byStop = m.generate(SEQ, GenerateOptions.greedy(10).withStopIds(stop));
      int at = Arrays.stream(full.ids()).boxed().toList().indexOf(stop);
      assertArrayEquals(Arrays.copyOf(full.ids(), at + 1), byStop.ids(), "stop id kept, last");
      assertEquals(LlamaModel.FinishReason.STOP_ID, byStop.finishReason());

      MosException e = assertThrows(
          MosException.class,
          () -> m.generate(
              SEQ, GenerateOptions.greedy(4), (req, token, text) -> m.logits(SEQ).length > 0));
      assertEquals(Status.INVALID_STATE, e.status());
      assertTrue(e.getMessage().contains("TokenCallback"), e.getMessage());
      IllegalStateException mine = assertThrows(
          IllegalStateException.class,
          () -> m.generate(SEQ, GenerateOptions.greedy(4), (req, token, text) -> {
            throw new IllegalStateException("listener failed");
          }));
      assertEquals("listener failed", mine.getMessage());
      assertEquals(
          4,
          m.generate(SEQ, GenerateOptions.greedy(4).withStopIds()).ids().length,
          "usable afterwards");
      MosException tooLong =
          assertThrows(MosException.class, () -> m.generate(SEQ, GenerateOptions.greedy(60)));
      assertTrue(tooLong.getMessage().contains("64"), tooLong.getMessage());
    }
  }

  @Test
  void streamsTextWithTheFixtureTokenizer() {
    Path dir = LlamaConfigTest.fixtures().resolve("llama-gqa-f32");
    try (LlamaModel m = LlamaModel.load(ctx, dir, F32)) {
      assertTrue(m.tokenizer().isPresent());
      StringBuilder pieces = new StringBuilder();
      LlamaModel.Generation g =
          m.generate("hello world", GenerateOptions.greedy(12), (req, token, text) -> {
            pieces.append(text);
            return false;
          });
      String text = g.text().orElseThrow();
      assertEquals(m.tokenizer().get().decode(g.ids(), true), text);
      assertTrue(text.startsWith(pieces.toString()), pieces + " vs " + text);
    }
  }

  // ---- training --------------------------------------------------------------------------------

  @Test
  void maskedLossEqualsTheSumFromTheLogits() throws IOException {
    try (LlamaModel m = LlamaModel.load(ctx, tinyDir("base"), F32)) {
      randomize(m.attachNewAdapter(MOS, List.of("q_proj", "down_proj")), 3);
      int[] s1 = SEQ;
      int[] s2 = {7, 7, 1, 30, 2};
      boolean[] m1 = new boolean[s1.length];
      boolean[] m2 = new boolean[s2.length];
      for (int i = 5; i < s1.length; i++) m1[i] = true;
      m2[2] = m2[4] = true;
      Decoder.Loss l = m.loss(List.of(new Example(s1, m1), new Example(s2, m2)), false, 1f);
      double want = nll(m, s1, m1) + nll(m, s2, m2);
      assertEquals(8, l.count());
      assertEquals(want, l.sum(), 1e-5 * Math.abs(want));
      Decoder.Loss all = m.score(new int[][] {s1, {5}, s2});
      assertEquals(s1.length - 1 + s2.length - 1, all.count());
      boolean[] t1 = new boolean[s1.length];
      boolean[] t2 = new boolean[s2.length];
      Arrays.fill(t1, 1, t1.length, true);
      Arrays.fill(t2, 1, t2.length, true);
      assertEquals(nll(m, s1, t1) + nll(m, s2, t2), all.sum(), 1e-5 * all.sum());
    }
  }

  /** −Σ ln softmax(logits)[next] over the masked positions, in double from the logits. */
  static double nll(LlamaModel m, int[] s, boolean[] mask) {
    float[] l = m.logits(s);
    int v = m.config().vocabSize();
    double sum = 0;
    for (int t = 1; t < s.length; t++) {
      if (!mask[t]) continue;
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < v; j++) max = Math.max(max, l[(t - 1) * v + j]);
      double z = 0;
      for (int j = 0; j < v; j++) z += Math.exp(l[(t - 1) * v + j] - max);
      sum += -(l[(t - 1) * v + s[t]] - max - Math.log(z));
    }
    return sum;
  }

  @Test
  void trainsThroughTheTrainerAndSavesThisModelsPaths() throws IOException {
    Path out = tmp.resolve("trained");
    MosConfig dropout = MOS.toBuilder().dropout(0.1f).build();
    try (LlamaModel m = LlamaModel.load(ctx, tinyDir("base"))) {
      m.attachNewAdapter(
          dropout, List.of("q_proj", "v_proj", "up_proj"), AdamW.builder().lr(2e-2f));
      List<Example> data = List.of(
          new Example(SEQ, mask(SEQ.length)), new Example(new int[] {1, 2, 3, 4, 5, 6}, mask(6)));
      int targets = data.stream().mapToInt(Example::targets).sum();
      double before = m.loss(data, false, 1f).mean();
      var d0 = m.dropoutState();
      TrainingTask task = new TrainingTask() {
        @Override
        public double trainStep(long step, Rng rng) {
          return m.loss(data, true, 1f / targets).mean();
        }

        @Override
        public double evalLoss() {
          return m.loss(data, false, 1f).mean();
        }

        @Override
        public String saveState() {
          return m.dropoutState().seed() + ":" + m.dropoutState().counter();
        }
      };
      Trainer trainer = m.trainer()
          .config(TrainerConfig.builder()
              .learningRate(2e-2)
              .totalSteps(15)
              .warmupFraction(0)
              .evalEvery(15)
              .build())
          .build();
      trainer.run(task);
      assertEquals(d0.counter() + 15, m.dropoutState().counter(), "one mask draw per step");
      double after = m.loss(data, false, 1f).mean();
      assertTrue(after < before - 0.1, before + " -> " + after);
      trainer.saveAdapter(out);

      // Dropout is deterministic in (seed, counter): the same state gives the same loss.
      m.setDropoutState(new org.mos.MosLinear.DropoutState(5, 9));
      m.adapter().orElseThrow().zeroGrad();
      double x = m.loss(data, true, 1f).sum();
      m.setDropoutState(new org.mos.MosLinear.DropoutState(5, 9));
      assertEquals(x, m.loss(data, true, 1f).sum(), 0.0);
      assertNotEquals(x, m.loss(data, true, 1f).sum(), "the next mask differs");
    }
    AdapterConfig c = AdapterFormat.readConfig(out);
    assertEquals("model.layers.{layer}.self_attn.v_proj", c.pool("v_proj").modulePath());
    assertEquals("base", c.baseModel());
    assertEquals(0.1f, c.loraDropout());
  }

  static boolean[] mask(int n) {
    boolean[] m = new boolean[n];
    Arrays.fill(m, 1, n, true);
    return m;
  }

  // ---- helpers ---------------------------------------------------------------------------------

  static float[] last(float[] logits, int vocab) {
    return Arrays.copyOfRange(logits, logits.length - vocab, logits.length);
  }

  static int argmax(float[] row) {
    int best = 0;
    for (int i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
    return best;
  }

  static int[] concat(int[] a, List<Integer> b) {
    int[] out = Arrays.copyOf(a, a.length + b.size());
    for (int i = 0; i < b.size(); i++) out[a.length + i] = b.get(i);
    return out;
  }
}

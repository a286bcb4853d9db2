// SPDX-License-Identifier: Apache-2.0
// DemoBase: the demo's pretrained base: a byte-level Llama decoder trained from scratch by libmos's
// decoder (all weights trainable) and cached as a Hugging Face checkpoint directory, so that
// `mos score`, `mos generate` and `mos train` run on it too.
package org.mos.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;
import org.mos.Decoder;
import org.mos.MosContext;
import org.mos.cli.Progress;
import org.mos.io.SafeTensorsWriter;
import org.mos.train.Rng;

/**
 * The cache entry is a directory {@code demo-llama-<key>/} holding config.json,
 * model.safetensors (F32), tokenizer.json (byte level: id = byte), and mos-demo.json (the key,
 * the SHA-256 of model.safetensors, how it was trained). The key hashes the format version, the
 * model preset, the pretraining seed and the SHA-256 of the pretraining text.
 */
public final class DemoBase {
  static final String FORMAT = "mos-demo-llama";
  static final int VERSION = 1;
  static final String META = "mos-demo.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private DemoBase() {}

  /** A base ready to load: its checkpoint directory and how it was obtained. */
  public record Base(
      Path dir,
      String key,
      boolean fromCache,
      double pretrainSeconds,
      long steps,
      double finalTrainBits) {}

  /** The cache directory: MOS_CACHE_DIR, else $XDG_CACHE_HOME/mos, else ~/.cache/mos. */
  public static Path defaultCacheDir() {
    String env = System.getenv("MOS_CACHE_DIR");
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    String xdg = System.getenv("XDG_CACHE_HOME");
    if (xdg != null && !xdg.isBlank()) {
      return Path.of(xdg, "mos");
    }
    return Path.of(System.getProperty("user.home"), ".cache", "mos");
  }

  /** The cache key of a base. */
  public static String key(DemoModel m, long seed, String corpusSha256) {
    String text = FORMAT + "/" + VERSION + "/" + m + "/seed=" + seed + "/corpus=" + corpusSha256;
    return DemoCorpus.sha256(text.getBytes(StandardCharsets.UTF_8)).substring(0, 16);
  }

  /** The checkpoint directory of a key under the cache directory. */
  public static Path dir(Path cacheDir, String key) {
    return cacheDir.resolve("demo-llama-" + key);
  }

  /**
   * Checks a cached checkpoint: the metadata names this key and the weights' SHA-256 matches.
   *
   * @return empty when it is valid, else the reason it is not
   */
  public static Optional<String> problem(Path dir, String key) {
    try {
      if (!Files.isDirectory(dir)) {
        return Optional.of("not there");
      }
      for (String f : new String[] {"config.json", "model.safetensors", "tokenizer.json", META}) {
        if (!Files.isRegularFile(dir.resolve(f))) {
          return Optional.of(f + " is missing");
        }
      }
      JsonNode meta = JSON.readTree(Files.readString(dir.resolve(META)));
      if (!FORMAT.equals(meta.path("format").asText()) || meta.path("version").asInt() != VERSION) {
        return Optional.of(META + ": not a " + FORMAT + " version " + VERSION + " entry");
      }
      if (!key.equals(meta.path("key").asText())) {
        return Optional.of(META + ": key " + meta.path("key").asText() + ", expected " + key);
      }
      String sha = DemoCorpus.sha256(Files.readAllBytes(dir.resolve("model.safetensors")));
      if (!sha.equals(meta.path("weights_sha256").asText())) {
        return Optional.of("model.safetensors: SHA-256 " + sha + " does not match " + META);
      }
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.of(e.getMessage() == null ? e.toString() : e.getMessage());
    }
  }

  /** The cached base of this key if valid (reporting why not), else pretrains and caches it. */
  public static Base loadOrPretrain(
      DemoModel m,
      byte[] text,
      long seed,
      Path cacheDir,
      boolean retrain,
      int threads,
      PrintWriter out,
      Progress.Mode mode)
      throws IOException {
    String key = key(m, seed, DemoCorpus.sha256(text));
    Path dir = dir(cacheDir, key);
    if (!retrain) {
      Optional<String> why = problem(dir, key);
      if (why.isEmpty()) {
        JsonNode meta = JSON.readTree(Files.readString(dir.resolve(META)));
        out.printf("base model: cached in %s%n", dir);
        return new Base(
            dir,
            key,
            true,
            meta.path("pretrain_seconds").asDouble(),
            meta.path("steps").asLong(),
            meta.path("final_train_bits").asDouble());
      }
      if (Files.exists(dir)) {
        out.printf("cached base %s is not usable (%s); pretraining it again%n", dir, why.get());
      }
    }
    return pretrain(m, text, seed, key, dir, threads, out, mode);
  }

  /** Pretrains the base on {@code text} and writes its checkpoint directory atomically. */
  static Base pretrain(
      DemoModel m,
      byte[] text,
      long seed,
      String key,
      Path dir,
      int threads,
      PrintWriter out,
      Progress.Mode mode)
      throws IOException {
    ByteData data = new ByteData(ByteData.stripCr(text));
    out.printf(
        "pretraining the base: %d blocks, hidden %d, %d heads, MLP %d, byte vocabulary, "
            + "%,d weights; %d steps of %d x %d tokens%n",
        m.layers(),
        m.hidden(),
        m.heads(),
        m.intermediate(),
        m.baseParameters(),
        m.pretrainSteps(),
        m.pretrainSeqs(),
        m.seqLen());
    out.flush();
    long t0 = System.nanoTime();
    double lastBits;
    Path tmp =
        dir.resolveSibling(dir.getFileName() + ".tmp-" + ProcessHandle.current().pid());
    deleteTree(tmp);
    Files.createDirectories(tmp);
    try (MosContext ctx = MosContext.cpu();
        Decoder dec = Decoder.create(ctx, m.decoderConfig())) {
      if (threads > 0) {
        ctx.setNumThreads(threads);
      }
      initWeights(dec, m, seed);
      dec.setBaseTrainable(true);
      Rng rng = new Rng(seed);
      int n = m.pretrainSeqs() * m.seqLen();
      int[] tokens = new int[n];
      int[] targets = new int[n];
      int[] lengths = new int[m.pretrainSeqs()];
      java.util.Arrays.fill(lengths, m.seqLen());
      float scale = 1f / (m.pretrainSeqs() * (m.seqLen() - 1));
      double ema = Double.NaN;
      try (Progress bar = Progress.start("pretrain", m.pretrainSteps(), out, mode)) {
        for (int step = 0; step < m.pretrainSteps(); step++) {
          data.sample(rng, m.pretrainSeqs(), m.seqLen(), tokens, targets);
          dec.baseZeroGrad();
          Decoder.Loss l = dec.loss(lengths, tokens, targets, true, scale);
          dec.baseStep((float) lr(m, step), 0.9f, 0.95f, 1e-8f, 0.1f, 1.0f);
          double bits = l.mean() / Math.log(2);
          ema = Double.isNaN(ema) ? bits : 0.95 * ema + 0.05 * bits;
          bar.update(step + 1, bits, (long) (step + 1) * n);
        }
      }
      lastBits = ema;
      save(dec, m, tmp);
    } catch (RuntimeException | IOException e) {
      deleteTree(tmp);
      throw e;
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    ObjectNode meta = JSON.createObjectNode();
    meta.put("format", FORMAT)
        .put("version", VERSION)
        .put("key", key)
        .put("model", m.toString())
        .put("seed", seed)
        .put("steps", m.pretrainSteps())
        .put("pretrain_seconds", seconds)
        .put("final_train_bits", lastBits)
        .put(
            "weights_sha256",
            DemoCorpus.sha256(Files.readAllBytes(tmp.resolve("model.safetensors"))));
    Files.writeString(
        tmp.resolve(META), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(meta));
    deleteTree(dir);
    try {
      Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, dir);
    }
    out.printf(
        "pretrained in %s (training loss about %.3f bits/byte at the end); cached in %s%n",
        org.mos.cli.Table.duration(seconds), lastBits, dir);
    return new Base(dir, key, false, seconds, m.pretrainSteps(), lastBits);
  }

  /** Linear warm-up over 5% of the steps, then cosine decay to a tenth of the peak. */
  static double lr(DemoModel m, int step) {
    int warm = Math.max(1, m.pretrainSteps() / 20);
    if (step < warm) {
      return m.pretrainLr() * (step + 1) / warm;
    }
    double f = (double) (step - warm) / Math.max(1, m.pretrainSteps() - warm);
    return m.pretrainLr() * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * f)));
  }

  /**
   * GPT-2's initialisation: matrices N(0, 0.02), the residual outputs (o_proj, down_proj)
   * N(0, 0.02 / sqrt(2 L)), norm weights 1.
   */
  static void initWeights(Decoder dec, DemoModel m, long seed) {
    Rng rng = new Rng(Rng.mix(seed, 0x1417));
    for (Decoder.WeightInfo w : dec.weights()) {
      float[] v = new float[Math.toIntExact(w.rows() * w.cols())];
      if (w.name().endsWith("norm.weight")) {
        java.util.Arrays.fill(v, 1f);
      } else {
        double std = w.name().contains("o_proj") || w.name().contains("down_proj")
            ? 0.02 / Math.sqrt(2.0 * m.layers())
            : 0.02;
        for (int i = 0; i < v.length; i++) {
          v[i] = (float) (rng.nextGaussian() * std);
        }
      }
      dec.setWeight(w.name(), w.rows(), w.cols(), v);
    }
  }

  /** Writes config.json, model.safetensors (F32, HF's names and shapes) and tokenizer.json. */
  static void save(Decoder dec, DemoModel m, Path dir) throws IOException {
    Files.writeString(dir.resolve("config.json"), m.configJson());
    SafeTensorsWriter w = new SafeTensorsWriter().metadata("format", "pt");
    for (Decoder.WeightInfo info : dec.weights()) {
      long[] shape = info.rows() == 1 && info.name().endsWith("norm.weight")
          ? new long[] {info.cols()}
          : new long[] {info.rows(), info.cols()};
      w.addF32(info.name(), shape, dec.weight(info.name(), info.rows(), info.cols()));
    }
    w.write(dir.resolve("model.safetensors"));
    Files.writeString(dir.resolve("tokenizer.json"), byteTokenizerJson());
  }

  /**
   * A Hugging Face tokenizer.json whose ids are the UTF-8 bytes: byte-level BPE with the 256
   * byte symbols (GPT-2's byte-to-character table) as its vocabulary and no merges.
   */
  static String byteTokenizerJson() {
    ObjectNode root = JSON.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    root.putArray("added_tokens");
    root.putNull("normalizer");
    ObjectNode pre = root.putObject("pre_tokenizer");
    pre.put("type", "ByteLevel")
        .put("add_prefix_space", false)
        .put("trim_offsets", true)
        .put("use_regex", false);
    root.putNull("post_processor");
    ObjectNode dec = root.putObject("decoder");
    dec.put("type", "ByteLevel")
        .put("add_prefix_space", false)
        .put("trim_offsets", true)
        .put("use_regex", false);
    ObjectNode model = root.putObject("model");
    model.put("type", "BPE").putNull("dropout");
    model.putNull("unk_token");
    model.putNull("continuing_subword_prefix");
    model.putNull("end_of_word_suffix");
    model.put("fuse_unk", false).put("byte_fallback", false).put("ignore_merges", false);
    ObjectNode vocab = model.putObject("vocab");
    int[] table = byteToChar();
    for (int b = 0; b < 256; b++) {
      vocab.put(new String(Character.toChars(table[b])), b);
    }
    model.putArray("merges");
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** GPT-2's bytes_to_unicode: printable bytes map to themselves, the others to 256 + n. */
  static int[] byteToChar() {
    int[] t = new int[256];
    boolean[] kept = new boolean[256];
    for (int b = 0; b < 256; b++) {
      kept[b] = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    }
    int n = 0;
    for (int b = 0; b < 256; b++) {
      t[b] = kept[b] ? b : 256 + n++;
    }
    return t;
  }

  static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    }
  }
}

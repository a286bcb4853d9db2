// SPDX-License-Identifier: Apache-2.0
// HfCheckpoint: a Hugging Face checkpoint directory (config.json + model.safetensors or a sharded
// index) opened strictly, every tensor checked against the config, weights mapped one at a time.
package org.mos.llm;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mos.Bf16;
import org.mos.MosException;
import org.mos.Status;
import org.mos.io.MosFileException;
import org.mos.io.SafeTensors.Dtype;
import org.mos.io.SafeTensors.TensorInfo;
import org.mos.io.SafeTensorsReader;
import org.mos.llm.internal.GenerationIds;
import org.mos.llm.internal.JsonFile;

/**
 * A Hugging Face checkpoint directory, opened and checked completely:
 *
 * <ul>
 *   <li>{@code config.json}, read by {@link LlamaConfig#read};
 *   <li>the weights: {@code model.safetensors}, or else the shards that
 *       {@code model.safetensors.index.json} names ({@code {"metadata": {...}, "weight_map":
 *       {tensor: file}}}). Every shard must exist inside the directory (no absolute path, no
 *       {@code ..}, no link leading out of it; the one exception is the Hugging Face hub cache,
 *       whose snapshot files link to its {@code ../../blobs/}) and hold exactly the tensors the
 *       map assigns to it. Each file is opened by the strict {@link SafeTensorsReader};
 *   <li>{@code generation_config.json} (optional): the ids that end generation.
 * </ul>
 *
 * <p>Every tensor {@link LlamaConfig#tensors()} lists must be present with that shape and dtype
 * F32, BF16 or F16 (tensors may differ in dtype). A tensor it does not list is an error naming
 * it, with two exceptions that follow transformers (5.17) and are reported in {@link #notes()}:
 * the {@code rotary_emb.inv_freq} buffers older conversions saved are skipped (RoPE is computed
 * from the config), and an {@code lm_head.weight} in a checkpoint whose config says
 * {@code tie_word_embeddings} is skipped when it equals {@code model.embed_tokens.weight} (the
 * output layer is the embedding anyway), but kept as an untied output layer when it differs:
 * transformers then does not tie either, so {@link #config()} has {@code tieWordEmbeddings}
 * false. Every problem is a {@link MosFileException} naming the file, the tensor and the problem
 * on one line; nothing is read from a checkpoint that fails a check.
 *
 * <p><b>Loading without a copy on the heap.</b> {@link #forEachTensor} hands each weight over as
 * a {@link MemorySegment} that maps only that tensor's bytes of the file, and unmaps it when the
 * callback returns, so copying the weights one by one into native memory keeps the resident
 * memory at the native copy plus one tensor (a 1B-parameter BF16 model: about 2.5 GB plus its
 * largest tensor).
 *
 * {@snippet :
 * try (HfCheckpoint ckpt = HfCheckpoint.open(Path.of("Llama-3.2-1B"))) {
 *   LlamaConfig config = ckpt.config();
 *   ckpt.forEachTensor((t, data) -> decoder.setWeight(t.name(), t.dtype(), t.rows(), t.cols(), data));
 * }
 * }
 *
 * <p>Not thread-safe. Closing closes the files; the checkpoint must not be changed on disk while
 * open (a file found shorter than at opening is reported; one truncated during a callback makes
 * the JVM throw an {@code InternalError} on access).
 */
public final class HfCheckpoint implements AutoCloseable {
  /** The single-file weights. */
  public static final String SINGLE_FILE = "model.safetensors";
  /** The index of sharded weights. */
  public static final String INDEX_FILE = "model.safetensors.index.json";
  /** Largest index read (Llama 3.1 405B's is about 100 KiB). */
  public static final long MAX_INDEX_BYTES = 16L << 20;
  /** Largest generation_config.json read. */
  public static final long MAX_GENERATION_CONFIG_BYTES = 4L << 20;

  private static final ValueLayout.OfFloat LE_F32 =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfShort LE_16 =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private static final Pattern INV_FREQ =
      Pattern.compile("model\\.layers\\.(\\d{1,9})\\.self_attn\\.rotary_emb\\.inv_freq");

  /**
   * One weight of the checkpoint: its Hugging Face name, its dtype in the file (F32, BF16 or
   * F16), its shape as rows x cols (rows = 1 for a vector), and the file holding it.
   */
  public record Tensor(String name, Dtype dtype, long rows, long cols, Path file) {
    public long numElements() {
      return rows * cols;
    }

    /** Bytes in the file. */
    public long byteSize() {
      return numElements() * dtype.size();
    }
  }

  /** Receives one tensor and a view of its bytes, valid only during the call. */
  @FunctionalInterface
  public interface TensorConsumer {
    /**
     * @param tensor the tensor
     * @param data its bytes: read-only, row-major, little-endian values of {@code tensor.dtype()},
     *     not necessarily aligned; unmapped after the call returns (later access throws
     *     IllegalStateException)
     */
    void accept(Tensor tensor, MemorySegment data);
  }

  private final Path directory;
  private final LlamaConfig config;
  private final List<Integer> eosTokenIds;
  private final Path eosSource;
  private final List<SafeTensorsReader> readers; // in file order
  private final List<Tensor> tensors; // config order
  private final Map<String, Tensor> byName;
  private final Map<String, SafeTensorsReader> readerOf;
  private final List<String> notes;
  private boolean closed;

  private HfCheckpoint(
      Path directory,
      LlamaConfig config,
      List<Integer> eosTokenIds,
      Path eosSource,
      List<SafeTensorsReader> readers,
      List<Tensor> tensors,
      Map<String, SafeTensorsReader> readerOf,
      List<String> notes) {
    this.directory = directory;
    this.config = config;
    this.eosTokenIds = List.copyOf(eosTokenIds);
    this.eosSource = eosSource;
    this.readers = List.copyOf(readers);
    this.tensors = List.copyOf(tensors);
    Map<String, Tensor> m = new LinkedHashMap<>();
    for (Tensor t : tensors) m.put(t.name(), t);
    this.byName = Collections.unmodifiableMap(m);
    this.readerOf = Map.copyOf(readerOf);
    this.notes = List.copyOf(notes);
  }

  /**
   * Opens the checkpoint directory {@code dir} and checks it completely (see the class comment).
   *
   * @throws MosFileException naming the file, the tensor and the problem
   */
  public static HfCheckpoint open(Path dir) {
    if (dir == null) throw new MosException(Status.NULL_POINTER, "HfCheckpoint.open: dir is null");
    if (!Files.isDirectory(dir)) {
      throw new MosFileException(
          dir,
          Files.exists(dir)
              ? "not a directory (expected a checkpoint"
                  + " directory holding config.json and model.safetensors)"
              : "no such directory");
    }
    Path root;
    try {
      root = dir.toRealPath();
    } catch (IOException e) {
      throw new MosFileException(dir, null, "cannot resolve: " + e.getMessage(), e);
    }
    Opener o = new Opener(dir, root);
    try {
      return o.open();
    } catch (RuntimeException e) {
      o.closeAll();
      throw e;
    }
  }

  /** What {@link #open} does, with the readers it opened so far (closed on failure). */
  private static final class Opener {
    final Path dir;
    final Path root;
    final List<SafeTensorsReader> readers = new ArrayList<>();
    final List<String> notes = new ArrayList<>();

    Opener(Path dir, Path root) {
      this.dir = dir;
      this.root = root;
    }

    HfCheckpoint open() {
      LlamaConfig config = LlamaConfig.read(inside("config.json", null, true));

      // Weights: the single file first, as transformers looks for it first.
      Path single = dir.resolve(SINGLE_FILE);
      Path index = dir.resolve(INDEX_FILE);
      Map<String, SafeTensorsReader> readerOf = new HashMap<>();
      Path missingIn; // where a missing tensor should have been, for messages
      if (Files.exists(single, LinkOption.NOFOLLOW_LINKS)) {
        if (Files.exists(index, LinkOption.NOFOLLOW_LINKS)) {
          notes.add(INDEX_FILE + " ignored: " + SINGLE_FILE + " is present (transformers reads"
              + " the single file first)");
        }
        SafeTensorsReader r = openReader(inside(SINGLE_FILE, null, true));
        for (TensorInfo t : r.tensors()) readerOf.put(t.name(), r);
        missingIn = r.file();
      } else if (Files.exists(index, LinkOption.NOFOLLOW_LINKS)) {
        missingIn = readIndex(inside(INDEX_FILE, null, true), readerOf);
      } else {
        String other = Files.exists(dir.resolve("pytorch_model.bin"))
                || Files.exists(dir.resolve("pytorch_model.bin.index.json"))
            ? " (there are PyTorch pickle weights, pytorch_model.bin: mos reads safetensors only;"
                + " convert them, e.g. with transformers' save_pretrained(safe_serialization=True))"
            : "";
        throw new MosFileException(
            dir, "holds neither " + SINGLE_FILE + " nor " + INDEX_FILE + other);
      }

      // Before listing what is expected: can these files hold what the config describes?
      long have = 0;
      for (SafeTensorsReader r : readers) {
        for (TensorInfo t : r.tensors()) have += t.byteSize();
      }
      long need = config.parameterCount() * 2; // the narrowest dtype accepted
      if (need > have) {
        throw new MosFileException(
            dir.resolve("config.json"),
            "describes "
                + config.parameterCount() + " parameters (at least " + need
                + " bytes in BF16 or F16),"
                + " but the checkpoint's tensors hold only " + have + " bytes");
      }

      List<Tensor> tensors = new ArrayList<>();
      Set<String> expected = new HashSet<>();
      for (LlamaConfig.TensorSpec spec : config.tensors()) {
        expected.add(spec.name());
        SafeTensorsReader r = readerOf.get(spec.name());
        if (r == null) {
          throw new MosFileException(
              missingIn,
              spec.name(),
              "missing tensor (expected shape " + spec.shape() + " from config.json)");
        }
        TensorInfo t = r.get(spec.name());
        if (!LlamaConfig.isFloat(t.dtype())) {
          throw new MosFileException(
              r.file(),
              spec.name(),
              "dtype " + t.dtype() + " is not supported (supported: BF16, F16, F32)");
        }
        if (!t.hasShape(spec.shapeArray())) {
          throw new MosFileException(
              r.file(),
              spec.name(),
              "shape " + Arrays.toString(t.shape()) + ", expected " + spec.shape()
                  + " from config.json");
        }
        tensors.add(new Tensor(spec.name(), t.dtype(), spec.rows(), spec.cols(), r.file()));
      }
      SafeTensorsReader lmHead = null;
      int invFreqIgnored = 0;
      for (SafeTensorsReader r : readers) {
        for (TensorInfo t : r.tensors()) {
          String name = t.name();
          if (expected.contains(name)) continue;
          if (name.equals("lm_head.weight") && config.tieWordEmbeddings()) {
            lmHead = r;
            continue;
          }
          Matcher m = INV_FREQ.matcher(name);
          if (m.matches() && Integer.parseInt(m.group(1)) < config.numLayers()) {
            invFreqIgnored++;
            continue;
          }
          throw new MosFileException(
              r.file(),
              name,
              "unexpected tensor: not a weight of "
                  + config.architecture().className() + " with this config.json ("
                  + config.numLayers() + " layers, attention biases "
                  + (config.qkvBias() ? (config.oBias() ? "on q/k/v/o" : "on q/k/v") : "off")
                  + ", tie_word_embeddings " + config.tieWordEmbeddings() + ")");
        }
      }
      if (lmHead != null) {
        // transformers 5 ties only when both tensors are equal; else it keeps lm_head.weight.
        TensorInfo t = lmHead.get("lm_head.weight");
        if (!LlamaConfig.isFloat(t.dtype())) {
          throw new MosFileException(
              lmHead.file(),
              t.name(),
              "dtype " + t.dtype() + " is not supported (supported: BF16, F16, F32)");
        }
        long[] shape = {config.vocabSize(), config.hiddenSize()};
        if (!t.hasShape(shape)) {
          throw new MosFileException(
              lmHead.file(),
              t.name(),
              "shape " + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(shape)
                  + " from config.json");
        }
        if (sameValues(readerOf.get("model.embed_tokens.weight"), lmHead)) {
          notes.add("lm_head.weight ignored: tie_word_embeddings is true and it equals"
              + " model.embed_tokens.weight");
        } else {
          config = config.withTieWordEmbeddings(false);
          tensors.add(new Tensor(t.name(), t.dtype(), shape[0], shape[1], lmHead.file()));
          notes.add("lm_head.weight differs from model.embed_tokens.weight although"
              + " tie_word_embeddings is true: it is used as an untied output layer, as"
              + " transformers 5 does");
        }
      }
      if (invFreqIgnored > 0) {
        notes.add(invFreqIgnored + " rotary_emb.inv_freq buffers ignored: RoPE is computed from"
            + " config.json (transformers ignores them too)");
      }

      // The ids that end generation: generation_config.json wins over config.json (the rule the
      // tokenizer follows too).
      List<Integer> eos = config.eosTokenIds();
      Path eosSource = dir.resolve("config.json");
      Path gen = inside(GenerationIds.GENERATION_CONFIG, null, false);
      if (gen != null) {
        GenerationIds ids = GenerationIds.of(
            JsonFile.read(gen, MAX_GENERATION_CONFIG_BYTES, "a generation config"),
            true,
            config.vocabSize());
        eos = ids.eosIds();
        eosSource = gen;
      }
      return new HfCheckpoint(dir, config, eos, eosSource, readers, tensors, readerOf, notes);
    }

    /** Whether the embedding and lm_head.weight hold the same values (read one at a time). */
    static boolean sameValues(SafeTensorsReader embedIn, SafeTensorsReader headIn) {
      String embed = "model.embed_tokens.weight";
      String head = "lm_head.weight";
      try (Arena a = Arena.ofConfined();
          Arena b = Arena.ofConfined()) {
        MemorySegment x = embedIn.segment(embed, a);
        MemorySegment y = headIn.segment(head, b);
        Dtype dx = embedIn.get(embed).dtype();
        Dtype dy = headIn.get(head).dtype();
        if (dx == dy) return x.mismatch(y) < 0;
        long n = embedIn.get(embed).numElements();
        for (long i = 0; i < n; i++) {
          if (Float.compare(widen(dx, x, i), widen(dy, y, i)) != 0) return false;
        }
        return true;
      }
    }

    private static float widen(Dtype d, MemorySegment s, long i) {
      return switch (d) {
        case F32 -> s.getAtIndex(LE_F32, i);
        case BF16 -> Bf16.toFloat(s.getAtIndex(LE_16, i));
        default -> Float.float16ToFloat(s.getAtIndex(LE_16, i));
      };
    }

    /** The index: parse, check every shard, open each once; returns the index's path. */
    Path readIndex(Path indexPath, Map<String, SafeTensorsReader> readerOf) {
      JsonFile f = JsonFile.read(indexPath, MAX_INDEX_BYTES, "a safetensors index");
      f.object(f.root, "metadata", "", true); // optional; its totals are not needed
      JsonNode map = f.object(f.root, "weight_map", "", false);
      if (map.isEmpty()) throw f.fail("weight_map", "empty: names no tensor");
      Map<String, List<String>> byFile = new TreeMap<>(); // shard file -> its tensors
      for (Map.Entry<String, JsonNode> e : map.properties()) {
        JsonNode v = e.getValue();
        String path = "weight_map." + MosFileException.printable(e.getKey(), 120);
        if (!v.isTextual()) throw f.fail(path, "expected a file name, found " + JsonFile.kind(v));
        checkName(v.textValue(), indexPath);
        // "x" and "./x" are one file
        String file = Path.of(v.textValue()).normalize().toString();
        byFile.computeIfAbsent(file, k -> new ArrayList<>()).add(e.getKey());
      }
      for (Map.Entry<String, List<String>> e : byFile.entrySet()) {
        Path shard = inside(e.getKey(), indexPath, true);
        SafeTensorsReader r = openReader(shard);
        Set<String> assigned = new HashSet<>(e.getValue());
        for (String name : e.getValue()) {
          if (r.find(name).isEmpty()) {
            throw new MosFileException(
                indexPath,
                name,
                "the weight_map puts it in " + MosFileException.printable(e.getKey(), 120)
                    + ", which does not hold it");
          }
          readerOf.put(name, r);
        }
        for (TensorInfo t : r.tensors()) {
          if (!assigned.contains(t.name())) {
            JsonNode other = map.get(t.name());
            throw new MosFileException(
                r.file(),
                t.name(),
                other == null
                    ? "not in " + INDEX_FILE + "'s weight_map"
                    : "the weight_map puts it in " + MosFileException.printable(other.asText(), 120)
                        + ", not in this file");
          }
        }
      }
      return indexPath;
    }

    SafeTensorsReader openReader(Path file) {
      SafeTensorsReader r = SafeTensorsReader.open(file);
      readers.add(r);
      return r;
    }

    /** A relative path without {@code ..}: else an error naming {@code where} (the index). */
    static void checkName(String name, Path where) {
      String problem = null;
      if (name.isEmpty() || name.indexOf('\0') >= 0 || name.indexOf('\\') >= 0) {
        problem = "is not a usable file name";
      } else {
        Path rel;
        try {
          rel = Path.of(name);
        } catch (RuntimeException e) {
          rel = null;
        }
        if (rel == null || rel.normalize().toString().isEmpty()) {
          problem = "is not a usable file name";
        } else if (rel.isAbsolute()) {
          problem = "is an absolute path: shards must lie inside the checkpoint directory";
        } else {
          for (Path part : rel) {
            if (part.toString().equals("..")) {
              problem = "leads out of the checkpoint directory (..)";
            }
          }
        }
      }
      if (problem != null) {
        throw new MosFileException(
            where, "\"" + MosFileException.printable(name, 200) + "\" " + problem);
      }
    }

    /**
     * {@code name} resolved inside the directory: relative, no {@code ..}, a regular file (or
     * a link to one) whose real path lies inside the directory or in the hub cache's blobs.
     * Absent: an error when {@code required}, else null.
     */
    Path inside(String name, Path namedBy, boolean required) {
      checkName(name, namedBy == null ? dir : namedBy);
      Path p = dir.resolve(name);
      if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
        if (!required) return null;
        throw new MosFileException(
            p,
            namedBy == null
                ? "no such file"
                : "no such file (named by " + namedBy.getFileName() + ")");
      }
      Path real;
      try {
        real = p.toRealPath();
      } catch (IOException e) {
        throw new MosFileException(
            p, null, "a link to nowhere or unreadable: " + e.getMessage(), e);
      }
      if (!real.startsWith(root) && !inHubBlobs(real)) {
        throw new MosFileException(
            p, "is a link to " + real + ", outside the checkpoint" + " directory " + root);
      }
      if (!Files.isRegularFile(real)) {
        throw new MosFileException(p, "not a regular file");
      }
      return p;
    }

    /** The Hugging Face hub cache: snapshots/<rev>/<file> links to ../../blobs/<hash>. */
    boolean inHubBlobs(Path real) {
      Path snapshots = root.getParent();
      if (snapshots == null
          || snapshots.getFileName() == null
          || !snapshots.getFileName().toString().equals("snapshots")) {
        return false;
      }
      Path repo = snapshots.getParent();
      return repo != null
          && real.getParent() != null
          && real.getParent().equals(repo.resolve("blobs"));
    }

    void closeAll() {
      for (SafeTensorsReader r : readers) r.close();
    }
  }

  /** The directory as given to {@link #open}. */
  public Path directory() {
    return directory;
  }

  /**
   * The architecture from config.json; {@code tieWordEmbeddings} is false when the checkpoint
   * holds an lm_head.weight that differs from the embedding (see the class comment).
   */
  public LlamaConfig config() {
    return config;
  }

  /**
   * The ids that end generation: generation_config.json's {@code eos_token_id} when that file
   * exists, else config.json's (the tokenizer's {@code eosIds()} adds its own EOS token to these).
   */
  public List<Integer> eosTokenIds() {
    return eosTokenIds;
  }

  /** The file {@link #eosTokenIds()} came from. */
  public Path eosTokenIdsSource() {
    return eosSource;
  }

  /** Every weight to load, in {@link LlamaConfig#tensors()} order (skipped tensors left out). */
  public List<Tensor> tensors() {
    return tensors;
  }

  /** The weight called {@code name}. */
  public Tensor tensor(String name) {
    Tensor t = byName.get(name);
    if (t == null) {
      throw new MosException(
          Status.INVALID_ARGUMENT,
          "HfCheckpoint: no weight named '" + MosFileException.printable(name, 120)
              + "' (see tensors())");
    }
    return t;
  }

  /** The dtypes the weights are stored in (one for a checkpoint saved by transformers). */
  public Set<Dtype> dtypes() {
    EnumSet<Dtype> s = EnumSet.noneOf(Dtype.class);
    for (Tensor t : tensors) s.add(t.dtype());
    return Collections.unmodifiableSet(s);
  }

  /** Bytes of the weights in the files. */
  public long dataBytes() {
    long n = 0;
    for (Tensor t : tensors) n += t.byteSize();
    return n;
  }

  /** The safetensors files read, in the order {@link #forEachTensor} visits them. */
  public List<Path> files() {
    return readers.stream().map(SafeTensorsReader::file).toList();
  }

  /** What was accepted but ignored (see the class comment), one line each. */
  public List<String> notes() {
    return notes;
  }

  /**
   * Calls {@code consumer} once per weight, file by file in byte order (sequential reads), each
   * time with a view that maps only that tensor and is unmapped as soon as the call returns.
   * An exception from the consumer stops the walk and propagates.
   *
   * @throws MosFileException if a file was cut short since opening, or cannot be mapped
   */
  public void forEachTensor(TensorConsumer consumer) {
    requireOpen();
    if (consumer == null) throw new MosException(Status.NULL_POINTER, "consumer is null");
    for (SafeTensorsReader r : readers) {
      List<TensorInfo> infos = new ArrayList<>(r.tensors());
      infos.sort(Comparator.comparingLong(TensorInfo::begin));
      for (TensorInfo info : infos) {
        Tensor t = byName.get(info.name());
        if (t != null && readerOf.get(t.name()) == r) visit(r, t, consumer);
      }
    }
  }

  /** Calls {@code consumer} with weight {@code name} mapped as in {@link #forEachTensor}. */
  public void withTensor(String name, TensorConsumer consumer) {
    requireOpen();
    if (consumer == null) throw new MosException(Status.NULL_POINTER, "consumer is null");
    Tensor t = tensor(name);
    visit(readerOf.get(name), t, consumer);
  }

  private static void visit(SafeTensorsReader r, Tensor t, TensorConsumer consumer) {
    try (Arena arena = Arena.ofConfined()) {
      consumer.accept(t, r.segment(t.name(), arena));
    }
  }

  /** Weight {@code name} widened to f32 on the Java heap (for small tensors and tests). */
  public float[] readFloats(String name) {
    requireOpen();
    tensor(name);
    return readerOf.get(name).readFloats(name);
  }

  private void requireOpen() {
    if (closed) throw new IllegalStateException("HfCheckpoint is closed");
  }

  /** Closes every file; idempotent. */
  @Override
  public void close() {
    if (closed) return;
    closed = true;
    for (SafeTensorsReader r : readers) r.close();
  }

  @Override
  public String toString() {
    return "HfCheckpoint[" + directory + ", " + config.architecture().className() + ", "
        + config.numLayers() + " layers, " + config.parameterCount() + " parameters, "
        + dtypes() + "]";
  }
}

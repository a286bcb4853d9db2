// SPDX-License-Identifier: Apache-2.0
// The adapter directory format: save -> load is bit-identical; the files hold exactly the keys and
// tensors of docs/adapter-format.md; every inconsistency is refused naming file, tensor, problem;
// an interrupted save leaves no partial adapter. Pure Java, no native code.
package org.mos.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.MosException;

class AdapterFormatTest {
  @TempDir
  Path tmp;

  private final AdapterConfig config = TestAdapters.config();
  private final MosAdapter adapter = TestAdapters.random(config, 1);

  @Test
  void saveThenLoadIsBitIdentical() {
    Path dir = tmp.resolve("a");
    adapter.save(dir);
    MosAdapter back = MosAdapter.load(dir);
    assertEquals(adapter, back); // PoolData compares floats by raw bits
    assertEquals(config, back.config());
    for (String name : config.pools().keySet()) {
      PoolData x = adapter.pool(name);
      PoolData y = back.pool(name);
      for (int i = 0; i < x.poolA().length; i++) {
        assertEquals(Float.floatToRawIntBits(x.poolA()[i]), Float.floatToRawIntBits(y.poolA()[i]));
      }
      assertArrayEquals(x.indexB(), y.indexB());
    }
    // Saving what was loaded reproduces the same bytes.
    Path again = tmp.resolve("b");
    back.save(again);
    assertArrayEquals(
        bytes(dir.resolve(AdapterFormat.WEIGHTS_FILE)),
        bytes(again.resolve(AdapterFormat.WEIGHTS_FILE)));
    assertArrayEquals(
        bytes(dir.resolve(AdapterFormat.CONFIG_FILE)),
        bytes(again.resolve(AdapterFormat.CONFIG_FILE)));
    // Either file names the adapter too.
    assertEquals(adapter, MosAdapter.load(dir.resolve(AdapterFormat.CONFIG_FILE)));
  }

  @Test
  void filesHoldExactlyTheDocumentedKeysAndTensors() throws IOException {
    Path dir = tmp.resolve("a");
    adapter.save(dir);
    JsonNode c =
        SafeTensors.JSON.readTree(dir.resolve(AdapterFormat.CONFIG_FILE).toFile());
    assertEquals(
        List.of(
            "format",
            "format_version",
            "peft_type",
            "r",
            "equivalent_rank",
            "private_rank",
            "shards_per_vector",
            "lora_alpha",
            "lora_dropout",
            "num_layers",
            "pools",
            "base_model",
            "metadata"),
        iterable(c.fieldNames()));
    assertEquals("mos-adapter", c.get("format").asText());
    assertEquals(1, c.get("format_version").intValue());
    assertEquals("MOS", c.get("peft_type").asText());
    assertEquals(4, c.get("r").intValue());
    assertEquals(12.0, c.get("lora_alpha").doubleValue());
    assertEquals(0.1f, c.get("lora_dropout").floatValue());
    assertEquals(12, c.at("/pools/up_proj/out_features").intValue());
    assertEquals(
        "model.layers.{layer}.mlp.down_proj",
        c.at("/pools/down_proj/module_path").asText());
    assertEquals(100, c.at("/metadata/steps").intValue());

    try (SafeTensorsReader in = SafeTensorsReader.open(dir.resolve(AdapterFormat.WEIGHTS_FILE))) {
      assertEquals(8, in.tensors().size());
      int p = 2 * 3 * 2;
      assertTrue(in.get("mos.up_proj.pool_A").hasShape(p, 4));
      assertTrue(in.get("mos.up_proj.pool_B").hasShape(6, p));
      assertTrue(in.get("mos.down_proj.pool_A").hasShape(p, 6));
      assertTrue(in.get("mos.down_proj.pool_B").hasShape(4, p));
      assertTrue(in.get("mos.up_proj.index_A").hasShape(3, 8));
      assertEquals(SafeTensors.Dtype.I32, in.get("mos.down_proj.index_B").dtype());
      assertEquals(SafeTensors.Dtype.F32, in.get("mos.down_proj.pool_B").dtype());
    }
  }

  // ---- strict loading -----------------------------------------------------------------------

  private Path saved(String name) {
    Path dir = tmp.resolve(name);
    adapter.save(dir);
    return dir;
  }

  private Path withConfig(String name, Consumer<ObjectNode> edit) throws IOException {
    Path dir = saved(name);
    Path file = dir.resolve(AdapterFormat.CONFIG_FILE);
    ObjectNode root = (ObjectNode) SafeTensors.JSON.readTree(file.toFile());
    edit.accept(root);
    Files.write(file, SafeTensors.JSON.writeValueAsBytes(root));
    return dir;
  }

  /** Rewrites the weights file through {@code edit} (which gets a writer pre-filled with all but
   * the tensors it skips). */
  private Path withWeights(String name, List<String> skip, Consumer<SafeTensorsWriter> edit) {
    Path dir = saved(name);
    SafeTensorsWriter w = new SafeTensorsWriter();
    for (Map.Entry<String, PoolData> e : adapter.pools().entrySet()) {
      String n = e.getKey();
      PoolData d = e.getValue();
      PoolSpec s = config.pool(n);
      if (!skip.contains(AdapterFormat.poolAName(n))) {
        w.addF32(AdapterFormat.poolAName(n), new long[] {12, s.inFeatures() / 2}, d.poolA());
      }
      if (!skip.contains(AdapterFormat.poolBName(n))) {
        w.addF32(AdapterFormat.poolBName(n), new long[] {s.outFeatures() / 2, 12}, d.poolB());
      }
      if (!skip.contains(AdapterFormat.indexAName(n))) {
        w.addI32(AdapterFormat.indexAName(n), new long[] {3, 8}, d.indexA());
      }
      if (!skip.contains(AdapterFormat.indexBName(n))) {
        w.addI32(AdapterFormat.indexBName(n), new long[] {3, 8}, d.indexB());
      }
    }
    edit.accept(w);
    w.write(dir.resolve(AdapterFormat.WEIGHTS_FILE));
    return dir;
  }

  private static void refused(Path dir, String file, String tensor, String problem) {
    MosFileException e = assertThrows(MosFileException.class, () -> MosAdapter.load(dir));
    String m = e.getMessage();
    assertTrue(m.startsWith(dir.resolve(file) + ": "), m);
    if (tensor != null) assertTrue(m.contains("tensor '" + tensor + "': "), m);
    assertTrue(m.contains(problem), "expected '" + problem + "' in: " + m);
    assertFalse(m.contains("\n"), m);
  }

  @Test
  void configProblems() throws IOException {
    String cfg = AdapterFormat.CONFIG_FILE;
    refused(
        withConfig("v2", c -> c.put("format_version", 2)),
        cfg,
        null,
        "unsupported format_version 2");
    refused(withConfig("fmt", c -> c.put("format", "other")), cfg, null, "format is \"other\"");
    refused(
        withConfig("nofmt", c -> {
          c.remove("format");
          c.put("peft_type", "LORA");
        }),
        cfg,
        null,
        "a PEFT adapter, not a mos adapter");
    refused(
        withConfig("peft", c -> c.put("peft_type", "LORA")), cfg, null, "peft_type is \"LORA\"");
    refused(withConfig("nor", c -> c.remove("r")), cfg, null, "missing key 'r'");
    refused(withConfig("rfloat", c -> c.put("r", 4.5)), cfg, null, "key 'r' is 4.5, not a 32-bit");
    refused(withConfig("alpha", c -> c.put("lora_alpha", "16")), cfg, null, "not a number");
    refused(withConfig("pools", c -> c.remove("pools")), cfg, null, "missing key 'pools'");
    refused(
        withConfig("nopath", c -> ((ObjectNode) c.at("/pools/up_proj")).remove("module_path")),
        cfg,
        null,
        "pools.up_proj.module_path");
    refused(
        withConfig("noin", c -> ((ObjectNode) c.at("/pools/up_proj")).remove("in_features")),
        cfg,
        null,
        "missing key 'pools.up_proj.in_features'");
    refused(
        withConfig("invalid", c -> c.put("private_rank", 3)),
        cfg,
        null,
        "invalid configuration: private_rank must be in [0, equivalent_rank=2]");
    refused(
        withConfig("divis", c -> ((ObjectNode) c.at("/pools/up_proj")).put("in_features", 9)),
        cfg,
        null,
        "divisible by shards_per_vector");
    refused(
        withConfig("bm", c -> c.put("base_model", 3)), cfg, null, "'base_model' is not a string");

    Path garbage = saved("garbage");
    Files.writeString(garbage.resolve(cfg), "{\"format\": ");
    refused(garbage, cfg, null, "not valid JSON");

    Path noConfig = saved("noconfig");
    Files.delete(noConfig.resolve(cfg));
    refused(noConfig, cfg, null, "no such file");

    // Unknown keys are room for later additions: ignored.
    assertEquals(adapter, MosAdapter.load(withConfig("extra", c -> c.put("trained_by", "me"))));
  }

  @Test
  void tensorProblems() throws IOException {
    String w = AdapterFormat.WEIGHTS_FILE;
    refused(
        withWeights("missing", List.of("mos.down_proj.index_B"), x -> {}),
        w,
        "mos.down_proj.index_B",
        "missing tensor");
    refused(
        withWeights(
            "dtype",
            List.of("mos.up_proj.index_A"),
            x -> x.addF32("mos.up_proj.index_A", new long[] {3, 8}, new float[24])),
        w,
        "mos.up_proj.index_A",
        "dtype is F32, the format needs I32");
    refused(
        withWeights(
            "shape",
            List.of("mos.up_proj.pool_A"),
            x -> x.addF32("mos.up_proj.pool_A", new long[] {4, 12}, new float[48])),
        w,
        "mos.up_proj.pool_A",
        "shape is [4, 12] but adapter_config.json implies [12, 4]");
    refused(
        withWeights(
            "extra", List.of(), x -> x.addF32("mos.q_proj.pool_A", new long[] {1}, new float[1])),
        w,
        "mos.q_proj.pool_A",
        "unexpected tensor");
    int[] bad = adapter.pool("down_proj").indexB().clone();
    bad[2 * 8 + 5] = 12; // layer 2, position 5: P = 12 is one past the end
    refused(
        withWeights(
            "range",
            List.of("mos.down_proj.index_B"),
            x -> x.addI32("mos.down_proj.index_B", new long[] {3, 8}, bad)),
        w,
        "mos.down_proj.index_B",
        "block 2, position 5: index 12 outside [0, 12)");
    bad[2 * 8 + 5] = -1;
    refused(
        withWeights(
            "neg",
            List.of("mos.down_proj.index_B"),
            x -> x.addI32("mos.down_proj.index_B", new long[] {3, 8}, bad)),
        w,
        "mos.down_proj.index_B",
        "index -1 outside");

    Path truncated = saved("truncated");
    Path wf = truncated.resolve(w);
    byte[] all = bytes(wf);
    Files.write(wf, java.util.Arrays.copyOf(all, all.length - 100));
    refused(truncated, w, null, "outside the data area");

    Path none = saved("none");
    Files.delete(none.resolve(w));
    refused(none, w, null, "no such file");
  }

  /** Devices, FIFOs and directories in the files' places: refused by name, never read or waited on. */
  @Test
  void specialFilesAreRefusedWithoutReadingThem() throws Exception {
    String cfg = AdapterFormat.CONFIG_FILE;
    String w = AdapterFormat.WEIGHTS_FILE;
    Path zeroConfig = saved("zero-config");
    Files.delete(zeroConfig.resolve(cfg));
    Files.createSymbolicLink(zeroConfig.resolve(cfg), Path.of("/dev/zero"));
    refused(zeroConfig, cfg, null, "not a regular file");
    Path zeroWeights = saved("zero-weights");
    Files.delete(zeroWeights.resolve(w));
    Files.createSymbolicLink(zeroWeights.resolve(w), Path.of("/dev/zero"));
    refused(zeroWeights, w, null, "not a regular file");
    Path fifo = saved("fifo");
    Files.delete(fifo.resolve(w));
    Process mk = new ProcessBuilder("mkfifo", fifo.resolve(w).toString()).start();
    assertEquals(0, mk.waitFor());
    refused(fifo, w, null, "not a regular file"); // opening a FIFO would block forever
    Path dirConfig = saved("dir-config");
    Files.delete(dirConfig.resolve(cfg));
    Files.createDirectory(dirConfig.resolve(cfg));
    refused(dirConfig, cfg, null, "not a regular file");
    // A link to a regular file is fine.
    Path linked = saved("linked");
    Path real = tmp.resolve("real-config.json");
    Files.move(linked.resolve(cfg), real);
    Files.createSymbolicLink(linked.resolve(cfg), real);
    assertEquals(adapter, MosAdapter.load(linked));
    MosFileException e = assertThrows(
        MosFileException.class,
        () -> BoundedFiles.readAll(Path.of("/dev/zero"), 1 << 20, "a test"));
    assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
  }

  @Test
  void directoryProblems() throws IOException {
    Path nope = tmp.resolve("nope");
    MosFileException e = assertThrows(MosFileException.class, () -> MosAdapter.load(nope));
    assertEquals(nope + ": no such adapter directory", e.getMessage());
    Path file = Files.writeString(tmp.resolve("file.txt"), "x");
    e = assertThrows(MosFileException.class, () -> MosAdapter.load(file));
    assertTrue(e.getMessage().startsWith(file + ": not an adapter directory"), e.getMessage());
  }

  @Test
  void adapterRejectsDataThatDisagreesWithItsConfig() {
    PoolData d = adapter.pool("up_proj");
    PoolData shortA = new PoolData(new float[3], d.poolB(), d.indexA(), d.indexB());
    MosException e = assertThrows(
        MosException.class,
        () -> new MosAdapter(
            config, Map.of("up_proj", shortA, "down_proj", adapter.pool("down_proj"))));
    assertTrue(e.getMessage().contains("pool_A has 3 values, the config needs 48"), e.getMessage());
    assertThrows(MosException.class, () -> new MosAdapter(config, Map.of("up_proj", d)));
  }

  @Test
  void configValidationFollowsTheSpec() {
    AdapterConfig.Builder b =
        AdapterConfig.builder().pool("q", 8, 8, "m.{layer}.q").numLayers(2);
    assertThrows(MosException.class, () -> b.r(0).build());
    // p == R_eq forces r == R_eq (plain LoRA).
    assertThrows(
        MosException.class, () -> b.r(5).equivalentRank(2).privateRank(2).build());
    assertEquals(2, b.r(2).equivalentRank(2).privateRank(2).build().r());
    // (r - p) shared vectors must fit in the (R_eq - p) * L public ones.
    assertThrows(
        MosException.class, () -> b.r(4).equivalentRank(2).privateRank(1).build());
    AdapterConfig ok =
        b.r(3).equivalentRank(2).privateRank(1).shardsPerVector(2).build();
    assertEquals(8, ok.numShards());
    assertEquals(2L * 2 * 16, ok.trainableParameters());
    assertEquals(3L * 2 * 16, ok.loraParameters(3));
    assertThrows(MosException.class, () -> b.loraDropout(1f).build());
    b.loraDropout(0f);
    assertThrows(MosException.class, () -> b.loraAlpha(Float.NaN).build());
    b.loraAlpha(16f);
    assertEquals(16f, b.build().loraAlpha());
    java.util.function.Supplier<AdapterConfig.Builder> fresh = () -> AdapterConfig.builder()
        .r(2)
        .equivalentRank(2)
        .privateRank(0)
        .numLayers(2)
        .pool("q", 8, 8, "m.{layer}.q");
    assertThrows(
        MosException.class,
        () -> fresh.get().pool("k", 8, 8, "m.k").build(),
        "module path needs {layer} when L > 1");
    assertThrows(
        MosException.class,
        () -> fresh.get().pool("k", 8, 8, "m.{layer}.q").build(),
        "two pools on one module");
    assertThrows(
        MosException.class,
        () -> fresh.get().pool("k.x", 8, 8, "m.{layer}.k").build(),
        "pool names are identifiers");
    assertEquals(2, fresh.get().pool("k", 8, 8, "m.{layer}.k").build().pools().size());
  }

  // ---- atomic save --------------------------------------------------------------------------

  @Test
  void interruptedFirstSaveLeavesNothing() throws IOException {
    Path dir = tmp.resolve("new");
    AtomicFiles.hook = target -> {
      throw new IOException("disk full (simulated)");
    };
    try {
      MosFileException e = assertThrows(MosFileException.class, () -> adapter.save(dir));
      assertTrue(
          e.getMessage().startsWith(dir + ": cannot save the adapter: disk full"), e.getMessage());
    } finally {
      AtomicFiles.hook = null;
    }
    assertFalse(Files.exists(dir));
    assertEquals(List.of(), list(tmp), "no temporary directory left behind");
  }

  @Test
  void interruptedOverwriteKeepsTheOldAdapter() throws IOException {
    Path dir = saved("a");
    Files.writeString(dir.resolve("README.md"), "mine");
    MosAdapter other = TestAdapters.random(config, 2);
    assertNotEquals(adapter, other);
    AtomicFiles.hook = target -> {
      throw new IOException("killed (simulated)");
    };
    try {
      assertThrows(MosFileException.class, () -> other.save(dir));
    } finally {
      AtomicFiles.hook = null;
    }
    assertEquals(adapter, MosAdapter.load(dir));
    assertEquals(
        List.of("README.md", AdapterFormat.CONFIG_FILE, AdapterFormat.WEIGHTS_FILE),
        list(dir),
        "no temporary file left behind");
    other.save(dir);
    assertEquals(other, MosAdapter.load(dir));
    assertEquals("mine", Files.readString(dir.resolve("README.md")), "other files untouched");
    assertEquals(List.of("a"), list(tmp), "no temporary sibling left behind");
  }

  @Test
  void overwriteWithAnotherShapeBothWays() throws IOException {
    // A plain directory and a busy one (sub-directories, links, permissions) are both replaced by
    // the atomic exchange, end with exactly the new adapter, and keep every other entry.
    AdapterConfig wider = AdapterConfig.builder()
        .r(6)
        .equivalentRank(3)
        .privateRank(1)
        .shardsPerVector(2)
        .loraAlpha(8f)
        .loraDropout(0f)
        .numLayers(3)
        .pool("up_proj", 8, 12, "model.layers.{layer}.mlp.up_proj")
        .build();
    MosAdapter other = TestAdapters.random(wider, 4);
    for (boolean busy : new boolean[] {false, true}) {
      Path dir = saved("shape-" + busy);
      Files.writeString(dir.resolve("notes.txt"), "kept");
      if (busy) { // what a clone from a hub holds: sub-directories, links, other permissions
        Files.createDirectories(dir.resolve(".git/objects"));
        Files.writeString(dir.resolve(".git/objects/ab"), "object");
        Files.createSymbolicLink(dir.resolve("README.md"), Path.of("notes.txt"));
        Files.setPosixFilePermissions(
            dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-x---"));
      }
      Object before = Files.readAttributes(dir, java.nio.file.attribute.BasicFileAttributes.class)
          .fileKey();
      other.save(dir);
      Object after = Files.readAttributes(dir, java.nio.file.attribute.BasicFileAttributes.class)
          .fileKey();
      assertNotEquals(before, after, "not replaced by the atomic exchange (a new directory)");
      assertEquals(other, MosAdapter.load(dir));
      assertEquals("kept", Files.readString(dir.resolve("notes.txt")));
      if (busy) {
        assertEquals("object", Files.readString(dir.resolve(".git/objects/ab")));
        assertEquals(Path.of("notes.txt"), Files.readSymbolicLink(dir.resolve("README.md")));
        assertEquals(
            "rwxr-x---",
            java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir)));
      }
      adapter.save(dir);
      assertEquals(adapter, MosAdapter.load(dir));
    }
    assertEquals(List.of("shape-false", "shape-true"), list(tmp));
  }

  /** Others write into the adapter directory while a save runs: nothing of theirs is lost. */
  @Test
  void entriesWrittenDuringASaveAreKept() throws IOException {
    Path dir = saved("busy");
    Files.writeString(dir.resolve("notes.txt"), "v1");
    Files.createDirectories(dir.resolve("logs"));
    Files.writeString(dir.resolve("logs/old.txt"), "old");
    MosAdapter other = TestAdapters.random(config, 12);
    AtomicFiles.hook = target -> { // after the mirror, before the exchange
      Files.writeString(dir.resolve("eval.json"), "{}");
      Path fresh = dir.resolve("notes.new");
      Files.writeString(fresh, "v2");
      Files.move(fresh, dir.resolve("notes.txt"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      Files.writeString(dir.resolve("logs/new.txt"), "new");
      Files.writeString(dir.resolve("logs/old.txt"), "old, appended in place");
    };
    try {
      other.save(dir);
    } finally {
      AtomicFiles.hook = null;
    }
    assertEquals(other, MosAdapter.load(dir));
    assertEquals("{}", Files.readString(dir.resolve("eval.json")));
    assertEquals("v2", Files.readString(dir.resolve("notes.txt")));
    assertEquals("new", Files.readString(dir.resolve("logs/new.txt")));
    assertEquals("old, appended in place", Files.readString(dir.resolve("logs/old.txt")));
    assertEquals(List.of("busy"), list(tmp), "no temporary sibling left behind");
  }

  @Test
  void savingThroughALinkToTheDirectoryKeepsTheLink() throws IOException {
    Path real = saved("real");
    Path link = Files.createSymbolicLink(tmp.resolve("link"), real);
    MosAdapter other = TestAdapters.random(config, 9);
    other.save(link);
    assertTrue(Files.isSymbolicLink(link), "the link was replaced by a directory");
    assertEquals(other, MosAdapter.load(real));
    assertEquals(List.of("link", "real"), list(tmp));
  }

  @Test
  void saveIntoAFileFails() throws IOException {
    Path file = Files.writeString(tmp.resolve("x"), "x");
    MosFileException e = assertThrows(MosFileException.class, () -> adapter.save(file));
    assertTrue(e.getMessage().contains("not a directory"), e.getMessage());
    assertThrows(MosFileException.class, () -> adapter.save(file.resolve("sub")));
  }

  private static List<String> list(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static byte[] bytes(Path p) {
    try {
      return Files.readAllBytes(p);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static List<String> iterable(java.util.Iterator<String> it) {
    List<String> out = new java.util.ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }
}

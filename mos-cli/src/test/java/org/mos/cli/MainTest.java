// SPDX-License-Identifier: Apache-2.0
// The `mos` command through Main.run (exit codes instead of System.exit): inspect prints the right
// numbers, export-lora writes PEFT LoRA, a bad file is one line and exit 1, bad arguments are
// usage and exit 2, --verbose (before or after the command) adds the stack trace.
package org.mos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.Bf16;
import org.mos.io.AdapterConfig;
import org.mos.io.AdapterFormat;
import org.mos.io.MosAdapter;
import org.mos.io.PoolData;
import org.mos.io.PoolSpec;
import org.mos.io.SafeTensors;
import org.mos.io.SafeTensorsReader;

class MainTest {
  @TempDir
  Path tmp;

  private Path adapterDir;
  private MosAdapter adapter;

  /** What one run printed. */
  record Run(int code, String out, String err) {
    List<String> errLines() {
      return err.lines().toList();
    }
  }

  static Run mos(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
    return new Run(code, out.toString(), err.toString());
  }

  @BeforeEach
  void saveAnAdapter() {
    adapter = toyAdapter();
    adapterDir = tmp.resolve("adapter");
    adapter.save(adapterDir);
  }

  /** r=8 over R_eq=2: 4x the rank for the parameters of LoRA rank 2. */
  static MosAdapter toyAdapter() {
    AdapterConfig c = AdapterConfig.builder()
        .r(8)
        .equivalentRank(2)
        .privateRank(1)
        .shardsPerVector(2)
        .numLayers(8)
        .loraAlpha(16f)
        .loraDropout(0.1f)
        .pool("up_proj", 16, 64, "model.layers.{layer}.mlp.up_proj")
        .pool("down_proj", 64, 16, "model.layers.{layer}.mlp.down_proj")
        .baseModel("toy/char-lm")
        .build();
    Random rnd = new Random(5);
    Map<String, PoolData> pools = new LinkedHashMap<>();
    int p = c.numShards();
    for (Map.Entry<String, PoolSpec> e : c.pools().entrySet()) {
      float[] a = new float[p * e.getValue().inFeatures() / 2];
      float[] b = new float[p * e.getValue().outFeatures() / 2];
      for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextGaussian();
      for (int i = 0; i < b.length; i++) b[i] = (float) rnd.nextGaussian();
      int[] ia = new int[c.numLayers() * c.indicesPerLayer()];
      int[] ib = new int[ia.length];
      for (int i = 0; i < ia.length; i++) {
        ia[i] = rnd.nextInt(p);
        ib[i] = rnd.nextInt(p);
      }
      pools.put(e.getKey(), new PoolData(a, b, ia, ib));
    }
    return new MosAdapter(c, pools);
  }

  // ---- inspect ------------------------------------------------------------------------------

  @Test
  void inspectPrintsTheCost() throws Exception {
    Run r = mos("inspect", adapterDir.toString());
    assertEquals(0, r.code(), r.err());
    String o = r.out();
    // params = R_eq * L * sum(in + out) = 2 * 8 * (80 + 80) = 2560
    assertTrue(o.contains("trainable parameters   2,560  (R_eq * L * sum(in + out))"), o);
    assertTrue(o.contains("same-size LoRA rank    2 "), o);
    // indices: 2 groups * 2 (A, B) * L * r * l = 2 * 2 * 8 * 16 = 512
    assertTrue(
        o.contains(
            "bytes in memory        12,288 (12.0 KiB): pools 10,240 f32 + indices" + " 2,048 i32"),
        o);
    long disk = Files.size(adapterDir.resolve(AdapterFormat.CONFIG_FILE))
        + Files.size(adapterDir.resolve(AdapterFormat.WEIGHTS_FILE));
    assertTrue(o.contains("bytes on disk          " + Table.count(disk) + " "), o);
    // dense LoRA at r = 8: 8 * 8 * 160 = 10,240 params, 40,960 bytes
    assertTrue(o.contains("dense LoRA at r=8      10,240 parameters, 40,960 bytes f32"), o);
    assertTrue(
        o.contains("saving vs LoRA r=8     4.00x fewer parameters (r / R_eq = 8/2), "
            + "3.33x fewer bytes in memory (40,960 -> 12,288)"),
        o);
    assertTrue(o.contains("base model             toy/char-lm"), o);
    assertTrue(o.contains("lora_alpha             16  (scaling alpha/r = 2)"), o);
    // The per-pool table.
    assertTrue(
        o.lines()
            .anyMatch(l -> l.matches(
                "up_proj\\s+16\\s+64\\s+model\\.layers\\.\\{layer\\}\\.mlp\\.up_proj\\s+\\[32, 8\\]"
                    + "\\s+\\[32, 32\\]\\s+1,280\\s+256")),
        o);
    assertTrue(o.lines().anyMatch(l -> l.matches("total\\s+2,560\\s+512")), o);
    assertEquals("", r.err());
  }

  @Test
  void inspectJson() throws Exception {
    Run r =
        mos("inspect", "--json", adapterDir.resolve(AdapterFormat.CONFIG_FILE).toString());
    assertEquals(0, r.code(), r.err());
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertEquals(2560, j.get("trainable_parameters").longValue());
    assertEquals(2, j.get("same_size_lora_rank").intValue());
    assertEquals(12288, j.get("bytes_in_memory").longValue());
    assertEquals(10240, j.get("lora_parameters_at_r").longValue());
    assertEquals(4.0, j.get("parameter_saving_vs_lora_r").doubleValue(), 1e-12);
    assertEquals(1280, j.at("/pools/down_proj/trainable_parameters").longValue());
  }

  // ---- export-lora --------------------------------------------------------------------------

  @Test
  void exportLora() {
    Path out = tmp.resolve("lora");
    Run r = mos("export-lora", adapterDir.toString(), out.toString(), "--dtype", "bf16");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("PEFT LoRA, rank 8, lora_alpha 16, bf16, 32 tensors"), r.out());
    try (SafeTensorsReader in = SafeTensorsReader.open(out.resolve(AdapterFormat.WEIGHTS_FILE))) {
      assertEquals(32, in.tensors().size());
      SafeTensors.TensorInfo b7 =
          in.get("base_model.model.model.layers.7.mlp.down_proj.lora_B.weight");
      assertEquals(SafeTensors.Dtype.BF16, b7.dtype());
      assertTrue(b7.hasShape(16, 8));
      float[] got = in.readFloats("base_model.model.model.layers.3.mlp.up_proj.lora_A.weight");
      float[] want = adapter.assembleA("up_proj", 3);
      for (int i = 0; i < want.length; i++) assertEquals(Bf16.round(want[i]), got[i]);
    }

    Run again = mos("export-lora", adapterDir.toString(), out.toString());
    assertEquals(1, again.code());
    assertEquals(
        List.of("mos: " + out + ": already holds an adapter; choose another directory or"
            + " allow overwriting (mos export-lora --force)"),
        again.errLines());
    assertEquals(
        0, mos("export-lora", "--force", adapterDir.toString(), out.toString()).code());

    Run self = mos("export-lora", "--force", adapterDir.toString(), adapterDir.toString());
    assertEquals(1, self.code());
    assertTrue(self.err().contains("is the source adapter itself"), self.err());
    assertEquals(adapter, MosAdapter.load(adapterDir), "the source is untouched");
  }

  // ---- errors -------------------------------------------------------------------------------

  @Test
  void badFileIsOneLineAndExitOne() throws Exception {
    Path weights = adapterDir.resolve(AdapterFormat.WEIGHTS_FILE);
    byte[] all = Files.readAllBytes(weights);
    Files.write(weights, java.util.Arrays.copyOf(all, all.length - 7));
    Run r = mos("inspect", adapterDir.toString());
    assertEquals(1, r.code());
    assertEquals(1, r.errLines().size(), r.err());
    assertTrue(r.err().startsWith("mos: " + weights + ": tensor '"), r.err());
    assertTrue(r.err().contains("outside the data area"), r.err());
    assertEquals("", r.out());

    Run missing = mos("inspect", tmp.resolve("nope").toString());
    assertEquals(1, missing.code());
    assertEquals(
        List.of("mos: " + tmp.resolve("nope") + ": no such adapter directory"), missing.errLines());

    Files.writeString(
        adapterDir.resolve(AdapterFormat.CONFIG_FILE),
        "{\"format\": \"mos-adapter\"," + " \"format_version\": 7}");
    Run v7 = mos("export-lora", adapterDir.toString(), tmp.resolve("x").toString());
    assertEquals(1, v7.code());
    assertEquals(1, v7.errLines().size(), v7.err());
    assertTrue(v7.err().contains("unsupported format_version 7"), v7.err());
    assertFalse(Files.exists(tmp.resolve("x")));
  }

  @Test
  void verboseAddsTheStackTrace() {
    Path nope = tmp.resolve("nope");
    for (String[] args : List.of(
        new String[] {"--verbose", "inspect", nope.toString()},
        new String[] {"inspect", nope.toString(), "-v"})) {
      Run r = mos(args);
      assertEquals(1, r.code());
      assertEquals("mos: " + nope + ": no such adapter directory", r.errLines().get(0));
      assertTrue(r.err().contains("org.mos.io.MosFileException"), r.err());
      assertTrue(r.err().contains("\tat org.mos.io.AdapterFormat"), r.err());
    }
  }

  @Test
  void wrongArgumentsGiveUsageAndExitTwo() {
    Run none = mos("inspect");
    assertEquals(2, none.code());
    assertTrue(
        none.err().startsWith("mos inspect: Missing required parameter: 'ADAPTER'"), none.err());
    assertTrue(none.err().contains("Usage: mos inspect"), none.err());

    Run dtype = mos("export-lora", "a", "b", "--dtype", "f16");
    assertEquals(2, dtype.code());
    assertTrue(dtype.err().contains("'f16' is not a dtype; use f32 or bf16"), dtype.err());
    assertTrue(dtype.err().contains("Usage: mos export-lora"), dtype.err());

    Run unknown = mos("frobnicate");
    assertEquals(2, unknown.code());
    assertTrue(unknown.err().contains("Unmatched argument"), unknown.err());

    Run option = mos("inspect", "--nope", "x");
    assertEquals(2, option.code());
    assertTrue(option.err().contains("Unknown option: '--nope'"), option.err());

    Run bare = mos();
    assertEquals(2, bare.code());
    assertTrue(bare.err().contains("Usage: mos"), bare.err());
    assertTrue(bare.err().contains("inspect"), bare.err());
  }

  @Test
  void exampleRunsTheApiExample() {
    Run r = mos("example", "20", "10", "1");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("step   10") && r.out().contains("% lower"), r.out());
    Run bad = mos("example", "not-a-number"); // a usage error (CliContractTest has the rest)
    assertEquals(2, bad.code());
    assertTrue(
        bad.err().startsWith("mos example: Invalid value for positional parameter"), bad.err());
  }

  @Test
  void helpEverywhere() {
    Run top = mos("--help");
    assertEquals(0, top.code());
    for (String cmd : List.of("inspect", "export-lora", "example", "help")) {
      assertTrue(top.out().contains("  " + cmd), cmd + " in: " + top.out());
    }
    for (String cmd : List.of("inspect", "export-lora", "example")) {
      Run r = mos(cmd, "--help");
      assertEquals(0, r.code(), cmd);
      assertTrue(r.out().contains("Usage: mos " + cmd), r.out());
    }
    Run help = mos("help", "export-lora");
    assertEquals(0, help.code());
    assertTrue(help.out().contains("--dtype=f32|bf16"), help.out());
  }
}

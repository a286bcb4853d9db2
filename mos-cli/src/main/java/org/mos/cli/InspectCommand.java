// SPDX-License-Identifier: Apache-2.0
// `mos inspect ADAPTER|CHECKPOINT`: loads an adapter strictly and reports its config, what it costs
// (trainable parameters, bytes on disk and in memory) and what it saves against dense LoRA at its
// active rank; or shows a checkpoint directory and what an MoS adapter would cost on it.
package org.mos.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.mos.io.AdapterConfig;
import org.mos.io.AdapterFormat;
import org.mos.io.LoraExport;
import org.mos.io.MosAdapter;
import org.mos.io.PoolSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Prints an adapter's config and cost. */
@Command(
    name = "inspect",
    header = "Show an adapter's config, cost, and saving vs dense LoRA; or a checkpoint's.",
    mixinStandardHelpOptions = true,
    description = {
      "Load a mos adapter (checking it completely) and show its configuration, pool groups, "
          + "trainable parameters, bytes on disk and in memory, the LoRA rank with the same "
          + "parameter count (R_eq), and the saving against dense LoRA at the active rank r.",
      "Given a Hugging Face checkpoint directory (config.json and safetensors weights), show its "
          + "architecture, sizes and weight dtypes, and what an MoS adapter with --r and "
          + "--equivalent-rank on all seven projections would cost against LoRA of rank r.",
      ""
    })
final class InspectCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "ADAPTER",
      description =
          "The adapter directory (or its adapter_config.json), or a checkpoint " + "directory.")
  Path adapter;

  @Option(
      names = "--r",
      paramLabel = "N",
      defaultValue = "8",
      description = "For a checkpoint: the active rank r of the adapter to cost (default: "
          + "${DEFAULT-VALUE}).")
  int r;

  @Option(
      names = "--equivalent-rank",
      paramLabel = "N",
      defaultValue = "2",
      description = "For a checkpoint: the equivalent rank R_eq (default: ${DEFAULT-VALUE}).")
  int equivalentRank;

  @Option(names = "--json", description = "Print the report as one JSON object instead.")
  boolean json;

  /** Every number the report shows, computed once. */
  record Report(Path dir, MosAdapter adapter, long configBytes, long weightsBytes) {
    AdapterConfig c() {
      return adapter.config();
    }

    long params() {
      return c().trainableParameters();
    }

    long indices() {
      return c().indexCount();
    }

    long memoryBytes() {
      return params() * Float.BYTES + indices() * Integer.BYTES;
    }

    long diskBytes() {
      return configBytes + weightsBytes;
    }

    /** The LoRA rank with exactly the same trainable parameters: R_eq. */
    long sameSizeLoraRank() {
      return params() / c().loraParameters(1);
    }

    long loraParams() {
      return c().loraParameters(c().r());
    }

    long loraBytes() {
      return loraParams() * Float.BYTES;
    }
  }

  static Report report(Path path) {
    MosAdapter a = MosAdapter.load(path);
    Path dir = AdapterFormat.adapterDirectory(path);
    try {
      return new Report(
          dir,
          a,
          Files.size(dir.resolve(AdapterFormat.CONFIG_FILE)),
          Files.size(dir.resolve(AdapterFormat.WEIGHTS_FILE)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    if (CheckpointReport.isCheckpoint(adapter)) {
      if (r < 1 || equivalentRank < 1) {
        throw new picocli.CommandLine.ParameterException(
            spec.commandLine(),
            "--r and --equivalent-rank must be >= 1, got " + r + " and " + equivalentRank);
      }
      CheckpointReport c = CheckpointReport.of(adapter, this.r, equivalentRank);
      if (json) {
        ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        out.println(m.writeValueAsString(c.toJson(m)));
      } else {
        c.print(out);
      }
      return 0;
    }
    Report r = report(adapter);
    if (json) {
      ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
      out.println(m.writeValueAsString(toJson(r, m)));
    } else {
      print(r, out);
    }
    return 0;
  }

  /** Text from the file as the terminal may show it: no control or escape sequences, bounded. */
  private static String shown(String fromFile) {
    return org.mos.io.MosFileException.printable(fromFile, 200);
  }

  private static void print(Report r, PrintWriter out) {
    AdapterConfig c = r.c();
    kv(out, "adapter", shown(r.dir().toString()));
    kv(
        out,
        "format",
        AdapterFormat.FORMAT + " v" + AdapterFormat.FORMAT_VERSION + ", peft_type "
            + AdapterFormat.PEFT_TYPE);
    if (c.baseModel() != null) kv(out, "base model", shown(c.baseModel()));
    kv(out, "active rank r", Integer.toString(c.r()));
    kv(out, "equivalent rank R_eq", Integer.toString(c.equivalentRank()));
    kv(out, "private rank p", Integer.toString(c.privateRank()));
    kv(out, "shards per vector l", Integer.toString(c.shardsPerVector()));
    kv(
        out,
        "lora_alpha",
        Table.number(c.loraAlpha()) + "  (scaling alpha/r = " + Table.number(c.scaling()) + ")");
    kv(out, "lora_dropout", Table.number(c.loraDropout()));
    kv(out, "layers L", Integer.toString(c.numLayers()));
    kv(out, "shards per pool P", c.numShards() + "  (R_eq * L * l)");
    out.println();

    int p = c.numShards();
    int l = c.shardsPerVector();
    Table t = new Table(
            "pool group", "in", "out", "module path", "pool_A", "pool_B", "params", "indices")
        .right(1, 2, 6, 7);
    for (Map.Entry<String, PoolSpec> e : c.pools().entrySet()) {
      PoolSpec s = e.getValue();
      t.row(
          e.getKey(),
          s.inFeatures(),
          s.outFeatures(),
          shown(s.modulePath()),
          "[" + p + ", " + s.inFeatures() / l + "]",
          "[" + s.outFeatures() / l + ", " + p + "]",
          Table.count(c.trainableParameters(e.getKey())),
          Table.count(2L * c.numLayers() * c.indicesPerLayer()));
    }
    t.rule().row("total", "", "", "", "", "", Table.count(r.params()), Table.count(r.indices()));
    t.print(out);
    out.println();

    kv(out, "trainable parameters", Table.count(r.params()) + "  (R_eq * L * sum(in + out))");
    kv(
        out,
        "same-size LoRA rank",
        r.sameSizeLoraRank() + "  (dense LoRA of rank R_eq has exactly as many parameters)");
    kv(
        out,
        "bytes in memory",
        Table.count(r.memoryBytes()) + " (" + Table.bytes(r.memoryBytes())
            + "): pools " + Table.count(r.params() * 4) + " f32 + indices "
            + Table.count(r.indices() * 4) + " i32");
    kv(
        out,
        "bytes on disk",
        Table.count(r.diskBytes()) + " (" + Table.bytes(r.diskBytes()) + "): "
            + AdapterFormat.WEIGHTS_FILE + " " + Table.count(r.weightsBytes()) + " + "
            + AdapterFormat.CONFIG_FILE + " " + Table.count(r.configBytes()));
    kv(
        out,
        "dense LoRA at r=" + c.r(),
        Table.count(r.loraParams()) + " parameters, " + Table.count(r.loraBytes()) + " bytes f32 ("
            + Table.bytes(r.loraBytes()) + ")");
    kv(
        out,
        "saving vs LoRA r=" + c.r(),
        Table.ratio((double) r.loraParams() / r.params())
            + " fewer parameters (r / R_eq = " + c.r() + "/" + c.equivalentRank() + "), "
            + Table.ratio((double) r.loraBytes() / r.memoryBytes()) + " fewer bytes in memory ("
            + Table.count(r.loraBytes()) + " -> " + Table.count(r.memoryBytes()) + ")");
    kv(
        out,
        "training state",
        Table.count(4 * r.params() * 4) + " bytes (pools, grads, AdamW m, v" + " in f32) vs "
            + Table.count(4 * r.loraBytes()) + " for LoRA r=" + c.r());
    kv(
        out,
        "PEFT LoRA export",
        Table.count(LoraExport.exportedBytes(c, LoraExport.Precision.F32))
            + " bytes f32, " + Table.count(LoraExport.exportedBytes(c, LoraExport.Precision.BF16))
            + " bf16 (mos export-lora: dense rank-r factors)");
    if (!c.metadata().isEmpty()) {
      try {
        kv(
            out,
            "metadata",
            org.mos.io.MosFileException.printable(
                new ObjectMapper().writeValueAsString(c.metadata()), 2000));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private static void kv(PrintWriter out, String key, String value) {
    out.println(String.format(Locale.ROOT, "%-22s %s", key, value));
  }

  private static ObjectNode toJson(Report r, ObjectMapper m) {
    AdapterConfig c = r.c();
    ObjectNode o = m.createObjectNode();
    o.put("adapter", r.dir().toString());
    o.put("format", AdapterFormat.FORMAT);
    o.put("format_version", AdapterFormat.FORMAT_VERSION);
    o.put("base_model", c.baseModel());
    o.put("r", c.r());
    o.put("equivalent_rank", c.equivalentRank());
    o.put("private_rank", c.privateRank());
    o.put("shards_per_vector", c.shardsPerVector());
    o.put("lora_alpha", c.loraAlpha());
    o.put("lora_dropout", c.loraDropout());
    o.put("num_layers", c.numLayers());
    o.put("num_shards", c.numShards());
    ObjectNode pools = o.putObject("pools");
    c.pools().forEach((name, s) -> {
      ObjectNode p = pools.putObject(name);
      p.put("in_features", s.inFeatures());
      p.put("out_features", s.outFeatures());
      p.put("module_path", s.modulePath());
      p.put("trainable_parameters", c.trainableParameters(name));
      p.put("indices", 2L * c.numLayers() * c.indicesPerLayer());
    });
    o.put("trainable_parameters", r.params());
    o.put("indices", r.indices());
    o.put("same_size_lora_rank", r.sameSizeLoraRank());
    o.put("bytes_in_memory", r.memoryBytes());
    o.put("bytes_on_disk", r.diskBytes());
    o.put("lora_parameters_at_r", r.loraParams());
    o.put("lora_bytes_at_r", r.loraBytes());
    o.put("parameter_saving_vs_lora_r", (double) r.loraParams() / r.params());
    o.put("memory_saving_vs_lora_r", (double) r.loraBytes() / r.memoryBytes());
    o.set("metadata", m.valueToTree(c.metadata()));
    return o;
  }
}

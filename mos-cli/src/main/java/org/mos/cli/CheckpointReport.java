// SPDX-License-Identifier: Apache-2.0
// CheckpointReport: what `mos inspect` shows for a Hugging Face checkpoint directory: the
// architecture, sizes and dtypes, and what an MoS adapter of a given r and R_eq would cost on its
// seven projections against LoRA.
package org.mos.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.TreeSet;
import org.mos.io.SafeTensors.Dtype;
import org.mos.llm.HfCheckpoint;
import org.mos.llm.LlamaConfig;
import org.mos.llm.LlamaModel;

/**
 * A checkpoint's facts (opened with {@link HfCheckpoint#open}, which checks config.json and every
 * tensor header; no weight is read) and an MoS adapter's cost on it: per projection
 * R_eq·L·(in + out) trainable parameters, against r·L·(in + out) for LoRA of the active rank r.
 */
record CheckpointReport(
    Path dir,
    LlamaConfig config,
    TreeSet<String> dtypes,
    long dataBytes,
    int files,
    int r,
    int equivalentRank) {

  /** Whether {@code path} looks like a checkpoint directory rather than an adapter. */
  static boolean isCheckpoint(Path path) {
    return Files.isDirectory(path)
        && Files.isRegularFile(path.resolve("config.json"))
        && !Files.exists(path.resolve(org.mos.io.AdapterFormat.CONFIG_FILE));
  }

  static CheckpointReport of(Path dir, int r, int equivalentRank) {
    try (HfCheckpoint ck = HfCheckpoint.open(dir)) {
      TreeSet<String> dtypes = new TreeSet<>();
      for (Dtype d : ck.dtypes()) dtypes.add(d.name());
      return new CheckpointReport(
          dir, ck.config(), dtypes, ck.dataBytes(), ck.files().size(), r, equivalentRank);
    }
  }

  /** Sum over the seven projections of (in + out). */
  long inPlusOut() {
    long s = 0;
    for (String p : LlamaModel.PROJECTIONS) {
      int[] shape = LlamaModel.projectionShape(config, p);
      s += shape[0] + shape[1];
    }
    return s;
  }

  long mosParameters() {
    return (long) equivalentRank * config.numLayers() * inPlusOut();
  }

  long loraParameters() {
    return (long) r * config.numLayers() * inPlusOut();
  }

  void print(PrintWriter out) {
    LlamaConfig c = config;
    kv(out, "checkpoint", org.mos.io.MosFileException.printable(dir.toString(), 200));
    kv(
        out,
        "architecture",
        c.architecture().className() + " (model_type " + c.architecture().modelType() + ")");
    kv(out, "blocks L", Integer.toString(c.numLayers()));
    kv(out, "hidden size", Integer.toString(c.hiddenSize()));
    kv(out, "intermediate size", Integer.toString(c.intermediateSize()));
    kv(
        out,
        "attention heads",
        c.numHeads() + " query, " + c.numKvHeads() + " key/value, head_dim " + c.headDim());
    kv(out, "vocabulary", Table.count(c.vocabSize()));
    kv(out, "max positions", Table.count(c.maxPositions()));
    kv(out, "tied embeddings", Boolean.toString(c.tieWordEmbeddings()));
    kv(out, "parameters", Table.count(c.parameterCount()));
    kv(
        out,
        "weights",
        String.join(", ", dtypes) + ", " + Table.count(dataBytes) + " bytes ("
            + Table.bytes(dataBytes) + ") in " + files + " file(s)");
    kv(
        out,
        "decoder memory",
        Table.bytes(c.decoderBytes(Dtype.BF16)) + " with bf16" + " weights, "
            + Table.bytes(c.decoderBytes(Dtype.F32)) + " with f32");
    out.println();
    Table t = new Table("projection", "in", "out", "MoS R_eq=" + equivalentRank, "LoRA r=" + r)
        .right(1, 2, 3, 4);
    for (String p : LlamaModel.PROJECTIONS) {
      int[] s = LlamaModel.projectionShape(c, p);
      long io = (long) s[0] + s[1];
      t.row(
          p,
          s[0],
          s[1],
          Table.count((long) equivalentRank * c.numLayers() * io),
          Table.count((long) r * c.numLayers() * io));
    }
    t.rule().row("all seven", "", "", Table.count(mosParameters()), Table.count(loraParameters()));
    t.print(out);
    out.println();
    kv(
        out,
        "MoS r=" + r + ", R_eq=" + equivalentRank,
        Table.count(mosParameters())
            + " trainable parameters (" + Table.bytes(4 * mosParameters()) + " f32; training state"
            + " with gradients and AdamW moments " + Table.bytes(16 * mosParameters()) + ")");
    kv(
        out,
        "LoRA r=" + r,
        Table.count(loraParameters()) + " trainable parameters ("
            + Table.ratio((double) loraParameters() / mosParameters()) + " as many)");
    long maxR = 1 + (long) (equivalentRank - 1) * c.numLayers();
    if (equivalentRank > 1 && r > maxR) {
      kv(
          out,
          "note",
          "with p=1 and " + c.numLayers() + " blocks, r can be at most " + maxR + " for R_eq="
              + equivalentRank + " ((r - p) <= (R_eq - p) L)");
    }
  }

  ObjectNode toJson(ObjectMapper m) {
    LlamaConfig c = config;
    ObjectNode o = m.createObjectNode();
    o.put("checkpoint", dir.toString());
    o.put("architecture", c.architecture().className());
    o.put("model_type", c.architecture().modelType());
    o.put("num_layers", c.numLayers());
    o.put("hidden_size", c.hiddenSize());
    o.put("intermediate_size", c.intermediateSize());
    o.put("num_attention_heads", c.numHeads());
    o.put("num_key_value_heads", c.numKvHeads());
    o.put("head_dim", c.headDim());
    o.put("vocab_size", c.vocabSize());
    o.put("max_position_embeddings", c.maxPositions());
    o.put("tie_word_embeddings", c.tieWordEmbeddings());
    o.put("parameters", c.parameterCount());
    o.set("dtypes", m.valueToTree(dtypes));
    o.put("weight_bytes", dataBytes);
    ObjectNode a = o.putObject("adapter_cost");
    a.put("r", r);
    a.put("equivalent_rank", equivalentRank);
    a.put("mos_parameters", mosParameters());
    a.put("lora_parameters_at_r", loraParameters());
    return o;
  }

  private static void kv(PrintWriter out, String key, String value) {
    out.println(String.format(Locale.ROOT, "%-22s %s", key, value));
  }
}

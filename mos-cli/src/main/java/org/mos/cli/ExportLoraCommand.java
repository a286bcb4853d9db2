// SPDX-License-Identifier: Apache-2.0
// `mos export-lora ADAPTER OUT`: writes the PEFT LoRA form of a mos adapter (assembled A_k, B_k of
// every block under PEFT's names), loadable by PEFT, vLLM and LoRAX.
package org.mos.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.mos.io.AdapterConfig;
import org.mos.io.AdapterFormat;
import org.mos.io.LoraExport;
import org.mos.io.MosAdapter;
import org.mos.io.MosFileException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Exports an adapter to PEFT LoRA. */
@Command(
    name = "export-lora",
    header = "Export to a standard PEFT LoRA adapter (PEFT, vLLM, LoRAX).",
    mixinStandardHelpOptions = true,
    description = {
      "Export a mos adapter as a standard PEFT LoRA adapter: for every pool group and block k, "
          + "base_model.model.<module path>.lora_A.weight [r, in] and .lora_B.weight [out, r] "
          + "hold the assembled A_k and B_k, with the same r and lora_alpha, so the scaling "
          + "alpha/r carries over unchanged. Load the result with PEFT "
          + "(PeftModel.from_pretrained), vLLM (--enable-lora --lora-modules NAME=OUT) or LoRAX.",
      "The export is dense LoRA of rank r: r/R_eq times the size of the mos adapter.",
      ""
    })
final class ExportLoraCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "ADAPTER", description = "The mos adapter directory.")
  Path adapter;

  @Parameters(
      index = "1",
      paramLabel = "OUT",
      description = "The directory to write (created if missing).")
  Path out;

  @Option(
      names = "--dtype",
      paramLabel = "f32|bf16",
      defaultValue = "f32",
      converter = PrecisionConverter.class,
      description = "Element type of the exported factors: f32 (exact, the default) or bf16 "
          + "(round to nearest even, half the bytes).")
  LoraExport.Precision dtype;

  @Option(
      names = "--force",
      description = "Overwrite an adapter already in OUT (its two files; other files stay).")
  boolean force;

  static final class PrecisionConverter
      implements picocli.CommandLine.ITypeConverter<LoraExport.Precision> {
    @Override
    public LoraExport.Precision convert(String value) {
      return switch (value.toLowerCase(java.util.Locale.ROOT)) {
        case "f32", "float32", "fp32" -> LoraExport.Precision.F32;
        case "bf16", "bfloat16" -> LoraExport.Precision.BF16;
        default ->
          throw new picocli.CommandLine.TypeConversionException(
              "'" + value + "' is not a dtype; use f32 or bf16");
      };
    }
  }

  @Override
  public Integer call() throws IOException {
    MosAdapter a = MosAdapter.load(adapter);
    Path src = AdapterFormat.adapterDirectory(adapter);
    if (Files.exists(out) && Files.isSameFile(src, out)) {
      throw new MosFileException(out, "is the source adapter itself; choose another directory");
    }
    LoraExport.export(a, out, dtype, force);
    AdapterConfig c = a.config();
    long bytes = Files.size(out.resolve(AdapterFormat.WEIGHTS_FILE));
    PrintWriter w = spec.commandLine().getOut();
    w.printf(
        "wrote %s: PEFT LoRA, rank %d, lora_alpha %s, %s, %d tensors (%d pool groups x %d "
            + "layers x A, B), %s bytes (%s)%n",
        out,
        c.r(),
        Table.number(c.loraAlpha()),
        dtype.name().toLowerCase(java.util.Locale.ROOT),
        2 * c.pools().size() * c.numLayers(),
        c.pools().size(),
        c.numLayers(),
        Table.count(bytes),
        Table.bytes(bytes));
    w.printf("target_modules %s%n", LoraExport.targetModules(c));
    w.printf("load it with: PeftModel.from_pretrained(base_model, \"%s\")%n", out);
    return 0;
  }
}

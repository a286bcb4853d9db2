// SPDX-License-Identifier: Apache-2.0
// ModelOptions: the options of every command that runs a checkpoint (score, generate): --model,
// --adapter, --weight-dtype, written once as a picocli mixin that loads the model.
package org.mos.cli;

import java.nio.file.Path;
import java.util.Locale;
import org.mos.MosContext;
import org.mos.llm.LlamaModel;
import org.mos.llm.LlamaModel.LoadOptions;
import org.mos.llm.LlamaModel.WeightStorage;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code --model DIR}, {@code --adapter DIR} and {@code --weight-dtype}: a command takes them
 * with {@code @Mixin ModelOptions model;} and calls {@link #load} for a {@link LlamaModel} with
 * the adapter attached.
 */
final class ModelOptions {
  @Option(
      names = "--model",
      paramLabel = "DIR",
      required = true,
      description = "A Hugging Face checkpoint directory (config.json and model.safetensors or a "
          + "sharded index), e.g. what 'huggingface-cli download' writes.")
  Path model;

  @Option(
      names = "--adapter",
      paramLabel = "DIR",
      description = "An adapter for that model: a mos adapter directory or a PEFT LoRA "
          + "directory (adapter_config.json + adapter_model.safetensors). Its lora_dropout is "
          + "not applied.")
  Path adapter;

  @Option(
      names = "--weight-dtype",
      paramLabel = "auto|bf16|f32",
      defaultValue = "auto",
      converter = StorageConverter.class,
      description = "How the weights are held: auto (f32 for F32/F16 checkpoints, exact; bf16 "
          + "for BF16 ones; the default), bf16 (2 bytes a parameter) or f32. Computation is "
          + "f32 either way.")
  WeightStorage weightStorage;

  static final class StorageConverter implements CommandLine.ITypeConverter<WeightStorage> {
    @Override
    public WeightStorage convert(String value) {
      return switch (value.toLowerCase(Locale.ROOT)) {
        case "auto" -> WeightStorage.AS_CHECKPOINT;
        case "bf16", "bfloat16" -> WeightStorage.BF16;
        case "f32", "float32", "fp32" -> WeightStorage.F32;
        default ->
          throw new CommandLine.TypeConversionException(
              "'" + value + "' is not a weight dtype; use auto, bf16 or f32");
      };
    }
  }

  /**
   * Loads the model on {@code ctx} (with its tokenizer when {@code tokenizer}) and attaches the
   * adapter, if one was given.
   */
  LlamaModel load(MosContext ctx, boolean tokenizer) {
    LlamaModel m = LlamaModel.load(
        ctx,
        model,
        LoadOptions.defaults().withWeightStorage(weightStorage).withTokenizer(tokenizer));
    try {
      if (adapter != null) m.loadAdapter(adapter);
      return m;
    } catch (RuntimeException e) {
      m.close();
      throw e;
    }
  }
}

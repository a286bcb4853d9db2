// SPDX-License-Identifier: Apache-2.0
// `mos generate --model DIR [--adapter DIR] --ids "ID ..." --max-new-tokens N [--temperature T]
// [--json]`: a continuation of a prompt given as token ids, through libmos's KV-cache generation.
package org.mos.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.mos.MosContext;
import org.mos.Sampling;
import org.mos.llm.LlamaModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Generates from a prompt of token ids. */
@Command(
    name = "generate",
    header = "Continue a prompt of token ids with a checkpoint.",
    mixinStandardHelpOptions = true,
    description = {
        "Generate up to --max-new-tokens ids after the prompt with a Hugging Face Llama-family "
            + "checkpoint, optionally with an adapter. Temperature 0 (the default) is greedy "
            + "decoding (the lowest id wins an exact tie). Generation stops early at an EOS id of "
            + "generation_config.json (else config.json), which is then the last id printed, as "
            + "Hugging Face's generate() keeps it.",
        "With --json, stdout holds exactly {\"ids\": [the generated ids]} (the prompt not "
            + "included).",
        ""})
final class GenerateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ModelOptions modelOptions;

  @Option(names = "--ids", paramLabel = "\"ID ID ...\"", required = true,
      description = "The prompt: whitespace-separated token ids (at least one).")
  String ids;

  @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "64",
      description = "Generate at most N ids (default: ${DEFAULT-VALUE}).")
  int maxNewTokens;

  @Option(names = "--temperature", paramLabel = "T", defaultValue = "0",
      description = "0: greedy (default); > 0: sample from softmax(logits / T).")
  float temperature;

  @Option(names = "--seed", paramLabel = "N", defaultValue = "0",
      description = "Seed of sampling (with --temperature > 0; default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--json", description = "Print one JSON object on stdout.")
  boolean json;

  @Override
  public Integer call() {
    String[] problem = new String[1];
    int[] prompt = TokenIds.parse(ids, problem);
    if (prompt == null) throw new ParameterException(spec.commandLine(), "--ids: " + problem[0]);
    if (prompt.length == 0) {
      throw new ParameterException(spec.commandLine(), "--ids: the prompt needs at least one id");
    }
    if (maxNewTokens < 1) {
      throw new ParameterException(spec.commandLine(), "--max-new-tokens must be >= 1, got "
          + maxNewTokens);
    }
    if (!Float.isFinite(temperature) || temperature < 0) {
      throw new ParameterException(spec.commandLine(), "--temperature must be >= 0, got "
          + temperature);
    }
    long start = System.nanoTime();
    try (MosContext ctx = MosContext.cpu();
        LlamaModel model = modelOptions.load(ctx, false)) {
      String bad = TokenIds.outOfVocab(prompt, model.config().vocabSize());
      if (bad != null) throw new ParameterException(spec.commandLine(), "--ids: " + bad);
      int max = model.config().maxPositions();
      if ((long) prompt.length + maxNewTokens - 1 > max) {
        throw new ParameterException(spec.commandLine(), "--max-new-tokens: " + prompt.length
            + " prompt ids + " + maxNewTokens + " new ids need " + (prompt.length + maxNewTokens
            - 1) + " positions, more than the model's " + max);
      }
      Sampling sampling = temperature == 0 ? Sampling.greedy()
          : Sampling.temperature(temperature, seed);
      LlamaModel.Generation g = model.generate(prompt,
          new LlamaModel.GenerateOptions(maxNewTokens, sampling, null));
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        ObjectNode o = new ObjectMapper().createObjectNode();
        ArrayNode a = o.putArray("ids");
        for (int id : g.ids()) a.add(id);
        out.println(o.toString());
      } else {
        out.println(Arrays.stream(g.ids()).mapToObj(Integer::toString)
            .collect(Collectors.joining(" ")));
      }
      out.flush();
      spec.commandLine().getErr().printf(Locale.ROOT, "mos generate: %d ids after %d prompt ids"
              + " (%s), %s, %s weights%s, %.2f s%n", g.ids().length, prompt.length,
          g.finishReason().name().toLowerCase(Locale.ROOT).replace('_', ' '), model.name(),
          model.weightDtype(), modelOptions.adapter == null ? "" : ", adapter "
              + modelOptions.adapter, (System.nanoTime() - start) / 1e9);
      return 0;
    }
  }
}

// SPDX-License-Identifier: Apache-2.0
// `mos generate --model DIR [--adapter DIR] (--prompt TEXT | --ids "ID ...") [--max-new-tokens N]
// [--temperature T --top-k K --top-p P --seed N] [--json]`: a continuation of a prompt, text
// streamed
// to the terminal as it is generated, or token ids, through libmos's KV-cache generation.
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

/** Generates from a prompt of text or token ids. */
@Command(
    name = "generate",
    header = "Continue a prompt (text or token ids) with a checkpoint.",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Generate up to --max-new-tokens tokens after the prompt with a Hugging Face "
          + "Llama-family checkpoint, optionally with an adapter. Temperature 0 (the default) "
          + "is greedy decoding (the lowest id wins an exact tie). Generation stops early at an "
          + "EOS id (tokenizer files, generation_config.json, else config.json), which is then "
          + "the last id, as Hugging Face's generate() keeps it.",
      "--prompt TEXT is tokenized with the checkpoint's tokenizer (BOS where its files add "
          + "one) and the new text is printed as it is generated. --ids gives the prompt as "
          + "token ids and prints the new ids. With --json, stdout holds exactly one object: "
          + "{\"ids\": [...]}, plus \"text\" for --prompt (the prompt not included).",
      ""
    })
final class GenerateCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ModelOptions modelOptions;

  @Option(
      names = "--prompt",
      paramLabel = "TEXT",
      description = "The prompt as text (needs the checkpoint's tokenizer.json).")
  String prompt;

  @Option(
      names = "--ids",
      paramLabel = "\"ID ID ...\"",
      description = "The prompt as whitespace-separated token ids (at least one).")
  String ids;

  @Option(
      names = "--max-new-tokens",
      paramLabel = "N",
      defaultValue = "64",
      description = "Generate at most N ids (default: ${DEFAULT-VALUE}).")
  int maxNewTokens;

  @Option(
      names = "--temperature",
      paramLabel = "T",
      defaultValue = "0",
      description = "0: greedy (default); > 0: sample from softmax(logits / T).")
  float temperature;

  @Option(
      names = "--top-k",
      paramLabel = "K",
      defaultValue = "0",
      description = "Sample from the K most likely tokens only (0: all; default).")
  int topK;

  @Option(
      names = "--top-p",
      paramLabel = "P",
      defaultValue = "1",
      description = "Sample from the smallest set of tokens whose probability reaches P "
          + "(nucleus sampling; 1: all, the default).")
  float topP;

  @Option(
      names = "--seed",
      paramLabel = "N",
      defaultValue = "0",
      description = "Seed of sampling (with --temperature > 0; default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--json", description = "Print one JSON object on stdout.")
  boolean json;

  @Override
  public Integer call() {
    if ((prompt == null) == (ids == null)) {
      throw new ParameterException(
          spec.commandLine(),
          "give the prompt as --prompt TEXT or as" + " --ids \"ID ...\" (one of the two)");
    }
    int[] promptIds = null;
    if (ids != null) {
      String[] problem = new String[1];
      promptIds = TokenIds.parse(ids, problem);
      if (promptIds == null)
        throw new ParameterException(spec.commandLine(), "--ids: " + problem[0]);
      if (promptIds.length == 0) {
        throw new ParameterException(spec.commandLine(), "--ids: the prompt needs at least one id");
      }
    }
    if (maxNewTokens < 1) {
      throw new ParameterException(
          spec.commandLine(), "--max-new-tokens must be >= 1, got " + maxNewTokens);
    }
    if (!Float.isFinite(temperature) || temperature < 0) {
      throw new ParameterException(
          spec.commandLine(), "--temperature must be >= 0, got " + temperature);
    }
    if (topK < 0)
      throw new ParameterException(spec.commandLine(), "--top-k must be >= 0, got " + topK);
    if (!(topP > 0 && topP <= 1)) {
      throw new ParameterException(spec.commandLine(), "--top-p must be in (0, 1], got " + topP);
    }
    long start = System.nanoTime();
    try (MosContext ctx = MosContext.cpu();
        LlamaModel model = modelOptions.load(ctx, prompt != null)) {
      if (prompt != null) {
        if (model.tokenizer().isEmpty()) {
          throw new org.mos.io.MosFileException(
              modelOptions.model,
              "no tokenizer.json: --prompt" + " needs the checkpoint's tokenizer (or give --ids)");
        }
        promptIds = model.promptIds(prompt);
        if (promptIds.length == 0) {
          throw new ParameterException(
              spec.commandLine(),
              "--prompt: the prompt is empty (and" + " the tokenizer adds no BOS)");
        }
      }
      int[] prompt = promptIds;
      String bad = TokenIds.outOfVocab(prompt, model.config().vocabSize());
      if (bad != null) throw new ParameterException(spec.commandLine(), "--ids: " + bad);
      int max = model.config().maxPositions();
      if ((long) prompt.length + maxNewTokens - 1 > max) {
        throw new ParameterException(
            spec.commandLine(),
            "--max-new-tokens: " + prompt.length
                + " prompt ids + " + maxNewTokens + " new ids need "
                + (prompt.length + maxNewTokens - 1) + " positions, more than the model's " + max);
      }
      Sampling sampling =
          temperature == 0 ? Sampling.greedy() : new Sampling(temperature, topK, topP, seed);
      PrintWriter out = spec.commandLine().getOut();
      boolean stream = this.prompt != null && !json;
      StringBuilder printed = new StringBuilder();
      LlamaModel.Generation g = model.generate(
          prompt,
          new LlamaModel.GenerateOptions(maxNewTokens, sampling, null),
          !stream
              ? null
              : (req, id, text) -> {
                out.print(text);
                out.flush();
                printed.append(text);
                return false;
              });
      if (json) {
        ObjectNode o = new ObjectMapper().createObjectNode();
        ArrayNode a = o.putArray("ids");
        for (int id : g.ids()) a.add(id);
        g.text().ifPresent(t -> o.put("text", t));
        out.println(o.toString());
      } else if (stream) {
        String all = g.text().orElse(""); // what the stream held back at the end, if anything
        out.println(all.startsWith(printed.toString()) ? all.substring(printed.length()) : "");
      } else {
        out.println(
            Arrays.stream(g.ids()).mapToObj(Integer::toString).collect(Collectors.joining(" ")));
      }
      out.flush();
      spec.commandLine()
          .getErr()
          .printf(
              Locale.ROOT,
              "mos generate: %d ids after %d prompt ids" + " (%s), %s, %s weights%s, %.2f s%n",
              g.ids().length,
              prompt.length,
              g.finishReason().name().toLowerCase(Locale.ROOT).replace('_', ' '),
              model.name(),
              model.weightDtype(),
              modelOptions.adapter == null ? "" : ", adapter " + modelOptions.adapter,
              (System.nanoTime() - start) / 1e9);
      return 0;
    }
  }
}

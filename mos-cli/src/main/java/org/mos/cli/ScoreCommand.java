// SPDX-License-Identifier: Apache-2.0
// `mos score --model DIR [--adapter DIR] --ids FILE [--json]`: the mean negative log-likelihood of
// token id sequences under a checkpoint (and adapter), pooled over every position after the first.
package org.mos.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.mos.Decoder;
import org.mos.MosContext;
import org.mos.io.MosFileException;
import org.mos.llm.LlamaModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Scores token id sequences. */
@Command(
    name = "score",
    header = "Mean negative log-likelihood of token id sequences under a checkpoint.",
    mixinStandardHelpOptions = true,
    description = {
      "Score token id sequences with a Hugging Face Llama-family checkpoint, optionally with an "
          + "adapter: the total of -ln p(id_t | id_<t) over every position t >= 1 of every "
          + "sequence, divided by the number of such positions (pooled over the sequences), "
          + "in nats. No BOS is added; BOS and EOS ids in a line are scored like any other id. "
          + "No tokenizer is needed.",
      "With --json, stdout holds exactly {\"mean_nll\": <nats>, \"tokens\": <positions>}; "
          + "a summary goes to stderr.",
      ""
    })
final class ScoreCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ModelOptions modelOptions;

  @Option(
      names = "--ids",
      paramLabel = "FILE",
      required = true,
      description = "A text file with one sequence per line as whitespace-separated token ids "
          + "(blank lines are skipped).")
  Path ids;

  @Option(names = "--json", description = "Print one JSON object on stdout.")
  boolean json;

  @Override
  public Integer call() {
    int[][] seqs = TokenIds.readFile(ids);
    long start = System.nanoTime();
    try (MosContext ctx = MosContext.cpu();
        LlamaModel model = modelOptions.load(ctx, false)) {
      int vocab = model.config().vocabSize();
      int maxPositions = model.config().maxPositions();
      for (int i = 0; i < seqs.length; i++) {
        String bad = TokenIds.outOfVocab(seqs[i], vocab);
        if (bad != null) throw new MosFileException(ids, "sequence " + (i + 1) + ": " + bad);
        if (seqs[i].length > maxPositions) {
          throw new MosFileException(
              ids,
              "sequence " + (i + 1) + " has " + seqs[i].length + " ids, more than the model's "
                  + maxPositions + " positions");
        }
      }
      Decoder.Loss loss = model.score(seqs);
      if (loss.count() == 0) {
        throw new MosFileException(ids, "nothing to score: every sequence has fewer than 2 ids");
      }
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("mean_nll", loss.mean());
        o.put("tokens", loss.count());
        out.println(o.toString());
      } else {
        out.printf(
            Locale.ROOT,
            "mean NLL %.6f nats per token over %d positions (perplexity " + "%.4g)%n",
            loss.mean(),
            loss.count(),
            Math.exp(loss.mean()));
      }
      out.flush();
      spec.commandLine()
          .getErr()
          .printf(
              Locale.ROOT,
              "mos score: %d sequences, %d positions," + " %s, %s weights%s, %.2f s%n",
              seqs.length,
              loss.count(),
              model.name(),
              model.weightDtype(),
              modelOptions.adapter == null ? "" : ", adapter " + modelOptions.adapter,
              (System.nanoTime() - start) / 1e9);
      return 0;
    }
  }
}

// `mos train` through the command line at a tiny size (seconds): `train` saves a loadable
// adapter, and --resume from a mid-run checkpoint saves the same adapter bit for bit; wrong
// arguments exit 2, bad files exit 1 with one line. (`mos demo`: DemoTransformerTest.)
package org.mos.cli.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.cli.Main;
import org.mos.io.MosAdapter;
import org.mos.train.Rng;

class DemoCommandTest {
  record Outcome(int code, String out, String err) {}

  static Outcome mos(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
    return new Outcome(code, out.toString(), err.toString());
  }

  /** Pseudo-English: words from a small fixed vocabulary, so a tiny model can learn something. */
  static String text(long seed, int chars, String... words) {
    Rng rng = new Rng(seed);
    StringBuilder sb = new StringBuilder();
    while (sb.length() < chars) {
      sb.append(words[rng.nextInt(words.length)]).append(rng.nextInt(8) == 0 ? ".\n" : " ");
    }
    return sb.toString();
  }

  static List<String> corpusArgs(Path tmp) throws Exception {
    List<String> args = new ArrayList<>();
    try {
      DemoCorpus.fromJdk(1000);
    } catch (DemoCorpus.MissingCorpusException e) { // no JDK texts here: the documented fallback
      Path f = tmp.resolve("corpus.txt");
      Files.writeString(f, text(1, 60_000, "public", "class", "void", "int", "return", "{", "}")
          + text(2, 60_000, "the", "license", "software", "copyright", "terms", "notice", "shall"));
      args.add("--corpus");
      args.add(f.toString());
    }
    return args;
  }

  @Test
  void trainSavesAnAdapterAndResumesExactly(@TempDir Path tmp) throws Exception {
    Path text = tmp.resolve("notes.txt");
    Files.writeString(text, text(5, 30_000, "alpha", "beta", "gamma", "delta", "epsilon"));
    Path base = tmp.resolve("base.txt");
    Files.writeString(base, text(6, 40_000, "one", "two", "three", "four", "five", "six"));
    List<String> common = List.of("--model", "tiny", "--base-corpus", base.toString(), "--cache-dir",
        tmp.resolve("cache").toString(), "--progress", "off");
    List<String> first = new ArrayList<>(List.of("train", text.toString(), "--steps", "20",
        "--eval-every", "10", "--checkpoint-dir", tmp.resolve("ck").toString(), "--checkpoint-every", "10",
        "--save", tmp.resolve("a1").toString()));
    first.addAll(common);
    Outcome o = mos(first.toArray(new String[0]));
    assertEquals(0, o.code(), o.err() + o.out());
    assertTrue(o.out().contains("validation:") && o.out().contains("saved the adapter"), o.out());
    MosAdapter a1 = MosAdapter.load(tmp.resolve("a1"));
    assertEquals(8, a1.config().r());
    assertEquals(2, a1.config().equivalentRank());
    assertEquals(List.of(AdaptedLm.UP, AdaptedLm.DOWN), List.copyOf(a1.config().pools().keySet()));
    assertTrue(Files.isDirectory(tmp.resolve("ck/checkpoint-00000010")));

    List<String> resume = new ArrayList<>(List.of("train", text.toString(), "--resume",
        tmp.resolve("ck/checkpoint-00000010").toString(), "--save", tmp.resolve("a2").toString()));
    resume.addAll(common);
    Outcome r = mos(resume.toArray(new String[0]));
    assertEquals(0, r.code(), r.err() + r.out());
    assertTrue(r.out().contains("resuming"), r.out());
    assertEquals(a1, MosAdapter.load(tmp.resolve("a2")), "resumed run ends where the straight run ended");

    Path other = tmp.resolve("other.txt");
    Files.writeString(other, text(7, 30_000, "x", "y", "z"));
    List<String> wrongText = new ArrayList<>(List.of("train", other.toString(), "--resume",
        tmp.resolve("ck").toString(), "--save", tmp.resolve("a3").toString()));
    wrongText.addAll(common);
    Outcome w = mos(wrongText.toArray(new String[0]));
    assertEquals(1, w.code(), w.out());
    assertTrue(w.err().contains("another text"), w.err());
    assertFalse(Files.exists(tmp.resolve("a3")));
  }

  @Test
  void trainArgumentAndFileErrors(@TempDir Path tmp) throws Exception {
    Path text = tmp.resolve("t.txt");
    Files.writeString(text, "short");
    assertEquals(2, mos("train", text.toString(), "--r", "0").code());
    assertEquals(2, mos("train", text.toString(), "--model", "huge").code());
    assertEquals(2, mos("train").code(), "TEXT is required");
    Outcome missing = mos("train", tmp.resolve("absent.txt").toString());
    assertEquals(1, missing.code());
    assertTrue(missing.err().contains("no such file"), missing.err());
    Outcome tooShort = mos("train", text.toString(), "--model", "tiny");
    assertEquals(1, tooShort.code());
    assertTrue(tooShort.err().contains("characters"), tooShort.err());
  }
}

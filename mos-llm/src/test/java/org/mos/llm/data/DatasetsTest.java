// SPDX-License-Identifier: Apache-2.0
// Data sets against independent oracles: packed plain text equals the whole text tokenized in one
// call (so the piecewise reading loses nothing); loss masks select exactly the completion or the
// assistant turns (checked by decoding them); splits and batches are partitions, deterministic.
package org.mos.llm.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.MosException;
import org.mos.io.MosFileException;
import org.mos.llm.tokenizer.TestTokenizers;
import org.mos.llm.tokenizer.Tokenizer;

class DatasetsTest {
  @TempDir
  static Path tmp;

  static Tokenizer llama3, llama2;
  static final ObjectMapper JSON = new ObjectMapper();

  static final String LLAMA3_TEMPLATE =
      "{% set loop_messages = messages %}{% for message in loop_messages %}"
          + "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}"
          + "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
          + "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";

  @BeforeAll
  static void tokenizers() {
    llama3 = Tokenizer.load(TestTokenizers.write(
        tmp,
        "llama3",
        TestTokenizers.byteLevel(new TestTokenizers.ByteLevelSpec(true, true, true, 300)),
        Map.of(
            "tokenizer_config.json",
            TestTokenizers.obj(
                "bos_token",
                "<|begin_of_text|>",
                "eos_token",
                "<|eot_id|>",
                "chat_template",
                LLAMA3_TEMPLATE))));
    llama2 = Tokenizer.load(TestTokenizers.write(
        tmp,
        "llama2",
        TestTokenizers.sentencePiece(false, 300),
        Map.of(
            "tokenizer_config.json",
            TestTokenizers.obj(
                "bos_token",
                "<s>",
                "eos_token",
                "</s>",
                "add_bos_token",
                true,
                "add_eos_token",
                false))));
  }

  static int n;

  static Path file(String ext, String content) throws Exception {
    Path p = tmp.resolve("data" + (n++) + ext);
    Files.writeString(p, content);
    return p;
  }

  static Path jsonl(Object... records) throws Exception {
    StringBuilder sb = new StringBuilder();
    for (Object r : records) sb.append(JSON.writeValueAsString(r)).append('\n');
    return file(".jsonl", sb.toString());
  }

  static int[] concat(int[]... parts) {
    return Arrays.stream(parts).flatMapToInt(IntStream::of).toArray();
  }

  static int[] stream(List<Example> examples) {
    return examples.stream().flatMapToInt(e -> IntStream.of(e.tokens())).toArray();
  }

  /** A text of about 300 KB with varied lines, long enough to be read in several pieces. */
  static String longText() {
    StringBuilder sb = new StringBuilder();
    String[] lines = TestTokenizers.CORPUS.split("\n");
    for (int i = 0; sb.length() < 300_000; i++) {
      sb.append(lines[i % lines.length]);
      sb.append(i % 7 == 0 ? "\n\n" : i % 11 == 0 ? "  \n" : "\n");
    }
    return sb.toString();
  }

  @Test
  void plainTextIsTheWholeFileTokenizedOnceAndPacked() throws Exception {
    String text = longText();
    for (Tokenizer tok : List.of(llama3, llama2)) {
      Path p = file(".txt", text);
      Datasets.Read r = Datasets.read(p, tok, 512);
      int eos = tok.eosId().getAsInt();
      int[] expected =
          concat(tok.prefixIds(), tok.encode(text, false), tok.suffixIds(), new int[] {eos});
      int usable = expected.length % 512 == 1 ? expected.length - 1 : expected.length;
      assertArrayEquals(Arrays.copyOf(expected, usable), stream(r.examples()));
      for (int i = 0; i < r.examples().size(); i++) {
        Example e = r.examples().get(i);
        if (i < r.examples().size() - 1) assertEquals(512, e.length());
        assertEquals(e.length() - 1, e.targets());
      }
      assertEquals(DataFormat.PLAIN_TEXT, r.stats().format());
      assertEquals(1, r.stats().records());
    }
    assertEquals(1, llama2.prefixIds().length); // add_bos_token: BOS from the config
  }

  @Test
  void jsonlTextRecordsAreDocumentsWithEosBetween() throws Exception {
    Path p = jsonl(
        Map.of("text", "First doc."), Map.of("text", "Second one, longer."), Map.of("text", "3"));
    Datasets.Read r = Datasets.read(p, llama3, 1000);
    int eos = llama3.eosId().getAsInt();
    int[] bos = llama3.prefixIds();
    assertArrayEquals(
        concat(
            bos,
            llama3.encode("First doc.", false),
            new int[] {eos},
            bos,
            llama3.encode("Second one, longer.", false),
            new int[] {eos},
            bos,
            llama3.encode("3", false),
            new int[] {eos}),
        stream(r.examples()));
    assertEquals(3, r.stats().records());
  }

  @Test
  void promptCompletionTrainsOnTheCompletionAndEos() throws Exception {
    String prompt = "Question: what is the thing?\nAnswer:", completion = " the theory, 42.";
    Path p = jsonl(Map.of("prompt", prompt, "completion", completion));
    for (Tokenizer tok : List.of(llama3, llama2)) {
      Example e = Datasets.read(p, tok, 1000).examples().getFirst();
      int eos = tok.eosId().getAsInt();
      assertArrayEquals(
          concat(tok.prefixIds(), tok.encode(prompt + completion, false), new int[] {eos}),
          e.tokens());
      List<Integer> target = new ArrayList<>(), context = new ArrayList<>();
      for (int i = 0; i < e.length(); i++) (e.lossMask()[i] ? target : context).add(e.tokens()[i]);
      assertEquals(eos, (int) target.getLast());
      int[] t = target.stream().mapToInt(x -> x).toArray();
      int[] c = context.stream().mapToInt(x -> x).toArray();
      assertEquals(
          completion, tok.decode(Arrays.copyOf(t, t.length - 1), true).replaceFirst("^(?! )", " "));
      assertEquals(prompt, tok.decode(c, true));
    }
  }

  @Test
  void aTokenAcrossThePromptBoundaryFallsBackToSeparateTokenization() throws Exception {
    Datasets.Read r =
        Datasets.read(jsonl(Map.of("prompt", "the the th", "completion", "eory")), llama3, 100);
    assertEquals(1, r.stats().inexactBoundaries());
    Example e = r.examples().getFirst();
    int[] prompt = llama3.encode("the the th", false), completion = llama3.encode("eory", false);
    assertArrayEquals(
        concat(llama3.prefixIds(), prompt, completion, new int[] {llama3.eosId().getAsInt()}),
        e.tokens());
    assertEquals(completion.length + 1, e.targets());
  }

  @Test
  void messagesTrainOnAssistantTurnsOnly() throws Exception {
    List<Map<String, String>> msgs = List.of(
        Map.of("role", "system", "content", "Be brief."),
        Map.of("role", "user", "content", "What is the thing?"),
        Map.of("role", "assistant", "content", "The theory."),
        Map.of("role", "user", "content", "And then?"),
        Map.of("role", "assistant", "content", "Three things."));
    Datasets.Read r = Datasets.read(jsonl(Map.of("messages", msgs)), llama3, 1000);
    Example e = r.examples().getFirst();
    String full =
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\nWhat is the thing?<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\nThe theory.<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\nAnd then?<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\nThree things.<|eot_id|>";
    assertArrayEquals(llama3.encode(full, false), e.tokens());
    // The targets are the two assistant contents with their end-of-turn marker, nothing else.
    StringBuilder targets = new StringBuilder();
    for (int i = 0; i < e.length(); i++) {
      if (e.lossMask()[i]) targets.append(llama3.decode(new int[] {e.tokens()[i]}, false));
    }
    assertEquals("The theory.<|eot_id|>Three things.<|eot_id|>", targets.toString());
    assertEquals(0, r.stats().wholeTextLoss());
    assertEquals(0, r.stats().inexactBoundaries());
  }

  @Test
  void aTemplateThatIsNotPrefixStableTrainsOnTheWholeText() throws Exception {
    Tokenizer tok = Tokenizer.load(
        TestTokenizers.write(
            tmp,
            "unstable",
            TestTokenizers.byteLevel(new TestTokenizers.ByteLevelSpec(true, true, true, 100)),
            Map.of(
                "tokenizer_config.json",
                TestTokenizers.obj(
                    "eos_token",
                    "<|eot_id|>",
                    "chat_template",
                    "{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}{% if not add_generation_prompt %}(end){% endif %}"))));
    Datasets.Read r = Datasets.read(
        jsonl(Map.of(
            "messages",
            List.of(
                Map.of("role", "user", "content", "hi"),
                Map.of("role", "assistant", "content", "yo"),
                Map.of("role", "user", "content", "more")))),
        tok,
        100);
    assertEquals(1, r.stats().wholeTextLoss());
    Example e = r.examples().getFirst();
    assertEquals(e.length() - 1, e.targets());
  }

  @Test
  void truncationAndDroppingAreCounted() throws Exception {
    String longCompletion = " the".repeat(100);
    Datasets.Read r = Datasets.read(
        jsonl(
            Map.of("prompt", "Q:", "completion", longCompletion),
            Map.of("prompt", " the".repeat(100), "completion", " x"),
            Map.of("prompt", "Q:", "completion", " ok")),
        llama3,
        20);
    assertEquals(3, r.stats().records());
    assertEquals(2, r.stats().examples());
    assertEquals(2, r.stats().truncated());
    assertEquals(1, r.stats().dropped());
    assertEquals(20, r.examples().getFirst().length());
  }

  @Test
  void malformedFilesNameTheLine() throws Exception {
    record Case(String ext, byte[] content, String fragment) {}
    List<Case> cases = List.of(
        new Case(
            ".jsonl",
            "{\"text\": \"a\"}\n\n{\"text\": \"b\"\n".getBytes(),
            "line 3: not valid JSON"),
        new Case(
            ".jsonl",
            "{\"text\": \"a\"}\n{\"prompt\": \"p\", \"completion\": \"c\"}\n".getBytes(),
            "line 2: a {\"prompt\", \"completion\"} record, but line 1 is a {\"text\"} record"),
        new Case(".jsonl", "{\"text\": 3}\n".getBytes(), "line 1: \"text\" must be a string"),
        new Case(
            ".jsonl",
            "{\"prompt\": \"p\"}\n".getBytes(),
            "line 1: \"completion\" must be a string"),
        new Case(".jsonl", "[1]\n".getBytes(), "line 1: expected a JSON object"),
        new Case(".jsonl", "{\"text\": \"a\", \"messages\": []}\n".getBytes(), "found several"),
        new Case(
            ".jsonl",
            "{\"messages\": [{\"role\": \"user\"}]}\n".getBytes(),
            "messages[0]: \"role\" and \"content\" must be strings"),
        new Case(".jsonl", "\n  \n".getBytes(), "no records"),
        new Case(
            ".jsonl", "{\"text\": \"a\", \"text\": \"b\"}\n".getBytes(), "line 1: not valid JSON"),
        new Case(".txt", new byte[0], "empty"),
        new Case(
            ".txt",
            new byte[] {'o', 'k', '\n', 'b', (byte) 0xC3, '(', '\n'},
            "line 2: not valid UTF-8"));
    for (Case c : cases) {
      Path p = tmp.resolve("bad" + (n++) + c.ext());
      Files.write(p, c.content());
      MosFileException e = assertThrows(MosFileException.class, () -> Datasets.read(p, llama3, 64));
      assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
      assertTrue(
          e.getMessage().contains(c.fragment()),
          () -> "expected \"" + c.fragment() + "\" in " + e.getMessage());
    }
    Path msgs = jsonl(Map.of("messages", List.of(Map.of("role", "user", "content", "hi"))));
    MosFileException e =
        assertThrows(MosFileException.class, () -> Datasets.read(msgs, llama2, 64));
    assertTrue(e.getMessage().contains("need a chat template"), e.getMessage());
    assertThrows(
        MosFileException.class, () -> Datasets.read(tmp.resolve("absent.txt"), llama3, 64));
  }

  @Test
  void validationSplitIsASeededPartition() throws Exception {
    Object[] recs = IntStream.range(0, 40)
        .mapToObj(i -> Map.of("prompt", "Q" + i + ":", "completion", " a" + i))
        .toArray();
    Path p = jsonl(recs);
    DataOptions opts =
        DataOptions.defaults().withMaxLength(64).withValidationFraction(0.25).withSeed(5);
    Dataset a = Datasets.load(p, llama3, opts), b = Datasets.load(p, llama3, opts);
    Dataset c = Datasets.load(p, llama3, opts.withSeed(6));
    assertEquals(10, a.validation().size());
    assertEquals(30, a.train().size());
    assertEquals(keys(a.validation()), keys(b.validation()));
    assertEquals(keys(a.train()), keys(b.train()));
    assertNotEquals(keys(a.validation()), keys(c.validation()));
    Set<String> all = new HashSet<>(keys(a.train()));
    all.addAll(keys(a.validation()));
    assertEquals(40, all.size());
    Path val = jsonl(Map.of("prompt", "V:", "completion", " v"));
    Dataset d = Datasets.load(p, llama3, DataOptions.defaults().withValidationFile(val));
    assertEquals(40, d.train().size());
    assertEquals(1, d.validation().size());
    assertThrows(
        MosException.class,
        () -> DataOptions.defaults().withValidationFile(val).withValidationFraction(0.1));
  }

  static List<String> keys(List<Example> es) {
    return es.stream().map(e -> Arrays.toString(e.tokens())).toList();
  }

  @Test
  void batchesRespectTheBudgetCoverEveryExampleOnceAndAreSeeded() {
    List<Example> es = new ArrayList<>();
    java.util.Random rnd = new java.util.Random(3);
    for (int i = 0; i < 3000; i++) {
      int len = 2 + rnd.nextInt(200);
      boolean[] m = new boolean[len];
      Arrays.fill(m, 1, len, true);
      int[] t = new int[len];
      t[0] = i; // identifies the example
      es.add(new Example(t, m));
    }
    List<Batch> a = Batches.byTokenBudget(es, 1000, 9), b = Batches.byTokenBudget(es, 1000, 9);
    List<Batch> c = Batches.byTokenBudget(es, 1000, 10);
    Set<Integer> seen = new HashSet<>();
    long real = 0, padded = 0;
    for (Batch batch : a) {
      assertTrue(batch.paddedTokens() <= 1000);
      for (Example e : batch.examples()) {
        assertTrue(seen.add(e.tokens()[0]));
        assertTrue(e.length() <= batch.length());
        real += e.length();
      }
      padded += batch.paddedTokens();
    }
    assertEquals(3000, seen.size());
    assertTrue(real > 0.9 * padded, "padding waste: " + real + " real of " + padded);
    assertEquals(firsts(a), firsts(b));
    assertNotEquals(firsts(a), firsts(c));
    Batch first = a.getFirst();
    int[] tokens = first.tokens(-7);
    boolean[] mask = first.lossMask();
    for (int r = 0; r < first.rows(); r++) {
      Example e = first.examples().get(r);
      for (int k = 0; k < first.length(); k++) {
        assertEquals(k < e.length() ? e.tokens()[k] : -7, tokens[r * first.length() + k]);
        assertEquals(k < e.length() && e.lossMask()[k], mask[r * first.length() + k]);
      }
    }
    MosException e = assertThrows(MosException.class, () -> Batches.byTokenBudget(es, 100, 1));
    assertTrue(e.getMessage().contains("does not fit a batch of 100 tokens"), e.getMessage());
  }

  static List<Integer> firsts(List<Batch> bs) {
    return bs.stream()
        .flatMap(b -> b.examples().stream())
        .map(e -> e.tokens()[0])
        .toList();
  }
}

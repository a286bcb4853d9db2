// SPDX-License-Identifier: Apache-2.0
// Tokenizer behaviour beyond the Rust-oracle comparison: byte-level round trips on arbitrary
// Unicode (the oracle is the input itself), which special tokens encoding adds and from which
// file, EOS and pad ids, chat template sources, and the streaming decoder (oracle: whole decode).
package org.mos.llm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.MosException;
import org.mos.Status;

class TokenizerTest {
  @TempDir
  static Path tmp;

  static ObjectNode llama3, gpt2, llama2;

  @BeforeAll
  static void files() {
    llama3 = TestTokenizers.byteLevel(new TestTokenizers.ByteLevelSpec(true, true, true, 300));
    gpt2 = TestTokenizers.byteLevel(new TestTokenizers.ByteLevelSpec(false, false, false, 300));
    llama2 = TestTokenizers.sentencePiece(false, 300);
  }

  static int dirs;

  static Tokenizer load(ObjectNode json, Map<String, Object> extra) {
    return Tokenizer.load(TestTokenizers.write(tmp, "t" + (dirs++), json, extra));
  }

  static int id(Tokenizer t, String token) {
    return t.tokenToId(token).orElseThrow();
  }

  /** Random text over all of Unicode, unpaired surrogates included. */
  static String anyText(Random rnd) {
    StringBuilder sb = new StringBuilder();
    int n = rnd.nextInt(40);
    for (int i = 0; i < n; i++) {
      switch (rnd.nextInt(6)) {
        case 0 -> sb.append((char) (0xD800 + rnd.nextInt(0x800))); // maybe unpaired
        case 1 -> sb.appendCodePoint(0x10000 + rnd.nextInt(0x100000));
        case 2 -> sb.append(" \n\t\r\u00a0\u3000".charAt(rnd.nextInt(6)));
        case 3 -> sb.append((char) rnd.nextInt(0x80));
        default -> sb.append((char) rnd.nextInt(0x10000));
      }
    }
    return sb.toString();
  }

  /** What UTF-8 can carry of s: each unpaired surrogate read as U+FFFD. */
  static String utf8Image(String s) {
    StringBuilder sb = new StringBuilder();
    s.codePoints().forEach(c -> sb.appendCodePoint(c >= 0xD800 && c <= 0xDFFF ? 0xFFFD : c));
    return sb.toString();
  }

  @Test
  void byteLevelRoundTripsArbitraryUnicode() {
    for (ObjectNode json : List.of(llama3, gpt2)) {
      Tokenizer t = load(json, Map.of());
      Random rnd = new Random(7);
      List<String> texts = new ArrayList<>(List.of(
          "😀 👨‍👩‍👧 🇯🇵",
          "日本語と中文",
          "e\u0301\u0308 a\u20dd",
          "\ud800 lone high",
          "lone low \udc00",
          "\udc00\ud800 reversed",
          "\u0000\u0001\u007f"));
      for (int i = 0; i < 2000; i++) texts.add(anyText(rnd));
      for (String s : texts) {
        assertEquals(
            utf8Image(s), t.decode(t.encode(s, false), false), () -> TokenizerOracleTest.quote(s));
      }
    }
  }

  @Test
  void longRunsDoNotOverflowThePatternMatcher() {
    Tokenizer t = load(llama3, Map.of());
    for (String s : new String[] {
      " ".repeat(200_000),
      "a".repeat(200_000),
      "7".repeat(100_000),
      "\n".repeat(100_000),
      "!?".repeat(100_000),
      "😀".repeat(50_000)
    }) {
      assertEquals(s, t.decode(t.encode(s, false), false));
    }
  }

  @Test
  void postProcessorDecidesBosWhenTheConfigIsSilent() {
    Tokenizer t = load(llama3, Map.of());
    int bos = id(t, "<|begin_of_text|>");
    assertArrayEquals(new int[] {bos}, t.prefixIds());
    assertArrayEquals(new int[0], t.suffixIds());
    int[] plain = t.encode("Hello there", false);
    assertArrayEquals(
        IntStream.concat(IntStream.of(bos), IntStream.of(plain)).toArray(),
        t.encode("Hello there", true));
    // GPT-2 layout: no template, so no BOS, even with a bos_token and a config.json bos_token_id.
    Tokenizer g = load(
        gpt2,
        Map.of(
            "tokenizer_config.json",
                TestTokenizers.obj("bos_token", "<|endoftext|>", "eos_token", "<|endoftext|>"),
            "config.json", TestTokenizers.obj("bos_token_id", 0, "eos_token_id", 0)));
    assertArrayEquals(g.encode("Hello", false), g.encode("Hello", true));
    assertEquals(id(g, "<|endoftext|>"), g.bosId().getAsInt());
  }

  @Test
  void addBosTokenAndAddEosTokenOverrideThePostProcessor() {
    Tokenizer off = load(
        llama3,
        Map.of(
            "tokenizer_config.json",
            TestTokenizers.obj(
                "bos_token",
                "<|begin_of_text|>",
                "eos_token",
                "<|eot_id|>",
                "add_bos_token",
                false)));
    assertArrayEquals(off.encode("Hi", false), off.encode("Hi", true));
    Tokenizer both = load(
        llama2,
        Map.of(
            "tokenizer_config.json",
            TestTokenizers.obj(
                "bos_token",
                Map.of("content", "<s>", "special", true),
                "eos_token",
                "</s>",
                "add_bos_token",
                true,
                "add_eos_token",
                true)));
    int[] plain = both.encode("Hi there", false);
    int[] full = both.encode("Hi there", true);
    assertEquals(plain.length + 2, full.length);
    assertEquals(1, full[0]);
    assertEquals(2, full[full.length - 1]);
    assertArrayEquals(plain, Arrays.copyOfRange(full, 1, full.length - 1));
    MosException e = assertThrows(
        MosException.class,
        () -> load(
            llama2, Map.of("tokenizer_config.json", TestTokenizers.obj("add_bos_token", true))));
    assertTrue(
        e.getMessage()
            .contains("tokenizer_config.json: add_bos_token: true, but there is no bos_token"),
        e.getMessage());
  }

  @Test
  void eosIdsJoinTheTokenizerAndTheGenerationConfig() {
    Tokenizer t = load(
        llama3,
        Map.of(
            "tokenizer_config.json", TestTokenizers.obj("eos_token", "<|eot_id|>"),
            "generation_config.json",
                TestTokenizers.obj(
                    "eos_token_id",
                    List.of(
                        id(load(llama3, Map.of()), "<|end_of_text|>"),
                        id(load(llama3, Map.of()), "<|eot_id|>")),
                    "pad_token_id",
                    7),
            "config.json",
                TestTokenizers.obj("eos_token_id", 5))); // ignored: generation config wins
    int eot = id(t, "<|eot_id|>"), end = id(t, "<|end_of_text|>");
    assertEquals(List.of(eot, end), List.copyOf(t.eosIds()));
    assertEquals(eot, t.eosId().getAsInt());
    assertEquals(7, t.padId().getAsInt());
    Tokenizer fromConfig = load(gpt2, Map.of("config.json", TestTokenizers.obj("eos_token_id", 3)));
    assertEquals(List.of(3), List.copyOf(fromConfig.eosIds()));
    assertTrue(fromConfig.eosId().isEmpty());
    Tokenizer fromMap = load(
        llama2,
        Map.of(
            "special_tokens_map.json",
            TestTokenizers.obj("bos_token", "<s>", "eos_token", "</s>", "pad_token", "<unk>")));
    assertEquals(1, fromMap.bosId().getAsInt());
    assertEquals(0, fromMap.padId().getAsInt());
    assertEquals(
        Map.of("bos_token", "<s>", "eos_token", "</s>", "pad_token", "<unk>"),
        fromMap.specialTokenStrings());
  }

  @Test
  void chatTemplateSources() {
    assertTrue(load(gpt2, Map.of()).chatTemplate().isEmpty());
    assertEquals(
        "A",
        load(gpt2, Map.of("tokenizer_config.json", TestTokenizers.obj("chat_template", "A")))
            .chatTemplate()
            .orElseThrow());
    assertEquals(
        "D",
        load(
                gpt2,
                Map.of(
                    "tokenizer_config.json",
                    TestTokenizers.obj(
                        "chat_template",
                        List.of(
                            Map.of("name", "tool_use", "template", "T"),
                            Map.of("name", "default", "template", "D")))))
            .chatTemplate()
            .orElseThrow());
    assertEquals(
        "J\n",
        load(
                gpt2,
                Map.of(
                    "tokenizer_config.json",
                    TestTokenizers.obj("chat_template", "A"),
                    "chat_template.jinja",
                    "J\n"))
            .chatTemplate()
            .orElseThrow());
  }

  @Test
  void decodeSkipsSpecialTokensOnRequestAndRefusesIdsOutsideTheVocabulary() {
    Tokenizer t = load(llama3, Map.of());
    int[] ids = t.encode("<|begin_of_text|>Hi<|eot_id|>", false);
    assertEquals("<|begin_of_text|>Hi<|eot_id|>", t.decode(ids, false));
    assertEquals("Hi", t.decode(ids, true));
    assertTrue(t.isSpecial(ids[0]));
    MosException e =
        assertThrows(MosException.class, () -> t.decode(new int[] {1, t.vocabSize()}, false));
    assertEquals(Status.INDEX_OUT_OF_RANGE, e.status());
    assertTrue(e.getMessage().contains("ids[1] = " + t.vocabSize()), e.getMessage());
    assertEquals(
        Status.NULL_POINTER,
        assertThrows(MosException.class, () -> t.encode(null, true)).status());
  }

  @Test
  void streamDecoderNeverSplitsACharacterAndAddsUpToTheWholeDecode() {
    for (ObjectNode json : List.of(llama3, gpt2, llama2, TestTokenizers.sentencePiece(true, 300))) {
      Tokenizer t = load(json, Map.of());
      Random rnd = new Random(11);
      for (int round = 0; round < 300; round++) {
        String text = round < 3
            ? new String[] {"😀🎉 日本語", " lead", "a\n\nb"}[round]
            : TokenizerOracleTest.randomText(rnd);
        int[] ids = t.encode(text, true);
        for (boolean skip : new boolean[] {false, true}) {
          StreamDecoder stream = t.streamDecoder(skip);
          StringBuilder sb = new StringBuilder();
          for (int id : ids) {
            String piece = stream.push(id);
            assertFalse(piece.endsWith("\uFFFD"), () -> "held-back text leaked: " + piece);
            sb.append(piece);
          }
          sb.append(stream.flush());
          assertEquals(t.decode(ids, skip), sb.toString(), TokenizerOracleTest.quote(text));
        }
      }
    }
  }

  @Test
  void streamDecoderHoldsBackByteTokensUntilTheCharacterIsComplete() {
    Tokenizer t = load(llama2, Map.of());
    int[] ids = t.encode("😀", false); // "▁" then four <0xNN> byte tokens
    assertEquals(5, ids.length, Arrays.toString(ids));
    StreamDecoder s = t.streamDecoder(true);
    List<String> pieces = new ArrayList<>();
    for (int id : ids) pieces.add(s.push(id));
    assertEquals(List.of("", "", "", "", "😀"), pieces);
    // An incomplete character at the end comes out of flush as U+FFFD.
    StreamDecoder cut = t.streamDecoder(true);
    for (int i = 0; i < 3; i++) assertEquals("", cut.push(ids[i]));
    assertEquals("\uFFFD\uFFFD", cut.flush());
    assertEquals(t.decode(Arrays.copyOf(ids, 3), true), "\uFFFD\uFFFD");
  }
}

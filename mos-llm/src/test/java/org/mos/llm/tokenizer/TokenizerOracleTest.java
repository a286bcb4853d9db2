// SPDX-License-Identifier: Apache-2.0
// Compares Tokenizer with Hugging Face's Rust tokenizers (through DJL's JNI binding, the oracle)
// on the same tokenizer.json files: ids of encode with and without special tokens, and text of
// decode with and without skipping specials, on fixed and random Unicode texts. Exact equality.
package org.mos.llm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TokenizerOracleTest {
  static {
    System.setProperty("offline", "true"); // DJL: no telemetry call
  }

  @TempDir
  static Path tmp;

  static Stream<Arguments> files() {
    return Stream.of(
        Arguments.of(
            "llama3-layout",
            TestTokenizers.byteLevel(new TestTokenizers.ByteLevelSpec(true, true, true, 400))),
        Arguments.of(
            "llama3-layout-merging",
            TestTokenizers.byteLevel(new TestTokenizers.ByteLevelSpec(true, false, false, 400))),
        Arguments.of(
            "gpt2-layout",
            TestTokenizers.byteLevel(new TestTokenizers.ByteLevelSpec(false, false, false, 300))),
        Arguments.of("llama2-layout", TestTokenizers.sentencePiece(false, 300)),
        Arguments.of("metaspace-layout", TestTokenizers.sentencePiece(true, 300)),
        Arguments.of("extras", extras()));
  }

  /** A byte-level file with the less common components: NFC + Strip normalizers, Digits, an
   *  lstrip/rstrip/single_word added token, a normalized added token, BOS and EOS template. */
  static ObjectNode extras() {
    ObjectNode root =
        TestTokenizers.byteLevel(new TestTokenizers.ByteLevelSpec(false, true, false, 200));
    var norms = root.putObject("normalizer").put("type", "Sequence").putArray("normalizers");
    norms.addObject().put("type", "NFC");
    norms.addObject().put("type", "Strip").put("strip_left", false).put("strip_right", true);
    var pre = root.putObject("pre_tokenizer").put("type", "Sequence").putArray("pretokenizers");
    pre.addObject().put("type", "Digits").put("individual_digits", true);
    pre.addObject()
        .put("type", "ByteLevel")
        .put("add_prefix_space", true)
        .put("trim_offsets", true)
        .put("use_regex", true);
    var added = (com.fasterxml.jackson.databind.node.ArrayNode) root.get("added_tokens");
    int next = root.get("model").get("vocab").size() + added.size();
    added.add(
        TestTokenizers.addedToken(next, "<mask>", true).put("lstrip", true).put("rstrip", true));
    added.add(TestTokenizers.addedToken(next + 1, "hello", false).put("single_word", true));
    added.add(TestTokenizers.addedToken(next + 2, "Wörld", false).put("normalized", true));
    int eot = added.get(0).get("id").asInt();
    root.set("post_processor", TestTokenizers.template("<|endoftext|>", eot, "<mask>", next));
    return root;
  }

  static final String[] FIXED = {
    "",
    " ",
    "  ",
    "\n",
    "Hello, world!",
    "The theory of the thing",
    " leading space",
    "trailing space ",
    "two  spaces",
    "tabs\tand\nnewlines\r\n\r\nhere",
    "It's we'VE they'LL I'd",
    "12345678901234",
    "3.14159 10,000",
    "😀🎉👍🏽❤️ emoji",
    "日本語のテキスト",
    "e\u0301 combining",
    "<|begin_of_text|>Hi<|eot_id|>",
    "<s>[INST] hi [/INST]</s>",
    "a<|endoftext|>b",
    "<|eot",
    "▁already▁metaspace",
    "<0x41> literal",
    "\u00A0nbsp\u3000ideographic\u2003em",
    "x\u0085y\u2028z",
    "  hello world hello",
    "say hello, hellothere",
    "Wörld Wo\u0308rld",
    "<mask>  x  <mask>",
    "    indented code\n        more",
    "Привет, мир. Ωμέγα",
    "\u0000nul and \u007f del",
  };

  static final String[] POOL = {
    "the",
    "The",
    " the",
    "theory",
    "thing",
    "they",
    "there",
    "world",
    "hello",
    "<mask>",
    " ",
    "  ",
    "   ",
    "\n",
    "\n\n",
    "\r\n",
    "\t",
    "'s",
    "'LL",
    "'re",
    "'D",
    "1",
    "22",
    "333",
    "4444",
    "12345",
    ".",
    ",",
    "!",
    "?",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    "==",
    "+=",
    "->",
    "<",
    ">",
    "😀",
    "👍🏽",
    "❤️",
    "👨‍👩‍👧",
    "日本",
    "語",
    "中文",
    "한국어",
    "é",
    "e\u0301",
    "ü",
    "Ω",
    "мир",
    "\u00A0",
    "\u3000",
    "\u2003",
    "\u0085",
    "<s>",
    "</s>",
    "<|eot_id|>",
    "<|begin_of_text|>",
    "<|endoftext|>",
    "<|",
    "|>",
    "▁",
    "<0x0A>",
    "_",
    "-",
    "Wörld",
    "hellothere",
    "\u200d",
  };

  static String randomText(Random rnd) {
    StringBuilder sb = new StringBuilder();
    int parts = 1 + rnd.nextInt(12);
    for (int i = 0; i < parts; i++) {
      int kind = rnd.nextInt(10);
      if (kind < 7) {
        sb.append(POOL[rnd.nextInt(POOL.length)]);
      } else if (kind < 9) {
        sb.append((char) (0x20 + rnd.nextInt(0x5f)));
      } else {
        int cp;
        do {
          cp = rnd.nextBoolean() ? rnd.nextInt(0x3000) : 0x1F300 + rnd.nextInt(0x300);
        } while (Character.getType(cp) == Character.UNASSIGNED || (cp >= 0xD800 && cp <= 0xDFFF));
        sb.appendCodePoint(cp);
      }
    }
    return sb.toString();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("files")
  void encodeAndDecodeMatchRustTokenizers(String name, ObjectNode json) throws Exception {
    Path dir = TestTokenizers.write(tmp, name, json, Map.of());
    Tokenizer ours = Tokenizer.load(dir);
    try (HuggingFaceTokenizer ref = HuggingFaceTokenizer.newInstance(
        dir.resolve("tokenizer.json"), Map.of("truncation", "false", "padding", "false"))) {
      List<String> texts = new ArrayList<>(Arrays.asList(FIXED));
      Random rnd = new Random(20260501L + name.hashCode());
      for (int i = 0; i < 400; i++) texts.add(randomText(rnd));
      for (String text : texts) {
        for (boolean add : new boolean[] {false, true}) {
          int[] expected = toInt(ref.encode(text, add, false).getIds());
          int[] actual = ours.encode(text, add);
          assertArrayEquals(
              expected,
              actual,
              () -> name + ": encode(" + quote(text) + ", " + add + ")\n  rust: "
                  + Arrays.toString(expected) + "\n  java: " + Arrays.toString(actual));
          for (boolean skip : new boolean[] {false, true}) {
            String want = ref.decode(toLong(expected), skip);
            assertEquals(
                want,
                ours.decode(expected, skip),
                () -> name + ": decode(encode(" + quote(text) + "), skip=" + skip + ")");
          }
        }
      }
      // Arbitrary id sequences: partial UTF-8, stray byte tokens, specials anywhere.
      for (int i = 0; i < 400; i++) {
        int[] ids = new int[1 + rnd.nextInt(8)];
        for (int k = 0; k < ids.length; k++) ids[k] = rnd.nextInt(ours.vocabSize());
        for (boolean skip : new boolean[] {false, true}) {
          String want = ref.decode(toLong(ids), skip);
          assertEquals(
              want,
              ours.decode(ids, skip),
              () -> name + ": decode(" + Arrays.toString(ids) + ", skip=" + skip + ")");
        }
      }
    }
  }

  static int[] toInt(long[] a) {
    return Arrays.stream(a).mapToInt(x -> (int) x).toArray();
  }

  static long[] toLong(int[] a) {
    return Arrays.stream(a).asLongStream().toArray();
  }

  static String quote(String s) {
    StringBuilder sb = new StringBuilder("\"");
    s.codePoints().forEach(c -> {
      if (c < 0x20 || c > 0x7e) sb.append(String.format("\\u{%x}", c));
      else sb.appendCodePoint(c);
    });
    return sb.append('"').toString();
  }
}

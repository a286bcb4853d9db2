// SPDX-License-Identifier: Apache-2.0
// Tokenizer on tokenizer files that Hugging Face's own libraries wrote (tests/fixtures/hf: a
// byte-level BPE trained and saved by tokenizers 0.23 + transformers 5.17, with its ChatML
// template in chat_template.jinja, and a SentencePiece-style BPE with byte fallback), against what
// those libraries computed on them (expected.json): ids with and without special tokens, decoded
// text with and without specials, the special ids, and the chat template's rendering and ids.
// Exact equality everywhere.
package org.mos.llm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HfFixtureTokenizerTest {

  static Path fixtures() {
    String dir = System.getProperty("mos.hf.fixtures", "../tests/fixtures/hf");
    Path p = Path.of(dir);
    assertTrue(Files.isDirectory(p), "fixture directory missing: " + p.toAbsolutePath());
    return p;
  }

  static int[] ints(JsonNode array) {
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
    return out;
  }

  @ParameterizedTest
  @ValueSource(strings = {"tokenizer-bytelevel", "tokenizer-sentencepiece", "llama-gqa-f32"})
  void encodesAndDecodesAsHuggingFace(String name) throws Exception {
    Path dir = fixtures().resolve(name);
    // llama-gqa-f32 carries the byte-level tokenizer's files next to a checkpoint.
    Path expectedFile = dir.resolve("expected.json");
    JsonNode expected = new ObjectMapper()
        .readTree(
            name.startsWith("llama")
                ? fixtures().resolve("tokenizer-bytelevel/expected.json").toFile()
                : expectedFile.toFile());
    Tokenizer tok = Tokenizer.load(dir);
    assertEquals(expected.get("vocab_size").asInt(), tok.vocabSize(), "vocab size");
    assertEquals(expected.get("bos_id").asInt(), tok.bosId().orElse(-1), "BOS id");
    assertEquals(expected.get("eos_id").asInt(), tok.eosId().orElse(-1), "EOS id");
    int cases = 0;
    for (JsonNode c : expected.get("cases")) {
      String text = c.get("text").asText();
      String where = name + ", text " + quote(text);
      assertArrayEquals(ints(c.get("ids")), tok.encode(text, true), "ids with specials, " + where);
      assertArrayEquals(
          ints(c.get("ids_no_special")), tok.encode(text, false), "ids without specials, " + where);
      assertEquals(
          c.get("decoded").asText(),
          tok.decode(ints(c.get("ids")), true),
          "decode skipping specials, " + where);
      assertEquals(
          c.get("decoded_with_special").asText(),
          tok.decode(ints(c.get("ids")), false),
          "decode with specials, " + where);
      cases++;
    }
    assertTrue(cases >= 10, "expected.json has " + cases + " cases");
  }

  @ParameterizedTest
  @ValueSource(strings = {"tokenizer-bytelevel", "llama-gqa-f32"})
  void rendersTheChatTemplateAsTransformers(String name) throws Exception {
    Path dir = fixtures().resolve(name);
    JsonNode chat = new ObjectMapper()
        .readTree(fixtures().resolve("tokenizer-bytelevel/expected.json").toFile())
        .get("chat");
    Tokenizer tok = Tokenizer.load(dir);
    assertTrue(tok.chatTemplate().isPresent(), "chat_template.jinja not found in " + dir);
    List<ChatMessage> messages = new ArrayList<>();
    for (JsonNode m : chat.get("messages")) {
      messages.add(new ChatMessage(m.get("role").asText(), m.get("content").asText()));
    }
    String text =
        ChatTemplate.of(tok).render(messages, chat.get("add_generation_prompt").asBoolean());
    assertEquals(chat.get("text").asText(), text, "rendered chat");
    // transformers' apply_chat_template(tokenize=True) encodes the rendering without adding
    // specials.
    assertArrayEquals(ints(chat.get("ids")), tok.encode(text, false), "chat ids");
  }

  private static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char ch : s.toCharArray()) {
      if (ch < 0x20 || ch > 0x7e) b.append(String.format("\\u%04x", (int) ch));
      else b.append(ch);
    }
    return b.append('"').toString();
  }
}

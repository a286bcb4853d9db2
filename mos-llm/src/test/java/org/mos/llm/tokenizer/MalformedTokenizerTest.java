// SPDX-License-Identifier: Apache-2.0
// Malformed tokenizer directories: each case must fail with a MosFileException naming the file
// and the problem (a table of hand-written cases), and randomly mutated files must either load
// and then encode and decode without any other exception, or fail the same way.
package org.mos.llm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.MosException;
import org.mos.io.MosFileException;

class MalformedTokenizerTest {
  @TempDir
  Path tmp;

  int dirs;

  ObjectNode base() {
    return TestTokenizers.byteLevel(new TestTokenizers.ByteLevelSpec(true, true, true, 50));
  }

  void expectFailure(
      String file, String fragment, Consumer<ObjectNode> mutate, Map<String, Object> extra) {
    ObjectNode json = base();
    mutate.accept(json);
    Path dir = TestTokenizers.write(tmp, "m" + (dirs++), json, extra);
    MosFileException e = assertThrows(MosFileException.class, () -> Tokenizer.load(dir));
    assertTrue(e.getMessage().contains(file), e.getMessage());
    assertTrue(
        e.getMessage().contains(fragment),
        () -> "expected \"" + fragment + "\" in: " + e.getMessage());
  }

  void expectFailure(String fragment, Consumer<ObjectNode> mutate) {
    expectFailure("tokenizer.json", fragment, mutate, Map.of());
  }

  @Test
  void handWrittenCases() throws Exception {
    expectFailure("model: missing", j -> j.remove("model"));
    expectFailure("model \"Unigram\" is not supported", j -> ((ObjectNode) j.get("model"))
        .put("type", "Unigram"));
    expectFailure(
        "outside [0, 16777215]", j -> ((ObjectNode) j.get("model").get("vocab")).put("x", -1));
    expectFailure("outside [0, 16777215]", j -> ((ObjectNode) j.get("model").get("vocab"))
        .put("x", 1L << 32));
    expectFailure(
        "expected an integer", j -> ((ObjectNode) j.get("model").get("vocab")).put("x", "1"));
    expectFailure(
        "is also the id of", j -> ((ObjectNode) j.get("model").get("vocab")).put("zzz", 0));
    expectFailure(
        "model.merges[0]: token \"q\u00e9\" is not in model.vocab",
        j -> ((ArrayNode) j.get("model").get("merges")).insertArray(0).add("q").add("\u00e9"));
    expectFailure("expected \"left right\" (one space)", j -> {
      ((ObjectNode) j.get("model")).putArray("merges").add("abc");
    });
    expectFailure(
        "BPE dropout is not supported", j -> ((ObjectNode) j.get("model")).put("dropout", 0.1));
    expectFailure(
        "added_tokens[0].content: an added token cannot be empty",
        j -> ((ObjectNode) j.get("added_tokens").get(0)).put("content", ""));
    expectFailure(
        "is already added with id",
        j -> ((ObjectNode) j.get("added_tokens").get(1)).put("content", "<|begin_of_text|>"));
    expectFailure("normalizer \"BertNormalizer\" is not supported", j -> j.putObject("normalizer")
        .put("type", "BertNormalizer"));
    expectFailure("regular expression not supported", j -> ((ObjectNode)
            j.get("pre_tokenizer").get("pretokenizers").get(0).get("pattern"))
        .put("Regex", "((("));
    expectFailure("decoder \"WordPiece\" is not supported", j -> j.putObject("decoder")
        .put("type", "WordPiece"));
    expectFailure("special token \"<bos>\" is not in special_tokens", j -> {
      ObjectNode tp = (ObjectNode) j.get("post_processor").get("processors").get(1);
      ((ObjectNode) tp.get("single").get(0).get("SpecialToken")).put("id", "<bos>");
    });
    expectFailure("the template has no sequence A", j -> {
      ObjectNode tp = (ObjectNode) j.get("post_processor").get("processors").get(1);
      ((ArrayNode) tp.get("single")).remove(1);
    });
    expectFailure(
        "post-processor \"BertProcessing\" is not supported",
        j -> j.putObject("post_processor").put("type", "BertProcessing"));
    expectFailure("Sequence nested more than", j -> {
      ObjectNode n = j.putObject("normalizer");
      for (int i = 0; i < 12; i++)
        n = n.put("type", "Sequence").putArray("normalizers").addObject();
      n.put("type", "NFC");
    });
    expectFailure(
        "tokenizer_config.json",
        "eos_token: \"</s>\" is not a token",
        j -> {},
        Map.of("tokenizer_config.json", TestTokenizers.obj("eos_token", "</s>")));
    expectFailure(
        "generation_config.json",
        "eos_token_id[1]: value 999999",
        j -> {},
        Map.of("generation_config.json", TestTokenizers.obj("eos_token_id", List.of(1, 999999))));
    expectFailure(
        "generation_config.json",
        "expected an integer",
        j -> {},
        Map.of("generation_config.json", TestTokenizers.obj("eos_token_id", "2")));
    expectFailure(
        "tokenizer_config.json",
        "not valid JSON",
        j -> {},
        Map.of("tokenizer_config.json", "{\"a\": 1, \"a\": 2}"));
    expectFailure(
        "config.json",
        "expected a JSON object at the top",
        j -> {},
        Map.of("config.json", "[1, 2]"));

    // Whole-file problems.
    MosFileException e =
        assertThrows(MosFileException.class, () -> Tokenizer.load(tmp.resolve("absent")));
    assertTrue(e.getMessage().contains("not a directory"), e.getMessage());
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    e = assertThrows(MosFileException.class, () -> Tokenizer.load(empty));
    assertTrue(e.getMessage().contains("tokenizer.json: no such file"), e.getMessage());
    for (String text : new String[] {"", "{", "[]", "null", "{\"model\": 3}", "\u0000"}) {
      Path d = Files.createDirectories(tmp.resolve("bad" + (dirs++)));
      Files.writeString(d.resolve("tokenizer.json"), text);
      e = assertThrows(MosFileException.class, () -> Tokenizer.load(d), text);
      assertTrue(e.getMessage().startsWith(d.resolve("tokenizer.json").toString()), e.getMessage());
    }
    Path dirAsFile = Files.createDirectories(tmp.resolve("dirAsFile").resolve("tokenizer.json"));
    e = assertThrows(MosFileException.class, () -> Tokenizer.load(dirAsFile.getParent()));
    assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
  }

  /** Random structural damage: remove a field, or swap a value for one of another type. */
  @Test
  void randomMutationsLoadOrFailCleanly() {
    Random rnd = new Random(99);
    JsonNodeFactory f = JsonNodeFactory.instance;
    JsonNode[] replacements = {
      f.nullNode(),
      f.numberNode(-1),
      f.numberNode(1L << 40),
      f.numberNode(0.5),
      f.textNode(""),
      f.textNode("Sequence"),
      f.booleanNode(true),
      f.arrayNode(),
      f.objectNode(),
      f.numberNode(3)
    };
    int loaded = 0, refused = 0;
    List<ObjectNode> bases = List.of(
        base(), TestTokenizers.sentencePiece(false, 40), TestTokenizers.sentencePiece(true, 40));
    for (int round = 0; round < 600; round++) {
      ObjectNode json = bases.get(round % bases.size()).deepCopy();
      int edits = 1 + rnd.nextInt(3);
      for (int k = 0; k < edits; k++) mutate(json, rnd, replacements);
      Path dir = TestTokenizers.write(tmp, "f" + round, json, Map.of());
      Tokenizer t;
      try {
        t = Tokenizer.load(dir);
      } catch (MosFileException e) {
        assertTrue(
            e.getMessage().startsWith(dir.resolve("tokenizer.json").toString()), e.getMessage());
        refused++;
        continue;
      }
      loaded++;
      for (String s : new String[] {"", "Hello there, 123 😀", "<s> <|eot_id|> x\n\ny"}) {
        try {
          int[] ids = t.encode(s, true);
          t.decode(ids, false);
          t.decode(ids, true);
        } catch (MosException e) {
          // a clear refusal is fine; anything else fails the test
        }
      }
    }
    assertTrue(loaded > 50 && refused > 50, "loaded " + loaded + ", refused " + refused);
  }

  private static void mutate(ObjectNode root, Random rnd, JsonNode[] replacements) {
    // Pick a random container node on a random walk, then damage one of its children.
    JsonNode node = root;
    JsonNode parent = null;
    String key = null;
    int index = -1;
    for (int depth = 0; depth < 6 && node.isContainerNode() && node.size() > 0; depth++) {
      parent = node;
      if (node.isObject()) {
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) names.add(it.next());
        key = names.get(rnd.nextInt(names.size()));
        index = -1;
        node = node.get(key);
      } else {
        index = rnd.nextInt(node.size());
        key = null;
        node = node.get(index);
      }
      if (rnd.nextInt(3) == 0) break;
    }
    if (parent == null) return;
    JsonNode value = replacements[rnd.nextInt(replacements.length)];
    boolean remove = rnd.nextInt(4) == 0;
    if (parent instanceof ObjectNode o) {
      if (remove) o.remove(key);
      else o.set(key, value);
    } else if (parent instanceof ArrayNode a) {
      if (remove) a.remove(index);
      else a.set(index, value);
    }
  }

  @Test
  void messagesAreOneLineAndNameTheFile() {
    ObjectNode json = base();
    ((ObjectNode) json.get("model").get("vocab")).put("evil\n\u001b[31mtoken", -5);
    Path dir = TestTokenizers.write(tmp, "esc", json, Map.of());
    MosFileException e = assertThrows(MosFileException.class, () -> Tokenizer.load(dir));
    assertEquals(-1, e.getMessage().indexOf('\n'), e.getMessage());
    assertEquals(-1, e.getMessage().indexOf('\u001b'), e.getMessage());
  }
}

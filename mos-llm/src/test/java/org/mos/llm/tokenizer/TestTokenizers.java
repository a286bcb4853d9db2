// SPDX-License-Identifier: Apache-2.0
// TestTokenizers: writes tokenizer directories for the tests: byte-level BPE files (Llama 3 and
// GPT-2 layouts) and SentencePiece-style files with byte fallback (Llama 2 layout and the newer
// Metaspace layout), each with merges trained here by a plain BPE trainer on a small text.
package org.mos.llm.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Builders of tokenizer.json trees and the directories that hold them. */
public final class TestTokenizers {
  private TestTokenizers() {}

  static final ObjectMapper JSON = new ObjectMapper();

  /** Llama 3's split pattern, as its tokenizer.json spells it. */
  public static final String LLAMA3_PATTERN =
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

  /** The training text: prose, code, numbers, a little of other scripts. */
  public static final String CORPUS = """
      The theory of the thing is that the other thing they think of is there. Then the three of them
      thought that they would rather be there than here; there is nothing in the world that they
      would not do. It's the one we've seen, and they'll say they'd do it. I'm sure you're right!
      In 1984, 2001 and 2025 the numbers 123456 and 3.14159 were written 10,000 times.
          public static void main(String[] args) { System.out.println("hello, world"); }
          for (int i = 0; i < n; i++) { total += values[i] * weights[i]; }
      def tokenize(text):  # split on whitespace
          return [word for word in text.split() if word]
      Über die Brücke gehen wir, café au lait, naïve résumé. Ωμέγα, αλφα. Привет, мир.
      日本語のテキストと中文文本。 한국어 텍스트. 😀 🎉 👍🏽 ❤️
      the the the then them there these they this that think thing things thought three
      """;

  // ------------------------------------------------------------------ BPE training

  /** Learns {@code count} merges over words already split into symbols (most frequent pair first,
   *  ties to the lexicographically smaller pair). */
  static List<String[]> train(Map<List<String>, Integer> words, int count) {
    Map<List<String>, Integer> cur = new LinkedHashMap<>(words);
    List<String[]> merges = new ArrayList<>();
    for (int m = 0; m < count; m++) {
      TreeMap<String, Integer> pairs = new TreeMap<>();
      for (Map.Entry<List<String>, Integer> e : cur.entrySet()) {
        List<String> w = e.getKey();
        for (int i = 0; i + 1 < w.size(); i++) {
          pairs.merge(w.get(i) + "\u0000" + w.get(i + 1), e.getValue(), Integer::sum);
        }
      }
      String best = null;
      int bestCount = 1;
      for (Map.Entry<String, Integer> p : pairs.entrySet()) {
        if (p.getValue() > bestCount) {
          best = p.getKey();
          bestCount = p.getValue();
        }
      }
      if (best == null) break;
      String[] pair = best.split("\u0000", -1);
      merges.add(pair);
      Map<List<String>, Integer> next = new LinkedHashMap<>();
      for (Map.Entry<List<String>, Integer> e : cur.entrySet()) {
        List<String> w = e.getKey(), out = new ArrayList<>();
        for (int i = 0; i < w.size(); i++) {
          if (i + 1 < w.size() && w.get(i).equals(pair[0]) && w.get(i + 1).equals(pair[1])) {
            out.add(pair[0] + pair[1]);
            i++;
          } else {
            out.add(w.get(i));
          }
        }
        next.merge(out, e.getValue(), Integer::sum);
      }
      cur = next;
    }
    return merges;
  }

  // ------------------------------------------------------------------ byte-level BPE

  /** Options for {@link #byteLevel}. */
  public record ByteLevelSpec(
      boolean llama3Layout, boolean pairMerges, boolean ignoreMerges, int merges) {}

  /** A byte-level BPE tokenizer.json: Llama 3 layout (Split + ByteLevel, BOS by template) or GPT-2
   *  layout (ByteLevel with its own regex, no BOS). */
  public static ObjectNode byteLevel(ByteLevelSpec spec) {
    Pattern split = Pattern.compile(
        spec.llama3Layout()
            ? LLAMA3_PATTERN
            : "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
        Pattern.UNICODE_CHARACTER_CLASS);
    Map<List<String>, Integer> words = new LinkedHashMap<>();
    Matcher m = split.matcher(CORPUS);
    while (m.find()) {
      String mapped = ByteLevel.encode(m.group());
      List<String> symbols = new ArrayList<>();
      for (char c : mapped.toCharArray()) symbols.add(String.valueOf(c));
      words.merge(symbols, 1, Integer::sum);
    }
    List<String[]> merges = train(words, spec.merges());
    ObjectNode vocab = JSON.createObjectNode();
    int id = 0;
    for (int b = 0; b < 256; b++) vocab.put(String.valueOf(ByteLevel.BYTE_TO_CHAR[b]), id++);
    for (String[] p : merges) if (!vocab.has(p[0] + p[1])) vocab.put(p[0] + p[1], id++);
    String[] specials = spec.llama3Layout()
        ? new String[] {
          "<|begin_of_text|>",
          "<|end_of_text|>",
          "<|start_header_id|>",
          "<|end_header_id|>",
          "<|eot_id|>"
        }
        : new String[] {"<|endoftext|>"};
    ObjectNode root = skeleton();
    ArrayNode added = root.putArray("added_tokens");
    for (String s : specials) added.add(addedToken(id++, s, true));
    if (spec.llama3Layout()) {
      ArrayNode pre =
          root.putObject("pre_tokenizer").put("type", "Sequence").putArray("pretokenizers");
      ObjectNode sp = pre.addObject().put("type", "Split");
      sp.putObject("pattern").put("Regex", LLAMA3_PATTERN);
      sp.put("behavior", "Isolated").put("invert", false);
      pre.addObject()
          .put("type", "ByteLevel")
          .put("add_prefix_space", false)
          .put("trim_offsets", true)
          .put("use_regex", false);
      ArrayNode procs =
          root.putObject("post_processor").put("type", "Sequence").putArray("processors");
      procs
          .addObject()
          .put("type", "ByteLevel")
          .put("add_prefix_space", true)
          .put("trim_offsets", false)
          .put("use_regex", true);
      procs.add(template("<|begin_of_text|>", vocabId(root, "<|begin_of_text|>", added), null, -1));
    } else {
      root.putObject("pre_tokenizer")
          .put("type", "ByteLevel")
          .put("add_prefix_space", false)
          .put("trim_offsets", true)
          .put("use_regex", true);
      root.putObject("post_processor")
          .put("type", "ByteLevel")
          .put("add_prefix_space", true)
          .put("trim_offsets", false)
          .put("use_regex", true);
    }
    root.putObject("decoder")
        .put("type", "ByteLevel")
        .put("add_prefix_space", true)
        .put("trim_offsets", true)
        .put("use_regex", true);
    ObjectNode model = bpeModel(root, vocab, merges, spec.pairMerges());
    model.put("ignore_merges", spec.ignoreMerges()).put("byte_fallback", false);
    model.putNull("unk_token");
    return root;
  }

  // ------------------------------------------------------------------ SentencePiece-style BPE

  /** A Llama 2 style (Prepend + Replace normalizer, no pre-tokenizer) or Metaspace style
   *  (Metaspace pre-tokenizer, prepend_scheme "first") BPE with byte fallback. */
  public static ObjectNode sentencePiece(boolean metaspaceLayout, int mergeCount) {
    String text = "▁" + CORPUS.replace(' ', '▁');
    Map<List<String>, Integer> words = new LinkedHashMap<>();
    Map<String, Integer> charCounts = new HashMap<>();
    text.codePoints()
        .forEach(c -> charCounts.merge(new String(Character.toChars(c)), 1, Integer::sum));
    // Words start at each ▁; a newline is its own word (it only exists as a byte token).
    for (String w : text.split("(?=▁)|(?<=\n)|(?=\n)")) {
      if (w.isEmpty() || w.equals("\n")) continue;
      List<String> symbols = new ArrayList<>();
      w.codePoints().forEach(c -> symbols.add(new String(Character.toChars(c))));
      words.merge(symbols, 1, Integer::sum);
    }
    List<String[]> merges = train(words, mergeCount);
    ObjectNode vocab = JSON.createObjectNode();
    vocab.put("<unk>", 0).put("<s>", 1).put("</s>", 2);
    int id = 3;
    for (int b = 0; b < 256; b++) vocab.put(String.format("<0x%02X>", b), id++);
    // Characters seen at least 3 times get a token; rarer ones (emoji, most CJK) fall back to
    // bytes.
    for (String c : new java.util.TreeSet<>(charCounts.keySet())) {
      if (charCounts.get(c) >= 3 && !c.equals("\n")) vocab.put(c, id++);
    }
    List<String[]> kept = new ArrayList<>();
    for (String[] p : merges) {
      if (!vocab.has(p[0]) || !vocab.has(p[1])) continue;
      kept.add(p);
      if (!vocab.has(p[0] + p[1])) vocab.put(p[0] + p[1], id++);
    }
    ObjectNode root = skeleton();
    ArrayNode added = root.putArray("added_tokens");
    added.add(addedToken(0, "<unk>", true));
    added.add(addedToken(1, "<s>", true));
    added.add(addedToken(2, "</s>", true));
    if (metaspaceLayout) {
      root.putNull("normalizer");
      root.putObject("pre_tokenizer")
          .put("type", "Metaspace")
          .put("replacement", "▁")
          .put("prepend_scheme", "first")
          .put("split", false);
    } else {
      ArrayNode norms =
          root.putObject("normalizer").put("type", "Sequence").putArray("normalizers");
      norms.addObject().put("type", "Prepend").put("prepend", "▁");
      ObjectNode rep = norms.addObject().put("type", "Replace");
      rep.putObject("pattern").put("String", " ");
      rep.put("content", "▁");
      root.putNull("pre_tokenizer");
    }
    root.set("post_processor", template("<s>", 1, null, -1));
    ArrayNode decs = root.putObject("decoder").put("type", "Sequence").putArray("decoders");
    ObjectNode rep = decs.addObject().put("type", "Replace");
    rep.putObject("pattern").put("String", "▁");
    rep.put("content", " ");
    decs.addObject().put("type", "ByteFallback");
    decs.addObject().put("type", "Fuse");
    decs.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
    ObjectNode model = bpeModel(root, vocab, kept, true);
    model.put("byte_fallback", true).put("fuse_unk", true).put("unk_token", "<unk>");
    return root;
  }

  // ------------------------------------------------------------------ pieces

  static ObjectNode skeleton() {
    ObjectNode root = JSON.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    root.putNull("normalizer");
    return root;
  }

  public static ObjectNode addedToken(int id, String content, boolean special) {
    ObjectNode t = JSON.createObjectNode();
    t.put("id", id)
        .put("content", content)
        .put("single_word", false)
        .put("lstrip", false)
        .put("rstrip", false)
        .put("normalized", !special)
        .put("special", special);
    return t;
  }

  private static int vocabId(ObjectNode root, String token, ArrayNode added) {
    for (JsonNode t : added)
      if (t.get("content").asText().equals(token)) return t.get("id").asInt();
    throw new IllegalStateException(token);
  }

  /** TemplateProcessing: [bos] $A [eos] (eos null: none). */
  public static ObjectNode template(String bos, int bosId, String eos, int eosId) {
    ObjectNode t = JSON.createObjectNode().put("type", "TemplateProcessing");
    ArrayNode single = t.putArray("single");
    ArrayNode pair = t.putArray("pair");
    ObjectNode specials = t.putObject("special_tokens");
    if (bos != null) {
      single.addObject().putObject("SpecialToken").put("id", bos).put("type_id", 0);
      pair.addObject().putObject("SpecialToken").put("id", bos).put("type_id", 0);
      ObjectNode s = specials.putObject(bos).put("id", bos);
      s.putArray("ids").add(bosId);
      s.putArray("tokens").add(bos);
    }
    single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
    pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
    pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
    if (eos != null) {
      single.addObject().putObject("SpecialToken").put("id", eos).put("type_id", 0);
      ObjectNode s = specials.putObject(eos).put("id", eos);
      s.putArray("ids").add(eosId);
      s.putArray("tokens").add(eos);
    }
    return t;
  }

  private static ObjectNode bpeModel(
      ObjectNode root, ObjectNode vocab, List<String[]> merges, boolean pairs) {
    ObjectNode model = root.putObject("model");
    model
        .put("type", "BPE")
        .putNull("dropout")
        .put("fuse_unk", false)
        .putNull("continuing_subword_prefix")
        .putNull("end_of_word_suffix");
    model.set("vocab", vocab);
    ArrayNode ms = model.putArray("merges");
    for (String[] p : merges) {
      if (pairs) ms.addArray().add(p[0]).add(p[1]);
      else ms.add(p[0] + " " + p[1]);
    }
    return model;
  }

  // ------------------------------------------------------------------ directories

  /** Writes {@code tokenizer.json} (and each extra file: name -> JSON tree or text) into a new
   *  directory under {@code parent}. */
  public static Path write(
      Path parent, String name, JsonNode tokenizerJson, Map<String, Object> extra) {
    try {
      Path dir = Files.createDirectories(parent.resolve(name));
      Files.writeString(dir.resolve("tokenizer.json"), JSON.writeValueAsString(tokenizerJson));
      for (Map.Entry<String, Object> e : extra.entrySet()) {
        String text = e.getValue() instanceof String s ? s : JSON.writeValueAsString(e.getValue());
        Files.writeString(dir.resolve(e.getKey()), text);
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static ObjectNode obj(Object... kv) {
    ObjectNode o = JSON.createObjectNode();
    for (int i = 0; i < kv.length; i += 2) o.set((String) kv[i], JSON.valueToTree(kv[i + 1]));
    return o;
  }
}

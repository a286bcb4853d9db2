// SPDX-License-Identifier: Apache-2.0
// TokenizerJson: reads and checks tokenizer.json (model, added tokens, pipeline components,
// post-processor) into a Tokenizer.Builder; every problem names the JSON path.
package org.mos.llm.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.mos.llm.internal.JsonFile;

/** The tokenizer.json half of {@link Tokenizer#load}. */
final class TokenizerJson {
  private TokenizerJson() {}

  static void read(Path file, Tokenizer.Builder b) {
    JsonFile f = JsonFile.read(file, Tokenizer.MAX_TOKENIZER_JSON_BYTES, "a tokenizer.json");
    JsonNode root = f.root;
    JsonNode model = f.object(root, "model", "", false);

    // ---- model: BPE
    String type = model.has("type") ? f.string(model, "type", "model") : "BPE";
    if (!type.equals("BPE")) {
      throw f.fail(
          "model.type",
          "model \"" + Pipeline.printable(type) + "\" is not supported"
              + " (only BPE: Llama, Mistral, GPT-2, Qwen, SmolLM)");
    }
    JsonNode vocabNode = f.object(model, "vocab", "model", false);
    Map<String, Integer> vocab = new HashMap<>(vocabNode.size() * 2);
    Map<Integer, String> byId = new HashMap<>(vocabNode.size() * 2);
    int maxId = -1;
    for (Iterator<Map.Entry<String, JsonNode>> it = vocabNode.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String path = "model.vocab[\"" + Pipeline.printable(e.getKey()) + "\"]";
      int id = (int) f.integerValue(e.getValue(), path, 0, Tokenizer.MAX_TOKEN_ID);
      String other = byId.putIfAbsent(id, e.getKey());
      if (other != null) {
        throw f.fail(path, "id " + id + " is also the id of \"" + Pipeline.printable(other) + "\"");
      }
      vocab.put(e.getKey(), id);
      maxId = Math.max(maxId, id);
    }
    JsonNode dropout = model.get("dropout");
    if (dropout != null
        && !dropout.isNull()
        && !(dropout.isNumber() && dropout.doubleValue() == 0)) {
      throw f.fail("model.dropout", "BPE dropout is not supported (it makes encoding random)");
    }
    for (String key : new String[] {"continuing_subword_prefix", "end_of_word_suffix"}) {
      String v = f.optString(model, key, "model");
      if (v != null && !v.isEmpty()) {
        throw f.fail("model." + key, "not supported (Llama-family files leave it null)");
      }
    }
    boolean byteFallback = f.bool(model, "byte_fallback", "model", false);
    boolean ignoreMerges = f.bool(model, "ignore_merges", "model", false);
    boolean fuseUnk = f.bool(model, "fuse_unk", "model", false);
    String unkToken = f.optString(model, "unk_token", "model");
    int unkId = -1;
    if (unkToken != null) {
      Integer u = vocab.get(unkToken);
      if (u == null) {
        throw f.fail(
            "model.unk_token", "\"" + Pipeline.printable(unkToken) + "\" is not in model.vocab");
      }
      unkId = u;
    }
    JsonNode mergesNode = model.get("merges");
    Map<Long, Long> merges = new HashMap<>();
    if (mergesNode != null && !mergesNode.isNull()) {
      if (!mergesNode.isArray()) {
        throw f.fail("model.merges", "expected an array, found " + JsonFile.kind(mergesNode));
      }
      for (int rank = 0; rank < mergesNode.size(); rank++) {
        JsonNode m = mergesNode.get(rank);
        String path = "model.merges[" + rank + "]";
        String left, right;
        if (m.isTextual()) {
          String[] parts = m.textValue().split(" ", -1);
          if (parts.length != 2) {
            throw f.fail(
                path,
                "expected \"left right\" (one space), found \"" + Pipeline.printable(m.textValue())
                    + "\"");
          }
          left = parts[0];
          right = parts[1];
        } else if (m.isArray()
            && m.size() == 2
            && m.get(0).isTextual()
            && m.get(1).isTextual()) {
          left = m.get(0).textValue();
          right = m.get(1).textValue();
        } else {
          throw f.fail(
              path, "expected \"left right\" or [\"left\", \"right\"], found " + JsonFile.kind(m));
        }
        Integer l = vocab.get(left), r = vocab.get(right), merged = vocab.get(left + right);
        if (l == null || r == null || merged == null) {
          String missing = l == null ? left : r == null ? right : left + right;
          throw f.fail(path, "token \"" + Pipeline.printable(missing) + "\" is not in model.vocab");
        }
        merges.put(Bpe.pair(l, r), ((long) rank << 32) | merged);
      }
    }
    b.model = new Bpe(vocab, merges, byteFallback, ignoreMerges, fuseUnk, unkId);

    // ---- pipeline
    b.normalizer = Pipeline.normalizer(f, root.get("normalizer"), "normalizer", 0);
    b.preTokenizer = Pipeline.preTokenizer(f, root.get("pre_tokenizer"), "pre_tokenizer", 0);
    b.decoder = Pipeline.decoder(f, root.get("decoder"), "decoder", 0);

    // ---- added tokens
    List<AddedVocabulary.Added> added = new ArrayList<>();
    Map<String, Integer> addedByContent = new HashMap<>();
    Map<Integer, String> addedById = new HashMap<>();
    JsonNode addedNode = root.get("added_tokens");
    if (addedNode != null && !addedNode.isNull()) {
      if (!addedNode.isArray()) {
        throw f.fail("added_tokens", "expected an array, found " + JsonFile.kind(addedNode));
      }
      for (int i = 0; i < addedNode.size(); i++) {
        JsonNode t = addedNode.get(i);
        String path = "added_tokens[" + i + "]";
        if (!t.isObject()) throw f.fail(path, "expected an object, found " + JsonFile.kind(t));
        int id = (int) f.integerValue(
            t.get("id") == null ? missing() : t.get("id"), path + ".id", 0, Tokenizer.MAX_TOKEN_ID);
        String content = f.string(t, "content", path);
        if (content.isEmpty()) throw f.fail(path + ".content", "an added token cannot be empty");
        boolean isSpecial = f.bool(t, "special", path, false);
        Integer prevId = addedByContent.putIfAbsent(content, id);
        if (prevId != null && prevId != id) {
          throw f.fail(
              path, "\"" + Pipeline.printable(content) + "\" is already added with id " + prevId);
        }
        String prevContent = addedById.putIfAbsent(id, content);
        if (prevContent != null && !prevContent.equals(content)) {
          throw f.fail(
              path,
              "id " + id + " is already the added token \"" + Pipeline.printable(prevContent)
                  + "\"");
        }
        added.add(new AddedVocabulary.Added(
            id,
            content,
            isSpecial,
            f.bool(t, "single_word", path, false),
            f.bool(t, "lstrip", path, false),
            f.bool(t, "rstrip", path, false),
            f.bool(t, "normalized", path, !isSpecial)));
        maxId = Math.max(maxId, id);
      }
    }
    b.added = new AddedVocabulary(added, b.normalizer);

    // ---- id <-> token tables: added tokens take precedence, as in the Rust crate
    if (maxId < 0) throw f.fail("model.vocab", "the vocabulary is empty");
    b.idToToken = new String[maxId + 1];
    b.special = new boolean[maxId + 1];
    for (Map.Entry<String, Integer> e : vocab.entrySet()) {
      b.idToToken[e.getValue()] = e.getKey();
      b.tokenToId.put(e.getKey(), e.getValue());
    }
    for (AddedVocabulary.Added a : added) {
      b.idToToken[a.id()] = a.content();
      b.tokenToId.put(a.content(), a.id());
      b.special[a.id()] = a.special();
    }

    // ---- post-processor: the ids encode(text, true) adds
    int[][] ps = postProcessor(f, root.get("post_processor"), "post_processor", 0, b);
    b.prefix = ps[0];
    b.suffix = ps[1];
  }

  private static JsonNode missing() {
    return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
  }

  /** {prefix, suffix} of a post-processor; Sequence wraps inner results in order. */
  static int[][] postProcessor(
      JsonFile f, JsonNode n, String path, int depth, Tokenizer.Builder b) {
    int[][] none = {new int[0], new int[0]};
    if (n == null || n.isNull()) return none;
    if (!n.isObject()) throw f.fail(path, "expected an object or null, found " + JsonFile.kind(n));
    if (depth > Pipeline.MAX_DEPTH)
      throw f.fail(path, "Sequence nested more than " + Pipeline.MAX_DEPTH + " deep");
    String type = f.string(n, "type", path);
    switch (type) {
      case "ByteLevel":
        return none; // trims offsets only; adds no token
      case "Sequence": {
        JsonNode list = f.array(n, "processors", path);
        IntList pre = new IntList(4), post = new IntList(4);
        int[] curPre = new int[0], curPost = new int[0];
        for (int i = 0; i < list.size(); i++) {
          int[][] inner =
              postProcessor(f, list.get(i), path + ".processors[" + i + "]", depth + 1, b);
          curPre = concat(inner[0], curPre);
          curPost = concat(curPost, inner[1]);
        }
        pre.addAll(curPre);
        post.addAll(curPost);
        return new int[][] {pre.toArray(), post.toArray()};
      }
      case "TemplateProcessing": {
        JsonNode specials = f.object(n, "special_tokens", path, false);
        Map<String, int[]> specialIds = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = specials.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          String sp = path + ".special_tokens[\"" + Pipeline.printable(e.getKey()) + "\"]";
          if (!e.getValue().isObject())
            throw f.fail(sp, "expected an object, found " + JsonFile.kind(e.getValue()));
          JsonNode ids = f.array(e.getValue(), "ids", sp);
          JsonNode tokens = f.array(e.getValue(), "tokens", sp);
          if (ids.size() != tokens.size()) {
            throw f.fail(sp, ids.size() + " ids but " + tokens.size() + " tokens");
          }
          int[] arr = new int[ids.size()];
          for (int i = 0; i < arr.length; i++) {
            arr[i] =
                (int) f.integerValue(ids.get(i), sp + ".ids[" + i + "]", 0, b.idToToken.length - 1);
          }
          specialIds.put(e.getKey(), arr);
        }
        JsonNode single = f.array(n, "single", path);
        IntList pre = new IntList(4), post = new IntList(4);
        boolean seenA = false;
        for (int i = 0; i < single.size(); i++) {
          JsonNode piece = single.get(i);
          String pp = path + ".single[" + i + "]";
          if (piece.isObject() && piece.has("SpecialToken")) {
            JsonNode st = f.object(piece, "SpecialToken", pp, false);
            String id = f.string(st, "id", pp + ".SpecialToken");
            int[] ids = specialIds.get(id);
            if (ids == null) {
              throw f.fail(
                  pp, "special token \"" + Pipeline.printable(id) + "\" is not in special_tokens");
            }
            (seenA ? post : pre).addAll(ids);
          } else if (piece.isObject() && piece.has("Sequence")) {
            JsonNode sq = f.object(piece, "Sequence", pp, false);
            String id = f.string(sq, "id", pp + ".Sequence");
            if (!id.equals("A")) {
              throw f.fail(
                  pp,
                  "the single-sequence template may only hold sequence A, found \""
                      + Pipeline.printable(id) + "\"");
            }
            if (seenA) throw f.fail(pp, "sequence A appears twice");
            seenA = true;
          } else {
            throw f.fail(
                pp,
                "expected {\"SpecialToken\": ...} or {\"Sequence\": ...}, found "
                    + JsonFile.kind(piece));
          }
        }
        if (!seenA) throw f.fail(path + ".single", "the template has no sequence A");
        return new int[][] {pre.toArray(), post.toArray()};
      }
      default:
        throw f.fail(
            JsonFile.child(path, "type"),
            "post-processor \"" + Pipeline.printable(type)
                + "\" is not supported (supported: TemplateProcessing, ByteLevel, Sequence)");
    }
  }

  private static int[] concat(int[] a, int[] c) {
    int[] r = java.util.Arrays.copyOf(a, a.length + c.length);
    System.arraycopy(c, 0, r, a.length, c.length);
    return r;
  }
}

// SPDX-License-Identifier: Apache-2.0
// SideFiles: the optional files beside tokenizer.json: tokenizer_config.json (special tokens,
// add_bos_token / add_eos_token, chat template), special_tokens_map.json, chat_template.jinja,
// generation_config.json or config.json (EOS and pad ids).
package org.mos.llm.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.mos.io.BoundedFiles;
import org.mos.io.MosFileException;
import org.mos.llm.internal.GenerationIds;
import org.mos.llm.internal.JsonFile;

/** The side-file half of {@link Tokenizer#load}. */
final class SideFiles {
  private SideFiles() {}

  private static final String[] NAMES = {"bos_token", "eos_token", "pad_token", "unk_token"};

  static void read(Path dir, Tokenizer.Builder b) {
    JsonFile config = optional(dir.resolve("tokenizer_config.json"));
    JsonFile map = optional(dir.resolve("special_tokens_map.json"));

    for (String name : NAMES) {
      JsonFile from = config != null && config.root.has(name)
          ? config
          : map != null && map.root.has(name) ? map : null;
      if (from == null) continue;
      String content = tokenText(from, from.root.get(name), name);
      if (content == null) continue;
      Integer id = b.tokenToId.get(content);
      if (id == null) {
        throw from.fail(
            name,
            "\"" + Pipeline.printable(content) + "\" is not a token of"
                + " tokenizer.json (neither in model.vocab nor in added_tokens)");
      }
      b.special(name, content, id);
    }

    if (config != null && (config.root.has("add_bos_token") || config.root.has("add_eos_token"))) {
      boolean addBos = config.bool(config.root, "add_bos_token", "", false);
      boolean addEos = config.bool(config.root, "add_eos_token", "", false);
      if (addBos && b.bos == null)
        throw config.fail("add_bos_token", "true, but there is no bos_token");
      if (addEos && b.eos == null)
        throw config.fail("add_eos_token", "true, but there is no eos_token");
      b.prefix = addBos ? new int[] {b.bos.id()} : new int[0];
      b.suffix = addEos ? new int[] {b.eos.id()} : new int[0];
    }

    // Chat template: chat_template.jinja wins over tokenizer_config.json's, as in transformers.
    Path jinja = dir.resolve("chat_template.jinja");
    if (Files.exists(jinja)) {
      b.chatTemplate = utf8(
          jinja, BoundedFiles.readAll(jinja, Tokenizer.MAX_SIDE_FILE_BYTES, "a chat template"));
    } else if (config != null && config.root.has("chat_template")) {
      b.chatTemplate = chatTemplate(config, config.root.get("chat_template"));
    }

    // EOS ids for generation, and the pad id (the rule is GenerationIds', shared with
    // HfCheckpoint).
    if (b.eos != null) b.eosIds.add(b.eos.id());
    GenerationIds ids = GenerationIds.read(dir, Tokenizer.MAX_SIDE_FILE_BYTES, b.idToToken.length)
        .orElse(null);
    if (ids != null) b.eosIds.addAll(ids.eosIds());
    if (b.pad != null) {
      b.padId = OptionalInt.of(b.pad.id());
    } else if (ids != null) {
      b.padId = ids.padId();
    }
  }

  /** A special token given as "text", {"content": "text", ...} or null. */
  private static String tokenText(JsonFile f, JsonNode v, String name) {
    if (v == null || v.isNull()) return null;
    if (v.isTextual()) return v.textValue();
    if (v.isObject()) return f.string(v, "content", name);
    throw f.fail(name, "expected a string, {\"content\": ...} or null, found " + JsonFile.kind(v));
  }

  /** A template string, or a list of {"name", "template"} of which "default" is taken. */
  private static String chatTemplate(JsonFile f, JsonNode v) {
    if (v == null || v.isNull()) return null;
    if (v.isTextual()) return v.textValue();
    if (v.isArray()) {
      for (int i = 0; i < v.size(); i++) {
        JsonNode t = v.get(i);
        String path = "chat_template[" + i + "]";
        if (!t.isObject())
          throw f.fail(path, "expected {\"name\", \"template\"}, found " + JsonFile.kind(t));
        if ("default".equals(f.string(t, "name", path))) return f.string(t, "template", path);
      }
      return null;
    }
    throw f.fail(
        "chat_template",
        "expected a string or a list of named templates, found " + JsonFile.kind(v));
  }

  private static JsonFile optional(Path file) {
    if (!Files.exists(file)) return null;
    return JsonFile.read(file, Tokenizer.MAX_SIDE_FILE_BYTES, "a " + file.getFileName());
  }

  static String utf8(Path file, byte[] bytes) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new MosFileException(file, null, "not valid UTF-8", e);
    }
  }
}

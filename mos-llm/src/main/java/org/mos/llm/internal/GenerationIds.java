// SPDX-License-Identifier: Apache-2.0
// GenerationIds: the token ids that end generation (eos_token_id, an id or a list) and the pad id,
// from generation_config.json or else config.json; shared by the tokenizer and the checkpoint.
package org.mos.llm.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The ids of a checkpoint directory's generation settings. Not an API (see {@link JsonFile}).
 *
 * <p>{@code generation_config.json} is read when it exists, else {@code config.json}, as
 * transformers' {@code generate} does: a generation config that exists is used whole, even
 * without an {@code eos_token_id}. {@code eos_token_id} is an id, a list of ids or null;
 * {@code pad_token_id} is taken from {@code generation_config.json} only (config.json's is the
 * training pad). Every id must lie in [0, idLimit).
 *
 * @param file the file the ids came from
 * @param eosIds the ids that end generation, in file order, without repeats
 * @param padId the pad id, if the generation config gives one
 */
public record GenerationIds(Path file, List<Integer> eosIds, OptionalInt padId) {
  public GenerationIds {
    eosIds = List.copyOf(eosIds);
  }

  /** The name of the optional file with generation settings. */
  public static final String GENERATION_CONFIG = "generation_config.json";

  /**
   * The ids of {@code dir}: from generation_config.json, else config.json, else empty when
   * neither exists.
   *
   * @param maxBytes size limit of the file read
   * @param idLimit ids must be below this (the vocabulary size)
   */
  public static Optional<GenerationIds> read(Path dir, long maxBytes, long idLimit) {
    Path gen = dir.resolve(GENERATION_CONFIG);
    if (Files.exists(gen))
      return Optional.of(of(JsonFile.read(gen, maxBytes, "a generation config"), true, idLimit));
    Path config = dir.resolve("config.json");
    if (Files.exists(config))
      return Optional.of(of(JsonFile.read(config, maxBytes, "a model config"), false, idLimit));
    return Optional.empty();
  }

  /** The ids of an already parsed file; {@code generationConfig} says whether pad is read. */
  public static GenerationIds of(JsonFile f, boolean generationConfig, long idLimit) {
    List<Integer> eos = eosIds(f, f.root.get("eos_token_id"), "eos_token_id", idLimit);
    OptionalInt pad = OptionalInt.empty();
    if (generationConfig && !JsonFile.absent(f.root, "pad_token_id")) {
      pad = OptionalInt.of(
          (int) f.integerValue(f.root.get("pad_token_id"), "pad_token_id", 0, idLimit - 1));
    }
    return new GenerationIds(f.file, eos, pad);
  }

  /** An {@code eos_token_id} value: null (none), an id, or a list of ids (repeats dropped). */
  public static List<Integer> eosIds(JsonFile f, JsonNode e, String path, long idLimit) {
    LinkedHashSet<Integer> out = new LinkedHashSet<>();
    if (e == null || e.isNull()) return List.of();
    if (e.isArray()) {
      for (int i = 0; i < e.size(); i++) {
        out.add((int) f.integerValue(e.get(i), path + "[" + i + "]", 0, idLimit - 1));
      }
    } else {
      out.add((int) f.integerValue(e, path, 0, idLimit - 1));
    }
    return List.copyOf(out);
  }
}

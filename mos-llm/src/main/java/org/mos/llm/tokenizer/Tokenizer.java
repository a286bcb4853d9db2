// SPDX-License-Identifier: Apache-2.0
// Tokenizer: a Hugging Face checkpoint's tokenizer (tokenizer.json + tokenizer_config.json +
// generation_config.json), written in Java: byte-level BPE (GPT-2, Llama 3, Qwen, SmolLM) and
// SentencePiece-style BPE with byte fallback (Llama 2, Mistral), special tokens, chat template.
package org.mos.llm.tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.mos.MosException;
import org.mos.Status;
import org.mos.io.MosFileException;

/**
 * A tokenizer loaded from a checkpoint directory, behaving as Hugging Face's {@code tokenizers}
 * (and {@code transformers}' fast tokenizers) do on the same files.
 *
 * <p>Files read from the directory:
 * <ul>
 *   <li>{@code tokenizer.json} (required): the model ({@code BPE} only), {@code added_tokens},
 *       {@code normalizer}, {@code pre_tokenizer}, {@code post_processor} and {@code decoder}.
 *       Supported components are listed in {@code docs/llm.md}; any other is refused with a
 *       {@link MosFileException} naming it. {@code truncation} and {@code padding} are ignored:
 *       this class never truncates or pads.
 *   <li>{@code tokenizer_config.json} (optional): {@code bos_token}, {@code eos_token},
 *       {@code pad_token}, {@code unk_token} (a string or {@code {"content": ...}}),
 *       {@code add_bos_token} / {@code add_eos_token} and {@code chat_template}. When either
 *       {@code add_*_token} key is present, the special tokens {@link #encode} adds are
 *       {@code [bos if add_bos_token] text [eos if add_eos_token]} (what transformers does);
 *       otherwise they are the {@code post_processor}'s. BOS is never added from
 *       {@code bos_token_id} alone.
 *   <li>{@code special_tokens_map.json} (optional): the special tokens, where
 *       tokenizer_config.json does not name them.
 *   <li>{@code chat_template.jinja} (optional): the chat template; it takes precedence over
 *       tokenizer_config.json's, as in transformers.
 *   <li>{@code generation_config.json} (optional; else {@code config.json}): {@code eos_token_id}
 *       (an id or a list), whose ids join {@link #eosIds()}; {@code pad_token_id}.
 * </ul>
 *
 * <p>Immutable and safe to share between threads. Every problem with the files is a
 * {@link MosFileException} naming the file, the JSON path and the problem; files are size-checked
 * before they are read.
 *
 * {@snippet :
 * Tokenizer tok = Tokenizer.load(Path.of("SmolLM2-135M"));
 * int[] ids = tok.encode("Hello, world", true);
 * String text = tok.decode(ids, true);            // "Hello, world"
 * }
 */
public final class Tokenizer {
  /** Largest tokenizer.json read (real ones are up to about 35 MB). */
  public static final long MAX_TOKENIZER_JSON_BYTES = 256L << 20;
  /** Largest side file read (tokenizer_config.json, generation_config.json, ...). */
  public static final long MAX_SIDE_FILE_BYTES = 64L << 20;
  /** Largest token id accepted (vocabularies of real models are below 300,000). */
  public static final int MAX_TOKEN_ID = (1 << 24) - 1;

  private final Path directory;
  private final Bpe model;
  private final Pipeline.Norm normalizer;
  private final Pipeline.PreTok preTokenizer;
  private final Pipeline.Dec decoder;
  private final AddedVocabulary added;
  private final String[] idToToken;
  private final boolean[] special;
  private final Map<String, Integer> tokenToId;
  private final int[] prefix;
  private final int[] suffix;
  private final SpecialToken bos, eos, pad, unk;
  private final Set<Integer> eosIds;
  private final OptionalInt padId;
  private final String chatTemplate;

  /** A named special token of tokenizer_config.json and its id. */
  record SpecialToken(String content, int id) {}

  private Tokenizer(Builder b) {
    this.directory = b.directory;
    this.model = b.model;
    this.normalizer = b.normalizer;
    this.preTokenizer = b.preTokenizer;
    this.decoder = b.decoder;
    this.added = b.added;
    this.idToToken = b.idToToken;
    this.special = b.special;
    this.tokenToId = b.tokenToId;
    this.prefix = b.prefix;
    this.suffix = b.suffix;
    this.bos = b.bos;
    this.eos = b.eos;
    this.pad = b.pad;
    this.unk = b.unk;
    this.eosIds = Collections.unmodifiableSet(b.eosIds);
    this.padId = b.padId;
    this.chatTemplate = b.chatTemplate;
  }

  /**
   * Loads the tokenizer of the checkpoint directory {@code dir}.
   *
   * @throws MosFileException when tokenizer.json is missing, or any file is malformed, too large
   *     or uses a component this class does not support
   */
  public static Tokenizer load(Path dir) {
    if (dir == null) throw new MosException(Status.NULL_POINTER, "Tokenizer.load: dir is null");
    if (!Files.isDirectory(dir)) {
      throw new MosFileException(
          dir, "not a directory (expected a checkpoint directory holding" + " tokenizer.json)");
    }
    Builder b = new Builder();
    b.directory = dir;
    TokenizerJson.read(dir.resolve("tokenizer.json"), b);
    SideFiles.read(dir, b);
    return new Tokenizer(b);
  }

  /** What {@link #load} assembles; filled by TokenizerJson and SideFiles. */
  static final class Builder {
    Path directory;
    Bpe model;
    Pipeline.Norm normalizer;
    Pipeline.PreTok preTokenizer;
    Pipeline.Dec decoder;
    AddedVocabulary added;
    String[] idToToken;
    boolean[] special;
    Map<String, Integer> tokenToId = new HashMap<>();
    int[] prefix = new int[0];
    int[] suffix = new int[0];
    SpecialToken bos, eos, pad, unk;
    LinkedHashSet<Integer> eosIds = new LinkedHashSet<>();
    OptionalInt padId = OptionalInt.empty();
    String chatTemplate;

    void special(String name, String content, int id) {
      SpecialToken t = new SpecialToken(content, id);
      switch (name) {
        case "bos_token" -> bos = t;
        case "eos_token" -> eos = t;
        case "pad_token" -> pad = t;
        case "unk_token" -> unk = t;
        default -> throw new IllegalArgumentException(name);
      }
    }

    SpecialToken special(String name) {
      return switch (name) {
        case "bos_token" -> bos;
        case "eos_token" -> eos;
        case "pad_token" -> pad;
        case "unk_token" -> unk;
        default -> throw new IllegalArgumentException(name);
      };
    }
  }

  // ------------------------------------------------------------------ encoding

  /**
   * The ids of {@code text}. With {@code addSpecialTokens}, {@link #prefixIds()} and
   * {@link #suffixIds()} surround them (e.g. BOS for Llama). Added and special tokens written in
   * the text (such as {@code <|eot_id|>}) become their ids, as in Hugging Face tokenizers.
   * Unpaired surrogates in {@code text} are read as U+FFFD.
   *
   * @throws MosException ({@link Status#NULL_POINTER}) when text is null;
   *     ({@link Status#INVALID_ARGUMENT}) when a split pattern cannot handle the text
   */
  public int[] encode(String text, boolean addSpecialTokens) {
    if (text == null) throw new MosException(Status.NULL_POINTER, "Tokenizer.encode: text is null");
    String s = sanitize(text);
    IntList out = new IntList(s.length() / 3 + 8);
    if (addSpecialTokens) out.addAll(prefix);
    try {
      List<Piece> rawPieces = new ArrayList<>();
      added.splitRaw(s, rawPieces);
      List<Piece> pieces = new ArrayList<>();
      List<Piece> words = new ArrayList<>();
      for (Piece raw : rawPieces) {
        if (raw.isToken()) {
          out.add(raw.id());
          continue;
        }
        String normalized = normalizer == null ? raw.text() : normalizer.apply(raw.text());
        pieces.clear();
        added.splitNormalized(Piece.text(normalized, raw.atStart()), pieces);
        for (Piece p : pieces) {
          if (p.isToken()) {
            out.add(p.id());
            continue;
          }
          words.clear();
          if (preTokenizer == null) {
            words.add(p);
          } else {
            preTokenizer.apply(p, words);
          }
          for (Piece w : words) model.tokenize(w.text(), out);
        }
      }
    } catch (StackOverflowError e) {
      throw new MosException(
          Status.INVALID_ARGUMENT,
          "Tokenizer.encode: the tokenizer's split" + " pattern recursed too deeply on a text of "
              + text.length() + " characters");
    }
    if (addSpecialTokens) out.addAll(suffix);
    return out.toArray();
  }

  /** {@code s} with every unpaired surrogate replaced by U+FFFD (what UTF-8 can carry). */
  static String sanitize(String s) {
    StringBuilder sb = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean bad;
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          if (sb != null) sb.append(c).append(s.charAt(i + 1));
          i++;
          continue;
        }
        bad = true;
      } else {
        bad = Character.isLowSurrogate(c);
      }
      if (bad && sb == null) sb = new StringBuilder(s.length()).append(s, 0, i);
      if (sb != null) sb.append(bad ? '\uFFFD' : c);
    }
    return sb == null ? s : sb.toString();
  }

  // ------------------------------------------------------------------ decoding

  /**
   * The text of {@code ids}. With {@code skipSpecialTokens}, special tokens (BOS, EOS, chat
   * markers) are left out. Ids inside the vocabulary's range that name no token are skipped, as
   * in Hugging Face tokenizers. Bytes that do not form valid UTF-8 become U+FFFD.
   *
   * @throws MosException ({@link Status#INDEX_OUT_OF_RANGE}) for an id outside [0, vocabSize)
   */
  public String decode(int[] ids, boolean skipSpecialTokens) {
    if (ids == null) throw new MosException(Status.NULL_POINTER, "Tokenizer.decode: ids is null");
    return decode(ids, 0, ids.length, skipSpecialTokens);
  }

  String decode(int[] ids, int from, int to, boolean skipSpecialTokens) {
    List<String> tokens = new ArrayList<>(to - from);
    for (int i = from; i < to; i++) {
      int id = ids[i];
      if (id < 0 || id >= idToToken.length) {
        throw new MosException(
            Status.INDEX_OUT_OF_RANGE,
            "Tokenizer.decode: ids[" + i + "] = " + id + " is outside the vocabulary [0, "
                + idToToken.length + ")");
      }
      String t = idToToken[id];
      if (t == null || (skipSpecialTokens && special[id])) continue;
      tokens.add(t);
    }
    if (decoder == null) return String.join(" ", tokens);
    return String.join("", decoder.apply(tokens));
  }

  /**
   * A decoder for a stream of generated ids that hands out text only when it is complete: it
   * never splits a multi-byte UTF-8 character, and the pieces it returns concatenate to
   * {@link #decode} of all ids. One stream per generation; not thread-safe.
   */
  public StreamDecoder streamDecoder(boolean skipSpecialTokens) {
    return new StreamDecoder(this, skipSpecialTokens);
  }

  // ------------------------------------------------------------------ vocabulary and specials

  /** One more than the largest id of the vocabulary and the added tokens. */
  public int vocabSize() {
    return idToToken.length;
  }

  /** The ids {@code encode(text, true)} puts before the text's own (e.g. {@code [BOS]}); a copy. */
  public int[] prefixIds() {
    return prefix.clone();
  }

  /** The ids {@code encode(text, true)} puts after the text's own (usually none); a copy. */
  public int[] suffixIds() {
    return suffix.clone();
  }

  /** The BOS token's id ({@code bos_token}), whether or not encoding adds it. */
  public OptionalInt bosId() {
    return bos == null ? OptionalInt.empty() : OptionalInt.of(bos.id());
  }

  /** The tokenizer's own EOS token ({@code eos_token}): what data sets append to documents. */
  public OptionalInt eosId() {
    return eos == null ? OptionalInt.empty() : OptionalInt.of(eos.id());
  }

  /**
   * Every id that ends generation: {@code eos_token} first, then generation_config.json's
   * {@code eos_token_id} (or config.json's when there is no generation config). Unmodifiable.
   */
  public Set<Integer> eosIds() {
    return eosIds;
  }

  /** The padding id: {@code pad_token}, else generation_config.json's {@code pad_token_id}. */
  public OptionalInt padId() {
    return padId;
  }

  /** The special tokens' texts, for chat templates: {@code bos_token}, {@code eos_token}, ... */
  public Map<String, String> specialTokenStrings() {
    Map<String, String> m = new HashMap<>();
    if (bos != null) m.put("bos_token", bos.content());
    if (eos != null) m.put("eos_token", eos.content());
    if (pad != null) m.put("pad_token", pad.content());
    if (unk != null) m.put("unk_token", unk.content());
    return Collections.unmodifiableMap(m);
  }

  /** Whether {@code id} is a special added token (skipped by {@code decode(ids, true)}). */
  public boolean isSpecial(int id) {
    return id >= 0 && id < special.length && special[id];
  }

  /** The id of the token spelled {@code token} (added tokens first, then the model's vocabulary). */
  public OptionalInt tokenToId(String token) {
    Integer id = token == null ? null : tokenToId.get(token);
    return id == null ? OptionalInt.empty() : OptionalInt.of(id);
  }

  /** The spelling of token {@code id} as the vocabulary stores it (e.g. "Ġthe"). */
  public Optional<String> idToToken(int id) {
    return id < 0 || id >= idToToken.length ? Optional.empty() : Optional.ofNullable(idToToken[id]);
  }

  /** The Jinja2 chat template, if the checkpoint has one. */
  public Optional<String> chatTemplate() {
    return Optional.ofNullable(chatTemplate);
  }

  /** The directory this tokenizer was loaded from. */
  public Path directory() {
    return directory;
  }

  @Override
  public String toString() {
    return "Tokenizer[" + directory + ", vocab " + idToToken.length + "]";
  }
}

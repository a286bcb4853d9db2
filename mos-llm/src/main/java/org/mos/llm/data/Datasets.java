// SPDX-License-Identifier: Apache-2.0
// Datasets: reads training data (plain text, JSONL text / prompt-completion / chat messages)
// into examples with loss masks, splits off validation data and shuffles, all seeded.
package org.mos.llm.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.mos.MosException;
import org.mos.Status;
import org.mos.io.BoundedFiles;
import org.mos.io.MosFileException;
import org.mos.llm.tokenizer.ChatMessage;
import org.mos.llm.tokenizer.ChatTemplate;
import org.mos.llm.tokenizer.Tokenizer;
import org.mos.train.Rng;

/**
 * Reads data files into {@link Example}s.
 *
 * <ul>
 *   <li><b>Plain text</b> (any name not ending in {@code .jsonl}): the whole file is one
 *       document. Its tokens are the tokenizer's {@link Tokenizer#prefixIds() prefix} (BOS where
 *       the tokenizer files say so), the text, the {@link Tokenizer#suffixIds() suffix}, then EOS
 *       (unless the suffix already ends with it). Long files are tokenized in pieces of about
 *       64 KiB cut at a line break between two non-blank characters, each piece read in the
 *       context of the preceding newline, which gives the ids of the whole text for byte-level
 *       and SentencePiece-style BPE (a single line over 1 MiB is cut inside the line). The
 *       document's tokens are cut into sequences of {@code maxLength} (the last may be
 *       shorter); every token but a sequence's first is a target.
 *   <li><b>JSONL</b> ({@code .jsonl}), one JSON object per line, blank lines skipped, every
 *       record of one kind (other keys are ignored):
 *       <ul>
 *         <li>{@code {"text": ...}}: each record a document, packed as plain text (EOS between
 *             documents);
 *         <li>{@code {"prompt": ..., "completion": ...}}: one example each, prefix + prompt +
 *             completion + suffix + EOS, loss on the completion, the suffix and EOS;
 *         <li>{@code {"messages": [{"role": ..., "content": ...}, ...]}}: rendered with the
 *             tokenizer's chat template, tokenized without added special tokens (the template
 *             writes them), loss on each assistant turn: the text that rendering the
 *             conversation up to and including that turn adds to rendering it up to the turn
 *             with the generation prompt (the turn's content and its end-of-turn marker). Where
 *             a template is not prefix-stable that way, the record is trained on its whole text
 *             and counted in {@link DataStats#wholeTextLoss()}.
 *       </ul>
 *       Records longer than {@code maxLength} are truncated (counted); records with no target
 *       left are dropped (counted).
 * </ul>
 *
 * A malformed line is a {@link MosFileException} naming the file and line; nothing is returned.
 */
public final class Datasets {
  private Datasets() {}

  /** Plain text is tokenized in pieces of about this many characters. */
  static final int PIECE_CHARS = 64 << 10;
  /** A plain-text line longer than this many bytes is cut inside the line. */
  static final int MAX_TEXT_SEGMENT = 1 << 20;
  /** Longest JSONL line, in bytes. */
  public static final int MAX_JSONL_LINE_BYTES = 64 << 20;

  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  /**
   * Reads {@code file} (and the validation file, if the options name one), splits and shuffles.
   *
   * @throws MosFileException for a missing, unreadable, malformed or too large file
   * @throws MosException ({@link Status#INVALID_ARGUMENT}) when a validation fraction leaves no
   *     example for one side, or the data needs an EOS or chat template the tokenizer lacks
   */
  public static Dataset load(Path file, Tokenizer tokenizer, DataOptions options) {
    if (file == null || tokenizer == null || options == null) {
      throw new MosException(
          Status.NULL_POINTER, "Datasets.load: file, tokenizer and options must not be null");
    }
    Read main = read(file, tokenizer, options.maxLength());
    Read v = options.validationFile() == null
        ? null
        : read(options.validationFile(), tokenizer, options.maxLength());
    return split(file, main, v, options);
  }

  /**
   * What {@link #load} does after reading: the validation set is {@code validation}'s examples
   * when given, else a seeded fraction ({@code options.validationFraction()}) of {@code main}'s;
   * the training examples are shuffled with the seed. For a caller that reads first and decides
   * the split from what it read (options' maxLength and validationFile are not used here).
   *
   * @param file the main file, named in errors
   * @param validation the validation file's examples, or null
   * @throws MosException ({@link Status#INVALID_ARGUMENT}) when a validation fraction leaves no
   *     example for one side
   */
  public static Dataset split(Path file, Read main, Read validation, DataOptions options) {
    if (main == null || options == null) {
      throw new MosException(
          Status.NULL_POINTER, "Datasets.split: main and options must not be null");
    }
    List<Example> train = new ArrayList<>(main.examples);
    List<Example> held = new ArrayList<>();
    DataStats stats = main.stats;
    Rng rng = new Rng(options.seed());
    if (validation != null) {
      held.addAll(validation.examples);
      stats = stats.plus(validation.stats);
    } else if (options.validationFraction() > 0) {
      int n = train.size();
      if (n < 2) {
        throw new MosException(
            Status.INVALID_ARGUMENT,
            file + ": " + n + " example(s): too few to" + " hold out a validation fraction of "
                + options.validationFraction());
      }
      int count = (int) Math.round(options.validationFraction() * n);
      count = Math.max(1, Math.min(n - 1, count));
      Integer[] idx = new Integer[n];
      for (int i = 0; i < n; i++) idx[i] = i;
      List<Integer> order = new ArrayList<>(Arrays.asList(idx));
      Batches.shuffle(order, rng);
      boolean[] isVal = new boolean[n];
      for (int i = 0; i < count; i++) isVal[order.get(i)] = true;
      List<Example> rest = new ArrayList<>(n - count);
      for (int i = 0; i < n; i++) (isVal[i] ? held : rest).add(train.get(i));
      train = rest;
    }
    Batches.shuffle(train, rng);
    return new Dataset(train, held, stats);
  }

  /** The examples of one file and their counts, in file order (no split, no shuffle). */
  public record Read(List<Example> examples, DataStats stats) {}

  /**
   * Reads one file into examples in file order.
   *
   * @throws MosFileException as {@link #load}
   */
  public static Read read(Path file, Tokenizer tokenizer, int maxLength) {
    if (maxLength < 2)
      throw new MosException(
          Status.INVALID_ARGUMENT, "maxLength must be at least 2, got " + maxLength);
    BoundedFiles.requireRegularFile(file, "training data");
    try {
      long size = Files.size(file);
      long heap = Runtime.getRuntime().maxMemory();
      if (size > heap / 4) {
        throw new MosFileException(
            file,
            size + " bytes: too large to read into a Java heap of " + heap
                + " bytes (the limit is a quarter of it; raise -Xmx)");
      }
    } catch (IOException e) {
      throw new MosFileException(file, null, "cannot read: " + e.getMessage(), e);
    }
    String name = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
    return name.endsWith(".jsonl")
        ? readJsonl(file, tokenizer, maxLength)
        : readText(file, tokenizer, maxLength);
  }

  // ------------------------------------------------------------------ plain text

  private static Read readText(Path file, Tokenizer tok, int maxLength) {
    int eos = eos(tok, file);
    Packer packer = new Packer(maxLength);
    int[] anchor = tok.encode("\n", false);
    List<int[]> parts = new ArrayList<>();
    StringBuilder piece = new StringBuilder();
    boolean first = true, afterNewline = false;
    long chars = 0;
    try (LineReader in = new LineReader(file, MAX_TEXT_SEGMENT)) {
      String seg;
      while ((seg = in.next()) != null) {
        chars += seg.length();
        if (piece.length() >= PIECE_CHARS && cuttable(piece, seg)) {
          parts.add(encodePiece(tok, piece.toString(), first || !afterNewline, anchor));
          first = false;
          afterNewline = true;
          piece.setLength(0);
        }
        piece.append(seg);
        if (piece.length() >= MAX_TEXT_SEGMENT) { // no cut point for a long stretch
          parts.add(encodePiece(tok, piece.toString(), first || !afterNewline, anchor));
          first = false;
          afterNewline = false;
          piece.setLength(0);
        }
      }
    }
    if (chars == 0) throw new MosFileException(file, "empty: no text to train on");
    if (piece.length() > 0)
      parts.add(encodePiece(tok, piece.toString(), first || !afterNewline, anchor));
    packer.document(tok, parts, eos);
    List<Example> examples = packer.finish();
    return new Read(examples, stats(DataFormat.PLAIN_TEXT, 1, examples, 0, 0, 0, 0));
  }

  /** A piece may end here: it ends with "\n" after a non-blank character, and seg starts with one. */
  private static boolean cuttable(StringBuilder piece, String seg) {
    int n = piece.length();
    return n >= 2
        && piece.charAt(n - 1) == '\n'
        && !Character.isWhitespace(piece.charAt(n - 2))
        && !seg.isEmpty()
        && !Character.isWhitespace(seg.charAt(0));
  }

  /** A piece's ids; unless {@code alone}, tokenized after a "\n" whose ids are then removed. */
  private static int[] encodePiece(Tokenizer tok, String text, boolean alone, int[] anchor) {
    if (alone) return tok.encode(text, false);
    int[] withAnchor = tok.encode("\n" + text, false);
    if (startsWith(withAnchor, anchor))
      return Arrays.copyOfRange(withAnchor, anchor.length, withAnchor.length);
    return tok.encode(text, false);
  }

  // ------------------------------------------------------------------ JSONL

  private static Read readJsonl(Path file, Tokenizer tok, int maxLength) {
    DataFormat format = null;
    int formatLine = 0;
    Packer packer = new Packer(maxLength);
    List<Example> examples = new ArrayList<>();
    int records = 0, truncated = 0, dropped = 0, wholeText = 0, inexact = 0;
    ChatTemplate chat = null;
    int eos = -1;
    try (LineReader in = new LineReader(file, MAX_JSONL_LINE_BYTES)) {
      String line;
      while ((line = in.next()) != null) {
        int no = in.lineNumber();
        if (in.cutInsideLine()) {
          throw new MosFileException(
              file, "line " + no + ": longer than " + MAX_JSONL_LINE_BYTES + " bytes");
        }
        if (line.isBlank()) continue;
        JsonNode rec;
        try {
          rec = JSON.readTree(line);
        } catch (JsonProcessingException e) {
          throw new MosFileException(
              file, null, "line " + no + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (rec == null || !rec.isObject()) {
          throw new MosFileException(
              file, "line " + no + ": expected a JSON object, found " + kind(rec));
        }
        DataFormat f = kindOf(file, no, rec);
        if (format == null) {
          format = f;
          formatLine = no;
          if (f == DataFormat.JSONL_MESSAGES) chat = chatTemplate(tok, file, no);
          if (f != DataFormat.JSONL_MESSAGES) eos = eos(tok, file);
        } else if (f != format) {
          throw new MosFileException(
              file,
              "line " + no + ": a " + describe(f) + " record, but line " + formatLine + " is a "
                  + describe(format) + " record (one kind per file)");
        }
        records++;
        switch (f) {
          case JSONL_TEXT ->
            packer.document(tok, List.of(tok.encode(text(file, no, rec, "text"), false)), eos);
          case JSONL_PROMPT_COMPLETION -> {
            String prompt = text(file, no, rec, "prompt"),
                completion = text(file, no, rec, "completion");
            Segmented s = segments(tok, List.of(prompt, completion), new boolean[] {false, true});
            if (s.inexact) inexact++;
            IntList tokens = new IntList();
            BoolList mask = new BoolList();
            int[] pre = tok.prefixIds(), suf = tok.suffixIds();
            for (int id : pre) {
              tokens.add(id);
              mask.add(false);
            }
            for (int i = 0; i < s.tokens.length; i++) {
              tokens.add(s.tokens[i]);
              mask.add(s.mask[i]);
            }
            for (int id : suf) {
              tokens.add(id);
              mask.add(true);
            }
            if (suf.length == 0 || suf[suf.length - 1] != eos) {
              tokens.add(eos);
              mask.add(true);
            }
            int r = add(examples, tokens.toArray(), mask.toArray(), maxLength);
            truncated += r & 1;
            dropped += r >> 1;
          }
          case JSONL_MESSAGES -> {
            List<ChatMessage> msgs = messages(file, no, rec);
            String full = render(chat, msgs, false, file, no);
            List<String> texts = new ArrayList<>();
            List<Boolean> train = new ArrayList<>();
            int at = 0;
            boolean stable = true;
            for (int i = 0; i < msgs.size() && stable; i++) {
              if (!msgs.get(i).role().equals("assistant")) continue;
              String before = render(chat, msgs.subList(0, i), true, file, no);
              String upTo = render(chat, msgs.subList(0, i + 1), false, file, no);
              if (!upTo.startsWith(before) || !full.startsWith(upTo) || before.length() < at) {
                stable = false;
                break;
              }
              texts.add(full.substring(at, before.length()));
              train.add(false);
              texts.add(full.substring(before.length(), upTo.length()));
              train.add(true);
              at = upTo.length();
            }
            if (!stable) {
              wholeText++;
              texts = List.of(full);
              train = List.of(true);
            } else {
              texts.add(full.substring(at));
              train.add(false);
            }
            boolean[] flags = new boolean[train.size()];
            for (int i = 0; i < flags.length; i++) flags[i] = train.get(i);
            Segmented s = segments(tok, texts, flags);
            if (s.inexact) inexact++;
            boolean[] mask = s.mask.clone();
            if (mask.length > 0) mask[0] = false;
            int r = s.tokens.length == 0 ? 2 : add(examples, s.tokens, mask, maxLength);
            truncated += r & 1;
            dropped += r >> 1;
          }
          default -> throw new IllegalStateException(f.toString());
        }
      }
    }
    if (format == null) throw new MosFileException(file, "no records (the file is empty or blank)");
    if (format == DataFormat.JSONL_TEXT) examples = packer.finish();
    return new Read(
        examples, stats(format, records, examples, truncated, dropped, wholeText, inexact));
  }

  /** Adds the example (truncated to maxLength); returns bit 0: truncated, bit 1: dropped. */
  private static int add(List<Example> out, int[] tokens, boolean[] mask, int maxLength) {
    int r = 0;
    if (tokens.length > maxLength) {
      tokens = Arrays.copyOf(tokens, maxLength);
      mask = Arrays.copyOf(mask, maxLength);
      r = 1;
    }
    mask[0] = false;
    boolean any = false;
    for (boolean b : mask) any |= b;
    if (!any) return r | 2;
    out.add(new Example(tokens, mask));
    return r;
  }

  private static DataFormat kindOf(Path file, int no, JsonNode rec) {
    boolean text = rec.has("text"),
        prompt = rec.has("prompt") || rec.has("completion"),
        messages = rec.has("messages");
    int kinds = (text ? 1 : 0) + (prompt ? 1 : 0) + (messages ? 1 : 0);
    if (kinds != 1) {
      throw new MosFileException(
          file,
          "line " + no + ": expected exactly one of {\"text\"},"
              + " {\"prompt\", \"completion\"} or {\"messages\"}"
              + (kinds > 1 ? ", found several" : ""));
    }
    return text
        ? DataFormat.JSONL_TEXT
        : prompt ? DataFormat.JSONL_PROMPT_COMPLETION : DataFormat.JSONL_MESSAGES;
  }

  private static String describe(DataFormat f) {
    return switch (f) {
      case JSONL_TEXT -> "{\"text\"}";
      case JSONL_PROMPT_COMPLETION -> "{\"prompt\", \"completion\"}";
      case JSONL_MESSAGES -> "{\"messages\"}";
      case PLAIN_TEXT -> "plain text";
    };
  }

  private static String text(Path file, int no, JsonNode rec, String key) {
    JsonNode v = rec.get(key);
    if (v == null || !v.isTextual()) {
      throw new MosFileException(
          file, "line " + no + ": \"" + key + "\" must be a string, found " + kind(v));
    }
    return v.textValue();
  }

  private static List<ChatMessage> messages(Path file, int no, JsonNode rec) {
    JsonNode list = rec.get("messages");
    if (!list.isArray() || list.isEmpty()) {
      throw new MosFileException(
          file, "line " + no + ": \"messages\" must be a non-empty array, found " + kind(list));
    }
    List<ChatMessage> out = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      JsonNode m = list.get(i);
      String where = "line " + no + ": messages[" + i + "]";
      if (!m.isObject())
        throw new MosFileException(file, where + ": expected an object, found " + kind(m));
      JsonNode role = m.get("role"), content = m.get("content");
      if (role == null || !role.isTextual() || content == null || !content.isTextual()) {
        throw new MosFileException(file, where + ": \"role\" and \"content\" must be strings");
      }
      out.add(new ChatMessage(role.textValue(), content.textValue()));
    }
    return out;
  }

  private static String render(
      ChatTemplate chat, List<ChatMessage> msgs, boolean gen, Path file, int no) {
    try {
      return chat.render(msgs, gen);
    } catch (MosException e) {
      throw new MosFileException(file, null, "line " + no + ": " + e.getMessage(), e);
    }
  }

  private static ChatTemplate chatTemplate(Tokenizer tok, Path file, int no) {
    if (tok.chatTemplate().isEmpty()) {
      throw new MosFileException(
          file,
          "line " + no + ": {\"messages\"} records need a chat template," + " and the tokenizer in "
              + tok.directory() + " has none");
    }
    return ChatTemplate.of(tok);
  }

  private static int eos(Tokenizer tok, Path file) {
    if (tok.eosId().isPresent()) return tok.eosId().getAsInt();
    if (!tok.eosIds().isEmpty()) return tok.eosIds().iterator().next();
    throw new MosFileException(
        file,
        "the tokenizer in " + tok.directory() + " has no EOS token"
            + " (eos_token or eos_token_id), which this data needs to end documents and completions");
  }

  private static String kind(JsonNode n) {
    if (n == null || n.isMissingNode()) return "nothing";
    return n.isNull()
        ? "null"
        : n.isObject()
            ? "an object"
            : n.isArray()
                ? "an array"
                : n.isTextual()
                    ? "a string"
                    : n.isNumber() ? "a number" : n.isBoolean() ? "a boolean" : "a value";
  }

  // ------------------------------------------------------------------ tokenizing in segments

  /** Ids of the concatenated texts and, per id, the flag of the text it came from. */
  private record Segmented(int[] tokens, boolean[] mask, boolean inexact) {}

  /**
   * Tokenizes the concatenation of {@code texts} as one string and finds each boundary by
   * tokenizing the text before it: when those ids begin the whole text's ids, the boundary falls
   * between two ids. If any boundary falls inside an id, each text is tokenized alone instead.
   */
  private static Segmented segments(Tokenizer tok, List<String> texts, boolean[] flags) {
    StringBuilder all = new StringBuilder();
    for (String t : texts) all.append(t);
    int[] whole = tok.encode(all.toString(), false);
    boolean[] mask = new boolean[whole.length];
    int charAt = 0, idAt = 0;
    boolean exact = true;
    for (int k = 0; k < texts.size() && exact; k++) {
      charAt += texts.get(k).length();
      int end;
      if (k == texts.size() - 1) {
        end = whole.length;
      } else {
        int[] before = tok.encode(all.substring(0, charAt), false);
        if (!startsWith(whole, before) || before.length < idAt) {
          exact = false;
          break;
        }
        end = before.length;
      }
      Arrays.fill(mask, idAt, end, flags[k]);
      idAt = end;
    }
    if (exact) return new Segmented(whole, mask, false);
    IntList ids = new IntList();
    BoolList m = new BoolList();
    for (int k = 0; k < texts.size(); k++) {
      for (int id : tok.encode(texts.get(k), false)) {
        ids.add(id);
        m.add(flags[k]);
      }
    }
    return new Segmented(ids.toArray(), m.toArray(), true);
  }

  private static boolean startsWith(int[] a, int[] prefix) {
    if (prefix.length > a.length) return false;
    for (int i = 0; i < prefix.length; i++) if (a[i] != prefix[i]) return false;
    return true;
  }

  private static DataStats stats(
      DataFormat f,
      int records,
      List<Example> examples,
      int truncated,
      int dropped,
      int wholeText,
      int inexact) {
    long tokens = 0, targets = 0;
    for (Example e : examples) {
      tokens += e.length();
      targets += e.targets();
    }
    return new DataStats(
        f, records, examples.size(), tokens, targets, truncated, dropped, wholeText, inexact);
  }

  // ------------------------------------------------------------------ packing

  /** Documents' ids one after another, cut into sequences of maxLength. */
  private static final class Packer {
    private final int maxLength;
    private final IntList stream = new IntList();

    Packer(int maxLength) {
      this.maxLength = maxLength;
    }

    void document(Tokenizer tok, List<int[]> parts, int eos) {
      int[] suf = tok.suffixIds();
      stream.addAll(tok.prefixIds());
      for (int[] p : parts) stream.addAll(p);
      stream.addAll(suf);
      if (suf.length == 0 || suf[suf.length - 1] != eos) stream.add(eos);
    }

    List<Example> finish() {
      int[] all = stream.toArray();
      List<Example> out = new ArrayList<>(all.length / maxLength + 1);
      for (int at = 0; at < all.length; at += maxLength) {
        int end = Math.min(all.length, at + maxLength);
        if (end - at < 2) break; // a lone last token has nothing to be predicted
        boolean[] mask = new boolean[end - at];
        Arrays.fill(mask, 1, mask.length, true);
        out.add(new Example(Arrays.copyOfRange(all, at, end), mask));
      }
      return out;
    }
  }

  /** Growable int array. */
  static final class IntList {
    private int[] a = new int[64];
    private int n;

    void add(int x) {
      if (n == a.length) a = Arrays.copyOf(a, a.length * 2);
      a[n++] = x;
    }

    void addAll(int[] xs) {
      if (n + xs.length > a.length) a = Arrays.copyOf(a, Math.max(a.length * 2, n + xs.length));
      System.arraycopy(xs, 0, a, n, xs.length);
      n += xs.length;
    }

    int[] toArray() {
      return Arrays.copyOf(a, n);
    }
  }

  /** Growable boolean array. */
  static final class BoolList {
    private boolean[] a = new boolean[64];
    private int n;

    void add(boolean x) {
      if (n == a.length) a = Arrays.copyOf(a, a.length * 2);
      a[n++] = x;
    }

    boolean[] toArray() {
      return Arrays.copyOf(a, n);
    }
  }
}

// SPDX-License-Identifier: Apache-2.0
// DemoCorpus: the demo's two text domains. By default the JDK's own Java sources (lib/src.zip,
// pretraining) and its legal/ notices (fine-tuning); with --corpus, halves of the user's text.
package org.mos.cli.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.mos.train.Rng;

/**
 * The two encoded texts the demo trains on, with a human description of where they came from.
 *
 * @param pretrain        encoded text of the pretraining domain
 * @param pretrainSource  e.g. "Java sources from /usr/lib/jvm/x/lib/src.zip (212 files)"
 * @param finetune        encoded text of the fine-tuning domain
 * @param finetuneSource  e.g. "license texts from /usr/lib/jvm/x/legal (49 distinct files)"
 */
public record DemoCorpus(
    byte[] pretrain, String pretrainSource, byte[] finetune, String finetuneSource) {

  /** Thrown when the default texts are missing; the message names --corpus. */
  public static final class MissingCorpusException extends RuntimeException {
    public MissingCorpusException(String message) {
      super(message);
    }
  }

  /** Candidate JDK homes: java.home first, then /usr/lib/jvm/* sorted by name. */
  static List<Path> jdkHomes() {
    Set<Path> homes = new LinkedHashSet<>();
    String javaHome = System.getProperty("java.home");
    if (javaHome != null) {
      homes.add(Path.of(javaHome));
    }
    Path jvm = Path.of("/usr/lib/jvm");
    if (Files.isDirectory(jvm)) {
      try (Stream<Path> s = Files.list(jvm)) {
        s.sorted().forEach(homes::add);
      } catch (IOException e) {
        // an unreadable /usr/lib/jvm only removes candidates
      }
    }
    return new ArrayList<>(homes);
  }

  /**
   * The JDK texts: {@code pretrainChars} characters of Java sources (whole files drawn in a fixed
   * pseudo-random order from every module of lib/src.zip, license header comments removed) and all
   * distinct files under legal/.
   */
  public static DemoCorpus fromJdk(int pretrainChars) {
    return fromJdk(jdkHomes(), pretrainChars);
  }

  /** As {@link #fromJdk(int)}, looking only at the given JDK homes (for tests). */
  static DemoCorpus fromJdk(List<Path> homes, int pretrainChars) {
    Path srcZip = homes.stream()
        .map(h -> h.resolve("lib/src.zip"))
        .filter(Files::isRegularFile)
        .findFirst()
        .orElse(null);
    Path legal = homes.stream()
        .map(h -> h.resolve("legal"))
        .filter(Files::isDirectory)
        .findFirst()
        .orElse(null);
    if (srcZip == null || legal == null) {
      String missing = srcZip == null && legal == null
          ? "lib/src.zip (the JDK's Java sources) and legal/"
          : srcZip == null
              ? "lib/src.zip (the JDK's Java sources)"
              : "legal/ (the JDK's license texts)";
      throw new MissingCorpusException("the demo trains on text the JDK ships, but no JDK here has "
          + missing + " (looked in java.home and /usr/lib/jvm/*: " + homes + "). "
          + "Run it on your own text instead: ./mos demo --corpus PATH (a UTF-8 text file or a "
          + "directory of them; the first half pretrains the base, the second half is the "
          + "fine-tuning domain).");
    }
    Sources java = javaSources(srcZip, pretrainChars);
    Sources lic = legalTexts(legal);
    return new DemoCorpus(
        java.text,
        "Java sources from " + srcZip + " (" + java.files + " files)",
        lic.text,
        "license texts from " + legal + " (" + lic.files + " distinct files)");
  }

  private record Sources(byte[] text, int files) {}

  /** Whole .java files of src.zip in a fixed pseudo-random order until maxChars characters. */
  static Sources javaSources(Path srcZip, int maxChars) {
    try (ZipFile zip = new ZipFile(srcZip.toFile())) {
      List<ZipEntry> entries = new ArrayList<>();
      zip.stream()
          .filter(e -> !e.isDirectory()
              && e.getName().endsWith(".java")
              && !e.getName().endsWith("module-info.java")
              && !e.getName().endsWith("package-info.java"))
          .forEach(entries::add);
      if (entries.isEmpty()) {
        throw new MissingCorpusException(srcZip + " holds no .java files. Run the demo on your own "
            + "text instead: ./mos demo --corpus PATH");
      }
      entries.sort(Comparator.comparing(ZipEntry::getName));
      Rng rng = new Rng(20250101L);
      for (int i = entries.size() - 1; i > 0; i--) { // Fisher-Yates with a fixed seed
        int j = rng.nextInt(i + 1);
        ZipEntry t = entries.get(i);
        entries.set(i, entries.get(j));
        entries.set(j, t);
      }
      StringBuilder sb = new StringBuilder(maxChars + 65536);
      int files = 0;
      for (ZipEntry e : entries) {
        if (sb.length() >= maxChars) {
          break;
        }
        if (e.getSize() > 200_000) {
          continue; // a few generated giants would dominate a small sample
        }
        try (InputStream in = zip.getInputStream(e)) {
          String src = stripLicenseHeader(new String(in.readAllBytes(), StandardCharsets.UTF_8));
          sb.append(src);
          if (!src.endsWith("\n")) {
            sb.append('\n');
          }
          files++;
        }
      }
      if (sb.length() > maxChars) {
        sb.setLength(maxChars);
      }
      return new Sources(Vocab.encode(sb), files);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + srcZip + ": " + e.getMessage(), e);
    }
  }

  /** Drop a leading block comment that holds a copyright notice (the license header). */
  static String stripLicenseHeader(String src) {
    String t = src.stripLeading();
    if (t.startsWith("/*")) {
      int end = t.indexOf("*/");
      if (end > 0 && t.substring(0, end).contains("Copyright")) {
        return t.substring(end + 2).stripLeading();
      }
    }
    return src;
  }

  /** Every distinct regular file under legal/ (symbolic links followed, duplicates by content dropped). */
  static Sources legalTexts(Path legal) {
    List<Path> files;
    try (Stream<Path> s = Files.walk(legal)) {
      files = s.filter(Files::isRegularFile).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + legal + ": " + e.getMessage(), e);
    }
    Set<String> seen = new java.util.HashSet<>();
    StringBuilder sb = new StringBuilder();
    int n = 0;
    for (Path f : files) {
      try {
        byte[] bytes = Files.readAllBytes(f);
        if (!seen.add(sha256(bytes))) {
          continue;
        }
        sb.append(new String(bytes, StandardCharsets.UTF_8)).append("\n\n");
        n++;
      } catch (IOException e) {
        // an unreadable notice is skipped
      }
    }
    if (sb.length() < 20_000) {
      throw new MissingCorpusException(
          legal + " holds only " + sb.length() + " characters of text, too "
              + "little to fine-tune on. Run the demo on your own text instead: ./mos demo --corpus PATH");
    }
    return new Sources(Vocab.encode(sb), n);
  }

  /**
   * The user's text (a file, or every regular file under a directory in name order): the first
   * half pretrains the base, the second half is the fine-tuning domain.
   */
  /** Largest user corpus read (it is held in memory whole, several times over while encoding). */
  public static final long MAX_TEXT_BYTES = 512L << 20;

  public static DemoCorpus fromUserText(Path path, int minChars) {
    if (!Files.exists(path)) throw new MissingCorpusException("no such file or directory: " + path);
    StringBuilder sb = new StringBuilder();
    try {
      if (Files.isDirectory(path)) {
        try (Stream<Path> s = Files.walk(path)) {
          for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
            sb.append(new String(
                    org.mos.io.BoundedFiles.readAll(
                        f, MAX_TEXT_BYTES - sb.length(), "the rest of the corpus"),
                    StandardCharsets.UTF_8))
                .append('\n');
          }
        }
      } else {
        sb.append(new String(
            org.mos.io.BoundedFiles.readAll(path, MAX_TEXT_BYTES, "a corpus"),
            StandardCharsets.UTF_8));
      }
    } catch (java.nio.file.NoSuchFileException e) {
      throw new MissingCorpusException("no such file or directory: " + path);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
    }
    byte[] all = Vocab.encode(sb);
    if (all.length < minChars) {
      throw new MissingCorpusException(
          path + " holds " + all.length + " characters; the demo needs at " + "least " + minChars
              + " (half to pretrain the base, half to fine-tune on)");
    }
    int half = all.length / 2;
    return new DemoCorpus(
        java.util.Arrays.copyOfRange(all, 0, half),
        "first half of " + path + " (" + half + " characters)",
        java.util.Arrays.copyOfRange(all, half, all.length),
        "second half of " + path + " (" + (all.length - half) + " characters)");
  }

  /** Hex SHA-256 of bytes. */
  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

// SPDX-License-Identifier: Apache-2.0
// The README's Java examples, compiled with javax.tools and run. The API example (the ```java
// block after the readme-example marker) must show the loss falling by more than 100x and the
// trainable-parameter count R_eq L (d_in + d_out) = 2 * 8 * 240 = 3840 (exact). The fine-tuning
// example (after the readme-llm-example marker) runs on a tiny checkpoint with a character
// tokenizer written here, trained on upper-casing 200 words: the validation loss must fall 10x,
// the adapter must load back with base_model = the checkpoint directory's name, and the streamed
// answer for the held-out word "cat" must be "CAT".
package org.mos.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadmeExampleTest {

  static final String MARKER = "<!-- readme-example";
  static final String LLM_MARKER = "<!-- readme-llm-example";

  /** The example's source: the first ```java block after the marker. */
  static String extractExample(String readme) {
    return extractExample(readme, MARKER);
  }

  static String extractExample(String readme, String tag) {
    int marker = readme.indexOf(tag);
    assertTrue(marker >= 0, "README.md has no '" + tag + "' marker");
    int open = readme.indexOf("```java\n", marker);
    assertTrue(open >= 0, "no ```java block after the marker");
    int start = open + "```java\n".length();
    int end = readme.indexOf("\n```", start);
    assertTrue(end > start, "unterminated ```java block");
    return readme.substring(start, end + 1);
  }

  @Test
  void readmeExampleCompilesRunsAndPrintsWhatTheReadmeSays(@TempDir Path dir) throws Exception {
    Path readme = Path.of(System.getProperty("mos.root", ".."), "README.md");
    String source = extractExample(Files.readString(readme));
    long codeLines = source.lines().filter(l -> !l.isBlank()).count();
    assertTrue(
        codeLines <= 35, "the README example should stay short; it has " + codeLines + " lines");
    Matcher cls = Pattern.compile("public\\s+class\\s+(\\w+)").matcher(source);
    assertTrue(cls.find(), "the example declares no public class");
    String className = cls.group(1);
    Path file = dir.resolve(className + ".java");
    Files.writeString(file, source);

    // Compile against the API's own classes (mos-api and the bindings), wherever they live.
    List<String> cp = new ArrayList<>();
    for (Class<?> c : new Class<?>[] {org.mos.MosModel.class, org.mos.ffi.mos_h.class}) {
      cp.add(
          Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
    }
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
    int rc = javac.run(
        null,
        diagnostics,
        diagnostics,
        "-d",
        dir.toString(),
        "-cp",
        String.join(java.io.File.pathSeparator, cp),
        file.toString());
    assertEquals(
        0,
        rc,
        "the README example does not compile:\n" + diagnostics.toString(StandardCharsets.UTF_8)
            + "\n" + source);

    String out;
    PrintStream saved = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (URLClassLoader loader = new URLClassLoader(
        new URL[] {dir.toUri().toURL()}, ReadmeExampleTest.class.getClassLoader())) {
      Method main = loader.loadClass(className).getMethod("main", String[].class);
      System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
      main.invoke(null, (Object) new String[0]);
    } finally {
      System.setOut(saved);
      out = buf.toString(StandardCharsets.UTF_8);
      System.out.print(out);
    }

    assertTrue(out.contains("trainable parameters: 3840"), out);
    List<Double> losses = new ArrayList<>();
    Matcher m = Pattern.compile("loss\\s+([0-9.,eE+-]+)").matcher(out);
    while (m.find()) {
      losses.add(Double.parseDouble(m.group(1).replace(',', '.')));
    }
    assertTrue(losses.size() >= 3, "expected several loss lines:\n" + out);
    double first = losses.get(0);
    double last = losses.get(losses.size() - 1);
    assertTrue(last < first / 100, "the loss should fall by > 100x: " + first + " -> " + last);
  }

  @Test
  void fineTuningExampleTrainsSavesAndAnswers(@TempDir Path dir) throws Exception {
    Path readme = Path.of(System.getProperty("mos.root", ".."), "README.md");
    String source = extractExample(Files.readString(readme), LLM_MARKER);
    long codeLines = source
        .lines()
        .filter(l -> !l.isBlank() && !l.startsWith("import") && !l.strip().equals("}"))
        .count();
    assertTrue(
        codeLines <= 22, "the fine-tuning example should stay about 20 lines; it has " + codeLines);
    Matcher cls = Pattern.compile("public\\s+class\\s+(\\w+)").matcher(source);
    assertTrue(cls.find(), "the example declares no public class");
    String className = cls.group(1);
    Path classes = Files.createDirectories(dir.resolve("classes"));
    Path file = classes.resolve(className + ".java");
    Files.writeString(file, source);
    List<String> cp = new ArrayList<>();
    for (Class<?> c : new Class<?>[] {
      org.mos.MosModel.class, org.mos.ffi.mos_h.class, org.mos.llm.LlamaModel.class
    }) {
      cp.add(
          Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
    }
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
    int rc = javac.run(
        null,
        diagnostics,
        diagnostics,
        "-d",
        classes.toString(),
        "-cp",
        String.join(java.io.File.pathSeparator, cp),
        file.toString());
    assertEquals(
        0,
        rc,
        "the fine-tuning example does not compile:\n" + diagnostics.toString(StandardCharsets.UTF_8)
            + "\n" + source);

    Path model = TinyLm.write(dir.resolve("tiny-llama"), 1);
    List<String> words = new ArrayList<>(TinyLm.words(201, 11));
    words.remove("cat");
    Path data = TinyLm.upperCaseJsonl(dir.resolve("train.jsonl"), words.subList(0, 200));
    Path adapter = dir.resolve("my-adapter");
    String out;
    PrintStream saved = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (URLClassLoader loader = new URLClassLoader(
        new URL[] {classes.toUri().toURL()}, ReadmeExampleTest.class.getClassLoader())) {
      Method main = loader.loadClass(className).getMethod("main", String[].class);
      System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
      main.invoke(
          null, (Object) new String[] {model.toString(), data.toString(), adapter.toString()});
    } finally {
      System.setOut(saved);
      out = buf.toString(StandardCharsets.UTF_8);
      System.out.print(out);
    }
    Matcher m = Pattern.compile("validation loss ([0-9.]+) -> ([0-9.]+)").matcher(out);
    assertTrue(m.find(), out);
    double before = Double.parseDouble(m.group(1)), after = Double.parseDouble(m.group(2));
    assertTrue(after < before / 10, "the validation loss should fall 10x: " + out);
    assertEquals("tiny-llama", org.mos.io.AdapterFormat.readConfig(adapter).baseModel());
    assertEquals(7, org.mos.io.AdapterFormat.readConfig(adapter).pools().size());
    assertTrue(out.lines().anyMatch(l -> l.equals("CAT")), "the answer for cat=: " + out);
  }
}

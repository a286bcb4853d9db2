// SPDX-License-Identifier: Apache-2.0
// ChatTemplate: a checkpoint's Jinja2 chat template rendered with jinjava, set up as transformers
// sets up Jinja2 for apply_chat_template (trim_blocks, lstrip_blocks, raise_exception, tojson).
package org.mos.llm.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mos.MosException;
import org.mos.Status;
import org.mos.llm.internal.JsonFile;

/**
 * Renders conversations with a Hugging Face chat template (the {@code chat_template} string of
 * tokenizer_config.json). The template sees {@code messages} (a list of {@code {role, content}}),
 * {@code add_generation_prompt}, the special tokens' texts ({@code bos_token}, {@code eos_token},
 * ...), {@code raise_exception(message)} and a {@code tojson} filter that writes JSON as Python's
 * {@code json.dumps} does. {@code strftime_now} is deliberately not defined, so templates that
 * test for it (Llama 3.1) print their fixed fallback date and renders are reproducible.
 *
 * <p>Thread-safe: each render uses its own interpreter.
 *
 * {@snippet :
 * ChatTemplate chat = ChatTemplate.of(tokenizer);
 * String prompt = chat.render(List.of(new ChatMessage("user", "Hi")), true);
 * int[] ids = tokenizer.encode(prompt, false);   // the template writes BOS itself
 * }
 */
public final class ChatTemplate {
  /** Longest render accepted (a hostile template cannot fill the heap). */
  public static final long MAX_OUTPUT_CHARS = 16L << 20;

  private final String source;
  private final Map<String, String> specialTokens;
  private final Jinjava jinjava;

  private ChatTemplate(String source, Map<String, String> specialTokens) {
    this.source = source;
    this.specialTokens = Map.copyOf(specialTokens);
    JinjavaConfig config = JinjavaConfig.newBuilder()
        .withTrimBlocks(true)
        .withLstripBlocks(true)
        .withMaxOutputSize(MAX_OUTPUT_CHARS)
        .withFailOnUnknownTokens(false)
        .build();
    this.jinjava = new Jinjava(config);
    jinjava
        .getGlobalContext()
        .registerFunction(new ELFunctionDefinition(
            "", "raise_exception", ChatTemplate.class, "raiseException", String.class));
    jinjava.getGlobalContext().registerFilter(new ToJson());
  }

  /**
   * The chat template of {@code tokenizer}, with its special tokens.
   *
   * @throws MosException ({@link Status#INVALID_STATE}) when the tokenizer has no chat template
   */
  public static ChatTemplate of(Tokenizer tokenizer) {
    String t = tokenizer
        .chatTemplate()
        .orElseThrow(() -> new MosException(
            Status.INVALID_STATE,
            "the tokenizer in " + tokenizer.directory()
                + " has no chat template (no chat_template in"
                + " tokenizer_config.json, no chat_template.jinja)"));
    return new ChatTemplate(t, tokenizer.specialTokenStrings());
  }

  /** A template from its source and the special tokens it may print ({@code bos_token}, ...). */
  public static ChatTemplate of(String source, Map<String, String> specialTokens) {
    if (source == null || specialTokens == null) {
      throw new MosException(
          Status.NULL_POINTER, "ChatTemplate.of: source and specialTokens must not be null");
    }
    return new ChatTemplate(source, specialTokens);
  }

  /** The template's source text. */
  public String source() {
    return source;
  }

  /**
   * The text of {@code messages}; with {@code addGenerationPrompt}, followed by the opening of an
   * assistant turn (for generation).
   *
   * @throws MosException ({@link Status#INVALID_ARGUMENT}) when the template fails or calls
   *     {@code raise_exception} (e.g. "Conversation roles must alternate ..."), with its message
   */
  public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
    if (messages == null)
      throw new MosException(Status.NULL_POINTER, "ChatTemplate.render: messages is null");
    List<Map<String, Object>> list = new ArrayList<>(messages.size());
    for (ChatMessage m : messages) {
      Map<String, Object> o = new LinkedHashMap<>(); // Python dict order: role, then content
      o.put("role", m.role());
      o.put("content", m.content());
      list.add(o);
    }
    Map<String, Object> context = new HashMap<>(specialTokens);
    context.put("messages", list);
    context.put("add_generation_prompt", addGenerationPrompt);
    RenderResult result;
    try {
      result = jinjava.renderForResult(source, context);
    } catch (RuntimeException e) {
      throw new MosException(Status.INVALID_ARGUMENT, "chat template failed: " + e.getMessage());
    }
    for (TemplateError e : result.getErrors()) {
      if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
        String msg = e.getException() != null && e.getException().getCause() != null
            ? e.getException().getCause().getMessage()
            : e.getMessage();
        Throwable t = e.getException();
        while (t != null) {
          if (t instanceof TemplateRaised r) {
            msg = r.getMessage();
            break;
          }
          t = t.getCause();
        }
        throw new MosException(
            Status.INVALID_ARGUMENT,
            "chat template failed" + (e.getLineno() > 0 ? " (line " + e.getLineno() + ")" : "")
                + ": " + msg);
      }
    }
    return result.getOutput();
  }

  /** {@code raise_exception(message)} inside a template. */
  public static String raiseException(String message) {
    throw new TemplateRaised(message);
  }

  private static final class TemplateRaised extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TemplateRaised(String message) {
      super(message);
    }
  }

  /** {@code tojson} as transformers defines it: json.dumps with ", " and ": " separators. */
  private static final class ToJson implements Filter {
    @Override
    public String getName() {
      return "tojson";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
      try {
        return pythonJson(JsonFile.MAPPER.valueToTree(var));
      } catch (IllegalArgumentException e) {
        throw new MosException(Status.INVALID_ARGUMENT, "tojson: " + e.getMessage());
      }
    }
  }

  static String pythonJson(com.fasterxml.jackson.databind.JsonNode n) {
    StringBuilder sb = new StringBuilder();
    write(n, sb);
    return sb.toString();
  }

  private static void write(com.fasterxml.jackson.databind.JsonNode n, StringBuilder sb) {
    try {
      if (n.isObject()) {
        sb.append('{');
        boolean first = true;
        for (var it = n.fields(); it.hasNext(); ) {
          var e = it.next();
          if (!first) sb.append(", ");
          first = false;
          sb.append(JsonFile.MAPPER.writeValueAsString(e.getKey())).append(": ");
          write(e.getValue(), sb);
        }
        sb.append('}');
      } else if (n.isArray()) {
        sb.append('[');
        for (int i = 0; i < n.size(); i++) {
          if (i > 0) sb.append(", ");
          write(n.get(i), sb);
        }
        sb.append(']');
      } else {
        sb.append(JsonFile.MAPPER.writeValueAsString(n));
      }
    } catch (JsonProcessingException e) {
      throw new MosException(Status.INVALID_ARGUMENT, "tojson: " + e.getOriginalMessage());
    }
  }
}

// SPDX-License-Identifier: Apache-2.0
// Chat templates in the style of real checkpoints (ChatML as SmolLM2 and Qwen write it, Llama 3's,
// Llama 2's with raise_exception) rendered by ChatTemplate, compared with the text those formats
// define, written out by hand here.
package org.mos.llm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mos.MosException;
import org.mos.Status;

class ChatTemplateTest {
  /** SmolLM2's template (ChatML with a default system prompt). */
  static final String CHATML =
      "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
          + "{{ '<|im_start|>system\\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\\n' }}"
          + "{% endif %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
          + "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

  /** Llama 3's template. */
  static final String LLAMA3 =
      "{% set loop_messages = messages %}{% for message in loop_messages %}"
          + "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}"
          + "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
          + "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";

  /** Llama 2's template: system folded into the first user turn, strict alternation. */
  static final String LLAMA2 =
      "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}"
          + "{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}"
          + "{% set system_message = false %}{% endif %}{% for message in loop_messages %}"
          + "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
          + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
          + "{% if loop.index0 == 0 and system_message != false %}"
          + "{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
          + "{% else %}{% set content = message['content'] %}{% endif %}"
          + "{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}"
          + "{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}";

  static final List<ChatMessage> CHAT = List.of(
      new ChatMessage("system", "Be brief."),
      new ChatMessage("user", "  What is 2+2?  "),
      new ChatMessage("assistant", "4."),
      new ChatMessage("user", "And 3+3?"));

  @Test
  void chatMl() {
    ChatTemplate t = ChatTemplate.of(CHATML, Map.of());
    assertEquals(
        "<|im_start|>system\nBe brief.<|im_end|>\n"
            + "<|im_start|>user\n  What is 2+2?  <|im_end|>\n"
            + "<|im_start|>assistant\n4.<|im_end|>\n"
            + "<|im_start|>user\nAnd 3+3?<|im_end|>\n"
            + "<|im_start|>assistant\n",
        t.render(CHAT, true));
    assertEquals(
        "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
            + "<|im_start|>user\nHi<|im_end|>\n",
        t.render(List.of(new ChatMessage("user", "Hi")), false));
  }

  @Test
  void llama3() {
    ChatTemplate t = ChatTemplate.of(LLAMA3, Map.of("bos_token", "<|begin_of_text|>"));
    assertEquals(
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\n4.<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\nAnd 3+3?<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\n",
        t.render(CHAT, true));
  }

  @Test
  void llama2AndRaiseException() {
    ChatTemplate t = ChatTemplate.of(LLAMA2, Map.of("bos_token", "<s>", "eos_token", "</s>"));
    assertEquals(
        "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\n  What is 2+2? [/INST] 4. </s>"
            + "<s>[INST] And 3+3? [/INST]",
        t.render(CHAT, false));
    MosException e = assertThrows(
        MosException.class, () -> t.render(List.of(new ChatMessage("assistant", "x")), false));
    assertEquals(Status.INVALID_ARGUMENT, e.status());
    assertTrue(e.getMessage().contains("Conversation roles must alternate"), e.getMessage());
  }

  @Test
  void whitespaceControlTojsonAndNamespaceBehaveAsInJinja2() {
    // trim_blocks + lstrip_blocks: block lines leave no blank lines behind.
    String t =
        "{% for m in messages %}\n  {% if m.role == 'user' %}\nU:{{ m.content }}\n  {% endif %}\n{% endfor %}";
    assertEquals(
        "U:a\nU:b\n",
        ChatTemplate.of(t, Map.of())
            .render(
                List.of(
                    new ChatMessage("user", "a"),
                    new ChatMessage("assistant", "x"),
                    new ChatMessage("user", "b")),
                false));
    assertEquals(
        "{\"role\": \"user\", \"content\": \"a<b>\\n\"}",
        ChatTemplate.of("{{ messages[0] | tojson }}", Map.of())
            .render(List.of(new ChatMessage("user", "a<b>\n")), false));
    assertEquals(
        "True",
        ChatTemplate.of(
                "{%- set ns = namespace(found=false) -%}{%- for m in messages -%}"
                    + "{%- if m.role == 'system' -%}{%- set ns.found = true -%}{%- endif -%}{%- endfor -%}"
                    + "{{ 'True' if ns.found else 'False' }}",
                Map.of())
            .render(CHAT, false));
  }

  @Test
  void brokenAndRunawayTemplatesAreClearErrors() {
    MosException e = assertThrows(
        MosException.class, () -> ChatTemplate.of("{% for m in messages %}{{ m.content ", Map.of())
            .render(CHAT, false));
    assertEquals(Status.INVALID_ARGUMENT, e.status());
    e = assertThrows(MosException.class, () -> ChatTemplate.of(
            "{% for i in range(1000) %}{% for j in range(1000) %}{{ 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' }}{% endfor %}{% endfor %}",
            Map.of())
        .render(CHAT, false));
    assertEquals(Status.INVALID_ARGUMENT, e.status());
  }
}

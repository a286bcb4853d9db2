// SPDX-License-Identifier: Apache-2.0
// OpenAiClientTest: the official OpenAI Java client (com.openai:openai-java) against the server on
// loopback: models, completions, chat completions, streaming, and an error it maps to its type.
package org.mos.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.models.Model;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.MosContext;
import org.mos.llm.LlamaModel;
import org.mos.llm.LlamaModel.GenerateOptions;

class OpenAiClientTest {
  @TempDir
  static Path tmp;

  static MosContext ctx;
  static LlamaModel model;
  static MosServer server;
  static OpenAIClient client;

  @BeforeAll
  static void start() throws Exception {
    ctx = MosContext.cpu();
    Path dir = TestModels.checkpoint(tmp.resolve("tiny-llama"), true, 9);
    Path root = Files.createDirectories(tmp.resolve("adapters"));
    model = TestModels.load(ctx, dir);
    TestModels.mosAdapter(model, root.resolve("alpha"), 1);
    TestModels.mosAdapter(model, root.resolve("beta"), 2);
    server = MosServer.start(
        model,
        ServeConfig.defaults()
            .withAdaptersRoot(root)
            .withAddress("127.0.0.1", 0)
            .withApiKey("sk-client"),
        null);
    client = OpenAIOkHttpClient.builder()
        .baseUrl("http://127.0.0.1:" + server.port() + "/v1")
        .apiKey("sk-client")
        .maxRetries(0)
        .build();
  }

  @AfterAll
  static void stop() {
    if (client != null) client.close();
    if (server != null) server.close();
    if (model != null) model.close();
    ctx.close();
  }

  /** The attached-adapter generation the server's answer must equal. */
  static String expected(String adapter, String prompt, int n) {
    return generation(adapter, prompt, n).text().orElseThrow();
  }

  static LlamaModel.Generation generation(String adapter, String prompt, int n) {
    synchronized (OpenAiClientTest.class) {
      model.loadAdapter(tmp.resolve("adapters").resolve(adapter));
      try {
        return model.generate(prompt, GenerateOptions.greedy(n), null);
      } finally {
        model.detachAdapter();
      }
    }
  }

  @Test
  void modelsAndCompletions() {
    Set<String> ids =
        client.models().list().data().stream().map(Model::id).collect(Collectors.toSet());
    assertEquals(Set.of("tiny-llama", "alpha", "beta"), ids);
    for (String a : List.of("alpha", "beta")) {
      Completion c = client
          .completions()
          .create(CompletionCreateParams.builder()
              .model(a)
              .prompt("Hello there")
              .maxTokens(10)
              .temperature(0.0)
              .build());
      LlamaModel.Generation want = generation(a, "Hello there", 10);
      assertEquals(want.text().orElseThrow(), c.choices().get(0).text());
      assertEquals(want.ids().length, c.usage().orElseThrow().completionTokens());
    }
  }

  @Test
  void streamingCompletionsReassemble() {
    StringBuilder text = new StringBuilder();
    try (StreamResponse<Completion> s = client
        .completions()
        .createStreaming(CompletionCreateParams.builder()
            .model("beta")
            .prompt("Stream me")
            .maxTokens(12)
            .temperature(0.0)
            .build())) {
      s.stream().forEach(c -> c.choices().forEach(ch -> text.append(ch.text())));
    }
    assertEquals(expected("beta", "Stream me", 12), text.toString());
  }

  @Test
  void chatCompletionsPlainAndStreamed() {
    ChatCompletionCreateParams p = ChatCompletionCreateParams.builder()
        .model("alpha")
        .addUserMessage("What is MoS?")
        .maxCompletionTokens(10)
        .temperature(0.0)
        .build();
    ChatCompletion c = client.chat().completions().create(p);
    String whole = c.choices().get(0).message().content().orElseThrow();
    StringBuilder streamed = new StringBuilder();
    try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(p)) {
      s.stream().forEach(ch -> ch.choices()
          .forEach(x -> x.delta().content().ifPresent(streamed::append)));
    }
    assertEquals(whole, streamed.toString());
    String rendered = "<|im_start|>user\nWhat is MoS?<|im_end|>\n<|im_start|>assistant\n";
    synchronized (OpenAiClientTest.class) {
      model.loadAdapter(tmp.resolve("adapters").resolve("alpha"));
      try {
        int[] ids = model.tokenizer().orElseThrow().encode(rendered, false);
        assertEquals(model.generate(ids, GenerateOptions.greedy(10)).text().orElseThrow(), whole);
      } finally {
        model.detachAdapter();
      }
    }
  }

  @Test
  void errorsMapToTheClientsExceptions() {
    assertThrows(NotFoundException.class, () -> client
        .completions()
        .create(CompletionCreateParams.builder()
            .model("gamma")
            .prompt("x")
            .maxTokens(2)
            .build()));
    OpenAIClient wrong = OpenAIOkHttpClient.builder()
        .baseUrl("http://127.0.0.1:" + server.port() + "/v1")
        .apiKey("nope")
        .maxRetries(0)
        .build();
    try {
      UnauthorizedException e =
          assertThrows(UnauthorizedException.class, () -> wrong.models().list());
      assertTrue(e.getMessage().contains("API key"), e.getMessage());
    } finally {
      wrong.close();
    }
  }
}

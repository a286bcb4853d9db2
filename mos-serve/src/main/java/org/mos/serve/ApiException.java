// SPDX-License-Identifier: Apache-2.0
// ApiException: an HTTP error with OpenAI's error body {"error": {message, type, param, code}}.
package org.mos.serve;

/**
 * An error answered with HTTP {@code status} and the body
 * {@code {"error": {"message", "type", "param", "code"}}}, as OpenAI's and vLLM's servers do.
 */
public final class ApiException extends RuntimeException {
  private final int status;
  private final String type;
  private final String param;
  private final int retryAfterSeconds;

  public ApiException(int status, String type, String param, String message) {
    this(status, type, param, message, 0);
  }

  public ApiException(
      int status, String type, String param, String message, int retryAfterSeconds) {
    super(message);
    this.status = status;
    this.type = type;
    this.param = param;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** 400 invalid_request_error. */
  public static ApiException badRequest(String param, String message) {
    return new ApiException(400, "invalid_request_error", param, message);
  }

  /** 404 for a model (base or adapter) that is not served. */
  public static ApiException unknownModel(String model) {
    return new ApiException(
        404,
        "not_found_error",
        "model",
        "The model '" + model + "' does not exist (GET /v1/models lists the served models)");
  }

  public int status() {
    return status;
  }

  public String type() {
    return type;
  }

  /** The request field the error is about, or null. */
  public String param() {
    return param;
  }

  /** Seconds for a Retry-After header, or 0 for none. */
  public int retryAfterSeconds() {
    return retryAfterSeconds;
  }
}

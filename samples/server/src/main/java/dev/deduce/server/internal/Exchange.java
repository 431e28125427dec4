package dev.deduce.server.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** One HTTP exchange: its path, headers and bounded body in; a status, headers and body out, sent exactly once. */
final class Exchange {

  static final String TIMEOUT_HEADER = "Deduce-Timeout-Ms";
  static final String IDEMPOTENCY_HEADER = "Idempotency-Key";
  static final String REQUEST_ID_HEADER = "Deduce-Request-Id";
  static final String HEADER_LENGTH = "Inference-Header-Content-Length";
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Bytes of a refused body read and dropped at least, so the refusal reaches a client still sending. */
  private static final long SWALLOW_MIN = 4L << 20;

  private final HttpExchange http;
  private final List<String> path;
  private int status;

  Exchange(HttpExchange http) {
    this.http = http;
    List<String> segments = new ArrayList<>();
    for (String s : http.getRequestURI().getRawPath().split("/")) {
      if (!s.isEmpty()) {
        segments.add(URLDecoder.decode(s, StandardCharsets.UTF_8));
      }
    }
    this.path = List.copyOf(segments);
  }

  List<String> path() {
    return path;
  }

  String method() {
    return http.getRequestMethod();
  }

  int status() {
    return status;
  }

  String header(String name) {
    return http.getRequestHeaders().getFirst(name);
  }

  /** The client's deadline from {@value #TIMEOUT_HEADER}, or null. */
  Duration timeout() {
    String v = header(TIMEOUT_HEADER);
    if (v == null) {
      return null;
    }
    try {
      long ms = Long.parseLong(v.trim());
      if (ms > 0) {
        return Duration.ofMillis(ms);
      }
    } catch (NumberFormatException e) {
      // reported below with the same message as a non-positive number
    }
    throw ApiException.bad(TIMEOUT_HEADER + " is '" + v + "'; expected a positive number of milliseconds");
  }

  /** The length of the JSON header from {@value #HEADER_LENGTH}, or -1 when the body is JSON only. */
  int jsonLength(int bodyLength) {
    String v = header(HEADER_LENGTH);
    if (v == null) {
      return -1;
    }
    try {
      int n = Integer.parseInt(v.trim());
      if (n >= 0 && n <= bodyLength) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw ApiException.bad(HEADER_LENGTH + " is '" + v + "'; expected the byte length of the JSON header, 0 to "
        + bodyLength + " (the body's length)");
  }

  /** The body, refusing with 413 one longer than {@code max} bytes before or while reading it. */
  byte[] body(long max) {
    String declared = header("Content-Length");
    if (declared != null) {
      try {
        if (Long.parseLong(declared.trim()) > max) {
          swallow(max);
          throw tooLarge(declared + " bytes", max);
        }
      } catch (NumberFormatException e) {
        throw ApiException.bad("Content-Length is '" + declared + "'; expected a byte count");
      }
    }
    try (InputStream in = http.getRequestBody()) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(declared != null ? (int) Long.parseLong(declared.trim())
          : 8192);
      byte[] buf = new byte[16384];
      long total = 0;
      for (int n; (n = in.read(buf)) > 0; ) {
        total += n;
        if (total > max) {
          swallow(max);
          throw tooLarge("more than " + max + " bytes", max); // a chunked body with no length declared
        }
        out.write(buf, 0, n);
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reads and drops up to {@code max} more bytes of a refused body, and asks the client to close. Closing a socket
   * with unread bytes makes TCP reset the connection, and the reset can destroy the 413 before the client reads it.
   */
  private void swallow(long max) {
    http.getResponseHeaders().set("Connection", "close");
    try {
      InputStream in = http.getRequestBody();
      byte[] buf = new byte[16384];
      for (long left = Math.max(max, SWALLOW_MIN); left > 0; ) {
        int n = in.read(buf, 0, (int) Math.min(buf.length, left));
        if (n < 0) {
          return;
        }
        left -= n;
      }
    } catch (IOException e) {
      // the client stopped sending; the 413 still goes out
    }
  }

  private static ApiException tooLarge(String size, long max) {
    return new ApiException(ApiException.Kind.TOO_LARGE, "the request body is " + size + "; expected at most " + max
        + " bytes (setting deduce-server.limits.max-body-bytes)");
  }

  void header(String name, String value) {
    http.getResponseHeaders().set(name, value);
  }

  /** Sends {@code value} (maps, lists, strings, numbers) as a JSON body. */
  void json(int code, Object value) {
    try {
      send(code, "application/json", JSON.writeValueAsBytes(value));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Sends {@code {"error": message}}. */
  void error(ApiException e) {
    json(e.kind().http(), Map.of("error", e.getMessage()));
  }

  void send(int code, String contentType, byte[] body) {
    status = code;
    try {
      http.getResponseHeaders().set("Content-Type", contentType);
      http.sendResponseHeaders(code, body.length == 0 ? -1 : body.length);
      try (OutputStream out = http.getResponseBody()) {
        out.write(body);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // the client went away; nothing more can reach it
    } finally {
      http.close();
    }
  }
}

package dev.deduce.store.cozo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deduce.api.StoreException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Cozo's JSON protocol over a {@link CozoRunner}: parameters in, rows out, errors as exceptions. */
final class CozoDb implements AutoCloseable {

  static final ObjectMapper JSON = new ObjectMapper();

  /** A query result: column names and rows of JSON values. */
  record Rows(List<String> headers, List<JsonNode> rows) {}

  private final CozoRunner runner;

  CozoDb(CozoRunner runner) {
    this.runner = runner;
  }

  /** Runs {@code script}; {@code readOnly} makes Cozo itself refuse any mutation. */
  Rows run(String script, Object params, boolean readOnly) {
    return rows(parse(runner.run(script, write(params), readOnly), script));
  }

  /** Runs {@code script} with parameters already serialised, as a journal replay does. */
  Rows runJson(String script, String paramsJson) {
    return rows(parse(runner.run(script, paramsJson, false), script));
  }

  /** Every row of {@code relations}, as Cozo's export_relations gives them. */
  ObjectNode export(List<String> relations) {
    JsonNode out = parse(runner.exportRelations(write(Map.of("relations", relations))), "export_relations");
    return (ObjectNode) out.get("data");
  }

  /** Loads relation data in export_relations form into existing relations. */
  void importData(JsonNode data) {
    parse(runner.importRelations(write(data)), "import_relations");
  }

  @Override
  public void close() {
    runner.close();
  }

  static String write(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("value cannot be written as JSON: " + e.getOriginalMessage(), e);
    }
  }

  private static Rows rows(JsonNode out) {
    List<String> headers = new ArrayList<>();
    out.path("headers").forEach(h -> headers.add(h.asText()));
    List<JsonNode> rows = new ArrayList<>();
    out.path("rows").forEach(rows::add);
    return new Rows(headers, rows);
  }

  private static JsonNode parse(String json, String what) {
    JsonNode out;
    try {
      out = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new StoreException("Cozo answered " + what + " with malformed JSON: " + e.getOriginalMessage(), e);
    }
    if (!out.path("ok").asBoolean(false)) {
      throw new CozoException(out.path("message").asText(out.toString()), out.path("code").asText(""));
    }
    return out;
  }
}

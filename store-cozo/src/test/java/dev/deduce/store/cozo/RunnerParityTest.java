package dev.deduce.store.cozo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The wasmtime runner answers exactly as the Chicory runner does: both run the same module through the same glue. */
class RunnerParityTest {

  CozoRunner chicory;
  CozoRunner wasmtime;

  @BeforeEach
  void open() {
    chicory = new ChicoryCozoRunner();
    wasmtime = new WasmtimeCozoRunner();
  }

  @AfterEach
  void close() {
    chicory.close();
    wasmtime.close();
  }

  @Test
  void scriptsGiveByteIdenticalAnswersOnBothRunners() {
    StringBuilder thousand = new StringBuilder("[");
    for (int i = 0; i < 1000; i++) {
      thousand.append(i == 0 ? "" : ",").append("[").append(i).append(",\"v").append(i).append("\"]");
    }
    thousand.append("]");
    String[][] calls = {
        {":create t {k: Int => v: String}", "{}", "0"},
        {"?[k, v] <- [[1, 'one'], [2, 'zwei ü ✓ 漢字']] :put t {k => v}", "{}", "0"},
        {"?[k, v] := *t{k, v}", "{}", "1"},
        {"?[k, v] <- $rows :put t {k => v}", "{\"rows\":" + thousand + "}", "0"},
        {"?[count(k)] := *t{k}", "{}", "1"},
        {"?[v] := *t{k: $k, v}", "{\"k\": 500}", "1"},
        {"?[k] <- [[3]] :rm t {k}", "{}", "1"},
        {"?[x] := x = 1 |||", "{}", "1"},
        {"?[x] := x = $missing", "{}", "1"},
        {":create e {id: String => vec: <F32; 3>}", "{}", "0"},
        {"::hnsw create e:nn {dim: 3, m: 16, dtype: F32, fields: [vec], distance: L2, ef_construction: 50}", "{}",
            "0"},
        {"?[id, vec] <- [['a', [1,0,0]], ['b', [0,1,0]], ['c', [0.9,0.1,0]]] :put e {id => vec}", "{}", "0"},
        {"?[id, d] := ~e:nn{id | query: vec([1,0,0]), k: 2, ef: 50, bind_distance: d} :order d", "{}", "1"},
    };
    for (String[] c : calls) {
      boolean immutable = c[2].equals("1");
      assertThat(wasmtime.run(c[0], c[1], immutable)).as(c[0]).isEqualTo(chicory.run(c[0], c[1], immutable));
    }
    String request = "{\"relations\": [\"t\", \"e\"]}";
    String exported = chicory.exportRelations(request);
    assertThat(wasmtime.exportRelations(request)).isEqualTo(exported);
    // a fresh pair of instances takes the export back identically
    close();
    open();
    for (CozoRunner r : List.of(chicory, wasmtime)) {
      r.run(":create t {k: Int => v: String}", "{}", false);
    }
    String data = "{\"t\": " + CozoDb.JSON.valueToTree(parse(exported).get("data").get("t")) + "}";
    assertThat(wasmtime.importRelations(data)).isEqualTo(chicory.importRelations(data));
    assertThat(wasmtime.run("?[count(k)] := *t{k}", "{}", true))
        .isEqualTo(chicory.run("?[count(k)] := *t{k}", "{}", true)).contains("[[1000]]");
  }

  @Test
  void autoChoosesWasmtimeWhereItsNativeLibraryLoadsAndChicoryOnRequest() {
    try (CozoRunner auto = CozoRunners.AUTO.factory().get(); CozoRunner pure = CozoRunners.CHICORY.factory().get()) {
      assertThat(auto).isInstanceOf(WasmtimeCozoRunner.class);
      assertThat(pure).isInstanceOf(ChicoryCozoRunner.class);
    }
  }

  @Test
  void memoryGrowthDuringACallIsSeenByTheNextRead() {
    // 24 MB of parameters and result: linear memory grows several times inside this one call
    String big = "x".repeat(12 << 20);
    String out = wasmtime.run("?[s] := s = $s", "{\"s\": \"" + big + "\"}", true);
    assertThat(out).hasSizeGreaterThan(big.length()).contains(big.substring(0, 64));
    assertThat(wasmtime.run("?[x] := x = 'after growth'", "{}", true)).contains("after growth");
  }

  @Test
  void aRustPanicPoisonsTheInstanceOnBothRunnersWithThePanicMessage() {
    for (CozoRunner r : List.of(chicory, wasmtime)) {
      assertThatThrownBy(() -> r.run("?[x] := x = rand_vec(-1)", "{}", true)).as(r.getClass().getSimpleName())
          .isInstanceOf(CozoPanicException.class).hasMessageContaining("Shape too large");
      assertThatThrownBy(() -> r.run("?[x] := x = 1", "{}", true)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("must be rebuilt");
    }
  }

  @Test
  void aStackOverflowTrapPoisonsTheInstanceOnBothRunners() {
    String deep = "?[x] := x = " + "(".repeat(20_000) + "1" + ")".repeat(20_000);
    for (CozoRunner r : List.of(chicory, wasmtime)) {
      assertThatThrownBy(() -> r.run(deep, "{}", true)).as(r.getClass().getSimpleName())
          .isInstanceOf(CozoPanicException.class).hasMessageStartingWith("Cozo panicked: ");
    }
  }

  private static com.fasterxml.jackson.databind.JsonNode parse(String json) {
    try {
      return CozoDb.JSON.readTree(json);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }
}

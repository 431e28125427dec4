package dev.deduce.store.cozo;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ChicoryCozoRunnerTest {

  @Test
  void runsDatalogWithParameters() {
    long t0 = System.nanoTime();
    try (ChicoryCozoRunner r = new ChicoryCozoRunner()) {
      System.out.println("open ms " + (System.nanoTime() - t0) / 1e6);
      String out = r.run("?[a, b] <- [[1, $x]]", "{\"x\": \"héllo\"}", false);
      System.out.println(out);
      assertThat(out).contains("\"ok\":true").contains("héllo");
      System.out.println(r.run("?[a] <- [[1]] :limit $n", "{\"n\": 1}", false));
      System.out.println(r.run(":create t {id: String => v: <F32; 3>}", "{}", false));
      System.out.println(r.run("::hnsw create t:idx {dim: 3, m: 16, dtype: F32, fields: [v], distance: L2, ef_construction: 50}", "{}", false));
      System.out.println(r.run("?[id, v] <- $rows :put t {id => v}", "{\"rows\": [[\"a\", [1,2,3]], [\"b\", [0,0,1]]]}", false));
      System.out.println(r.run("?[id, v] := *t{id, v}", "{}", false));
      System.out.println(r.run("?[id, d] := ~t:idx{id | query: vec($q), k: $k, ef: 50, bind_distance: d}", "{\"q\": [1,2,3.1], \"k\": 2}", false));
      String ex = r.exportRelations("{\"relations\": [\"t\"]}");
      System.out.println(ex);
      System.out.println(r.run("?[x] := x = 1 ||| bad", "{}", false));
      System.out.println(r.run("?[x] <- [[decode_base64($b)]]", "{\"b\": \"AAEC\"}", false));
    }
  }
}

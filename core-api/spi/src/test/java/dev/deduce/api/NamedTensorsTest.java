package dev.deduce.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class NamedTensorsTest {

  private final Tensor x = Tensor.ofFloats(new float[] {1, 2}, 1, 2);
  private final Tensor y = Tensor.ofLongs(new long[] {7}, 1);

  @Test
  void keepsInsertionOrder() {
    NamedTensors t = NamedTensors.builder().put("z", x).put("a", y).build();
    assertThat(t.names()).containsExactly("z", "a");
  }

  @Test
  void concatAndSplitEachNamedTensor() {
    NamedTensors a = NamedTensors.of("x", x, "y", y);
    NamedTensors joined = NamedTensors.concat(List.of(a, a, a));
    assertThat(joined.get("x").shape()).containsExactly(3, 2);
    assertThat(joined.split(1, 2).get(0)).isEqualTo(a);
  }

  @Test
  void rejectsDuplicateBlankAndNullNames() {
    assertThatThrownBy(() -> NamedTensors.builder().put("x", x).put("x", x))
        .hasMessageContaining("'x' is given twice");
    assertThatThrownBy(() -> NamedTensors.of(" ", x)).hasMessageContaining("blank");
    assertThatThrownBy(() -> NamedTensors.of(null, x)).hasMessageContaining("name must not be null");
    assertThatThrownBy(() -> NamedTensors.of("x", null)).hasMessageContaining("'x' must not be null");
  }

  @Test
  void unknownNameListsTheKnownOnes() {
    assertThatThrownBy(() -> NamedTensors.of("x", x).get("nope"))
        .hasMessageContaining("no tensor named 'nope'; expected one of [x]");
  }

  @Test
  void rejectsConcatOfPartsWithDifferentNames() {
    assertThatThrownBy(() -> NamedTensors.concat(List.of(NamedTensors.of("x", x), NamedTensors.of("w", x))))
        .hasMessageContaining("part 1 has tensors [w]; expected [x]");
  }
}

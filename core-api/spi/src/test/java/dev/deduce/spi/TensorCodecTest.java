package dev.deduce.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.api.DataType;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class TensorCodecTest {

  @Test
  void roundTripsEveryDtypeIncludingEmptyAndStrings() {
    NamedTensors t = NamedTensors.builder()
        .put("f", Tensor.ofFloats(new float[] {1.5f, -2}, 2))
        .put("d", Tensor.ofDoubles(new double[] {Math.PI}, 1, 1))
        .put("i", Tensor.ofInts(new int[] {Integer.MIN_VALUE}, 1))
        .put("l", Tensor.ofLongs(new long[] {Long.MAX_VALUE, 3}, 2))
        .put("u", Tensor.ofUint8(new byte[] {(byte) 200}, 1))
        .put("b", Tensor.ofBooleans(new boolean[] {true}, 1))
        .put("s", Tensor.ofStrings(new String[] {"\"] :rm results {}", "naïve\n"}, 2))
        .put("empty", Tensor.zeros(DataType.FLOAT32, 0, 3))
        .build();
    assertThat(TensorCodec.decode(TensorCodec.encode(t))).isEqualTo(t);
  }

  @Test
  void rejectsTruncatedAndForeignBytes() {
    byte[] good = TensorCodec.encode(NamedTensors.of("x", Tensor.ofFloats(new float[4], 4)));
    assertThatThrownBy(() -> TensorCodec.decode(Arrays.copyOf(good, good.length - 3)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TensorCodec.decode("hello, world".getBytes()))
        .hasMessageContaining("DDT1 marker");
    assertThatThrownBy(() -> TensorCodec.decode(null)).hasMessageContaining("null");
  }
}

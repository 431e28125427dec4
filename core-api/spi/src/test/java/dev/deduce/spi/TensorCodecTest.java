package dev.deduce.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.api.DataType;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.stream.Collectors;
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

  /**
   * One tensor "x" per dtype, and the bytes the ordinal-based encoder of the first release wrote for it (captured from
   * that code): the explicit codes must encode to exactly these bytes and read them back.
   */
  private static final Object[][] PINNED = {
      {Tensor.ofFloats(new float[] {1.5f, -2}, 2),
          "44445431000000010000000178000100000000000000020000c03f000000c0"},
      {Tensor.ofDoubles(new double[] {-0.5}, 1),
          "4444543100000001000000017801010000000000000001000000000000e0bf"},
      {Tensor.ofInts(new int[] {-2, 258}, 2),
          "4444543100000001000000017802010000000000000002feffffff02010000"},
      {Tensor.ofLongs(new long[] {1L << 40}, 1),
          "44445431000000010000000178030100000000000000010000000000010000"},
      {Tensor.ofUint8(new byte[] {(byte) 200, 7}, 2),
          "4444543100000001000000017804010000000000000002c807"},
      {Tensor.ofBooleans(new boolean[] {true, false}, 2),
          "44445431000000010000000178050100000000000000020100"},
      {Tensor.ofStrings(new String[] {"\u00e9"}, 1),
          "444454310000000100000001780601000000000000000100000002c3a9"},
  };

  @Test
  void encodesOneTensorPerDtypeToPinnedBytes() {
    for (Object[] pin : PINNED) {
      Tensor t = (Tensor) pin[0];
      assertThat(HexFormat.of().formatHex(TensorCodec.encode(NamedTensors.of("x", t))))
          .as("encoding of a %s tensor", t.dtype()).isEqualTo(pin[1]);
    }
    assertThat(Arrays.stream(PINNED).map(p -> ((Tensor) p[0]).dtype()).collect(Collectors.toSet()))
        .as("one pinned tensor per dtype").isEqualTo(EnumSet.allOf(DataType.class));
  }

  @Test
  void decodesBytesWrittenByTheOrdinalEncoderOfTheFirstRelease() {
    for (Object[] pin : PINNED) {
      assertThat(TensorCodec.decode(HexFormat.of().parseHex((String) pin[1])))
          .isEqualTo(NamedTensors.of("x", (Tensor) pin[0]));
    }
  }

  @Test
  void givesEveryDtypeItsOwnCodeAndReadsEachBack() {
    Set<Integer> codes = EnumSet.allOf(DataType.class).stream().map(TensorCodec::code).collect(Collectors.toSet());
    assertThat(codes).hasSize(DataType.values().length);
    for (DataType d : DataType.values()) {
      assertThat(TensorCodec.dtype(TensorCodec.code(d), "x")).isEqualTo(d);
    }
  }

  @Test
  void rejectsAnUnknownDtypeCodeNamingTheTensorAndTheKnownCodes() {
    byte[] bytes = HexFormat.of().parseHex("4444543100000001000000017807010000000000000001");
    assertThatThrownBy(() -> TensorCodec.decode(bytes))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("dtype code 7 of tensor 'x' is unknown")
        .hasMessageContaining("expected 0 to 6");
  }
}

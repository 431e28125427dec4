package dev.deduce.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

class TensorTest {

  @Test
  void numericDataLivesInDirectNativeOrderReadOnlyBuffer() {
    Tensor t = Tensor.ofFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
    ByteBuffer b = t.buffer();
    assertThat(b.isDirect()).isTrue();
    assertThat(b.isReadOnly()).isTrue();
    assertThat(b.order()).isEqualTo(ByteOrder.nativeOrder());
    assertThat(b.remaining()).isEqualTo(24);
    assertThat(b.getFloat(20)).isEqualTo(6f);
  }

  @Test
  void nestedArraysRoundTripWithShapeInferred() {
    float[][] m = {{1, 2, 3}, {4, 5, 6}};
    Tensor t = Tensor.of(m);
    assertThat(t.dtype()).isEqualTo(DataType.FLOAT32);
    assertThat(t.shape()).containsExactly(2, 3);
    assertThat((float[][]) t.toArray()).isDeepEqualTo(m);

    long[][][] cube = {{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}};
    assertThat((long[][][]) Tensor.of(cube).toArray()).isDeepEqualTo(cube);
    String[][] words = {{"a", "b"}, {"c", "d"}};
    assertThat((String[][]) Tensor.of(words).toArray()).isDeepEqualTo(words);
  }

  @Test
  void everyDtypeHasAFlatFactoryAndAccessor() {
    assertThat(Tensor.ofDoubles(new double[] {1.5}, 1).toDoubleArray()).containsExactly(1.5);
    assertThat(Tensor.ofInts(new int[] {-7}, 1).toIntArray()).containsExactly(-7);
    assertThat(Tensor.ofLongs(new long[] {Long.MAX_VALUE}, 1).toLongArray()).containsExactly(Long.MAX_VALUE);
    assertThat(Tensor.ofUint8(new byte[] {(byte) 255}, 1).toByteArray()).containsExactly((byte) 255);
    assertThat(Tensor.ofBooleans(new boolean[] {true, false}, 2).toBooleanArray()).containsExactly(true, false);
    assertThat(Tensor.ofStrings(new String[] {"x"}, 1).toStringArray()).containsExactly("x");
  }

  @Test
  void tensorIsImmutableAgainstChangesToTheSourceArray() {
    float[] values = {1, 2};
    Tensor t = Tensor.ofFloats(values, 2);
    values[0] = 99;
    assertThat(t.toFloatArray()).containsExactly(1, 2);
    t.toFloatArray()[1] = 42;
    assertThat(t.toFloatArray()).containsExactly(1, 2);
  }

  @Test
  void fromBufferReadsTheBuffersOwnByteOrder() {
    ByteBuffer big = ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putInt(1).putInt(-2).flip();
    assertThat(Tensor.fromBuffer(DataType.INT32, big, 2).toIntArray()).containsExactly(1, -2);
    ByteBuffer little = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(5).flip();
    assertThat(Tensor.fromBuffer(DataType.INT64, little, 1).toLongArray()).containsExactly(5);
  }

  @Test
  void concatAndSplitAlongDimensionZero() {
    Tensor a = Tensor.ofInts(new int[] {1, 2}, 1, 2);
    Tensor b = Tensor.ofInts(new int[] {3, 4, 5, 6}, 2, 2);
    Tensor joined = Tensor.concat(List.of(a, b));
    assertThat(joined.shape()).containsExactly(3, 2);
    assertThat(joined.toIntArray()).containsExactly(1, 2, 3, 4, 5, 6);
    assertThat(joined.split(1, 2)).containsExactly(a, b);
  }

  @Test
  void toStringShowsDtypeShapeAndFirstValues() {
    Tensor t = Tensor.ofFloats(new float[10], 2, 5);
    assertThat(t.toString()).isEqualTo("Tensor[FLOAT32 [2, 5] 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, ...]");
    assertThat(Tensor.ofStrings(new String[] {"hi"}, 1).toString()).isEqualTo("Tensor[STRING [1] \"hi\"]");
  }

  @Test
  void emptyTensorsAreAllowed() {
    Tensor t = Tensor.ofFloats(new float[0], 0, 4);
    assertThat(t.elementCount()).isZero();
    assertThat(Tensor.concat(List.of(t, Tensor.ofFloats(new float[4], 1, 4))).shape()).containsExactly(1, 4);
  }

  @Test
  void rejectsNullsWithClearMessages() {
    assertThatThrownBy(() -> Tensor.ofFloats(null, 1)).hasMessageContaining("values must not be null");
    assertThatThrownBy(() -> Tensor.ofFloats(new float[1], (long[]) null)).hasMessageContaining("shape");
    assertThatThrownBy(() -> Tensor.ofStrings(new String[] {"a", null}, 2))
        .hasMessageContaining("element 1 is null");
    assertThatThrownBy(() -> Tensor.of(null)).hasMessageContaining("array must not be null");
  }

  @Test
  void rejectsNegativeDimensions() {
    assertThatThrownBy(() -> Tensor.ofFloats(new float[0], 2, -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("dimension 1 of shape [2, -1] is negative");
  }

  @Test
  void rejectsShapeAndDataLengthMismatch() {
    assertThatThrownBy(() -> Tensor.ofFloats(new float[5], 2, 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("shape [2, 3] holds 6 elements but 5 values were given");
  }

  @Test
  void rejectsUnsupportedElementTypes() {
    assertThatThrownBy(() -> Tensor.of(new short[] {1}))
        .hasMessageContaining("unsupported element type short");
    assertThatThrownBy(() -> Tensor.of("not an array")).hasMessageContaining("expected an array");
    assertThatThrownBy(() -> Tensor.fromBuffer(DataType.STRING, ByteBuffer.allocate(0)))
        .hasMessageContaining("does not take STRING");
  }

  @Test
  void rejectsRaggedArrays() {
    assertThatThrownBy(() -> Tensor.of(new int[][] {{1, 2}, {3}}))
        .hasMessageContaining("ragged array");
  }

  @Test
  void rejectsBufferWhoseLengthIsNotAWholeNumberOfElements() {
    assertThatThrownBy(() -> Tensor.fromBuffer(DataType.FLOAT32, ByteBuffer.allocate(6), 2))
        .hasMessageContaining("not a multiple of 4 bytes");
  }

  @Test
  void rejectsBoolBytesOtherThanZeroOrOne() {
    assertThatThrownBy(() -> Tensor.fromBuffer(DataType.BOOL, ByteBuffer.wrap(new byte[] {0, 2}), 2))
        .hasMessageContaining("expected 0 or 1");
  }

  @Test
  void rejectsWrongAccessorForDtype() {
    assertThatThrownBy(() -> Tensor.ofInts(new int[1], 1).toFloatArray())
        .hasMessageContaining("tensor is INT32; expected FLOAT32");
    assertThatThrownBy(() -> Tensor.ofStrings(new String[] {"a"}, 1).buffer())
        .hasMessageContaining("no byte buffer");
  }

  @Test
  void rejectsConcatOfMismatchedParts() {
    Tensor f = Tensor.ofFloats(new float[2], 1, 2);
    assertThatThrownBy(() -> Tensor.concat(List.of(f, Tensor.ofInts(new int[2], 1, 2))))
        .hasMessageContaining("part 1 is INT32; expected FLOAT32");
    assertThatThrownBy(() -> Tensor.concat(List.of(f, Tensor.ofFloats(new float[3], 1, 3))))
        .hasMessageContaining("every dimension but the first");
    assertThatThrownBy(() -> Tensor.concat(List.of())).hasMessageContaining("at least one");
    assertThatThrownBy(() -> Tensor.concat(List.of(Tensor.scalar(1)))).hasMessageContaining("rank-0");
  }

  @Test
  void rejectsSplitThatDoesNotAddUp() {
    Tensor t = Tensor.ofFloats(new float[6], 3, 2);
    assertThatThrownBy(() -> t.split(1, 1)).hasMessageContaining("add up to 2; expected dimension 0, which is 3");
    assertThatThrownBy(() -> t.split(4, -1)).hasMessageContaining("negative");
  }

  @Test
  void rejectsTensorsBeyondTheElementLimit() {
    assertThatThrownBy(() -> Tensor.zeros(DataType.FLOAT32, 1L << 20, 1L << 20))
        .hasMessageContaining("elements; expected a smaller tensor");
  }
}

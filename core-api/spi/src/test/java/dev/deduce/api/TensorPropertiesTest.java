package dev.deduce.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class TensorPropertiesTest {

  /** A random tensor description: dtype, trailing shape, and per-part row counts. */
  record Case(DataType dtype, long[] trailing, long[] rows, long seed) {}

  @Provide
  Arbitrary<Case> cases() {
    Arbitrary<DataType> dtypes = Arbitraries.of(DataType.class);
    Arbitrary<long[]> trailing = Arbitraries.longs().between(0, 4).array(long[].class).ofMaxSize(3);
    Arbitrary<long[]> rows = Arbitraries.longs().between(0, 5).array(long[].class).ofMinSize(1).ofMaxSize(6);
    return Combinators.combine(dtypes, trailing, rows, Arbitraries.longs()).as(Case::new);
  }

  @Property(tries = 300)
  void concatThenSplitGivesThePartsBack(@ForAll("cases") Case c) {
    Random random = new Random(c.seed());
    List<Tensor> parts = new ArrayList<>();
    for (long r : c.rows()) {
      parts.add(random(c.dtype(), shape(r, c.trailing()), random));
    }
    Tensor joined = Tensor.concat(parts);
    assertThat(joined.dim(0)).isEqualTo(sum(c.rows()));
    assertThat(joined.split(c.rows())).containsExactlyElementsOf(parts);
  }

  @Property(tries = 300)
  void bufferRoundTripPreservesEveryElementInEitherByteOrder(@ForAll("cases") Case c) {
    if (!c.dtype().isNumeric()) {
      return;
    }
    Tensor t = random(c.dtype(), shape(c.rows()[0], c.trailing()), new Random(c.seed()));
    Tensor viaNative = Tensor.fromBuffer(c.dtype(), t.buffer(), t.shape());
    assertThat(viaNative).isEqualTo(t);
    ByteOrder other = ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
    ByteBuffer swapped = ByteBuffer.allocate(t.buffer().remaining()).order(other);
    ByteBuffer src = t.buffer();
    int n = (int) t.elementCount();
    for (int i = 0; i < n; i++) {
      switch (c.dtype().byteSize()) {
        case 8: swapped.putLong(src.getLong()); break;
        case 4: swapped.putInt(src.getInt()); break;
        default: swapped.put(src.get());
      }
    }
    swapped.flip();
    assertThat(Tensor.fromBuffer(c.dtype(), swapped, t.shape())).isEqualTo(t);
  }

  @Property(tries = 200)
  void nestedArrayRoundTripKeepsShapeAndValues(@ForAll("cases") Case c) {
    Tensor t = random(c.dtype(), shape(Math.max(1, c.rows()[0]), c.trailing()), new Random(c.seed()));
    // Inner lengths of an empty array are unknowable, so only non-empty tensors keep their exact shape.
    if (t.elementCount() > 0) {
      assertThat(Tensor.of(t.toArray())).isEqualTo(t);
    } else {
      assertThat(Tensor.of(t.toArray()).elementCount()).isZero();
    }
  }

  static Tensor random(DataType dtype, long[] shape, Random r) {
    int n = 1;
    for (long d : shape) {
      n *= (int) d;
    }
    switch (dtype) {
      case FLOAT32: {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
          v[i] = r.nextFloat() * 200 - 100;
        }
        return Tensor.ofFloats(v, shape);
      }
      case FLOAT64: {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
          v[i] = r.nextGaussian();
        }
        return Tensor.ofDoubles(v, shape);
      }
      case INT32: return Tensor.ofInts(r.ints(n).toArray(), shape);
      case INT64: return Tensor.ofLongs(r.longs(n).toArray(), shape);
      case UINT8: {
        byte[] v = new byte[n];
        r.nextBytes(v);
        return Tensor.ofUint8(v, shape);
      }
      case BOOL: {
        boolean[] v = new boolean[n];
        for (int i = 0; i < n; i++) {
          v[i] = r.nextBoolean();
        }
        return Tensor.ofBooleans(v, shape);
      }
      default: {
        String[] v = new String[n];
        for (int i = 0; i < n; i++) {
          v[i] = "s" + r.nextInt() + (r.nextBoolean() ? "é\n\"" : "");
        }
        return Tensor.ofStrings(v, shape);
      }
    }
  }

  private static long[] shape(long rows, long[] trailing) {
    long[] s = new long[trailing.length + 1];
    s[0] = rows;
    System.arraycopy(trailing, 0, s, 1, trailing.length);
    return s;
  }

  private static long sum(long[] v) {
    long s = 0;
    for (long x : v) {
      s += x;
    }
    return s;
  }
}

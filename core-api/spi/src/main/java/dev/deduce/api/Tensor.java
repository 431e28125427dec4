package dev.deduce.api;

import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * An immutable n-dimensional array: a dtype, a shape and its elements.
 *
 * <p>Numeric elements live in a direct, native-order {@link ByteBuffer} so that engines can hand them to
 * ONNX Runtime, TensorFlow or DJL without copying. Strings are held as Java strings.
 */
public final class Tensor {

  /**
   * The representational ceiling of one tensor, not a configurable limit: its buffer is indexed by int and an element
   * takes up to 8 bytes. The one configurable limit on a request is the model setting {@code max-elements}.
   */
  public static final long MAX_ELEMENTS = Integer.MAX_VALUE / 8;

  private final DataType dtype;
  private final long[] shape;
  private final long elementCount;
  private final ByteBuffer data; // read-only, direct, native order; null for STRING
  private final String[] strings; // null unless STRING

  private Tensor(DataType dtype, long[] shape, ByteBuffer data, String[] strings) {
    this.dtype = dtype;
    this.shape = shape;
    this.elementCount = elementCount(shape);
    this.data = data;
    this.strings = strings;
  }

  // ---------------------------------------------------------------- factories from flat arrays

  /** A FLOAT32 tensor of {@code shape} holding {@code values} in row-major order. */
  public static Tensor ofFloats(float[] values, long... shape) {
    Objects.requireNonNull(values, "values must not be null");
    ByteBuffer b = allocate(checkLength(DataType.FLOAT32, values.length, shape));
    b.asFloatBuffer().put(values);
    return numeric(DataType.FLOAT32, shape, b);
  }

  /** A FLOAT64 tensor of {@code shape} holding {@code values} in row-major order. */
  public static Tensor ofDoubles(double[] values, long... shape) {
    Objects.requireNonNull(values, "values must not be null");
    ByteBuffer b = allocate(checkLength(DataType.FLOAT64, values.length, shape));
    b.asDoubleBuffer().put(values);
    return numeric(DataType.FLOAT64, shape, b);
  }

  /** An INT32 tensor of {@code shape} holding {@code values} in row-major order. */
  public static Tensor ofInts(int[] values, long... shape) {
    Objects.requireNonNull(values, "values must not be null");
    ByteBuffer b = allocate(checkLength(DataType.INT32, values.length, shape));
    b.asIntBuffer().put(values);
    return numeric(DataType.INT32, shape, b);
  }

  /** An INT64 tensor of {@code shape} holding {@code values} in row-major order. */
  public static Tensor ofLongs(long[] values, long... shape) {
    Objects.requireNonNull(values, "values must not be null");
    ByteBuffer b = allocate(checkLength(DataType.INT64, values.length, shape));
    b.asLongBuffer().put(values);
    return numeric(DataType.INT64, shape, b);
  }

  /** A UINT8 tensor of {@code shape}; each byte is read as unsigned (0..255). */
  public static Tensor ofUint8(byte[] values, long... shape) {
    Objects.requireNonNull(values, "values must not be null");
    ByteBuffer b = allocate(checkLength(DataType.UINT8, values.length, shape));
    b.put(values).flip();
    return numeric(DataType.UINT8, shape, b);
  }

  /** A BOOL tensor of {@code shape} holding {@code values} in row-major order. */
  public static Tensor ofBooleans(boolean[] values, long... shape) {
    Objects.requireNonNull(values, "values must not be null");
    ByteBuffer b = allocate(checkLength(DataType.BOOL, values.length, shape));
    for (boolean v : values) {
      b.put(v ? (byte) 1 : (byte) 0);
    }
    b.flip();
    return numeric(DataType.BOOL, shape, b);
  }

  /** A STRING tensor of {@code shape} holding {@code values} in row-major order; no element may be null. */
  public static Tensor ofStrings(String[] values, long... shape) {
    Objects.requireNonNull(values, "values must not be null");
    checkLength(DataType.STRING, values.length, shape);
    String[] copy = values.clone();
    for (int i = 0; i < copy.length; i++) {
      if (copy[i] == null) {
        throw new IllegalArgumentException("string tensor element " + i + " is null; expected a non-null string");
      }
    }
    return new Tensor(DataType.STRING, shape.clone(), null, copy);
  }

  /**
   * A tensor of {@code dtype} and {@code shape} whose elements are copied from {@code buffer}'s remaining bytes.
   *
   * <p>The bytes are read in the buffer's own byte order and stored in native order.
   */
  public static Tensor fromBuffer(DataType dtype, ByteBuffer buffer, long... shape) {
    Objects.requireNonNull(dtype, "dtype must not be null");
    Objects.requireNonNull(buffer, "buffer must not be null");
    if (!dtype.isNumeric()) {
      throw new IllegalArgumentException("fromBuffer does not take STRING; expected a numeric dtype, use ofStrings");
    }
    if (buffer.remaining() % dtype.byteSize() != 0) {
      throw new IllegalArgumentException("buffer holds " + buffer.remaining() + " bytes, not a multiple of "
          + dtype.byteSize() + " bytes per " + dtype + " element");
    }
    ByteBuffer b = allocate(checkLength(dtype, buffer.remaining() / dtype.byteSize(), shape));
    ByteBuffer src = buffer.duplicate().order(buffer.order());
    if (src.order() == ByteOrder.nativeOrder() || dtype.byteSize() == 1) {
      b.put(src).flip();
    } else {
      copySwapped(dtype, src, b);
    }
    if (dtype == DataType.BOOL) {
      for (int i = 0; i < b.limit(); i++) {
        if (b.get(i) != 0 && b.get(i) != 1) {
          throw new IllegalArgumentException("BOOL element " + i + " is byte " + b.get(i) + "; expected 0 or 1");
        }
      }
    }
    return numeric(dtype, shape, b);
  }

  /**
   * A tensor from a (possibly nested) Java array, e.g. {@code float[2][3]} becomes FLOAT32 of shape [2, 3].
   *
   * <p>Element types map as float→FLOAT32, double→FLOAT64, int→INT32, long→INT64, byte→UINT8, boolean→BOOL,
   * String→STRING. Ragged arrays are rejected.
   */
  public static Tensor of(Object array) {
    Objects.requireNonNull(array, "array must not be null");
    if (!array.getClass().isArray()) {
      throw new IllegalArgumentException("expected an array such as float[][], got " + array.getClass().getName());
    }
    List<Long> dims = new ArrayList<>();
    Class<?> type = array.getClass();
    Object probe = array;
    while (type.isArray()) {
      int len = Array.getLength(probe);
      dims.add((long) len);
      type = type.getComponentType();
      if (type.isArray()) {
        probe = len > 0 ? Array.get(probe, 0) : null;
        if (probe == null) {
          // Empty outer dimension: the inner lengths are unknowable, take them as 0.
          while (type.isArray()) {
            dims.add(0L);
            type = type.getComponentType();
          }
          break;
        }
      }
    }
    DataType dtype = dtypeOf(type);
    long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
    long count = elementCount(shape);
    Object flat = Array.newInstance(type, checkedInt(count, dtype));
    int[] pos = {0};
    flatten(array, shape, 0, flat, pos);
    switch (dtype) {
      case FLOAT32: return ofFloats((float[]) flat, shape);
      case FLOAT64: return ofDoubles((double[]) flat, shape);
      case INT32: return ofInts((int[]) flat, shape);
      case INT64: return ofLongs((long[]) flat, shape);
      case UINT8: return ofUint8((byte[]) flat, shape);
      case BOOL: return ofBooleans((boolean[]) flat, shape);
      default: return ofStrings((String[]) flat, shape);
    }
  }

  /** A rank-0 FLOAT32 tensor. */
  public static Tensor scalar(float value) {
    return ofFloats(new float[] {value});
  }

  /** A tensor of {@code dtype} and {@code shape} with every element zero (or the empty string). */
  public static Tensor zeros(DataType dtype, long... shape) {
    Objects.requireNonNull(dtype, "dtype must not be null");
    long n = elementCount(validShape(shape));
    if (dtype == DataType.STRING) {
      String[] s = new String[checkedInt(n, dtype)];
      Arrays.fill(s, "");
      return ofStrings(s, shape);
    }
    return numeric(dtype, shape, allocate(checkedInt(n * dtype.byteSize(), dtype)));
  }

  // ---------------------------------------------------------------- accessors

  /** The element type. */
  public DataType dtype() {
    return dtype;
  }

  /** A copy of the shape; an empty array for a scalar. */
  public long[] shape() {
    return shape.clone();
  }

  /** The number of dimensions. */
  public int rank() {
    return shape.length;
  }

  /** The size of dimension {@code i}. */
  public long dim(int i) {
    if (i < 0 || i >= shape.length) {
      throw new IndexOutOfBoundsException("dimension " + i + " does not exist; tensor has rank " + shape.length);
    }
    return shape[i];
  }

  /** The number of elements (the product of the shape). */
  public long elementCount() {
    return elementCount;
  }

  /** Bytes held: the buffer size for numeric tensors, the UTF-8 length of all elements for strings. */
  public long byteSize() {
    if (data != null) {
      return data.capacity();
    }
    long n = 0;
    for (String s : strings) {
      n += s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }
    return n;
  }

  /**
   * The elements as a read-only, direct, native-order buffer positioned at 0, shared with this tensor.
   *
   * @throws IllegalStateException for STRING tensors, which have no buffer
   */
  public ByteBuffer buffer() {
    if (data == null) {
      throw new IllegalStateException("a STRING tensor has no byte buffer; use toStringArray()");
    }
    return data.duplicate().order(ByteOrder.nativeOrder());
  }

  /** The elements of a FLOAT32 tensor, row-major. */
  public float[] toFloatArray() {
    float[] out = new float[(int) elementCount];
    buffer(DataType.FLOAT32).asFloatBuffer().get(out);
    return out;
  }

  /** The elements of a FLOAT64 tensor, row-major. */
  public double[] toDoubleArray() {
    double[] out = new double[(int) elementCount];
    buffer(DataType.FLOAT64).asDoubleBuffer().get(out);
    return out;
  }

  /** The elements of an INT32 tensor, row-major. */
  public int[] toIntArray() {
    int[] out = new int[(int) elementCount];
    buffer(DataType.INT32).asIntBuffer().get(out);
    return out;
  }

  /** The elements of an INT64 tensor, row-major. */
  public long[] toLongArray() {
    long[] out = new long[(int) elementCount];
    buffer(DataType.INT64).asLongBuffer().get(out);
    return out;
  }

  /** The raw bytes of a UINT8 tensor, row-major (read them with {@code Byte.toUnsignedInt}). */
  public byte[] toByteArray() {
    byte[] out = new byte[(int) elementCount];
    buffer(DataType.UINT8).get(out);
    return out;
  }

  /** The elements of a BOOL tensor, row-major. */
  public boolean[] toBooleanArray() {
    ByteBuffer b = buffer(DataType.BOOL);
    boolean[] out = new boolean[(int) elementCount];
    for (int i = 0; i < out.length; i++) {
      out[i] = b.get(i) != 0;
    }
    return out;
  }

  /** The elements of a STRING tensor, row-major. */
  public String[] toStringArray() {
    if (dtype != DataType.STRING) {
      throw new IllegalStateException("tensor is " + dtype + "; expected STRING for toStringArray()");
    }
    return strings.clone();
  }

  /** The elements as a nested Java array of this tensor's shape, e.g. {@code float[2][3]}; a scalar gives a length-1 array. */
  public Object toArray() {
    Object flat = flatArray();
    if (shape.length <= 1) {
      return flat;
    }
    int[] pos = {0};
    return nest(flat, 0, pos);
  }

  // ---------------------------------------------------------------- batching along dimension 0

  /**
   * Joins tensors along dimension 0. Every part must share dtype, rank (at least 1) and every dimension but the
   * first.
   */
  public static Tensor concat(List<Tensor> parts) {
    Objects.requireNonNull(parts, "parts must not be null");
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("concat needs at least one tensor, got none");
    }
    Tensor first = Objects.requireNonNull(parts.get(0), "parts must not contain null");
    if (first.rank() == 0) {
      throw new IllegalArgumentException("cannot concatenate rank-0 tensors; expected rank 1 or more");
    }
    long rows = 0;
    for (int i = 0; i < parts.size(); i++) {
      Tensor t = Objects.requireNonNull(parts.get(i), "parts must not contain null (index " + i + ")");
      if (t.dtype != first.dtype) {
        throw new IllegalArgumentException("part " + i + " is " + t.dtype + "; expected " + first.dtype + " like part 0");
      }
      if (!sameTrailingShape(first, t)) {
        throw new IllegalArgumentException("part " + i + " has shape " + Arrays.toString(t.shape)
            + "; expected every dimension but the first to match part 0's " + Arrays.toString(first.shape));
      }
      rows += t.shape[0];
    }
    if (parts.size() == 1) {
      return first;
    }
    long[] shape = first.shape.clone();
    shape[0] = rows;
    if (first.dtype == DataType.STRING) {
      List<String> all = new ArrayList<>();
      for (Tensor t : parts) {
        all.addAll(Arrays.asList(t.strings));
      }
      return new Tensor(DataType.STRING, shape, null, all.toArray(new String[0]));
    }
    ByteBuffer out = allocate(checkedInt(elementCount(shape) * first.dtype.byteSize(), first.dtype));
    for (Tensor t : parts) {
      out.put(t.buffer());
    }
    out.flip();
    return new Tensor(first.dtype, shape, out.asReadOnlyBuffer(), null);
  }

  /** Cuts this tensor along dimension 0 into consecutive parts of {@code rows[i]} rows each; the rows must add up. */
  public List<Tensor> split(long... rows) {
    Objects.requireNonNull(rows, "rows must not be null");
    if (rank() == 0) {
      throw new IllegalArgumentException("cannot split a rank-0 tensor; expected rank 1 or more");
    }
    long sum = 0;
    for (long r : rows) {
      if (r < 0) {
        throw new IllegalArgumentException("row count " + r + " is negative; expected 0 or more");
      }
      sum += r;
    }
    if (sum != shape[0]) {
      throw new IllegalArgumentException("row counts " + Arrays.toString(rows) + " add up to " + sum
          + "; expected dimension 0, which is " + shape[0]);
    }
    List<Tensor> out = new ArrayList<>(rows.length);
    long start = 0;
    for (long r : rows) {
      out.add(slice(start, start + r));
      start += r;
    }
    return out;
  }

  /** Rows {@code [from, to)} of dimension 0, copied into a new tensor. */
  public Tensor slice(long from, long to) {
    if (rank() == 0) {
      throw new IllegalArgumentException("cannot slice a rank-0 tensor; expected rank 1 or more");
    }
    if (from < 0 || to < from || to > shape[0]) {
      throw new IndexOutOfBoundsException("rows [" + from + ", " + to + ") are outside [0, " + shape[0] + ")");
    }
    long[] s = shape.clone();
    s[0] = to - from;
    long rowElems = elementCount(Arrays.copyOfRange(shape, 1, shape.length));
    if (dtype == DataType.STRING) {
      return new Tensor(dtype, s, null,
          Arrays.copyOfRange(strings, (int) (from * rowElems), (int) (to * rowElems)));
    }
    int bs = dtype.byteSize();
    ByteBuffer src = buffer();
    src.position((int) (from * rowElems * bs)).limit((int) (to * rowElems * bs));
    ByteBuffer out = allocate(src.remaining());
    out.put(src).flip();
    return new Tensor(dtype, s, out.asReadOnlyBuffer(), null);
  }

  // ---------------------------------------------------------------- object methods

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Tensor)) {
      return false;
    }
    Tensor t = (Tensor) o;
    if (dtype != t.dtype || !Arrays.equals(shape, t.shape)) {
      return false;
    }
    return data != null ? data.duplicate().rewind().equals(t.data.duplicate().rewind())
        : Arrays.equals(strings, t.strings);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * dtype.hashCode() + Arrays.hashCode(shape))
        + (data != null ? data.duplicate().rewind().hashCode() : Arrays.hashCode(strings));
  }

  /** Dtype, shape and up to the first eight values, e.g. {@code Tensor[FLOAT32 [2, 3] 0.1, 0.2, ...]}. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("Tensor[").append(dtype).append(' ').append(Arrays.toString(shape));
    int n = (int) Math.min(8, elementCount);
    for (int i = 0; i < n; i++) {
      sb.append(i == 0 ? " " : ", ").append(elementString(i));
    }
    if (elementCount > n) {
      sb.append(", ...");
    }
    return sb.append(']').toString();
  }

  // ---------------------------------------------------------------- internals

  private String elementString(int i) {
    switch (dtype) {
      case FLOAT32: return Float.toString(data.getFloat(i * 4));
      case FLOAT64: return Double.toString(data.getDouble(i * 8));
      case INT32: return Integer.toString(data.getInt(i * 4));
      case INT64: return Long.toString(data.getLong(i * 8));
      case UINT8: return Integer.toString(Byte.toUnsignedInt(data.get(i)));
      case BOOL: return Boolean.toString(data.get(i) != 0);
      default:
        String s = strings[i];
        return '"' + (s.length() > 20 ? s.substring(0, 20) + "…" : s) + '"';
    }
  }

  private ByteBuffer buffer(DataType expected) {
    if (dtype != expected) {
      throw new IllegalStateException("tensor is " + dtype + "; expected " + expected + " for this accessor");
    }
    return buffer();
  }

  private Object flatArray() {
    switch (dtype) {
      case FLOAT32: return toFloatArray();
      case FLOAT64: return toDoubleArray();
      case INT32: return toIntArray();
      case INT64: return toLongArray();
      case UINT8: return toByteArray();
      case BOOL: return toBooleanArray();
      default: return toStringArray();
    }
  }

  private Object nest(Object flat, int dim, int[] pos) {
    int len = (int) shape[dim];
    Class<?> leaf = flat.getClass().getComponentType();
    if (dim == shape.length - 1) {
      Object row = Array.newInstance(leaf, len);
      System.arraycopy(flat, pos[0], row, 0, len);
      pos[0] += len;
      return row;
    }
    int[] dims = new int[shape.length - dim];
    for (int i = 0; i < dims.length; i++) {
      dims[i] = (int) shape[dim + i];
    }
    Object out = Array.newInstance(leaf, dims);
    for (int i = 0; i < len; i++) {
      Array.set(out, i, nest(flat, dim + 1, pos));
    }
    return out;
  }

  private static void flatten(Object array, long[] shape, int dim, Object flat, int[] pos) {
    int len = Array.getLength(array);
    if (len != shape[dim]) {
      throw new IllegalArgumentException("ragged array: a row at dimension " + dim + " has length " + len
          + "; expected " + shape[dim] + " like the first row");
    }
    if (dim == shape.length - 1) {
      if (flat instanceof String[]) {
        for (int i = 0; i < len; i++) {
          if (Array.get(array, i) == null) {
            throw new IllegalArgumentException("string array holds null; expected non-null strings");
          }
        }
      }
      System.arraycopy(array, 0, flat, pos[0], len);
      pos[0] += len;
      return;
    }
    for (int i = 0; i < len; i++) {
      Object row = Array.get(array, i);
      if (row == null) {
        throw new IllegalArgumentException("array holds a null row at dimension " + dim + "; expected no nulls");
      }
      flatten(row, shape, dim + 1, flat, pos);
    }
  }

  private static DataType dtypeOf(Class<?> leaf) {
    if (leaf == float.class) {
      return DataType.FLOAT32;
    } else if (leaf == double.class) {
      return DataType.FLOAT64;
    } else if (leaf == int.class) {
      return DataType.INT32;
    } else if (leaf == long.class) {
      return DataType.INT64;
    } else if (leaf == byte.class) {
      return DataType.UINT8;
    } else if (leaf == boolean.class) {
      return DataType.BOOL;
    } else if (leaf == String.class) {
      return DataType.STRING;
    }
    throw new IllegalArgumentException("unsupported element type " + leaf.getName()
        + "; expected float, double, int, long, byte, boolean or String");
  }

  private static boolean sameTrailingShape(Tensor a, Tensor b) {
    if (a.shape.length != b.shape.length) {
      return false;
    }
    for (int i = 1; i < a.shape.length; i++) {
      if (a.shape[i] != b.shape[i]) {
        return false;
      }
    }
    return true;
  }

  private static Tensor numeric(DataType dtype, long[] shape, ByteBuffer b) {
    return new Tensor(dtype, shape.clone(), b.asReadOnlyBuffer().order(ByteOrder.nativeOrder()), null);
  }

  private static ByteBuffer allocate(int bytes) {
    return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
  }

  private static int checkLength(DataType dtype, int length, long[] shape) {
    long n = elementCount(validShape(shape));
    if (n != length) {
      throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + n + " elements but "
          + length + " values were given; expected the product of the shape to equal the number of values");
    }
    return checkedInt(n * Math.max(1, dtype.byteSize()), dtype);
  }

  private static long[] validShape(long[] shape) {
    Objects.requireNonNull(shape, "shape must not be null");
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] < 0) {
        throw new IllegalArgumentException("dimension " + i + " of shape " + Arrays.toString(shape)
            + " is negative; expected sizes of 0 or more");
      }
    }
    return shape;
  }

  private static long elementCount(long[] shape) {
    long n = 1;
    for (long d : shape) {
      if (d != 0 && n > MAX_ELEMENTS / d) {
        throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has more than " + MAX_ELEMENTS
            + " elements; expected a smaller tensor");
      }
      n *= d;
    }
    return n;
  }

  private static int checkedInt(long bytes, DataType dtype) {
    if (bytes > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(dtype + " tensor of " + bytes + " bytes exceeds the 2 GiB buffer limit");
    }
    return (int) bytes;
  }

  private static void copySwapped(DataType dtype, ByteBuffer src, ByteBuffer dst) {
    int n = src.remaining() / dtype.byteSize();
    for (int i = 0; i < n; i++) {
      switch (dtype.byteSize()) {
        case 4: dst.putInt(src.getInt()); break;
        case 8: dst.putLong(src.getLong()); break;
        default: dst.put(src.get());
      }
    }
    dst.flip();
  }
}

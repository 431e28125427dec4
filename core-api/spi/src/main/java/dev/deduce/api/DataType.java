package dev.deduce.api;

/** Element types a {@link Tensor} can hold. */
public enum DataType {
  /** 32-bit IEEE float. */
  FLOAT32(4),
  /** 64-bit IEEE float. */
  FLOAT64(8),
  /** 32-bit signed integer. */
  INT32(4),
  /** 64-bit signed integer. */
  INT64(8),
  /** Unsigned byte, 0..255. */
  UINT8(1),
  /** Boolean, one byte per element (0 or 1). */
  BOOL(1),
  /** UTF-8 string; held as Java strings, not in a byte buffer. */
  STRING(0);

  private final int byteSize;

  DataType(int byteSize) {
    this.byteSize = byteSize;
  }

  /** Bytes per element in a tensor's buffer; 0 for {@link #STRING}, which has no fixed width. */
  public int byteSize() {
    return byteSize;
  }

  /** Whether elements live in a native byte buffer (every type but {@link #STRING}). */
  public boolean isNumeric() {
    return this != STRING;
  }
}

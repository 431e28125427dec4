package dev.deduce.server.internal;

import java.util.Arrays;

/**
 * What one request may hold, checked before anything is allocated for it.
 *
 * @param maxBodyBytes   bytes of one request body (REST) or message (gRPC)
 * @param maxJsonDepth   nesting depth of a JSON body
 * @param maxElements    elements of one tensor
 * @param maxBytesLength bytes of one BYTES element
 */
public record Limits(long maxBodyBytes, int maxJsonDepth, long maxElements, int maxBytesLength) {

  /** Rejects limits below one. */
  public Limits {
    if (maxBodyBytes < 1 || maxJsonDepth < 1 || maxElements < 1 || maxBytesLength < 1) {
      throw new IllegalArgumentException("limits must be 1 or more, got body " + maxBodyBytes + ", depth "
          + maxJsonDepth + ", elements " + maxElements + ", bytes length " + maxBytesLength);
    }
  }

  /**
   * The element count of {@code shape}, for the tensor {@code what}.
   *
   * @throws ApiException 400 when a dimension is negative or the count is over {@link #maxElements()}
   */
  public int elements(long[] shape, String what) {
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw ApiException.bad(what + " has shape " + Arrays.toString(shape) + " with dimension " + d
            + "; expected sizes of 0 or more");
      }
      // divide instead of multiplying so that a huge shape cannot overflow before it is caught
      if (d != 0 && n > maxElements / d) {
        throw ApiException.bad(what + " has shape " + Arrays.toString(shape) + ", more than the limit of "
            + maxElements + " elements (setting deduce-server.limits.max-elements)");
      }
      n *= d;
    }
    return (int) n;
  }

  /** @throws ApiException 400 when a BYTES element of {@code length} bytes is over {@link #maxBytesLength()} */
  public void checkBytesLength(int length, String what, int index) {
    if (length > maxBytesLength) {
      throw ApiException.bad(what + " element " + index + " is " + length + " bytes long; expected at most "
          + maxBytesLength + " (setting deduce-server.limits.max-bytes-length)");
    }
  }
}

package dev.deduce.config.internal;

import dev.deduce.config.SettingException;

/**
 * A size in bytes, written in config as a number of bytes or with a unit ({@code 512k}, {@code 64MiB}).
 *
 * @param bytes the size, 0 or more
 */
public record ByteSize(long bytes) {

  /** Rejects negative sizes. */
  public ByteSize {
    if (bytes < 0) {
      throw new SettingException("bytes", Long.toString(bytes), "a size of 0 or more");
    }
  }
}

package dev.deduce.runtime.internal.admission;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Request ids as UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then 74 random bits. UUID.randomUUID draws
 * from a shared SecureRandom on every request; ThreadLocalRandom costs nanoseconds and cannot be contended. The time
 * prefix keeps ids unique across restarts (two ids collide only if minted in the same millisecond with the same 74
 * random bits) and keeps them in time order, which a store's primary-key index appends to cheaply.
 */
public final class RequestIds {

  private RequestIds() {
  }

  /** A new request id. */
  public static String next() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long msb = (System.currentTimeMillis() << 16) | 0x7000L | (random.nextLong() & 0x0FFFL);
    long lsb = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
    return new UUID(msb, lsb).toString();
  }
}

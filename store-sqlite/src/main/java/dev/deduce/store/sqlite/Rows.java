package dev.deduce.store.sqlite;

import dev.deduce.api.ErrorKind;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.RequestStatus;
import dev.deduce.api.StoreException;
import dev.deduce.spi.RequestRecord;
import dev.deduce.spi.StoredRequest;
import dev.deduce.spi.TensorCodec;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;

/** Maps requests and results to rows of {@code deduce_requests} and back; times are epoch nanoseconds. */
final class Rows {

  /** The columns {@link #read} expects, in order. */
  static final String COLUMNS = "request_id, model, requested_version, version, status, submitted_at, deadline, "
      + "idempotency_key, inputs, outputs, error_kind, error, completed_at, attempts";

  private static final long NANOS = 1_000_000_000L;

  private Rows() {}

  /** Epoch nanoseconds of a clock reading; refuses instants SQLite's 64-bit integers cannot hold. */
  static long nanos(Instant t, String field, String requestId, Path file) {
    try {
      return Math.addExact(Math.multiplyExact(t.getEpochSecond(), NANOS), t.getNano());
    } catch (ArithmeticException e) {
      // the caller's mistake, not a store failure: retrying the same record cannot succeed
      throw new IllegalArgumentException("request " + requestId + ": " + field + " " + t + " is outside the years "
          + "1677 to 2262 that the SQLite store at " + file + " records; expected a clock reading");
    }
  }

  /**
   * Epoch nanoseconds of a deadline. A deadline past 2262 (such as {@link Instant#MAX} for "none") is kept as the
   * largest value and reads back as {@link Instant#MAX}; before 1677, as {@link Instant#MIN}.
   */
  static long deadlineNanos(Instant t) {
    try {
      return Math.addExact(Math.multiplyExact(t.getEpochSecond(), NANOS), t.getNano());
    } catch (ArithmeticException e) {
      return t.getEpochSecond() > 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
    }
  }

  static Instant instant(long nanos) {
    return Instant.ofEpochSecond(Math.floorDiv(nanos, NANOS), Math.floorMod(nanos, NANOS));
  }

  static Instant deadline(long nanos) {
    if (nanos == Long.MAX_VALUE) {
      return Instant.MAX;
    }
    if (nanos == Long.MIN_VALUE) {
      return Instant.MIN;
    }
    return instant(nanos);
  }

  /** UTF-8 length, counted without encoding. */
  static long utf8Length(String s) {
    if (s == null) {
      return 0;
    }
    long n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n++;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c)) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }

  /** Bytes of the strings of {@code r}, which count toward the record size limit. */
  static long textBytes(RequestRecord r) {
    return utf8Length(r.requestId()) + utf8Length(r.model()) + utf8Length(r.version())
        + utf8Length(r.idempotencyKey());
  }

  /** The stored request on the current row of {@code rs}, selected with {@link #COLUMNS}. */
  static StoredRequest read(ResultSet rs, Path file) throws SQLException {
    String id = rs.getString(1);
    try {
      RequestRecord request = new RequestRecord(id, rs.getString(2), rs.getString(3), decode(rs.getBytes(9)),
          instant(rs.getLong(6)), deadline(rs.getLong(7)), rs.getString(8));
      RequestStatus status = RequestStatus.valueOf(rs.getString(5));
      if (status == RequestStatus.PENDING) {
        return StoredRequest.pending(request);
      }
      String kind = rs.getString(11);
      long completed = rs.getLong(13);
      Instant completedAt = rs.wasNull() ? null : instant(completed);
      return new StoredRequest(request, status, rs.getString(4), decode(rs.getBytes(10)),
          kind == null ? null : ErrorKind.valueOf(kind), rs.getString(12), completedAt, rs.getInt(14));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new StoreException("request " + id + " in SQLite store at " + file + " is corrupt: " + e.getMessage()
          + "; expected a row written by the Deduce SQLite store", e);
    }
  }

  private static NamedTensors decode(byte[] blob) {
    return blob == null ? NamedTensors.empty() : TensorCodec.decode(blob);
  }
}

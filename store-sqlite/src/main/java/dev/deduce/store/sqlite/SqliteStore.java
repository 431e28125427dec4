package dev.deduce.store.sqlite;

import dev.deduce.api.RequestStatus;
import dev.deduce.api.StoreException;
import dev.deduce.spi.HistoryQuery;
import dev.deduce.spi.Page;
import dev.deduce.spi.RequestRecord;
import dev.deduce.spi.ResultRecord;
import dev.deduce.spi.Store;
import dev.deduce.spi.StoreCapabilities;
import dev.deduce.spi.StoreConfig;
import dev.deduce.spi.StoredRequest;
import dev.deduce.spi.TensorCodec;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteConnection;
import org.sqlite.SQLiteException;
import org.sqlite.SQLiteLimits;

/**
 * A {@link Store} over one SQLite file. Writes go through one connection, one transaction per call; reads share
 * a small pool of read-only connections, which WAL mode lets run while a write is in progress.
 */
final class SqliteStore implements Store {

  static final String APPEND = "INSERT INTO deduce_requests (request_id, model, requested_version, version, "
      + "status, submitted_at, deadline, idempotency_key, inputs, attempts) "
      + "VALUES (?, ?, ?, ?, 'PENDING', ?, ?, ?, ?, 0) ON CONFLICT (request_id) DO NOTHING";

  // The WHERE on the upsert is what makes the first outcome win. APPEND and COMPLETE are package-private so that
  // the raw JDBC baseline benchmark runs exactly this SQL.
  static final String COMPLETE = "INSERT INTO deduce_requests (" + Rows.COLUMNS + ") "
      + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (request_id) DO UPDATE SET "
      + "version = excluded.version, status = excluded.status, outputs = excluded.outputs, "
      + "error_kind = excluded.error_kind, error = excluded.error, completed_at = excluded.completed_at, "
      + "attempts = excluded.attempts WHERE deduce_requests.status = 'PENDING'";

  private static final String GET = "SELECT " + Rows.COLUMNS + " FROM deduce_requests WHERE request_id = ?";

  private static final String PENDING = "SELECT " + Rows.COLUMNS + " FROM deduce_requests "
      + "WHERE status = 'PENDING' ORDER BY submitted_at, request_id";

  private static final StoreCapabilities CAPABILITIES = new StoreCapabilities(Optional.of("sql"), false);

  private final Path file;
  private final SqliteOptions options;
  private final ReentrantLock writeLock = new ReentrantLock();
  private final Connection writer;
  private final PreparedStatement begin;
  private final PreparedStatement commit;
  private final PreparedStatement rollback;
  private final PreparedStatement append;
  private final PreparedStatement complete;
  private final BlockingQueue<Reader> readers;
  private final AtomicBoolean closed = new AtomicBoolean();

  private SqliteStore(Path file, SqliteOptions options, Connection writer, List<Reader> readers)
      throws SQLException {
    this.file = file;
    this.options = options;
    this.writer = writer;
    this.begin = writer.prepareStatement("BEGIN IMMEDIATE");
    this.commit = writer.prepareStatement("COMMIT");
    this.rollback = writer.prepareStatement("ROLLBACK");
    this.append = writer.prepareStatement(APPEND);
    this.complete = writer.prepareStatement(COMPLETE);
    this.readers = new ArrayBlockingQueue<>(readers.size(), false, readers);
  }

  /** Opens (creating if absent) the store at {@code config.location()}. */
  static SqliteStore open(StoreConfig config) {
    Path file = DatabaseFile.check(config.location());
    SqliteOptions options = SqliteOptions.parse(config.options(), file);
    Connection writer = null;
    List<Reader> readers = new ArrayList<>();
    try {
      writer = connect(file, options, false);
      Schema.checkVersion(writer, file);
      try (Statement s = writer.createStatement()) {
        try (ResultSet rs = s.executeQuery("PRAGMA journal_mode = WAL")) {
          String mode = rs.next() ? rs.getString(1) : "";
          if (!"wal".equalsIgnoreCase(mode)) {
            throw new StoreException("cannot open SQLite store at " + file + ": SQLite kept journal mode '" + mode
                + "'; expected WAL, which needs a local file system with shared memory");
          }
        }
        // the value comes from the validated options: NORMAL or FULL
        s.execute("PRAGMA synchronous = " + options.synchronous());
      }
      Schema.migrate(writer, file);
      for (int i = 0; i < options.readers(); i++) {
        readers.add(new Reader(connect(file, options, true)));
      }
      return new SqliteStore(file, options, writer, readers);
    } catch (SQLException e) {
      closeAll(writer, readers, e);
      throw openFailure(file, options, e);
    } catch (RuntimeException e) {
      closeAll(writer, readers, e);
      throw e;
    }
  }

  private static Connection connect(Path file, SqliteOptions options, boolean readOnly) throws SQLException {
    SQLiteConfig config = new SQLiteConfig();
    config.setBusyTimeout(options.busyTimeoutMillis());
    config.setReadOnly(readOnly);
    SQLiteConnection c = (SQLiteConnection) config.createConnection("jdbc:sqlite:" + file);
    if (readOnly) {
      try (Statement s = c.createStatement()) {
        s.execute("PRAGMA query_only = ON");
      }
      // no ATTACH: user queries see the Deduce tables and nothing else
      c.setLimit(SQLiteLimits.SQLITE_LIMIT_ATTACHED, 0);
    }
    return c;
  }

  // ------------------------------------------------------------------------------------------------ writes

  @Override
  public void append(List<RequestRecord> requests) {
    Objects.requireNonNull(requests, "requests must not be null");
    if (requests.isEmpty()) {
      return;
    }
    byte[][] inputs = new byte[requests.size()][];
    for (int i = 0; i < inputs.length; i++) {
      RequestRecord r = requests.get(i);
      if (r == null) {
        throw new NullPointerException("requests[" + i + "] is null; expected a RequestRecord");
      }
      inputs[i] = TensorCodec.encode(r.inputs());
      checkSize(r.requestId(), inputs[i].length + Rows.textBytes(r));
    }
    write("append " + inputs.length + " request(s)", append, () -> {
      for (int i = 0; i < inputs.length; i++) {
        RequestRecord r = requests.get(i);
        append.setString(1, r.requestId());
        append.setString(2, r.model());
        append.setString(3, r.version());
        append.setString(4, r.version());
        append.setLong(5, Rows.nanos(r.submittedAt(), "submittedAt", r.requestId(), file));
        append.setLong(6, Rows.deadlineNanos(r.deadline()));
        append.setString(7, r.idempotencyKey());
        append.setBytes(8, inputs[i]);
        append.addBatch();
      }
      append.executeBatch();
    });
  }

  @Override
  public void complete(List<ResultRecord> results) {
    Objects.requireNonNull(results, "results must not be null");
    if (results.isEmpty()) {
      return;
    }
    byte[][] inputs = new byte[results.size()][];
    byte[][] outputs = new byte[results.size()][];
    for (int i = 0; i < inputs.length; i++) {
      ResultRecord r = results.get(i);
      if (r == null) {
        throw new NullPointerException("results[" + i + "] is null; expected a ResultRecord");
      }
      inputs[i] = TensorCodec.encode(r.request().inputs());
      outputs[i] = TensorCodec.encode(r.outputs());
      checkSize(r.requestId(), inputs[i].length + outputs[i].length + Rows.textBytes(r.request())
          + Rows.utf8Length(r.version()) + Rows.utf8Length(r.error()));
    }
    write("complete " + inputs.length + " result(s)", complete, () -> {
      for (int i = 0; i < inputs.length; i++) {
        ResultRecord r = results.get(i);
        RequestRecord q = r.request();
        complete.setString(1, q.requestId());
        complete.setString(2, q.model());
        complete.setString(3, q.version());
        complete.setString(4, r.version());
        complete.setString(5, r.status().name());
        complete.setLong(6, Rows.nanos(q.submittedAt(), "submittedAt", q.requestId(), file));
        complete.setLong(7, Rows.deadlineNanos(q.deadline()));
        complete.setString(8, q.idempotencyKey());
        complete.setBytes(9, inputs[i]);
        complete.setBytes(10, outputs[i]);
        complete.setString(11, r.errorKind() == null ? null : r.errorKind().name());
        complete.setString(12, r.error());
        complete.setLong(13, Rows.nanos(r.completedAt(), "completedAt", q.requestId(), file));
        complete.setInt(14, r.attempts());
        complete.addBatch();
      }
      complete.executeBatch();
    });
  }

  // An oversize record is the caller's mistake, not a store failure: retrying it cannot succeed.
  private void checkSize(String requestId, long bytes) {
    if (bytes > options.maxRecordBytes()) {
      throw new IllegalArgumentException("request " + requestId + " is " + bytes + " bytes encoded; the SQLite store at "
          + file + " accepts records of at most " + options.maxRecordBytes() + " bytes (option "
          + SqliteOptions.MAX_RECORD_BYTES + "). Nothing in this batch was written.");
    }
  }

  private interface SqlWork {
    void run() throws SQLException;
  }

  /** Runs {@code work} in one write transaction; on any failure nothing of it is kept. */
  private void write(String action, PreparedStatement batch, SqlWork work) {
    writeLock.lock();
    try {
      ensureOpen();
      begin.execute();
      try {
        work.run();
        commit.execute();
      } catch (SQLException | RuntimeException e) {
        try {
          rollback.execute();
        } catch (SQLException r) {
          e.addSuppressed(r);
        }
        throw e;
      } finally {
        batch.clearBatch();
      }
    } catch (SQLException e) {
      throw failure(action, e);
    } finally {
      writeLock.unlock();
    }
  }

  // ------------------------------------------------------------------------------------------------ reads

  @Override
  public Optional<StoredRequest> get(String requestId) {
    Objects.requireNonNull(requestId, "requestId must not be null");
    return read("get request " + requestId, r -> {
      PreparedStatement ps = r.prepare(GET);
      ps.setString(1, requestId);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(Rows.read(rs, file)) : Optional.<StoredRequest>empty();
      }
    });
  }

  @Override
  public List<RequestRecord> pending() {
    return read("list pending requests", r -> {
      List<RequestRecord> out = new ArrayList<>();
      try (ResultSet rs = r.prepare(PENDING).executeQuery()) {
        while (rs.next()) {
          out.add(Rows.read(rs, file).request());
        }
      }
      return out;
    });
  }

  @Override
  public Page<StoredRequest> history(HistoryQuery query) {
    Objects.requireNonNull(query, "query must not be null");
    PageToken after = PageToken.decode(query);
    StringBuilder sql = new StringBuilder("SELECT ").append(Rows.COLUMNS).append(" FROM deduce_requests");
    List<Object> args = new ArrayList<>();
    List<String> where = new ArrayList<>();
    if (query.model() != null) {
      where.add("model = ?");
      args.add(query.model());
    }
    if (query.version() != null) {
      where.add("version = ?");
      args.add(query.version());
    }
    if (query.status() != null) {
      where.add("status = ?");
      args.add(query.status().name());
    }
    if (query.from() != null) {
      where.add("submitted_at >= ?");
      args.add(Rows.deadlineNanos(query.from()));
    }
    if (query.to() != null) {
      where.add("submitted_at < ?");
      args.add(Rows.deadlineNanos(query.to()));
    }
    if (after != null) {
      where.add("(submitted_at, request_id) < (?, ?)");
      args.add(after.submittedAt());
      args.add(after.requestId());
    }
    if (!where.isEmpty()) {
      sql.append(" WHERE ").append(String.join(" AND ", where));
    }
    sql.append(" ORDER BY submitted_at DESC, request_id DESC LIMIT ?");
    args.add((long) query.pageSize() + 1);
    return read("query history", r -> {
      PreparedStatement ps = r.prepare(sql.toString());
      for (int i = 0; i < args.size(); i++) {
        Object a = args.get(i);
        if (a instanceof Long l) {
          ps.setLong(i + 1, l);
        } else {
          ps.setString(i + 1, (String) a);
        }
      }
      List<StoredRequest> items = new ArrayList<>();
      boolean more = false;
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          if (items.size() == query.pageSize()) {
            more = true;
            break;
          }
          items.add(Rows.read(rs, file));
        }
      }
      Optional<String> next = Optional.empty();
      if (more) {
        StoredRequest last = items.get(items.size() - 1);
        next = Optional.of(new PageToken(Rows.nanos(last.request().submittedAt(), "submittedAt",
            last.requestId(), file), last.requestId()).encode(query));
      }
      return new Page<>(items, next);
    });
  }

  @Override
  public StoreCapabilities capabilities() {
    return CAPABILITIES;
  }

  /**
   * Runs one read-only SQL statement ({@code SELECT}, {@code WITH}, {@code VALUES} or {@code EXPLAIN}) over
   * {@code deduce_requests} on a connection opened read-only. Times are epoch nanoseconds, tensors are
   * {@link TensorCodec} blobs returned as {@code byte[]}, integers as {@code Long}.
   */
  @Override
  public List<Map<String, Object>> query(String text, Map<String, Object> params) {
    Objects.requireNonNull(text, "query text must not be null");
    Objects.requireNonNull(params, "query params must not be null; pass Map.of() for none");
    checkReadOnlyStatement(text);
    SqlParameters parameters = SqlParameters.scan(text);
    return read("run query", r -> {
      try (PreparedStatement ps = r.connection.prepareStatement(text)) {
        parameters.bind(ps, params);
        try (ResultSet rs = executeQuery(ps)) {
          ResultSetMetaData meta = rs.getMetaData();
          String[] names = columnNames(meta);
          List<Map<String, Object>> rows = new ArrayList<>();
          while (rs.next()) {
            if (rows.size() == options.maxQueryRows()) {
              throw new StoreException("query on SQLite store at " + file + " returned more than "
                  + options.maxQueryRows() + " rows; expected at most that many (option "
                  + SqliteOptions.MAX_QUERY_ROWS + "). Add a LIMIT or narrow the query.");
            }
            Map<String, Object> row = new LinkedHashMap<>();
            for (int i = 0; i < names.length; i++) {
              Object v = rs.getObject(i + 1);
              row.put(names[i], v instanceof Integer n ? Long.valueOf(n) : v);
            }
            rows.add(Collections.unmodifiableMap(row));
          }
          return Collections.unmodifiableList(rows);
        }
      }
    });
  }

  /**
   * sqlite-jdbc refuses, before running it, a statement that yields no columns (e.g. {@code WITH ... DELETE}); that
   * refusal is reported as the caller's mistake rather than a store failure.
   */
  private static ResultSet executeQuery(PreparedStatement ps) throws SQLException {
    try {
      return ps.executeQuery();
    } catch (SQLException e) {
      if (!(e instanceof SQLiteException) && String.valueOf(e.getMessage()).startsWith("Query does not return")) {
        throw new IllegalArgumentException("the statement returns no rows; expected a read-only statement that "
            + "returns rows, such as SELECT", e);
      }
      throw e;
    }
  }

  private static String[] columnNames(ResultSetMetaData meta) throws SQLException {
    String[] names = new String[meta.getColumnCount()];
    for (int i = 0; i < names.length; i++) {
      String base = meta.getColumnLabel(i + 1);
      String name = base;
      // a join may repeat a column name; later ones get a suffix instead of hiding the first
      for (int k = 2; contains(names, i, name); k++) {
        name = base + "_" + k;
      }
      names[i] = name;
    }
    return names;
  }

  private static boolean contains(String[] names, int upTo, String name) {
    for (int i = 0; i < upTo; i++) {
      if (names[i].equals(name)) {
        return true;
      }
    }
    return false;
  }

  private static void checkReadOnlyStatement(String text) {
    int i = 0;
    int n = text.length();
    while (i < n) {
      char c = text.charAt(i);
      if (Character.isWhitespace(c) || c == '(') {
        i++;
      } else if (text.startsWith("--", i)) {
        int end = text.indexOf('\n', i);
        i = end < 0 ? n : end + 1;
      } else if (text.startsWith("/*", i)) {
        int end = text.indexOf("*/", i + 2);
        i = end < 0 ? n : end + 2;
      } else {
        break;
      }
    }
    int j = i;
    while (j < n && Character.isLetter(text.charAt(j))) {
      j++;
    }
    String keyword = text.substring(i, j).toUpperCase(Locale.ROOT);
    if (!List.of("SELECT", "WITH", "VALUES", "EXPLAIN").contains(keyword)) {
      throw new IllegalArgumentException("query() runs read-only statements; got '"
          + (keyword.isEmpty() ? text.strip() : keyword) + "', expected one starting with SELECT, WITH, VALUES or "
          + "EXPLAIN");
    }
  }

  private interface ReadWork<T> {
    T run(Reader reader) throws SQLException;
  }

  private <T> T read(String action, ReadWork<T> work) {
    Reader reader = borrow();
    try {
      return work.run(reader);
    } catch (SQLException e) {
      throw failure(action, e);
    } finally {
      release(reader);
    }
  }

  private Reader borrow() {
    try {
      while (true) {
        ensureOpen();
        Reader r = readers.poll(50, TimeUnit.MILLISECONDS);
        if (r != null) {
          return r;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted while waiting for a reader of SQLite store at " + file, e);
    }
  }

  private void release(Reader reader) {
    if (closed.get()) {
      closeQuietly(reader);
    } else {
      readers.add(reader);
      // close() may have drained the pool between the check and the add
      if (closed.get() && readers.remove(reader)) {
        closeQuietly(reader);
      }
    }
  }

  // ------------------------------------------------------------------------------------------------ lifecycle

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    StoreException failure = null;
    writeLock.lock();
    try (Statement s = writer.createStatement()) {
      // keeps the query planner's statistics current for users' own SQL
      s.execute("PRAGMA optimize");
    } catch (SQLException e) {
      failure = failure("optimize on close", e);
    } finally {
      try {
        for (PreparedStatement ps : List.of(begin, commit, rollback, append, complete)) {
          ps.close();
        }
        writer.close();
      } catch (SQLException e) {
        failure = failure("close", e);
      } finally {
        writeLock.unlock();
      }
    }
    Reader r;
    while ((r = readers.poll()) != null) {
      closeQuietly(r);
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** The writer's {@code PRAGMA synchronous}: 1 for NORMAL, 2 for FULL. */
  int synchronousLevel() {
    writeLock.lock();
    try {
      ensureOpen();
      return Schema.pragmaInt(writer, "synchronous");
    } catch (SQLException e) {
      throw failure("read the synchronous setting", e);
    } finally {
      writeLock.unlock();
    }
  }

  private void ensureOpen() {
    if (closed.get()) {
      throw new StoreException("SQLite store at " + file + " is closed; expected an open store");
    }
  }

  // ------------------------------------------------------------------------------------------------ errors

  private StoreException failure(String action, SQLException e) {
    return new StoreException("could not " + action + " in SQLite store at " + file + ": " + explain(e, options), e);
  }

  private static StoreException openFailure(Path file, SqliteOptions options, SQLException e) {
    return new StoreException("cannot open SQLite store at " + file + ": " + explain(e, options), e);
  }

  private static String explain(SQLException e, SqliteOptions options) {
    int code = e instanceof SQLiteException s ? s.getResultCode().code & 0xff : -1;
    String sqlite = e.getMessage();
    switch (code) {
      case 5: // SQLITE_BUSY
      case 6: // SQLITE_LOCKED
        return "the database is locked by another process or connection (waited " + options.busyTimeoutMillis()
            + " ms, option " + SqliteOptions.BUSY_TIMEOUT_MILLIS + "); expected no other process to hold an "
            + "exclusive or write lock on it [" + sqlite + "]";
      case 8: // SQLITE_READONLY
        return "the database is read-only; expected a writable file, or (for query()) a statement that only "
            + "reads [" + sqlite + "]";
      case 11: // SQLITE_CORRUPT
        return "the database file is corrupt [" + sqlite + "]";
      case 13: // SQLITE_FULL
        return "the disk is full [" + sqlite + "]";
      case 14: // SQLITE_CANTOPEN
        return "SQLite cannot open the file [" + sqlite + "]";
      case 26: // SQLITE_NOTADB
        return "the file is not an SQLite database [" + sqlite + "]";
      default:
        return sqlite;
    }
  }

  private static void closeAll(Connection writer, List<Reader> readers, Exception cause) {
    for (Reader r : readers) {
      try {
        r.close();
      } catch (SQLException e) {
        cause.addSuppressed(e);
      }
    }
    if (writer != null) {
      try {
        writer.close();
      } catch (SQLException e) {
        cause.addSuppressed(e);
      }
    }
  }

  private static void closeQuietly(Reader reader) {
    try {
      reader.close();
    } catch (SQLException e) {
      // the store is closing; a reader that fails to close holds no write lock and loses nothing
    }
  }
}

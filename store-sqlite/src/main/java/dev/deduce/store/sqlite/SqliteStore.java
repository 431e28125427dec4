package dev.deduce.store.sqlite;

import dev.deduce.api.RequestStatus;
import dev.deduce.api.StoreException;
import dev.deduce.spi.HistoryQuery;
import dev.deduce.spi.NativeQuery;
import dev.deduce.spi.Page;
import dev.deduce.spi.PageCursor;
import dev.deduce.spi.RequestRecord;
import dev.deduce.spi.ResultRecord;
import dev.deduce.spi.Store;
import dev.deduce.spi.StoreConfig;
import dev.deduce.spi.StoredRequest;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteConnection;
import org.sqlite.SQLiteLimits;

/**
 * A {@link Store} over one SQLite file. Writes go through one connection, one transaction per call; reads share
 * a small pool of read-only connections, which WAL mode lets run while a write is in progress.
 */
final class SqliteStore implements Store, NativeQuery {

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

  private final Path file;
  private final SqliteOptions options;
  private final Writer writer;
  private final Batches batches;
  private final BlockingQueue<Reader> readers;
  private final AtomicBoolean closed = new AtomicBoolean();

  private SqliteStore(Path file, SqliteOptions options, Connection writer, List<Reader> readers)
      throws SQLException {
    this.file = file;
    this.options = options;
    this.writer = new Writer(writer, APPEND, COMPLETE, this::ensureOpen);
    this.batches = new Batches(file, options.maxRecordBytes());
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
    Writer.Batch appends = batches.appends(requests);
    if (appends != null) {
      write("append " + requests.size() + " request(s)", () -> writer.write(appends, null));
    }
  }

  @Override
  public void complete(List<ResultRecord> results) {
    Writer.Batch outcomes = batches.results(results);
    if (outcomes != null) {
      write("complete " + results.size() + " result(s)", () -> writer.write(null, outcomes));
    }
  }

  /** One transaction, so one sync under {@code synchronous = FULL}, for both. */
  @Override
  public void appendAndComplete(List<RequestRecord> requests, List<ResultRecord> results) {
    Writer.Batch appends = batches.appends(requests);
    Writer.Batch outcomes = batches.results(results);
    if (appends != null || outcomes != null) {
      write("append " + requests.size() + " request(s) and complete " + results.size() + " result(s)",
          () -> writer.write(appends, outcomes));
    }
  }

  private interface SqlWork {
    void run() throws SQLException;
  }

  private void write(String action, SqlWork work) {
    try {
      work.run();
    } catch (SQLException e) {
      throw failure(action, e);
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
    Optional<PageCursor> after = PageCursor.from(query);
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
    if (after.isPresent()) {
      // row values compare request ids as BINARY text, i.e. in UTF-8 byte order: PageCursor.NEWEST_FIRST's order
      where.add("(submitted_at, request_id) < (?, ?)");
      args.add(Rows.deadlineNanos(after.get().submittedAt()));
      args.add(after.get().requestId());
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
      List<StoredRequest> fetched = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          fetched.add(Rows.read(rs, file));
        }
      }
      return PageCursor.page(query, fetched);
    });
  }

  /** SQL over {@code deduce_requests}: see {@link #query}. */
  @Override
  public Optional<NativeQuery> nativeQuery() {
    return Optional.of(this);
  }

  @Override
  public String language() {
    return "sql";
  }

  /**
   * Runs one read-only SQL statement ({@code SELECT}, {@code WITH}, {@code VALUES} or {@code EXPLAIN}) over
   * {@code deduce_requests} on a connection opened read-only; text with a second statement after a {@code ;} is
   * refused. Times are epoch nanoseconds, tensors are {@link TensorCodec} blobs returned as {@code byte[]},
   * integers as {@code Long}.
   */
  @Override
  public List<Map<String, Object>> query(String text, Map<String, Object> params) {
    Objects.requireNonNull(text, "query text must not be null");
    Objects.requireNonNull(params, "query params must not be null; pass Map.of() for none");
    SqlParameters parameters = UserQuery.check(text);
    return read("run query", r -> {
      try (PreparedStatement ps = r.connection.prepareStatement(text)) {
        parameters.bind(ps, params);
        return UserQuery.rows(ps, options.maxQueryRows(), file);
      }
    });
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
    try {
      writer.close();
    } catch (SQLException e) {
      failure = failure("close", e);
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
    return pragma("synchronous");
  }

  /** The database's size in pages; with {@link #limitPages} lets a test fill the "disk" without root. */
  int pageCount() {
    return pragma("page_count");
  }

  /** Caps the database at {@code pages} pages ({@code PRAGMA max_page_count}), as a full disk would. */
  void limitPages(int pages) {
    pragma("max_page_count = " + pages);
  }

  private int pragma(String pragma) {
    try {
      return writer.pragmaInt(pragma);
    } catch (SQLException e) {
      throw failure("run PRAGMA " + pragma, e);
    }
  }

  private void ensureOpen() {
    if (closed.get()) {
      throw new StoreException("SQLite store at " + file + " is closed; expected an open store");
    }
  }

  // ------------------------------------------------------------------------------------------------ errors

  private StoreException failure(String action, SQLException e) {
    return new StoreException("could not " + action + " in SQLite store at " + file + ": " + SqliteErrors.explain(e, options), e);
  }

  private static StoreException openFailure(Path file, SqliteOptions options, SQLException e) {
    return new StoreException("cannot open SQLite store at " + file + ": " + SqliteErrors.explain(e, options), e);
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

package dev.deduce.store.sqlite;

import static dev.deduce.store.sqlite.Records.config;
import static dev.deduce.store.sqlite.Records.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.api.StoreException;
import dev.deduce.spi.Store;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the store does with the database file itself: format, schema versions, and files it must refuse. */
class SqliteFileTest {

  @TempDir
  Path dir;

  private final SqliteStoreProvider provider = new SqliteStoreProvider();

  @Test
  void newDatabaseIsInWalModeWithSchemaVersionAndApplicationId() throws Exception {
    Path file = dir.resolve("d.db");
    provider.open(config(file)).close();

    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
      assertThat(text(s, "PRAGMA journal_mode")).isEqualTo("wal");
      assertThat(text(s, "PRAGMA user_version")).isEqualTo(String.valueOf(Schema.LATEST));
      assertThat(text(s, "PRAGMA application_id")).isEqualTo(String.valueOf(Schema.APPLICATION_ID));
      assertThat(text(s, "PRAGMA integrity_check")).isEqualTo("ok");
    }
  }

  @Test
  void synchronousIsFullByDefaultAsTheStoreContractPromisesAndNormalWhenAsked() {
    try (SqliteStore normal = SqliteStore.open(config(dir.resolve("n.db"), Map.of("synchronous", "normal")));
        SqliteStore full = SqliteStore.open(config(dir.resolve("f.db")))) {
      assertThat(normal.synchronousLevel()).isEqualTo(1);
      assertThat(full.synchronousLevel()).isEqualTo(2);
    }
  }

  @Test
  void reopeningACurrentDatabaseKeepsItsData() {
    Path file = dir.resolve("d.db");
    try (Store s = provider.open(config(file))) {
      s.append(List.of(request("a")));
    }
    try (Store s = provider.open(config(file))) {
      assertThat(s.get("a")).isPresent();
    }
  }

  @Test
  void newerSchemaIsRefusedNamingBothVersionsAndTheFileIsLeftUntouched() throws Exception {
    Path file = dir.resolve("future.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE deduce_requests (request_id TEXT PRIMARY KEY, something_new BLOB)");
      s.execute("PRAGMA application_id = " + Schema.APPLICATION_ID);
      s.execute("PRAGMA user_version = " + (Schema.LATEST + 1));
    }
    byte[] before = Files.readAllBytes(file);

    assertThatThrownBy(() -> provider.open(config(file)))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("schema is version " + (Schema.LATEST + 1))
        .hasMessageContaining("newer than version " + Schema.LATEST)
        .hasMessageContaining("left untouched");
    assertThat(Files.readAllBytes(file)).isEqualTo(before);
    assertThat(dir.resolve("future.db-wal")).doesNotExist();
  }

  @Test
  void anotherApplicationsDatabaseIsRefusedAndLeftUntouched() throws Exception {
    Path file = dir.resolve("app.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE users (id INTEGER)");
      s.execute("PRAGMA application_id = 1234");
    }
    byte[] before = Files.readAllBytes(file);

    assertThatThrownBy(() -> provider.open(config(file)))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("belongs to another application");
    assertThat(Files.readAllBytes(file)).isEqualTo(before);
  }

  @Test
  void pathInAMissingDirectoryIsRefusedAndTheDirectoryIsNotCreated() {
    Path file = dir.resolve("missing").resolve("d.db");
    assertThatThrownBy(() -> provider.open(config(file)))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("directory " + dir.resolve("missing") + " does not exist");
    assertThat(dir.resolve("missing")).doesNotExist();
  }

  @Test
  void locationThatIsADirectoryIsRefused() {
    assertThatThrownBy(() -> provider.open(config(dir)))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining(dir.toString())
        .hasMessageContaining("is a directory; expected a database file");
  }

  @Test
  void readOnlyFileIsRefusedAndLeftUntouched() throws Exception {
    Path file = dir.resolve("ro.db");
    try (Store s = provider.open(config(file))) {
      s.append(List.of(request("a")));
    }
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r--r--"));
    byte[] before = Files.readAllBytes(file);

    assertThatThrownBy(() -> provider.open(config(file)))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("the file is read-only; expected a writable database file");
    assertThat(Files.readAllBytes(file)).isEqualTo(before);
  }

  @Test
  void textFileIsRefusedAndItsBytesAreUnchanged() throws Exception {
    Path file = dir.resolve("notes.txt");
    byte[] text = "these are my notes, not a database\n".repeat(200).getBytes(StandardCharsets.UTF_8);
    Files.write(file, text);

    assertThatThrownBy(() -> provider.open(config(file)))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("not an SQLite database");
    assertThat(Files.readAllBytes(file)).isEqualTo(text);
    try (var files = Files.list(dir)) {
      assertThat(files).containsExactly(file);
    }
  }

  @Test
  void shortNonDatabaseFileIsRefused() throws Exception {
    Path file = dir.resolve("tiny");
    Files.write(file, new byte[] {1, 2, 3});
    assertThatThrownBy(() -> provider.open(config(file)))
        .isInstanceOf(StoreException.class).hasMessageContaining("not an SQLite database");
    assertThat(Files.readAllBytes(file)).containsExactly(1, 2, 3);
  }

  @Test
  void databaseLockedByAnotherProcessFailsWithinTheBusyTimeout() throws Exception {
    Path file = dir.resolve("locked.db");
    try (Store s = provider.open(config(file))) {
      s.append(List.of(request("kept")));
    }
    Process holder = ChildJvm.start(LockHolder.class, file.toString());
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
      assertThat(out.readLine()).isEqualTo("locked");

      long start = System.nanoTime();
      assertThatThrownBy(() -> provider.open(config(file, Map.of("busyTimeoutMillis", "300"))))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining(file.toString())
          .hasMessageContaining("locked by another process")
          .hasMessageContaining("waited 300 ms");
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(10_000);
    } finally {
      holder.getOutputStream().close();
      if (!holder.waitFor(10, TimeUnit.SECONDS)) {
        holder.destroyForcibly().waitFor();
      }
    }
    try (Store s = provider.open(config(file))) {
      assertThat(s.get("kept")).as("the lock holder's rolled-back work left our data alone").isPresent();
    }
  }

  @Test
  void rowCorruptedByAnotherToolIsReportedNamingRequestAndFile() throws Exception {
    Path file = dir.resolve("d.db");
    try (Store s = provider.open(config(file))) {
      s.append(List.of(request("bad"), request("good")));
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
          Statement st = c.createStatement()) {
        st.execute("UPDATE deduce_requests SET inputs = x'00010203' WHERE request_id = 'bad'");
      }

      assertThatThrownBy(() -> s.get("bad"))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("request bad in SQLite store at " + file + " is corrupt")
          .hasMessageContaining("DDT1");
      assertThat(s.get("good")).isPresent();
    }
  }

  @Test
  void unknownOrOutOfRangeOptionsAreRefusedNamingTheFile() {
    Path file = dir.resolve("d.db");
    assertThatThrownBy(() -> provider.open(config(file, Map.of("synchronus", "FULL"))))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("unknown option 'synchronus'");
    assertThatThrownBy(() -> provider.open(config(file, Map.of("synchronous", "OFF"))))
        .hasMessageContaining("option synchronous is 'OFF'; expected NORMAL or FULL");
    assertThatThrownBy(() -> provider.open(config(file, Map.of("readers", "0"))))
        .hasMessageContaining("option readers is 0; expected 1 to 64");
    assertThatThrownBy(() -> provider.open(config(file, Map.of("maxRecordBytes", "lots"))))
        .hasMessageContaining("option maxRecordBytes is 'lots'; expected a whole number");
    assertThat(file).doesNotExist();
  }

  private static String text(Statement s, String sql) throws Exception {
    try (ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }
}

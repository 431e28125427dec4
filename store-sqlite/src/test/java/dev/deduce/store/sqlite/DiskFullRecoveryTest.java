package dev.deduce.store.sqlite;

import static dev.deduce.store.sqlite.Records.config;
import static dev.deduce.store.sqlite.Records.done;
import static dev.deduce.store.sqlite.Records.doneWithBytes;
import static dev.deduce.store.sqlite.Records.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.api.NamedTensors;
import dev.deduce.api.RequestStatus;
import dev.deduce.api.StoreException;
import dev.deduce.spi.RequestRecord;
import dev.deduce.spi.StoredRequest;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A full disk, made without root by capping the database's page count on the write connection. */
class DiskFullRecoveryTest {

  @TempDir
  Path dir;

  SqliteStore store;

  @BeforeEach
  void open() {
    store = SqliteStore.open(config(dir.resolve("deduce.db")));
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void everyWriteWhileTheDiskIsFullSaysTheDiskIsFull() {
    store.append(List.of(request("before")));
    store.limitPages(store.pageCount());
    RequestRecord big = request("big");

    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> store.complete(List.of(doneWithBytes(big, 256 * 1024))))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("could not complete 1 result(s)")
          .hasMessageContaining("the disk is full");
    }
    assertThat(store.get("big")).isEmpty();
  }

  @Test
  void writesSucceedAgainOnceSpaceIsBackAfterDiskFull() {
    store.append(List.of(request("before")));
    store.limitPages(store.pageCount());
    RequestRecord big = request("big");
    assertThatThrownBy(() -> store.complete(List.of(doneWithBytes(big, 256 * 1024))))
        .hasMessageContaining("the disk is full");
    // a failure SQLite does not roll back by itself, after the disk-full one it did
    RequestRecord unstorable = new RequestRecord("late", "m", "1", NamedTensors.empty(),
        Instant.parse("2300-01-01T00:00:00Z"), Instant.MAX, null);
    assertThatThrownBy(() -> store.append(List.of(unstorable))).isInstanceOf(IllegalArgumentException.class);

    store.limitPages(Integer.MAX_VALUE);
    store.append(List.of(request("after")));
    store.complete(List.of(doneWithBytes(big, 256 * 1024), done(request("before"))));

    assertThat(store.get("after")).map(StoredRequest::status).contains(RequestStatus.PENDING);
    assertThat(store.get("big")).map(StoredRequest::status).contains(RequestStatus.DONE);
    assertThat(store.get("before")).map(StoredRequest::status).contains(RequestStatus.DONE);
    assertThat(store.get("late")).isEmpty();
  }
}

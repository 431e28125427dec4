package dev.deduce.store.cozo;

import dev.deduce.spi.StoreConfig;
import java.util.List;
import java.util.Set;

/**
 * The store options this plugin reads, validated once at open.
 *
 * @param embeddingOutput      the result output indexed for vector search, or null for none
 * @param embeddingDim         its element count
 * @param embeddingDistance    Cozo's HNSW distance: L2, Cosine or IP
 * @param snapshotJournalBytes bytes of commits since the last snapshot that trigger a new one
 * @param maxRecordBytes       the largest encoded inputs or outputs of one record
 * @param snapshotSeconds      seconds after which commits not yet in a snapshot trigger one
 * @param runner               the WebAssembly runtime that runs Cozo
 * @param embeddingBatch       the most embeddings the background indexer puts into the HNSW index at once
 * @param compactMinBytes      the data log size below which it is never compacted
 * @param readCacheRows        the most recently read request rows kept in memory for the next read of them
 */
record CozoStoreOptions(String embeddingOutput, int embeddingDim, String embeddingDistance,
    long snapshotJournalBytes, long maxRecordBytes, long snapshotSeconds, CozoRunners runner, int embeddingBatch, long compactMinBytes,
    int readCacheRows) {

  static final String EMBEDDING_OUTPUT = "embedding.output";
  static final String EMBEDDING_DIM = "embedding.dim";
  static final String EMBEDDING_DISTANCE = "embedding.distance";
  static final String SNAPSHOT_JOURNAL_BYTES = "snapshot.journalBytes";
  static final String MAX_RECORD_BYTES = "maxRecordBytes";
  static final String SNAPSHOT_SECONDS = "snapshot.seconds";
  static final String RUNNER = "runner";
  static final String EMBEDDING_BATCH = "embedding.batch";
  static final String COMPACT_MIN_BYTES = "compact.minBytes";
  static final String READ_CACHE_ROWS = "readCache.rows";
  private static final Set<String> KNOWN = Set.of(EMBEDDING_OUTPUT, EMBEDDING_DIM, EMBEDDING_DISTANCE,
      SNAPSHOT_JOURNAL_BYTES, MAX_RECORD_BYTES, SNAPSHOT_SECONDS, RUNNER, EMBEDDING_BATCH, COMPACT_MIN_BYTES,
      READ_CACHE_ROWS);
  // a log record's length is an int; leave room for its kind byte
  private static final int MAX_RECORD_LIMIT = Integer.MAX_VALUE - 1024;
  private static final int MAX_DIM = 65_536;

  static CozoStoreOptions from(StoreConfig config) {
    for (String key : config.options().keySet()) {
      if (!KNOWN.contains(key)) {
        throw new IllegalArgumentException("unknown Cozo store option '" + key + "'; expected one of "
            + String.join(", ", KNOWN.stream().sorted().toList()));
      }
    }
    String output = config.option(EMBEDDING_OUTPUT, null);
    if (output != null && output.isBlank()) {
      throw new IllegalArgumentException(EMBEDDING_OUTPUT + " is blank; expected an output name");
    }
    String dimText = config.option(EMBEDDING_DIM, null);
    if ((output == null) != (dimText == null)) {
      throw new IllegalArgumentException(EMBEDDING_OUTPUT + " and " + EMBEDDING_DIM + " go together; got only "
          + (output == null ? EMBEDDING_DIM : EMBEDDING_OUTPUT));
    }
    int dim = 0;
    if (dimText != null) {
      dim = parse(EMBEDDING_DIM, dimText, 1, MAX_DIM);
    }
    String distance = config.option(EMBEDDING_DISTANCE, "L2");
    if (!Set.of("L2", "Cosine", "IP").contains(distance)) {
      throw new IllegalArgumentException(EMBEDDING_DISTANCE + " is '" + distance + "'; expected L2, Cosine or IP");
    }
    long bytes = parse(SNAPSHOT_JOURNAL_BYTES, config.option(SNAPSHOT_JOURNAL_BYTES, "4194304"), 1,
        Integer.MAX_VALUE);
    long maxRecord = parse(MAX_RECORD_BYTES, config.option(MAX_RECORD_BYTES, Integer.toString(64 << 20)), 1,
        MAX_RECORD_LIMIT);
    long seconds = parse(SNAPSHOT_SECONDS, config.option(SNAPSHOT_SECONDS, "60"), 1, 86_400 * 7);
    CozoRunners runner = CozoRunners.parse(config.option(RUNNER, "auto"));
    int batch = parse(EMBEDDING_BATCH, config.option(EMBEDDING_BATCH, "16"), 1, 100_000);
    long compact = parse(COMPACT_MIN_BYTES, config.option(COMPACT_MIN_BYTES, Integer.toString(64 << 20)), 1,
        Integer.MAX_VALUE);
    int cacheRows = parse(READ_CACHE_ROWS, config.option(READ_CACHE_ROWS, "4096"), 0, 1 << 24);
    return new CozoStoreOptions(output, dim, distance, bytes, maxRecord, seconds, runner, batch, compact,
        cacheRows);
  }

  /** The relations a snapshot holds. */
  List<String> relations() {
    return embeddingOutput == null ? List.of("deduce_request") : List.of("deduce_request", "deduce_vector");
  }

  private static int parse(String key, String text, int min, int max) {
    try {
      int v = Integer.parseInt(text.strip());
      if (v >= min && v <= max) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below with the expected range
    }
    throw new IllegalArgumentException(key + " is '" + text + "'; expected a whole number from " + min + " to "
        + max);
  }
}

package dev.deduce.runtime;

/**
 * The name of every Micrometer meter Deduce reports, in one place. Prometheus shows them with dots as underscores
 * and a unit suffix ({@code deduce.request} becomes {@code deduce_request_seconds}).
 */
public final class MetricNames {

  /** Finished requests, tagged model, version and outcome ({@code done} or the error kind in lower case). */
  public static final String REQUESTS = "deduce.requests";
  /** Timer: submission to completion. */
  public static final String REQUEST = "deduce.request";
  /** Timer: submission until the request's batch starts running. */
  public static final String QUEUE = "deduce.queue";
  /** Timer: engine time per batch, retries included. */
  public static final String COMPUTE = "deduce.compute";
  /** Distribution: rows per engine run. */
  public static final String BATCH_SIZE = "deduce.batch.size";
  /** Gauge: requests waiting in a model's queue. */
  public static final String QUEUE_DEPTH = "deduce.queue.depth";
  /** Engine runs retried after a transient failure. */
  public static final String RETRIES = "deduce.retries";
  /** Gauge: 0 closed, 1 open, 2 half-open, 3 disabled or forced. */
  public static final String CIRCUIT_STATE = "deduce.circuit.state";
  /**
   * Gauge: 1 when a version's requests share engine runs, 0 when they run one by one (batching off, an unbatchable
   * signature, or answers that changed when batched; {@code DeduceRuntime.batching} says which).
   */
  public static final String BATCHING = "deduce.batching";
  /**
   * Timer: one group-commit store call, tagged op: {@code append} (DURABLE requests), {@code append_done} (DURABLE
   * requests some of which computed before their append was written, stored with those results in one call) or
   * {@code complete} (results).
   */
  public static final String STORE_WRITE = "deduce.store.write";
  /** Store calls that failed, tagged op. */
  public static final String STORE_FAILURES = "deduce.store.failures";
  /**
   * Results that will never be stored: refused by the store as malformed (and not storable as FAILED either),
   * refused because too many results already waited for a failing store (their callers got a StoreException), or
   * still unwritten when close() gave up on a stalled store.
   */
  public static final String STORE_UNSAVED = "deduce.store.unsaved";
  /** Gauge: results held in memory until the store takes them; a failing store's are retried, never dropped. */
  public static final String STORE_BACKLOG = "deduce.store.backlog";
  /** Requests answered by the response cache without running the model, tagged model and version. */
  public static final String CACHE_HITS = "deduce.cache.hits";
  /** Requests of a cache-enabled model that found no usable cached result and ran, tagged model and version. */
  public static final String CACHE_MISSES = "deduce.cache.misses";
  /**
   * Requests a model handed to its fallback, tagged model, version, fallback and reason ({@code circuit_open},
   * {@code queue_full} or {@code deadline}).
   */
  public static final String FALLBACKS = "deduce.fallbacks";
  /** Timer: one pipeline step from its start to its outputs (queue and run), tagged pipeline and step. */
  public static final String PIPELINE_STEP = "deduce.pipeline.step";
  /** Model versions the repository loaded, tagged model, version and outcome. */
  public static final String REPOSITORY_LOADS = "deduce.repository.loads";
  /** Gauge: 1 when every model in the repository has a serving version, else 0. */
  public static final String REPOSITORY_READY = "deduce.repository.ready";
  /** Plugins that could not be used, tagged reason. */
  public static final String PLUGINS_FAILED = "deduce.plugins.failed";

  private MetricNames() {
  }
}

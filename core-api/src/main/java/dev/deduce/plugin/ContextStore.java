package dev.deduce.plugin;

import dev.deduce.spi.HistoryQuery;
import dev.deduce.spi.NativeQuery;
import dev.deduce.spi.Page;
import dev.deduce.spi.RequestRecord;
import dev.deduce.spi.ResultRecord;
import dev.deduce.spi.Store;
import dev.deduce.spi.StoredRequest;
import dev.deduce.spi.VectorSearch;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A store whose every call, the optional ones included, runs with its plugin's context class loader. */
final class ContextStore implements Store {

  private final Store delegate;
  private final ClassLoader loader;

  ContextStore(Store delegate, ClassLoader loader) {
    this.delegate = delegate;
    this.loader = loader;
  }

  @Override
  public void append(List<RequestRecord> requests) {
    ContextLoader.run(loader, () -> delegate.append(requests));
  }

  @Override
  public void complete(List<ResultRecord> results) {
    ContextLoader.run(loader, () -> delegate.complete(results));
  }

  @Override
  public void appendAndComplete(List<RequestRecord> requests, List<ResultRecord> results) {
    ContextLoader.run(loader, () -> delegate.appendAndComplete(requests, results));
  }

  @Override
  public Optional<StoredRequest> get(String requestId) {
    return ContextLoader.call(loader, () -> delegate.get(requestId));
  }

  @Override
  public List<RequestRecord> pending() {
    return ContextLoader.call(loader, delegate::pending);
  }

  @Override
  public Page<StoredRequest> history(HistoryQuery query) {
    return ContextLoader.call(loader, () -> delegate.history(query));
  }

  @Override
  public Optional<NativeQuery> nativeQuery() {
    return ContextLoader.call(loader, delegate::nativeQuery).map(q -> new NativeQuery() {
      @Override
      public String language() {
        return ContextLoader.call(loader, q::language);
      }

      @Override
      public List<Map<String, Object>> query(String text, Map<String, Object> params) {
        return ContextLoader.call(loader, () -> q.query(text, params));
      }
    });
  }

  @Override
  public Optional<VectorSearch> vectorSearch() {
    return ContextLoader.call(loader, delegate::vectorSearch)
        .map(v -> (vector, k) -> ContextLoader.call(loader, () -> v.nearest(vector, k)));
  }

  @Override
  public void close() {
    ContextLoader.run(loader, delegate::close);
  }

  @Override
  public String toString() {
    return delegate.toString();
  }
}

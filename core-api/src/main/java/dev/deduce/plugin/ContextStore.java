package dev.deduce.plugin;

import dev.deduce.spi.HistoryQuery;
import dev.deduce.spi.Neighbour;
import dev.deduce.spi.Page;
import dev.deduce.spi.RequestRecord;
import dev.deduce.spi.ResultRecord;
import dev.deduce.spi.Store;
import dev.deduce.spi.StoreCapabilities;
import dev.deduce.spi.StoredRequest;
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
  public StoreCapabilities capabilities() {
    return ContextLoader.call(loader, delegate::capabilities);
  }

  @Override
  public List<Map<String, Object>> query(String text, Map<String, Object> params) {
    return ContextLoader.call(loader, () -> delegate.query(text, params));
  }

  @Override
  public List<Neighbour> nearest(float[] vector, int k) {
    return ContextLoader.call(loader, () -> delegate.nearest(vector, k));
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

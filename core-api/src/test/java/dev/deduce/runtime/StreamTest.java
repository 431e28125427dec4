package dev.deduce.runtime;

import static dev.deduce.runtime.Fixtures.MODEL;
import static dev.deduce.runtime.Fixtures.doubled;
import static dev.deduce.runtime.Fixtures.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.api.InferenceResult;
import dev.deduce.api.InvalidInputException;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.RequestOptions;
import dev.deduce.api.StreamElement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class StreamTest {

  /** Emits a fixed list strictly on demand and records how much was asked of it. */
  static final class ListPublisher<T> implements Flow.Publisher<T> {
    final List<T> items;
    final AtomicLong requested = new AtomicLong();
    final AtomicBoolean cancelled = new AtomicBoolean();

    ListPublisher(List<T> items) {
      this.items = items;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super T> s) {
      AtomicInteger next = new AtomicInteger();
      AtomicInteger wip = new AtomicInteger();
      s.onSubscribe(new Flow.Subscription() {
        @Override
        public void request(long n) {
          requested.addAndGet(n);
          if (wip.getAndIncrement() != 0) {
            return;
          }
          do {
            while (!cancelled.get() && next.get() < items.size() && next.get() < requested.get()) {
              s.onNext(items.get(next.getAndIncrement()));
            }
            if (!cancelled.get() && next.get() == items.size()) {
              cancelled.set(true);
              s.onComplete();
            }
          } while (wip.decrementAndGet() != 0);
        }

        @Override
        public void cancel() {
          cancelled.set(true);
        }
      });
    }
  }

  /** Records what it receives; requests only when told to. */
  static final class Recorder implements Flow.Subscriber<InferenceResult> {
    final List<InferenceResult> received = new CopyOnWriteArrayList<>();
    final AtomicReference<Throwable> error = new AtomicReference<>();
    final AtomicBoolean completed = new AtomicBoolean();
    volatile Flow.Subscription subscription;

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
    }

    @Override
    public void onNext(InferenceResult item) {
      received.add(item);
    }

    @Override
    public void onError(Throwable t) {
      error.set(t);
    }

    @Override
    public void onComplete() {
      completed.set(true);
    }
  }

  private static List<NamedTensors> inputs(int n) {
    List<NamedTensors> in = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      in.add(rows(1, i * 4, 4));
    }
    return in;
  }

  @Test
  void streamPullsOnlyWhatTheSubscriberAskedForAndKeepsInputOrder() throws Exception {
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy(MODEL, "1", Fixtures.doublerModel(), Fixtures.settings().build());
      ListPublisher<NamedTensors> source = new ListPublisher<>(inputs(20));
      Recorder sink = new Recorder();
      rt.stream(MODEL, null, source, RequestOptions.defaults()).subscribe(sink);

      sink.subscription.request(3);
      Fixtures.eventually(() -> sink.received.size() == 3, "three results");
      Thread.sleep(50);
      assertThat(sink.received).hasSize(3);
      assertThat(source.requested.get()).isEqualTo(3);
      assertThat(sink.completed.get()).isFalse();

      sink.subscription.request(100);
      Fixtures.eventually(sink.completed::get, "stream completes");
      assertThat(sink.error.get()).isNull();
      assertThat(sink.received).hasSize(20);
      for (int i = 0; i < 20; i++) {
        assertThat(sink.received.get(i).output("y").toFloatArray()).containsExactly(doubled(1, i * 4, 4));
      }
      // at most stream-max-in-flight beyond what had been emitted were ever asked of the source
      assertThat(source.requested.get()).isLessThanOrEqualTo(3 + 32);
    }
  }

  @Test
  void failedRequestFailsTheStreamAfterTheResultsBeforeIt() {
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy(MODEL, "1", Fixtures.doublerModel(), Fixtures.settings().build());
      List<NamedTensors> in = inputs(5);
      in.set(2, rows(1, 0, 3));
      ListPublisher<NamedTensors> source = new ListPublisher<>(in);
      Recorder sink = new Recorder();
      rt.stream(MODEL, null, source, RequestOptions.defaults()).subscribe(sink);
      sink.subscription.request(Long.MAX_VALUE);
      Fixtures.eventually(() -> sink.error.get() != null, "stream fails");
      assertThat(sink.error.get()).isInstanceOf(InvalidInputException.class);
      assertThat(sink.received).hasSize(2);
      assertThat(source.cancelled.get()).isTrue();
      assertThat(sink.completed.get()).isFalse();
    }
  }

  @Test
  void nonPositiveRequestFailsTheStream() {
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy(MODEL, "1", Fixtures.doublerModel(), Fixtures.settings().build());
      ListPublisher<NamedTensors> source = new ListPublisher<>(inputs(3));
      Recorder sink = new Recorder();
      rt.stream(MODEL, null, source, RequestOptions.defaults()).subscribe(sink);
      sink.subscription.request(0);
      assertThat(sink.error.get()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rule 3.9");
      assertThat(source.requested.get()).isZero();
      assertThat(source.cancelled.get()).isTrue();
    }
  }

  @Test
  void aStreamWhoseSharedOptionsCarryAnIdempotencyKeyIsRefused() {
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy(MODEL, "1", Fixtures.doublerModel(), Fixtures.settings().build());
      ListPublisher<NamedTensors> source = new ListPublisher<>(inputs(3));
      RequestOptions shared = RequestOptions.builder().idempotencyKey("batch-7").build();

      assertThatThrownBy(() -> rt.stream(MODEL, null, source, shared))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("idempotency key 'batch-7' would answer every element with the first one's result")
          .hasMessageContaining("streamElements() with a key per element");
      assertThat(source.requested.get()).isZero();
    }
  }

  @Test
  void streamElementsRunEachElementWithItsOwnKeyAndTimeout() throws Exception {
    TestModel model = new TestModel(Fixtures.doublerModel());
    try (DeduceRuntime rt = Fixtures.runtime().build()) {
      rt.deploy(MODEL, "1", model, Fixtures.settings().build());
      List<StreamElement> elements = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        elements.add(StreamElement.of(rows(1, i * 4, 4), RequestOptions.builder().idempotencyKey("order-" + i)
            .timeout(Duration.ofSeconds(30)).build()));
      }
      Recorder sink = new Recorder();
      rt.streamElements(MODEL, null, new ListPublisher<>(elements)).subscribe(sink);
      sink.subscription.request(Long.MAX_VALUE);
      Fixtures.eventually(sink.completed::get, "stream completes");

      assertThat(sink.error.get()).isNull();
      for (int i = 0; i < 5; i++) {
        InferenceResult r = sink.received.get(i);
        assertThat(r.requestId()).isEqualTo(DeduceRuntime.requestIdFor(MODEL, "order-" + i));
        assertThat(r.output("y").toFloatArray()).containsExactly(doubled(1, i * 4, 4));
      }
      // each key answers its own element's result to a later submit, without another run
      int runs = model.calls.get();
      InferenceResult again = rt.submit(MODEL, null, rows(1, 999, 4), RequestOptions.builder()
          .idempotencyKey("order-3").build()).get(10, TimeUnit.SECONDS);
      assertThat(again.output("y").toFloatArray()).containsExactly(doubled(1, 12, 4));
      assertThat(model.calls.get()).isEqualTo(runs);
    }
  }
}

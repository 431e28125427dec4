package dev.deduce.runtime.internal.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deduce.runtime.Fixtures;
import dev.deduce.runtime.internal.metrics.RuntimeMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SlotClaimTest {

  @Test
  void anInstanceCannotBeClaimedWhileARequestIsQueuedOrByTwoCallers() {
    ModelQueue queue = new ModelQueue("m", Fixtures.settings().queueCapacity(8).build());
    ServingVersion v = new ServingVersion("m", "1", List.of(Fixtures.doublerModel()),
        Fixtures.settings().batchingEnabled(false).build(), BatchPlan.none(false), queue, new RuntimeMetrics(new SimpleMeterRegistry()),
        () -> false);
    queue.reserve(0, Duration.ZERO);
    assertThat(queue.claimIdle(v)).isNull();
    queue.unreserve(0);
    ServingVersion.Slot slot = queue.claimIdle(v);
    assertThat(slot).isNotNull();
    assertThat(queue.claimIdle(v)).isNull();
    queue.release(slot);
    assertThat(queue.claimIdle(v)).isSameAs(slot);
  }
}

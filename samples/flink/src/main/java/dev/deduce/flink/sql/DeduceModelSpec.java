package dev.deduce.flink.sql;

import dev.deduce.flink.HostSpec;
import dev.deduce.flink.sql.internal.Column;
import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What a {@code CREATE MODEL ... WITH ('provider' = 'deduce', ...)} resolved to: the Deduce model, how each subtask
 * starts its host, the request deadline and the model's INPUT and OUTPUT columns. Serializable, shipped with the plan.
 *
 * @param model    the Deduce model name ({@code 'model'})
 * @param version  the version, or null for the default ({@code 'version'})
 * @param host     the host each subtask starts ({@code 'models'}, {@code 'plugins'}, {@code 'config-file'})
 * @param deadline each request's deadline ({@code 'deadline'})
 * @param inputs   the INPUT columns, in order: the predict function's arguments
 * @param outputs  the OUTPUT columns, in order
 */
public record DeduceModelSpec(String model, String version, HostSpec host, Duration deadline, List<Column> inputs,
    List<Column> outputs) implements Serializable {

  /** Rejects nulls (but the version) and copies the lists. */
  public DeduceModelSpec {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(deadline, "deadline");
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }
}

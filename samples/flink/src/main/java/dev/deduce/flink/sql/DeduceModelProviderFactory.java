package dev.deduce.flink.sql;

import dev.deduce.flink.HostSpec;
import dev.deduce.flink.sql.internal.Column;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.catalog.ResolvedCatalogModel;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.factories.ModelProviderFactory;
import org.apache.flink.table.ml.ModelProvider;

/**
 * {@code 'provider' = 'deduce'}: serves a Deduce model to Flink SQL's {@code ML_PREDICT}.
 *
 * <pre>{@code
 * CREATE MODEL scorer INPUT (x ARRAY<FLOAT>) OUTPUT (probs ARRAY<FLOAT>)
 * WITH ('provider' = 'deduce', 'model' = 'mlp-small', 'models' = '/models');
 * SELECT id, probs FROM ML_PREDICT(TABLE readings, MODEL scorer, DESCRIPTOR(x));
 * }</pre>
 *
 * <p>INPUT and OUTPUT columns name the model's tensors; each SQL row is one row of them. Each subtask starts its own
 * host with durability NONE: a SQL row has no id of its own to key a request by, so Flink's checkpoints are the only
 * record, and a row replayed after a restore runs again (a checkpointed sink still writes it once).
 */
public final class DeduceModelProviderFactory implements ModelProviderFactory {

  /** The provider id. */
  public static final String IDENTIFIER = "deduce";

  public static final ConfigOption<String> MODEL = ConfigOptions.key("model").stringType().noDefaultValue()
      .withDescription("the Deduce model name in the repository");
  public static final ConfigOption<String> VERSION = ConfigOptions.key("version").stringType().noDefaultValue()
      .withDescription("the model version; unset, the model's default version");
  public static final ConfigOption<String> MODELS = ConfigOptions.key("models").stringType().noDefaultValue()
      .withDescription("the model repository folder on the task managers, or cache:NAME");
  public static final ConfigOption<String> PLUGINS = ConfigOptions.key("plugins").stringType().noDefaultValue()
      .withDescription("the engine plugins folder on the task managers, or cache:NAME");
  public static final ConfigOption<String> CONFIG_FILE = ConfigOptions.key("config-file").stringType()
      .noDefaultValue().withDescription("a HOCON file of Deduce settings");
  public static final ConfigOption<Duration> DEADLINE = ConfigOptions.key("deadline").durationType()
      .defaultValue(Duration.ofSeconds(30)).withDescription("each request's deadline");

  @Override
  public String factoryIdentifier() {
    return IDENTIFIER;
  }

  @Override
  public Set<ConfigOption<?>> requiredOptions() {
    return Set.of(MODEL);
  }

  @Override
  public Set<ConfigOption<?>> optionalOptions() {
    return Set.of(VERSION, MODELS, PLUGINS, CONFIG_FILE, DEADLINE);
  }

  @Override
  public ModelProvider createModelProvider(Context context) {
    FactoryUtil.ModelProviderFactoryHelper helper = FactoryUtil.createModelProviderFactoryHelper(this, context);
    helper.validate();
    ReadableConfig options = helper.getOptions();
    HostSpec.Builder host = HostSpec.builder();
    options.getOptional(MODELS).ifPresent(host::models);
    options.getOptional(PLUGINS).ifPresent(host::plugins);
    options.getOptional(CONFIG_FILE).ifPresent(host::configFile);
    Duration deadline = options.get(DEADLINE);
    if (deadline.isZero() || deadline.isNegative()) {
      throw new IllegalArgumentException("option 'deadline' is " + deadline + "; expected a positive duration");
    }
    ResolvedCatalogModel model = context.getCatalogModel();
    return new DeduceModelProvider(new DeduceModelSpec(options.get(MODEL), options.getOptional(VERSION).orElse(null),
        host.build(), deadline, columns("INPUT", model.getResolvedInputSchema()),
        columns("OUTPUT", model.getResolvedOutputSchema())));
  }

  private static List<Column> columns(String what, ResolvedSchema schema) {
    return schema.getColumns().stream()
        .map(c -> Column.of(what, c.getName(), c.getDataType().getLogicalType())).toList();
  }
}

package dev.deduce.flink.sql;

import dev.deduce.flink.sql.internal.PredictHost;
import java.util.Collection;
import java.util.List;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.functions.PredictFunction;

/**
 * ML_PREDICT's synchronous path ({@code 'async' = 'false'}): each row is one Deduce {@code infer}, which runs on the
 * calling thread when the model is idle; one row at a time means no batching.
 */
public final class DeducePredictFunction extends PredictFunction {

  private static final long serialVersionUID = 1L;

  private final DeduceModelSpec spec;
  private transient PredictHost host;

  DeducePredictFunction(DeduceModelSpec spec) {
    this.spec = spec;
  }

  @Override
  public void open(FunctionContext context) throws Exception {
    super.open(context);
    host = PredictHost.open(spec, context, 1);
  }

  @Override
  public Collection<RowData> predict(RowData inputRow) {
    return List.of(host.rows().outputs(host.runtime().infer(spec.model(), spec.version(),
        host.rows().inputs(inputRow), host.options()).outputs()));
  }

  @Override
  public void close() throws Exception {
    if (host != null) {
      host.close();
      host = null;
    }
    super.close();
  }
}

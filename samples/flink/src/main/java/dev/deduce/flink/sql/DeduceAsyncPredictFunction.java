package dev.deduce.flink.sql;

import dev.deduce.flink.internal.Failures;
import dev.deduce.flink.sql.internal.PredictHost;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.functions.AsyncPredictFunction;
import org.apache.flink.table.functions.FunctionContext;

/** ML_PREDICT's asynchronous path: each row is one Deduce {@code submit}, answered from Deduce's completion thread. */
public final class DeduceAsyncPredictFunction extends AsyncPredictFunction {

  private static final long serialVersionUID = 1L;

  private final DeduceModelSpec spec;
  private final int inFlight;
  private transient PredictHost host;

  DeduceAsyncPredictFunction(DeduceModelSpec spec, int inFlight) {
    this.spec = spec;
    this.inFlight = inFlight;
  }

  @Override
  public void open(FunctionContext context) throws Exception {
    super.open(context);
    host = PredictHost.open(spec, context, inFlight);
  }

  @Override
  public CompletableFuture<Collection<RowData>> asyncPredict(RowData inputRow) {
    return host.runtime().submit(spec.model(), spec.version(), host.rows().inputs(inputRow), host.options())
        .handle((r, e) -> {
          if (e != null) {
            Throwable cause = Failures.unwrap(e);
            throw new IllegalStateException("Deduce model '" + spec.model() + "' failed (" + Failures.kindName(cause)
                + "): " + cause.getMessage(), cause);
          }
          return List.of(host.rows().outputs(r.outputs()));
        });
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

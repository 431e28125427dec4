package dev.deduce.flink.internal;

import dev.deduce.api.DeduceException;
import dev.deduce.api.ErrorKind;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Which failures are one record's (so the failure policy applies) and which are the job's (it always fails). */
public final class Failures {

  // a record's own failures; STORE, MODEL_LOAD and MODEL_NOT_FOUND say the job's setup is wrong, not the record
  private static final Set<ErrorKind> RECORD_KINDS = EnumSet.of(ErrorKind.INVALID_INPUT,
      ErrorKind.DEADLINE_EXCEEDED, ErrorKind.ENGINE, ErrorKind.TRANSIENT_ENGINE, ErrorKind.OVERLOADED);

  private Failures() {}

  /** The cause a future failed with, without the wrappers CompletableFuture adds. */
  public static Throwable unwrap(Throwable t) {
    Throwable c = t;
    while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }

  /** The error kind of {@code t} when it is one record's failure, else null. */
  public static ErrorKind recordKind(Throwable t) {
    if (t instanceof DeduceException d && RECORD_KINDS.contains(d.kind())) {
      return d.kind();
    }
    return null;
  }

  /** The kind name to report: the Deduce kind, or the exception's class for anything else. */
  public static String kindName(Throwable t) {
    return t instanceof DeduceException d ? d.kind().name() : t.getClass().getSimpleName();
  }
}

package dev.deduce.perf.sla;

import dev.deduce.runtime.RuntimeSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * A JUnit 5 base class that runs every SLA file of a folder as a test: extend it, say where the models and SLA files
 * are, and {@code mvn verify} holds each model to its SLA, failing with the figures and checks the command line prints.
 * The reports (JSON and HTML) go to {@link #reports()} once every SLA has run.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class SlaSuite {

  private final List<SlaSpec> specs = new ArrayList<>();
  private final List<SlaResult> results = new ArrayList<>();
  private SlaSession session;

  /** The model repository (either layout) that serves the models the SLA files name. */
  protected abstract Path models();

  /** One SLA file, or a folder of them. */
  protected abstract Path slas();

  /** A PF4J plugins folder to take engines from besides the classpath, or null for the classpath's alone. */
  protected Path plugins() {
    return null;
  }

  /** Runtime settings, for example per-model batching; by default those {@link RuntimeSettings#load()} reads. */
  protected RuntimeSettings settings() {
    return RuntimeSettings.load();
  }

  /** Where sla-results.json and sla-report.html go. */
  protected Path reports() {
    return Path.of("target", "sla-reports", getClass().getSimpleName());
  }

  /** One test per SLA, named after it, all served by one host; a missed SLA fails with its figures and checks. */
  @TestFactory
  protected Stream<DynamicTest> eachSla() {
    specs.addAll(SlaSpec.load(slas()));
    session = SlaSession.open(models(), specs, plugins(), settings(), System.out, System.err);
    return specs.stream().map(spec -> DynamicTest.dynamicTest(spec.name(), () -> {
      SlaResult r = session.run(spec);
      results.add(r);
      if (!r.passed()) {
        throw new AssertionError("SLA " + spec.name() + " missed (model " + r.model() + " version " + r.version()
            + "):\n" + SlaSession.describe(r));
      }
    }));
  }

  /** Closes the host and writes the reports of the SLAs that ran. */
  @AfterAll
  protected void writeReports() {
    if (session != null) {
      session.close();
    }
    if (results.isEmpty()) {
      return;
    }
    try {
      SlaReports.write(results, reports());
      HtmlReport.write(results, specs, reports().resolve("sla-report.html"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the SLA reports to " + reports(), e);
    }
  }
}

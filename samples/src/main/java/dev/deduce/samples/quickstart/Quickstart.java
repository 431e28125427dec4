package dev.deduce.samples.quickstart;

import java.io.PrintStream;
import java.util.function.UnaryOperator;

/**
 * The quickstart: loads the engine-onnx and a store plugin from a folder, writes ModelKit's mlp-small as ONNX into a
 * model repository, runs a DURABLE runtime on the store, sends requests from concurrent callers with batching on, and
 * prints progress, a summary and native queries over what was stored. Run it with {@code --help} for the options.
 */
public final class Quickstart {

  private Quickstart() {}

  /** Runs the quickstart and exits with its exit code: 0 all requests succeeded, 1 otherwise, 2 bad options. */
  public static void main(String[] args) {
    // the runtime and plugin host log at INFO; the quickstart prints what matters itself
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
    System.exit(run(args, System.out, System.err, System.console() != null, System::getenv));
  }

  /**
   * Runs the quickstart, printing to {@code out} and {@code err}; {@code terminal} redraws the progress bar in place
   * instead of printing a line every tenth of the way; {@code environment} reads environment variables. Returns the
   * exit code.
   */
  public static int run(String[] args, PrintStream out, PrintStream err, boolean terminal,
      UnaryOperator<String> environment) {
    Options options;
    try {
      options = Options.parse(args);
    } catch (Options.UsageException e) {
      err.println("quickstart: " + e.getMessage());
      err.println();
      err.println(Options.USAGE);
      return 2;
    }
    if (options.help()) {
      out.println(Options.USAGE);
      return 0;
    }
    try {
      return new QuickstartRun(options, out, terminal, environment).run() ? 0 : 1;
    } catch (QuickstartRun.CannotRun e) {
      err.println("quickstart: " + e.getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println("quickstart: interrupted");
      return 1;
    }
  }
}

package dev.deduce.plugin;

import java.util.function.Supplier;

/** Runs code with a plugin's class loader as the thread context class loader, and restores the previous one. */
final class ContextLoader {

  private ContextLoader() {
  }

  static <T> T call(ClassLoader loader, Supplier<T> body) {
    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    if (previous == loader) {
      return body.get();
    }
    thread.setContextClassLoader(loader);
    try {
      return body.get();
    } finally {
      thread.setContextClassLoader(previous);
    }
  }

  static void run(ClassLoader loader, Runnable body) {
    call(loader, () -> {
      body.run();
      return null;
    });
  }
}

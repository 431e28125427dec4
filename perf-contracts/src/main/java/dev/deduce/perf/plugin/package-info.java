/** Loads a plugin module's built zip through the plugin host, so integration tests run the suites against it. */
package dev.deduce.perf.plugin;

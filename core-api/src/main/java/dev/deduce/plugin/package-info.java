/**
 * The plugin host: finds engine and store plugins (PF4J jars and zips, or the host's classpath), checks their trust
 * and core-api version, starts them, and hands out their engines and stores.
 *
 * <p>Every call into a plugin runs with the thread context class loader set to the plugin's loader, because
 * libraries such as DJL find their engines through it. A plugin that contributes an engine, or whose manifest says
 * {@code Plugin-Native: true}, is pinned: it is never unloaded or reloaded in a running JVM, since native libraries
 * cannot be loaded again in a second class loader ("already loaded in another classloader"). Restart the JVM to
 * replace one; swap model versions inside the loaded plugin instead.
 *
 * <p>May depend on {@code dev.deduce.api}, {@code dev.deduce.spi} and libraries (PF4J, Micrometer, SLF4J).
 */
package dev.deduce.plugin;

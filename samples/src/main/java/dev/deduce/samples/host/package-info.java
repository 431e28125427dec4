/** A host application that embeds the Deduce core with Guice, plugins from a folder and models from a folder. */
package dev.deduce.samples.host;

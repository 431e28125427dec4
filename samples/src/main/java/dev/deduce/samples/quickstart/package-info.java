/**
 * The quickstart: engine and store plugins from a folder, a ModelKit model in a repository, a DURABLE runtime under
 * concurrent load, a summary, and native queries over what was stored.
 */
package dev.deduce.samples.quickstart;

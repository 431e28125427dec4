/** Serving: engines by id and format, loading and warming up instances, the deployed models and routing. Internal. */
package dev.deduce.runtime.internal.serving;

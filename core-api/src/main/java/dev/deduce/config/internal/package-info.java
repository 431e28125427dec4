/** Deduce's one configuration binder: records validated in their constructors, bound from Typesafe Config. */
package dev.deduce.config.internal;

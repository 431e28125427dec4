/** Durability: the group-commit store writer and answers replayed from the store. Internal. */
package dev.deduce.runtime.internal.durability;

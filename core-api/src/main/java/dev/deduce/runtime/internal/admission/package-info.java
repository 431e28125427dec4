/** Admission: routing, validation, idempotency, DURABLE persist-before-acknowledge, deadlines, recovery. Internal. */
package dev.deduce.runtime.internal.admission;

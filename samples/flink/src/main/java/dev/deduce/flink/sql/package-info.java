/** Flink SQL's ML_PREDICT over Deduce: the {@code 'provider' = 'deduce'} model provider factory and its functions. */
package dev.deduce.flink.sql;

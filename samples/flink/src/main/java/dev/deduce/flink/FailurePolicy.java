package dev.deduce.flink;

/**
 * What a record whose inference failed (bad input, deadline passed, engine error) does to the job. Store failures and
 * faults in the job's own mapping code always fail the job: they say nothing about one record.
 */
public enum FailurePolicy {
  /** The record goes to {@link DeduceInference#FAILURES} with its id, error kind and reason; the job carries on. */
  SIDE_OUTPUT,
  /** The job fails (and restarts as its restart strategy says), the error naming the record and the reason. */
  FAIL_JOB
}

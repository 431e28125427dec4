/** Model pipelines: a DAG of served models and host code, served as one model. */
package dev.deduce.runtime.internal.graph;

/** Writes ModelKit models as ONNX files, hand-encoded with protobuf-java from the public onnx.proto. */
package dev.deduce.perf.onnx;

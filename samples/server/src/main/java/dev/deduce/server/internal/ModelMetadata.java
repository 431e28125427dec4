package dev.deduce.server.internal;

import dev.deduce.api.TensorSpec;
import java.util.List;

/**
 * What the protocol's model metadata reports.
 *
 * @param name     the model
 * @param versions its serving versions
 * @param platform the backend, in Triton's names where one fits (e.g. onnxruntime_onnx)
 * @param inputs   its inputs, -1 for a dynamic dimension
 * @param outputs  its outputs
 */
public record ModelMetadata(String name, List<String> versions, String platform, List<TensorSpec> inputs,
    List<TensorSpec> outputs) {}

package dev.deduce.server.internal;

import dev.deduce.api.DataType;

/**
 * An input as the client declared it, before its data is read: checked against the model first, so that a wrong
 * name, datatype or shape is reported in the protocol's terms before any element is decoded.
 *
 * @param name     the input's name
 * @param datatype the protocol datatype name as sent
 * @param type     the Deduce type it maps to
 * @param shape    the shape as sent
 */
public record TensorHeader(String name, String datatype, DataType type, long[] shape) {

  /** "input 'name'", how messages name it. */
  public String what() {
    return "input '" + name + "'";
  }
}

package dev.deduce.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** An immutable, ordered map from tensor name to {@link Tensor}: a model's inputs or outputs. */
public final class NamedTensors {

  private static final NamedTensors EMPTY = new NamedTensors(new LinkedHashMap<>());

  private final Map<String, Tensor> tensors;

  private NamedTensors(LinkedHashMap<String, Tensor> tensors) {
    this.tensors = Collections.unmodifiableMap(tensors);
  }

  /** No tensors. */
  public static NamedTensors empty() {
    return EMPTY;
  }

  /** One named tensor. */
  public static NamedTensors of(String name, Tensor tensor) {
    return builder().put(name, tensor).build();
  }

  /** Two named tensors, in this order. */
  public static NamedTensors of(String name1, Tensor tensor1, String name2, Tensor tensor2) {
    return builder().put(name1, tensor1).put(name2, tensor2).build();
  }

  /** The entries of {@code map}, in its iteration order. */
  public static NamedTensors of(Map<String, Tensor> map) {
    Objects.requireNonNull(map, "map must not be null");
    Builder b = builder();
    map.forEach(b::put);
    return b.build();
  }

  /** A builder that keeps insertion order and rejects duplicate names. */
  public static Builder builder() {
    return new Builder();
  }

  /** The tensor called {@code name}. */
  public Tensor get(String name) {
    Tensor t = tensors.get(name);
    if (t == null) {
      throw new IllegalArgumentException("no tensor named '" + name + "'; expected one of " + tensors.keySet());
    }
    return t;
  }

  /** Whether a tensor called {@code name} is present. */
  public boolean contains(String name) {
    return tensors.containsKey(name);
  }

  /** The names, in order. */
  public Set<String> names() {
    return tensors.keySet();
  }

  /** A read-only ordered view. */
  public Map<String, Tensor> asMap() {
    return tensors;
  }

  /** Number of tensors. */
  public int size() {
    return tensors.size();
  }

  /** Whether there are no tensors. */
  public boolean isEmpty() {
    return tensors.isEmpty();
  }

  /**
   * Joins each named tensor of every part along dimension 0; every part must have the same names.
   */
  public static NamedTensors concat(List<NamedTensors> parts) {
    Objects.requireNonNull(parts, "parts must not be null");
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("concat needs at least one part, got none");
    }
    if (parts.size() == 1) {
      return parts.get(0);
    }
    Set<String> names = parts.get(0).names();
    Builder b = builder();
    for (String name : names) {
      Tensor[] column = new Tensor[parts.size()];
      for (int i = 0; i < parts.size(); i++) {
        NamedTensors p = parts.get(i);
        if (!p.names().equals(names)) {
          throw new IllegalArgumentException("part " + i + " has tensors " + p.names() + "; expected " + names);
        }
        column[i] = p.get(name);
      }
      b.put(name, Tensor.concat(List.of(column)));
    }
    return b.build();
  }

  /** Cuts every tensor along dimension 0 into parts of {@code rows[i]} rows. */
  public List<NamedTensors> split(long... rows) {
    List<Builder> builders = new java.util.ArrayList<>();
    for (int i = 0; i < rows.length; i++) {
      builders.add(builder());
    }
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      List<Tensor> pieces = e.getValue().split(rows);
      for (int i = 0; i < rows.length; i++) {
        builders.get(i).put(e.getKey(), pieces.get(i));
      }
    }
    return builders.stream().map(Builder::build).toList();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NamedTensors && ((NamedTensors) o).tensors.equals(tensors);
  }

  @Override
  public int hashCode() {
    return tensors.hashCode();
  }

  @Override
  public String toString() {
    return tensors.toString();
  }

  /** Collects named tensors in insertion order. */
  public static final class Builder {
    private final LinkedHashMap<String, Tensor> map = new LinkedHashMap<>();

    private Builder() {}

    /** Adds {@code tensor} as {@code name}; names must be non-blank and unique. */
    public Builder put(String name, Tensor tensor) {
      Objects.requireNonNull(name, "tensor name must not be null");
      Objects.requireNonNull(tensor, "tensor '" + name + "' must not be null");
      if (name.isBlank()) {
        throw new IllegalArgumentException("tensor name is blank; expected a non-empty name");
      }
      if (map.putIfAbsent(name, tensor) != null) {
        throw new IllegalArgumentException("tensor name '" + name + "' is given twice; expected unique names");
      }
      return this;
    }

    /** The named tensors added so far. */
    public NamedTensors build() {
      return new NamedTensors(new LinkedHashMap<>(map));
    }
  }
}

package dev.deduce.spi;

import java.util.List;

/** Nearest-neighbour search over stored result embeddings: an optional store feature. */
public interface VectorSearch {

  /**
   * The {@code k} stored result embeddings nearest to {@code vector}, nearest first.
   *
   * @throws IllegalArgumentException when the vector has the wrong length or non-finite elements, or {@code k < 1}
   */
  List<Neighbour> nearest(float[] vector, int k);
}

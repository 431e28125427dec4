package dev.deduce.flink.job;

import dev.deduce.api.InferenceResult;
import java.util.Arrays;
import java.util.Locale;

/** One output record of the example job: the reading's id, mlp-small's class probabilities and where they came from. */
public class Score {

  /** The reading's id. */
  public long id;
  /** The class with the highest probability. */
  public int label;
  /** The four class probabilities. */
  public float[] probs;
  /** The Deduce request id: derived from the reading's id, so the same in every replay. */
  public String requestId;
  /** The model version that answered. */
  public String version;
  /** The batch it ran in; 0 when the answer was read back from the store for a replayed record. */
  public int batchSize;

  /** For Flink's POJO serializer. */
  public Score() {}

  /** The score of {@code reading} from {@code result}. */
  public static Score of(Reading reading, InferenceResult result) {
    Score s = new Score();
    s.id = reading.id;
    s.probs = result.output("probs").toFloatArray();
    for (int i = 1; i < s.probs.length; i++) {
      if (s.probs[i] > s.probs[s.label]) {
        s.label = i;
      }
    }
    s.requestId = result.requestId();
    s.version = result.version();
    s.batchSize = result.batchSize();
    return s;
  }

  /** {@code id,label,p0;p1;p2;p3,requestId,version,batchSize}: the line the file sink writes. */
  @Override
  public String toString() {
    StringBuilder p = new StringBuilder();
    for (int i = 0; i < probs.length; i++) {
      p.append(i == 0 ? "" : ";").append(String.format(Locale.ROOT, "%s", probs[i]));
    }
    return id + "," + label + "," + p + "," + requestId + "," + version + "," + batchSize;
  }

  /**
   * Parses a line the file sink wrote.
   *
   * @throws IllegalArgumentException naming the line when it is not one
   */
  public static Score parse(String line) {
    String[] f = line.split(",");
    if (f.length != 6) {
      throw new IllegalArgumentException("score line '" + line + "' has " + f.length + " fields; expected 6");
    }
    Score s = new Score();
    s.id = Long.parseLong(f[0]);
    s.label = Integer.parseInt(f[1]);
    String[] p = f[2].split(";");
    s.probs = new float[p.length];
    for (int i = 0; i < p.length; i++) {
      s.probs[i] = Float.parseFloat(p[i]);
    }
    s.requestId = f[3];
    s.version = f[4];
    s.batchSize = Integer.parseInt(f[5]);
    return s;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Score s && id == s.id && label == s.label && Arrays.equals(probs, s.probs)
        && java.util.Objects.equals(requestId, s.requestId);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(id) * 31 + Arrays.hashCode(probs);
  }
}

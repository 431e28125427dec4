package dev.deduce.config.internal;

import dev.deduce.config.SettingException;
import java.time.Duration;

/** The range checks config records make in their constructors; each failure is a {@link SettingException}. */
public final class Checks {

  private Checks() {}

  /** {@code v} within {@code [min, max]}. */
  public static long range(String key, long v, long min, long max) {
    if (v < min || v > max) {
      throw new SettingException(key, v, max == Long.MAX_VALUE || max == Integer.MAX_VALUE ? min + " or more"
          : min + " to " + max);
    }
    return v;
  }

  /** {@code v} within {@code [min, max]}, finite. */
  public static double range(String key, double v, double min, double max) {
    if (!(v >= min && v <= max)) {
      throw new SettingException(key, v, "a number from " + number(min) + (max == Double.MAX_VALUE ? " up"
          : " to " + number(max)));
    }
    return v;
  }

  /** {@code d} longer than zero. */
  public static Duration positive(String key, Duration d) {
    if (d.isNegative() || d.isZero()) {
      throw new SettingException(key, Binder.text(d), "a positive duration, e.g. 100ms");
    }
    return d;
  }

  /** {@code d} zero or longer. */
  public static Duration notNegative(String key, Duration d) {
    if (d.isNegative()) {
      throw new SettingException(key, Binder.text(d), "a duration of zero or more, e.g. 5ms");
    }
    return d;
  }

  /** {@code v} not shorter than {@code floor}, which is {@code floorKey}. */
  public static Duration atLeast(String key, Duration v, String floorKey, Duration floor) {
    if (v.compareTo(floor) < 0) {
      throw new SettingException(key, Binder.text(v), "at least " + floorKey + ", which is " + Binder.text(floor));
    }
    return v;
  }

  private static String number(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
  }
}

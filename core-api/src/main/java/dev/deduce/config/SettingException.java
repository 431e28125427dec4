package dev.deduce.config;

/**
 * A value a config record's constructor rejects. The key is relative to the record (e.g. {@code max-size}); the
 * {@link Binder} prefixes the full path and adds the value's origin.
 */
public final class SettingException extends IllegalArgumentException {

  private final String key;
  private final String value;
  private final String expected;

  /** {@code key} is {@code value}; {@code expected} says what is allowed, e.g. "1 or more". */
  public SettingException(String key, Object value, String expected) {
    super(key + " is " + value + "; expected " + expected);
    this.key = key;
    this.value = String.valueOf(value);
    this.expected = expected;
  }

  /** The key, relative to the record that rejected it. */
  public String key() {
    return key;
  }

  /** The rejected value as text. */
  public String value() {
    return value;
  }

  /** What is allowed. */
  public String expected() {
    return expected;
  }
}

package dev.deduce.runtime;

/** A bad setting: carries the key, the value and what is allowed, so a loader can prefix the full path. */
final class SettingException extends IllegalArgumentException {

  private final String key;
  private final String value;
  private final String allowed;

  SettingException(String key, String value, String allowed) {
    super(key + " is " + value + "; expected " + allowed);
    this.key = key;
    this.value = value;
    this.allowed = allowed;
  }

  String key() {
    return key;
  }

  String value() {
    return value;
  }

  String allowed() {
    return allowed;
  }
}

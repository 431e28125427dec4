package dev.deduce.api;

/**
 * The characters allowed in model names, versions and idempotency keys.
 *
 * <p>A model name or version is 1 to {@value #MAX_NAME_LENGTH} characters with no control characters (NUL, newline,
 * tab and the rest of Unicode's Cc), no path separator ({@code /} or {@code \}), no leading or trailing whitespace,
 * and is not {@code .} or {@code ..}: names end up in file paths, log lines, metric tags and store rows. An
 * idempotency key is 1 to {@value #MAX_KEY_LENGTH} characters, not blank, with no control characters; separators are
 * allowed ({@code orders/42}).
 */
public final class Names {

  /** The longest model name or version. */
  public static final int MAX_NAME_LENGTH = 256;

  /** The longest idempotency key. */
  public static final int MAX_KEY_LENGTH = 256;

  private static final String NAME_RULE = "1 to " + MAX_NAME_LENGTH + " characters without control characters, "
      + "'/' or '\\', leading or trailing spaces, and not '.' or '..'";

  private Names() {}

  /** Why {@code name} is not a valid model name, or null when it is. */
  public static String modelNameProblem(String name) {
    return nameProblem("model name", name);
  }

  /** Why {@code version} is not a valid version, or null when it is. */
  public static String versionProblem(String version) {
    return nameProblem("version", version);
  }

  /** Why {@code key} is not a valid idempotency key, or null when it is. */
  public static String keyProblem(String key) {
    if (key == null) {
      return "idempotency key is null; expected 1 to " + MAX_KEY_LENGTH + " non-blank characters";
    }
    if (key.isBlank() || key.length() > MAX_KEY_LENGTH) {
      return "idempotency key has length " + key.length() + (key.isBlank() && !key.isEmpty() ? " and is blank" : "")
          + "; expected 1 to " + MAX_KEY_LENGTH + " non-blank characters";
    }
    int c = firstControl(key);
    if (c >= 0) {
      return "idempotency key " + quote(key) + " holds control character " + codePoint(key, c) + " at index " + c
          + "; expected 1 to " + MAX_KEY_LENGTH + " non-blank characters without control characters";
    }
    return null;
  }

  private static String nameProblem(String what, String name) {
    if (name == null) {
      return what + " is null; expected " + NAME_RULE;
    }
    if (name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
      return what + " has length " + name.length() + "; expected " + NAME_RULE;
    }
    int c = firstControl(name);
    if (c >= 0) {
      return what + " " + quote(name) + " holds control character " + codePoint(name, c) + " at index " + c
          + "; expected " + NAME_RULE;
    }
    int sep = Math.max(name.indexOf('/'), name.indexOf('\\'));
    if (sep >= 0 || name.equals(".") || name.equals("..") || !name.strip().equals(name)) {
      return what + " " + quote(name) + " is not allowed; expected " + NAME_RULE;
    }
    return null;
  }

  private static int firstControl(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.isISOControl(s.charAt(i))) {
        return i;
      }
    }
    return -1;
  }

  private static String codePoint(String s, int i) {
    return String.format("U+%04X", (int) s.charAt(i));
  }

  // control characters are shown escaped, so the message itself stays one clean line
  private static String quote(String s) {
    StringBuilder b = new StringBuilder("'");
    for (int i = 0; i < s.length() && i < 64; i++) {
      char ch = s.charAt(i);
      b.append(Character.isISOControl(ch) ? String.format("\\u%04x", (int) ch) : String.valueOf(ch));
    }
    return b.append(s.length() > 64 ? "…'" : "'").toString();
  }
}

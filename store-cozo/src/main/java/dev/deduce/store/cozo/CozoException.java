package dev.deduce.store.cozo;

import dev.deduce.api.StoreException;

/** Cozo refused a script or its data; the message is Cozo's own. */
final class CozoException extends StoreException {

  private final String code;

  CozoException(String message, String code) {
    super("Cozo: " + message + (code.isEmpty() ? "" : " [" + code + "]"));
    this.code = code;
  }

  /** Cozo's error code, such as {@code parser::pest}, or empty. */
  String code() {
    return code;
  }
}

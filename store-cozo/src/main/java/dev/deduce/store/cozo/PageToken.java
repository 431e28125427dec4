package dev.deduce.store.cozo;

/** History page tokens: the sort key (submitted seconds, nanos, insertion order) of the last row served. */
final class PageToken {

  private PageToken() {}

  static String of(long seconds, long nanos, long seq) {
    return "c1." + seconds + "." + nanos + "." + seq;
  }

  static long[] parse(String token) {
    String[] parts = token.split("\\.", -1);
    if (parts.length != 4 || !parts[0].equals("c1")) {
      throw invalid(token);
    }
    try {
      return new long[] {Long.parseLong(parts[1]), Long.parseLong(parts[2]), Long.parseLong(parts[3])};
    } catch (NumberFormatException e) {
      throw invalid(token);
    }
  }

  private static IllegalArgumentException invalid(String token) {
    return new IllegalArgumentException("page token '" + token + "' was not issued by this store; expected the "
        + "nextPageToken of a previous page");
  }
}

package dev.deduce.plugin;

/** Creates the instances of plugin extension classes, e.g. through a dependency injector. */
@FunctionalInterface
public interface ExtensionCreator {

  /**
   * A new instance of {@code type}, a class loaded from a plugin.
   *
   * @throws RuntimeException when it cannot be created; the host reports the plugin and disables it
   */
  <T> T create(Class<T> type);

  /** Calls the public no-argument constructor. */
  static ExtensionCreator noArgConstructor() {
    return new ExtensionCreator() {
      @Override
      public <T> T create(Class<T> type) {
        try {
          return type.getConstructor().newInstance();
        } catch (NoSuchMethodException e) {
          throw new IllegalStateException(type.getName() + " has no public no-argument constructor; expected one, "
              + "or an ExtensionCreator that injects constructor arguments", e);
        } catch (ReflectiveOperationException e) {
          Throwable cause = e.getCause() == null ? e : e.getCause();
          throw new IllegalStateException("constructing " + type.getName() + " failed: " + cause, cause);
        }
      }
    };
  }
}

package dev.deduce.plugin;

import org.pf4j.ExtensionFactory;

/**
 * PF4J's extension factory, backed by an {@link ExtensionCreator} so a Guice injector can build extensions.
 *
 * <p>Failures are rethrown as {@link ExtensionCreationException}, not PF4J's own exception type: PF4J logs and
 * drops extensions that fail with its type, and the host must report them instead.
 */
final class CreatorExtensionFactory implements ExtensionFactory {

  private final ExtensionCreator creator;

  CreatorExtensionFactory(ExtensionCreator creator) {
    this.creator = creator;
  }

  @Override
  public <T> T create(Class<T> extensionClass) {
    try {
      T instance = ContextLoader.call(extensionClass.getClassLoader(), () -> creator.create(extensionClass));
      if (instance == null) {
        throw new ExtensionCreationException("the extension creator returned null for " + extensionClass.getName()
            + "; expected an instance", null);
      }
      return instance;
    } catch (ExtensionCreationException e) {
      throw e;
    } catch (RuntimeException | LinkageError e) {
      throw new ExtensionCreationException("cannot create " + extensionClass.getName() + ": " + e.getMessage(), e);
    }
  }

  /** An extension could not be created. */
  static final class ExtensionCreationException extends RuntimeException {
    ExtensionCreationException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}

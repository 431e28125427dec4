package dev.deduce.inject;

import com.google.inject.ConfigurationException;
import com.google.inject.Injector;
import com.google.inject.spi.Dependency;
import com.google.inject.spi.InjectionPoint;
import dev.deduce.plugin.ExtensionCreator;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.util.List;
import java.util.Objects;

/**
 * Builds plugin engines and stores with a Guice injector: their {@code @Inject} constructor (or public no-argument
 * one) gets its arguments, such as the host's config or MeterRegistry, from the injector.
 *
 * <p>Only the arguments are looked up in the injector, never the plugin class itself: a just-in-time binding of a
 * plugin class would live as long as the injector and keep an unloaded plugin's class loader from being collected.
 * So only constructor injection is supported, and arguments must be types the host binds.
 */
public final class GuiceExtensionCreator implements ExtensionCreator {

  private final Injector injector;

  /** Creates extensions with arguments from {@code injector}. */
  public GuiceExtensionCreator(Injector injector) {
    this.injector = Objects.requireNonNull(injector, "injector must not be null");
  }

  @Override
  public <T> T create(Class<T> type) {
    InjectionPoint point;
    try {
      point = InjectionPoint.forConstructorOf(type);
    } catch (ConfigurationException e) {
      throw new IllegalStateException(type.getName() + " has neither an @Inject constructor nor a public "
          + "no-argument one; expected one of them", e);
    }
    List<Dependency<?>> dependencies = point.getDependencies();
    Object[] args = new Object[dependencies.size()];
    for (int i = 0; i < args.length; i++) {
      Dependency<?> dependency = dependencies.get(i);
      try {
        args[i] = injector.getInstance(dependency.getKey());
      } catch (ConfigurationException e) {
        throw new IllegalStateException(type.getName() + " needs " + dependency.getKey() + " (constructor argument "
            + (dependency.getParameterIndex() + 1) + "), which the host's injector does not bind; expected the host "
            + "to bind it", e);
      }
    }
    Constructor<?> constructor = (Constructor<?>) point.getMember();
    try {
      constructor.setAccessible(true);
      return type.cast(constructor.newInstance(args));
    } catch (InvocationTargetException e) {
      throw new IllegalStateException("constructor of " + type.getName() + " threw " + e.getCause(), e.getCause());
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException("cannot construct " + type.getName() + ": " + e, e);
    }
  }
}

package dev.deduce.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.api.ModelLoadException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ModelSourceTest {

  private static ModelSource with(Map<String, String> options) {
    return new ModelSource("m", "1", Path.of("models/m/1/model.bin"), "fmt", options);
  }

  @Test
  void unknownOptionKeyIsALoadErrorListingTheKnownOnes() {
    assertThatThrownBy(() -> with(Map.of("threads", "2")).requireKnownOptions(Set.of("b", "a")))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("models/m/1/model.bin")
        .hasMessageContaining("unknown option 'threads'; expected one of [a, b]");
    with(Map.of("a", "1")).requireKnownOptions(Set.of("a", "b"));
  }

  @Test
  void choiceOptionIsTrimmedLowerCasedOrTheFallback() {
    List<String> choices = List.of("auto", "cpu", "gpu");
    assertThat(with(Map.of("device", " CPU ")).choiceOption("device", "auto", choices)).isEqualTo("cpu");
    assertThat(with(Map.of()).choiceOption("device", "auto", choices)).isEqualTo("auto");
  }

  @Test
  void choiceOutsideTheChoicesIsALoadErrorSayingWhatWasExpected() {
    assertThatThrownBy(() -> with(Map.of("device", "tpu")).choiceOption("device", "auto",
        List.of("auto", "cpu", "gpu")))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("option device is 'tpu'; expected auto, cpu or gpu");
  }
}

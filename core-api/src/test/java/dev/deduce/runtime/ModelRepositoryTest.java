package dev.deduce.runtime;

import dev.deduce.repository.ModelRepository;
import dev.deduce.repository.RepositoryProblem;
import dev.deduce.repository.Health;
import static dev.deduce.runtime.Fixtures.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deduce.api.DataType;
import dev.deduce.api.InvalidInputException;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import dev.deduce.reference.ReferenceGraph;
import dev.deduce.api.ModelLoadException;
import dev.deduce.api.ModelNotFoundException;
import dev.deduce.api.RequestOptions;
import dev.deduce.api.TensorSpec;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import dev.deduce.reference.ReferenceEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelRepositoryTest {

  @TempDir
  Path tmp;

  Repo repo;

  @BeforeEach
  void setUp() throws Exception {
    repo = new Repo(Files.createDirectory(tmp.resolve("models")));
  }

  /** The version that answered, read from the output: the model at version k adds k. */
  private static float answeredBy(DeduceRuntime rt, String model, String version) {
    float[] y = rt.infer(model, version, rows(1, 0, 4), RequestOptions.defaults()).output("y").toFloatArray();
    return y[0];
  }

  private static float answeredBy(DeduceRuntime rt, String model) {
    return answeredBy(rt, model, null);
  }

  @Test
  void defaultPolicyServesOnlyTheHighestVersion() {
    repo.version("m", 1);
    repo.version("m", 2);
    repo.version("m", 10);
    try (DeduceRuntime rt = Repo.runtime(); ModelRepository models = repo.start(rt)) {
      assertThat(rt.versions("m")).containsExactly("10");
      assertThat(answeredBy(rt, "m")).isEqualTo(10f);
      assertThat(models.health()).isEqualTo(new Health(true, true, java.util.List.of()));
    }
  }

  @Test
  void latestNServesTheNHighestAndRequestsMayNameAnyOfThem() {
    Repo.write(repo.dir("m").resolve("model.conf"), "version-policy { latest = 2 }\n");
    repo.version("m", 1);
    repo.version("m", 2);
    repo.version("m", 3);
    try (DeduceRuntime rt = Repo.runtime(); ModelRepository models = repo.start(rt)) {
      assertThat(rt.versions("m")).containsExactlyInAnyOrder("2", "3");
      assertThat(rt.defaultVersion("m")).contains("3");
      assertThat(answeredBy(rt, "m")).isEqualTo(3f);
      assertThat(answeredBy(rt, "m", "2")).isEqualTo(2f);
      assertThatThrownBy(() -> answeredBy(rt, "m", "1")).isInstanceOf(ModelNotFoundException.class)
          .hasMessageContaining("has no version '1'");
    }
  }

  @Test
  void explicitListServesExactlyTheListedVersions() {
    Repo.write(repo.dir("m").resolve("model.conf"), "version-policy { versions = [1, 3] }\n");
    repo.version("m", 1);
    repo.version("m", 2);
    repo.version("m", 3);
    try (DeduceRuntime rt = Repo.runtime(); ModelRepository models = repo.start(rt)) {
      assertThat(rt.versions("m")).containsExactlyInAnyOrder("1", "3");
      assertThat(answeredBy(rt, "m")).isEqualTo(3f);
      assertThat(answeredBy(rt, "m", "1")).isEqualTo(1f);
      assertThat(models.problems()).isEmpty();
    }
  }

  @Test
  void explicitListNamingAMissingVersionReportsItsFolder() {
    Repo.write(repo.dir("m").resolve("model.conf"), "version-policy { versions = [1, 4] }\n");
    repo.version("m", 1);
    try (DeduceRuntime rt = Repo.runtime(); ModelRepository models = repo.start(rt)) {
      assertThat(rt.versions("m")).containsExactly("1");
      assertThat(models.problems()).singleElement().satisfies(p -> {
        assertThat(p.path()).isEqualTo(repo.root.resolve("m").resolve("4"));
        assertThat(p.message()).contains("version 4 of model 'm' is listed").contains("does not exist");
      });
    }
  }

  @Test
  void modelLevelConfigIsSharedByVersionsThatHaveNone() throws Exception {
    Repo.write(repo.dir("m").resolve("model.conf"), Repo.CONF);
    Path v1 = repo.dir("m", "1");
    Repo.graph(v1.resolve("model.dgraph"), Repo.plus(1));
    try (DeduceRuntime rt = Repo.runtime(); ModelRepository models = repo.start(rt)) {
      assertThat(answeredBy(rt, "m")).isEqualTo(1f);
    }
  }

  @Test
  void reloadServesANewVersionAndRetiresTheOldOnceItsRequestsFinished() throws Exception {
    repo.version("m", 1);
    try (DeduceRuntime rt = Repo.runtime(); ModelRepository models = repo.start(rt)) {
      assertThat(answeredBy(rt, "m")).isEqualTo(1f);
      repo.version("m", 2);
      models.reload().get(10, TimeUnit.SECONDS);
      assertThat(rt.versions("m")).containsExactly("2");
      assertThat(answeredBy(rt, "m")).isEqualTo(2f);
      assertThatThrownBy(() -> answeredBy(rt, "m", "1")).isInstanceOf(ModelNotFoundException.class);
      assertThat(rt.meterRegistry().counter(dev.deduce.runtime.MetricNames.REPOSITORY_LOADS, "model", "m", "outcome", "loaded").count())
          .isEqualTo(2.0);
    }
  }

  @Test
  void removingTheNewestVersionSwapsBackToThePreviousOne() {
    repo.version("m", 1);
    Path v2 = repo.version("m", 2);
    try (DeduceRuntime rt = Repo.runtime(); ModelRepository models = repo.start(rt)) {
      assertThat(answeredBy(rt, "m")).isEqualTo(2f);
      Repo.delete(v2);
      models.reload().join();
      assertThat(rt.versions("m")).containsExactly("1");
      assertThat(answeredBy(rt, "m")).isEqualTo(1f);
    }
  }

  @Test
  void changedFilesOfAServedVersionAreSwappedInUnderTheSameVersion() {
    Path v1 = repo.version("m", 1);
    try (DeduceRuntime rt = Repo.runtime(); ModelRepository models = repo.start(rt)) {
      assertThat(answeredBy(rt, "m")).isEqualTo(1f);
      Repo.graph(v1.resolve("model.dgraph"), Repo.plus(100));
      models.reload().join();
      assertThat(rt.versions("m")).containsExactly("1");
      assertThat(answeredBy(rt, "m", "1")).isEqualTo(100f);
    }
  }

  @Test
  void versionSwappedInUnderTheSameNumberKeepsItsOwnGauges() {
    Path v1 = repo.version("m", 1);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (DeduceRuntime rt = Fixtures.runtime().engine(new ReferenceEngine()).meterRegistry(registry).build();
        ModelRepository models = repo.start(rt)) {
      Repo.graph(v1.resolve("model.dgraph"), Repo.plus(100));
      models.reload().join();
      assertThat(answeredBy(rt, "m", "1")).isEqualTo(100f);
      // the retired copy's gauges must not take the new copy's with them
      assertThat(registry.find(MetricNames.CIRCUIT_STATE).tags("model", "m", "version", "1").gauges()).hasSize(1);
      assertThat(registry.find(MetricNames.BATCHING).tags("model", "m", "version", "1").gauges()).hasSize(1);
    }
  }

  @Test
  void removedModelFolderRetiresTheModel() {
    repo.version("a", 1);
    repo.version("b", 1);
    try (DeduceRuntime rt = Repo.runtime(); ModelRepository models = repo.start(rt)) {
      Repo.delete(repo.root.resolve("b"));
      models.reload().join();
      assertThat(rt.versions("b")).isEmpty();
      assertThat(models.models()).containsExactly("a");
      assertThat(models.health().ready()).isTrue();
    }
  }

  @Test
  void corruptNewVersionIsReportedAndTheOldOneKeepsServing() throws Exception {
    repo.version("m", 1);
    try (DeduceRuntime rt = Repo.runtime(); ModelRepository models = repo.start(rt)) {
      Path v2 = repo.dir("m", "2");
      Repo.write(v2.resolve("model.conf"), Repo.CONF);
      Files.write(v2.resolve("model.dgraph"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
      models.reload().join();

      assertThat(rt.versions("m")).containsExactly("1");
      assertThat(answeredBy(rt, "m")).isEqualTo(1f);
      assertThat(models.problems()).singleElement().satisfies(p -> {
        assertThat(p.path()).isEqualTo(v2.resolve("model.dgraph"));
        assertThat(p.message()).contains("not a deduce-graph file");
      });
      Health health = models.health();
      assertThat(health.ready()).isTrue();
      assertThat(health.reasons()).singleElement().asString().contains(v2.resolve("model.dgraph").toString());
      MeterRegistry registry = rt.meterRegistry();
      assertThat(registry.counter(dev.deduce.runtime.MetricNames.REPOSITORY_LOADS, "model", "m", "outcome", "failed").count())
          .isEqualTo(1.0);

      Repo.graph(v2.resolve("model.dgraph"), Repo.plus(2));
      models.reload().join();
      assertThat(answeredBy(rt, "m")).isEqualTo(2f);
      assertThat(models.problems()).isEmpty();
    }
  }

  @Test
  void corruptChangeToAServedVersionKeepsItsOldFilesServing() throws Exception {
    Path v1 = repo.version("m", 1);
    try (DeduceRuntime rt = Repo.runtime(); ModelRepository models = repo.start(rt)) {
      Files.write(v1.resolve("model.dgraph"), new byte[] {9, 9, 9});
      models.reload().join();
      assertThat(answeredBy(rt, "m")).isEqualTo(1f);
      assertThat(models.problems()).singleElement().asString().contains("keep serving");
    }
  }

  @Test
  void newestVersionFailingAtStartUpFallsBackToTheNextOne() throws Exception {
    repo.version("m", 1);
    Path v2 = repo.version("m", 2);
    Files.write(v2.resolve("model.dgraph"), new byte[0]);
    try (DeduceRuntime rt = Repo.runtime(); ModelRepository models = repo.start(rt)) {
      assertThat(rt.versions("m")).containsExactly("1");
      assertThat(models.problems()).singleElement().asString().contains("file is empty");
      assertThat(models.health().ready()).isTrue();
    }
  }

  @Test
  void failingWarmUpIsReportedAndTheOldVersionKeepsServing() {
    repo.version("m", 1);
    try (DeduceRuntime rt = Repo.runtime(); ModelRepository models = repo.start(rt)) {
      repo.version("m", 2, Repo.CONF + "warm-up { inputs = [ { x { shape = [1, 3], values = [1, 2, 3] } } ] }\n");
      models.reload().join();
      assertThat(rt.versions("m")).containsExactly("1");
      assertThat(models.problems()).singleElement().asString().contains("warm-up input 1")
          .contains("expected [-1, 4]");
    }
  }

  @Test
  void pollingPicksUpANewVersion() {
    repo.version("m", 1);
    try (DeduceRuntime rt = Repo.runtime();
        ModelRepository models = ModelRepository.builder(rt, repo.root).pollInterval(Duration.ofMillis(20)).start()) {
      repo.version("m", 2);
      Fixtures.eventually(() -> rt.defaultVersion("m").equals(java.util.Optional.of("2")), "version 2 polled in");
      assertThat(answeredBy(rt, "m")).isEqualTo(2f);
    }
  }

  @Test
  void pollingDoesNotRetryAnUnchangedFailedVersion() throws Exception {
    repo.version("m", 1);
    try (DeduceRuntime rt = Repo.runtime();
        ModelRepository models = ModelRepository.builder(rt, repo.root).pollInterval(Duration.ofMillis(10)).start()) {
      Path v2 = repo.dir("m", "2");
      Files.write(v2.resolve("model.dgraph"), new byte[] {1});
      Repo.write(v2.resolve("model.conf"), Repo.CONF);
      MeterRegistry registry = rt.meterRegistry();
      Fixtures.eventually(() -> registry.find(dev.deduce.runtime.MetricNames.REPOSITORY_LOADS).tag("outcome", "failed").counter() != null,
          "the failure polled in");
      Thread.sleep(200);
      assertThat(registry.counter(dev.deduce.runtime.MetricNames.REPOSITORY_LOADS, "model", "m", "outcome", "failed").count())
          .isEqualTo(1.0);
      assertThat(models.problems()).hasSize(1);
    }
  }

  // ------------------------------------------------------------------ config contents

  @Test
  void modelConfigSetsBatchingInstancesAndDeadline() {
    repo.version("m", 1, Repo.CONF + "batching { enabled = false, max-size = 4, preferred-sizes = [2] }\n"
        + "instances = 2\ndeadline = 5s\n");
    try (DeduceRuntime rt = Repo.runtime(); ModelRepository models = repo.start(rt)) {
      assertThat(models.problems()).isEmpty();
      assertThat(answeredBy(rt, "m")).isEqualTo(1f);
    }
  }

  @Test
  void signatureOverrideNarrowsShapesAndTurnsBatchingOff() {
    Path v1 = repo.dir("r", "1");
    Repo.graph(v1.resolve("model.dgraph"), Fixtures.ragged());
    Repo.write(v1.resolve("model.conf"), Repo.CONF + "signature { batched = false, inputs { x { shape = [-1, 4] } } }\n");
    try (DeduceRuntime rt = Repo.runtime(); ModelRepository models = repo.start(rt)) {
      assertThat(models.problems()).isEmpty();
      assertThat(rt.signature("r", null).batched()).isFalse();
      assertThat(rt.signature("r", null).inputs()).containsExactly(TensorSpec.of("x",
          dev.deduce.api.DataType.FLOAT32, -1, 4));
      assertThat(rt.infer("r", rows(2, 0, 4)).output("y").toFloatArray()).containsExactly(Fixtures.doubled(2, 0, 4));
      assertThatThrownBy(() -> rt.infer("r", rows(1, 0, 3))).isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("expected [-1, 4]");
    }
  }

  @Test
  void signatureMayNameADynamicDimensionThatInputsMustAgreeOn() {
    Path v1 = repo.dir("pair", "1");
    Repo.graph(v1.resolve("model.dgraph"), ReferenceGraph.builder("pair").input("a", DataType.FLOAT32, -1, -1)
        .input("b", DataType.FLOAT32, -1, -1).op(ReferenceGraph.Op.ADD, "y", "a", "b").output("y").build());
    Repo.write(v1.resolve("model.conf"), Repo.CONF
        + "signature { inputs { a { shape = [-1, width] }, b { shape = [-1, width] } } }\n");
    try (DeduceRuntime rt = Repo.runtime(); ModelRepository models = repo.start(rt)) {
      assertThat(models.problems()).isEmpty();
      assertThat(rt.signature("pair", null).input("b").orElseThrow().dimName(1)).contains("width");
      assertThatThrownBy(() -> rt.infer("pair", NamedTensors.of("a", Tensor.ofFloats(new float[3], 1, 3),
          "b", Tensor.ofFloats(new float[2], 1, 2)))).isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("inputs 'a' and 'b' disagree on dimension 'width'");
      assertThat(rt.infer("pair", NamedTensors.of("a", Tensor.ofFloats(new float[] {1, 2}, 1, 2),
          "b", Tensor.ofFloats(new float[] {3, 4}, 1, 2))).output("y").toFloatArray()).containsExactly(4f, 6f);
    }
  }

  @Test
  void signatureThatNamesAFixedDimensionIsReported() {
    repo.version("f", 1, Repo.CONF + "signature { inputs { x { shape = [-1, width] } } }\n");
    try (DeduceRuntime rt = Repo.runtime(); ModelRepository models = repo.start(rt)) {
      assertThat(models.problems()).extracting(RepositoryProblem::message).anySatisfy(m -> assertThat(m)
          .contains("names dimension 1 'width', which the model fixes at 4"));
    }
  }

  @Test
  void signatureOverrideThatWidensOrNamesAnUnknownTensorIsReported() {
    repo.version("w", 1, Repo.CONF + "signature { inputs { x { shape = [-1, 5] } } }\n");
    repo.version("u", 1, Repo.CONF + "signature { outputs { z { shape = [-1, 4] } } }\n");
    repo.version("d", 1, Repo.CONF + "signature { inputs { x { dtype = INT64 } } }\n");
    try (DeduceRuntime rt = Repo.runtime(); ModelRepository models = repo.start(rt)) {
      assertThat(models.problems()).extracting(RepositoryProblem::message).anySatisfy(m -> assertThat(m)
          .contains("signature.inputs.\"x\".shape [-1, 5] does not fit the model's [-1, 4]"))
          .anySatisfy(m -> assertThat(m).contains("signature.outputs names 'z'").contains("expected one of [y]"))
          .anySatisfy(m -> assertThat(m).contains("dtype is INT64 but the model's is FLOAT32"));
      assertThat(rt.versions("w")).isEmpty();
      assertThat(models.health().ready()).isFalse();
    }
  }

  @Test
  void explicitWarmUpInputsAndAWarmUpFileRun() {
    Path v1 = repo.version("m", 1, Repo.CONF + "warm-up { zeros = 0, inputs = [ { x { dtype = FLOAT32, shape = [1, 4],"
        + " values = [1, 2, 3, 4] } } ], file = warm-up.json }\n");
    Repo.write(v1.resolve("warm-up.json"), "{ \"inputs\": [ { \"x\": { \"shape\": [2, 4], \"values\": [1, 2, 3, 4, 5,"
        + " 6, 7, 8] } } ] }");
    try (DeduceRuntime rt = Repo.runtime(); ModelRepository models = repo.start(rt)) {
      assertThat(models.problems()).isEmpty();
      assertThat(rt.versions("m")).containsExactly("1");
    }
  }

  @Test
  void badWarmUpFileIsReportedNamingIt() {
    Path v1 = repo.version("m", 1, Repo.CONF + "warm-up.file = warm-up.json\n");
    Path warm = Repo.write(v1.resolve("warm-up.json"), "{ \"inputs\": [ { \"x\": { \"shape\": [1, 4], \"values\": "
        + "[1, 2] } } ] }");
    try (DeduceRuntime rt = Repo.runtime(); ModelRepository models = repo.start(rt)) {
      assertThat(models.problems()).singleElement().satisfies(p -> {
        assertThat(p.path()).isEqualTo(warm);
        assertThat(p.message()).contains("has 2 values for shape [1, 4]; expected 4");
      });
    }
  }

  @Test
  void warmUpFileThatLeavesTheVersionFolderIsRefused() {
    repo.version("m", 1, Repo.CONF + "warm-up.file = \"../../outside.json\"\n");
    assertThat(onlyProblem("m").message()).contains("file '../../outside.json' leaves the version folder");
  }

  @Test
  void engineOptionsReachTheEngine() {
    // the reference engine takes no options and refuses unknown ones, so the load fails only if the option arrived
    repo.version("m", 1, Repo.CONF + "options { colour = red }\n");
    try (DeduceRuntime rt = Repo.runtime(); ModelRepository models = repo.start(rt)) {
      assertThat(models.problems()).singleElement().asString().contains("unknown option 'colour'")
          .contains("expected one of []");
    }
  }

  // ------------------------------------------------------------------ bad repository input

  private RepositoryProblem onlyProblem(String model) {
    try (DeduceRuntime rt = Repo.runtime(); ModelRepository models = repo.start(rt)) {
      assertThat(rt.versions(model)).isEmpty();
      Health health = models.health();
      assertThat(health.ready()).isFalse();
      assertThat(health.reasons()).contains("model '" + model + "' has no serving version");
      assertThat(models.problems()).hasSize(1);
      return models.problems().get(0);
    }
  }

  @Test
  void missingConfigWithNoLoadableFileIsReportedNamingTheVersionFolderAndWhatItHolds() throws IOException {
    Path v1 = repo.dir("m", "1");
    Files.writeString(v1.resolve("weights.bin"), "not a model");
    RepositoryProblem p = onlyProblem("m");
    assertThat(p.path()).isEqualTo(v1);
    assertThat(p.message()).contains("has no model config").contains(v1.resolve("model.conf").toString())
        .contains("exactly one model file").contains("weights.bin");
  }

  @Test
  void versionFolderWithOneModelFileAndNoConfigIsServedInTheSimpleLayout() {
    Path v1 = repo.dir("m", "1");
    Repo.graph(v1.resolve("model.dgraph"), Repo.plus(1));
    try (DeduceRuntime rt = Repo.runtime(); ModelRepository models = repo.start(rt)) {
      assertThat(models.problems()).isEmpty();
      assertThat(rt.versions("m")).containsExactly("1");
    }
  }

  @Test
  void simpleLayoutWithTwoModelFilesIsReportedNamingBoth() {
    Path v1 = repo.dir("m", "1");
    Repo.graph(v1.resolve("a.dgraph"), Repo.plus(1));
    Repo.graph(v1.resolve("b.dgraph"), Repo.plus(2));
    RepositoryProblem p = onlyProblem("m");
    assertThat(p.message()).contains("exactly one model file").contains("found 2 such files")
        .contains("a.dgraph").contains("b.dgraph");
  }

  @Test
  void malformedConfigIsReportedNamingTheFile() {
    Path v1 = repo.version("m", 1, "engine = [reference\n");
    RepositoryProblem p = onlyProblem("m");
    assertThat(p.path()).isEqualTo(v1.resolve("model.conf"));
    assertThat(p.message()).contains("malformed model config").contains("expected HOCON or JSON");
  }

  @Test
  void malformedModelLevelConfigIsReportedNamingTheFile() {
    repo.version("m", 1);
    Path conf = Repo.write(repo.root.resolve("m").resolve("model.conf"), "version-policy { latest = \n");
    RepositoryProblem p = onlyProblem("m");
    assertThat(p.path()).isEqualTo(conf);
  }

  @Test
  void malformedModelLevelConfigOnReloadKeepsTheServedVersions() {
    repo.version("m", 1);
    try (DeduceRuntime rt = Repo.runtime(); ModelRepository models = repo.start(rt)) {
      Repo.write(repo.root.resolve("m").resolve("model.conf"), "version-policy { latest = oops }\n");
      repo.version("m", 2);
      models.reload().join();
      assertThat(rt.versions("m")).containsExactly("1");
      assertThat(models.problems()).singleElement().asString().contains("bad version-policy");
      assertThat(models.health().ready()).isTrue();
    }
  }

  @Test
  void unknownEngineIdIsReportedWithTheKnownOnes() {
    Path v1 = repo.version("m", 1, "engine = tensorflow\nfile = model.dgraph\n");
    RepositoryProblem p = onlyProblem("m");
    assertThat(p.path()).isEqualTo(v1.resolve("model.conf"));
    assertThat(p.message()).contains("unknown engine id 'tensorflow'; expected one of [reference]");
  }

  @Test
  void formatTheEngineDoesNotLoadIsReported() {
    repo.version("m", 1, "engine = reference\nformat = onnx\nfile = model.dgraph\n");
    assertThat(onlyProblem("m").message()).contains("engine 'reference' does not load format 'onnx'");
  }

  @Test
  void missingEngineOrFileKeyIsReported() {
    repo.version("m", 1, "file = model.dgraph\n");
    assertThat(onlyProblem("m").message()).contains("no engine is set; expected engine = <id>");
  }

  @Test
  void unknownConfigKeyIsReportedRatherThanIgnored() {
    repo.version("m", 1, Repo.CONF + "batching.max-szie = 4\n");
    assertThat(onlyProblem("m").message()).contains("unknown key batching.max-szie").contains("batching.max-size");
  }

  @Test
  void badSettingValueIsReportedWithTheKeyAndFile() {
    Path v1 = repo.version("m", 1, Repo.CONF + "batching.max-size = 0\n");
    RepositoryProblem p = onlyProblem("m");
    assertThat(p.message()).contains("batching.max-size = 0").contains(v1.resolve("model.conf").toString())
        .contains("expected 1 or more");
  }

  @Test
  void versionPolicyInAVersionConfigIsReported() {
    repo.version("m", 1, Repo.CONF + "version-policy.latest = 2\n");
    assertThat(onlyProblem("m").message()).contains("belongs in the model's own model.conf");
  }

  @Test
  void badVersionPolicyIsReported() {
    Repo.write(repo.dir("m").resolve("model.conf"), "version-policy { latest = 0 }\n");
    repo.version("m", 1);
    assertThat(onlyProblem("m").message()).contains("version-policy.latest = 0").contains("expected 1 to 1000");
  }

  @Test
  void missingModelFileIsReportedNamingIt() {
    Path v1 = repo.version("m", 1, "engine = reference\nfile = nope.dgraph\n");
    RepositoryProblem p = onlyProblem("m");
    assertThat(p.path()).isEqualTo(v1.resolve("nope.dgraph"));
    assertThat(p.message()).contains("does not exist");
  }

  @Test
  void versionFolderThatIsNotANumberIsReportedAndTheOthersServe() {
    repo.version("m", 1);
    Path latest = repo.dir("m", "latest");
    Path padded = repo.dir("m", "007");
    try (DeduceRuntime rt = Repo.runtime(); ModelRepository models = repo.start(rt)) {
      assertThat(rt.versions("m")).containsExactly("1");
      assertThat(models.problems()).extracting(RepositoryProblem::path).containsExactlyInAnyOrder(latest, padded);
      assertThat(models.problems()).allSatisfy(p -> assertThat(p.message()).contains("is not a version number"));
    }
  }

  @Test
  void modelNamesThatLeaveTheRepositoryAreRefused() {
    repo.version("m", 1);
    try (DeduceRuntime rt = Repo.runtime(); ModelRepository models = repo.start(rt)) {
      for (String name : new String[] {"..", "../m", "m/../../x", "/etc", "a/b"}) {
        assertThatThrownBy(() -> models.reload(name)).isInstanceOf(ModelLoadException.class)
            .hasMessageContaining("model name '" + name + "' leaves the model repository");
      }
      assertThatThrownBy(() -> models.reload("bad name")).isInstanceOf(ModelLoadException.class)
          .hasMessageContaining("is not allowed");
      models.reload("m").join();
      assertThat(rt.versions("m")).containsExactly("1");
    }
  }

  @Test
  void modelFolderLinkedOutsideTheRepositoryIsRefused() throws Exception {
    Path outside = new Repo(Files.createDirectory(tmp.resolve("outside"))).version("evil", 1).getParent();
    Path link = Files.createSymbolicLink(repo.root.resolve("evil"), outside);
    RepositoryProblem p = onlyProblem("evil");
    assertThat(p.path()).isEqualTo(link);
    assertThat(p.message()).contains("outside the model repository");
  }

  @Test
  void versionFolderLinkedOutsideTheRepositoryIsRefused() throws Exception {
    Path outside = new Repo(Files.createDirectory(tmp.resolve("outside"))).version("evil", 1);
    repo.dir("m");
    Path link = Files.createSymbolicLink(repo.root.resolve("m").resolve("1"), outside);
    try (DeduceRuntime rt = Repo.runtime(); ModelRepository models = repo.start(rt)) {
      assertThat(rt.versions("m")).isEmpty();
      assertThat(models.problems()).anySatisfy(p -> {
        assertThat(p.path()).isEqualTo(link);
        assertThat(p.message()).contains("outside the model repository");
      });
    }
  }

  @Test
  void modelFileThatLeavesTheVersionFolderIsRefused() throws Exception {
    Path secret = Files.writeString(tmp.resolve("secret.dgraph"), "x");
    repo.version("dots", 1, "engine = reference\nfile = \"../../../secret.dgraph\"\n");
    repo.version("abs", 1, "engine = reference\nfile = \"" + secret.toAbsolutePath() + "\"\n");
    Path linked = repo.version("link", 1, "engine = reference\nfile = linked.dgraph\n");
    Files.createSymbolicLink(linked.resolve("linked.dgraph"), secret);
    try (DeduceRuntime rt = Repo.runtime(); ModelRepository models = repo.start(rt)) {
      assertThat(models.problems()).extracting(RepositoryProblem::model, RepositoryProblem::message)
          .anySatisfy(t -> assertThat(t.toList()).element(1).asString().contains("leaves the version folder"))
          .hasSize(3);
      assertThat(models.problems()).filteredOn(p -> p.model().equals("link")).singleElement().asString()
          .contains("outside the model repository");
      assertThat(models.problems()).filteredOn(p -> !p.model().equals("link"))
          .allSatisfy(p -> assertThat(p.message()).contains("leaves the version folder"));
      assertThat(models.health().ready()).isFalse();
    }
  }

  @Test
  void badModelIsSkippedAtStartUpWhileTheOthersServeAndReadinessWaitsForIt() {
    repo.version("good", 1);
    Path bad = repo.version("bad", 1, "engine = nope\nfile = model.dgraph\n");
    try (DeduceRuntime rt = Repo.runtime(); ModelRepository models = repo.start(rt)) {
      assertThat(answeredBy(rt, "good")).isEqualTo(1f);
      Health health = models.health();
      assertThat(health.live()).isTrue();
      assertThat(health.ready()).isFalse();
      assertThat(health.reasons()).contains("model 'bad' has no serving version")
          .anySatisfy(r -> assertThat(r).contains(bad.resolve("model.conf").toString()));
      Repo.write(bad.resolve("model.conf"), Repo.CONF);
      models.reload().join();
      assertThat(models.health()).isEqualTo(new Health(true, true, java.util.List.of()));
      assertThat(rt.meterRegistry().get(dev.deduce.runtime.MetricNames.REPOSITORY_READY).gauge().value()).isEqualTo(1.0);
    }
  }

  @Test
  void missingRepositoryFolderFailsStartNamingIt() {
    Path missing = tmp.resolve("no-such-models");
    try (DeduceRuntime rt = Repo.runtime()) {
      assertThatThrownBy(() -> ModelRepository.builder(rt, missing).start()).isInstanceOf(ModelLoadException.class)
          .hasMessageContaining(missing.toString()).hasMessageContaining("does not exist");
    }
  }

  @Test
  void closedRuntimeIsNotLive() {
    repo.version("m", 1);
    DeduceRuntime rt = Repo.runtime();
    try (ModelRepository models = repo.start(rt)) {
      rt.close();
      Health health = models.health();
      assertThat(health.live()).isFalse();
      assertThat(health.ready()).isFalse();
      assertThat(health.reasons()).contains("the runtime is closed, and with it the store");
    }
  }
}

package dev.deduce.engine.tf;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.TextFormat;
import dev.deduce.api.ModelLoadException;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;

/**
 * A SavedModel folder as read from disk before TensorFlow loads it: the MetaGraph of the requested tags and the
 * signature of the requested key, or an error listing what the folder holds instead.
 */
final class SavedModelFolder {

  static final String PB = "saved_model.pb";
  static final String PBTXT = "saved_model.pbtxt";
  private static final String EXPECTED = "expected a SavedModel folder holding " + PB + " (and variables/)";
  private static final int LISTED = 20;

  final MetaGraphDef metaGraph;
  final SignatureDef signature;

  private SavedModelFolder(MetaGraphDef metaGraph, SignatureDef signature) {
    this.metaGraph = metaGraph;
    this.signature = signature;
  }

  /** Reads {@code dir} and picks the MetaGraph tagged exactly {@code tags} and its signature {@code key}. */
  static SavedModelFolder read(Path dir, List<String> tags, String key) {
    SavedModel model = parse(dir);
    List<List<String>> tagSets = new ArrayList<>();
    for (MetaGraphDef meta : model.getMetaGraphsList()) {
      List<String> have = meta.getMetaInfoDef().getTagsList().stream().distinct().sorted().toList();
      tagSets.add(have);
      if (have.equals(tags)) {
        SignatureDef sig = meta.getSignatureDefMap().get(key);
        if (sig == null) {
          throw new ModelLoadException(dir, "the MetaGraph tagged " + tags + " has no signature '" + key
              + "'; it has signatures " + meta.getSignatureDefMap().keySet() + "; expected option "
              + TfOptions.SIGNATURE + " to name one of them");
        }
        return new SavedModelFolder(meta, sig);
      }
    }
    throw new ModelLoadException(dir, "no MetaGraph is tagged " + tags + "; it has MetaGraphs tagged " + tagSets
        + "; expected option " + TfOptions.TAGS + " to name one of these tag sets (comma-separated)");
  }

  private static SavedModel parse(Path dir) {
    if (!Files.exists(dir)) {
      throw new ModelLoadException(dir, "does not exist; " + EXPECTED);
    }
    if (!Files.isDirectory(dir)) {
      throw new ModelLoadException(dir, "is a file, not a folder; " + EXPECTED);
    }
    Path pb = dir.resolve(PB);
    Path pbtxt = dir.resolve(PBTXT);
    try {
      if (Files.isRegularFile(pb)) {
        try (InputStream in = Files.newInputStream(pb)) {
          CodedInputStream coded = CodedInputStream.newInstance(in);
          // constants can make a graph larger than protobuf's 64 MiB default; 2 GiB is the format's own limit
          coded.setSizeLimit(Integer.MAX_VALUE);
          SavedModel model = SavedModel.parseFrom(coded);
          if (model.getMetaGraphsCount() == 0) {
            throw new ModelLoadException(dir, PB + " holds no MetaGraph; expected a SavedModel written by"
                + " TensorFlow");
          }
          return model;
        }
      }
      if (Files.isRegularFile(pbtxt)) {
        SavedModel.Builder model = SavedModel.newBuilder();
        try (Reader in = Files.newBufferedReader(pbtxt, StandardCharsets.UTF_8)) {
          TextFormat.getParser().merge(in, model);
        }
        return model.build();
      }
    } catch (IOException e) {
      throw new ModelLoadException(dir, "cannot read its SavedModel protobuf (" + e.getMessage() + "); expected a"
          + " complete " + PB + " written by TensorFlow", e);
    }
    throw new ModelLoadException(dir, "holds no " + PB + " (it holds " + contents(dir) + "); " + EXPECTED);
  }

  private static String contents(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      List<String> names = files.map(p -> p.getFileName() + (Files.isDirectory(p) ? "/" : "")).sorted().toList();
      if (names.isEmpty()) {
        return "nothing";
      }
      return names.size() <= LISTED ? names.toString()
          : names.subList(0, LISTED) + " and " + (names.size() - LISTED) + " more";
    } catch (IOException e) {
      return "entries that cannot be listed: " + e.getMessage();
    }
  }
}

package dev.clarion.model;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clarion.error.DefinitionException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Loads one model folder's descriptor and ONNX artifact: the descriptor checked field by field, the
 * artifact's sha256 against its pin, the ONNX signature against the descriptor, point tables and
 * the explanation they need. Failures name the file and field ({@link DefinitionException}).
 */
public final class ModelLoader {

  private ModelLoader() {}

  /** Loads {@code models/<id>/model.json}: the descriptor's id must equal the folder name. */
  public static OnnxModel load(Path file, ObjectMapper mapper, OrtEnvironment env, int threads) {
    return load(file, mapper, env, threads, file.getParent().getFileName().toString(), null);
  }

  /**
   * Loads a candidate version, {@code models/<id>/candidates/<version>/model.json}: the
   * descriptor's id must be the model's folder name and its version the candidate's folder name.
   */
  public static OnnxModel loadCandidate(
      Path file, ObjectMapper mapper, OrtEnvironment env, int threads) {
    Path versionFolder = file.getParent();
    return load(
        file,
        mapper,
        env,
        threads,
        versionFolder.getParent().getParent().getFileName().toString(),
        versionFolder.getFileName().toString());
  }

  private static OnnxModel load(
      Path file,
      ObjectMapper mapper,
      OrtEnvironment env,
      int threads,
      String folderId,
      String folderVersion) {
    ModelDescriptor d;
    try {
      d = mapper.readValue(file.toFile(), ModelDescriptor.class);
    } catch (IOException e) {
      throw new DefinitionException(file, "is not a valid model descriptor: " + e.getMessage(), e);
    }
    require(file, "id", d.id());
    if (!d.id().equals(folderId)) {
      throw new DefinitionException(file, "id", "must equal the model's folder name");
    }
    require(file, "name", d.name());
    require(file, "label", d.label());
    require(file, "version", d.version());
    if (folderVersion != null && !d.version().equals(folderVersion)) {
      throw new DefinitionException(
          file, "version", "must equal the candidate's folder name '" + folderVersion + "'");
    }
    require(file, "artifact", d.artifact());
    require(file, "sha256", d.sha256());
    require(file, "input", d.input());
    require(file, "output", d.output());
    require(file, "intendedPopulation", d.intendedPopulation());
    if (d.features() == null || d.features().isEmpty()) {
      throw new DefinitionException(file, "features", "must list the model inputs");
    }
    for (int i = 0; i < d.features().size(); i++) {
      ModelDescriptor.Feature f = d.features().get(i);
      require(file, "features[" + i + "].name", f.name());
      require(file, "features[" + i + "].label", f.label());
      if (f.min() != null && f.max() != null && f.min() > f.max()) {
        throw new DefinitionException(file, "features[" + i + "].min", "is above max");
      }
      if (f.isOptional() && (f.attributed() || f.whatIf() != null)) {
        throw new DefinitionException(
            file, "features[" + i + "].optional", "inputs cannot be attributed or have a what-if");
      }
      ModelDescriptor.WhatIf w = f.whatIf();
      if (w != null) {
        String at = "features[" + i + "].whatIf";
        require(file, at + ".label", w.label());
        if (!"decrease".equals(w.direction()) && !"increase".equals(w.direction())) {
          throw new DefinitionException(file, at + ".direction", "must be decrease or increase");
        }
        if ((f.min() != null && w.target() < f.min())
            || (f.max() != null && w.target() > f.max())) {
          throw new DefinitionException(file, at + ".target", "is outside the validated range");
        }
      }
    }
    validateReference(file, d);
    if (d.bands() == null || d.bands().isEmpty()) {
      throw new DefinitionException(file, "bands", "must list at least one band");
    }
    validateScale(file, d);
    if (d.bandsNotCounting() != null
        && (!d.points()
            || d.featureIndex(d.bandsNotCounting()) < 0
            || d.features().get(d.featureIndex(d.bandsNotCounting())).points() == null)) {
      throw new DefinitionException(
          file, "bandsNotCounting", "must name an item with points of a point score");
    }

    byte[] artifact;
    Path artifactFile = file.resolveSibling(d.artifact());
    try {
      artifact = Files.readAllBytes(artifactFile);
    } catch (IOException e) {
      throw new DefinitionException(file, "artifact", "cannot be read: " + artifactFile);
    }
    String sha256 = sha256(artifact);
    if (!sha256.equalsIgnoreCase(d.sha256())) {
      throw new DefinitionException(
          file, "sha256", "does not match " + d.artifact() + " (actual " + sha256 + ")");
    }
    try {
      OrtSession.SessionOptions options = new OrtSession.SessionOptions();
      options.setIntraOpNumThreads(threads);
      options.setInterOpNumThreads(1);
      OrtSession session = env.createSession(artifact, options);
      checkSignature(file, d, session);
      TreeEnsemble trees = null;
      if ("treeshap".equals(d.explanation())) {
        try {
          trees = TreeEnsemble.fromOnnx(artifact, d.features().size());
        } catch (IllegalArgumentException e) {
          throw new DefinitionException(file, "explanation", "treeshap: " + e.getMessage());
        }
      }
      return new OnnxModel(d, sha256, env, session, trees);
    } catch (OrtException e) {
      throw new DefinitionException(file, "ONNX Runtime cannot load " + d.artifact(), e);
    }
  }

  /** Point scores need item tables, an item-points output and the points explanation. */
  private static void validateScale(Path file, ModelDescriptor d) {
    if (d.scale() != null && !d.scale().equals("probability") && !d.points()) {
      throw new DefinitionException(file, "scale", "must be probability or points");
    }
    if (d.explanation() != null
        && !List.of("shapley", "points", "treeshap").contains(d.explanation())) {
      throw new DefinitionException(file, "explanation", "must be shapley, points or treeshap");
    }
    boolean pointsExplained = "points".equals(d.explanation());
    if (pointsExplained != d.points()) {
      throw new DefinitionException(
          file, "explanation", "is points exactly when the scale is points");
    }
    if (!d.points()) {
      return;
    }
    require(file, "itemPoints", d.itemPoints());
    for (int i = 0; i < d.features().size(); i++) {
      try {
        pointTable(d, d.features().get(i));
      } catch (IllegalArgumentException e) {
        throw new DefinitionException(file, "features[" + i + "].points", e.getMessage());
      }
    }
  }

  private static void validateReference(Path file, ModelDescriptor d) {
    if (d.reference() == null || d.reference().values() == null) {
      throw new DefinitionException(file, "reference", "is required for explanations");
    }
    for (ModelDescriptor.Feature f : d.features()) {
      if (f.attributed() && !d.reference().values().containsKey(f.name())) {
        throw new DefinitionException(file, "reference.values." + f.name(), "is missing");
      }
    }
  }

  private static void checkSignature(Path file, ModelDescriptor d, OrtSession session)
      throws OrtException {
    NodeInfo input = session.getInputInfo().get(d.input());
    if (input == null || session.getInputInfo().size() != 1) {
      throw new DefinitionException(
          file, "input", "must name the single ONNX input " + session.getInputNames());
    }
    long[] shape = ((TensorInfo) input.getInfo()).getShape();
    if (shape.length != 2 || shape[1] != d.features().size()) {
      throw new DefinitionException(
          file,
          "features",
          "lists "
              + d.features().size()
              + " inputs but the ONNX input is "
              + java.util.Arrays.toString(shape));
    }
    if (!session.getOutputInfo().containsKey(d.output())) {
      throw new DefinitionException(
          file, "output", "is not an ONNX output " + session.getOutputNames());
    }
    if (d.alsoReports() != null) {
      for (int i = 0; i < d.alsoReports().size(); i++) {
        ModelDescriptor.AlsoReport a = d.alsoReports().get(i);
        if (a.label() == null || !session.getOutputInfo().containsKey(a.output())) {
          throw new DefinitionException(
              file,
              "alsoReports[" + i + "]",
              "needs a label and an ONNX output " + session.getOutputNames());
        }
        if (a.requires() != null
            && (d.featureIndex(a.requires()) < 0
                || !d.features().get(d.featureIndex(a.requires())).isOptional())) {
          throw new DefinitionException(
              file, "alsoReports[" + i + "].requires", "must name an optional input");
        }
        if (a.onlyWhen() != null && d.featureIndex(a.onlyWhen().input()) < 0) {
          throw new DefinitionException(
              file, "alsoReports[" + i + "].onlyWhen.input", "is not an input of the model");
        }
      }
    }
    if (d.itemPoints() != null && !session.getOutputInfo().containsKey(d.itemPoints())) {
      throw new DefinitionException(
          file, "itemPoints", "is not an ONNX output " + session.getOutputNames());
    }
  }

  private static void require(Path file, String field, String value) {
    if (value == null || value.isBlank()) {
      throw new DefinitionException(file, field, "is required");
    }
  }

  /**
   * sha256 over the name (relative to {@code root}) and bytes of every file directly inside each
   * folder, in order: what a models folder's watcher compares to see a change.
   */
  public static String fingerprint(Path root, List<Path> folders) throws IOException {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (Path folder : folders) {
        List<Path> files;
        try (java.util.stream.Stream<Path> list = Files.list(folder)) {
          files = list.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path file : files) {
          digest.update(
              root.relativize(file).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
          digest.update((byte) 0);
          digest.update(Files.readAllBytes(file));
        }
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The item's table, checked: at least two rows, ascending upTo, only the last without one. */
  public static List<ModelDescriptor.Points> pointTable(
      ModelDescriptor d, ModelDescriptor.Feature f) {
    List<ModelDescriptor.Points> table = f.points();
    String where = d.id() + " feature " + f.name() + ": ";
    if (table == null || table.size() < 2) {
      throw new IllegalArgumentException(where + "a point table needs at least two rows");
    }
    for (int j = 0; j < table.size(); j++) {
      Double upTo = table.get(j).upTo();
      boolean last = j == table.size() - 1;
      if (last != (upTo == null)) {
        throw new IllegalArgumentException(where + "only the last row has no upTo");
      }
      if (j > 0 && !last && upTo <= table.get(j - 1).upTo()) {
        throw new IllegalArgumentException(where + "upTo must ascend");
      }
    }
    return table;
  }
}

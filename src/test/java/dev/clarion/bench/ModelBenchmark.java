package dev.clarion.bench;

import ai.onnxruntime.OrtEnvironment;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clarion.audit.Seal;
import dev.clarion.explain.Explainer;
import dev.clarion.explain.Explainers;
import dev.clarion.explain.PointsExplainer;
import dev.clarion.explain.ShapleyExplainer;
import dev.clarion.explain.TreeShapExplainer;
import dev.clarion.model.ModelDescriptor;
import dev.clarion.model.ModelLoader;
import dev.clarion.model.OnnxModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * Per model, in process (one ONNX Runtime session, one intra-op thread, as served): the time of one
 * inference (one row) and of one full explanation (all 2^d Shapley coalitions plus the what-if rows
 * in one batch), p50/p99 over {@code bench.iterations} random patients inside the validated ranges
 * after a warm-up. Also an exact-Shapley run of a 10-input synthetic row (the PREVENT graph has 9
 * attributed inputs; the 10-input case times 1,024 coalitions of the same graph with the sex input
 * attributed too).
 */
public final class ModelBenchmark {

  public static void main(String[] args) throws Exception {
    int iterations = Integer.getInteger("bench.iterations", 2000);
    int warmup = Integer.getInteger("bench.model-warmup", 500);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    ObjectMapper json = new ObjectMapper();
    // Each model with the explainer it is served with (Shapley, points or TreeSHAP).
    Explainers explainers =
        new Explainers(new ShapleyExplainer(), new PointsExplainer(), new TreeShapExplainer());
    List<Path> descriptors;
    try (Stream<Path> dirs = Files.list(Path.of("models"))) {
      descriptors = dirs.map(d -> d.resolve("model.json")).filter(Files::exists).sorted().toList();
    }
    System.out.printf(
        Locale.ROOT,
        "%nModel benchmark: %d iterations after %d warm-up, 1 intra-op thread%n",
        iterations,
        warmup);
    System.out.printf(
        Locale.ROOT,
        "%-18s %-9s %6s %9s | %10s %10s | %12s %12s%n",
        "model",
        "explained",
        "inputs",
        "rows",
        "infer p50",
        "infer p99",
        "explain p50",
        "explain p99");
    for (Path descriptor : descriptors) {
      try (OnnxModel model = ModelLoader.load(descriptor, json, env, 1)) {
        Explainer explainer = explainers.forModel(model.descriptor());
        run(model, explainer, iterations, warmup, false);
        if (model.descriptor().id().equals("prevent-cvd")) {
          run(model, explainer, iterations, warmup, true);
        }
      }
    }
    seals(iterations, warmup);
  }

  /**
   * The decision chain's seal: one Ed25519 signature (Bouncy Castle, as {@code ChainSigner}) per
   * committed batch, whatever its size, and one verification per seal when {@code /audit/chain}
   * walks the chain.
   */
  static void seals(int iterations, int warmup) {
    Ed25519PrivateKeyParameters key = new Ed25519PrivateKeyParameters(new SecureRandom());
    Ed25519PublicKeyParameters pub = key.generatePublicKey();
    Histogram sign = new Histogram(3);
    Histogram verify = new Histogram(3);
    String hash = "9f".repeat(32);
    for (int n = 0; n < warmup + iterations; n++) {
      byte[] payload =
          new Seal(n * 16L + 1, n * 16L + 16, hash, hash, Instant.now(), "k", "")
              .payload()
              .getBytes(StandardCharsets.UTF_8);
      long t0 = System.nanoTime();
      Ed25519Signer signer = new Ed25519Signer();
      signer.init(true, key);
      signer.update(payload, 0, payload.length);
      byte[] signature = signer.generateSignature();
      long t1 = System.nanoTime();
      Ed25519Signer verifier = new Ed25519Signer();
      verifier.init(false, pub);
      verifier.update(payload, 0, payload.length);
      if (!verifier.verifySignature(signature)) {
        throw new IllegalStateException("seal did not verify");
      }
      long t2 = System.nanoTime();
      if (n >= warmup) {
        sign.recordValue((t1 - t0) / 1000);
        verify.recordValue((t2 - t1) / 1000);
      }
    }
    System.out.printf(
        Locale.ROOT,
        "%nDecision seal (Ed25519, one per committed batch): sign p50 %.3f ms p99 %.3f ms;"
            + " verify p50 %.3f ms p99 %.3f ms%n",
        sign.getValueAtPercentile(50) / 1000.0,
        sign.getValueAtPercentile(99) / 1000.0,
        verify.getValueAtPercentile(50) / 1000.0,
        verify.getValueAtPercentile(99) / 1000.0);
  }

  static void run(OnnxModel model, Explainer explainer, int iterations, int warmup, boolean withSex)
      throws IOException {
    ModelDescriptor d = model.descriptor();
    int width = model.width();
    Random random = new Random(42);
    boolean[] attributed = new boolean[width];
    float[] reference = new float[width];
    int players = 0;
    for (int i = 0; i < width; i++) {
      ModelDescriptor.Feature f = d.features().get(i);
      attributed[i] = f.attributed() || (withSex && f.name().equals("female"));
      players += attributed[i] ? 1 : 0;
      Double ref = d.reference().values().get(f.name());
      reference[i] = ref == null ? f.min().floatValue() : ref.floatValue();
    }
    Histogram infer = new Histogram(3);
    Histogram explain = new Histogram(3);
    for (int n = 0; n < warmup + iterations; n++) {
      float[] patient = new float[width];
      for (int i = 0; i < width; i++) {
        ModelDescriptor.Feature f = d.features().get(i);
        double lo = f.min();
        double hi = f.max();
        patient[i] =
            (float)
                (hi - lo <= 1 && lo == 0
                    ? random.nextInt(2)
                    : lo + random.nextDouble() * (hi - lo));
      }
      List<float[]> whatIfs = new ArrayList<>();
      for (int i = 0; i < width; i++) {
        ModelDescriptor.WhatIf w = d.features().get(i).whatIf();
        if (w != null && w.appliesTo(patient[i])) {
          float[] row = patient.clone();
          row[i] = (float) w.target();
          whatIfs.add(row);
        }
      }
      long t0 = System.nanoTime();
      model.predict(patient);
      long t1 = System.nanoTime();
      explainer.explain(model, patient, reference, attributed, whatIfs);
      long t2 = System.nanoTime();
      if (n >= warmup) {
        infer.recordValue((t1 - t0) / 1000);
        explain.recordValue((t2 - t1) / 1000);
      }
    }
    System.out.printf(
        Locale.ROOT,
        "%-18s %-9s %6d %9d | %8.3f ms %8.3f ms | %10.3f ms %10.3f ms%n",
        d.id() + (withSex ? "*" : ""),
        d.explanation() == null ? "shapley" : d.explanation(),
        players,
        // Rows in the explanation's ONNX batch (what-ifs not counted).
        d.explanation() == null || d.explanation().equals("shapley")
            ? (1 << players)
            : d.explanation().equals("points") ? 2 : 1,
        infer.getValueAtPercentile(50) / 1000.0,
        infer.getValueAtPercentile(99) / 1000.0,
        explain.getValueAtPercentile(50) / 1000.0,
        explain.getValueAtPercentile(99) / 1000.0);
  }

  private ModelBenchmark() {}
}

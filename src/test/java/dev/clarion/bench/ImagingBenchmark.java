package dev.clarion.bench;

import ai.onnxruntime.OrtEnvironment;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clarion.imaging.DicomWebClient;
import dev.clarion.imaging.DicomWebEndpoint;
import dev.clarion.imaging.ImageModel;
import dev.clarion.imaging.OcclusionSaliency;
import dev.clarion.imaging.StudyReader;
import dev.clarion.support.DicomFiles;
import dev.clarion.support.Orthanc;
import dev.clarion.support.SyntheticStudies;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Time to a result for one study with the PACS on the same machine (README §Benchmark): DICOMweb
 * retrieval (series search, instance list, metadata, one frame), preprocessing, inference, and the
 * occlusion saliency (225 occluded copies in one batch) — saliency cost against inference cost. Not
 * part of the suite (its name matches no test pattern): {@code ./mvnw -B -Pbenchmark verify} runs
 * it, in the application (the DICOMweb client's circuit breaker is the application's).
 */
@QuarkusTest
class ImagingBenchmark {

  @Inject DicomWebClient client;

  @Test
  void timeToAResultForOneStudy() throws Exception {
    int iterations = Integer.getInteger("bench.imaging-iterations", 300);
    ObjectMapper json = new ObjectMapper();
    int[] pixels = SyntheticStudies.heldOut(2);
    try (Orthanc pacs = Orthanc.start("benchmark");
        ImageModel model =
            ImageModel.load(
                Path.of("models/lesion-demo/image-model.json"),
                json,
                OrtEnvironment.getEnvironment(),
                1)) {
      String study = "1.2.826.0.1.3680043.10.1234.900";
      pacs.store(DicomFiles.write(SyntheticStudies.chest(study, "900", "DX", pixels)));
      DicomWebEndpoint endpoint = new DicomWebEndpoint(pacs.dicomWeb(), Orthanc.AUTHORIZATION);
      long[] retrieve = new long[iterations];
      long[] preprocess = new long[iterations];
      long[] infer = new long[iterations];
      long[] saliency = new long[iterations];
      int warmup = iterations / 5;
      for (int i = -warmup; i < iterations; i++) {
        long t0 = System.nanoTime();
        StudyReader.RetrievedImage image =
            StudyReader.read(
                client, endpoint, study, model.descriptor(), System.nanoTime() + 5_000_000_000L);
        long t1 = System.nanoTime();
        float[] input = model.preprocessing().apply(image.frame());
        long t2 = System.nanoTime();
        model.predict(input);
        long t3 = System.nanoTime();
        OcclusionSaliency.explain(model, input);
        long t4 = System.nanoTime();
        if (i >= 0) {
          retrieve[i] = t1 - t0;
          preprocess[i] = t2 - t1;
          infer[i] = t3 - t2;
          saliency[i] = t4 - t3;
        }
      }
      System.out.printf(
          Locale.ROOT,
          "%nImaging, one 64 x 64 DX study from Orthanc on this machine, %d iterations after %d"
              + " warm-up (p50 / p99 ms):%n",
          iterations,
          warmup);
      row("DICOMweb retrieval (4 calls)", retrieve);
      row("preprocessing", preprocess);
      row("inference (1 image)", infer);
      row("occlusion saliency (226 images, 1 batch)", saliency);
      long[] total = new long[iterations];
      for (int i = 0; i < iterations; i++) {
        total[i] = retrieve[i] + preprocess[i] + infer[i] + saliency[i];
      }
      row("time to a result", total);
    }
  }

  static void row(String what, long[] nanos) {
    long[] s = nanos.clone();
    Arrays.sort(s);
    System.out.printf(
        Locale.ROOT,
        "  %-42s %8.2f / %8.2f%n",
        what,
        s[s.length / 2] / 1e6,
        s[(int) Math.min(s.length - 1, Math.ceil(s.length * 0.99) - 1)] / 1e6);
  }
}

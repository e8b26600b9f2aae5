package dev.clarion.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.onnxruntime.OrtEnvironment;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clarion.model.ModelDescriptor;
import dev.clarion.model.ModelLoader;
import dev.clarion.model.OnnxModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The auditor page sorts bands as the models' own band lists do, for every model shipped. */
class BandOrderTest {

  @Test
  void everyModelsBandsSortFromLowestToHighest() throws Exception {
    List<ModelDescriptor> descriptors = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(Path.of("models"))) {
      for (Path file :
          dirs.map(d -> d.resolve("model.json")).filter(Files::exists).sorted().toList()) {
        try (OnnxModel m =
            ModelLoader.load(file, new ObjectMapper(), OrtEnvironment.getEnvironment(), 1)) {
          descriptors.add(m.descriptor());
        }
      }
    }
    Map<String, Double> ranks = OverviewView.bandRanks(descriptors);
    for (ModelDescriptor d : descriptors) {
      List<String> codes = d.bands().stream().map(ModelDescriptor.Band::code).toList();
      List<String> sorted =
          codes.stream()
              .sorted(Comparator.comparing((String c) -> ranks.get(c)).thenComparing(c -> c))
              .toList();
      assertEquals(codes, sorted, d.id() + "'s bands in the auditor page's order");
    }
    // The bands the old fixed list did not know sort between low and high.
    assertEquals(0.5, ranks.get("moderate"), 1e-9); // KFRE, LACE
    assertEquals(1.0 / 3, ranks.get("low-medium"), 1e-9); // NEWS2
  }
}

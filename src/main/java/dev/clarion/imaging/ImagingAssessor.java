package dev.clarion.imaging;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Scores one study with an imaging model: reads what the model needs from the PACS ({@link
 * StudyReader}), preprocesses it as the model's file says, and scores it together with its
 * occlusion map in one batched ONNX Runtime call. A refusal ({@link ImageRefusedException}) says
 * why in terms of the PACS or the DICOM attributes.
 *
 * <p>Thread-safe; holds no per-call state.
 */
@ApplicationScoped
public class ImagingAssessor {

  private final DicomWebClient client;

  ImagingAssessor(DicomWebClient client) {
    this.client = client;
  }

  /**
   * @param endpoint an endpoint registered for the caller ({@link ImagingEndpoints#forCaller})
   * @param deadline {@link System#nanoTime()} by which the PACS must have answered
   */
  public ImagingResult assess(
      ImageModel model, DicomWebEndpoint endpoint, String studyUid, long deadline) {
    StudyReader.RetrievedImage image =
        StudyReader.read(client, endpoint, studyUid, model.descriptor(), deadline);
    float[] input = model.preprocessing().apply(image.frame());
    Saliency saliency = OcclusionSaliency.explain(model, input);
    return new ImagingResult(
        model.descriptor(), model.sha256(), model.preprocessing(), image, saliency);
  }
}

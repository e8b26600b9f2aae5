package dev.clarion.explain;

import dev.clarion.model.ModelDescriptor;
import jakarta.enterprise.context.ApplicationScoped;

/** Picks a model's explainer from its descriptor's {@code explanation} field. */
@ApplicationScoped
public class Explainers {

  private final ShapleyExplainer shapley;
  private final PointsExplainer points;
  private final TreeShapExplainer treeShap;

  public Explainers(ShapleyExplainer shapley, PointsExplainer points, TreeShapExplainer treeShap) {
    this.shapley = shapley;
    this.points = points;
    this.treeShap = treeShap;
  }

  public Explainer forModel(ModelDescriptor descriptor) {
    String kind = descriptor.explanation() == null ? "shapley" : descriptor.explanation();
    return switch (kind) {
      case "shapley" -> shapley;
      case "points" -> points;
      case "treeshap" -> treeShap;
      default ->
          throw new IllegalArgumentException(
              "model " + descriptor.id() + " has an unknown explanation '" + kind + "'");
    };
  }
}

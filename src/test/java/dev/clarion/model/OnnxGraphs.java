package dev.clarion.model;

import ai.onnx.proto.OnnxMl;
import java.util.Map;
import java.util.Set;
import org.tribuo.util.onnx.ONNXAttribute;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXInitializer;
import org.tribuo.util.onnx.ONNXNode;
import org.tribuo.util.onnx.ONNXOperator;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXRef;

/**
 * What the equation compilers ({@link PceGraphBuilder}, {@link PreventGraphBuilder}) share: the
 * ONNX operators Tribuo's {@link ONNXOperators} lacks, column and constant helpers, and the model
 * envelope with Clarion's metadata. Graphs built with these are deterministic byte for byte.
 */
final class OnnxGraphs {

  static final int OPSET = 13;

  /** ONNX operators Tribuo's {@link ONNXOperators} does not provide. */
  enum MathOps implements ONNXOperator {
    LOG("Log", 1),
    EXP("Exp", 1),
    RESHAPE("Reshape", 2),
    MIN("Min", 2),
    MAX("Max", 2);

    private final String opName;
    private final int inputs;

    MathOps(String opName, int inputs) {
      this.opName = opName;
      this.inputs = inputs;
    }

    @Override
    public String getOpName() {
      return opName;
    }

    @Override
    public int getNumInputs() {
      return inputs;
    }

    @Override
    public int getNumOptionalInputs() {
      return 0;
    }

    @Override
    public int getNumOutputs() {
      return 1;
    }

    @Override
    public Map<String, ONNXAttribute> getAttributes() {
      return Map.of();
    }

    @Override
    public Set<String> getMandatoryAttributeNames() {
      return Set.of();
    }

    @Override
    public int getOpVersion() {
      return OPSET;
    }

    @Override
    public String getOpDomain() {
      return "ai.onnx";
    }
  }

  private OnnxGraphs() {}

  /** Column {@code index} of {@code x} as an [N,1] tensor. */
  static ONNXNode column(ONNXContext ctx, ONNXRef<?> x, int index) {
    ONNXInitializer idx = ctx.array("col_" + index, new long[] {index});
    return x.apply(ONNXOperators.GATHER, idx, Map.of("axis", 1));
  }

  /** A double constant matrix of the given shape (row-major values). */
  static ONNXNode reshaped(ONNXContext ctx, String name, double[] values, int rows, int cols) {
    ONNXInitializer flat = ctx.array(name, values, false);
    return flat.apply(MathOps.RESHAPE, ctx.array(name + "_shape", new long[] {rows, cols}));
  }

  /** The model envelope: IR 8, opset 13, producer Clarion, the version in the metadata. */
  static byte[] model(ONNXContext ctx, String version, String doc) {
    return OnnxMl.ModelProto.newBuilder()
        .setIrVersion(8)
        .setProducerName("clarion")
        .setProducerVersion(version)
        .setDomain("dev.clarion")
        .setModelVersion(1)
        .setDocString(doc)
        .addOpsetImport(
            OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET).build())
        .addMetadataProps(
            OnnxMl.StringStringEntryProto.newBuilder()
                .setKey("clarion.model.version")
                .setValue(version))
        .setGraph(ctx.buildGraph())
        .build()
        .toByteArray();
  }
}

package dev.deduce.server.internal.grpc;

import com.google.protobuf.ByteString;
import dev.deduce.api.InferenceResult;
import dev.deduce.api.NamedTensors;
import dev.deduce.api.Tensor;
import dev.deduce.server.grpc.InferParameter;
import dev.deduce.server.grpc.InferTensorContents;
import dev.deduce.server.grpc.ModelInferRequest;
import dev.deduce.server.grpc.ModelInferResponse;
import dev.deduce.server.internal.ApiException;
import dev.deduce.server.internal.Datatypes;
import dev.deduce.server.internal.Limits;
import dev.deduce.server.internal.RawTensors;
import dev.deduce.server.internal.TensorHeader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Tensors to and from ModelInferRequest/Response: typed contents, or raw_input_contents/raw_output_contents. */
final class GrpcTensors {

  private GrpcTensors() {}

  static List<TensorHeader> headers(ModelInferRequest req) {
    List<TensorHeader> out = new ArrayList<>();
    for (ModelInferRequest.InferInputTensor in : req.getInputsList()) {
      if (in.getName().isEmpty()) {
        throw ApiException.bad("an input has no name; expected every input to name one of the model's inputs");
      }
      String what = "input '" + in.getName() + "'";
      long[] shape = in.getShapeList().stream().mapToLong(Long::longValue).toArray();
      out.add(new TensorHeader(in.getName(), in.getDatatype(), Datatypes.parse(in.getDatatype(), what), shape));
    }
    return out;
  }

  static NamedTensors decode(ModelInferRequest req, List<TensorHeader> headers, Limits limits) {
    int raw = req.getRawInputContentsCount();
    if (raw > 0 && raw != headers.size()) {
      throw ApiException.bad("the request has " + raw + " raw_input_contents for " + headers.size()
          + " inputs; expected one per input, in order");
    }
    NamedTensors.Builder b = NamedTensors.builder();
    for (int i = 0; i < headers.size(); i++) {
      TensorHeader h = headers.get(i);
      ModelInferRequest.InferInputTensor in = req.getInputs(i);
      if (raw > 0) {
        if (in.hasContents()) {
          throw ApiException.bad(h.what() + " has both contents and raw_input_contents; expected one of them");
        }
        b.put(h.name(), RawTensors.decode(h.type(), h.shape(), req.getRawInputContents(i).asReadOnlyByteBuffer(),
            h.what(), limits));
      } else {
        b.put(h.name(), contents(h, in.getContents(), limits));
      }
    }
    return b.build();
  }

  private static Tensor contents(TensorHeader h, InferTensorContents c, Limits limits) {
    int n = limits.elements(h.shape(), h.what());
    long[] shape = h.shape();
    switch (h.type()) {
      case FLOAT32: {
        count(h, c.getFp32ContentsCount(), n, "fp32_contents");
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
          v[i] = c.getFp32Contents(i);
        }
        return Tensor.ofFloats(v, shape);
      }
      case FLOAT64: {
        count(h, c.getFp64ContentsCount(), n, "fp64_contents");
        return Tensor.ofDoubles(c.getFp64ContentsList().stream().mapToDouble(Double::doubleValue).toArray(), shape);
      }
      case INT32: {
        count(h, c.getIntContentsCount(), n, "int_contents");
        return Tensor.ofInts(c.getIntContentsList().stream().mapToInt(Integer::intValue).toArray(), shape);
      }
      case INT64: {
        count(h, c.getInt64ContentsCount(), n, "int64_contents");
        return Tensor.ofLongs(c.getInt64ContentsList().stream().mapToLong(Long::longValue).toArray(), shape);
      }
      case UINT8: {
        count(h, c.getUintContentsCount(), n, "uint_contents");
        byte[] v = new byte[n];
        for (int i = 0; i < n; i++) {
          int x = c.getUintContents(i);
          if (x < 0 || x > 255) {
            throw ApiException.bad(h.what() + " element " + i + " is " + Integer.toUnsignedString(x)
                + "; expected 0 to 255 for datatype UINT8");
          }
          v[i] = (byte) x;
        }
        return Tensor.ofUint8(v, shape);
      }
      case BOOL: {
        count(h, c.getBoolContentsCount(), n, "bool_contents");
        boolean[] v = new boolean[n];
        for (int i = 0; i < n; i++) {
          v[i] = c.getBoolContents(i);
        }
        return Tensor.ofBooleans(v, shape);
      }
      default: {
        count(h, c.getBytesContentsCount(), n, "bytes_contents");
        String[] v = new String[n];
        var utf8 = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
        for (int i = 0; i < n; i++) {
          ByteString s = c.getBytesContents(i);
          limits.checkBytesLength(s.size(), h.what(), i);
          try {
            v[i] = utf8.decode(s.asReadOnlyByteBuffer()).toString();
          } catch (CharacterCodingException e) {
            throw ApiException.bad(h.what() + " BYTES element " + i + " is not UTF-8 text; Deduce carries BYTES as"
                + " text");
          }
        }
        return Tensor.ofStrings(v, shape);
      }
    }
  }

  private static void count(TensorHeader h, int found, int expected, String field) {
    if (found != expected) {
      throw ApiException.bad(h.what() + " has " + found + " elements in contents." + field + "; expected "
          + expected + " for shape " + java.util.Arrays.toString(h.shape()) + " and datatype " + h.datatype());
    }
  }

  /** The response: requested outputs (all when none were named), raw when the request sent raw inputs. */
  static ModelInferResponse encode(ModelInferRequest req, InferenceResult r) {
    boolean raw = req.getRawInputContentsCount() > 0;
    List<String> names = req.getOutputsCount() == 0 ? List.copyOf(r.outputs().names())
        : req.getOutputsList().stream().map(ModelInferRequest.InferRequestedOutputTensor::getName).toList();
    ModelInferResponse.Builder b = ModelInferResponse.newBuilder()
        .setModelName(r.model()).setModelVersion(r.version()).setId(req.getId())
        .putParameters("deduce_request_id", InferParameter.newBuilder().setStringParam(r.requestId()).build())
        .putParameters("batch_size", InferParameter.newBuilder().setInt64Param(r.batchSize()).build());
    for (String name : names) {
      Tensor t = r.output(name);
      ModelInferResponse.InferOutputTensor.Builder o = ModelInferResponse.InferOutputTensor.newBuilder()
          .setName(name).setDatatype(Datatypes.name(t.dtype()));
      for (long d : t.shape()) {
        o.addShape(d);
      }
      if (raw) {
        b.addRawOutputContents(ByteString.copyFrom(RawTensors.encode(t)));
      } else {
        o.setContents(contents(t));
      }
      b.addOutputs(o);
    }
    return b.build();
  }

  private static InferTensorContents contents(Tensor t) {
    InferTensorContents.Builder c = InferTensorContents.newBuilder();
    switch (t.dtype()) {
      case FLOAT32: for (float v : t.toFloatArray()) { c.addFp32Contents(v); } break;
      case FLOAT64: for (double v : t.toDoubleArray()) { c.addFp64Contents(v); } break;
      case INT32: for (int v : t.toIntArray()) { c.addIntContents(v); } break;
      case INT64: for (long v : t.toLongArray()) { c.addInt64Contents(v); } break;
      case UINT8: for (byte v : t.toByteArray()) { c.addUintContents(v & 0xff); } break;
      case BOOL: for (boolean v : t.toBooleanArray()) { c.addBoolContents(v); } break;
      default:
        for (String s : t.toStringArray()) {
          c.addBytesContents(ByteString.copyFromUtf8(s));
        }
    }
    return c.build();
  }
}

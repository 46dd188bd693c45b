package io.inferstream.protocol;

import com.google.protobuf.ByteString;
import io.inferstream.data.DataType;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.ModelInfo;
import io.inferstream.protocol.v2.OpenInferenceV2.InferParameter;
import io.inferstream.protocol.v2.OpenInferenceV2.InferTensorContents;
import io.inferstream.protocol.v2.OpenInferenceV2.ModelInferRequest;
import io.inferstream.protocol.v2.OpenInferenceV2.ModelInferResponse;
import io.inferstream.protocol.v2.OpenInferenceV2.ModelMetadataResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The protobuf (gRPC) form of the Open Inference Protocol v2: {@code ModelInferRequest}/{@code ModelInferResponse}
 * to and from {@link InferRequest}/{@link InferResponse}, and model metadata.
 *
 * <p>Both ways of carrying values are read: the typed {@code contents} of each tensor, or {@code raw_*_contents}
 * (one entry per tensor, little-endian, each element of the datatype's width; BYTES elements each prefixed by a
 * 4-byte little-endian length), which the protocol says is used for all tensors or for none. Writers choose with
 * {@code raw}. Tensor parameters are read as text (a string, or the number or boolean written out).
 *
 * <p>Thread safety: stateless and thread-safe.
 */
public final class V2Proto {
    private V2Proto() {
    }

    /** @throws ProtocolException if a tensor's datatype, shape or contents are wrong */
    public static InferRequest fromProto(ModelInferRequest request) {
        int raw = request.getRawInputContentsCount();
        if (raw != 0 && raw != request.getInputsCount()) {
            throw new ProtocolException("raw_input_contents has " + raw + " entries for " + request.getInputsCount()
                    + " inputs; the protocol wants one per input or none");
        }
        List<WireTensor> inputs = new ArrayList<>();
        for (int i = 0; i < request.getInputsCount(); i++) {
            ModelInferRequest.InferInputTensor t = request.getInputs(i);
            inputs.add(tensor(t.getName(), t.getDatatype(), t.getShapeList(), t.getParametersMap(), t.getContents(),
                    raw == 0 ? null : request.getRawInputContents(i)));
        }
        List<String> outputs = new ArrayList<>();
        request.getOutputsList().forEach(o -> outputs.add(o.getName()));
        return new InferRequest(request.getModelName(), request.getModelVersion(), request.getId(), inputs, outputs);
    }

    /** @param raw true to send values in {@code raw_input_contents}, false in each tensor's typed contents */
    public static ModelInferRequest toProto(InferRequest request, boolean raw) {
        ModelInferRequest.Builder b = ModelInferRequest.newBuilder()
                .setModelName(request.modelName()).setModelVersion(request.modelVersion());
        if (request.id() != null) {
            b.setId(request.id());
        }
        for (WireTensor t : request.inputs()) {
            ModelInferRequest.InferInputTensor.Builder in = ModelInferRequest.InferInputTensor.newBuilder()
                    .setName(t.name()).setDatatype(t.datatype().name()).putAllParameters(parameters(t.parameters()));
            for (long d : t.shape()) {
                in.addShape(d);
            }
            if (raw) {
                b.addRawInputContents(raw(t));
            } else {
                in.setContents(contents(t));
            }
            b.addInputs(in);
        }
        request.requestedOutputs().forEach(n -> b.addOutputs(
                ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName(n)));
        return b.build();
    }

    /** @throws ProtocolException if a tensor's datatype, shape or contents are wrong */
    public static InferResponse fromProto(ModelInferResponse response) {
        int raw = response.getRawOutputContentsCount();
        if (raw != 0 && raw != response.getOutputsCount()) {
            throw new ProtocolException("raw_output_contents has " + raw + " entries for "
                    + response.getOutputsCount() + " outputs; the protocol wants one per output or none");
        }
        List<WireTensor> outputs = new ArrayList<>();
        for (int i = 0; i < response.getOutputsCount(); i++) {
            ModelInferResponse.InferOutputTensor t = response.getOutputs(i);
            outputs.add(tensor(t.getName(), t.getDatatype(), t.getShapeList(), t.getParametersMap(), t.getContents(),
                    raw == 0 ? null : response.getRawOutputContents(i)));
        }
        return new InferResponse(response.getModelName(), response.getModelVersion(), response.getId(), outputs);
    }

    /** @param raw true to send values in {@code raw_output_contents}, false in each tensor's typed contents */
    public static ModelInferResponse toProto(InferResponse response, boolean raw) {
        ModelInferResponse.Builder b = ModelInferResponse.newBuilder()
                .setModelName(response.modelName()).setModelVersion(response.modelVersion());
        if (response.id() != null) {
            b.setId(response.id());
        }
        for (WireTensor t : response.outputs()) {
            ModelInferResponse.InferOutputTensor.Builder out = ModelInferResponse.InferOutputTensor.newBuilder()
                    .setName(t.name()).setDatatype(t.datatype().name()).putAllParameters(parameters(t.parameters()));
            for (long d : t.shape()) {
                out.addShape(d);
            }
            if (raw) {
                b.addRawOutputContents(raw(t));
            } else {
                out.setContents(contents(t));
            }
            b.addOutputs(out);
        }
        return b.build();
    }

    /** @return the model metadata message; shapes put the batch dimension {@code -1} first. */
    public static ModelMetadataResponse metadata(ModelInfo info, List<String> versions) {
        ModelMetadataResponse.Builder b = ModelMetadataResponse.newBuilder().setName(info.name())
                .addAllVersions(versions).setPlatform(info.format());
        info.inputs().forEach(f -> b.addInputs(metadata(f)));
        info.outputs().forEach(f -> b.addOutputs(metadata(f)));
        return b.build();
    }

    private static ModelMetadataResponse.TensorMetadata metadata(FieldSpec f) {
        ModelMetadataResponse.TensorMetadata.Builder t = ModelMetadataResponse.TensorMetadata.newBuilder()
                .setName(f.name()).setDatatype(V2Datatype.of(f.type()).name()).addShape(-1);
        for (long d : f.shape()) {
            t.addShape(d);
        }
        return t.build();
    }

    /**
     * @param format the format id to give the result
     * @return name, the last listed version (or ""), inputs and outputs with the batch dimension dropped; BYTES
     *     fields are BYTES (the message cannot say a field is text)
     */
    public static ModelInfo fromMetadata(ModelMetadataResponse m, String format) {
        ModelInfo.Builder b = ModelInfo.builder(format).name(m.getName()).threadSafe(true)
                .version(m.getVersionsCount() == 0 ? "" : m.getVersions(m.getVersionsCount() - 1));
        if (!m.getPlatform().isEmpty()) {
            b.property("platform", m.getPlatform());
        }
        m.getInputsList().forEach(t -> b.input(field(t)));
        m.getOutputsList().forEach(t -> b.output(field(t)));
        return b.build();
    }

    private static FieldSpec field(ModelMetadataResponse.TensorMetadata t) {
        DataType type = V2Datatype.parse(t.getDatatype(), t.getName()).local();
        List<Long> shape = t.getShapeList();
        long[] perRecord = shape.stream().skip(shape.isEmpty() ? 0 : 1).mapToLong(Long::longValue).toArray();
        return perRecord.length == 0 ? FieldSpec.scalar(t.getName(), type) : FieldSpec.tensor(t.getName(), type, perRecord);
    }

    // ---- tensors ----

    private static Map<String, InferParameter> parameters(Map<String, String> p) {
        Map<String, InferParameter> out = new LinkedHashMap<>();
        p.forEach((k, v) -> out.put(k, InferParameter.newBuilder().setStringParam(v).build()));
        return out;
    }

    private static Map<String, String> text(Map<String, InferParameter> p) {
        Map<String, String> out = new LinkedHashMap<>();
        p.forEach((k, v) -> {
            switch (v.getParameterChoiceCase()) {
                case BOOL_PARAM: out.put(k, Boolean.toString(v.getBoolParam())); break;
                case INT64_PARAM: out.put(k, Long.toString(v.getInt64Param())); break;
                case DOUBLE_PARAM: out.put(k, Double.toString(v.getDoubleParam())); break;
                case UINT64_PARAM: out.put(k, Long.toUnsignedString(v.getUint64Param())); break;
                default: out.put(k, v.getStringParam());
            }
        });
        return out;
    }

    private static WireTensor tensor(String name, String datatype, List<Long> shapeList,
            Map<String, InferParameter> parameters, InferTensorContents contents, ByteString raw) {
        V2Datatype dt = V2Datatype.parse(datatype, name);
        long[] shape = shapeList.stream().mapToLong(Long::longValue).toArray();
        int n;
        try {
            n = Math.toIntExact(Tensor.elementCount(shape));
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new ProtocolException(name, "shape " + shapeList + " is not a tensor's", null);
        }
        Object values = raw == null ? fromContents(name, dt, n, contents) : fromRaw(name, dt, n, raw);
        return new WireTensor(name, dt, Elements.tensor(dt.local(), values, shape), text(parameters));
    }

    private static Object fromContents(String name, V2Datatype dt, int n, InferTensorContents c) {
        List<?> list;
        switch (dt) {
            case BOOL: list = c.getBoolContentsList(); break;
            case INT8: case INT16: case INT32: list = c.getIntContentsList(); break;
            case INT64: list = c.getInt64ContentsList(); break;
            case UINT8: case UINT16: case UINT32: list = c.getUintContentsList(); break;
            case UINT64: list = c.getUint64ContentsList(); break;
            case FP32: list = c.getFp32ContentsList(); break;
            case FP64: list = c.getFp64ContentsList(); break;
            default: list = c.getBytesContentsList(); break;
        }
        if (list.size() != n) {
            throw new ProtocolException(name, "shape holds " + n + " elements but the " + dt + " contents have "
                    + list.size(), null);
        }
        Object array = Elements.array(dt.local(), n);
        for (int i = 0; i < n; i++) {
            Object v = list.get(i);
            switch (dt.local()) {
                case BOOL: ((boolean[]) array)[i] = (Boolean) v; break;
                case FLOAT: ((float[]) array)[i] = (Float) v; break;
                case DOUBLE: ((double[]) array)[i] = (Double) v; break;
                case INT32: {
                    // uint_contents is uint32: read as unsigned before the range check.
                    long l = dt.name().startsWith("U") ? Integer.toUnsignedLong((Integer) v) : (Integer) v;
                    dt.checkRange(l, name);
                    ((int[]) array)[i] = (int) l;
                    break;
                }
                case INT64: {
                    long l = v instanceof Integer ? Integer.toUnsignedLong((Integer) v) : (Long) v;
                    dt.checkRange(l, name);
                    ((long[]) array)[i] = l;
                    break;
                }
                default: ((byte[][]) array)[i] = ((ByteString) v).toByteArray();
            }
        }
        return array;
    }

    private static Object fromRaw(String name, V2Datatype dt, int n, ByteString raw) {
        ByteBuffer in = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        if (dt != V2Datatype.BYTES && in.remaining() != (long) n * dt.width()) {
            throw new ProtocolException(name, "raw contents have " + in.remaining() + " bytes; shape and " + dt
                    + " want " + (long) n * dt.width(), null);
        }
        if (dt == V2Datatype.BYTES && n > in.remaining() / 4) {
            // each BYTES element carries a 4-byte length: count from the data before allocating from the shape
            throw new ProtocolException(name, "raw contents have " + in.remaining() + " bytes, too few for the " + n
                    + " BYTES elements the shape declares", null);
        }
        Object array = Elements.array(dt.local(), n);
        for (int i = 0; i < n; i++) {
            switch (dt) {
                case BOOL: ((boolean[]) array)[i] = in.get() != 0; break;
                case FP32: ((float[]) array)[i] = in.getFloat(); break;
                case FP64: ((double[]) array)[i] = in.getDouble(); break;
                case INT8: ((int[]) array)[i] = in.get(); break;
                case UINT8: ((int[]) array)[i] = in.get() & 0xFF; break;
                case INT16: ((int[]) array)[i] = in.getShort(); break;
                case UINT16: ((int[]) array)[i] = in.getShort() & 0xFFFF; break;
                case INT32: ((int[]) array)[i] = in.getInt(); break;
                case UINT32: ((long[]) array)[i] = Integer.toUnsignedLong(in.getInt()); break;
                case INT64: ((long[]) array)[i] = in.getLong(); break;
                case UINT64: {
                    long l = in.getLong();
                    dt.checkRange(l, name);
                    ((long[]) array)[i] = l;
                    break;
                }
                default: {
                    if (in.remaining() < 4) {
                        throw new ProtocolException(name, "raw BYTES contents end before element " + i, null);
                    }
                    int len = in.getInt();
                    if (len < 0 || len > in.remaining()) {
                        throw new ProtocolException(name, "raw BYTES element " + i + " claims " + len
                                + " bytes; " + in.remaining() + " remain", null);
                    }
                    byte[] b = new byte[len];
                    in.get(b);
                    ((byte[][]) array)[i] = b;
                }
            }
        }
        if (in.hasRemaining()) {
            throw new ProtocolException(name, "raw contents have " + in.remaining() + " bytes beyond " + n
                    + " elements", null);
        }
        return array;
    }

    private static InferTensorContents contents(WireTensor t) {
        InferTensorContents.Builder c = InferTensorContents.newBuilder();
        Tensor v = t.values();
        for (int i = 0; i < v.size(); i++) {
            switch (t.datatype()) {
                case BOOL: c.addBoolContents(v.asBooleans()[i]); break;
                case FP32: c.addFp32Contents(v.asFloats()[i]); break;
                case FP64: c.addFp64Contents(v.asDoubles()[i]); break;
                case INT8: case INT16: case INT32: c.addIntContents(v.asInts()[i]); break;
                case UINT8: case UINT16: c.addUintContents(v.asInts()[i]); break;
                case UINT32: c.addUintContents((int) v.asLongs()[i]); break;
                case INT64: c.addInt64Contents(v.asLongs()[i]); break;
                case UINT64: c.addUint64Contents(v.asLongs()[i]); break;
                default: c.addBytesContents(ByteString.copyFrom(v.asBytes()[i]));
            }
        }
        return c.build();
    }

    private static ByteString raw(WireTensor t) {
        Tensor v = t.values();
        int n = v.size();
        int size = 0;
        if (t.datatype() == V2Datatype.BYTES) {
            for (byte[] b : v.asBytes()) {
                size += 4 + b.length;
            }
        } else {
            size = n * t.datatype().width();
        }
        ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            switch (t.datatype()) {
                case BOOL: out.put((byte) (v.asBooleans()[i] ? 1 : 0)); break;
                case FP32: out.putFloat(v.asFloats()[i]); break;
                case FP64: out.putDouble(v.asDoubles()[i]); break;
                case INT8: case UINT8: out.put((byte) v.asInts()[i]); break;
                case INT16: case UINT16: out.putShort((short) v.asInts()[i]); break;
                case INT32: out.putInt(v.asInts()[i]); break;
                case UINT32: out.putInt((int) v.asLongs()[i]); break;
                case INT64: case UINT64: out.putLong(v.asLongs()[i]); break;
                default: {
                    byte[] b = v.asBytes()[i];
                    out.putInt(b.length).put(b);
                }
            }
        }
        out.flip();
        return ByteString.copyFrom(out);
    }
}

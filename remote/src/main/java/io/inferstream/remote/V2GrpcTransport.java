package io.inferstream.remote;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.model.InferenceException;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.ModelInfo;
import io.inferstream.model.ModelLoadException;
import io.inferstream.protocol.InferRequest;
import io.inferstream.protocol.ProtocolException;
import io.inferstream.protocol.TensorBatches;
import io.inferstream.protocol.V2Proto;
import io.inferstream.protocol.v2.GRPCInferenceServiceGrpc;
import io.inferstream.protocol.v2.GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub;
import io.inferstream.protocol.v2.OpenInferenceV2.ModelInferResponse;
import io.inferstream.protocol.v2.OpenInferenceV2.ModelMetadataRequest;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The Open Inference Protocol v2 over gRPC ({@code inference.GRPCInferenceService}): {@code ModelMetadata} for the
 * signature, {@code ModelInfer} with the batch's values in {@code raw_input_contents} (little-endian, no per-element
 * framing for numbers: the cheapest form to write and read), through one plain-text channel shared by all workers.
 *
 * <p>Status codes: UNAVAILABLE, DEADLINE_EXCEEDED and RESOURCE_EXHAUSTED are transient; INVALID_ARGUMENT refuses the
 * input; the rest fail the model. After an UNAVAILABLE the channel's reconnect backoff (up to two minutes in
 * grpc-java) is cut short before the next attempt, so that a server that is back is used as soon as the client's own
 * retry (or the engine's) comes, not when the channel's timer says.
 *
 * <p>Thread safety: thread-safe (gRPC channels and stubs are).
 */
final class V2GrpcTransport implements Transport {
    private static final Set<Status.Code> TRANSIENT = EnumSet.of(Status.Code.UNAVAILABLE,
            Status.Code.DEADLINE_EXCEEDED, Status.Code.RESOURCE_EXHAUSTED);
    private static final int MAX_MESSAGE_BYTES = 256 << 20;

    private final RemoteAddress address;
    private final ManagedChannel channel;
    private final GRPCInferenceServiceBlockingStub stub;
    private final long timeoutMs;
    private volatile boolean unavailable;

    V2GrpcTransport(RemoteAddress address, RemoteSettings settings) {
        this.address = address;
        this.channel = NettyChannelBuilder.forAddress(address.uri.getHost(), address.uri.getPort()).usePlaintext()
                .withOption(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE,
                        settings.connectTimeout().toMillis()))
                .maxInboundMessageSize(MAX_MESSAGE_BYTES).build();
        this.stub = GRPCInferenceServiceGrpc.newBlockingStub(channel).withMaxOutboundMessageSize(MAX_MESSAGE_BYTES);
        this.timeoutMs = settings.timeout().toMillis();
    }

    @Override
    public ModelInfo metadata(String format) throws ModelLoadException {
        try {
            return V2Proto.fromMetadata(stub.withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS).modelMetadata(
                    ModelMetadataRequest.newBuilder().setName(address.model).setVersion(address.version).build()),
                    format);
        } catch (StatusRuntimeException | ProtocolException e) {
            throw new ModelLoadException("cannot read the signature of model '" + address.model + "' from "
                    + endpoint() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public List<Prediction> infer(List<Features> rows, ModelInfo info) throws TransientFailure, InferenceException {
        if (unavailable) {
            channel.resetConnectBackoff();
        }
        InferRequest request = new InferRequest(address.model, address.version, null,
                TensorBatches.encodeInputs(rows, info), List.of());
        ModelInferResponse response;
        try {
            response = stub.withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS)
                    .modelInfer(V2Proto.toProto(request, true));
            unavailable = false;
        } catch (StatusRuntimeException e) {
            Status.Code code = e.getStatus().getCode();
            unavailable = code == Status.Code.UNAVAILABLE;
            String message = e.getStatus().getDescription() == null ? "" : e.getStatus().getDescription();
            if (TRANSIENT.contains(code)) {
                throw new TransientFailure("gRPC " + code + " from " + endpoint() + (message.isEmpty() ? ""
                        : ": " + message), e);
            }
            throw Rejections.of(endpoint(), code == Status.Code.INVALID_ARGUMENT, "gRPC " + code, message, rows.size());
        }
        try {
            return TensorBatches.decodeOutputs(V2Proto.fromProto(response).outputs());
        } catch (ProtocolException e) {
            throw new ModelFailureException(endpoint() + " answered a ModelInferResponse that cannot be read: "
                    + e.getMessage(), e);
        }
    }

    @Override
    public String endpoint() {
        return address.server + "/" + address.model + (address.version.isEmpty() ? "" : "/versions/" + address.version);
    }

    @Override
    public void close() {
        channel.shutdown();
        try {
            if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
                channel.shutdownNow();
            }
        } catch (InterruptedException e) {
            channel.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}

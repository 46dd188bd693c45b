package io.inferstream.serve;

import io.grpc.MethodDescriptor;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.StreamObserver;
import io.inferstream.protocol.InferRequest;
import io.inferstream.protocol.V2Proto;
import io.inferstream.protocol.v2.GRPCInferenceServiceGrpc;
import io.inferstream.protocol.v2.OpenInferenceV2.ModelInferRequest;
import io.inferstream.protocol.v2.OpenInferenceV2.ModelInferResponse;
import io.inferstream.protocol.v2.OpenInferenceV2.ModelMetadataRequest;
import io.inferstream.protocol.v2.OpenInferenceV2.ModelMetadataResponse;
import io.inferstream.protocol.v2.OpenInferenceV2.ModelReadyRequest;
import io.inferstream.protocol.v2.OpenInferenceV2.ModelReadyResponse;
import io.inferstream.protocol.v2.OpenInferenceV2.ServerLiveRequest;
import io.inferstream.protocol.v2.OpenInferenceV2.ServerLiveResponse;
import io.inferstream.protocol.v2.OpenInferenceV2.ServerMetadataRequest;
import io.inferstream.protocol.v2.OpenInferenceV2.ServerMetadataResponse;
import io.inferstream.protocol.v2.OpenInferenceV2.ServerReadyRequest;
import io.inferstream.protocol.v2.OpenInferenceV2.ServerReadyResponse;
import java.io.InputStream;
import java.util.List;
import java.util.function.Supplier;

/**
 * The gRPC front end: the Open Inference Protocol v2 {@code GRPCInferenceService}. Failures are gRPC statuses:
 * INVALID_ARGUMENT for a bad request (naming the input), NOT_FOUND for an unknown model or version, UNAVAILABLE when
 * the model is not ready, INTERNAL when it failed. {@code ModelInfer} answers in the form it was asked in: raw
 * contents for raw contents, typed contents otherwise. Inference never blocks a gRPC thread: the answer is sent
 * when the batch is scored.
 *
 * <p>Thread safety: thread-safe.
 */
final class GrpcApi extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(GrpcApi.class);
    private final ServedModels models;
    private final String serverVersion;
    private final java.util.concurrent.Executor responders;

    /** @param responders encodes and sends answers, off the batcher's thread, which should only call the model */
    GrpcApi(ServedModels models, String serverVersion, java.util.concurrent.Executor responders) {
        this.models = models;
        this.serverVersion = serverVersion;
        this.responders = responders;
    }

    @Override
    public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> out) {
        answer(out, () -> ServerLiveResponse.newBuilder().setLive(true).build());
    }

    @Override
    public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> out) {
        answer(out, () -> ServerReadyResponse.newBuilder().setReady(models.allReady()).build());
    }

    @Override
    public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> out) {
        answer(out, () -> {
            HostedModel m = models.model(request.getName());
            m.info(version(request.getVersion()));
            return ModelReadyResponse.newBuilder().setReady(m.ready()).build();
        });
    }

    @Override
    public void serverMetadata(ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> out) {
        answer(out, () -> ServerMetadataResponse.newBuilder().setName("inferstream").setVersion(serverVersion).build());
    }

    @Override
    public void modelMetadata(ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> out) {
        answer(out, () -> {
            HostedModel m = models.model(request.getName());
            String version = version(request.getVersion());
            return V2Proto.metadata(m.info(version), version == null ? m.versions() : List.of(version));
        });
    }

    /**
     * @return the service to register: {@link #bindService()}, but a {@code ModelInfer} message that is not valid
     *     protobuf reaches {@link #modelInfer} as {@link UnreadableMessage#UNREADABLE} (answered INVALID_ARGUMENT)
     *     instead of failing inside gRPC (UNKNOWN, and a stack trace logged per message)
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    ServerServiceDefinition definition() {
        ServerServiceDefinition plain = bindService();
        ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(plain.getServiceDescriptor().getName());
        for (ServerMethodDefinition<?, ?> m : plain.getMethods()) {
            if (m.getMethodDescriptor().getFullMethodName().equals(
                    GRPCInferenceServiceGrpc.getModelInferMethod().getFullMethodName())) {
                MethodDescriptor md = m.getMethodDescriptor();
                b.addMethod(ServerMethodDefinition.create(
                        md.toBuilder(new UnreadableMessage(), md.getResponseMarshaller()).build(),
                        (ServerCallHandler) m.getServerCallHandler()));
            } else {
                b.addMethod(m);
            }
        }
        return b.build();
    }

    @Override
    public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> out) {
        if (request == UnreadableMessage.UNREADABLE) {
            LOG.info("ModelInfer refused: the message is not a valid ModelInferRequest protobuf");
            out.onError(Status.INVALID_ARGUMENT.withDescription("the message is not a valid ModelInferRequest "
                    + "protobuf").asRuntimeException());
            return;
        }
        boolean raw = request.getRawInputContentsCount() > 0;
        InferRequest decoded;
        try {
            decoded = V2Proto.fromProto(request);
        } catch (RuntimeException e) {
            out.onError(status(e));
            return;
        }
        models.infer(request.getModelName(), request.getModelVersion(), decoded).whenCompleteAsync((response, error) -> {
            if (error != null) {
                out.onError(status(error));
            } else {
                out.onNext(V2Proto.toProto(response, raw));
                out.onCompleted();
            }
        }, responders);
    }

    /** Parses {@code ModelInfer} messages; one that does not parse becomes {@link #UNREADABLE}, never an exception. */
    static final class UnreadableMessage implements MethodDescriptor.Marshaller<ModelInferRequest> {
        /** Stands for a message that did not parse: compared by identity. */
        static final ModelInferRequest UNREADABLE = ModelInferRequest.newBuilder().setId("unreadable").build();
        private final MethodDescriptor.Marshaller<ModelInferRequest> proto =
                ProtoUtils.marshaller(ModelInferRequest.getDefaultInstance());

        @Override
        public InputStream stream(ModelInferRequest value) {
            return proto.stream(value);
        }

        @Override
        public ModelInferRequest parse(InputStream stream) {
            try {
                return proto.parse(stream);
            } catch (RuntimeException e) {
                return UNREADABLE;
            }
        }
    }

    private static String version(String v) {
        return v.isEmpty() ? null : v;
    }

    private static <T> void answer(StreamObserver<T> out, Supplier<T> call) {
        T response;
        try {
            response = call.get();
        } catch (RuntimeException e) {
            out.onError(status(e));
            return;
        }
        out.onNext(response);
        out.onCompleted();
    }

    private static RuntimeException status(Throwable t) {
        ServeError e = ServeError.of(t);
        return Status.fromCode(e.kind().grpc).withDescription(e.getMessage()).asRuntimeException();
    }
}

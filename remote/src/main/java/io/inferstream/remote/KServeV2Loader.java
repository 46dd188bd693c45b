package io.inferstream.remote;

import io.inferstream.model.LoaderOptions;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelSource;
import io.inferstream.model.OptionSpec;
import java.net.URI;

/**
 * Format {@value #FORMAT}: a model on a server that speaks the Open Inference Protocol v2 (KServe, NVIDIA Triton,
 * Seldon MLServer, {@code inferstream serve}), over REST for an {@code http(s)://host:port/v2/models/NAME[/versions/N]}
 * address and over gRPC for {@code grpc://host:port/NAME[/versions/N]}. Recognised by its URL, so
 * {@code model.path=http://127.0.0.1:8000/v2/models/fraud} needs no {@code model.format}.
 *
 * <p>Options: the engine's {@code remote.*} keys (see {@link RemoteSettings}), {@code name}/{@code version} (what
 * predictions report), and for gRPC {@value RemoteAddress#SERVER_MODEL_OPTION} (the model's name on the server when
 * the URL has none).
 *
 * <p>Thread safety: stateless, thread-safe.
 */
public final class KServeV2Loader extends RemoteLoader {
    /** The format id. */
    public static final String FORMAT = "kserve-v2";

    @Override
    public String format() {
        return FORMAT;
    }

    @Override
    public String description() {
        return "Open Inference Protocol v2 model server (REST http://host:8000/v2/models/NAME, gRPC grpc://host:8001/NAME)";
    }

    @Override
    public boolean accepts(ModelSource source) {
        return source.uri().map(u -> RemoteAddress.looksLikeV2(u) || RemoteAddress.isGrpc(u)).orElse(false);
    }

    @Override
    void declareOptions(OptionSpec.Builder options) {
        options.string(RemoteAddress.SERVER_MODEL_OPTION, null, "For a gRPC URL without a path "
                + "(grpc://host:8001): the model's name on the server.");
    }

    @Override
    RemoteAddress address(URI uri, LoaderOptions options) throws ModelLoadException {
        return RemoteAddress.isGrpc(uri) ? RemoteAddress.grpc(uri, options.string(RemoteAddress.SERVER_MODEL_OPTION, null))
                : RemoteAddress.v2(uri);
    }

    @Override
    Transport transport(RemoteAddress address, RemoteSettings settings) {
        return RemoteAddress.isGrpc(address.uri) ? new V2GrpcTransport(address, settings)
                : new V2RestTransport(address, settings);
    }
}

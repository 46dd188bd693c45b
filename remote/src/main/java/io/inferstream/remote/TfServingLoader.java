package io.inferstream.remote;

import io.inferstream.model.LoaderOptions;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelSource;
import java.net.URI;

/**
 * Format {@value #FORMAT}: a model on TensorFlow Serving (or {@code inferstream serve}), through its REST API at
 * {@code http://host:8501/v1/models/NAME[/versions/N]}; without a version, the server's latest. The signature is
 * {@code serving_default} from {@code GET .../metadata}; a batch is one {@code POST ...:predict} in row form.
 *
 * <p>Options: the engine's {@code remote.*} keys (see {@link RemoteSettings}) and {@code name}/{@code version}.
 *
 * <p>Thread safety: stateless, thread-safe.
 */
public final class TfServingLoader extends RemoteLoader {
    /** The format id. */
    public static final String FORMAT = "tfserving";

    @Override
    public String format() {
        return FORMAT;
    }

    @Override
    public String description() {
        return "TensorFlow Serving REST API (http://host:8501/v1/models/NAME[/versions/N])";
    }

    @Override
    public boolean accepts(ModelSource source) {
        return source.uri().map(RemoteAddress::looksLikeTfServing).orElse(false);
    }

    @Override
    RemoteAddress address(URI uri, LoaderOptions options) throws ModelLoadException {
        return RemoteAddress.tfServing(uri);
    }

    @Override
    Transport transport(RemoteAddress address, RemoteSettings settings) {
        return new TfServingRestTransport(address, settings);
    }
}

package io.inferstream.remote;

import io.inferstream.model.LoaderOptions;
import io.inferstream.model.Model;
import io.inferstream.model.ModelInfo;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelLoader;
import io.inferstream.model.ModelSource;
import io.inferstream.model.OptionSpec;
import java.net.URI;
import java.util.Map;

/**
 * What every remote loader does: parse the address, read the client settings, ask the server for the model's
 * signature, and wrap the transport in a {@link RemoteModel}. "Loading" a remote model opens no file and starts no
 * framework; it proves the server is reachable and knows the model, so that a wrong URL fails at start-up.
 *
 * <p>Name and version reported with every prediction: the loader options {@code name}/{@code version} when given;
 * else the model name in the URL, and the version pinned in the URL ({@code /versions/N}), else the newest one the
 * server's metadata lists (the version that "latest" meant when the engine started), else {@code 1}.
 *
 * <p>Thread safety: stateless, thread-safe.
 */
abstract class RemoteLoader implements ModelLoader {

    /** @return the transport for this address, not yet used. */
    abstract Transport transport(RemoteAddress address, RemoteSettings settings);

    /** @return the address the transport talks to, for the name and version. */
    abstract RemoteAddress address(URI uri, LoaderOptions options) throws ModelLoadException;

    /** Declares the options of one kind of server besides the client's ({@link RemoteSettings#OPTIONS}). */
    void declareOptions(OptionSpec.Builder options) {
    }

    /** @return {@code name}, {@code version}, the client's {@code remote.*} settings and this server kind's own. */
    @Override
    public final OptionSpec options() {
        OptionSpec.Builder options = OptionSpec.builder();
        RemoteSettings.OPTIONS.options().forEach(options::option);
        declareOptions(options);
        return options.build();
    }

    @Override
    public final Model load(ModelSource source, Map<String, ?> config) throws ModelLoadException {
        URI uri = source.uri().orElseThrow(() -> new ModelLoadException("model format '" + format()
                + "' is a model server: give its URL (e.g. model.url or model.path=http://...), not the file "
                + source));
        LoaderOptions options = LoaderOptions.of(config);
        RemoteSettings settings = RemoteSettings.from(options);
        RemoteAddress address = address(uri, options);
        Transport transport = transport(address, settings);
        try {
            ModelInfo served = transport.metadata(format());
            String version = !address.version.isEmpty() ? address.version : served.version();
            ModelInfo info = served.toBuilder().name(options.string(LoaderOptions.NAME, address.model))
                    .version(options.modelVersion(version)).property("server.model", address.model)
                    .property("server.version", address.version.isEmpty() ? "latest" : address.version).build();
            return new RemoteModel(transport, info, settings);
        } catch (ModelLoadException | RuntimeException e) {
            transport.close();
            throw e;
        }
    }
}

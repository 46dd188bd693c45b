package io.inferstream.remote;

import io.inferstream.model.ModelLoadException;
import java.net.URI;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A model's address on a server, parsed from the URL a user configures: the server (scheme, host, port, any path
 * prefix a proxy adds), the model's name, and a version or none (the server's latest).
 *
 * <ul>
 *   <li>Open Inference Protocol v2 REST: {@code http://host:8000[/prefix]/v2/models/NAME[/versions/N]}</li>
 *   <li>its gRPC form: {@code grpc://host:8001/NAME[/versions/N]} (or {@code grpc://host:8001/v2/models/NAME...});
 *       the name may instead come from the loader option {@value #SERVER_MODEL_OPTION}</li>
 *   <li>TF Serving REST: {@code http://host:8501[/prefix]/v1/models/NAME[/versions/N]}</li>
 * </ul>
 *
 * <p>Thread safety: immutable.
 */
final class RemoteAddress {
    /** Loader option naming the model on a gRPC server when the URL has no path. */
    static final String SERVER_MODEL_OPTION = "server.model";

    private static final Pattern V2 = Pattern.compile("(.*?)/v2/models/([^/]+)(?:/versions/([^/]+))?/?");
    private static final Pattern TF = Pattern.compile("(.*?)/v1/models/([^/:]+)(?:/versions/([^/:]+))?/?");
    private static final Pattern GRPC = Pattern.compile("/?([^/]+)?(?:/versions/([^/]+))?/?");

    final URI uri;
    final String model;
    /** The pinned version, or "" for the server's latest. */
    final String version;
    /** scheme://host:port/prefix, without the model part. */
    final String server;

    private RemoteAddress(URI uri, String server, String model, String version) {
        this.uri = uri;
        this.server = server;
        this.model = model;
        this.version = version == null ? "" : version;
    }

    static boolean isHttp(URI uri) {
        String s = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        return s.equals("http") || s.equals("https");
    }

    static boolean isGrpc(URI uri) {
        return uri.getScheme() != null && uri.getScheme().equalsIgnoreCase("grpc");
    }

    static boolean looksLikeV2(URI uri) {
        return isHttp(uri) && V2.matcher(path(uri)).matches();
    }

    static boolean looksLikeTfServing(URI uri) {
        return isHttp(uri) && TF.matcher(path(uri)).matches();
    }

    private static String path(URI uri) {
        return uri.getRawPath() == null ? "" : uri.getRawPath();
    }

    static RemoteAddress v2(URI uri) throws ModelLoadException {
        return http(uri, V2, "http://host:8000/v2/models/NAME[/versions/N]");
    }

    static RemoteAddress tfServing(URI uri) throws ModelLoadException {
        return http(uri, TF, "http://host:8501/v1/models/NAME[/versions/N]");
    }

    private static RemoteAddress http(URI uri, Pattern form, String example) throws ModelLoadException {
        Matcher m = form.matcher(path(uri));
        if (!isHttp(uri) || !m.matches() || uri.getHost() == null) {
            throw new ModelLoadException("'" + uri + "' is not a model address of the form " + example);
        }
        String server = uri.getScheme() + "://" + uri.getRawAuthority() + m.group(1);
        return new RemoteAddress(uri, server, m.group(2), m.group(3));
    }

    /** @param optionModel the {@value #SERVER_MODEL_OPTION} option, or null */
    static RemoteAddress grpc(URI uri, String optionModel) throws ModelLoadException {
        String path = path(uri);
        Matcher v2 = V2.matcher(path);
        Matcher plain = GRPC.matcher(path);
        String model;
        String version;
        if (v2.matches()) {
            model = v2.group(2);
            version = v2.group(3);
        } else if (plain.matches()) {
            model = plain.group(1);
            version = plain.group(2);
        } else {
            throw new ModelLoadException("'" + uri + "' is not a model address of the form grpc://host:8001/NAME"
                    + "[/versions/N]");
        }
        if (optionModel != null && !optionModel.isBlank()) {
            model = optionModel;
        }
        if (!isGrpc(uri) || uri.getHost() == null || uri.getPort() < 0 || model == null || model.isBlank()) {
            throw new ModelLoadException("'" + uri + "' needs a host, a port and a model: grpc://host:8001/NAME"
                    + "[/versions/N], or option " + SERVER_MODEL_OPTION + "=NAME");
        }
        return new RemoteAddress(uri, "grpc://" + uri.getHost() + ":" + uri.getPort(), model, version);
    }

    /** @return the model's base URL, with its version when pinned, e.g. {@code http://h:8000/v2/models/m/versions/2}. */
    String modelUrl(String modelsPath) {
        return server + modelsPath + model + (version.isEmpty() ? "" : "/versions/" + version);
    }

    @Override
    public String toString() {
        return uri.toString();
    }
}

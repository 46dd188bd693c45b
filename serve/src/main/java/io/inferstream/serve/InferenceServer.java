package io.inferstream.serve;

import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.inferstream.protocol.v2.GRPCInferenceServiceGrpc;
import io.inferstream.deploy.DeploymentSource;
import io.inferstream.deploy.FixedModelSource;
import io.inferstream.http.HttpEndpoint;
import io.inferstream.http.BearerTokens;
import io.inferstream.http.HttpLimits;
import io.inferstream.http.HttpSecurity;
import io.inferstream.http.TlsSettings;
import io.inferstream.model.Model;
import io.inferstream.model.ModelLoadException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An embeddable model server: hosts one or more models (a {@link Model}, or a {@link DeploymentSource} such as a
 * versioned folder, which then hot-swaps while serving) and serves them over the Open Inference Protocol v2 (REST and
 * gRPC) and TF Serving's REST API, merging concurrent requests for a model into one {@code predict} call (dynamic
 * batching: up to {@link Builder#maxBatchSize} records, waiting at most {@link Builder#maxQueueDelay} for more).
 *
 * <pre>{@code
 * try (InferenceServer server = InferenceServer.builder().model("fraud", model).restPort(8000).grpcPort(8001).start()) {
 *     ... // http://127.0.0.1:8000/v2/models/fraud/infer, grpc 127.0.0.1:8001
 * }
 * }</pre>
 *
 * <p>Listens on 127.0.0.1 unless told otherwise. Port 0 takes a free port ({@link #restPort()} says which); -1 turns
 * that front end off. The server owns the models it hosts and closes them in {@link #close()}.
 *
 * <p>Thread safety: thread-safe; {@link #close()} is idempotent and may be called from any thread.
 */
public final class InferenceServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InferenceServer.class);

    private final String host;
    private final ServedModels models;
    private final HttpEndpoint http;
    private final Server grpc;
    private final ExecutorService grpcResponders;
    private final AtomicBoolean closed = new AtomicBoolean();

    private InferenceServer(String host, ServedModels models, HttpEndpoint http, Server grpc,
            ExecutorService grpcResponders) {
        this.host = host;
        this.models = models;
        this.http = http;
        this.grpc = grpc;
        this.grpcResponders = grpcResponders;
    }

    /** @return a builder with the defaults: 127.0.0.1, REST on 8000, gRPC on 8001, batches of 32, 2 ms delay. */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the address both front ends listen on. */
    public String host() {
        return host;
    }

    /** @return the REST port, or -1 if REST is off. */
    public int restPort() {
        return http == null ? -1 : http.port();
    }

    /** @return the gRPC port, or -1 if gRPC is off. */
    public int grpcPort() {
        return grpc == null ? -1 : grpc.getPort();
    }

    /** @return the names the models are served under. */
    public List<String> modelNames() {
        List<String> names = new ArrayList<>();
        models.all().forEach(m -> names.add(m.name()));
        return names;
    }

    /**
     * @return what the batcher of a model has done so far
     * @throws IllegalArgumentException if no model is served under that name
     */
    public BatchStats stats(String model) {
        return hosted(model).stats();
    }

    /**
     * @return the signature of the version a request without a version goes to, under the served name
     * @throws IllegalArgumentException if no model is served under that name
     * @throws IllegalStateException if the model is not ready (e.g. after {@link #close()})
     */
    public io.inferstream.model.ModelInfo info(String model) {
        HostedModel m = hosted(model);
        try {
            return m.info(null);
        } catch (ServeError e) {
            throw new IllegalStateException(e.getMessage());
        }
    }

    private HostedModel hosted(String model) {
        try {
            return models.model(model);
        } catch (ServeError e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }

    /**
     * Stops both front ends (in-flight REST exchanges get up to a second to finish), fails requests still waiting for
     * a batch as unavailable, and closes the models. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (grpc != null) {
            grpc.shutdown();
        }
        if (http != null) {
            http.close();
        }
        models.all().forEach(HostedModel::close);
        if (grpc != null) {
            try {
                if (!grpc.awaitTermination(5, TimeUnit.SECONDS)) {
                    grpc.shutdownNow();
                }
            } catch (InterruptedException e) {
                grpc.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
        if (grpcResponders != null) {
            grpcResponders.shutdownNow();
        }
        LOG.info("Model server on {} stopped", host);
    }

    /** Collects the models and settings of a server. Not thread-safe. */
    public static final class Builder {
        private final List<HostedSpec> specs = new ArrayList<>();
        private String host = "127.0.0.1";
        private int restPort = 8000;
        private int grpcPort = 8001;
        private int maxBatchSize = 32;
        private Duration maxQueueDelay = Duration.ofMillis(2);
        private HttpLimits limits = HttpLimits.defaults();
        private long maxRequestElements = 16L << 20;
        private boolean allowNonFinite;
        private TlsSettings tls;
        private BearerTokens tokens;
        private boolean healthOpen = true;
        private Duration loadTimeout = Duration.ofMinutes(5);

        private static final class HostedSpec {
            final String name;
            final DeploymentSource source;

            HostedSpec(String name, DeploymentSource source) {
                this.name = name;
                this.source = source;
            }
        }

        private Builder() {
        }

        /** The address to listen on; 127.0.0.1 by default. */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** The REST port: 0 for any free port, -1 for no REST. */
        public Builder restPort(int port) {
            this.restPort = port;
            return this;
        }

        /** The gRPC port: 0 for any free port, -1 for no gRPC. */
        public Builder grpcPort(int port) {
            this.grpcPort = port;
            return this;
        }

        /** The most records one model call scores when requests are merged (a larger request is scored alone). */
        public Builder maxBatchSize(int records) {
            if (records < 1) {
                throw new IllegalArgumentException("max batch size must be at least 1, not " + records);
            }
            this.maxBatchSize = records;
            return this;
        }

        /** How long the first request of a batch waits for others to join it; 0 merges only what already waits. */
        public Builder maxQueueDelay(Duration delay) {
            if (delay.isNegative()) {
                throw new IllegalArgumentException("max queue delay must not be negative: " + delay);
            }
            this.maxQueueDelay = delay;
            return this;
        }

        /**
         * Threads serving REST exchanges (at least 8). No thread waits for a model or a slow client, so a few suffice;
         * shorthand for {@link #httpLimits} with {@link HttpLimits#withMaxThreads}.
         */
        public Builder httpThreads(int threads) {
            this.limits = limits.withMaxThreads(Math.max(8, threads));
            return this;
        }

        /**
         * What REST clients are allowed (timeouts, connections, head size, body cap); {@link HttpLimits#defaults()}
         * unless told. The body cap also bounds gRPC messages.
         */
        public Builder httpLimits(HttpLimits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /**
         * The most tensor elements (summed over a request's inputs) one request may carry, whatever its bytes; 16 Mi
         * (64 MiB of FP32) unless told. A request over it is refused as a bad request before it reaches the model.
         */
        public Builder maxRequestElements(long elements) {
            if (elements < 1) {
                throw new IllegalArgumentException("max request elements must be at least 1, not " + elements);
            }
            this.maxRequestElements = elements;
            return this;
        }

        /**
         * Lets NaN and infinities through to the models, for models that take NaN as a missing value (H2O, XGBoost,
         * LightGBM, PMML's missing-value treatments). Off by default: such values are refused as a bad request, as the
         * engine (input.allow.nan) and {@code score} (--allow-nan) refuse them unless told.
         */
        public Builder allowNonFinite(boolean allow) {
            this.allowNonFinite = allow;
            return this;
        }

        /**
         * Serves REST as HTTPS and gRPC over TLS with this certificate and key (and, if the settings say so, only to
         * clients with a trusted certificate). Plain text unless told.
         */
        public Builder tls(TlsSettings settings) {
            this.tls = Objects.requireNonNull(settings, "settings");
            return this;
        }

        /**
         * Requires one of these bearer tokens on every REST request ({@code Authorization: Bearer ...}) and gRPC call
         * ({@code authorization} metadata): 401 / UNAUTHENTICATED otherwise, with no detail.
         *
         * @param healthOpen whether health (REST {@code /v2/health/live} and {@code /ready}, gRPC {@code ServerLive}
         *     and {@code ServerReady}) stays open for probes that carry no token
         */
        public Builder tokens(BearerTokens accepted, boolean healthOpen) {
            this.tokens = Objects.requireNonNull(accepted, "accepted");
            this.healthOpen = healthOpen;
            return this;
        }

        /** How long to wait for a model to load at {@link #start()}. */
        public Builder loadTimeout(Duration timeout) {
            this.loadTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** Serves a model under the name it declares; the server closes it. */
        public Builder model(Model model) {
            return model(null, model);
        }

        /** Serves a model under a name (null: the name it declares); the server closes it. */
        public Builder model(String name, Model model) {
            Objects.requireNonNull(model, "model");
            return model(name, new FixedModelSource("model " + model.info().name(), () -> model));
        }

        /**
         * Serves a deployment (e.g. a {@code VersionedDirectorySource}: versions hot-swap while serving) under a name
         * (null: the deployment's own); the server closes the source.
         */
        public Builder model(String name, DeploymentSource source) {
            specs.add(new HostedSpec(name, Objects.requireNonNull(source, "source")));
            return this;
        }

        /**
         * Loads every model, then starts listening.
         *
         * @throws ModelLoadException if a model does not load (nothing is left running)
         * @throws IOException if a port cannot be bound (nothing is left running)
         */
        public InferenceServer start() throws ModelLoadException, IOException {
            if (specs.isEmpty()) {
                throw new IllegalStateException("no model to serve");
            }
            List<HostedModel> hosted = new ArrayList<>();
            HttpEndpoint http = null;
            ExecutorService responders = null;
            Server grpc = null;
            try {
                for (HostedSpec s : specs) {
                    HostedModel m = new HostedModel(s.name, s.source, maxBatchSize, maxQueueDelay);
                    hosted.add(m);
                    m.start(loadTimeout);
                }
                ServedModels models = new ServedModels(hosted, maxRequestElements, allowNonFinite);
                String version = serverVersion();
                if (restPort >= 0) {
                    RestApi rest = new RestApi(models, version, limits);
                    http = HttpEndpoint.start("inferstream-serve-http", host, restPort, limits,
                            security(Set.of("/v2/health/live", "/v2/health/ready")), rest);
                    rest.respondOn(http.executor());
                }
                if (grpcPort >= 0) {
                    responders = Executors.newFixedThreadPool(4, daemonThreads("inferstream-serve-grpc-"));
                    String service = "/" + GRPCInferenceServiceGrpc.SERVICE_NAME + "/";
                    NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(host, grpcPort));
                    if (tls != null) {
                        builder.sslContext(grpcTls(tls));
                    }
                    grpc = builder.addService(ServerInterceptors.intercept(
                                    new GrpcApi(models, version, responders).definition(),
                                    new GrpcTokenCheck(security(Set.of(service + "ServerLive", service + "ServerReady")))))
                            .maxInboundMessageSize((int) Math.max(4 << 20, limits.maxBodyBytes()))
                            .maxInboundMetadataSize(limits.maxHeaderBytes())
                            .maxConnectionIdle(limits.idleTimeout().toMillis(), TimeUnit.MILLISECONDS)
                            .handshakeTimeout(limits.headerTimeout().toMillis(), TimeUnit.MILLISECONDS)
                            .build().start();
                }
                InferenceServer server = new InferenceServer(host, models, http, grpc, responders);
                LOG.info("Serving {} on {} (REST port {}, gRPC port {})", server.modelNames(), host,
                        server.restPort(), server.grpcPort());
                return server;
            } catch (ModelLoadException | IOException | RuntimeException e) {
                if (http != null) {
                    http.close();
                }
                if (grpc != null) {
                    grpc.shutdownNow();
                }
                if (responders != null) {
                    responders.shutdownNow();
                }
                hosted.forEach(HostedModel::close);
                throw e;
            }
        }

        /** @param health the paths (or gRPC methods) a probe may reach without a token, when health is open */
        private HttpSecurity security(Set<String> health) {
            HttpSecurity s = HttpSecurity.none();
            if (tls != null) {
                s = s.withTls(tls);
            }
            return tokens == null ? s : s.withTokens(tokens, healthOpen ? health : Set.of());
        }

        private static SslContext grpcTls(TlsSettings tls) throws IOException {
            SslContextBuilder b = GrpcSslContexts.configure(SslContextBuilder.forServer(tls.keyManagers()),
                    SslProvider.JDK);
            if (tls.clientAuth()) {
                b.trustManager(tls.trustManagers()).clientAuth(ClientAuth.REQUIRE);
            }
            return b.build();
        }

        private static String serverVersion() {
            String v = InferenceServer.class.getPackage().getImplementationVersion();
            return v == null ? "development" : v;
        }

        private static java.util.concurrent.ThreadFactory daemonThreads(String prefix) {
            AtomicInteger n = new AtomicInteger();
            return r -> {
                Thread t = new Thread(r, prefix + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            };
        }
    }
}

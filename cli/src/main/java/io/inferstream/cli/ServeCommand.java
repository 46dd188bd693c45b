package io.inferstream.cli;

import io.inferstream.deploy.DeploymentSource;
import io.inferstream.deploy.FixedModelSource;
import io.inferstream.deploy.VersionedDirectorySource;
import io.inferstream.http.BearerTokens;
import io.inferstream.http.HttpLimits;
import io.inferstream.http.TlsSettings;
import io.inferstream.model.ModelInfo;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.serve.InferenceServer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code inferstream serve}: serves one model, embedded in this process, to other processes over the Open Inference
 * Protocol v2 (REST and gRPC) and TF Serving's REST API, until SIGTERM or Ctrl-C (graceful: requests in flight are
 * answered; exit code 0). A folder in TF Serving's {@code <base>/<version>/} layout is watched and its newest version
 * served, hot-swapped without a restart.
 *
 * <p>Thread safety: runs on the main thread; the stop signal's thread only calls the server's thread-safe close().
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve a model to other processes until stopped (SIGTERM/Ctrl-C stops gracefully): the Open "
            + "Inference Protocol v2 (KServe v2, as Triton and MLServer speak it) over REST and gRPC, and TF Serving's "
            + "REST predict and metadata endpoints, on 127.0.0.1 unless --host says otherwise. Concurrent requests "
            + "are merged into one model call (dynamic batching). A folder of numbered versions serves its newest "
            + "and swaps when a newer one appears."})
final class ServeCommand extends Subcommand {
    /** --model (a file, a directory, or a folder of numbered versions), --format, --option: as inspect and score. */
    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--name", paramLabel = "NAME",
            description = "The name to serve the model under; default: the model's own (a version folder's base name).")
    String name;

    @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "Address to listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 exposes the model to the network).")
    String host;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8000",
            description = "REST port (default: ${DEFAULT-VALUE}; 0 takes a free port, -1 turns REST off).")
    int port;

    @Option(names = "--grpc-port", paramLabel = "PORT", defaultValue = "8001",
            description = "gRPC port (default: ${DEFAULT-VALUE}; 0 takes a free port, -1 turns gRPC off).")
    int grpcPort;

    @Option(names = "--max-batch-size", paramLabel = "N", defaultValue = "32",
            description = "Most records one model call scores when requests are merged (default: ${DEFAULT-VALUE}).")
    int maxBatchSize;

    @Option(names = "--max-queue-delay-ms", paramLabel = "MS", defaultValue = "2",
            description = "How long a request waits for others to join its batch (default: ${DEFAULT-VALUE}).")
    int maxQueueDelayMs;

    @Option(names = "--tls-cert", paramLabel = "PEM",
            description = "Serve REST as HTTPS and gRPC over TLS with this certificate chain (PEM; needs --tls-key).")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM",
            description = "The certificate's private key (PEM, unencrypted PKCS#8 'BEGIN PRIVATE KEY').")
    Path tlsKey;

    @Option(names = "--tls-client-ca", paramLabel = "PEM",
            description = "Accept only clients whose certificate chains to one of these CA certificates (mutual TLS).")
    Path tlsClientCa;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "Require 'Authorization: Bearer <token>' (gRPC: 'authorization' metadata) with one of the "
                + "tokens in this file (one a line, at least 16 characters; # comments).")
    Path tokenFile;

    @Option(names = "--health-needs-token", defaultValue = "false",
            description = "With --token-file, require a token on health endpoints too (default: they stay open for "
                + "probes).")
    boolean healthNeedsToken;

    @Option(names = "--max-body-bytes", paramLabel = "BYTES",
            description = "Largest request body (413 beyond, decided before buffering); default: 64 MiB or an eighth "
                + "of the heap, whichever is smaller.")
    Long maxBodyBytes;

    @Option(names = "--allow-nan", description = "Let NaN and infinities reach the model (for models that take NaN "
            + "as missing); refused as a bad request by default, as the engine's input.allow.nan and score --allow-nan.")
    boolean allowNan;

    @Option(names = "--max-request-elements", paramLabel = "N", defaultValue = "16777216",
            description = "Most tensor elements one request may carry (default: ${DEFAULT-VALUE}).")
    long maxRequestElements;

    @Option(names = "--header-timeout-ms", paramLabel = "MS", defaultValue = "10000",
            description = "A connection must send a complete request head this soon (default: ${DEFAULT-VALUE}).")
    long headerTimeoutMs;

    @Option(names = "--body-timeout-ms", paramLabel = "MS", defaultValue = "30000",
            description = "A request body must arrive this soon after its head, else 408 (default: ${DEFAULT-VALUE}).")
    long bodyTimeoutMs;

    @Option(names = "--max-connections", paramLabel = "N", defaultValue = "1000",
            description = "Most open REST connections (default: ${DEFAULT-VALUE}).")
    int maxConnections;

    ServeCommand(PrintStream out, PrintStream err) {
        super(out, err);
    }

    @Override
    public Integer call() {
        if (ModelSource.isUrl(modelOptions.model)) {
            throw Main.usage(spec, "serve hosts a model file or folder, not a model server's address: "
                    + modelOptions.model);
        }
        Path model = Path.of(modelOptions.model);
        String format = modelOptions.format;
        Map<String, String> options = modelOptions.options;
        if (!Files.exists(model)) {
            throw Main.usage(spec, "model " + model + " does not exist");
        }
        Main.atLeast(spec, "--max-batch-size", maxBatchSize, 1);
        Main.atLeast(spec, "--max-queue-delay-ms", maxQueueDelayMs, 0);
        Main.atLeast(spec, "--port", port, -1);
        Main.atLeast(spec, "--grpc-port", grpcPort, -1);
        if (port < 0 && grpcPort < 0) {
            throw Main.usage(spec, "--port and --grpc-port are both off: nothing would be served");
        }
        if ((tlsCert == null) != (tlsKey == null)) {
            throw Main.usage(spec, "--tls-cert and --tls-key go together");
        }
        if (tlsClientCa != null && tlsCert == null) {
            throw Main.usage(spec, "--tls-client-ca needs --tls-cert and --tls-key");
        }
        Main.atLeast(spec, "--header-timeout-ms", (int) Math.min(Integer.MAX_VALUE, headerTimeoutMs), 1);
        Main.atLeast(spec, "--body-timeout-ms", (int) Math.min(Integer.MAX_VALUE, bodyTimeoutMs), 1);
        Main.atLeast(spec, "--max-connections", maxConnections, 1);
        HttpLimits limits = HttpLimits.defaults().withHeaderTimeout(Duration.ofMillis(headerTimeoutMs))
                .withBodyTimeout(Duration.ofMillis(bodyTimeoutMs)).withMaxConnections(maxConnections);
        if (maxBodyBytes != null) {
            try {
                limits = limits.withMaxBodyBytes(maxBodyBytes);
            } catch (IllegalArgumentException e) {
                throw Main.usage(spec, "--max-body-bytes: " + e.getMessage());
            }
        }
        ModelRegistry registry = ModelRegistry.discover();
        Path path = model.toAbsolutePath().normalize();
        DeploymentSource source = VersionedDirectorySource.isVersionedBase(path)
                ? new VersionedDirectorySource(path, name, "latest", null, Duration.ofSeconds(1),
                        versionPath -> () -> registry.load(ModelSource.of(versionPath), format, options))
                : new FixedModelSource(path.toString(), () -> registry.load(ModelSource.of(path), format, options));
        InferenceServer server;
        try {
            InferenceServer.Builder builder = InferenceServer.builder().host(host).restPort(port).grpcPort(grpcPort)
                    .maxBatchSize(maxBatchSize).maxQueueDelay(Duration.ofMillis(maxQueueDelayMs))
                    .httpLimits(limits).maxRequestElements(maxRequestElements).allowNonFinite(allowNan);
            if (tlsCert != null) {
                TlsSettings tls = TlsSettings.of(tlsCert, tlsKey);
                builder.tls(tlsClientCa == null ? tls : tls.requireClientCertificates(tlsClientCa));
            }
            if (tokenFile != null) {
                builder.tokens(BearerTokens.fromFile(tokenFile), !healthNeedsToken);
            }
            server = builder.model(name, source).start();
        } catch (ModelLoadException e) {
            err.println("inferstream serve: cannot load the model: "
                    + InspectCommand.withHint(e, registry, ModelSource.of(path)).getMessage());
            return 2;
        } catch (IOException e) {
            err.println("inferstream serve: cannot listen on " + host + ": " + e.getMessage());
            return 2;
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            err.println("inferstream serve: " + e.getMessage());
            return 2;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runnable stop = () -> {
            server.close();
            stopped.countDown();
        };
        RunCommand.StopSignals.install(stop, "requests in flight are answered", "requests in flight get no answer",
                err);
        // Still there for other ways the JVM may shut down (SIGHUP, or a signal we could not take over).
        Thread hook = new Thread(stop, "inferstream-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        printEndpoints(server, model);
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.close();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running: that is how we got here
        }
        String served = server.modelNames().get(0);
        out.println("inferstream: stopped: " + served + ": " + server.stats(served));
        return 0;
    }

    private void printEndpoints(InferenceServer server, Path model) {
        String served = server.modelNames().get(0);
        ModelInfo info = server.info(served);
        String rest = (tlsCert == null ? "http://" : "https://") + hostForUrl(server.host()) + ":" + server.restPort();
        out.println("inferstream: serving " + served + ":" + info.version() + " (" + info.format() + ") from " + model
                + "; stop with Ctrl-C or SIGTERM");
        if (server.restPort() >= 0) {
            out.println("  Open Inference Protocol v2 REST: " + rest + "/v2/models/" + served + "/infer"
                    + "  (metadata: " + rest + "/v2/models/" + served + ", health: " + rest + "/v2/health/ready)");
            out.println("  TF Serving REST:                 " + rest + "/v1/models/" + served + ":predict"
                    + "  (metadata: " + rest + "/v1/models/" + served + "/metadata)");
        }
        if (server.grpcPort() >= 0) {
            out.println("  Open Inference Protocol v2 gRPC: " + hostForUrl(server.host()) + ":" + server.grpcPort()
                    + "  (service inference.GRPCInferenceService)");
        }
        out.println("  dynamic batching: up to " + maxBatchSize + " records per model call, waiting up to "
                + maxQueueDelayMs + " ms");
        out.flush();
    }

    private static String hostForUrl(String host) {
        return host.contains(":") ? "[" + host + "]" : host;
    }
}

package io.inferstream.cli;

import io.inferstream.deploy.RoutingSpec;
import io.inferstream.deploy.kafka.ModelTopic;
import io.inferstream.deploy.signing.ModelSigner;
import io.inferstream.deploy.signing.ModelTrust;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sign-model}: writes an OpenSSF model signature for a version in a versioned model folder (the
 * {@value ModelTrust#SIGNATURE_FILE} that engines with {@code model.trusted.keys} require beside it). Versions on a
 * model topic are signed by {@code publish-model --sign-key} instead.
 *
 * <p>Thread safety: a command, run once on the caller's thread.
 */
@Command(name = "sign-model",
        description = {"Sign a model version for a versioned model folder: writes model.sig (OpenSSF Model Signing, "
            + "key mode) beside the model, bound to --name and --version."})
final class SignModelCommand extends Subcommand {
    // Its own --version is the model's, so only --help of the standard options (as publish-model).
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Option(names = "--key", required = true, paramLabel = "PEM",
            description = "The signer's private key (PKCS#8 PEM, elliptic curve P-256/P-384/P-521).")
    Path key;

    @Option(names = "--model", required = true, paramLabel = "PATH",
            description = "The version folder (e.g. models/fraud/3) or the model file in it.")
    Path model;

    @Option(names = "--name", required = true, paramLabel = "NAME",
            description = "The deployment's model name (model.name, or the versioned folder's name).")
    String name;

    @Option(names = "--version", required = true, paramLabel = "V", description = "The version, a whole number above 0.")
    String version;

    @Option(names = "--output", paramLabel = "FILE",
            description = "Where to write the signature (default: model.sig in the version folder).")
    Path output;

    SignModelCommand(PrintStream out, PrintStream err) {
        super(out, err);
    }

    @Override
    public Integer call() {
        if (!Files.exists(model)) {
            throw Main.usage(spec, "--model " + model + " does not exist");
        }
        String v;
        try {
            ModelTopic.requireName(name);
            v = RoutingSpec.requireVersion(version);
        } catch (IllegalArgumentException e) {
            throw Main.usage(spec, e.getMessage());
        }
        Path folder = Files.isDirectory(model) ? model : model.toAbsolutePath().getParent();
        Path target = output != null ? output : folder.resolve(ModelTrust.SIGNATURE_FILE);
        try {
            ModelSigner signer = ModelSigner.fromPem(key);
            Files.write(target, signer.sign(model, null, name, v));
        } catch (IOException e) {
            err.println("inferstream sign-model: " + e.getMessage());
            return 1;
        }
        out.printf("inferstream: signed %s version %s (%s): %s%n", name, v, model, target);
        return 0;
    }
}

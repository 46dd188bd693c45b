package io.inferstream.pytorch;

import ai.djl.engine.Engine;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.Model;
import io.inferstream.model.ModelInfo;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelLoader;
import io.inferstream.model.ModelSource;
import io.inferstream.model.OptionSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Loads PyTorch TorchScript modules: format id {@value #FORMAT}; a {@code .pt}/{@code .pth} file written by
 * {@code torch.jit.save} (traced or scripted, from any PyTorch release libtorch {@value TorchRuntime#LIBTORCH_VERSION}
 * reads; the tests load files saved by PyTorch 1.13), a folder holding one such file, or a zip holding one. A
 * {@code state_dict} saved with {@code torch.save} holds weights without the code and is refused with a hint.
 *
 * <p>Inputs are named as in the module's {@code forward} signature; their types and shapes, which TorchScript files
 * do not keep, come from the options, a sidecar file or an extra file saved with the module ({@link TorchSignature}).
 * Options are listed in {@link TorchScriptOptions}. {@code inspect} shows where the names and shapes came from, the
 * outputs (from a trial run on zeros when every input shape is known), the file's PyTorch archive version and
 * the runtime.
 *
 * <p>Thread safety: stateless and thread-safe; {@link #accepts} reads only the first bytes and never starts libtorch.
 */
public final class TorchScriptLoader implements ModelLoader {
    /** The format id. */
    public static final String FORMAT = "pytorch";
    /** The sidecar file's suffix: {@code model.pt} is described by {@code model.pt.inferstream.json}. */
    static final String SIDECAR_SUFFIX = ".inferstream.json";
    private static final int SNIFF = 128;

    /** A public no-argument constructor, for {@link java.util.ServiceLoader}. */
    public TorchScriptLoader() {
    }

    @Override
    public OptionSpec options() {
        return TorchScriptOptions.spec();
    }

    @Override
    public String format() {
        return FORMAT;
    }

    @Override
    public String description() {
        return "PyTorch TorchScript module (.pt, .pth; a folder or zip holding one) scored with libtorch "
                + TorchRuntime.LIBTORCH_VERSION + " through DJL " + TorchRuntime.DJL_VERSION;
    }

    @Override
    public boolean accepts(ModelSource source) {
        if (source.isRemote()) {
            return false;
        }
        if (source.isDirectory()) {
            return source.path().map(dir -> moduleFiles(dir).size() == 1).orElse(false);
        }
        String name = source.lowerCaseName();
        return TorchScriptArchive.looksLikeTorchScript(source.header(SNIFF))
                || name.endsWith(".pt") || name.endsWith(".pth")
                || name.endsWith(".zip") && zipHoldsModule(source);
    }

    private static boolean isModuleName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".pt") || n.endsWith(".pth");
    }

    private static List<Path> moduleFiles(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> Files.isRegularFile(p) && isModuleName(p.getFileName().toString())).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static boolean zipHoldsModule(ModelSource source) {
        try {
            return source.path().isPresent() && moduleInZip(source.requirePath(), source.toString()) != null;
        } catch (ModelLoadException e) {
            return false;
        }
    }

    /** @return the bytes of the one .pt/.pth entry of a zip, or null when it holds none. */
    private static byte[] moduleInZip(Path zipFile, String where) throws ModelLoadException {
        byte[] found = null;
        String foundName = null;
        try (ZipFile zip = new ZipFile(zipFile.toFile())) {
            for (ZipEntry e : java.util.Collections.list(zip.entries())) {
                if (!e.isDirectory() && isModuleName(e.getName())) {
                    if (found != null) {
                        throw new ModelLoadException(where + " holds more than one TorchScript file (" + foundName
                                + ", " + e.getName() + "): keep one per model");
                    }
                    foundName = e.getName();
                    try (InputStream in = zip.getInputStream(e)) {
                        found = in.readAllBytes();
                    }
                }
            }
        } catch (IOException e) {
            throw new ModelLoadException(where + " is not a readable zip: " + e, e);
        }
        return found;
    }

    /** The module's bytes and the sidecar signature beside it, wherever the source keeps them. */
    private record Located(byte[] module, String where, TorchSignature.Declared sidecar) {
    }

    private static Located locate(ModelSource source) throws ModelLoadException, IOException {
        if (source.isDirectory()) {
            Path dir = source.requirePath();
            List<Path> files = moduleFiles(dir);
            if (files.size() != 1) {
                throw new ModelLoadException("folder " + dir + " must hold exactly one .pt or .pth TorchScript file, "
                        + "not " + files.size() + " " + files.stream().map(p -> p.getFileName().toString()).toList());
            }
            Path file = files.get(0);
            TorchSignature.Declared sidecar = sidecar(file.resolveSibling(file.getFileName() + SIDECAR_SUFFIX));
            if (sidecar == null) {
                sidecar = sidecar(dir.resolve("inferstream.json"));
            }
            return new Located(Files.readAllBytes(file), file.toString(), sidecar);
        }
        byte[] bytes = source.readAllBytes();
        TorchSignature.Declared sidecar = source.path().isPresent()
                ? sidecar(source.requirePath().resolveSibling(source.name() + SIDECAR_SUFFIX)) : null;
        if (!TorchScriptArchive.looksLikeTorchScript(bytes) && source.lowerCaseName().endsWith(".zip")
                && source.path().isPresent()) {
            byte[] inner = moduleInZip(source.requirePath(), source.toString());
            if (inner == null) {
                throw new ModelLoadException(source + " holds no .pt or .pth TorchScript file");
            }
            return new Located(inner, source.toString(), sidecar);
        }
        return new Located(bytes, source.toString(), sidecar);
    }

    private static TorchSignature.Declared sidecar(Path file) throws ModelLoadException, IOException {
        return Files.isRegularFile(file) ? TorchSignature.Declared.parse(Files.readAllBytes(file), "file " + file) : null;
    }

    @Override
    public Model load(ModelSource source, Map<String, ?> config) throws ModelLoadException {
        TorchScriptOptions options = TorchScriptOptions.read(config, source);
        String name = options.name;
        Located located;
        try {
            located = locate(source);
        } catch (IOException e) {
            throw new ModelLoadException("cannot read PyTorch model " + name + " from " + source + ": " + e, e);
        }
        String where = "PyTorch model " + name + " (" + located.where + ")";
        Path temp;
        try {
            // libtorch and the zip reader read from a path; the bytes may come from memory, a zip or a Kafka topic.
            temp = Files.createTempFile("inferstream-torchscript-", ".pt");
            Files.write(temp, located.module);
        } catch (IOException e) {
            throw new ModelLoadException("cannot stage " + where + " in a temporary file: " + e, e);
        }
        try {
            return load(temp, located, where, options);
        } finally {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // a temp file left behind is harmless; the load's outcome matters more
            }
        }
    }

    private static Model load(Path temp, Located located, String where, TorchScriptOptions options)
            throws ModelLoadException {
        String name = options.name;
        TorchScriptArchive archive = TorchScriptArchive.read(temp, where);
        TorchSignature.Declared declared = located.sidecar;
        if (declared == null) {
            byte[] extra = archive.extraFile(TorchScriptArchive.SIGNATURE_EXTRA_FILE).orElse(null);
            declared = extra == null ? null : TorchSignature.Declared.parse(extra,
                    "saved in the file (extra file " + TorchScriptArchive.SIGNATURE_EXTRA_FILE + ")");
        }
        List<String> fileNames = archive.forwardParameters().orElse(null);
        TorchSignature signature;
        try {
            signature = TorchSignature.resolve(options, fileNames, declared);
        } catch (ModelLoadException e) {
            throw new ModelLoadException(where + ": " + e.getMessage(), e);
        }
        Engine engine = TorchRuntime.engine();
        PtNDManager manager = (PtNDManager) engine.newBaseManager();
        PtSymbolBlock module = null;
        try {
            module = JniUtils.loadModule(manager, temp, true, new String[0], new String[0], false);
            JniUtils.enableInferenceMode(module);
            ModelInfo.Builder info = ModelInfo.builder(FORMAT).name(name).version(options.version)
                    .threadSafe(options.threadSafe)
                    .property("input.names", signature.namesFrom)
                    .property("input.shapes", signature.shapesFrom)
                    .property("pytorch.runtime", "libtorch " + engine.getVersion() + " (DJL " + TorchRuntime.DJL_VERSION
                            + ")")
                    .property(TorchScriptOptions.THREADS, Integer.toString(options.threads));
            signature.inputs.forEach(info::input);
            TorchOutputs outputs = new TorchOutputs(signature.outputNames, name);
            TorchScriptModel probe = new TorchScriptModel(manager, module, info.build(), outputs, options.threads);
            List<FieldSpec> declaredOutputs = TrialRun.outputs(probe, signature.inputs);
            if (declaredOutputs != null) {
                declaredOutputs.forEach(info::output);
                info.property("outputs", "from a trial run on zeros");
            } else {
                info.property("outputs", "known when the first batch is scored (an input shape is not fixed)");
            }
            return new TorchScriptModel(manager, module, info.build(), outputs, options.threads);
        } catch (RuntimeException e) {
            if (module != null) {
                module.close();
            }
            manager.close();
            throw new ModelLoadException("cannot load " + where + " (" + located.module.length + " bytes): damaged, "
                    + "truncated or not a TorchScript module libtorch " + TorchRuntime.LIBTORCH_VERSION + " reads: "
                    + TorchScriptModel.firstLine(e.getMessage()), e);
        } catch (ModelLoadException e) {
            if (module != null) {
                module.close();
            }
            manager.close();
            throw e;
        }
    }
}

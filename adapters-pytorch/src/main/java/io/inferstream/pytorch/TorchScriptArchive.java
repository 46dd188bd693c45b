package io.inferstream.pytorch;

import io.inferstream.model.ModelLoadException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * What a TorchScript file says about itself, read in plain Java before libtorch sees it: {@code torch.jit.save}
 * writes a zip holding the pickled module ({@code <archive>/data.pkl}), its TorchScript source
 * ({@code <archive>/code/...py}) and any extra files ({@code <archive>/extra/<name>}). The top module's class is the
 * first class the pickle names; its {@code def forward(self, ...)} in the source gives the inputs' names.
 *
 * <p>Thread safety: immutable.
 */
final class TorchScriptArchive {
    /** The extra file ({@code torch.jit.save(..., _extra_files={...})}) that may hold the signature. */
    static final String SIGNATURE_EXTRA_FILE = "inferstream.json";

    private final Map<String, byte[]> entries;
    private final String prefix;

    private TorchScriptArchive(Map<String, byte[]> entries, String prefix) {
        this.entries = entries;
        this.prefix = prefix;
    }

    /** @return whether these bytes (a file's first ones suffice) are a zip whose first entry is a TorchScript part. */
    static boolean looksLikeTorchScript(byte[] head) {
        if (head.length < 30 || head[0] != 'P' || head[1] != 'K' || head[2] != 3 || head[3] != 4) {
            return false;
        }
        int nameLength = (head[26] & 0xff) | (head[27] & 0xff) << 8;
        int end = Math.min(head.length, 30 + nameLength);
        String first = new String(head, 30, end - 30, StandardCharsets.UTF_8);
        return first.endsWith("/data.pkl") || first.contains("/extra/") || first.endsWith("/version") || first.endsWith("/constants.pkl")
                || first.endsWith("/.data/version") || first.contains("/code/");
    }

    /**
     * Reads the archive's small parts (pickles, source, extra files), skipping the tensors' data. Through the zip's
     * central directory ({@link ZipFile}): PyTorch stores entries uncompressed with data descriptors, which a
     * streaming zip reader refuses.
     */
    static TorchScriptArchive read(Path file, String where) throws ModelLoadException {
        Map<String, byte[]> entries = new HashMap<>();
        String prefix = null;
        boolean hasCode = false;
        try (ZipFile zip = new ZipFile(file.toFile())) {
            for (ZipEntry e : java.util.Collections.list(zip.entries())) {
                String name = e.getName();
                int slash = name.indexOf('/');
                hasCode |= name.contains("/code/");
                if (slash > 0 && name.endsWith("data.pkl") && name.indexOf('/', slash + 1) < 0) {
                    prefix = name.substring(0, slash + 1);
                }
                if (name.endsWith(".pkl") || name.endsWith(".py") || name.contains("/extra/")) {
                    try (InputStream in = zip.getInputStream(e)) {
                        entries.put(name, in.readAllBytes());
                    }
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new ModelLoadException(where + " is not a TorchScript file: damaged or truncated zip (" + e + ")", e);
        }
        if (prefix == null || !hasCode) {
            throw new ModelLoadException(where + " is not a TorchScript file: it holds no TorchScript code (is it a state_dict "
                    + "saved by torch.save? Save the module with torch.jit.save(torch.jit.script(model)) or "
                    + "torch.jit.trace)");
        }
        return new TorchScriptArchive(entries, prefix);
    }

    /** @return an extra file saved with the module, if there is one. */
    Optional<byte[]> extraFile(String name) {
        return Optional.ofNullable(entries.get(prefix + "extra/" + name));
    }

    /**
     * @return the parameter names of the top module's {@code forward}, without {@code self}, or empty when the
     *     source cannot be found (a file from a release that writes it differently)
     */
    Optional<List<String>> forwardParameters() {
        String[] topClass = topClass();
        if (topClass == null) {
            return Optional.empty();
        }
        String path = prefix + "code/" + topClass[0].replace('.', '/') + ".py";
        byte[] source = entries.get(path);
        if (source == null) {
            return Optional.empty();
        }
        String code = new String(source, StandardCharsets.UTF_8);
        int cls = code.indexOf("class " + topClass[1] + "(");
        int def = cls < 0 ? -1 : code.indexOf("def forward(", cls);
        if (def < 0) {
            return Optional.empty();
        }
        int open = def + "def forward(".length();
        List<String> parameters = new ArrayList<>();
        int depth = 0;
        StringBuilder current = new StringBuilder();
        for (int i = open; i < code.length(); i++) {
            char c = code.charAt(i);
            if (c == '(' || c == '[') {
                depth++;
            } else if ((c == ')' || c == ']') && depth > 0) {
                depth--;
            } else if ((c == ',' || c == ')') && depth == 0) {
                String parameter = current.toString().strip();
                int colon = parameter.indexOf(':');
                parameters.add((colon < 0 ? parameter : parameter.substring(0, colon)).strip());
                current.setLength(0);
                if (c == ')') {
                    break;
                }
                continue;
            }
            current.append(c);
        }
        parameters.removeIf(String::isEmpty);
        if (parameters.isEmpty() || !parameters.get(0).equals("self")) {
            return Optional.empty();
        }
        return Optional.of(List.copyOf(parameters.subList(1, parameters.size())));
    }

    /** @return {module, class} of the first class data.pkl's pickle names (its GLOBAL opcode), or null. */
    private String[] topClass() {
        byte[] pickle = entries.get(prefix + "data.pkl");
        if (pickle == null) {
            return null;
        }
        String text = new String(pickle, StandardCharsets.ISO_8859_1);
        int at = text.indexOf("c__torch__");
        if (at < 0) {
            return null;
        }
        int moduleEnd = text.indexOf('\n', at);
        int nameEnd = moduleEnd < 0 ? -1 : text.indexOf('\n', moduleEnd + 1);
        if (nameEnd < 0) {
            return null;
        }
        return new String[] {text.substring(at + 1, moduleEnd), text.substring(moduleEnd + 1, nameEnd)};
    }
}

package io.inferstream.cli;

import io.inferstream.config.EngineConfig;
import io.inferstream.model.LoaderOptions;
import io.inferstream.model.ModelLoader;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.OptionSpec;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The configuration reference, generated from the definitions: the engine's keys ({@link EngineConfig#definition()})
 * and every discovered model loader's options ({@link ModelLoader#options()}), as Markdown. The docs embed it between
 * markers and a test keeps them equal, so the reference cannot go stale.
 *
 * <p>Thread safety: stateless.
 */
final class ConfigReference {
    private static final Set<String> EVERY_LOADER = Set.of(LoaderOptions.NAME, LoaderOptions.VERSION);

    private ConfigReference() {
    }

    /** @return the engine's keys, then the options every loader takes, then each loader's own, by format. */
    static String markdown(ModelRegistry registry) {
        StringBuilder sb = new StringBuilder(EngineConfig.toMarkdownTable());
        sb.append("\nModel loader options, given as `model.config.<option>` in the engine's properties (`remote.*` "
                + "keys as they are) and as `--option <option>=<value>` to `inspect`, `score` and `serve`. A key the "
                + "model's loader does not declare fails the load, naming the closest one.\n\n");
        sb.append("Every loader:\n\n");
        table(sb, OptionSpec.builder().build().options());
        List<ModelLoader> loaders = registry.formats().stream().map(format -> {
            try {
                return registry.loader(format);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).sorted(Comparator.comparing(ModelLoader::format)).collect(Collectors.toList());
        for (ModelLoader loader : loaders) {
            OptionSpec spec = loader.options();
            sb.append("\n`").append(loader.format()).append("` (").append(loader.description()).append("):\n\n");
            if (spec.acceptsAnyKey()) {
                sb.append("Declares no options: every `model.config.*` key reaches it unchecked.\n");
                continue;
            }
            List<OptionSpec.Option> own = spec.options().stream().filter(o -> !EVERY_LOADER.contains(o.name()))
                    .collect(Collectors.toList());
            if (own.isEmpty()) {
                sb.append("No options of its own.\n");
            } else {
                table(sb, own);
            }
        }
        return sb.toString();
    }

    private static void table(StringBuilder sb, java.util.Collection<OptionSpec.Option> options) {
        sb.append("| key | type | default | valid values | description |\n|---|---|---|---|---|\n");
        for (OptionSpec.Option o : options) {
            String key = o.name().startsWith(EngineConfig.REMOTE_PREFIX) ? o.name()
                    : EngineConfig.MODEL_CONFIG_PREFIX + o.name() + (o.prefix() ? "<input>" : "");
            sb.append("| `").append(key).append("` | ").append(o.type().name().toLowerCase(java.util.Locale.ROOT))
                    .append(" | ").append(o.defaultValue() == null ? "none" : "`" + o.defaultValue() + "`")
                    .append(" | ").append(o.validValuesText().replace("|", "\\|"))
                    .append(" | ").append(o.documentation().replace("|", "\\|")).append(" |\n");
        }
    }
}

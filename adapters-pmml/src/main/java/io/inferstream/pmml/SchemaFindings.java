package io.inferstream.pmml;

import jakarta.xml.bind.ValidationEvent;
import jakarta.xml.bind.ValidationEventHandler;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.xml.sax.SAXParseException;

/**
 * Hears what the PMML 4.4 schema and JAXB say while a document is read, and decides by the {@link Mode} of
 * {@value PmmlModelLoader#VALIDATE} which findings stop the load and which become warnings kept on the model.
 *
 * <p>Common exporters (R's pmml package and rattle, sklearn2pmml, KNIME, SAS) write documents that depart from
 * the strict 4.4 schema in ways JPMML reads past without losing anything: an {@code OutputField} without
 * {@code dataType} (optional before 4.4), an {@code Extension} or a vendor's element where the schema has no
 * place for it, elements out of order, an attribute the schema does not list, a required attribute left out.
 * Those are warnings in {@link Mode#WARN}. What is never harmless is a finding that means part of the document
 * is <em>lost</em> on the way into JPMML's object model, because the model then scores differently from what
 * the document says, without any error:
 * <ul>
 *   <li>a value outside the schema's enumeration ({@code normalizationMethod="softmx"}): JAXB reads it as
 *       absent, so JPMML uses the default;</li>
 *   <li>a value JAXB cannot convert ({@code intercept="NA"}): dropped;</li>
 *   <li>an element of the PMML namespace that JAXB does not know at that place (a misspelt
 *       {@code NumericPredictr}): skipped with all it contains.</li>
 * </ul>
 * Those stop the load in {@link Mode#WARN} as in {@link Mode#STRICT}; in {@link Mode#NONE} the schema is not
 * consulted, so only the last two are caught (JAXB reports them itself), and nothing is kept as a warning.
 *
 * <p>Thread safety: not thread-safe; one instance per load, used by the loading thread only.
 */
final class SchemaFindings implements ValidationEventHandler {
    /** How much of the schema {@value PmmlModelLoader#VALIDATE} asks for. */
    enum Mode {
        /** Any schema violation fails the load (before issue 14, the default; spelt {@code true} then). */
        STRICT,
        /** The schema is checked; harmless findings are warnings, findings that lose content fail the load. */
        WARN,
        /** No schema; content JAXB cannot bind still fails the load. */
        NONE;

        /** @throws IllegalArgumentException naming the accepted values */
        static Mode parse(String value) {
            switch (value.trim().toLowerCase(Locale.ROOT)) {
                case "strict":
                case "true": // the old boolean option's "validate": it meant strict
                    return STRICT;
                case "warn":
                    return WARN;
                case "none":
                case "false":
                    return NONE;
                default:
                    throw new IllegalArgumentException("option " + PmmlModelLoader.VALIDATE
                            + " must be strict, warn (the default) or none (also: true = strict, false = none), not '"
                            + value + "'");
            }
        }

        boolean usesSchema() {
            return this != NONE;
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Lines listed per warning before the rest are only counted. */
    private static final int LINES_SHOWN = 5;
    /** Xerces prefixes every schema finding with its rule, e.g. {@code cvc-complex-type.4: }. */
    private static final Pattern RULE = Pattern.compile("^(cvc-[\\w.-]+): ");
    private static final Pattern UNEXPECTED = Pattern.compile("^unexpected element \\(uri:\"([^\"]*)\", local:\"([^\"]*)\"\\)");
    private static final String PMML_NAMESPACE = "http://www.dmg.org/PMML-";

    private final Mode mode;
    /** Warning text → the lines it was found on, in the order first found. */
    private final Map<String, List<Integer>> warnings = new LinkedHashMap<>();
    private int count;
    private String fatal;
    private String lastText;
    private int lastLine = -1;

    SchemaFindings(Mode mode) {
        this.mode = mode;
    }

    @Override
    public boolean handleEvent(ValidationEvent event) {
        String text = event.getMessage() == null ? String.valueOf(event.getLinkedException()) : event.getMessage().trim();
        int line = event.getLocator() == null ? -1 : event.getLocator().getLineNumber();
        if (event.getSeverity() == ValidationEvent.WARNING) {
            note(text, line);
            return true;
        }
        // The parser reports schema findings (as fatal errors, all prefixed by their rule) and XML that is not
        // well-formed (no prefix) with a SAXParseException; JAXB reports what it cannot bind without one.
        boolean notWellFormed = event.getLinkedException() instanceof SAXParseException && !RULE.matcher(text).find();
        if (mode == Mode.STRICT || notWellFormed) {
            return false; // PmmlModelLoader describes the parser's complaint, as it always has
        }
        String loss = loss(text);
        if (loss != null) {
            // The complaint on the same line just before often names the attribute and element; say both.
            String context = lastLine == line && lastText != null && !lastText.equals(text) ? lastText + " (" + text + ")" : text;
            fatal = (line > 0 ? "line " + line + ": " : "") + context + " — " + loss;
            return false;
        }
        note(text, line);
        return true;
    }

    /** @return why this finding loses part of the document, or null if JPMML reads past it unharmed */
    private static String loss(String text) {
        if (text.startsWith("cvc-enumeration-valid")) {
            return "JAXB reads a value outside the schema's list as absent, so the model would not score as the "
                    + "document says; correct the value";
        }
        if (RULE.matcher(text).find()) {
            return null; // other schema findings: where JAXB loses something it reports it too, handled below
        }
        Matcher unexpected = UNEXPECTED.matcher(text);
        if (unexpected.find()) {
            boolean pmml = unexpected.group(1).startsWith(PMML_NAMESPACE);
            if (!pmml || "Extension".equals(unexpected.group(2))) {
                return null; // a vendor's element or an Extension: not PMML semantics, JPMML ignores it anyway
            }
            return "JPMML would skip this PMML element with all it contains, so the model would not score as the "
                    + "document says; correct the element's name or place";
        }
        return "JAXB cannot read this value and would drop it, so the model would not score as the document says";
    }

    private void note(String text, int line) {
        if (mode == Mode.NONE) {
            return; // asked not to validate: what JAXB reads past unharmed is not worth a warning either
        }
        count++;
        lastText = text;
        lastLine = line;
        Matcher rule = RULE.matcher(text);
        String key = rule.find() ? text.substring(rule.end()) : text;
        Matcher unexpected = UNEXPECTED.matcher(key);
        if (unexpected.find()) {
            key = unexpected.group(); // JAXB goes on to list every element it expected: long and no help here
        }
        key = key.endsWith(".") ? key.substring(0, key.length() - 1) : key; // the lines follow in brackets
        warnings.computeIfAbsent(key, k -> new ArrayList<>()).add(line);
    }

    /** @return why the load must stop, with the line, or null */
    String fatal() {
        return fatal;
    }

    /** @return how many findings were read past */
    int count() {
        return count;
    }

    /** @return each distinct finding read past, with the lines it was found on, in the order first found */
    List<String> warnings() {
        List<String> out = new ArrayList<>();
        warnings.forEach((text, lines) -> out.add(text + lines(lines)));
        return out;
    }

    private static String lines(List<Integer> lines) {
        List<Integer> known = lines.stream().filter(l -> l > 0).toList();
        if (known.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder(known.size() == 1 ? " (line " : " (lines ");
        for (int i = 0; i < Math.min(LINES_SHOWN, known.size()); i++) {
            sb.append(i == 0 ? "" : ", ").append(known.get(i));
        }
        if (known.size() > LINES_SHOWN) {
            sb.append(" and ").append(known.size() - LINES_SHOWN).append(" more");
        }
        return sb.append(')').toString();
    }
}

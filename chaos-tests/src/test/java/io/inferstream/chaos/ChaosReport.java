package io.inferstream.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The figures of one run of the chaos suite, as Markdown tables: printed at the end of the run and written to
 * {@code chaos-tests/target/chaos-report.md}, which the README's "Guarantees" section cites.
 *
 * <p>Thread safety: synchronized; tests add rows from their own thread.
 */
final class ChaosReport {
    /** One scenario's figures; "-" where a figure does not apply. */
    record Scenario(String name, int records, String kills, long lost, long duplicates, String longestStall,
                    String seconds, String notes) {
    }

    private final List<Scenario> scenarios = new ArrayList<>();
    private final List<String[]> badInputs = new ArrayList<>();
    private final List<String[]> badModels = new ArrayList<>();

    synchronized void add(Scenario s) {
        scenarios.add(s);
    }

    synchronized void badInput(String name, String expected, String stage, String reason) {
        badInputs.add(new String[] {name, expected, stage, reason});
    }

    synchronized void badModel(String version, String what, String state, String reason) {
        badModels.add(new String[] {version, what, state, reason});
    }

    synchronized String markdown() {
        StringBuilder sb = new StringBuilder("# Chaos suite report\n\n");
        sb.append("| scenario | records | kills | lost | duplicates | longest stall | seconds | notes |\n");
        sb.append("|---|---:|---|---:|---:|---:|---:|---|\n");
        for (Scenario s : scenarios) {
            sb.append("| ").append(s.name()).append(" | ").append(String.format("%,d", s.records())).append(" | ")
                    .append(s.kills()).append(" | ").append(s.lost()).append(" | ").append(s.duplicates())
                    .append(" | ").append(s.longestStall()).append(" | ").append(s.seconds()).append(" | ")
                    .append(s.notes()).append(" |\n");
        }
        if (!badInputs.isEmpty()) {
            sb.append("\n## Bad input matrix\n\n| record | expected | stage | reason (inferstream.dlt.error.message) |\n")
                    .append("|---|---|---|---|\n");
            for (String[] r : badInputs) {
                sb.append("| ").append(r[0]).append(" | ").append(r[1]).append(" | ").append(r[2]).append(" | ")
                        .append(cell(r[3])).append(" |\n");
            }
        }
        if (!badModels.isEmpty()) {
            sb.append("\n## Bad model matrix\n\n| version | what | state | reason |\n|---|---|---|---|\n");
            for (String[] r : badModels) {
                sb.append("| ").append(r[0]).append(" | ").append(r[1]).append(" | ").append(r[2]).append(" | ")
                        .append(cell(r[3])).append(" |\n");
            }
        }
        return sb.toString();
    }

    private static String cell(String text) {
        String t = text == null ? "" : text.replace("|", "\\|").replace("\n", " ");
        return t.length() > 160 ? t.substring(0, 157) + "..." : t;
    }

    synchronized void write(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, markdown(), StandardCharsets.UTF_8);
    }
}

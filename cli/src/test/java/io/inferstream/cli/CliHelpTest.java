package io.inferstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Every command explains itself: {@code --help} prints its usage and exits 0; the exit codes stay as documented. */
class CliHelpTest {
    @Test
    void everyCommandHasHelp() {
        for (String command : Main.commandLine(System.out, System.err).getSubcommands().keySet()) {
            CliTest.Run run = CliTest.cli(command, "--help");
            assertEquals(0, run.code(), command + " --help: " + run.err());
            assertTrue(run.out().contains("Usage: inferstream " + command), command + ":\n" + run.out());
        }
    }

    @Test
    void usageMistakesExitWithTwo() {
        assertEquals(2, CliTest.cli().code(), "no command");
        assertEquals(2, CliTest.cli("inspect").code(), "--model missing");
        assertEquals(2, CliTest.cli("demo", "--records", "many").code(), "not a number");
        assertEquals(2, CliTest.cli("demo", "--records", "0").code(), "below the minimum");
        CliTest.Run unknown = CliTest.cli("score", "--modle", "x.onnx", "--input", "in.jsonl");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("--modle"), unknown.err());
        assertEquals(0, CliTest.cli("help").code());
        assertEquals(0, CliTest.cli("--version").code());
    }

    @Test
    void theCompletionScriptCoversTheCommands() {
        CliTest.Run run = CliTest.cli("generate-completion");
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().contains("complete -F _complete_inferstream") || run.out().contains("_complete_inferstream"),
                run.out());
        assertTrue(run.out().contains("publish-model") && run.out().contains("--bootstrap-servers"), "commands and options");
    }
}

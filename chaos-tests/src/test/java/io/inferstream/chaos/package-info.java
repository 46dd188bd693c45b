/**
 * The chaos suite: the engine's guarantees proved with a broker and engines as processes of their own, killed with
 * SIGKILL and restarted, fed poison records and broken model versions. {@code mvn -pl chaos-tests -am verify} runs
 * it and writes {@code chaos-tests/target/chaos-report.md}.
 */
package io.inferstream.chaos;

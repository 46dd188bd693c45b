/**
 * The scoring path every host shares, free of Kafka types: decode → route → predict → encode for one batch, and what
 * becomes of a record that cannot be scored.
 *
 * <p>Follow one record: {@link io.inferstream.scoring.ScoringPipeline} routes it to a version of the current
 * {@code Deployment}; that version's {@link io.inferstream.scoring.RecordScorer} decodes it (a
 * {@code RecordDecoder}; a host whose records are named values rather than bytes, such as Flink SQL, hands them to
 * {@link io.inferstream.scoring.ScoringPipeline#scoreFields}, where the JSON decoder's rules decode them without any
 * JSON text) and scores it with its batch in as few model calls as possible, setting a bad record aside
 * ({@link io.inferstream.scoring.BatchScorer}, by {@link io.inferstream.scoring.BadRecordIsolation}'s rule, which
 * {@code serve} applies to its merged requests too); the pipeline's {@code PredictionEncoder} writes the prediction; the
 * host gets one {@link io.inferstream.scoring.ScoredRecord} per record, scored or rejected with its
 * {@link io.inferstream.scoring.DeadLetterHeaders stage}. A rejected record becomes a dead letter built by
 * {@link io.inferstream.scoring.DeadLetters}; the headers a host writes follow {@link io.inferstream.scoring.OutputHeaders}.
 *
 * <p>Hosts: the Kafka engine ({@code io.inferstream.engine}), {@code inferstream score}, the Kafka Streams processor,
 * the Flink operator and Flink SQL. Layering inside core, each package importing only those before it:
 * {@code data} → {@code model} → {@code config} → {@code codec} → {@code deploy} → {@code scoring} →
 * {@code kafka} → {@code monitor} → {@code engine}.
 */
package io.inferstream.scoring;

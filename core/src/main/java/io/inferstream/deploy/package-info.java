/**
 * Deployments: how the engine (and {@code score}, {@code serve}, the Kafka Streams and Flink processors) get their
 * models, free of Kafka types.
 *
 * <p>A {@link io.inferstream.deploy.DeploymentSource} describes what should be served as a
 * {@link io.inferstream.deploy.DeploymentSpec} (the versions on offer and the {@link io.inferstream.deploy.RoutingSpec}
 * between them). The {@link io.inferstream.deploy.DeploymentManager} turns each spec into an immutable, reference-counted
 * {@link io.inferstream.deploy.Deployment} snapshot: it loads, checks and warms new versions off the workers'
 * threads, rejects any that fail (the serving versions keep serving), and publishes the next snapshot with one
 * atomic write. Workers take the current snapshot once per batch; a version is closed only when the last batch
 * that used it has ended. The per-batch work on a snapshot (decode → route → predict → encode) belongs to the
 * scoring package one layer up, which imports this one and never the reverse. {@link io.inferstream.deploy.ScoringOptions} holds what every host of the
 * pipeline inside another stream processor shares (batching, decoding, class labels, warm-up).
 */
package io.inferstream.deploy;

/**
 * The hardened HTTP server both of Inferstream's HTTP surfaces run on (the engine's metrics and health endpoint, and
 * {@code serve}'s REST API): Jetty 12 core with read timeouts, bounded connections and threads, a request byte cap
 * decided before buffering, and JSON error bodies for errors raised by the HTTP layer itself.
 */
package io.inferstream.http;

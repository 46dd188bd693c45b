/** Runnable examples: each starts a broker in-process unless given bootstrap servers, and serves a real model. */
package io.inferstream.examples;

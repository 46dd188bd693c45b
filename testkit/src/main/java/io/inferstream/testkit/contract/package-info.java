/**
 * The cross-framework contract: one fixed-weights classifier ({@link
 * io.inferstream.sandbox.models.ReferenceClassifier}) that every adapter must reproduce through the engine.
 */
package io.inferstream.testkit.contract;

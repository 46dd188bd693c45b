/**
 * Plain-map JSON for the engine's own small documents: no data binding, no reflection.
 */
package io.inferstream.json;

/**
 * The PMML adapter: {@link io.inferstream.pmml.PmmlModelLoader} (format {@code pmml}) reads a PMML 4.x document
 * into one JPMML evaluator, and {@link io.inferstream.pmml.PmmlModel} scores each micro-batch with it, one
 * evaluation per record (JPMML has no batch call), mapping fields by name.
 *
 * <p>JPMML types ({@code org.jpmml}, {@code org.dmg.pmml}) stay inside this package. JPMML's evaluator is licensed
 * under the AGPL 3.0, which is why this adapter is a module of its own that nothing else depends on.
 */
package io.inferstream.pmml;

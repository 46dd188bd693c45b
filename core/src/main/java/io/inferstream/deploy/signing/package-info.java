/**
 * Signed models: who may deploy a model is decided by keys, not by write access to a model topic or folder. A version
 * is signed in the OpenSSF Model Signing (OMS) format, key mode: a Sigstore bundle holding a DSSE envelope whose
 * payload is an in-toto statement listing every file of the model with its SHA-256 ({@link ModelManifest},
 * {@link ModelSignatures}). An engine given trusted public keys ({@link TrustedKeys}) loads only versions whose
 * signature one of them made and whose files still hash to what was signed ({@link ModelTrust}); any other version is
 * rejected with the reason, and the version serving keeps serving.
 */
package io.inferstream.deploy.signing;

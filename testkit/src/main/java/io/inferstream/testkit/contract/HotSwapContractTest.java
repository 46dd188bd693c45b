package io.inferstream.testkit.contract;

import io.inferstream.sandbox.models.DenseNetwork;
import java.nio.file.Path;

/**
 * The hot-swap contract ({@link VersionSwapContractTest}) for the tensor formats: the two versions are small dense
 * networks of the same shape with different weights, each written by the framework itself, and every prediction
 * must equal the plain-Java forward pass of the version it carries.
 *
 * <p>Subclasses write the network in their format. Thread safety: a JUnit test; not for concurrent use.
 */
public abstract class HotSwapContractTest extends VersionSwapContractTest {
    private static final int INPUTS = 6;

    private final DenseNetwork v1 = DenseNetwork.random(INPUTS, 5, 3, 11);
    private final DenseNetwork v2 = DenseNetwork.random(INPUTS, 5, 3, 22);
    private final float[][] rows = v1.sampleInputs(ROWS, 5);

    /**
     * Writes the network in this adapter's format (a file, or a folder such as a SavedModel, which the publisher
     * zips) and returns its path.
     */
    protected abstract Path writeNetwork(DenseNetwork network, Path dir) throws Exception;

    @Override
    protected final Path writeVersion(int version, Path dir) throws Exception {
        return writeNetwork(network(version), dir);
    }

    @Override
    protected final String record(int row) {
        return toJson(rows[row]);
    }

    @Override
    protected final double[] expected(int version, int row) {
        return network(version).forward(rows[row]);
    }

    /** @return the record for one row: by default {@code {"input":[...]}}. */
    protected String toJson(float[] row) {
        return DenseNetwork.toJson(row);
    }

    private DenseNetwork network(int version) {
        return version == 1 ? v1 : v2;
    }
}

package io.inferstream.pytorch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferstream.testkit.contract.HotSwapContractTest;
import io.inferstream.testkit.fixtures.DenseNetwork;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;

/**
 * The hot-swap contract for PyTorch. Each version is the TorchScript module PyTorch 1.13 scripted and saved
 * ({@code dense_template.pt}: {@code softmax(relu(input @ w1 + b1) @ w2 + b2)}, see
 * {@code make_torchscript_fixtures.py}) with its four stored weight tensors replaced by the testkit network's: the
 * code and archive are PyTorch's own, only the numbers are the version's, as with XGBoost's reference model.
 */
class TorchScriptHotSwapTest extends HotSwapContractTest {
    @Override
    protected Path writeNetwork(DenseNetwork network, Path dir) throws Exception {
        JsonNode keys = new ObjectMapper().readTree(TorchFixtures.bytes("dense_template.keys.json"));
        byte[] zip = TorchFixtures.bytes("dense_template.pt");
        replaceStoredEntry(zip, keys.get("w1").asText(), littleEndian(network.w1()));
        replaceStoredEntry(zip, keys.get("b1").asText(), littleEndian(new float[][] {network.b1()}));
        replaceStoredEntry(zip, keys.get("w2").asText(), littleEndian(network.w2()));
        replaceStoredEntry(zip, keys.get("b2").asText(), littleEndian(new float[][] {network.b2()}));
        Files.createDirectories(dir);
        return Files.write(dir.resolve("net.pt"), zip);
    }

    @Override
    protected String format() {
        return TorchScriptLoader.FORMAT;
    }

    /** Row-major float32, little-endian: how torch.jit.save stores a CPU float tensor. */
    private static byte[] littleEndian(float[][] rows) {
        ByteBuffer out = ByteBuffer.allocate(rows.length * rows[0].length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] row : rows) {
            for (float v : row) {
                out.putFloat(v);
            }
        }
        return out.array();
    }

    /**
     * Replaces, in place, the bytes of one uncompressed ("stored") zip entry by as many new bytes, and its CRC-32
     * wherever the zip keeps it (central directory, local header, data descriptor). torch.jit.save stores every
     * tensor uncompressed, so the archive keeps its layout (and its 64-byte alignment).
     */
    private static void replaceStoredEntry(byte[] zip, String entry, byte[] data) {
        ByteBuffer b = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        int end = zip.length - 22;
        while (end >= 0 && b.getInt(end) != 0x06054b50) {
            end--;
        }
        if (end < 0) {
            throw new IllegalArgumentException("no end of central directory");
        }
        int entries = Short.toUnsignedInt(b.getShort(end + 10));
        int at = b.getInt(end + 16);
        CRC32 crc = new CRC32();
        crc.update(data);
        int value = (int) crc.getValue();
        for (int i = 0; i < entries; i++) {
            int nameLength = Short.toUnsignedInt(b.getShort(at + 28));
            String name = new String(zip, at + 46, nameLength, StandardCharsets.UTF_8);
            if (name.equals(entry)) {
                if (b.getShort(at + 10) != 0 || b.getInt(at + 24) != data.length) {
                    throw new IllegalArgumentException(entry + " is compressed or not " + data.length + " bytes");
                }
                int local = b.getInt(at + 42);
                int start = local + 30 + Short.toUnsignedInt(b.getShort(local + 26))
                        + Short.toUnsignedInt(b.getShort(local + 28));
                System.arraycopy(data, 0, zip, start, data.length);
                b.putInt(at + 16, value);
                if (b.getInt(local + 14) != 0) {
                    b.putInt(local + 14, value);
                }
                if ((b.getShort(at + 8) & 8) != 0) {
                    int descriptor = start + data.length;
                    b.putInt(b.getInt(descriptor) == 0x08074b50 ? descriptor + 4 : descriptor, value);
                }
                return;
            }
            at += 46 + nameLength + Short.toUnsignedInt(b.getShort(at + 30)) + Short.toUnsignedInt(b.getShort(at + 32));
        }
        throw new IllegalArgumentException("no entry " + entry);
    }
}

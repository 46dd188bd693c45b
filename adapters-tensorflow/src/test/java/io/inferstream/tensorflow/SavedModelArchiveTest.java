package io.inferstream.tensorflow;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.data.Features;
import io.inferstream.data.Tensor;
import io.inferstream.model.Model;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelSource;
import io.inferstream.tensorflow.fixtures.SavedModelFixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Malicious archives, crafted here byte by byte: zip slip by {@code ..} and absolute names (also through GNU long
 * names and pax paths), tar symbolic and hard links, devices, zip and gzip bombs, and too many files. Each is
 * refused with a {@link ModelLoadException} that names the entry, nothing lands outside the unpack folder, and the
 * unpack folder itself is removed. The same archives without the bad entry load and score.
 */
class SavedModelArchiveTest {
    private static final TensorFlowModelLoader LOADER = new TensorFlowModelLoader();
    private static final Path TMP = Path.of(System.getProperty("java.io.tmpdir"));

    @TempDir
    static Path dir;
    /** The files of a real SavedModel (y = 0.5·x + 2), by archive entry name. */
    private static Map<String, byte[]> model;

    @BeforeAll
    static void writeModel() throws IOException {
        Path saved = SavedModelFixtures.linearRegression(dir.resolve("regression"));
        model = new LinkedHashMap<>();
        try (Stream<Path> files = Files.walk(saved)) {
            for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
                model.put(saved.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
    }

    // ---- archive writers: plain java.util.zip, and a tar writer that puts any name and type in a ustar header

    /** One archive entry: a name, a tar type ('0' file, '5' folder, '1' hard link, '2' symlink, 'L', 'x', ...). */
    record Entry(String name, char type, byte[] data, String link) {
        static Entry file(String name, byte[] data) {
            return new Entry(name, '0', data, "");
        }
    }

    static List<Entry> modelEntries() {
        List<Entry> entries = new ArrayList<>();
        model.forEach((name, data) -> entries.add(Entry.file(name, data)));
        return entries;
    }

    static byte[] zip(List<Entry> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Entry e : entries) {
                zip.putNextEntry(new ZipEntry(e.name()));
                zip.write(e.data());
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    static byte[] tarGz(List<Entry> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream tar = new GZIPOutputStream(bytes)) {
            for (Entry e : entries) {
                tar.write(tarHeader(e.name(), e.type(), e.data().length, e.link()));
                tar.write(e.data());
                tar.write(new byte[(512 - e.data().length % 512) % 512]);
            }
            tar.write(new byte[1024]);
        }
        return bytes.toByteArray();
    }

    private static byte[] tarHeader(String name, char type, long size, String link) {
        byte[] h = new byte[512];
        put(h, 0, name);
        put(h, 100, "0000644");
        put(h, 108, "0000000");
        put(h, 116, "0000000");
        put(h, 124, String.format("%011o", size));
        put(h, 136, "00000000000");
        h[156] = (byte) type;
        put(h, 157, link);
        put(h, 257, "ustar");
        put(h, 263, "00");
        java.util.Arrays.fill(h, 148, 156, (byte) ' ');
        int sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        put(h, 148, String.format("%06o", sum));
        return h;
    }

    private static void put(byte[] header, int offset, String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(b, 0, header, offset, b.length);
    }

    /** A pax extended header giving the next entry's path, as "<length> path=<value>\n". */
    static Entry paxPath(String path) {
        String body = " path=" + path + "\n";
        int length = body.length() + 2;
        length = body.length() + String.valueOf(length).length();
        return new Entry("PaxHeaders/x", 'x', (length + body).getBytes(StandardCharsets.UTF_8), "");
    }

    // ---- helpers

    static long tempDirsLeft() throws IOException {
        try (Stream<Path> s = Files.list(TMP)) {
            return s.filter(p -> p.getFileName().toString().startsWith("inferstream-tf-")).count();
        }
    }

    /** Loads the archive, expects it refused, and checks that nothing of it stayed behind. */
    static String refused(byte[] archive, String fileName, Map<String, String> options) throws IOException {
        long before = tempDirsLeft();
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> LOADER.load(ModelSource.of(archive, fileName), options).close());
        assertTrue(e.getMessage().startsWith("TensorFlow model ") && e.getMessage().contains("archive " + fileName
                + " refused"), e.getMessage());
        assertEquals(before, tempDirsLeft(), "the unpack folder is removed after a refusal");
        return e.getMessage();
    }

    static void loadsAndScores(byte[] archive, String fileName, Map<String, String> options) throws Exception {
        try (Model m = LOADER.load(ModelSource.of(archive, fileName), options)) {
            Tensor y = m.predict(List.of(Features.of("x", Tensor.ofFloats(new float[] {6f})))).get(0).output("y");
            assertEquals(5f, y.asFloats()[0], 0f);
        }
    }

    // ---- the tests

    @Test
    void theCraftedArchivesLoadWhenTheyHoldNothingBad() throws Exception {
        loadsAndScores(zip(modelEntries()), "clean.zip", Map.of());
        List<Entry> withFolders = new ArrayList<>(List.of(new Entry("./", '5', new byte[0], ""),
                new Entry("./variables/", '5', new byte[0], "")));
        // A malformed folder entry with a body must not shift the entries after it.
        withFolders.add(new Entry("./assets/", '5', new byte[700], ""));
        model.forEach((name, data) -> withFolders.add(Entry.file("./" + name, data)));
        loadsAndScores(tarGz(withFolders), "clean.tar.gz", Map.of());
    }

    @Test
    void zipSlipEntriesAreRefusedAndNothingIsWrittenOutside() throws Exception {
        String escape = "inferstream-escaped-" + UUID.randomUUID() + ".txt";
        byte[] evil = "owned".getBytes(StandardCharsets.UTF_8);
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("../" + escape, "climbs out with '..'");
        cases.put("variables/../../" + escape, "climbs out with '..'");
        cases.put("..\\" + escape, "climbs out with '..'");
        // A ustar header holds 100 bytes of name: in a deep checkout the temp folder's absolute path is longer.
        String absolute = TMP.resolve(escape).toString().length() <= 100 ? TMP.resolve(escape).toString()
                : "/tmp/" + escape;
        cases.put(absolute, "absolute path");
        cases.put("C:/Windows/" + escape, "absolute path");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            for (boolean zip : new boolean[] {true, false}) {
                List<Entry> entries = modelEntries();
                entries.add(Entry.file(c.getKey(), evil));
                String message = zip ? refused(zip(entries), "slip.zip", Map.of())
                        : refused(tarGz(entries), "slip.tgz", Map.of());
                assertTrue(message.contains("entry '" + c.getKey() + "'") && message.contains(c.getValue())
                        && message.contains("zip slip"), message);
            }
        }
        // A tar can also carry the name in a GNU long-name entry or a pax header, not in the header itself.
        List<Entry> longName = modelEntries();
        longName.add(new Entry("././@LongLink", 'L', ("../" + escape + "\0").getBytes(StandardCharsets.UTF_8), ""));
        longName.add(Entry.file("harmless", evil));
        assertTrue(refused(tarGz(longName), "long.tar.gz", Map.of()).contains("'../" + escape + "'"));
        List<Entry> pax = modelEntries();
        pax.add(paxPath("/" + escape));
        pax.add(Entry.file("harmless", evil));
        assertTrue(refused(tarGz(pax), "pax.tar.gz", Map.of()).contains("absolute path"));

        // Every escape above aims at the temp folder, the parent of the unpack folder.
        assertFalse(Files.exists(TMP.resolve(escape)), "the escaping entry was not written");
        assertFalse(Files.exists(Path.of(absolute)), "the escaping entry was not written");
    }

    @Test
    void tarLinksDevicesAndFifosAreRefused() throws Exception {
        Map<Entry, String> cases = new LinkedHashMap<>();
        // The classic: a symlink to a folder outside, then a file written "inside" it.
        cases.put(new Entry("variables", '2', new byte[0], "/etc"), "a symbolic link to '/etc'");
        cases.put(new Entry("passwd", '1', new byte[0], "/etc/passwd"), "a hard link to '/etc/passwd'");
        cases.put(new Entry("tty", '3', new byte[0], ""), "a character device");
        cases.put(new Entry("disk", '4', new byte[0], ""), "a block device");
        cases.put(new Entry("pipe", '6', new byte[0], ""), "a FIFO");
        for (Map.Entry<Entry, String> c : cases.entrySet()) {
            List<Entry> entries = new ArrayList<>(List.of(c.getKey()));
            entries.addAll(modelEntries());
            String message = refused(tarGz(entries), "links.tar.gz", Map.of());
            assertTrue(message.contains("entry '" + c.getKey().name() + "' is " + c.getValue())
                    && message.contains("only files and folders"), message);
        }
    }

    @Test
    void bombsPastTheByteLimitAreRefusedBeforeTheDiskFillsAndFitWhenTheLimitAllows() throws Exception {
        // 64 MiB of zeros deflates to about 64 KiB: a small archive that unpacks to a thousand times its size.
        byte[] zeros = new byte[64 << 20];
        List<Entry> entries = modelEntries();
        entries.add(Entry.file("assets/padding.bin", zeros));
        byte[] zipBomb = zip(entries);
        byte[] tarBomb = tarGz(entries);
        assertTrue(zipBomb.length < 1 << 20 && tarBomb.length < 1 << 20, zipBomb.length + " / " + tarBomb.length);
        Map<String, String> limit = Map.of(TensorFlowModelLoader.ARCHIVE_MAX_BYTES, "16MiB");
        for (String message : List.of(refused(zipBomb, "bomb.zip", limit), refused(tarBomb, "bomb.tar.gz", limit))) {
            assertTrue(message.contains("more than 16777216 bytes") && message.contains("'assets/padding.bin'")
                    && message.contains(TensorFlowModelLoader.ARCHIVE_MAX_BYTES), message);
        }
        // Under the 4 GiB default, and under an explicit limit that fits, the same archives are fine.
        loadsAndScores(zipBomb, "big.zip", Map.of());
        loadsAndScores(tarBomb, "big.tar.gz", Map.of(TensorFlowModelLoader.ARCHIVE_MAX_BYTES, "65MiB"));
    }

    @Test
    void sniffingAZipInMemoryReadsItsNamesWithoutInflatingAnything() throws Exception {
        List<Entry> entries = new ArrayList<>(List.of(Entry.file("assets/padding.bin", new byte[8 << 20])));
        entries.addAll(modelEntries());
        byte[] zip = zip(entries);
        assertEquals(List.copyOf(namesOf(entries)), SavedModelArchive.centralDirectoryNames(zip));
        assertTrue(LOADER.accepts(ModelSource.of(zip, "m.zip")));
        // Corrupt the deflated padding (the first entry: its data follows a 30-byte header and its name): a reader
        // that inflated entries to reach the names would now fail. (All ones, not zeros: in a deflated run of zeros,
        // zero bits can decode as the same repeated match.)
        java.util.Arrays.fill(zip, 30 + "assets/padding.bin".length() + 64, 30 + "assets/padding.bin".length() + 1024,
                (byte) 0xff);
        byte[] corrupt = zip;
        assertThrows(IOException.class, () -> {
            try (java.util.zip.ZipInputStream in = new java.util.zip.ZipInputStream(new java.io.ByteArrayInputStream(corrupt))) {
                while (in.getNextEntry() != null) {
                    in.transferTo(OutputStream.nullOutputStream());
                }
            }
        }, "the corruption is real");
        assertTrue(LOADER.accepts(ModelSource.of(zip, "m.zip")), "only the central directory was read");
        assertEquals(List.of(), SavedModelArchive.centralDirectoryNames(new byte[] {'P', 'K', 5, 6}));
        assertEquals(List.of(), SavedModelArchive.centralDirectoryNames(java.util.Arrays.copyOf(zip, zip.length - 30)));
    }

    private static List<String> namesOf(List<Entry> entries) {
        List<String> names = new ArrayList<>();
        entries.forEach(e -> names.add(e.name()));
        return names;
    }

    @Test
    void tooManyFilesAreRefused() throws Exception {
        List<Entry> entries = modelEntries();
        for (int i = 0; i < 50; i++) {
            entries.add(Entry.file("assets/vocab-" + i + ".txt", new byte[] {'x'}));
        }
        Map<String, String> limit = Map.of(TensorFlowModelLoader.ARCHIVE_MAX_FILES, "20");
        for (String message : List.of(refused(zip(entries), "many.zip", limit), refused(tarGz(entries), "many.tgz", limit))) {
            assertTrue(message.contains("more than 20 files and folders")
                    && message.contains(TensorFlowModelLoader.ARCHIVE_MAX_FILES), message);
        }
        loadsAndScores(zip(entries), "many.zip", Map.of(TensorFlowModelLoader.ARCHIVE_MAX_FILES, "60"));
    }

    @Test
    void oversizedOrEndlessTarMetadataIsRefused() throws Exception {
        List<Entry> huge = modelEntries();
        huge.add(new Entry("././@LongLink", 'L', new byte[(1 << 20) + 1], ""));
        huge.add(Entry.file("x", new byte[1]));
        assertTrue(refused(tarGz(huge), "meta.tgz", Map.of()).contains("tar metadata"));
        List<Entry> endless = modelEntries();
        for (int i = 0; i < 20; i++) {
            endless.add(paxPath("a" + i));
        }
        assertTrue(refused(tarGz(endless), "meta.tgz", Map.of()).contains("tar metadata"));
    }

    @Test
    void limitOptionsAreCheckedAndTakeBinarySuffixes() throws Exception {
        byte[] clean = zip(modelEntries());
        for (String bad : List.of("0", "-5", "lots", "4GB", "99999999999TiB")) {
            ModelLoadException e = assertThrows(ModelLoadException.class, () -> LOADER.load(ModelSource.of(clean,
                    "m.zip"), Map.of(TensorFlowModelLoader.ARCHIVE_MAX_BYTES, bad)), bad);
            assertTrue(e.getMessage().contains(TensorFlowModelLoader.ARCHIVE_MAX_BYTES) && e.getMessage().contains(bad),
                    e.getMessage());
        }
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> LOADER.load(ModelSource.of(clean, "m.zip"),
                Map.of(TensorFlowModelLoader.ARCHIVE_MAX_FILES, "0")));
        assertTrue(e.getMessage().contains(TensorFlowModelLoader.ARCHIVE_MAX_FILES), e.getMessage());
        assertDoesNotThrow(() -> loadsAndScores(clean, "m.zip", Map.of(TensorFlowModelLoader.ARCHIVE_MAX_BYTES, "1MiB",
                TensorFlowModelLoader.ARCHIVE_MAX_FILES, "5")));
    }

    @Test
    void entryNamesAreCheckedOneByOne() throws Exception {
        Path target = dir.resolve("target");
        for (String ok : List.of("saved_model.pb", "./saved_model.pb", "variables/", "a/./b", "model..v2/x")) {
            assertTrue(SavedModelArchive.safePath(target, ok).startsWith(target), ok);
        }
        for (String bad : List.of("../x", "a/../../x", "a/..", "/x", "\\x", "..\\x", "D:x", "", "a\0b")) {
            assertThrows(SavedModelArchive.UnsafeArchiveException.class, () -> SavedModelArchive.safePath(target, bad), bad);
        }
    }
}

package io.inferstream.tensorflow;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import io.inferstream.model.ModelSource;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;

/**
 * Unpacks a SavedModel directory that travels as one {@code .zip}, {@code .tar.gz} or {@code .tgz} (a file, or
 * bytes read from Kafka or an object store) into a temporary directory, because TensorFlow only loads a
 * SavedModel from a directory on disk.
 *
 * <p>The tar reader is built in (ustar, with GNU long names and pax paths) so the adapter needs no archive
 * library.
 *
 * <p>A model archive may come from anyone who can write to a model folder or a model topic, so unpacking it must
 * not be a way to write elsewhere or to fill the disk. Refused, with an {@link UnsafeArchiveException} naming the
 * entry: a name that is absolute or has a {@code ..} segment (zip slip), tar symbolic and hard links (they could
 * point outside and a later entry write through them), tar devices and FIFOs, and anything past the
 * {@link Limits} on the bytes and on the files and folders unpacked (zip and gzip bombs). Sizes are counted as
 * the data is written, never taken from headers, which a crafted archive can fake.
 *
 * <p>Thread safety: stateless, safe to share.
 */
final class SavedModelArchive {
    private static final int TAR_BLOCK = 512;
    /** Largest GNU long-name or pax header body read into memory; real ones are a few hundred bytes. */
    private static final int MAX_TAR_META = 1 << 20;
    /** Most metadata headers (long names, pax) in a row before an entry; real archives have one or two. */
    private static final int MAX_TAR_META_RUN = 8;

    /** Default cap on the bytes an archive unpacks to: 4 GiB, above the largest SavedModels served in practice. */
    static final long DEFAULT_MAX_BYTES = 4L << 30;
    /** Default cap on the files and folders an archive unpacks to; a SavedModel has a handful. */
    static final int DEFAULT_MAX_FILES = 10_000;

    /**
     * Caps on what one archive may unpack to (immutable). Defaults: {@link #DEFAULT_MAX_BYTES} and
     * {@link #DEFAULT_MAX_FILES}.
     *
     * @param maxBytes the most bytes of file content (and tar metadata), in all
     * @param maxFiles the most files and folders, in all
     */
    record Limits(long maxBytes, int maxFiles) {
    }

    /** An archive refused because unpacking it would be unsafe; the message says which entry and why. */
    static final class UnsafeArchiveException extends IOException {
        private static final long serialVersionUID = 1L;

        UnsafeArchiveException(String message) {
            super(message);
        }
    }

    /** What has been unpacked so far, checked against the limits as it grows. */
    private static final class Budget {
        private final Limits limits;
        private long bytes;
        private int files;

        Budget(Limits limits) {
            this.limits = limits;
        }

        void file(String entryName) throws UnsafeArchiveException {
            if (++files > limits.maxFiles()) {
                throw new UnsafeArchiveException("it holds more than " + limits.maxFiles() + " files and folders"
                        + " (at entry '" + entryName + "'); raise the limit with the option "
                        + TensorFlowModelLoader.ARCHIVE_MAX_FILES + " if the model really has that many");
            }
        }

        void bytes(String entryName, long n) throws UnsafeArchiveException {
            bytes += n;
            if (bytes > limits.maxBytes()) {
                throw new UnsafeArchiveException("it unpacks to more than " + limits.maxBytes() + " bytes (at entry '"
                        + entryName + "'); raise the limit with the option " + TensorFlowModelLoader.ARCHIVE_MAX_BYTES
                        + " if the model really is that large");
            }
        }
    }

    private SavedModelArchive() {
    }

    /** @return true if the name says the source is a packed SavedModel. */
    static boolean isArchiveName(String lowerCaseName) {
        return lowerCaseName.endsWith(".zip") || lowerCaseName.endsWith(".tar.gz") || lowerCaseName.endsWith(".tgz");
    }

    /**
     * @return true if the zip has a {@code saved_model.pb} entry; reads only entry names from the central
     *     directory (of a file or of bytes in memory), never inflates an entry, so a zip bomb costs nothing here;
     *     never starts TensorFlow, and answers false for anything unreadable
     */
    static boolean zipHoldsSavedModel(ModelSource source) {
        try {
            if (source.path().isPresent()) {
                try (ZipFile zip = new ZipFile(source.path().get().toFile())) {
                    return zip.stream().anyMatch(e -> isSavedModelPb(e.getName()));
                }
            }
            return centralDirectoryNames(source.readAllBytes()).stream().anyMatch(SavedModelArchive::isSavedModelPb);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Entry names from the central directory of a zip in memory. {@code ZipInputStream} would inflate every entry
     * to reach the next one, and {@code ZipFile} wants a file; this reads the few fixed fields of the format
     * (PKWARE APPNOTE 4.3.12, 4.3.16) instead.
     *
     * @return the names, or an empty list when there is no readable central directory (also for ZIP64, which a
     *     byte array holding a SavedModel does not need)
     */
    static List<String> centralDirectoryNames(byte[] zip) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(zip).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int lowest = Math.max(0, zip.length - 22 - 0xffff); // the end record is followed by at most a 64 KiB comment
        for (int end = zip.length - 22; end >= lowest; end--) {
            if (b.getInt(end) != 0x06054b50) {
                continue;
            }
            int count = b.getShort(end + 10) & 0xffff;
            long at = b.getInt(end + 16) & 0xffffffffL;
            List<String> names = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                if (at + 46 > zip.length || b.getInt((int) at) != 0x02014b50) {
                    return List.of();
                }
                int p = (int) at;
                int nameLength = b.getShort(p + 28) & 0xffff;
                if (p + 46 + nameLength > zip.length) {
                    return List.of();
                }
                names.add(new String(zip, p + 46, nameLength, StandardCharsets.UTF_8));
                at = (long) p + 46 + nameLength + (b.getShort(p + 30) & 0xffff) + (b.getShort(p + 32) & 0xffff);
            }
            return names;
        }
        return List.of();
    }

    private static boolean isSavedModelPb(String entryName) {
        return entryName.equals("saved_model.pb") || entryName.endsWith("/saved_model.pb");
    }

    /**
     * Unpacks {@code in}, read as the archive kind {@code name} says, into the empty directory {@code target}.
     *
     * @throws UnsafeArchiveException if an entry would land outside {@code target}, is a link or device, or the
     *     limits are passed; what was written so far stays for the caller to delete
     */
    static void unpack(String name, InputStream in, Path target, Limits limits) throws IOException {
        String lower = name.toLowerCase(Locale.ROOT);
        Budget budget = new Budget(limits);
        if (lower.endsWith(".zip")) {
            unzip(in, target, budget);
        } else {
            untar(new GZIPInputStream(new BufferedInputStream(in), 1 << 16), target, budget);
        }
    }

    /**
     * @return the SavedModel root inside an unpacked archive: {@code dir} itself when it holds
     *     {@code saved_model.pb}, else its single sub-directory that does (archives often wrap the model in a
     *     folder); null when neither holds one
     */
    static Path findSavedModelRoot(Path dir) throws IOException {
        if (TensorFlowModelLoader.isSavedModelDir(dir)) {
            return dir;
        }
        List<Path> candidates = new ArrayList<>();
        try (Stream<Path> children = Files.list(dir)) {
            for (Path child : (Iterable<Path>) children::iterator) {
                if (TensorFlowModelLoader.isSavedModelDir(child)) {
                    candidates.add(child);
                }
            }
        }
        return candidates.size() == 1 ? candidates.get(0) : null;
    }

    /** Deletes a directory tree; best effort, returns false if something was left behind. */
    static boolean deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return true;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void unzip(InputStream in, Path target, Budget budget) throws IOException {
        try (ZipInputStream zip = new ZipInputStream(new BufferedInputStream(in))) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                write(target, e.getName(), e.isDirectory(), zip, budget);
            }
        }
    }

    private static void untar(InputStream in, Path target, Budget budget) throws IOException {
        try (InputStream tar = in) {
            byte[] header = new byte[TAR_BLOCK];
            String longName = null;
            int metaRun = 0;
            while (true) {
                if (tar.readNBytes(header, 0, TAR_BLOCK) < TAR_BLOCK) {
                    throw new IOException("truncated tar archive");
                }
                if (isZeroBlock(header)) {
                    return;
                }
                String name = longName != null ? longName : headerName(header);
                long size = octal(header, 124, 12);
                char kind = (char) header[156];
                if (kind == 'L' || kind == 'K' || kind == 'x' || kind == 'g') {
                    // GNU long name or link name, pax extended or global header: metadata for the next entry.
                    if (size > MAX_TAR_META || ++metaRun > MAX_TAR_META_RUN) {
                        throw new UnsafeArchiveException("it has an oversized or endless run of tar metadata headers"
                                + " (at '" + name + "')");
                    }
                    budget.bytes(name, size);
                    byte[] body = tar.readNBytes((int) size);
                    skipPadding(tar, size);
                    if (kind == 'L') {
                        longName = cString(body, 0, body.length);
                    } else if (kind == 'x' && paxPath(body) != null) {
                        longName = paxPath(body);
                    }
                    continue;
                }
                longName = null;
                metaRun = 0;
                if (kind == '0' || kind == '\0' || kind == '7') {
                    write(target, name, false, new BoundedInputStream(tar, size), budget);
                } else if (kind == '5') {
                    write(target, name, true, null, budget);
                    budget.bytes(name, size);
                    tar.skipNBytes(size); // a folder has no body, but a malformed one must not shift what follows
                } else {
                    throw new UnsafeArchiveException("entry '" + name + "' is " + describeTarType(kind, header)
                            + "; only files and folders are unpacked");
                }
                skipPadding(tar, size);
            }
        }
    }

    private static String describeTarType(char kind, byte[] header) {
        switch (kind) {
            case '1': return "a hard link to '" + cString(header, 157, 100) + "'";
            case '2': return "a symbolic link to '" + cString(header, 157, 100) + "'";
            case '3': return "a character device";
            case '4': return "a block device";
            case '6': return "a FIFO";
            default: return "of tar type '" + kind + "'";
        }
    }

    private static void write(Path target, String entryName, boolean directory, InputStream data, Budget budget)
            throws IOException {
        Path out = safePath(target, entryName);
        budget.file(entryName);
        if (directory) {
            Files.createDirectories(out);
            return;
        }
        Files.createDirectories(out.getParent());
        try (OutputStream os = Files.newOutputStream(out)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = data.read(buf)) > 0; ) {
                budget.bytes(entryName, n); // before the write: nothing past the cap reaches the disk
                os.write(buf, 0, n);
            }
        }
    }

    /**
     * @return where entry {@code entryName} goes inside {@code target}
     * @throws UnsafeArchiveException for an absolute name or one with a {@code ..} segment; such a name has no
     *     business in a model archive even where it would resolve inside, so it is refused outright rather than
     *     rewritten
     */
    static Path safePath(Path target, String entryName) throws UnsafeArchiveException {
        if (entryName.isEmpty() || entryName.indexOf('\0') >= 0) {
            throw new UnsafeArchiveException("it has an entry with an empty or NUL-bearing name");
        }
        // Backslashes too: an archive made on Windows may use them, and a reader there would take them as separators.
        if (entryName.startsWith("/") || entryName.startsWith("\\") || entryName.matches("^[A-Za-z]:.*")) {
            throw new UnsafeArchiveException("entry '" + entryName + "' has an absolute path (zip slip);"
                    + " entries must be relative to the archive's top");
        }
        for (String segment : entryName.split("[/\\\\]")) {
            if (segment.equals("..")) {
                throw new UnsafeArchiveException("entry '" + entryName + "' climbs out with '..' (zip slip);"
                        + " entries must stay below the archive's top");
            }
        }
        Path out = target.resolve(entryName).normalize();
        if (!out.startsWith(target)) { // a second guard, should a name slip past the checks above
            throw new UnsafeArchiveException("entry '" + entryName + "' points outside the model directory");
        }
        return out;
    }

    private static String headerName(byte[] h) {
        String name = cString(h, 0, 100);
        boolean ustar = new String(h, 257, 5, StandardCharsets.US_ASCII).equals("ustar");
        String prefix = ustar ? cString(h, 345, 155) : "";
        return prefix.isEmpty() ? name : prefix + "/" + name;
    }

    private static String paxPath(byte[] body) {
        // Records are "<len> key=value\n".
        for (String record : new String(body, StandardCharsets.UTF_8).split("\n")) {
            int space = record.indexOf(' ');
            if (space > 0 && record.startsWith("path=", space + 1)) {
                return record.substring(space + 1 + "path=".length());
            }
        }
        return null;
    }

    private static String cString(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    private static long octal(byte[] b, int off, int len) throws IOException {
        if ((b[off] & 0x80) != 0) {
            throw new IOException("tar entries over 8 GB are not supported");
        }
        long v = 0;
        for (int i = off; i < off + len && b[i] != 0; i++) {
            if (b[i] == ' ') {
                continue;
            }
            if (b[i] < '0' || b[i] > '7') {
                throw new IOException("corrupt tar header");
            }
            v = v * 8 + (b[i] - '0');
        }
        return v;
    }

    private static boolean isZeroBlock(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static void skipPadding(InputStream in, long size) throws IOException {
        long rest = size % TAR_BLOCK;
        if (rest != 0) {
            in.skipNBytes(TAR_BLOCK - rest);
        }
    }

    /** A view of the next {@code remaining} bytes of a stream, so one tar entry can be copied out. */
    private static final class BoundedInputStream extends InputStream {
        private final InputStream in;
        private long remaining;

        BoundedInputStream(InputStream in, long remaining) {
            this.in = in;
            this.remaining = remaining;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int b = in.read();
            if (b < 0) {
                throw new IOException("truncated tar archive");
            }
            remaining--;
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int n = in.read(buf, off, (int) Math.min(len, remaining));
            if (n < 0) {
                throw new IOException("truncated tar archive");
            }
            remaining -= n;
            return n;
        }
    }
}

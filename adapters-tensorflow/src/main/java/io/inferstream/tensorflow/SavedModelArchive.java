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
 * library. Entries that would land outside the target directory ("zip slip") are refused.
 *
 * <p>Thread safety: stateless, safe to share.
 */
final class SavedModelArchive {
    private static final int TAR_BLOCK = 512;

    private SavedModelArchive() {
    }

    /** @return true if the name says the source is a packed SavedModel. */
    static boolean isArchiveName(String lowerCaseName) {
        return lowerCaseName.endsWith(".zip") || lowerCaseName.endsWith(".tar.gz") || lowerCaseName.endsWith(".tgz");
    }

    /**
     * @return true if the zip has a {@code saved_model.pb} entry; reads only entry names (the central directory
     *     for a file), never starts TensorFlow, and answers false for anything unreadable
     */
    static boolean zipHoldsSavedModel(ModelSource source) {
        try {
            if (source.path().isPresent()) {
                try (ZipFile zip = new ZipFile(source.path().get().toFile())) {
                    return zip.stream().anyMatch(e -> isSavedModelPb(e.getName()));
                }
            }
            try (ZipInputStream zip = new ZipInputStream(source.open())) {
                for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                    if (isSavedModelPb(e.getName())) {
                        return true;
                    }
                }
            }
            return false;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static boolean isSavedModelPb(String entryName) {
        return entryName.equals("saved_model.pb") || entryName.endsWith("/saved_model.pb");
    }

    /** Unpacks {@code in}, read as the archive kind {@code name} says, into the empty directory {@code target}. */
    static void unpack(String name, InputStream in, Path target) throws IOException {
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".zip")) {
            unzip(in, target);
        } else {
            untar(new GZIPInputStream(new BufferedInputStream(in), 1 << 16), target);
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

    private static void unzip(InputStream in, Path target) throws IOException {
        try (ZipInputStream zip = new ZipInputStream(new BufferedInputStream(in))) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                write(target, e.getName(), e.isDirectory(), zip);
            }
        }
    }

    private static void untar(InputStream in, Path target) throws IOException {
        try (InputStream tar = in) {
            byte[] header = new byte[TAR_BLOCK];
            String longName = null;
            while (true) {
                if (tar.readNBytes(header, 0, TAR_BLOCK) < TAR_BLOCK) {
                    throw new IOException("truncated tar archive");
                }
                if (isZeroBlock(header)) {
                    return;
                }
                String name = longName != null ? longName : headerName(header);
                longName = null;
                long size = octal(header, 124, 12);
                char kind = (char) header[156];
                if (kind == 'L' || kind == 'x') {
                    // GNU long name or pax extended header: it names the next entry.
                    byte[] body = tar.readNBytes(Math.toIntExact(size));
                    skipPadding(tar, size);
                    longName = kind == 'L' ? cString(body, 0, body.length) : paxPath(body);
                    continue;
                }
                if (kind == '0' || kind == '\0' || kind == '7') {
                    write(target, name, false, new BoundedInputStream(tar, size));
                } else if (kind == '5') {
                    write(target, name, true, null);
                } else {
                    tar.skipNBytes(size); // links, devices, global pax headers: nothing a SavedModel needs
                }
                skipPadding(tar, size);
            }
        }
    }

    private static void write(Path target, String entryName, boolean directory, InputStream data) throws IOException {
        Path out = target.resolve(entryName).normalize();
        if (!out.startsWith(target)) {
            throw new IOException("archive entry '" + entryName + "' points outside the model directory");
        }
        if (directory) {
            Files.createDirectories(out);
            return;
        }
        Files.createDirectories(out.getParent());
        try (OutputStream os = Files.newOutputStream(out)) {
            data.transferTo(os);
        }
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

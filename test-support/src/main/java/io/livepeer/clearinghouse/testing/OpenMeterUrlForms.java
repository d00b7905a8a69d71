package io.livepeer.clearinghouse.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The OpenMeter URL forms the documentation promises, read from the tables marked {@value #MARKER} in
 * {@code docs/operations.md} and {@code docs/metering-bootstrap.md} (which must agree), so the tests of delivery and
 * of the bootstrap check exactly what operators are told. Each table row is: URL | dialect | ingest URL | API root
 * (catalog paths are {@code {root}/meters}, {@code {root}/features}, …).
 */
public final class OpenMeterUrlForms {

    /** The line that precedes each table. */
    public static final String MARKER = "<!-- openmeter-url-forms -->";
    /** The documents holding the table. */
    public static final List<String> DOCUMENTS = List.of("docs/operations.md", "docs/metering-bootstrap.md");
    /** What every documented form may also end in, with the same result. */
    public static final List<String> SUFFIXES = List.of("", "/", "/events", "/events/");

    /**
     * One accepted form.
     *
     * @param url       what an operator writes in {@code OPENMETER_URL} / {@code --url}
     * @param dialect   {@code v1} or {@code v3}
     * @param ingestUrl where events are POSTed
     * @param apiRoot   the root of the catalog paths
     */
    public record Form(String url, String dialect, String ingestUrl, String apiRoot) {

        /** The same form with a suffix appended to its URL (the expected results do not change). */
        public Form withSuffix(String suffix) {
            return new Form(url + suffix, dialect, ingestUrl, apiRoot);
        }

        @Override
        public String toString() {
            return url;
        }
    }

    private OpenMeterUrlForms() {}

    /**
     * The rows of the table, as documented.
     *
     * @throws IllegalStateException when a document lacks the table or the documents disagree
     */
    public static List<Form> documented() {
        List<Form> first = null;
        for (String doc : DOCUMENTS) {
            List<Form> forms = read(repositoryRoot().resolve(doc));
            if (first == null) {
                first = forms;
            } else if (!first.equals(forms)) {
                throw new IllegalStateException(
                        "the OpenMeter URL tables of " + DOCUMENTS + " differ: " + first + " vs " + forms);
            }
        }
        return first;
    }

    /** Every documented form with every {@linkplain #SUFFIXES suffix}. */
    public static List<Form> withSuffixes() {
        List<Form> all = new ArrayList<>();
        for (Form form : documented()) {
            for (String suffix : SUFFIXES) {
                all.add(form.withSuffix(suffix));
            }
        }
        return all;
    }

    /**
     * Reads the table following {@link #MARKER} in one document.
     *
     * @throws IllegalStateException when there is none, or a row does not have four cells
     */
    public static List<Form> read(Path document) {
        List<String> lines;
        try {
            lines = Files.readAllLines(document, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int at = lines.indexOf(MARKER);
        if (at < 0) {
            throw new IllegalStateException(document + " has no " + MARKER + " table");
        }
        List<Form> forms = new ArrayList<>();
        int row = 0;
        for (int i = at + 1; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.isEmpty() && row == 0) {
                continue;
            }
            if (!line.startsWith("|")) {
                break;
            }
            if (row++ < 2) {
                continue; // header and separator
            }
            String[] cells = line.substring(1, line.endsWith("|") ? line.length() - 1 : line.length())
                    .split("\\|");
            if (cells.length != 4) {
                throw new IllegalStateException(document + ": expected URL | dialect | ingest | root, got " + line);
            }
            forms.add(new Form(cell(cells[0]), cell(cells[1]), cell(cells[2]), cell(cells[3])));
        }
        if (forms.isEmpty()) {
            throw new IllegalStateException(document + ": the " + MARKER + " table has no rows");
        }
        return forms;
    }

    private static String cell(String text) {
        return text.replace("`", "").trim();
    }

    private static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve(DOCUMENTS.get(0)))) {
                return dir;
            }
        }
        throw new IllegalStateException(
                "no " + DOCUMENTS.get(0) + " above " + Path.of("").toAbsolutePath());
    }
}

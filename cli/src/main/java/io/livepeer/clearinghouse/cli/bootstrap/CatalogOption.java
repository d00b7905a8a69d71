package io.livepeer.clearinghouse.cli.bootstrap;

import io.livepeer.clearinghouse.processors.catalog.Catalog;
import io.livepeer.clearinghouse.processors.catalog.CatalogException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --catalog FILE}, else {@code $CATALOG_FILE} (the file the pipeline reads its markup rules from), else the
 * reference catalog shipped with the application.
 */
public final class CatalogOption {

    @Option(
            names = "--catalog",
            paramLabel = "FILE",
            description = "catalog YAML (default: $CATALOG_FILE, else the shipped reference catalog)")
    Path file;

    /** Where the catalog comes from, for messages. */
    public String source() {
        Path p = path();
        return p == null ? "reference catalog (classpath " + Catalog.DEFAULT_RESOURCE + ")" : p.toString();
    }

    /**
     * Parses the catalog (not yet validated).
     *
     * @throws CatalogException when it cannot be read or parsed
     */
    public Catalog load() {
        Path p = path();
        if (p == null) {
            return Catalog.defaultCatalog();
        }
        try (InputStream in = Files.newInputStream(p)) {
            return Catalog.parse(in);
        } catch (IOException e) {
            throw new CatalogException("catalog " + p + " cannot be read: " + e.getMessage(), e);
        }
    }

    private Path path() {
        if (file != null) {
            return file;
        }
        String env = System.getenv("CATALOG_FILE");
        return env == null || env.isBlank() ? null : Path.of(env);
    }
}

package io.livepeer.clearinghouse.cli;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DatabaseConfig;
import picocli.CommandLine.Option;

/**
 * Where the offline commands find the database: {@code --jdbc-url}/{@code --jdbc-user}, else {@code JDBC_URL}/
 * {@code JDBC_USER}, else the embedded default {@code ./data/clearinghouse}. The password only comes from
 * {@code JDBC_PASSWORD} (never a command-line argument, which other users of the machine could read). A picocli
 * mixin for the commands that work on the database offline ({@code ledger …}, {@code bootstrap customers sync}).
 */
public final class DatabaseOptions {

    @Option(
            names = "--jdbc-url",
            paramLabel = "URL",
            description = "JDBC URL (default: $JDBC_URL or jdbc:h2:file:./data/clearinghouse)")
    public String url;

    @Option(names = "--jdbc-user", paramLabel = "USER", description = "user (default: $JDBC_USER or sa)")
    public String user;

    /** Opens the database (and migrates it, as {@link Database#open} does). */
    public Database open() {
        String jdbcUrl = url != null ? url : env("JDBC_URL", "jdbc:h2:file:./data/clearinghouse");
        String jdbcUser = user != null ? user : env("JDBC_USER", "sa");
        return Database.open(new DatabaseConfig(jdbcUrl, jdbcUser, env("JDBC_PASSWORD", ""), 2));
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}

package io.livepeer.clearinghouse.ledger;

/**
 * Where the database is.
 *
 * @param url          JDBC URL: {@code jdbc:postgresql://…} (production) or {@code jdbc:h2:file:…} (embedded default;
 *                     PostgreSQL compatibility settings are appended when missing)
 * @param user         user, may be empty for H2
 * @param password     password, may be empty; never logged
 * @param maxPoolSize  connection pool size
 */
public record DatabaseConfig(String url, String user, String password, int maxPoolSize) {

    /** An H2 file database under {@code dataDir}, e.g. {@code ./data/clearinghouse}. */
    public static DatabaseConfig h2File(String pathWithoutSuffix) {
        return new DatabaseConfig("jdbc:h2:file:" + pathWithoutSuffix, "sa", "", 8);
    }

    @Override
    public String toString() {
        return "DatabaseConfig[url=" + Database.redactUrl(url) + ", user=" + user + ", maxPoolSize=" + maxPoolSize
                + "]";
    }
}

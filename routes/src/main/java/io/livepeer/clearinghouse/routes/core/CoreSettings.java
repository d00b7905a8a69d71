package io.livepeer.clearinghouse.routes.core;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DatabaseConfig;

/**
 * What every flow shares: the database ({@code clearinghouse.jdbc.*}). {@link #toString()} never shows secrets.
 *
 * @param jdbcUrl      JDBC URL (H2 file by default, PostgreSQL in production)
 * @param jdbcUser     JDBC user
 * @param jdbcPassword JDBC password (secret)
 * @param jdbcPoolSize connection pool size
 */
public record CoreSettings(String jdbcUrl, String jdbcUser, String jdbcPassword, int jdbcPoolSize) {

    /** @throws IllegalArgumentException naming the key of a missing or malformed value */
    public static CoreSettings from(SettingsReader r) {
        return new CoreSettings(
                r.required("clearinghouse.jdbc.url"),
                r.optional("clearinghouse.jdbc.user").orElse(""),
                r.optional("clearinghouse.jdbc.password").orElse(""),
                r.positiveInt("clearinghouse.jdbc.pool-size"));
    }

    /** The database configuration. */
    public DatabaseConfig database() {
        return new DatabaseConfig(jdbcUrl, jdbcUser, jdbcPassword, jdbcPoolSize);
    }

    @Override
    public String toString() {
        return "CoreSettings[jdbc=" + Database.redactUrl(jdbcUrl) + ", pool=" + jdbcPoolSize + "]";
    }
}

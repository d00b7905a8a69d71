package io.livepeer.clearinghouse.ledger;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clearinghouse database: a HikariCP pool, Flyway migrations ({@code classpath:db/migration}, the same scripts
 * on PostgreSQL and H2) and transactions.
 *
 * <p>H2 runs in PostgreSQL compatibility mode ({@code MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE}) so that the portable
 * SQL of this module ({@code INSERT … ON CONFLICT DO NOTHING}, {@code = ANY(?)}, {@code FOR UPDATE SKIP LOCKED}) means
 * the same on both.
 */
public final class Database implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Database.class);
    private static final String H2_COMPAT = ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH";

    /** Which SQL engine is behind the URL. */
    public enum Dialect { H2, POSTGRESQL }

    private final HikariDataSource dataSource;
    private final Dialect dialect;

    private Database(HikariDataSource dataSource, Dialect dialect) {
        this.dataSource = dataSource;
        this.dialect = dialect;
    }

    /**
     * Opens the pool and migrates the schema to the latest version.
     *
     * @param config where the database is
     * @return the open database
     * @throws IllegalArgumentException for a JDBC URL that is neither PostgreSQL nor H2
     * @throws org.flywaydb.core.api.FlywayException when a migration fails (the database is closed again)
     */
    public static Database open(DatabaseConfig config) {
        String url = config.url();
        Dialect dialect;
        if (url.startsWith("jdbc:postgresql:")) {
            dialect = Dialect.POSTGRESQL;
        } else if (url.startsWith("jdbc:h2:")) {
            dialect = Dialect.H2;
            if (!url.toUpperCase().contains("MODE=POSTGRESQL")) {
                url = url + H2_COMPAT;
            }
            if (url.startsWith("jdbc:h2:file:") && !url.toUpperCase().contains("AUTO_SERVER")) {
                // lets ./clearinghouse ledger … read the file while the application runs
                url = url + ";AUTO_SERVER=TRUE";
            }
        } else {
            throw new IllegalArgumentException("unsupported JDBC URL " + redactUrl(url)
                    + ": use jdbc:postgresql://host/db or jdbc:h2:file:path");
        }
        HikariConfig hikari = new HikariConfig();
        hikari.setJdbcUrl(url);
        hikari.setUsername(config.user());
        hikari.setPassword(config.password());
        hikari.setMaximumPoolSize(Math.max(2, config.maxPoolSize()));
        hikari.setPoolName("clearinghouse-db");
        hikari.setAutoCommit(true);
        hikari.setConnectionTimeout(10_000);
        // dates (per-day reports) are UTC days whatever the JVM's or the server's time zone
        hikari.setConnectionInitSql("SET TIME ZONE 'UTC'");
        hikari.setInitializationFailTimeout(30_000);
        HikariDataSource dataSource = new HikariDataSource(hikari);
        try {
            var result = Flyway.configure()
                    .dataSource(dataSource)
                    .locations("classpath:db/migration")
                    .load()
                    .migrate();
            LOG.info("Database {} at schema version {} ({} migration(s) applied)", redactUrl(url),
                    result.targetSchemaVersion, result.migrationsExecuted);
        } catch (RuntimeException e) {
            dataSource.close();
            throw e;
        }
        return new Database(dataSource, dialect);
    }

    /** The pooled data source. */
    public DataSource dataSource() {
        return dataSource;
    }

    /** The SQL engine. */
    public Dialect dialect() {
        return dialect;
    }

    /**
     * Runs work in one transaction: committed when it returns, rolled back when it throws.
     *
     * @throws SQLException from the work or the commit
     */
    public <T> T inTransaction(SqlWork<T> work) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                T result = work.apply(connection);
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException | Error e) {
                try {
                    connection.rollback();
                } catch (SQLException rollback) {
                    e.addSuppressed(rollback);
                }
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        }
    }

    /** Runs work on an auto-commit connection (reads, single statements). */
    public <T> T withConnection(SqlWork<T> work) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            return work.apply(connection);
        }
    }

    /** Whether a connection answers a trivial query within the pool's timeout. */
    public boolean isReachable() {
        try (Connection connection = dataSource.getConnection()) {
            return connection.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    @Override
    public void close() {
        dataSource.close();
    }

    /** UTC timestamp for a {@code TIMESTAMP WITH TIME ZONE} parameter. */
    static OffsetDateTime utc(Instant instant) {
        return instant == null ? null : OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    /** A JDBC URL without credentials in its query string or user-info, safe to log. */
    public static String redactUrl(String url) {
        if (url == null) {
            return "";
        }
        return url.replaceAll("(?i)(password|passwd|pwd|secret|token)=[^&;]*", "$1=***")
                .replaceAll("//[^/@]*:[^/@]*@", "//***@");
    }
}

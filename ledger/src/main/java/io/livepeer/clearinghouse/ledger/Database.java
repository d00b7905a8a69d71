package io.livepeer.clearinghouse.ledger;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.argument.AbstractArgumentFactory;
import org.jdbi.v3.core.argument.Argument;
import org.jdbi.v3.core.config.ConfigRegistry;
import org.jdbi.v3.core.statement.TemplateEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clearinghouse database: a HikariCP pool, Flyway migrations and transactions. The only class that opens
 * connections; every SQL statement of the application lives in this module.
 *
 * <p><b>Migrations.</b> Every table of every module is created by the scripts in this module's
 * {@code src/main/resources/db/migration} ({@code classpath:db/migration}), the same scripts on PostgreSQL and H2.
 * A new table, whoever needs it, is a new {@code V<n>__….sql} there.
 *
 * <p><b>Dialect.</b> H2 runs in PostgreSQL compatibility mode, so one SQL serves both; what still differs is asked of
 * {@link #dialect()} ({@link SqlDialect}), never switched on inline.
 *
 * <p><b>Transactions: one rule.</b> Store methods never take a connection. Each runs its statements through
 * {@link #inTransaction} or {@link #withHandle}, and both <em>join</em> the transaction already open on the calling
 * thread (Jdbi's per-thread handle scope): whatever a caller does inside {@code database.inTransaction(h -> …)},
 * including calls to other stores' methods, commits or rolls back as one. Outside such a block, each store method is
 * its own transaction (or a plain auto-commit read).
 *
 * <p><b>Statements.</b> Written with Jdbi on the {@link Handle} (named parameters, row mappers), rows read by column
 * name. The metering and delivery hot paths (multi-row inserts of up to 7,000 parameters, the balance update, the
 * delivery batch) bind with plain JDBC on {@link Handle#getConnection()} instead: Jdbi's per-argument binding and SQL
 * parsing tripled their client CPU. They run in the same handle, so the transaction rule is the same.
 *
 * <p><b>Errors.</b> Failures surface as {@link SQLException} (Jdbi's wrapper is removed), so callers keep one
 * "database unavailable or refused" type.
 */
public final class Database implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Database.class);

    private final HikariDataSource dataSource;
    private final SqlDialect dialect;
    private final Jdbi jdbi;

    private Database(HikariDataSource dataSource, SqlDialect dialect) {
        this.dataSource = dataSource;
        this.dialect = dialect;
        this.jdbi = jdbi(dataSource);
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
        SqlDialect dialect = SqlDialect.of(config.url());
        String url = dialect.connectionUrl(config.url());
        if (dialect == SqlDialect.H2 && url.startsWith("jdbc:h2:file:")) {
            // after a kill, H2 can leave an identity sequence locked or behind its rows (H2IdentityRecovery)
            try {
                H2IdentityRecovery.repair(url, config.user(), config.password());
            } catch (java.sql.SQLException e) {
                // the pool below reports a database it cannot open, with its own retries
                LOG.warn("H2 identity repair skipped: {}", e.getMessage());
            }
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
            LOG.info(
                    "Database {} at schema version {} ({} migration(s) applied)",
                    redactUrl(url),
                    result.targetSchemaVersion,
                    result.migrationsExecuted);
        } catch (RuntimeException e) {
            dataSource.close();
            throw e;
        }
        return new Database(dataSource, dialect);
    }

    /**
     * Jdbi over the pool: SQL is used as written (no template engine: {@code <} and {@code <>} are operators), an
     * {@link Instant} parameter is bound as a UTC {@code TIMESTAMP WITH TIME ZONE}, a {@link BigInteger} as NUMERIC.
     */
    private static Jdbi jdbi(DataSource dataSource) {
        Jdbi jdbi = Jdbi.create(dataSource);
        jdbi.setTemplateEngine(TemplateEngine.NOP);
        jdbi.registerArgument(new AbstractArgumentFactory<Instant>(Types.TIMESTAMP_WITH_TIMEZONE) {
            @Override
            protected Argument build(Instant value, ConfigRegistry config) {
                OffsetDateTime utc = OffsetDateTime.ofInstant(value, ZoneOffset.UTC);
                return (position, statement, context) -> statement.setObject(position, utc);
            }
        });
        jdbi.registerArgument(new AbstractArgumentFactory<BigInteger>(Types.NUMERIC) {
            @Override
            protected Argument build(BigInteger value, ConfigRegistry config) {
                BigDecimal decimal = new BigDecimal(value);
                return (position, statement, context) -> statement.setBigDecimal(position, decimal);
            }
        });
        return jdbi;
    }

    /** The pooled data source. */
    public DataSource dataSource() {
        return dataSource;
    }

    /** The SQL engine, and what its SQL needs that the other's does not. */
    public SqlDialect dialect() {
        return dialect;
    }

    /**
     * Runs work in one transaction: committed when it returns, rolled back when it throws. Called while this thread
     * is already inside {@code inTransaction} or {@code withHandle}, it joins that handle (and its transaction):
     * the outermost call commits.
     *
     * @throws SQLException from the work, a statement or the commit
     */
    public <T> T inTransaction(HandleCallback<T, SQLException> work) throws SQLException {
        try {
            return jdbi.inTransaction(work);
        } catch (JdbiException e) {
            throw sqlException(e);
        }
    }

    /**
     * Runs work on a handle without opening a transaction (reads, single statements in auto-commit). Called while this
     * thread is inside {@code inTransaction}, it joins that transaction.
     *
     * @throws SQLException from the work or a statement
     */
    public <T> T withHandle(HandleCallback<T, SQLException> work) throws SQLException {
        try {
            return jdbi.withHandle(work);
        } catch (JdbiException e) {
            throw sqlException(e);
        }
    }

    /** The {@link SQLException} behind a Jdbi exception; a Jdbi exception without one (a mapping bug) is rethrown. */
    private static SQLException sqlException(JdbiException e) {
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql) {
                return sql;
            }
        }
        throw e;
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

    /** A JDBC URL without credentials in its query string or user-info, safe to log. */
    public static String redactUrl(String url) {
        if (url == null) {
            return "";
        }
        return url.replaceAll("(?i)(password|passwd|pwd|secret|token)=[^&;]*", "$1=***")
                .replaceAll("//[^/@]*:[^/@]*@", "//***@");
    }
}

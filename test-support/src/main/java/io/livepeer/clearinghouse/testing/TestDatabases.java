package io.livepeer.clearinghouse.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Real databases for tests: an H2 in-memory database, or a fresh database on one embedded PostgreSQL 14 server
 * (zonky) shared by the JVM and stopped at exit.
 */
public final class TestDatabases {

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static EmbeddedPostgres postgres;

    private TestDatabases() {}

    /**
     * Where a test database is.
     *
     * @param label    {@code h2} or {@code postgresql}, for test names
     * @param url      JDBC URL
     * @param user     user
     * @param password password
     */
    public record JdbcTarget(String label, String url, String user, String password) {
        @Override
        public String toString() {
            return label;
        }
    }

    /** A new, empty H2 in-memory database that lives until the JVM exits. */
    public static JdbcTarget h2() {
        return new JdbcTarget(
                "h2",
                "jdbc:h2:mem:test" + UUID.randomUUID().toString().replace("-", "") + ";DB_CLOSE_DELAY=-1",
                "sa",
                "");
    }

    /** A new, empty database on the shared embedded PostgreSQL server. */
    public static JdbcTarget postgres() {
        EmbeddedPostgres server = server();
        String name = "test_" + COUNTER.incrementAndGet() + "_"
                + UUID.randomUUID().toString().substring(0, 8);
        try (Connection c = server.getPostgresDatabase().getConnection();
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("could not create database " + name, e);
        }
        return new JdbcTarget("postgresql", server.getJdbcUrl("postgres", name), "postgres", "postgres");
    }

    /** Both kinds, for parameterised tests: {@code @MethodSource("io.livepeer…TestDatabases#both")}. */
    public static java.util.stream.Stream<JdbcTarget> both() {
        return java.util.stream.Stream.of(h2(), postgres());
    }

    private static synchronized EmbeddedPostgres server() {
        if (postgres == null) {
            try {
                postgres = EmbeddedPostgres.builder()
                        .setServerConfig("max_connections", "200")
                        .setServerConfig("fsync", "off")
                        .setServerConfig("synchronous_commit", "off")
                        .start();
            } catch (IOException e) {
                throw new IllegalStateException("embedded PostgreSQL did not start", e);
            }
            Runtime.getRuntime()
                    .addShutdownHook(new Thread(
                            () -> {
                                try {
                                    postgres.close();
                                } catch (IOException ignored) {
                                    // exiting anyway
                                }
                            },
                            "embedded-postgres-stop"));
        }
        return postgres;
    }
}

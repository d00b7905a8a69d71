package io.livepeer.clearinghouse.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class SqlDialectTest {

    static java.util.stream.Stream<JdbcTarget> databases() {
        return TestDatabases.both();
    }

    @Test
    void the_jdbc_url_decides_the_dialect() {
        assertThat(SqlDialect.of("jdbc:postgresql://db:5432/clearinghouse")).isEqualTo(SqlDialect.POSTGRESQL);
        assertThat(SqlDialect.of("jdbc:h2:file:./data/clearinghouse")).isEqualTo(SqlDialect.H2);
        assertThat(SqlDialect.of("jdbc:h2:mem:test")).isEqualTo(SqlDialect.H2);
    }

    @Test
    void an_unsupported_url_is_refused_without_showing_its_password() {
        assertThatThrownBy(() -> SqlDialect.of("jdbc:mysql://root:hunter2@db/x?password=hunter2"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unsupported JDBC URL")
                .hasMessageContaining("jdbc:postgresql://host/db")
                .hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> SqlDialect.of(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void h2_gets_postgresql_compatibility_and_a_file_database_the_auto_server_once() {
        assertThat(SqlDialect.H2.connectionUrl("jdbc:h2:file:./data/ch"))
                .isEqualTo("jdbc:h2:file:./data/ch"
                        + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;AUTO_SERVER=TRUE"
                        + ";WRITE_DELAY=0");
        assertThat(SqlDialect.H2.connectionUrl("jdbc:h2:mem:t;DB_CLOSE_DELAY=-1"))
                .isEqualTo("jdbc:h2:mem:t"
                        + ";DB_CLOSE_DELAY=-1;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH");
        String chosen = "jdbc:h2:file:/x;MODE=PostgreSQL;AUTO_SERVER=FALSE;WRITE_DELAY=500";
        assertThat(SqlDialect.H2.connectionUrl(chosen)).isEqualTo(chosen);
        assertThat(SqlDialect.POSTGRESQL.connectionUrl("jdbc:postgresql://db/ch?ssl=true"))
                .isEqualTo("jdbc:postgresql://db/ch?ssl=true");
    }

    @Test
    void an_h2_database_on_disk_writes_each_commit_before_it_returns(@TempDir Path dir) throws Exception {
        // H2 2.x writes commits in the background (WRITE_DELAY, 500 ms by default): a kill -9 lost committed batches
        // whose Kafka offsets were already committed (issue 9, defect 7; the fault-tests module's kill test)
        assertThat(SqlDialect.H2.connectionUrl("jdbc:h2:./data/ch")).endsWith(";WRITE_DELAY=0");
        assertThat(SqlDialect.H2.connectionUrl("jdbc:h2:tcp://db/ch")).endsWith(";WRITE_DELAY=0");
        assertThat(SqlDialect.H2.connectionUrl("jdbc:h2:mem:t")).doesNotContain("WRITE_DELAY");
        String url = SqlDialect.H2.connectionUrl("jdbc:h2:file:" + dir.resolve("durable"));
        try (Connection c = DriverManager.getConnection(url, "sa", "");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT setting_value FROM information_schema.settings WHERE setting_name = 'WRITE_DELAY'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("0");
        }
    }

    @Test
    void the_fragments_read_as_each_engine_expects() {
        assertThat(SqlDialect.POSTGRESQL.rowLockForUpdate()).isEqualTo("FOR NO KEY UPDATE");
        assertThat(SqlDialect.H2.rowLockForUpdate()).isEqualTo("FOR UPDATE");
        assertThat(SqlDialect.POSTGRESQL.updateFromValues(
                        "t a", "(VALUES (?, ?)) AS v(id, x)", "a.id = v.id", "x = a.x + v.x"))
                .isEqualTo("UPDATE t a SET x = a.x + v.x FROM (VALUES (?, ?)) AS v(id, x)" + " WHERE a.id = v.id");
        assertThat(SqlDialect.H2.updateFromValues("t a", "(VALUES (?, ?)) AS v(id, x)", "a.id = v.id", "x = a.x + v.x"))
                .isEqualTo("MERGE INTO t a USING (VALUES (?, ?)) AS v(id, x) ON a.id = v.id"
                        + " WHEN MATCHED THEN UPDATE SET x = a.x + v.x");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void the_dialect_of_the_open_database_runs_its_own_statements(JdbcTarget target) throws Exception {
        try (Database db = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 2))) {
            SqlDialect dialect = db.dialect();
            assertThat(dialect.name().toLowerCase()).isEqualTo(target.label());
            db.withHandle(h -> h.execute("CREATE TABLE dialect_probe (id BIGINT PRIMARY KEY,"
                    + " amount NUMERIC(90, 12) NOT NULL, untouched VARCHAR(10))"));
            db.withHandle(h -> h.execute("INSERT INTO dialect_probe (id, amount, untouched) VALUES (1, 1, 'a'),"
                    + " (2, 2, 'b'), (3, 3, 'c')"));

            List<Long> locked = db.inTransaction(h -> {
                List<Long> ids = h.createQuery("SELECT id FROM dialect_probe WHERE id IN (?, ?) ORDER BY id "
                                + dialect.rowLockForUpdate())
                        .bind(0, 3L)
                        .bind(1, 1L)
                        .map((rs, ctx) -> rs.getLong("id"))
                        .list();
                h.createUpdate(dialect.updateFromValues(
                                "dialect_probe a",
                                "(VALUES (CAST(? AS BIGINT), CAST(? AS NUMERIC(90, 12))),"
                                        + " (CAST(? AS BIGINT), CAST(? AS NUMERIC(90, 12)))) AS v(id, d)",
                                "a.id = v.id",
                                "amount = a.amount + v.d"))
                        .bind(0, 1L)
                        .bind(1, new BigDecimal("0.000000000001"))
                        .bind(2, 3L)
                        .bind(3, new BigDecimal("10"))
                        .execute();
                return ids;
            });

            assertThat(locked).containsExactly(1L, 3L);
            List<String> rows =
                    db.withHandle(h -> h.createQuery("SELECT id, amount, untouched FROM dialect_probe" + " ORDER BY id")
                            .map((rs, ctx) -> rs.getLong("id") + "="
                                    + Amounts.micros(rs.getBigDecimal("amount")).toPlainString() + "/"
                                    + rs.getString("untouched"))
                            .list());
            assertThat(rows).containsExactly("1=1.000000000001/a", "2=2/b", "3=13/c");
        }
    }
}

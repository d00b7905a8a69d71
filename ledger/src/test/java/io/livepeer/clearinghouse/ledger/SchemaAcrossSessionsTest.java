package io.livepeer.clearinghouse.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.ledger.outbox.OutboxEntry;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Guards against H2 2.4.240's regression (h2database#4302): CHECK constraints fail with "Check constraint invalid"
 * once the session that created them has closed, which would stop metering as soon as the pool retires the
 * connection that ran the migrations.
 */
class SchemaAcrossSessionsTest {

    static java.util.stream.Stream<JdbcTarget> databases() {
        return TestDatabases.both();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void constraints_still_work_after_the_migrating_connections_are_gone(JdbcTarget target) throws Exception {
        try (Database first = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 2))) {
            assertThat(first.isReachable()).isTrue();
        }
        try (Database second = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 2))) {
            OutboxEntry entry = new OutboxEntry(
                    "id-1",
                    "c:u",
                    "live",
                    "unknown",
                    Instant.EPOCH,
                    BigInteger.ONE,
                    BigDecimal.ONE,
                    BigDecimal.ONE,
                    BigDecimal.TEN,
                    "{}",
                    null,
                    null);
            var result = new UsageRecorder(second, null, Clock.fixed(Instant.EPOCH, ZoneOffset.UTC))
                    .record(List.of(entry), List.of());
            assertThat(result.inserted()).isEqualTo(1);
        }
    }
}

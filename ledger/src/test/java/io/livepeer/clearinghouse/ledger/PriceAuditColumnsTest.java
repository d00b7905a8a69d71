package io.livepeer.clearinghouse.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepeer.clearinghouse.ledger.outbox.OutboxEntry;
import io.livepeer.clearinghouse.ledger.outbox.OutboxEntry.UsdAudit;
import io.livepeer.clearinghouse.ledger.outbox.OutboxQueries;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The outbox keeps the v0.9.3 payer and both USD values with their audit (migration V6), on H2 and PostgreSQL. */
class PriceAuditColumnsTest {

    static final Instant T0 = Instant.parse("2026-08-20T10:00:00Z");
    static final String PAYER = "0x5f3c8a9d1b2c3d4e5f60718293a4b5c6d7e8f901";

    static Stream<JdbcTarget> databases() {
        return TestDatabases.both();
    }

    static OutboxEntry entry(String id, long offset, String payer, UsdAudit audit) {
        return new OutboxEntry(
                id,
                "acme:alice",
                "live",
                "unknown",
                T0,
                new BigInteger("1000000000000000"),
                new BigDecimal("3000000"),
                new BigDecimal("3000000"),
                new BigDecimal("3000"),
                "{\"id\":\"" + id + "\"}",
                null,
                new KafkaCoordinates("signer", 0, offset),
                payer,
                audit);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void both_usd_values_the_divergence_and_the_flag_are_stored_and_flagged_events_can_be_listed(JdbcTarget target)
            throws Exception {
        try (Database db = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 2))) {
            UsageRecorder recorder = new UsageRecorder(db, null, Clock.fixed(T0, ZoneOffset.UTC));
            recorder.record(
                    List.of(
                            entry(
                                    "flagged",
                                    0,
                                    PAYER,
                                    new UsdAudit(
                                            "oracle",
                                            new BigDecimal("3000000"),
                                            new BigDecimal("2000000.000000000001"),
                                            new BigDecimal("-999999.999999999999"),
                                            true)),
                            entry(
                                    "within",
                                    1,
                                    null,
                                    new UsdAudit(
                                            "signer",
                                            new BigDecimal("3000000"),
                                            new BigDecimal("3000001"),
                                            new BigDecimal("1"),
                                            false)),
                            entry("none", 2, null, new UsdAudit("oracle", new BigDecimal("3000000"), null, null, null)),
                            new OutboxEntry(
                                    "legacy",
                                    "acme:alice",
                                    "live",
                                    "unknown",
                                    T0,
                                    BigInteger.ONE,
                                    BigDecimal.ONE,
                                    BigDecimal.ONE,
                                    new BigDecimal("3000"),
                                    "{}",
                                    null,
                                    null)),
                    List.of());
            OutboxQueries queries = new OutboxQueries(db);

            List<OutboxQueries.OutboxEventView> all = queries.list(null, null, null, 10);
            assertThat(all)
                    .extracting(OutboxQueries.OutboxEventView::eventId)
                    .containsExactly("legacy", "none", "within", "flagged");
            assertThat(all.get(3)).satisfies(e -> {
                assertThat(e.payerAddress()).isEqualTo(PAYER);
                assertThat(e.usdSource()).isEqualTo("oracle");
                assertThat(e.oracleMicros().toPlainString()).isEqualTo("3000000");
                assertThat(e.signerMicros().toPlainString()).isEqualTo("2000000.000000000001");
                assertThat(e.divergenceMicros().toPlainString()).isEqualTo("-999999.999999999999");
                assertThat(e.priceAuditFlagged()).isTrue();
            });
            assertThat(all.get(2).priceAuditFlagged()).isFalse();
            assertThat(all.get(2).usdSource()).isEqualTo("signer");
            assertThat(all.get(1).priceAuditFlagged()).isNull();
            assertThat(all.get(1).signerMicros()).isNull();
            assertThat(all.get(0).usdSource()).isNull();
            assertThat(all.get(0).oracleMicros()).isNull();
            assertThat(all.get(0).payerAddress()).isNull();

            assertThat(queries.list(null, null, true, null, 10))
                    .extracting(OutboxQueries.OutboxEventView::eventId)
                    .containsExactly("flagged");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void the_database_refuses_an_unknown_usd_source_or_a_negative_usd_value(JdbcTarget target) throws Exception {
        try (Database db = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 2))) {
            UsageRecorder recorder = new UsageRecorder(db, null, Clock.fixed(T0, ZoneOffset.UTC));
            assertThatThrownBy(() -> recorder.record(
                            List.of(entry("x", 0, null, new UsdAudit("guess", BigDecimal.ONE, null, null, null))),
                            List.of()))
                    .isInstanceOf(SQLException.class)
                    .satisfies(e ->
                            assertThat(SqlErrors.refusesData((SQLException) e)).isTrue());
            assertThatThrownBy(() -> recorder.record(
                            List.of(entry(
                                    "y",
                                    1,
                                    null,
                                    new UsdAudit("signer", BigDecimal.ONE, new BigDecimal("-1"), null, false))),
                            List.of()))
                    .isInstanceOf(SQLException.class);
        }
    }
}

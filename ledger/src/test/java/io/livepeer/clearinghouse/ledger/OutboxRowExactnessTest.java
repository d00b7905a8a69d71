package io.livepeer.clearinghouse.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.outbox.OutboxEntry;
import io.livepeer.clearinghouse.ledger.outbox.OutboxEntry.UsdAudit;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.livepeer.clearinghouse.testing.TestDatabases.JdbcTarget;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every column of an outbox row reads back exactly as metering wrote it, on H2 and PostgreSQL, whatever the text
 * holds: on PostgreSQL the batch travels as binary array parameters ({@link PgArrays}; before, as text array
 * literals the driver escaped), so the CloudEvent's quotes, backslashes, braces, commas, the word NULL and non-ASCII
 * characters, decimals with 12 places, fees of 78 digits, microsecond times and null columns are the cases to keep.
 */
class OutboxRowExactnessTest {

    static final Instant NOW = Instant.parse("2026-08-20T10:00:00Z");

    static Stream<JdbcTarget> databases() {
        return TestDatabases.both();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void an_outbox_row_reads_back_exactly_as_metering_wrote_it(JdbcTarget target) throws Exception {
        String awkward = "{\"data\":{\"app\":\"q\\\"uote\\\\back, {brace} NULL ünï 客户 😀\",\"n\":NULL,\"e\":\"\"}}";
        OutboxEntry full = new OutboxEntry(
                "id-\"{,}\\ NULL ü",
                "acme:ali\"ce, {x}",
                "live-video-to-video",
                "model\\x",
                Instant.parse("2026-08-20T09:59:58.123456Z"),
                new BigInteger("9".repeat(78)),
                new BigDecimal("0.000000000001"),
                new BigDecimal("12345678901234567890123456.123456789012"),
                new BigDecimal("3141.592653589793"),
                awkward,
                "0xabc",
                new KafkaCoordinates("signer-events", 2, 9_007_199_254_740_993L),
                "0x5f3c8a9d1b2c3d4e5f60718293a4b5c6d7e8f901",
                new UsdAudit(
                        "signer",
                        new BigDecimal("0.000000000003"),
                        new BigDecimal("0.000000000004"),
                        new BigDecimal("0.000000000001"),
                        Boolean.TRUE));
        OutboxEntry bare = new OutboxEntry(
                "bare",
                "bob",
                "",
                "unknown",
                NOW,
                BigInteger.ZERO,
                BigDecimal.ZERO,
                BigDecimal.ZERO,
                BigDecimal.ONE,
                "NULL",
                null,
                null,
                null,
                UsdAudit.NONE);
        try (Database db = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 2))) {
            Ledger ledger = new Ledger(db, Clock.fixed(NOW, ZoneOffset.UTC));
            UsageRecorder recorder = new UsageRecorder(db, ledger, Clock.fixed(NOW, ZoneOffset.UTC));
            assertThat(recorder.record(List.of(full, bare), List.of()).inserted())
                    .isEqualTo(2);

            Map<String, Object> f = row(db, full.eventId());
            assertThat(f.get("subject")).isEqualTo(full.subject());
            assertThat(f.get("pipeline")).isEqualTo("live-video-to-video");
            assertThat(f.get("model_id")).isEqualTo("model\\x");
            assertThat(f.get("cloud_event")).isEqualTo(awkward);
            assertThat(f.get("event_time")).isEqualTo(full.eventTime());
            assertThat(f.get("created_at")).isEqualTo(NOW);
            assertThat((BigDecimal) f.get("fee_wei")).isEqualByComparingTo(new BigDecimal(full.feeWei()));
            assertThat((BigDecimal) f.get("network_usd_micros")).isEqualByComparingTo("0.000000000001");
            assertThat((BigDecimal) f.get("billable_usd_micros"))
                    .isEqualByComparingTo("12345678901234567890123456.123456789012");
            assertThat((BigDecimal) f.get("eth_usd_price")).isEqualByComparingTo("3141.592653589793");
            assertThat(f.get("kafka_topic")).isEqualTo("signer-events");
            assertThat(((Number) f.get("kafka_partition")).intValue()).isEqualTo(2);
            assertThat(((Number) f.get("kafka_offset")).longValue()).isEqualTo(9_007_199_254_740_993L);
            assertThat(f.get("payer_address")).isEqualTo(full.payerAddress());
            assertThat(f.get("usd_source")).isEqualTo("signer");
            assertThat((BigDecimal) f.get("oracle_usd_micros")).isEqualByComparingTo("0.000000000003");
            assertThat((BigDecimal) f.get("signer_usd_micros")).isEqualByComparingTo("0.000000000004");
            assertThat((BigDecimal) f.get("usd_divergence_micros")).isEqualByComparingTo("0.000000000001");
            assertThat(f.get("price_audit_flagged")).isEqualTo(Boolean.TRUE);
            assertThat(f.get("orch_address")).isEqualTo("0xabc");
            assertThat(f.get("usage_debit_account_id")).isNotNull();
            assertThat(f.get("usage_credit_account_id")).isNotNull();

            Map<String, Object> b = row(db, "bare");
            assertThat(b.get("pipeline")).isEqualTo("");
            assertThat(b.get("cloud_event")).as("the text NULL is not SQL NULL").isEqualTo("NULL");
            assertThat(b.get("kafka_topic")).isNull();
            assertThat(b.get("kafka_partition")).isNull();
            assertThat(b.get("kafka_offset")).isNull();
            assertThat(b.get("payer_address")).isNull();
            assertThat(b.get("usd_source")).isNull();
            assertThat(b.get("oracle_usd_micros")).isNull();
            assertThat(b.get("price_audit_flagged")).isNull();
            assertThat(b.get("orch_address")).isNull();
            assertThat(ledger.account("customer:" + full.subject())
                            .orElseThrow()
                            .balance())
                    .isEqualByComparingTo("-12345678901234567890123456.123456789012");
        }
    }

    private static Map<String, Object> row(Database db, String eventId) throws Exception {
        return db.withHandle(h -> h.createQuery(
                        "SELECT subject, pipeline, model_id, cloud_event, event_time, created_at,"
                                + " fee_wei, network_usd_micros, billable_usd_micros, eth_usd_price, kafka_topic,"
                                + " kafka_partition, kafka_offset, payer_address, usd_source, oracle_usd_micros,"
                                + " signer_usd_micros, usd_divergence_micros, price_audit_flagged, orch_address,"
                                + " usage_debit_account_id, usage_credit_account_id FROM outbox_events WHERE event_id = :id")
                .bind("id", eventId)
                .map((rs, ctx) -> {
                    Map<String, Object> m = new java.util.HashMap<>();
                    for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                        String name = rs.getMetaData().getColumnLabel(i).toLowerCase(java.util.Locale.ROOT);
                        Object v = name.equals("event_time") || name.equals("created_at")
                                ? Rows.instant(rs, name)
                                : rs.getObject(i);
                        m.put(name, v);
                    }
                    return m;
                })
                .one());
    }
}

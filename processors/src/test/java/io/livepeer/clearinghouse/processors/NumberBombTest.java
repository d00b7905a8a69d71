package io.livepeer.clearinghouse.processors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.livepeer.clearinghouse.processors.catalog.Catalog;
import io.livepeer.clearinghouse.processors.cloudevent.UsageCloudEventMapper;
import io.livepeer.clearinghouse.processors.metering.MeteringLimits;
import io.livepeer.clearinghouse.processors.metering.MeteringOutcome;
import io.livepeer.clearinghouse.processors.metering.SignerEventMetering;
import io.livepeer.clearinghouse.processors.price.PriceQuote;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A short number with a huge exponent ({@code 1e500000000}: 11 characters) must be refused as it is read, never
 * expanded: {@code toBigIntegerExact} or {@code toPlainString} on it allocates hundreds of MB and takes minutes,
 * stalling the partition. The timeout is a safety stop for the test run, not a speed claim.
 */
class NumberBombTest {

    static final Instant NOW = Instant.parse("2026-08-20T12:00:00Z");
    static final SignerEventMetering METERING = new SignerEventMetering(
            new UsageCloudEventMapper(UsageCloudEventMapper.DEFAULT_SOURCE),
            Catalog.defaultCatalog().markup(),
            MeteringLimits.defaults());

    static String event(String timestamp, String fee, String pixels, String authId) {
        return "{\"id\":\"0b9c7d4e-1111-4a53-9a53-2f0e3b7d9c11\",\"type\":\"create_signed_ticket\",\"timestamp\":"
                + timestamp + ",\"data\":{\"auth_id\":" + authId + ",\"computed_fee\":" + fee + ",\"pixels\":"
                + pixels + ",\"pipeline\":\"live\",\"current_time\":\"2026-08-20T11:59:00Z\"}}";
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "timestamp as a number    | 1e500000000   | \"1000\"      | 0           | \"acme:alice\"",
                "timestamp as a string    | \"1e500000000\" | \"1000\"    | 0           | \"acme:alice\"",
                "computed_fee as a number | 1787220000123 | 1e500000000   | 0           | \"acme:alice\"",
                "computed_fee as a string | 1787220000123 | \"1e500000000\" | 0         | \"acme:alice\"",
                "pixels                   | 1787220000123 | \"1000\"      | 1e500000000 | \"acme:alice\"",
                "auth_id sent as a number | 1787220000123 | \"1000\"      | 0           | 1e500000000",
                "a tiny fraction          | 1787220000123 | 1e-500000000  | 0           | \"acme:alice\"",
            })
    void a_number_with_a_huge_exponent_is_dead_lettered_as_it_is_read(
            String where, String timestamp, String fee, String pixels, String authId) {
        byte[] raw = event(timestamp.trim(), fee.trim(), pixels.trim(), authId.trim())
                .getBytes(StandardCharsets.UTF_8);

        MeteringOutcome outcome = assertTimeoutPreemptively(
                Duration.ofSeconds(5),
                () -> METERING.meter(raw, new PriceQuote(new BigDecimal("3000"), NOW, PriceQuote.STATIC_SOURCE), NOW));

        assertThat(outcome)
                .isInstanceOfSatisfying(
                        MeteringOutcome.Rejected.class,
                        r -> assertThat(r.reason()).as(where).containsAnyOf("too large", "too many decimal places"));
    }

    /**
     * The issue's four fields, each refused by the bound on the number as read (digits and exponent, checked on
     * precision and scale before any expansion), with a reason naming the field; the envelope timestamp also for an
     * event type that is otherwise skipped.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "timestamp    | 1e500000000   | \"1000\"      | 0           | \"acme:alice\"  | timestamp is too large",
                "computed_fee | 1787220000123 | \"1e500000000\" | 0         | \"acme:alice\"  | computed_fee is too large",
                "pixels       | 1787220000123 | \"1000\"      | 1e500000000 | \"acme:alice\"  | pixels is too large",
                "auth_id      | 1787220000123 | \"1000\"      | 0           | 1e500000000     | auth_id is too large",
            })
    void each_field_of_the_issue_is_refused_at_the_parser_bound_with_a_reason_naming_it(
            String where, String timestamp, String fee, String pixels, String authId, String reason) {
        byte[] raw = event(timestamp.trim(), fee.trim(), pixels.trim(), authId.trim())
                .getBytes(StandardCharsets.UTF_8);
        MeteringOutcome outcome =
                METERING.meter(raw, new PriceQuote(new BigDecimal("3000"), NOW, PriceQuote.STATIC_SOURCE), NOW);
        assertThat(outcome)
                .as(where)
                .isInstanceOfSatisfying(
                        MeteringOutcome.Rejected.class,
                        r -> assertThat(r.reason()).startsWith(reason));
    }

    @org.junit.jupiter.api.Test
    void a_timestamp_bomb_in_another_event_type_is_dead_lettered_not_skipped() {
        byte[] raw = "{\"type\":\"discovery_results\",\"timestamp\":1e500000000,\"data\":[]}"
                .getBytes(StandardCharsets.UTF_8);
        assertThat(METERING.meter(raw, new PriceQuote(new BigDecimal("3000"), NOW, PriceQuote.STATIC_SOURCE), NOW))
                .isInstanceOfSatisfying(
                        MeteringOutcome.Rejected.class,
                        r -> assertThat(r.reason()).startsWith("timestamp is too large"));
    }
}

package io.livepeer.clearinghouse.processors;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.processors.catalog.Catalog;
import io.livepeer.clearinghouse.processors.cloudevent.UsageCloudEventMapper;
import io.livepeer.clearinghouse.processors.metering.MeteringLimits;
import io.livepeer.clearinghouse.processors.metering.MeteringOutcome;
import io.livepeer.clearinghouse.processors.metering.SignerEventMetering;
import io.livepeer.clearinghouse.processors.price.PriceQuote;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** An event that meters but would not fit the outbox or ledger columns is dead-lettered, never stored. */
class StorageBoundsTest {

    static final Instant NOW = Instant.parse("2026-08-20T12:00:00Z");
    static final SignerEventMetering METERING = new SignerEventMetering(
            new UsageCloudEventMapper(UsageCloudEventMapper.DEFAULT_SOURCE),
            Catalog.defaultCatalog().markup(),
            MeteringLimits.defaults());

    static MeteringOutcome meter(String id, String authId, String pipeline, String orch) {
        String json = "{\"id\":\"" + id + "\",\"type\":\"create_signed_ticket\",\"data\":{\"auth_id\":\""
                + authId + "\",\"computed_fee\":\"1000\",\"pipeline\":\"" + pipeline + "\",\"orch_address\":\""
                + orch + "\",\"current_time\":\"2026-08-20T11:59:00Z\"}}";
        return METERING.meter(
                json.getBytes(StandardCharsets.UTF_8),
                new PriceQuote(new BigDecimal("3000"), NOW, PriceQuote.STATIC_SOURCE),
                NOW);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "an id of 250 characters       | ID250 | acme:alice        | live    | 0xabc | id is longer than 249",
                "a subject of 600 characters   | ok    | SUBJECT600        | live    | 0xabc | subject (customer key) is longer",
                "a pipeline of 200 characters  | ok    | acme:alice        | PIPE200 | 0xabc | pipeline is longer than 128",
                "a NUL in auth_id              | ok    | acme:al\\u0000ice | live    | 0xabc | NUL character",
                "a lone surrogate in auth_id   | ok    | acme:\\uD800x     | live    | 0xabc | unpaired surrogate",
                "an orch_address of 300        | ok    | acme:alice        | live    | ORCH300 | orch_address is longer",
            })
    void is_dead_lettered_with_the_reason(
            String what, String id, String authId, String pipeline, String orch, String reason) {
        MeteringOutcome outcome = meter(
                id.equals("ID250") ? "i".repeat(250) : "0b9c7d4e-1111-4a53-9a53-2f0e3b7d9c11",
                authId.equals("SUBJECT600") ? "acme:" + "s".repeat(600) : authId,
                pipeline.equals("PIPE200") ? "p".repeat(200) : pipeline,
                orch.equals("ORCH300") ? "0x" + "a".repeat(300) : orch);

        assertThat(outcome).as(what).isInstanceOfSatisfying(MeteringOutcome.Rejected.class, r -> {
            assertThat(r.reason()).startsWith("cannot be stored: ").contains(reason);
            if (id.equals("ID250")) {
                assertThat(r.eventId())
                        .as("an id that does not fit is not kept as the dead letter's id")
                        .isNull();
            }
        });
    }

    @ParameterizedTest
    @CsvSource({"acme:alice", "acme:😀"})
    void a_storable_event_is_metered(String authId) {
        assertThat(meter("0b9c7d4e-1111-4a53-9a53-2f0e3b7d9c11", authId, "live", "0xabc"))
                .isInstanceOf(MeteringOutcome.Metered.class);
    }
}

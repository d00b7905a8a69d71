package io.livepeer.clearinghouse.routes.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DatabaseConfig;
import io.livepeer.clearinghouse.ledger.UsageRecorder;
import io.livepeer.clearinghouse.ledger.outbox.DeliveryQueue;
import io.livepeer.clearinghouse.ledger.outbox.OutboxEntry;
import io.livepeer.clearinghouse.openmeter.OpenMeterResponse;
import io.livepeer.clearinghouse.testing.TestDatabases;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.camel.Exchange;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.ServiceStatus;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.test.junit5.CamelTestSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The delivery route alone: the timer replaced by {@code direct:} with AdviceWith, a recording ingest in place of
 * OpenMeter, and the real outbox on H2. What the route owns: one tick delivers what is pending, and an unreadable
 * outbox is logged and waited out, never a failed exchange or a stopped route.
 */
class DeliveryRoutesTest extends CamelTestSupport {

    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-08-20T10:00:00Z"), ZoneOffset.UTC);

    Database database;
    final List<String> posted = new CopyOnWriteArrayList<>();

    @Override
    public boolean isUseAdviceWith() {
        return true;
    }

    @Override
    protected RoutesBuilder createRouteBuilder() {
        var target = TestDatabases.h2();
        database = Database.open(new DatabaseConfig(target.url(), target.user(), target.password(), 2));
        OutboxDelivery delivery = new OutboxDelivery(
                new DeliveryQueue(database, "test", Duration.ofMinutes(1)),
                body -> {
                    posted.add(new String(body, StandardCharsets.UTF_8));
                    return new OpenMeterResponse(204, Optional.empty(), "");
                },
                "test (v1)",
                new DeliveryMetrics(new SimpleMeterRegistry()),
                100,
                1,
                Duration.ofSeconds(1),
                Duration.ofSeconds(60),
                Executors.newSingleThreadExecutor(),
                CLOCK);
        return new DeliveryRoutes(delivery);
    }

    @AfterEach
    void closeDatabase() {
        database.close();
    }

    void adviseAndStart() throws Exception {
        AdviceWith.adviceWith(context, DeliveryRoutes.DELIVERY_ROUTE_ID, a -> {
            a.replaceFromWith("direct:tick");
            a.weaveById("deliver-pending").after().to("mock:ticked");
        });
        context.start();
    }

    void pending(int count) throws Exception {
        new UsageRecorder(database, null, CLOCK)
                .record(
                        IntStream.range(0, count)
                                .mapToObj(i -> new OutboxEntry(
                                        "e" + i,
                                        "acme:alice",
                                        "live",
                                        "unknown",
                                        CLOCK.instant(),
                                        BigInteger.ONE,
                                        BigDecimal.ONE,
                                        BigDecimal.ONE,
                                        BigDecimal.TEN,
                                        "{\"id\":\"e" + i + "\",\"subject\":\"acme:alice\"}",
                                        null,
                                        null))
                                .toList(),
                        List.of());
    }

    @Test
    void one_tick_delivers_what_is_pending_in_batches() throws Exception {
        adviseAndStart();
        pending(150);
        MockEndpoint ticked = getMockEndpoint("mock:ticked");
        ticked.expectedMessageCount(1);

        template.sendBody("direct:tick", null);

        ticked.assertIsSatisfied(5, TimeUnit.SECONDS);
        assertThat(posted).hasSize(2);
        assertThat(new DeliveryQueue(database, "test", Duration.ofMinutes(1)).pendingCount())
                .isZero();
    }

    @Test
    void an_unreadable_outbox_is_logged_and_waited_out_without_failing_the_route() throws Exception {
        adviseAndStart();
        database.close();

        Exchange tick = template.send("direct:tick", e -> {});

        assertThat(tick.getException()).isNull();
        assertThat(tick.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class))
                .isInstanceOf(java.sql.SQLException.class);
        assertThat(posted).isEmpty();
        assertThat(context.getRouteController().getRouteStatus(DeliveryRoutes.DELIVERY_ROUTE_ID))
                .isEqualTo(ServiceStatus.Started);
    }
}

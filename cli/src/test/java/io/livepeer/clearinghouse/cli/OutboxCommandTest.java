package io.livepeer.clearinghouse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.DatabaseConfig;
import io.livepeer.clearinghouse.ledger.UsageRecorder;
import io.livepeer.clearinghouse.ledger.outbox.DeliveryQueue;
import io.livepeer.clearinghouse.ledger.outbox.DeliveryQueue.PendingEvent;
import io.livepeer.clearinghouse.ledger.outbox.OutboxEntry;
import io.livepeer.clearinghouse.ledger.outbox.OutboxQueries;
import io.livepeer.clearinghouse.ledger.outbox.OutboxQueries.Status;
import io.livepeer.clearinghouse.routes.delivery.DeliveryClient;
import io.livepeer.clearinghouse.routes.delivery.DeliveryMetrics;
import io.livepeer.clearinghouse.routes.delivery.OutboxDelivery;
import io.livepeer.clearinghouse.testing.FakeOpenMeter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `./clearinghouse outbox requeue`: a dry run changes nothing, --apply makes rejected events pending and they go out. */
class OutboxCommandTest {

    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Launcher.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(code, out.toString(), err.toString());
    }

    String url() {
        return "jdbc:h2:file:" + dir.resolve("db").toAbsolutePath();
    }

    Database open() {
        return Database.open(new DatabaseConfig(url(), "sa", "", 2));
    }

    /** Four events: e0 and e1 refused for the content type, e2 for its data, e3 delivered. */
    void rejectedEvents() throws Exception {
        try (Database db = open()) {
            new UsageRecorder(db, null, Clock.systemUTC())
                    .record(
                            IntStream.range(0, 4)
                                    .mapToObj(i -> new OutboxEntry(
                                            "e" + i,
                                            "acme:alice",
                                            "live",
                                            "unknown",
                                            Instant.now(),
                                            BigInteger.ONE,
                                            BigDecimal.ONE,
                                            BigDecimal.ONE,
                                            BigDecimal.TEN,
                                            "{\"specversion\":\"1.0\",\"id\":\"e" + i + "\",\"source\":\"test\","
                                                    + "\"type\":\"create_signed_ticket\",\"subject\":\"acme:alice\","
                                                    + "\"data\":{}}",
                                            null,
                                            null))
                                    .toList(),
                            List.of());
            DeliveryQueue queue = new DeliveryQueue(db, "old-instance", Duration.ofMinutes(1));
            List<PendingEvent> claimed = queue.claim(4, Instant.now());
            Instant at = Instant.parse("2026-08-20T10:00:00Z");
            queue.markRejected(claimed.get(0).seq(), "HTTP 400: invalid content type: a; charset=UTF-8", at);
            queue.markRejected(claimed.get(1).seq(), "HTTP 400: Invalid Content Type", at.plusSeconds(60));
            queue.markRejected(claimed.get(2).seq(), "HTTP 422: data.value must be a number", at);
            queue.markDelivered(List.of(claimed.get(3).seq()));
        }
    }

    Map<Status, Long> counts() throws Exception {
        try (Database db = open()) {
            return new OutboxQueries(db).countByStatus();
        }
    }

    @Test
    void a_dry_run_prints_what_would_be_requeued_and_changes_nothing() throws Exception {
        rejectedEvents();

        Run dryRun = run("outbox", "requeue", "--jdbc-url", url(), "--reason", "content type", "--status", "400");
        Run explicit = run("outbox", "requeue", "--jdbc-url", url(), "--dry-run", "--to", "2026-08-20T10:00:30Z");

        assertThat(dryRun.code()).as(dryRun.err()).isZero();
        assertThat(dryRun.out())
                .contains("Dry run: 2 rejected event(s) match (reason~'content type' status=400); nothing changed")
                .contains("| e0 | acme:alice |")
                .contains("| e1 | acme:alice |")
                .doesNotContain("| e2 |");
        assertThat(explicit.code()).as(explicit.err()).isZero();
        assertThat(explicit.out())
                .contains("Dry run: 2 rejected event(s)")
                .contains("| e0 |")
                .contains("| e2 |");
        assertThat(counts()).containsEntry(Status.REJECTED, 3L).containsEntry(Status.PENDING, 0L);
    }

    @Test
    void apply_makes_the_selected_events_pending_and_delivery_sends_them_again() throws Exception {
        rejectedEvents();

        Run apply = run("outbox", "requeue", "--jdbc-url", url(), "--reason", "CONTENT TYPE", "--apply");

        assertThat(apply.code()).as(apply.err()).isZero();
        assertThat(apply.out()).contains("Requeued 2 rejected event(s)");
        assertThat(counts())
                .containsEntry(Status.PENDING, 2L)
                .containsEntry(Status.REJECTED, 1L)
                .containsEntry(Status.DELIVERED, 1L);
        try (FakeOpenMeter openMeter = FakeOpenMeter.start();
                Database db = open()) {
            OutboxDelivery delivery = new OutboxDelivery(
                    new DeliveryQueue(db, "new-instance", Duration.ofMinutes(1)),
                    DeliveryClient.open(openMeter.v1BaseUrl(), Optional.empty(), Duration.ofSeconds(30)),
                    "fake (v1)",
                    new DeliveryMetrics(new SimpleMeterRegistry()),
                    100,
                    1,
                    Duration.ofSeconds(1),
                    Duration.ofMinutes(5),
                    null,
                    Clock.systemUTC());
            int sent = delivery.deliverPending();
            assertThat(sent).as(openMeter.requests() + " " + delivery.status()).isEqualTo(2);
            assertThat(openMeter.acceptedIdCounts()).containsOnlyKeys("e0", "e1");
        }
        assertThat(counts()).containsEntry(Status.DELIVERED, 3L).containsEntry(Status.REJECTED, 1L);
        Run again = run("outbox", "requeue", "--jdbc-url", url(), "--reason", "content type", "--apply");
        assertThat(again.out()).contains("Requeued 0 rejected event(s)");
    }

    @Test
    void bad_options_are_usage_errors() {
        assertThat(run("outbox", "requeue", "--from", "yesterday").code()).isEqualTo(ExitCodes.USAGE);
        assertThat(run("outbox", "requeue", "--dry-run", "--apply").code()).isEqualTo(ExitCodes.USAGE);
        assertThat(run("outbox", "requeue", "--jdbc-url", url(), "--status", "200")
                        .code())
                .isEqualTo(ExitCodes.USAGE);
    }
}

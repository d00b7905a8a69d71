package io.livepeer.clearinghouse.routes.retention;

import io.livepeer.clearinghouse.ledger.Retention;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The retention flow's Prometheus metrics (on {@code /observe/metrics}).
 *
 * <ul>
 *   <li>{@code clearinghouse_retention_removed_total{kind}}: rows removed, {@code kind} = {@code outbox_payload}
 *       (a delivered event's CloudEvent JSON set to NULL) or {@code dead_letter} (a dead letter deleted)</li>
 *   <li>{@code clearinghouse_retention_eligible{kind}}: what the last dry run would have removed (0 after a pass
 *       that removes)</li>
 *   <li>{@code clearinghouse_retention_runs_total{outcome}}: passes, {@code success} or {@code failure}</li>
 *   <li>{@code clearinghouse_retention_last_success_timestamp_seconds}: end of the last successful pass (0 = none)</li>
 * </ul>
 */
public final class RetentionMetrics {

    /** The {@code kind} label of delivered outbox payloads. */
    public static final String OUTBOX_PAYLOAD = "outbox_payload";
    /** The {@code kind} label of dead letters. */
    public static final String DEAD_LETTER = "dead_letter";

    private final Counter removedPayloads;
    private final Counter removedDeadLetters;
    private final Counter succeeded;
    private final Counter failed;
    private final AtomicLong eligiblePayloads = new AtomicLong();
    private final AtomicLong eligibleDeadLetters = new AtomicLong();
    private final AtomicLong lastSuccess = new AtomicLong();

    /** @param registry where the meters are registered */
    public RetentionMetrics(MeterRegistry registry) {
        removedPayloads = removed(registry, OUTBOX_PAYLOAD);
        removedDeadLetters = removed(registry, DEAD_LETTER);
        eligible(registry, OUTBOX_PAYLOAD, eligiblePayloads);
        eligible(registry, DEAD_LETTER, eligibleDeadLetters);
        succeeded = run(registry, "success");
        failed = run(registry, "failure");
        Gauge.builder("clearinghouse.retention.last.success.timestamp.seconds", lastSuccess, AtomicLong::get)
                .description("End of the last successful retention pass, Unix seconds (0 = none yet)")
                .register(registry);
    }

    /** Records a successful pass: what it removed, or (dry run) what it would remove. */
    void passed(Retention.Report report, boolean dryRun, Instant at) {
        if (dryRun) {
            eligiblePayloads.set(report.outboxPayloads());
            eligibleDeadLetters.set(report.deadLetters());
        } else {
            removedPayloads.increment(report.outboxPayloads());
            removedDeadLetters.increment(report.deadLetters());
            eligiblePayloads.set(0);
            eligibleDeadLetters.set(0);
        }
        succeeded.increment();
        lastSuccess.set(at.getEpochSecond());
    }

    /** Records a pass that failed (the database refused or was unreachable). */
    void failed() {
        failed.increment();
    }

    private static Counter removed(MeterRegistry registry, String kind) {
        return Counter.builder("clearinghouse.retention.removed")
                .tag("kind", kind)
                .description("Rows removed by retention (outbox_payload: a delivered event's CloudEvent JSON;"
                        + " dead_letter: a dead letter)")
                .register(registry);
    }

    private static void eligible(MeterRegistry registry, String kind, AtomicLong value) {
        Gauge.builder("clearinghouse.retention.eligible", value, AtomicLong::get)
                .tag("kind", kind)
                .description("Rows the last dry-run retention pass would have removed")
                .register(registry);
    }

    private static Counter run(MeterRegistry registry, String outcome) {
        return Counter.builder("clearinghouse.retention.runs")
                .tag("outcome", outcome)
                .description("Retention passes by outcome")
                .register(registry);
    }
}

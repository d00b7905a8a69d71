package io.livepeer.clearinghouse.routes.retention;

import io.livepeer.clearinghouse.ledger.Retention;
import io.livepeer.clearinghouse.routes.core.SettingsReader;
import java.time.Duration;
import java.util.Optional;

/**
 * Retention ({@code clearinghouse.retention.*}): how long delivered outbox payloads and dead letters are kept, and
 * whether the periodic pass removes them or only reports what it would remove. An age of {@code 0} keeps that kind
 * forever. Ledger transfers are never subject to retention.
 *
 * @param dryRun           report only (log line and gauges), remove nothing
 * @param outboxPayloadAge delivered events' CloudEvent JSON older than this (usage time) is removed; empty = kept
 * @param deadLetterAge    dead letters older than this are deleted; empty = kept
 * @param interval         time between passes
 * @param initialDelay     time from start to the first pass
 * @param batchSize        rows per transaction
 */
public record RetentionSettings(
        boolean dryRun,
        Optional<Duration> outboxPayloadAge,
        Optional<Duration> deadLetterAge,
        Duration interval,
        Duration initialDelay,
        int batchSize) {

    /** @throws IllegalArgumentException naming the key of a missing or malformed value */
    public static RetentionSettings from(SettingsReader r) {
        return new RetentionSettings(
                r.bool("clearinghouse.retention.dry-run"),
                age(r, "clearinghouse.retention.outbox-payload-age"),
                age(r, "clearinghouse.retention.dead-letter-age"),
                positive(r, "clearinghouse.retention.interval"),
                r.duration("clearinghouse.retention.initial-delay"),
                r.positiveInt("clearinghouse.retention.batch-size"));
    }

    /** Whether anything is subject to retention at all (otherwise the flow installs no route). */
    public boolean enabled() {
        return outboxPayloadAge.isPresent() || deadLetterAge.isPresent();
    }

    /** The ledger module's policy. */
    public Retention.Policy policy() {
        return new Retention.Policy(outboxPayloadAge.orElse(null), deadLetterAge.orElse(null), batchSize);
    }

    private static Optional<Duration> age(SettingsReader r, String key) {
        Duration age = r.duration(key);
        if (age.isNegative()) {
            throw new IllegalArgumentException(key + " must not be negative, got " + age);
        }
        return age.isZero() ? Optional.empty() : Optional.of(age);
    }

    private static Duration positive(SettingsReader r, String key) {
        Duration d = r.duration(key);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(key + " must be positive, got " + d);
        }
        return d;
    }

    @Override
    public String toString() {
        return "RetentionSettings[" + (dryRun ? "dry run (report only)" : "removing")
                + ", outbox payloads " + outboxPayloadAge.map(d -> "after " + d).orElse("kept forever")
                + ", dead letters " + deadLetterAge.map(d -> "after " + d).orElse("kept forever")
                + ", every " + interval + ", batches of " + batchSize + "]";
    }
}

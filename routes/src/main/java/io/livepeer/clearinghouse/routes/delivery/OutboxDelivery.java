package io.livepeer.clearinghouse.routes.delivery;

import io.livepeer.clearinghouse.ledger.outbox.DeliveryQueue;
import io.livepeer.clearinghouse.ledger.outbox.DeliveryQueue.PendingEvent;
import io.livepeer.clearinghouse.openmeter.Backoff;
import io.livepeer.clearinghouse.openmeter.EventIngest;
import io.livepeer.clearinghouse.openmeter.OpenMeterResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers pending outbox events to OpenMeter, at least once, in outbox order within each request.
 *
 * <ul>
 *   <li>Pending rows are read in windows of {@code batchSize × parallelRequests} and POSTed as batches of at most
 *       {@code batchSize} events, up to {@code parallelRequests} at a time.</li>
 *   <li>2xx → the batch's events are {@code DELIVERED}.</li>
 *   <li>400/413/422 → the batch is split in halves until the refused event(s) are found; each is {@code REJECTED}
 *       with the server's problem detail, the rest is delivered. A bad event never blocks the others.</li>
 *   <li>Anything else (429, 5xx, 401/403, timeouts, connection errors) → nothing is rejected; the attempt is
 *       recorded on the events and the whole delivery pauses for the {@code openmeter} module's {@link Backoff}
 *       (initial × 2^n, capped, with jitter), or for the server's {@code Retry-After} (seconds or HTTP-date, at most
 *       an hour) when it sends one.</li>
 * </ul>
 * Each request is one attempt of the {@code openmeter} client ({@link EventIngest}); this class paces the retries,
 * so failed events stay visible in the outbox meanwhile.
 * Ids are stable, so a batch resent after a failed attempt or a lost response can be deduplicated by OpenMeter on
 * (source, id): Konnect does so for 32 days; self-hosted OpenMeter only with its deduplication enabled, otherwise a
 * resend is counted twice. Resends are counted ({@code clearinghouse_events_resent_total}).
 * {@link #deliverPending()} is called from one thread (the delivery route); {@link #status()} from any.
 */
public final class OutboxDelivery {

    private static final Logger LOG = LoggerFactory.getLogger(OutboxDelivery.class);
    private static final Duration PASS_BUDGET = Duration.ofSeconds(2);
    private static final Duration MAX_RETRY_AFTER = Duration.ofHours(1);

    /** What delivery is doing, for health, the API and the dev summary. */
    public enum State {
        DISABLED,
        IDLE,
        DELIVERING,
        BACKING_OFF
    }

    /**
     * @param state               current state
     * @param target              ingest URL host (no credentials), or null when disabled
     * @param consecutiveFailures retryable failures since the last success
     * @param retryAt             when delivery resumes while backing off, else null
     * @param lastError           the last retryable failure, null after a success
     * @param lastSuccessAt       time of the last successful request, or null
     */
    public record Status(
            State state,
            String target,
            int consecutiveFailures,
            Instant retryAt,
            String lastError,
            Instant lastSuccessAt) {}

    private final DeliveryQueue outbox;
    private final EventIngest ingest;
    private final String target;
    private final DeliveryMetrics metrics;
    private final int batchSize;
    private final int parallelRequests;
    private final Backoff backoff;
    private final ExecutorService pool;
    private final Clock clock;

    private volatile State state;
    private volatile int consecutiveFailures;
    private volatile Instant retryAt;
    private volatile String lastError;
    private volatile Instant lastSuccessAt;

    /**
     * @param outbox           the outbox
     * @param ingest           the OpenMeter client ({@code OpenMeterClient} with one attempt per call), or null when
     *                         delivery is disabled (no {@code OPENMETER_URL})
     * @param target           ingest URL without credentials (for status), or null
     * @param metrics          metrics
     * @param batchSize        events per request, ≤ 100
     * @param parallelRequests requests in flight at most
     * @param initialBackoff   first retry delay
     * @param maxBackoff       retry delay cap
     * @param pool             executor for parallel requests (at least {@code parallelRequests} threads)
     * @param clock            clock
     */
    public OutboxDelivery(
            DeliveryQueue outbox,
            EventIngest ingest,
            String target,
            DeliveryMetrics metrics,
            int batchSize,
            int parallelRequests,
            Duration initialBackoff,
            Duration maxBackoff,
            ExecutorService pool,
            Clock clock) {
        this.outbox = outbox;
        this.ingest = ingest;
        this.target = target;
        this.metrics = metrics;
        this.batchSize = batchSize;
        this.parallelRequests = parallelRequests;
        this.backoff = new Backoff(initialBackoff, maxBackoff, MAX_RETRY_AFTER);
        this.pool = pool;
        this.clock = clock;
        this.state = ingest == null ? State.DISABLED : State.IDLE;
    }

    /** The delivery metrics. */
    public DeliveryMetrics metrics() {
        return metrics;
    }

    /** Whether events are sent at all (a target is configured). */
    public boolean enabled() {
        return ingest != null;
    }

    /** A snapshot of the delivery state. */
    public Status status() {
        return new Status(
                state,
                target,
                consecutiveFailures,
                state == State.BACKING_OFF ? retryAt : null,
                lastError,
                lastSuccessAt);
    }

    /**
     * One delivery pass: sends pending events until none is left, a retryable failure occurs, or about two seconds
     * have passed. Also refreshes the backlog gauges.
     *
     * @return events settled (delivered or rejected) in this pass
     * @throws SQLException when the outbox cannot be read or updated (the pass is retried on the next tick)
     */
    public int deliverPending() throws SQLException {
        int settled = 0;
        if (ingest == null || (retryAt != null && clock.instant().isBefore(retryAt))) {
            return 0;
        }
        Instant deadline = clock.instant().plus(PASS_BUDGET);
        int window = batchSize * parallelRequests;
        while (clock.instant().isBefore(deadline)) {
            List<PendingEvent> pending = outbox.claim(window, clock.instant());
            if (pending.isEmpty()) {
                state = State.IDLE;
                break;
            }
            state = State.DELIVERING;
            Outcome outcome;
            try {
                outcome = sendInParallel(pending);
            } catch (SQLException | RuntimeException e) {
                outbox.release(pending.stream().map(PendingEvent::seq).toList());
                throw e;
            }
            settled += record(outcome, pending);
            if (outcome.failure != null) {
                backOff(outcome.failure);
                break;
            }
            if (pending.size() < window) {
                state = State.IDLE;
                break;
            }
        }
        return settled;
    }

    private Outcome sendInParallel(List<PendingEvent> pending) throws SQLException {
        List<List<PendingEvent>> batches = new ArrayList<>();
        for (int i = 0; i < pending.size(); i += batchSize) {
            batches.add(pending.subList(i, Math.min(pending.size(), i + batchSize)));
        }
        Outcome total = new Outcome();
        if (batches.size() == 1) {
            send(batches.get(0), total);
            return total;
        }
        List<Future<Outcome>> futures = new ArrayList<>();
        for (List<PendingEvent> batch : batches) {
            futures.add(pool.submit(() -> {
                Outcome outcome = new Outcome();
                send(batch, outcome);
                return outcome;
            }));
        }
        for (Future<Outcome> future : futures) {
            try {
                total.merge(future.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("delivery interrupted", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("delivery task failed", e.getCause());
            }
        }
        return total;
    }

    /** Sends one batch, splitting it on content rejection; stops at the first retryable failure. */
    private void send(List<PendingEvent> events, Outcome outcome) {
        if (outcome.failure != null) {
            return;
        }
        OpenMeterResponse response;
        long resent = events.stream().filter(e -> e.attempts() > 0).count();
        if (resent > 0) {
            metrics.resent(resent);
        }
        try {
            response = ingest.ingest(body(events));
        } catch (IOException e) {
            outcome.fail(events, new Failure("no answer from OpenMeter: " + e.getMessage(), Optional.empty()));
            return;
        }
        if (response.ok()) {
            outcome.delivered.addAll(events);
            outcome.successfulRequests++;
        } else if (isContentRejected(response.status())) {
            if (events.size() == 1) {
                outcome.rejected.add(
                        new Rejection(events.get(0), "HTTP " + response.status() + ": " + response.body()));
                outcome.rejectingRequests++;
            } else {
                int half = events.size() / 2;
                send(events.subList(0, half), outcome);
                send(events.subList(half, events.size()), outcome);
            }
        } else {
            outcome.fail(
                    events,
                    new Failure(
                            "HTTP " + response.status() + explain(response.status()) + ": " + clip(response.body()),
                            response.retryAfter()));
        }
    }

    private int record(Outcome outcome, List<PendingEvent> claimed) throws SQLException {
        Instant now = clock.instant();
        outbox.markDelivered(outcome.delivered.stream().map(PendingEvent::seq).toList());
        for (Rejection r : outcome.rejected) {
            outbox.markRejected(r.event.seq(), r.detail, now);
            LOG.warn("OpenMeter rejected event {}: {}", r.event.eventId(), clip(r.detail));
        }
        metrics.settled(
                outcome.delivered.size(),
                outcome.rejected.size(),
                outcome.successfulRequests,
                outcome.rejectingRequests);
        if (!outcome.delivered.isEmpty() || !outcome.rejected.isEmpty()) {
            lastSuccessAt = now;
            consecutiveFailures = 0;
            lastError = null;
            retryAt = null;
        }
        if (outcome.failure != null) {
            outbox.recordFailures(
                    outcome.failed.stream()
                            .map(e -> new DeliveryQueue.Retry(e.seq(), now, 0, false))
                            .toList(),
                    outcome.failure.message,
                    now);
            metrics.retryable();
        }
        // claimed but never sent (a retryable failure stopped the pass): claimable again at once
        Set<Long> sent = new HashSet<>();
        outcome.delivered.forEach(e -> sent.add(e.seq()));
        outcome.rejected.forEach(r -> sent.add(r.event.seq()));
        outcome.failed.forEach(e -> sent.add(e.seq()));
        outbox.release(claimed.stream()
                .map(PendingEvent::seq)
                .filter(seq -> !sent.contains(seq))
                .toList());
        return outcome.delivered.size() + outcome.rejected.size();
    }

    private void backOff(Failure failure) {
        int failures = ++consecutiveFailures;
        Duration delay = backoff.delay(failures, failure.retryAfter);
        retryAt = clock.instant().plus(delay);
        lastError = failure.message;
        state = State.BACKING_OFF;
        LOG.warn(
                "OpenMeter delivery failed ({} in a row), retrying in {} ms: {}",
                failures,
                delay.toMillis(),
                failure.message);
    }

    /**
     * Refreshes the backlog gauges ({@code clearinghouse_outbox_backlog}, {@code …_oldest_pending_seconds}) from the
     * outbox. Called by the {@code outbox-backlog} timer route, independently of delivery passes, so the gauges move
     * while a request hangs and the pending table is counted every few seconds, not on every 200 ms poll. A failed
     * read keeps the last values.
     */
    public void refreshBacklog() {
        try {
            long pending = outbox.pendingCount();
            Duration oldest = outbox.oldestPendingSince()
                    .map(t -> Duration.between(t, clock.instant()))
                    .orElse(Duration.ZERO);
            metrics.backlog(pending, oldest.isNegative() ? Duration.ZERO : oldest);
        } catch (SQLException e) {
            LOG.debug("backlog gauges not refreshed: {}", e.getMessage());
        }
    }

    private static byte[] body(List<PendingEvent> events) {
        StringBuilder json = new StringBuilder(events.size() * 1024).append('[');
        for (int i = 0; i < events.size(); i++) {
            if (i > 0) {
                json.append(',');
            }
            json.append(events.get(i).cloudEvent());
        }
        return json.append(']').toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The server refused the content itself (400, 413, 422): split the batch to find the bad event(s). */
    private static boolean isContentRejected(int status) {
        return status == 400 || status == 413 || status == 422;
    }

    private static String explain(int status) {
        return switch (status) {
            case 401 -> " (token missing or wrong: check OPENMETER_API_KEY)";
            case 403 -> " (token lacks permission: Konnect needs the Metering & Billing Admin role)";
            case 404 -> " (no ingest endpoint there: check OPENMETER_URL)";
            case 429 -> " (rate limited)";
            default -> "";
        };
    }

    private static String clip(String text) {
        if (text == null) {
            return "";
        }
        String oneLine = text.replaceAll("\\s+", " ").trim();
        return oneLine.length() <= 500 ? oneLine : oneLine.substring(0, 500) + "…";
    }

    private record Failure(String message, Optional<Duration> retryAfter) {}

    private record Rejection(PendingEvent event, String detail) {}

    private static final class Outcome {
        final List<PendingEvent> delivered = new ArrayList<>();
        final List<Rejection> rejected = new ArrayList<>();
        final List<PendingEvent> failed = new ArrayList<>();
        Failure failure;
        int successfulRequests;
        int rejectingRequests;

        void fail(List<PendingEvent> events, Failure f) {
            failed.addAll(events);
            if (failure == null) {
                failure = f;
            }
        }

        void merge(Outcome other) {
            delivered.addAll(other.delivered);
            rejected.addAll(other.rejected);
            failed.addAll(other.failed);
            if (failure == null) {
                failure = other.failure;
            }
            successfulRequests += other.successfulRequests;
            rejectingRequests += other.rejectingRequests;
        }
    }
}

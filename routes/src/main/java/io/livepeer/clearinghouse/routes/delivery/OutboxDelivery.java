package io.livepeer.clearinghouse.routes.delivery;

import io.livepeer.clearinghouse.ledger.outbox.DeliveryQueue;
import io.livepeer.clearinghouse.ledger.outbox.DeliveryQueue.PendingEvent;
import io.livepeer.clearinghouse.ledger.outbox.DeliveryQueue.Retry;
import io.livepeer.clearinghouse.openmeter.Backoff;
import io.livepeer.clearinghouse.openmeter.EventIngest;
import io.livepeer.clearinghouse.openmeter.OpenMeterResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers pending outbox events to OpenMeter, at least once, in outbox order within each request.
 *
 * <ul>
 *   <li>A pass {@linkplain DeliveryQueue#claim claims} due pending rows in windows of
 *       {@code batchSize × parallelRequests} and POSTs them as batches of at most {@code batchSize} events (fewer for
 *       events whose requests failed before), up to {@code parallelRequests} at a time. Claimed rows it did not send
 *       are released; the claim keeps other instances off them meanwhile.</li>
 *   <li>2xx → the batch's events are {@code DELIVERED}.</li>
 *   <li>400/413/422 → the batch is split in halves until single events are refused. A refused event is
 *       {@code REJECTED} (with the server's problem detail) only when the refusal is its own: OpenMeter accepted other
 *       events in the same window, or accepted events since it last refused this one. A refusal with nothing
 *       accepted (a proxy, a content type, a URL that refuses everything) is <em>systemic</em>: nothing is rejected,
 *       delivery pauses with the reason "rejected by the server" and retries.</li>
 *   <li>401, 403, 404 and other 4xx (but 408/429) → systemic: delivery pauses with the reason (unauthorized,
 *       forbidden, not found, refused by the server) and retries; nothing is rejected.</li>
 *   <li>429 → systemic, for the server's {@code Retry-After} (seconds or HTTP-date, at most an hour) when it sends
 *       one.</li>
 *   <li>5xx, 408, timeouts, connection errors → retryable. When other requests of the window succeeded, the failure
 *       is the batch's own: the failing batch is split in halves at once until the failing event(s) travel alone, and
 *       they wait for their own next attempt (per-event exponential backoff on their attempt count) while the rest
 *       of the backlog flows. When nothing succeeded it is systemic (an outage). Each failed request also halves the
 *       request size its events may travel in later, so a batch that keeps failing is split over the passes even when
 *       it is all that is pending.</li>
 *   <li>Systemic failures pause the whole delivery for the {@code openmeter} module's {@link Backoff} (initial ×
 *       2^n, capped, with jitter); a success ends the pause.</li>
 * </ul>
 * Each request is one attempt of the {@code openmeter} client ({@link EventIngest}); this class paces the retries,
 * so failed events stay visible in the outbox meanwhile (attempts, last error).
 * Ids are stable, so a batch resent after a failed attempt or a lost response can be deduplicated by OpenMeter on
 * (source, id): Konnect does so for 32 days; self-hosted OpenMeter only with its deduplication enabled, otherwise a
 * resend is counted twice. Resends are counted ({@code clearinghouse_events_resent_total}).
 * {@link #deliverPending()} is called from one thread (the delivery route); {@link #status()} from any.
 */
public final class OutboxDelivery {

    private static final Logger LOG = LoggerFactory.getLogger(OutboxDelivery.class);
    private static final Duration PASS_BUDGET = Duration.ofSeconds(2);
    private static final Duration MAX_RETRY_AFTER = Duration.ofHours(1);
    private static final int MAX_DETAIL = 500;

    /** What delivery is doing, for health, the API and the dev summary. */
    public enum State {
        DISABLED,
        IDLE,
        DELIVERING,
        BACKING_OFF
    }

    /**
     * Why delivery is paused by a failure no retry of the same request can fix: the configuration, the credentials or
     * something between us and OpenMeter. Health is DOWN while one holds.
     */
    public enum PauseReason {
        /** 401: the token is missing, wrong or expired. */
        UNAUTHORIZED("unauthorized"),
        /** 403: the token lacks a permission. */
        FORBIDDEN("forbidden"),
        /** 404: no ingest endpoint at the URL. */
        NOT_FOUND("not found"),
        /** 400/413/422 for events one by one with nothing accepted: the server refuses everything. */
        REJECTED("rejected by the server"),
        /** Another 4xx (405, 409, 415, …). */
        REFUSED("refused by the server");

        private final String label;

        PauseReason(String label) {
            this.label = label;
        }

        /** The reason as health and logs say it. */
        public String label() {
            return label;
        }

        /** The reason as a metric label ({@code unauthorized}, {@code not_found}, …). */
        public String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * @param state               current state
     * @param target              ingest URL host (no credentials), or null when disabled
     * @param consecutiveFailures systemic failures since the last success
     * @param retryAt             when delivery resumes while backing off, else null
     * @param lastError           the last systemic failure, null after a success
     * @param lastSuccessAt       time of the last successful request, or null
     * @param pauseReason         why delivery is paused when no retry can help by itself, or null
     */
    public record Status(
            State state,
            String target,
            int consecutiveFailures,
            Instant retryAt,
            String lastError,
            Instant lastSuccessAt,
            PauseReason pauseReason) {}

    private final DeliveryQueue outbox;
    private final EventIngest ingest;
    private final String target;
    private final DeliveryMetrics metrics;
    private final int batchSize;
    private final int parallelRequests;
    private final Backoff backoff;
    private final ExecutorService pool;
    private final Clock clock;
    /** Held by the running pass ({@link #deliverPending()}). */
    private final ReentrantLock passLock = new ReentrantLock();
    /** A pass was asked for and has not started yet. */
    private final AtomicBoolean passWanted = new AtomicBoolean();

    private volatile State state;
    private volatile int consecutiveFailures;
    private volatile Instant retryAt;
    private volatile String lastError;
    private volatile Instant lastSuccessAt;
    private volatile PauseReason pauseReason;

    /**
     * @param outbox           the outbox, claiming as this instance
     * @param ingest           the OpenMeter client ({@code OpenMeterClient} with one attempt per call), or null when
     *                         delivery is disabled (no {@code OPENMETER_URL})
     * @param target           ingest URL without credentials (for status), or null
     * @param metrics          metrics
     * @param batchSize        events per request, ≤ 100
     * @param parallelRequests requests in flight at most
     * @param initialBackoff   first retry delay (of the whole delivery, and of one event)
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
                lastSuccessAt,
                pauseReason);
    }

    /**
     * One delivery pass: claims and sends due events until none is left, a systemic failure occurs, or about two
     * seconds have passed. Events failing on their own are rescheduled one by one and do not stop the pass. Passes
     * never overlap on one instance: called during a pass (timer and commit signal, see {@code DeliveryRoutes}), it
     * returns 0 at once and the running pass is followed by another.
     *
     * @return events settled (delivered or rejected) in this pass
     * @throws SQLException when the outbox cannot be read or updated (the pass is retried on the next tick)
     */
    public int deliverPending() throws SQLException {
        // the timer and the commit signal both call this: one pass at a time; a call during a pass asks the running
        // pass's thread for one more (it re-checks after unlocking), so no signal is lost and none waits
        int settled = 0;
        passWanted.set(true);
        while (passWanted.get() && passLock.tryLock()) {
            try {
                passWanted.set(false);
                settled += pass();
            } finally {
                passLock.unlock();
            }
        }
        return settled;
    }

    /** One pass, see {@link #deliverPending()}; never run by two threads at once. */
    private int pass() throws SQLException {
        int settled = 0;
        if (ingest == null || (retryAt != null && clock.instant().isBefore(retryAt))) {
            return 0;
        }
        Instant deadline = clock.instant().plus(PASS_BUDGET);
        int window = batchSize * parallelRequests;
        while (clock.instant().isBefore(deadline)) {
            Instant claimedAt = clock.instant();
            List<PendingEvent> claimed = outbox.claim(window, claimedAt);
            if (claimed.isEmpty()) {
                break;
            }
            state = State.DELIVERING;
            // no request starts after half the lease: the claim must outlive every answer
            Instant sendUntil = claimedAt.plus(outbox.lease().dividedBy(2));
            Outcome outcome;
            try {
                outcome = sendInParallel(batches(claimed), sendUntil);
                if (!outcome.delivered.isEmpty()) {
                    splitFailedBatches(outcome, sendUntil);
                }
            } catch (SQLException | RuntimeException e) {
                outbox.release(seqs(claimed));
                throw e;
            }
            Systemic systemic = settle(outcome, claimed);
            settled += outcome.delivered.size() + outcome.rejected;
            if (systemic != null) {
                return settled;
            }
            if (claimed.size() < window) {
                break;
            }
        }
        state = State.IDLE;
        return settled;
    }

    /**
     * Requests for the claimed events, in outbox order: at most {@code batchSize} events each, and never more than
     * the smallest {@code maxBatch} of the events in it.
     */
    private List<List<PendingEvent>> batches(List<PendingEvent> claimed) {
        List<List<PendingEvent>> batches = new ArrayList<>();
        List<PendingEvent> current = new ArrayList<>();
        int limit = batchSize;
        for (PendingEvent event : claimed) {
            int own = event.maxBatch() > 0 ? Math.min(event.maxBatch(), batchSize) : batchSize;
            if (!current.isEmpty() && current.size() + 1 > Math.min(limit, own)) {
                batches.add(current);
                current = new ArrayList<>();
                limit = batchSize;
            }
            current.add(event);
            limit = Math.min(limit, own);
        }
        if (!current.isEmpty()) {
            batches.add(current);
        }
        return batches;
    }

    private Outcome sendInParallel(List<List<PendingEvent>> batches, Instant sendUntil) throws SQLException {
        Outcome total = new Outcome();
        if (batches.size() == 1 || pool == null) {
            for (List<PendingEvent> batch : batches) {
                send(batch, total, sendUntil);
            }
            return total;
        }
        List<Future<Outcome>> futures = new ArrayList<>();
        for (List<PendingEvent> batch : batches) {
            futures.add(pool.submit(() -> {
                Outcome outcome = new Outcome();
                send(batch, outcome, sendUntil);
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

    /**
     * OpenMeter accepted events of this window, so the batches that failed retryably failed because of what they hold:
     * split them in halves now, until the failing events travel alone, so the rest is delivered in this pass.
     */
    private void splitFailedBatches(Outcome outcome, Instant sendUntil) {
        Deque<FailedRequest> toSplit = new ArrayDeque<>();
        outcome.failed.removeIf(f -> f.events.size() > 1 && toSplit.add(f));
        while (!toSplit.isEmpty()) {
            FailedRequest failed = toSplit.poll();
            int half = failed.events.size() / 2;
            for (List<PendingEvent> part :
                    List.of(failed.events.subList(0, half), failed.events.subList(half, failed.events.size()))) {
                if (outcome.stopped || clock.instant().isAfter(sendUntil)) {
                    outcome.failed.add(new FailedRequest(part, failed.failure)); // attempted and failed: recorded
                    continue;
                }
                int before = outcome.failed.size();
                send(part, outcome, sendUntil);
                if (outcome.failed.size() > before) {
                    FailedRequest again = outcome.failed.get(outcome.failed.size() - 1);
                    if (again.events.size() > 1) {
                        outcome.failed.remove(outcome.failed.size() - 1);
                        toSplit.add(again);
                    }
                }
            }
        }
    }

    /** Sends one batch, splitting it on content refusal; stops the task at the first systemic failure. */
    private void send(List<PendingEvent> events, Outcome outcome, Instant sendUntil) {
        if (outcome.stopped || clock.instant().isAfter(sendUntil)) {
            return; // left unsent: released when the window settles
        }
        long resent = events.stream()
                .filter(e -> e.attempts() > 0 || outcome.failedSeqs.contains(e.seq()))
                .count();
        if (resent > 0) {
            metrics.resent(resent);
        }
        OpenMeterResponse response;
        try {
            response = ingest.ingest(body(events));
        } catch (IOException e) {
            outcome.fail(
                    events,
                    new Failure("no answer from OpenMeter: " + e.getMessage(), Optional.empty(), null),
                    metrics);
            return;
        }
        int status = response.status();
        if (response.ok()) {
            outcome.delivered.addAll(events);
            outcome.successfulRequests++;
        } else if (isContentRefused(status)) {
            if (events.size() == 1) {
                outcome.refused.add(new Refusal(events.get(0), "HTTP " + status + ": " + response.body()));
            } else {
                int half = events.size() / 2;
                send(events.subList(0, half), outcome, sendUntil);
                send(events.subList(half, events.size()), outcome, sendUntil);
            }
        } else if (status == 429 || pauseReason(status) != null) {
            outcome.systemic.add(new FailedRequest(
                    events,
                    new Failure(
                            "HTTP " + status + explain(status) + ": " + clip(response.body()),
                            response.retryAfter(),
                            pauseReason(status))));
            outcome.failedSeqs.addAll(seqs(events));
            outcome.stopped = true;
            metrics.retryable();
        } else {
            outcome.fail(
                    events,
                    new Failure(
                            "HTTP " + status + explain(status) + ": " + clip(response.body()),
                            response.retryAfter(),
                            null),
                    metrics);
        }
    }

    /**
     * Settles one window: marks delivered and rejected events, reschedules failed ones, releases what was not sent,
     * and decides whether the failures were systemic (then delivery backs off).
     *
     * @return the systemic failure that paused delivery, or null
     */
    private Systemic settle(Outcome outcome, List<PendingEvent> claimed) throws SQLException {
        Instant now = clock.instant();
        boolean accepted = !outcome.delivered.isEmpty();
        outbox.markDelivered(seqs(outcome.delivered));
        Instant acceptedBefore = lastSuccessAt;
        if (accepted) {
            lastSuccessAt = now;
            consecutiveFailures = 0;
            lastError = null;
            retryAt = null;
            pauseReason = null;
        }

        List<Refusal> unconfirmed = new ArrayList<>();
        for (Refusal r : outcome.refused) {
            // its own fault when OpenMeter accepts other events: in this window, or since it last refused this one
            boolean ownFault = accepted
                    || (r.event.lastRefusedAt() != null
                            && acceptedBefore != null
                            && !acceptedBefore.isBefore(r.event.lastRefusedAt()));
            if (ownFault) {
                outbox.markRejected(r.event.seq(), r.detail, now);
                outcome.rejected++;
                LOG.warn("OpenMeter rejected event {}: {}", r.event.eventId(), clip(r.detail));
            } else {
                unconfirmed.add(r);
            }
        }
        List<FailedRequest> isolated = new ArrayList<>();
        List<FailedRequest> outage = new ArrayList<>();
        for (FailedRequest f : outcome.failed) {
            // its own fault when other requests of this window succeeded, or its events were already found failing
            // alone while others succeeded (max batch 1: only an isolated failure sets it)
            boolean ownFault = accepted || f.events.stream().allMatch(e -> e.maxBatch() == 1);
            (ownFault ? isolated : outage).add(f);
        }
        metrics.settled(outcome.delivered.size(), outcome.rejected, outcome.successfulRequests, outcome.rejected);

        Systemic systemic = null;
        if (!outcome.systemic.isEmpty()) {
            Failure first = outcome.systemic.get(0).failure;
            systemic = new Systemic(first, first.reason);
        } else if (!unconfirmed.isEmpty()) {
            Refusal first = unconfirmed.get(0);
            systemic = new Systemic(
                    new Failure(
                            clip(first.detail) + " (every event refused alone, none accepted: a proxy, the"
                                    + " content type or the URL?)",
                            Optional.empty(),
                            PauseReason.REJECTED),
                    PauseReason.REJECTED);
        } else if (!outage.isEmpty()) {
            systemic = new Systemic(outage.get(0).failure, null);
        }
        if (systemic != null) {
            backOff(systemic);
        }

        Map<String, List<Retry>> retries = new LinkedHashMap<>();
        for (FailedRequest f : isolated) {
            for (PendingEvent e : f.events) {
                Instant next = now.plus(backoff.exponential(e.attempts() + 1));
                retry(retries, f.failure.message, new Retry(e.seq(), next, Math.max(1, half(f)), false));
            }
        }
        for (FailedRequest f : outage) {
            // a batch that keeps failing is split over the passes (down to 2: alone only on proof, see above)
            f.events.forEach(e -> retry(
                    retries,
                    f.failure.message,
                    new Retry(e.seq(), retryAt, f.events.size() > 1 ? Math.max(2, half(f)) : e.maxBatch(), false)));
        }
        for (FailedRequest f : outcome.systemic) {
            f.events.forEach(e -> retry(retries, f.failure.message, new Retry(e.seq(), retryAt, e.maxBatch(), false)));
        }
        for (Refusal r : unconfirmed) {
            retry(retries, r.detail, new Retry(r.event.seq(), retryAt, r.event.maxBatch(), true));
            metrics.retryable(); // counted as a refusal only once it is confirmed
        }
        for (Map.Entry<String, List<Retry>> e : retries.entrySet()) {
            outbox.recordFailures(e.getValue(), e.getKey(), now);
        }
        if (!isolated.isEmpty()) {
            LOG.warn(
                    "OpenMeter refused {} request(s) of events that fail on their own (other events were accepted);"
                            + " they wait for their own retry: {}",
                    isolated.size(),
                    isolated.get(0).failure.message);
        }
        // claimed but not settled (never sent because a systemic failure stopped the task or the lease ran short, or
        // left undecided in a refused batch's split): claimable again at once, no attempt counted
        Set<Long> settledSeqs = new HashSet<>(seqs(outcome.delivered));
        outcome.refused.forEach(r -> settledSeqs.add(r.event.seq()));
        outcome.failed.forEach(f -> settledSeqs.addAll(seqs(f.events)));
        outcome.systemic.forEach(f -> settledSeqs.addAll(seqs(f.events)));
        outbox.release(claimed.stream()
                .map(PendingEvent::seq)
                .filter(seq -> !settledSeqs.contains(seq))
                .toList());
        return systemic;
    }

    private static void retry(Map<String, List<Retry>> retries, String error, Retry retry) {
        retries.computeIfAbsent(error, k -> new ArrayList<>()).add(retry);
    }

    /** Half a failed request's size, rounded up: the request size its events may travel in from now on. */
    private static int half(FailedRequest f) {
        return (f.events.size() + 1) / 2;
    }

    private void backOff(Systemic systemic) {
        int failures = ++consecutiveFailures;
        Duration delay = backoff.delay(failures, systemic.failure.retryAfter);
        retryAt = clock.instant().plus(delay);
        lastError = systemic.failure.message;
        pauseReason = systemic.reason;
        state = State.BACKING_OFF;
        if (systemic.reason != null) {
            LOG.error(
                    "OpenMeter delivery paused ({}, {} in a row), retrying in {} ms: {}",
                    systemic.reason.label(),
                    failures,
                    delay.toMillis(),
                    systemic.failure.message);
        } else {
            LOG.warn(
                    "OpenMeter delivery failed ({} in a row), retrying in {} ms: {}",
                    failures,
                    delay.toMillis(),
                    systemic.failure.message);
        }
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

    private static List<Long> seqs(List<PendingEvent> events) {
        return events.stream().map(PendingEvent::seq).toList();
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

    /** The server refused the content itself (400, 413, 422): split the batch to find the refused event(s). */
    private static boolean isContentRefused(int status) {
        return status == 400 || status == 413 || status == 422;
    }

    /** The pause reason of a 4xx no retry of the same request fixes by itself, or null (2xx, 408, 429, 5xx). */
    private static PauseReason pauseReason(int status) {
        return switch (status) {
            case 401 -> PauseReason.UNAUTHORIZED;
            case 403 -> PauseReason.FORBIDDEN;
            case 404 -> PauseReason.NOT_FOUND;
            default ->
                status >= 400 && status < 500 && status != 408 && status != 429 && !isContentRefused(status)
                        ? PauseReason.REFUSED
                        : null;
        };
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
        return oneLine.length() <= MAX_DETAIL ? oneLine : oneLine.substring(0, MAX_DETAIL) + "…";
    }

    /** A failure: its message, the server's {@code Retry-After}, and the pause reason of a systemic 4xx (or null). */
    private record Failure(String message, Optional<Duration> retryAfter, PauseReason reason) {}

    private record Refusal(PendingEvent event, String detail) {}

    private record FailedRequest(List<PendingEvent> events, Failure failure) {}

    private record Systemic(Failure failure, PauseReason reason) {}

    private static final class Outcome {
        final List<PendingEvent> delivered = new ArrayList<>();
        final List<Refusal> refused = new ArrayList<>();
        /** Requests that failed retryably (5xx, 408, no answer): maybe their events' own fault. */
        final List<FailedRequest> failed = new ArrayList<>();
        /** Requests that failed for every event alike (429, 401, 403, 404, other 4xx). */
        final List<FailedRequest> systemic = new ArrayList<>();

        final Set<Long> failedSeqs = new HashSet<>();
        boolean stopped;
        int rejected;
        int successfulRequests;

        void fail(List<PendingEvent> events, Failure f, DeliveryMetrics metrics) {
            metrics.retryable();
            failed.add(new FailedRequest(events, f));
            failedSeqs.addAll(seqs(events));
        }

        void merge(Outcome other) {
            delivered.addAll(other.delivered);
            refused.addAll(other.refused);
            failed.addAll(other.failed);
            systemic.addAll(other.systemic);
            failedSeqs.addAll(other.failedSeqs);
            stopped |= other.stopped;
            successfulRequests += other.successfulRequests;
        }
    }
}

package io.livepeer.clearinghouse.openmeter;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How long to wait before retrying OpenMeter: the server's {@code Retry-After} when it sent one (capped at
 * {@code maxRetryAfter}), else exponential backoff with "equal jitter": the n-th consecutive failure waits a random
 * time between half and all of {@code min(initial × 2^(n-1), max)}, so parallel clients do not retry in step. Used
 * by the Failsafe policy of {@link Retries} between attempts of one call, and by the delivery loop between its
 * passes.
 *
 * @param initial       the first delay's upper bound, at least 1 ms
 * @param max           the exponential delay's cap, at least 1 ms (below {@code initial}, it rules from the start)
 * @param maxRetryAfter the longest {@code Retry-After} honoured as sent; longer ones are cut to this
 */
public record Backoff(Duration initial, Duration max, Duration maxRetryAfter) {

    public Backoff {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(max, "max");
        Objects.requireNonNull(maxRetryAfter, "maxRetryAfter");
        if (initial.toMillis() <= 0 || max.toMillis() <= 0 || maxRetryAfter.isNegative()) {
            throw new IllegalArgumentException("backoff needs initial and max of at least 1 ms and maxRetryAfter >= 0,"
                    + " got " + initial + ", " + max + ", " + maxRetryAfter);
        }
    }

    /**
     * The delay before the next attempt.
     *
     * @param failures   consecutive failures so far, from 1
     * @param retryAfter the server's {@code Retry-After} on the last failure, if any
     */
    public Duration delay(int failures, Optional<Duration> retryAfter) {
        if (retryAfter.isPresent()) {
            Duration requested = retryAfter.get();
            return requested.compareTo(maxRetryAfter) > 0 ? maxRetryAfter : requested;
        }
        return exponential(failures);
    }

    /**
     * The jittered exponential delay of the n-th consecutive failure: within
     * {@code [cap/2, cap]} where {@code cap = min(initial × 2^(failures-1), max)}.
     *
     * @param failures consecutive failures so far, from 1
     */
    public Duration exponential(int failures) {
        long cap = ceiling(failures).toMillis();
        return Duration.ofMillis(cap / 2 + ThreadLocalRandom.current().nextLong(cap - cap / 2 + 1));
    }

    /** {@code min(initial × 2^(failures-1), max)}: the upper bound of {@link #exponential(int)}. */
    public Duration ceiling(int failures) {
        int doublings = Math.max(0, Math.min(failures - 1, 40));
        long initialMs = initial.toMillis();
        long maxMs = max.toMillis();
        long base = doublings >= Long.numberOfLeadingZeros(initialMs) - 1 ? maxMs : initialMs << doublings;
        return Duration.ofMillis(Math.min(base, maxMs));
    }
}

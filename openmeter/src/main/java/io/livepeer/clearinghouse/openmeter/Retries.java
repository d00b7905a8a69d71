package io.livepeer.clearinghouse.openmeter;

import dev.failsafe.RetryPolicy;
import dev.failsafe.event.EventListener;
import dev.failsafe.event.ExecutionAttemptedEvent;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * The one retry policy for OpenMeter calls: connection errors and timeouts ({@link IOException}), 429 and 5xx are
 * retried up to {@code maxRetries} times after a {@link Backoff} delay that honours {@code Retry-After} (seconds or
 * HTTP-date); every other answer (2xx, and any other 4xx, 400 above all) is final. Built on Failsafe.
 *
 * @param maxRetries retries after the first attempt; 0 = one attempt, the caller paces retries itself
 * @param backoff    delays between attempts
 */
public record Retries(int maxRetries, Backoff backoff) {

    public Retries {
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries must be >= 0, got " + maxRetries);
        }
    }

    /** 5 retries, 0.5 s doubling to 20 s, {@code Retry-After} honoured up to 20 s: the bootstrap's default. */
    public static Retries defaults() {
        return of(5, Duration.ofMillis(500), Duration.ofSeconds(20));
    }

    /**
     * Retries with the given budget; a {@code Retry-After} is honoured up to {@code maxBackoff}.
     *
     * @param maxRetries     retries after the first attempt
     * @param initialBackoff first delay
     * @param maxBackoff     delay cap
     */
    public static Retries of(int maxRetries, Duration initialBackoff, Duration maxBackoff) {
        return new Retries(maxRetries, new Backoff(initialBackoff, maxBackoff, maxBackoff));
    }

    /**
     * One attempt per call: for callers that keep failed work and pace retries themselves with a {@link Backoff}
     * between passes (delivery). The answer, with its parsed {@code Retry-After}, goes straight to the caller.
     */
    public static Retries none() {
        return of(0, Duration.ofMillis(1), Duration.ofMillis(1));
    }

    /** Whether an HTTP status is worth retrying: 429 or 5xx. Never 400. */
    public static boolean retryable(int status) {
        return status == 429 || status >= 500 && status <= 599;
    }

    /**
     * The Failsafe policy.
     *
     * @param clock   the clock a {@code Retry-After} date is measured from
     * @param onRetry called before each retry (for progress messages), may be null
     */
    public RetryPolicy<Transport.Reply> policy(
            Clock clock, EventListener<ExecutionAttemptedEvent<Transport.Reply>> onRetry) {
        var builder = RetryPolicy.<Transport.Reply>builder()
                .handle(IOException.class)
                .handleResultIf(reply -> retryable(reply.status()))
                .withMaxRetries(maxRetries)
                .withDelayFn(ctx ->
                        backoff.delay(Math.max(1, ctx.getAttemptCount()), retryAfter(ctx.getLastResult(), clock)));
        if (onRetry != null) {
            builder.onRetry(onRetry);
        }
        return builder.build();
    }

    /** The parsed {@code Retry-After} of an answer. */
    static Optional<Duration> retryAfter(Transport.Reply reply, Clock clock) {
        return reply == null
                ? Optional.empty()
                : RetryAfter.parse(reply.headers().firstValue(RetryAfter.HEADER).orElse(null), clock);
    }
}

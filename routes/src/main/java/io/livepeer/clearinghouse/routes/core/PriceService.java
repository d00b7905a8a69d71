package io.livepeer.clearinghouse.routes.core;

import io.livepeer.clearinghouse.processors.price.PriceQuote;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The current ETH/USD price. Metering never runs without one: until the first price is known the metering route
 * is not started (see {@link #whenAvailable}). A failed refresh keeps the last good price; a price older than
 * {@code staleAfter} is reported stale in health and metrics (and still used: it was right when fetched).
 * Thread-safe.
 */
public final class PriceService {

    private static final Logger LOG = LoggerFactory.getLogger(PriceService.class);

    private final AtomicReference<PriceQuote> current = new AtomicReference<>();
    private final List<Runnable> waiting = new ArrayList<>();
    private final Duration staleAfter;
    private final Clock clock;
    private volatile String lastError;

    /**
     * @param staleAfter age after which the price is reported stale
     * @param clock      clock
     */
    public PriceService(Duration staleAfter, Clock clock) {
        this.staleAfter = staleAfter;
        this.clock = clock;
    }

    /** The current price, if any was ever obtained. */
    public Optional<PriceQuote> current() {
        return Optional.ofNullable(current.get());
    }

    /** Installs a new price (from the static setting or a successful oracle call). */
    public void update(PriceQuote quote) {
        PriceQuote previous;
        List<Runnable> toRun = List.of();
        synchronized (this) {
            previous = current.getAndSet(quote);
            if (previous == null) {
                toRun = List.copyOf(waiting);
                waiting.clear();
            }
        }
        lastError = null;
        if (previous == null) {
            LOG.info(
                    "ETH/USD price {} from {}: metering can start",
                    quote.usdPerEth().toPlainString(),
                    quote.source());
            toRun.forEach(Runnable::run);
        } else if (previous.usdPerEth().compareTo(quote.usdPerEth()) != 0) {
            LOG.debug("ETH/USD price {} from {}", quote.usdPerEth().toPlainString(), quote.source());
        }
    }

    /** Records a failed refresh; the last good price (if any) stays in use. */
    public void recordFailure(String error) {
        lastError = error;
        PriceQuote quote = current.get();
        if (quote == null) {
            LOG.warn("ETH/USD price unavailable, metering waits: {}", error);
        } else {
            LOG.warn(
                    "ETH/USD price refresh failed, keeping {} from {} ({} old): {}",
                    quote.usdPerEth().toPlainString(),
                    quote.observedAt(),
                    age().orElse(Duration.ZERO),
                    error);
        }
    }

    /** Runs {@code action} once a price is available: now if it already is, else on the first {@link #update}. */
    public void whenAvailable(Runnable action) {
        synchronized (this) {
            if (current.get() == null) {
                waiting.add(action);
                return;
            }
        }
        action.run();
    }

    /** Age of the current price. */
    public Optional<Duration> age() {
        return current().map(q -> q.age(clock.instant()));
    }

    /**
     * Whether the current price is an oracle price older than the stale threshold. A static price
     * ({@code ETH_USD_PRICE}) is what the operator configured and never goes stale.
     */
    public boolean isStale() {
        return current()
                .filter(q -> !q.isStatic())
                .map(q -> q.age(clock.instant()).compareTo(staleAfter) > 0)
                .orElse(false);
    }

    /** The last refresh error, or null after a success. */
    public String lastError() {
        return lastError;
    }

    /** The stale threshold. */
    public Duration staleAfter() {
        return staleAfter;
    }

    /** Now, by this service's clock. */
    public Instant now() {
        return clock.instant();
    }
}

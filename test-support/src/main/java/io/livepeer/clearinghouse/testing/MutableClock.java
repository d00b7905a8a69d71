package io.livepeer.clearinghouse.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A UTC clock that tests move by hand ({@link #advance}); safe to read from other threads. */
public final class MutableClock extends Clock {

    private volatile Instant now;

    /** Starting at 2026-08-20T10:00:00Z. */
    public MutableClock() {
        this(Instant.parse("2026-08-20T10:00:00Z"));
    }

    /** @param start the first instant */
    public MutableClock(Instant start) {
        this.now = start;
    }

    /** Moves the clock forward by {@code duration}. */
    public void advance(Duration duration) {
        now = now.plus(duration);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        return now;
    }
}

package io.livepeer.clearinghouse.ledger.earnings;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Session segmenting as livepeer-ops {@code SessionStore.apply_event} does it: from the billing cursor
 * ({@code last_billed_at}), every full segment of {@code segmentMs} closes with trigger {@code segment}; on
 * {@code end} the remainder {@code [cursor, now]} closes too, with trigger {@code end}, when it is longer than 0 ms.
 * Times are truncated to whole milliseconds as the backend's {@code int(seconds * 1000)} does; a clock that went
 * backwards closes nothing.
 */
public final class Segments {

    private Segments() {}

    /** A closed segment, {@code [start, end]}, {@code durationMs} long. */
    public record Segment(Instant start, Instant end, long durationMs, String trigger) {}

    /**
     * What an event closes.
     *
     * @param segments the segments closed, in order
     * @param cursor   the new billing cursor ({@code now} after an end, else the start of the open segment)
     */
    public record Closed(List<Segment> segments, Instant cursor) {}

    /**
     * @param cursor    the billing cursor, {@code last_billed_at}
     * @param now       the event time
     * @param segmentMs the segment length in ms (at least 1)
     * @param end       whether the event is an {@code end}
     */
    public static Closed close(Instant cursor, Instant now, long segmentMs, boolean end) {
        if (segmentMs < 1) {
            throw new IllegalArgumentException("segment length must be at least 1 ms");
        }
        long elapsed = Math.max(0, Duration.between(cursor, now).toMillis());
        List<Segment> out = new ArrayList<>();
        Instant start = cursor;
        long remaining = elapsed;
        while (remaining >= segmentMs) {
            Instant stop = start.plusMillis(segmentMs);
            out.add(new Segment(start, stop, segmentMs, "segment"));
            start = stop;
            remaining -= segmentMs;
        }
        if (end) {
            if (remaining > 0) {
                out.add(new Segment(start, now, remaining, "end"));
            }
            start = now;
        }
        return new Closed(List.copyOf(out), start);
    }
}

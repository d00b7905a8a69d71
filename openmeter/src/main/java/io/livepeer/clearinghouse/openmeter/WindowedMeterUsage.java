package io.livepeer.clearinghouse.openmeter;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * The answer of one meter query over {@code [from, to)} in time windows of {@link #windowSize()}, grouped by subject
 * (v1 {@code groupBy=subject}, v3 {@code group_by_dimensions: ["subject"]}). Values are exact decimals as read from the
 * JSON text (v1 float64 numbers, v3 decimal strings), like {@link MeterUsage}.
 *
 * @param meterKey   the meter's key (v1 slug)
 * @param from       start of the period, inclusive
 * @param to         end of the period, exclusive
 * @param windowSize the window size asked for
 * @param rows       one row per subject and window with usage (OpenMeter leaves empty windows out)
 */
public record WindowedMeterUsage(String meterKey, Instant from, Instant to, WindowSize windowSize, List<Row> rows) {

    public WindowedMeterUsage {
        rows = List.copyOf(rows);
    }

    /**
     * One subject's aggregate in one window.
     *
     * @param subject     CloudEvent subject (customer key), {@code ""} when the row carries none
     * @param windowStart start of the window as aligned by {@link WindowSize#windowStart} (OpenMeter's
     *                    {@code windowStart} / {@code from}, floored to the window size, so a first window clipped
     *                    to the period keys the same)
     * @param value       the aggregated value
     */
    public record Row(String subject, Instant windowStart, BigDecimal value) {}
}

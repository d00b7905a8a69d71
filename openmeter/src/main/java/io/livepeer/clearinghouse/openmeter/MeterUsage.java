package io.livepeer.clearinghouse.openmeter;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The answer of one meter query over a whole period ({@code [from, to)}, no time windows), grouped by subject: what
 * OpenMeter (or Konnect) aggregated for each CloudEvent subject (= customer key). Values are exact decimals as read
 * from the JSON text: v1 sends a JSON number (OpenMeter aggregates in float64, so large fractional sums carry its
 * rounding), v3 a decimal string.
 *
 * @param meterKey the meter's key (v1 slug)
 * @param from     start of the period, inclusive
 * @param to       end of the period, exclusive
 * @param rows     one row per subject OpenMeter has usage for; subject {@code ""} when OpenMeter reports none
 */
public record MeterUsage(String meterKey, Instant from, Instant to, List<Row> rows) {

    public MeterUsage {
        rows = List.copyOf(rows);
    }

    /**
     * One subject's aggregate.
     *
     * @param subject CloudEvent subject (customer key), {@code ""} when the row carries none
     * @param value   the aggregated value (count, or sum of the meter's value property)
     */
    public record Row(String subject, BigDecimal value) {}

    /** Values by subject (rows of one subject, if OpenMeter splits them, are added). */
    public Map<String, BigDecimal> bySubject() {
        Map<String, BigDecimal> map = new LinkedHashMap<>();
        for (Row row : rows) {
            map.merge(row.subject(), row.value(), BigDecimal::add);
        }
        return map;
    }
}

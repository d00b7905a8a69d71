package io.livepeer.clearinghouse.openmeter;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * The size of the time windows a meter query aggregates into, always in UTC: v1 {@code windowSize}
 * ({@code MINUTE|HOUR|DAY}, spec {@code WindowSize}) with {@code windowTimeZone=UTC}, v3 / Konnect
 * {@code granularity} ({@code PT1M|PT1H|P1D}, spec {@code MeterQueryGranularity}) with {@code time_zone=UTC}. Windows
 * are aligned to whole minutes, hours or days since the Unix epoch (UTC days have no DST), so a window's start is
 * {@code floor(epochSecond / seconds) × seconds}. OpenMeter's {@code MONTH} is not offered: its windows are not of
 * fixed length.
 */
public enum WindowSize {
    MINUTE(60, "PT1M"),
    HOUR(3_600, "PT1H"),
    DAY(86_400, "P1D");

    private final long seconds;
    private final String granularity;

    WindowSize(long seconds, String granularity) {
        this.seconds = seconds;
        this.granularity = granularity;
    }

    /** Length of a window, seconds. */
    public long seconds() {
        return seconds;
    }

    /** Length of a window. */
    public Duration duration() {
        return Duration.ofSeconds(seconds);
    }

    /** The v1 {@code windowSize} value ({@code HOUR}). */
    public String v1() {
        return name();
    }

    /** The v3 {@code granularity} value ({@code PT1H}). */
    public String v3() {
        return granularity;
    }

    /** Start of the window holding {@code t} (floor to the window size, UTC). */
    public Instant windowStart(Instant t) {
        return Instant.ofEpochSecond(Math.floorDiv(t.getEpochSecond(), seconds) * seconds);
    }

    /**
     * Reads {@code MINUTE}, {@code HOUR} or {@code DAY} (any case; v3 forms {@code PT1M}, {@code PT1H}, {@code P1D}
     * too).
     *
     * @throws IllegalArgumentException for anything else
     */
    public static WindowSize parse(String text) {
        String t = text == null ? "" : text.trim().toUpperCase(Locale.ROOT);
        for (WindowSize w : values()) {
            if (w.name().equals(t) || w.granularity.equals(t)) {
                return w;
            }
        }
        throw new IllegalArgumentException("window size must be MINUTE, HOUR or DAY, got '" + text + "'");
    }
}

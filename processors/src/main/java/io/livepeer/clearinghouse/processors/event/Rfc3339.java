package io.livepeer.clearinghouse.processors.event;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * Parses an RFC 3339 time exactly as {@link OffsetDateTime#parse(CharSequence)} does (ISO offset date-time, strict
 * resolution), faster for the form every signer sends ({@code 2026-08-20T10:00:00Z}, optionally with 1-9 fraction
 * digits and a {@code ±HH:MM} offset): that form is read field by field (the formatter cost ~8 % of the metering
 * thread's CPU); any other text (lower-case letters, offsets with seconds, a time without seconds, years beyond four
 * digits) goes through {@code OffsetDateTime.parse}, so what is accepted and refused is unchanged.
 */
final class Rfc3339 {

    private Rfc3339() {}

    /**
     * @throws DateTimeException when the text is not an ISO offset date-time, or names an impossible date or time
     */
    static Instant parse(String text) {
        Instant fast = fast(text);
        return fast != null ? fast : OffsetDateTime.parse(text).toInstant();
    }

    /** The instant of the common form, or null when the text is not in it. */
    private static Instant fast(String s) {
        int n = s.length();
        if (n < 20
                || s.charAt(4) != '-'
                || s.charAt(7) != '-'
                || s.charAt(10) != 'T'
                || s.charAt(13) != ':'
                || s.charAt(16) != ':') {
            return null;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        int hour = digits(s, 11, 2);
        int minute = digits(s, 14, 2);
        int second = digits(s, 17, 2);
        if ((year | month | day | hour | minute | second) < 0) {
            return null;
        }
        int i = 19;
        int nano = 0;
        if (s.charAt(i) == '.') {
            int start = ++i;
            while (i < n && i - start < 10 && isDigit(s.charAt(i))) {
                i++;
            }
            int count = i - start;
            if (count < 1 || count > 9) {
                return null;
            }
            nano = digits(s, start, count);
            for (int k = count; k < 9; k++) {
                nano *= 10;
            }
        }
        ZoneOffset offset;
        if (i == n - 1 && s.charAt(i) == 'Z') {
            offset = ZoneOffset.UTC;
        } else if (i == n - 6 && (s.charAt(i) == '+' || s.charAt(i) == '-') && s.charAt(i + 3) == ':') {
            int hours = digits(s, i + 1, 2);
            int minutes = digits(s, i + 4, 2);
            if ((hours | minutes) < 0) {
                return null;
            }
            // validated as the formatter does: at most 18:00, minutes below 60
            offset = s.charAt(i) == '+'
                    ? ZoneOffset.ofHoursMinutes(hours, minutes)
                    : ZoneOffset.ofHoursMinutes(-hours, -minutes);
        } else {
            return null;
        }
        // LocalDateTime.of refuses what strict resolution refuses: month 13, February 30, hour 24, second 60
        return LocalDateTime.of(year, month, day, hour, minute, second, nano).toInstant(offset);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** The value of {@code count} ASCII digits at {@code from}, or -1 when one is not a digit. */
    private static int digits(String s, int from, int count) {
        int value = 0;
        for (int i = from; i < from + count; i++) {
            char c = s.charAt(i);
            if (!isDigit(c)) {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }
}

package io.livepeer.clearinghouse.openmeter;

import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.format.SignStyle;
import java.time.temporal.ChronoField;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The {@code Retry-After} response header (RFC 9110 §10.2.3, formerly RFC 7231 §7.1.3): either delay-seconds
 * ({@code 120}) or an HTTP-date. Dates are read in the preferred IMF-fixdate form
 * ({@code Sun, 06 Nov 1994 08:49:37 GMT}) and, as RFC 9110 §5.6.7 asks of recipients, in the obsolete RFC 850
 * ({@code Sunday, 06-Nov-94 08:49:37 GMT}) and asctime ({@code Sun Nov  6 08:49:37 1994}) forms.
 */
public final class RetryAfter {

    /** The name of the header. */
    public static final String HEADER = "Retry-After";

    private static final DateTimeFormatter RFC_850 = new DateTimeFormatterBuilder()
            .appendPattern("EEEE, dd-MMM-")
            // two-digit years: RFC 9110 says a year more than 50 years ahead is in the past century
            .appendValueReduced(
                    ChronoField.YEAR, 2, 2, LocalDate.now(ZoneOffset.UTC).getYear() - 49)
            .appendPattern(" HH:mm:ss 'GMT'")
            .toFormatter(Locale.US)
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter ASCTIME = new DateTimeFormatterBuilder()
            .appendPattern("EEE MMM ")
            .padNext(2)
            .appendValue(ChronoField.DAY_OF_MONTH, 1, 2, SignStyle.NOT_NEGATIVE)
            .appendPattern(" HH:mm:ss yyyy")
            .toFormatter(Locale.US)
            .withZone(ZoneOffset.UTC);
    private static final List<DateTimeFormatter> DATES =
            List.of(DateTimeFormatter.RFC_1123_DATE_TIME, RFC_850, ASCTIME);

    private RetryAfter() {}

    /**
     * Reads the header.
     *
     * @param value the header value, may be null
     * @param clock the clock an HTTP-date is measured from
     * @return how long to wait (zero for a date in the past), or empty when absent, negative or unreadable
     */
    public static Optional<Duration> parse(String value, Clock clock) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        String v = value.trim();
        if (v.chars().allMatch(Character::isDigit)) {
            try {
                return Optional.of(Duration.ofSeconds(Long.parseLong(v)));
            } catch (NumberFormatException tooLarge) {
                return Optional.empty();
            }
        }
        for (DateTimeFormatter format : DATES) {
            try {
                Duration until = Duration.between(
                        clock.instant(), ZonedDateTime.parse(v, format).toInstant());
                return Optional.of(until.isNegative() ? Duration.ZERO : until);
            } catch (DateTimeParseException notThisForm) {
                // try the next form
            }
        }
        return Optional.empty();
    }
}

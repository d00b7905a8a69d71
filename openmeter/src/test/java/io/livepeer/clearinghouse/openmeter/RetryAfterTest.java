package io.livepeer.clearinghouse.openmeter;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code Retry-After} in both forms RFC 9110 allows. */
class RetryAfterTest {

    final Clock clock = Clock.fixed(Instant.parse("2026-08-20T10:00:00Z"), ZoneOffset.UTC);

    @Test
    void delta_seconds_are_read_as_a_delay() {
        assertThat(RetryAfter.parse("42", clock)).contains(Duration.ofSeconds(42));
        assertThat(RetryAfter.parse(" 0 ", clock)).contains(Duration.ZERO);
        assertThat(RetryAfter.parse("120", clock)).contains(Duration.ofMinutes(2));
    }

    @Test
    void an_imf_fixdate_is_read_as_the_time_until_then() {
        assertThat(RetryAfter.parse("Thu, 20 Aug 2026 10:00:42 GMT", clock)).contains(Duration.ofSeconds(42));
        assertThat(RetryAfter.parse("Thu, 20 Aug 2026 11:00:00 GMT", clock)).contains(Duration.ofHours(1));
    }

    @Test
    void the_obsolete_http_date_forms_are_read_too() {
        assertThat(RetryAfter.parse("Thursday, 20-Aug-26 10:00:30 GMT", clock)).contains(Duration.ofSeconds(30));
        assertThat(RetryAfter.parse("Thu Aug 20 10:01:00 2026", clock)).contains(Duration.ofMinutes(1));
        assertThat(RetryAfter.parse("Thu Aug  6 10:00:00 2026", clock)).contains(Duration.ZERO);
    }

    @Test
    void a_date_in_the_past_means_now() {
        assertThat(RetryAfter.parse("Wed, 19 Aug 2026 10:00:00 GMT", clock)).contains(Duration.ZERO);
    }

    @Test
    void absent_negative_or_unreadable_values_mean_no_instruction() {
        assertThat(RetryAfter.parse(null, clock)).isEmpty();
        assertThat(RetryAfter.parse("  ", clock)).isEqualTo(Optional.empty());
        assertThat(RetryAfter.parse("-5", clock)).isEmpty();
        assertThat(RetryAfter.parse("1.5", clock)).isEmpty();
        assertThat(RetryAfter.parse("soon", clock)).isEmpty();
        assertThat(RetryAfter.parse("99999999999999999999999", clock)).isEmpty();
    }
}

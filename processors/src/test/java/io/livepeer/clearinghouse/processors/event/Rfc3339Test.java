package io.livepeer.clearinghouse.processors.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The fast RFC 3339 parser accepts and refuses exactly what {@link OffsetDateTime#parse} does, with equal results. */
class Rfc3339Test {

    @ParameterizedTest
    @ValueSource(
            strings = {
                "2026-08-20T10:00:00Z",
                "2026-08-20T10:00:00.123Z",
                "2026-08-20T10:00:00.1Z",
                "2026-08-20T10:00:00.123456789Z",
                "2026-08-20T10:00:00+02:00",
                "2026-08-20T10:00:00.5-05:30",
                "2026-08-20T10:00:00-00:00",
                "2026-08-20T10:00:00+18:00",
                "2024-02-29T23:59:59.999999999Z",
                "0000-01-01T00:00:00Z",
                // not the fast form: the formatter decides
                "2026-08-20t10:00:00z",
                "2026-08-20T10:00Z",
                "2026-08-20T10:00:00.Z",
                "2026-08-20T10:00:00+02:00:30",
                "+12026-08-20T10:00:00Z",
            })
    void accepted_times_equal_the_formatters(String text) {
        assertThat(Rfc3339.parse(text)).isEqualTo(OffsetDateTime.parse(text).toInstant());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "2026-02-30T10:00:00Z",
                "2025-02-29T10:00:00Z",
                "2026-13-01T10:00:00Z",
                "2026-08-20T24:00:00Z",
                "2026-08-20T10:60:00Z",
                "2026-08-20T10:00:60Z",
                "2026-08-20T10:00:00.1234567890Z",
                "2026-08-20T10:00:00+19:00",
                "2026-08-20T10:00:00+02:60",
                "2026-08-20T10:00:00",
                "2026-08-20T10:00:00ZZ",
                "2026-08-20 10:00:00Z",
                "2026-8-20T10:00:00Z",
                "2026-08-20T10:00:00+0200",
                "２０２６-08-20T10:00:00Z",
            })
    void refused_times_are_refused_as_by_the_formatter(String text) {
        assertThatThrownBy(() -> OffsetDateTime.parse(text)).isInstanceOf(DateTimeException.class);
        assertThatThrownBy(() -> Rfc3339.parse(text)).isInstanceOf(DateTimeException.class);
    }

    @Test
    void random_instants_and_offsets_round_trip_as_the_formatter_reads_them() {
        Random random = new Random(42);
        for (int i = 0; i < 2_000; i++) {
            Instant instant = Instant.ofEpochSecond(random.nextInt(2_000_000_000), random.nextInt(1_000_000_000));
            java.time.ZoneOffset offset = java.time.ZoneOffset.ofTotalSeconds((random.nextInt(73) - 36) * 15 * 60);
            String text = instant.atOffset(offset).toString();
            assertThat(Rfc3339.parse(text))
                    .as(text)
                    .isEqualTo(OffsetDateTime.parse(text).toInstant());
        }
    }
}

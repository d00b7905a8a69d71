package io.livepeer.clearinghouse.openmeter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Window sizes in both dialects' spellings, aligned in UTC, and the v3 listing's cursor. */
class WindowSizeTest {

    @Test
    void windows_read_both_spellings_and_align_to_utc_boundaries() {
        assertThat(WindowSize.parse("hour")).isEqualTo(WindowSize.HOUR);
        assertThat(WindowSize.parse("P1D")).isEqualTo(WindowSize.DAY);
        assertThat(WindowSize.MINUTE.v3()).isEqualTo("PT1M");
        assertThat(WindowSize.HOUR.windowStart(Instant.parse("2026-08-20T10:59:59.999Z")))
                .isEqualTo(Instant.parse("2026-08-20T10:00:00Z"));
        assertThat(WindowSize.DAY.windowStart(Instant.parse("2026-08-20T23:59:59Z")))
                .isEqualTo(Instant.parse("2026-08-20T00:00:00Z"));
        assertThat(WindowSize.HOUR.windowStart(Instant.parse("1969-12-31T23:30:00Z")))
                .isEqualTo(Instant.parse("1969-12-31T23:00:00Z"));
        assertThatThrownBy(() -> WindowSize.parse("MONTH")).hasMessageContaining("'MONTH'");
    }

    @Test
    void the_next_page_cursor_is_read_from_the_next_link() {
        assertThat(OpenMeterClient.cursorAfter("/openmeter/events?page%5Bsize%5D=100&page%5Bafter%5D=01JABC%3D"))
                .isEqualTo("01JABC=");
        assertThat(OpenMeterClient.cursorAfter("/openmeter/events?page[size]=100"))
                .isNull();
        assertThat(OpenMeterClient.cursorAfter("/openmeter/events")).isNull();
    }
}

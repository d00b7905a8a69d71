package io.livepeer.clearinghouse.openmeter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/** The one backoff: exponential with equal jitter, or the server's Retry-After. */
class BackoffTest {

    final Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60), Duration.ofHours(1));

    @RepeatedTest(20)
    void each_failure_doubles_the_ceiling_and_the_delay_lies_between_half_of_it_and_all_of_it() {
        assertThat(backoff.exponential(1)).isBetween(Duration.ofMillis(500), Duration.ofSeconds(1));
        assertThat(backoff.exponential(2)).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(2));
        assertThat(backoff.exponential(4)).isBetween(Duration.ofSeconds(4), Duration.ofSeconds(8));
        assertThat(backoff.exponential(7)).isBetween(Duration.ofSeconds(30), Duration.ofSeconds(60));
        assertThat(backoff.exponential(1000)).isBetween(Duration.ofSeconds(30), Duration.ofSeconds(60));
    }

    @Test
    void the_ceiling_is_capped_and_never_overflows() {
        assertThat(backoff.ceiling(1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(backoff.ceiling(6)).isEqualTo(Duration.ofSeconds(32));
        assertThat(backoff.ceiling(7)).isEqualTo(Duration.ofSeconds(60));
        assertThat(backoff.ceiling(Integer.MAX_VALUE)).isEqualTo(Duration.ofSeconds(60));
        assertThat(backoff.ceiling(0)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void a_retry_after_wins_over_the_exponential_delay_up_to_its_cap() {
        assertThat(backoff.delay(1, Optional.of(Duration.ofSeconds(42)))).isEqualTo(Duration.ofSeconds(42));
        assertThat(backoff.delay(9, Optional.of(Duration.ZERO))).isEqualTo(Duration.ZERO);
        assertThat(backoff.delay(1, Optional.of(Duration.ofDays(1)))).isEqualTo(Duration.ofHours(1));
        assertThat(backoff.delay(1, Optional.empty())).isBetween(Duration.ofMillis(500), Duration.ofSeconds(1));
    }

    @Test
    void nonsense_settings_are_refused() {
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofNanos(5), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ZERO).ceiling(1))
                .as("a cap below the initial delay rules from the start")
                .isEqualTo(Duration.ofSeconds(1));
        assertThatThrownBy(() -> new Retries(-1, backoff)).isInstanceOf(IllegalArgumentException.class);
    }
}

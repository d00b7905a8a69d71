package io.livepeer.clearinghouse.routes.price;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.processors.price.PriceQuote;
import io.livepeer.clearinghouse.routes.core.PriceService;
import io.livepeer.clearinghouse.testing.MutableClock;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

/** Staleness is a property of observed (oracle) prices; a configured static price never goes stale. */
class PriceHealthCheckTest {

    static HealthCheck.State state(PriceService price) throws Exception {
        PriceHealthCheck check = new PriceHealthCheck(price);
        try (var context = new DefaultCamelContext()) {
            check.setCamelContext(context);
            return check.call(Map.of()).getState();
        }
    }

    @Test
    void a_static_price_stays_up_long_past_the_stale_threshold() throws Exception {
        MutableClock clock = new MutableClock();
        PriceService price = new PriceService(Duration.ofSeconds(5), clock);
        price.update(new PriceQuote(new BigDecimal("3000"), clock.instant(), PriceQuote.STATIC_SOURCE));

        clock.advance(Duration.ofDays(30));

        assertThat(price.isStale()).isFalse();
        assertThat(state(price)).isEqualTo(HealthCheck.State.UP);
    }

    @Test
    void an_oracle_price_is_down_once_older_than_the_stale_threshold() throws Exception {
        MutableClock clock = new MutableClock();
        PriceService price = new PriceService(Duration.ofSeconds(5), clock);
        price.update(new PriceQuote(new BigDecimal("3000"), clock.instant(), "oracle:https://api.example.com"));
        assertThat(state(price)).isEqualTo(HealthCheck.State.UP);

        clock.advance(Duration.ofSeconds(6));

        assertThat(price.isStale()).isTrue();
        assertThat(state(price)).isEqualTo(HealthCheck.State.DOWN);
    }
}

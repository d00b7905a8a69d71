package io.livepeer.clearinghouse.routes.price;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.processors.price.PriceGuard;
import io.livepeer.clearinghouse.routes.core.PriceService;
import io.livepeer.clearinghouse.testing.MutableClock;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.test.junit5.CamelTestSupport;
import org.junit.jupiter.api.Test;

/**
 * The oracle route alone: the timer replaced by {@code direct:}, the HTTP call by scripted oracle answers, and a
 * clock the test moves. An absurd price never replaces the last good one.
 */
class PriceOracleRouteTest extends CamelTestSupport {

    final MutableClock clock = new MutableClock();
    final PriceService price = new PriceService(Duration.ofMinutes(15), clock);
    final Deque<String> answers = new ArrayDeque<>();

    @Override
    public boolean isUseAdviceWith() {
        return true;
    }

    @Override
    protected RoutesBuilder createRouteBuilder() {
        return new PriceOracleRoute(
                new PriceSettings(
                        Optional.empty(),
                        Optional.of("http://oracle.invalid/spot"),
                        Duration.ofMinutes(5),
                        Duration.ofSeconds(10),
                        Duration.ofMinutes(15),
                        new PriceGuard(new BigDecimal("10"), new BigDecimal("1000000"), new BigDecimal("2"))),
                price);
    }

    void start() throws Exception {
        AdviceWith.adviceWith(context, PriceOracleRoute.ROUTE_ID, a -> {
            a.replaceFromWith("direct:refresh");
            a.weaveById("fetch-price").replace().process(e -> e.getMessage().setBody(answers.poll()));
        });
        context.start();
    }

    /** One refresh, due by the route's own schedule. */
    void refresh(String oracleBody) {
        answers.add(oracleBody);
        clock.advance(Duration.ofMinutes(6));
        template.sendBody("direct:refresh", null);
    }

    @Test
    void a_price_that_jumps_beyond_the_ratio_is_refused_and_the_last_good_one_stays() throws Exception {
        start();

        refresh("{\"price\":3000}");
        refresh("{\"price\":30000}");

        assertThat(price.current().orElseThrow().usdPerEth()).isEqualByComparingTo("3000");
        assertThat(price.lastError()).contains("refused").contains("factor of 2");

        refresh("{\"price\":3100}");
        assertThat(price.current().orElseThrow().usdPerEth()).isEqualByComparingTo("3100");
        assertThat(price.lastError()).isNull();
    }

    @Test
    void an_implausible_first_price_never_starts_metering() throws Exception {
        start();

        refresh("{\"price\":0.0004}");

        assertThat(price.current()).isEmpty();
        assertThat(price.lastError()).contains("outside the plausible range");
    }
}

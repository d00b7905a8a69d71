package io.livepeer.clearinghouse.processors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepeer.clearinghouse.processors.price.OraclePriceParser;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class OraclePriceParserTest {

    static java.math.BigDecimal parse(String json) {
        return OraclePriceParser.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void reads_a_plain_price_as_number_or_string() {
        assertThat(parse("{\"price\":3123.45}")).isEqualByComparingTo("3123.45");
        assertThat(parse("{\"price\":\"3123.45\"}")).isEqualByComparingTo("3123.45");
    }

    @Test
    void reads_coingecko_and_coinbase_shapes() {
        assertThat(parse("{\"ethereum\":{\"usd\":2999.99}}")).isEqualByComparingTo("2999.99");
        assertThat(parse("{\"data\":{\"base\":\"ETH\",\"currency\":\"USD\",\"amount\":\"3050.12\"}}"))
                .isEqualByComparingTo("3050.12");
    }

    @Test
    void refuses_missing_zero_negative_and_garbage_prices() {
        assertThatThrownBy(() -> parse("{\"usd\":1}")).hasMessageContaining("none of price");
        assertThatThrownBy(() -> parse("{\"price\":0}")).hasMessageContaining("not positive");
        assertThatThrownBy(() -> parse("{\"price\":-3}")).hasMessageContaining("not positive");
        assertThatThrownBy(() -> parse("{\"price\":\"abc\"}")).hasMessageContaining("not a number");
        assertThatThrownBy(() -> parse("<html>")).hasMessageContaining("not JSON");
    }
}

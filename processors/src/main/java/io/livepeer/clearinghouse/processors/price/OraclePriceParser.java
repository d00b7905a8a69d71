package io.livepeer.clearinghouse.processors.price;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import io.livepeer.clearinghouse.processors.json.Json;
import java.io.IOException;
import java.math.BigDecimal;

/**
 * Reads an ETH/USD price from an oracle response. Accepted shapes, first match wins (the same order as the
 * livepeer/clearinghouse collector):
 * <ul>
 *   <li>{@code {"price": 3000.12}} (number or numeric string)</li>
 *   <li>CoinGecko {@code {"ethereum": {"usd": 3000.12}}}</li>
 *   <li>Coinbase {@code {"data": {"amount": "3000.12"}}}</li>
 * </ul>
 */
public final class OraclePriceParser {

    private OraclePriceParser() {}

    /**
     * @param body the response body
     * @return the price in USD per ETH, positive
     * @throws IllegalArgumentException when no shape matches or the price is not a positive number
     */
    public static BigDecimal parse(byte[] body) {
        JsonNode root;
        try {
            root = Json.mapper().readTree(body);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("price oracle response is not JSON");
        } catch (IOException e) {
            throw new IllegalArgumentException("price oracle response is unreadable");
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("price oracle response is not a JSON object");
        }
        JsonNode candidate = root.path("price");
        if (candidate.isMissingNode() || candidate.isNull()) {
            candidate = root.path("ethereum").path("usd");
        }
        if (candidate.isMissingNode() || candidate.isNull()) {
            candidate = root.path("data").path("amount");
        }
        if (candidate.isMissingNode() || candidate.isNull()) {
            throw new IllegalArgumentException("price oracle response has none of price, ethereum.usd, data.amount");
        }
        BigDecimal price;
        try {
            price = candidate.isNumber()
                    ? candidate.decimalValue()
                    : new BigDecimal(candidate.asText().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("price oracle price is not a number");
        }
        if (price.signum() <= 0) {
            throw new IllegalArgumentException("price oracle price is not positive: " + price.toPlainString());
        }
        return price;
    }
}

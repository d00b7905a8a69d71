package io.livepeer.clearinghouse.bridge;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livepeer.clearinghouse.processors.json.Json;
import java.math.BigInteger;
import java.util.Set;

/**
 * A price ceiling the signer enforces for a customer (go-livepeer {@code server/remote_signer.go}, #4014): JSON
 * {@code {"price": <wei>, "currency": "wei", "unit": "seconds"|"720p-pixel-seconds"|"fixed"}}.
 *
 * @param priceWei price per unit in wei, positive
 * @param unit     {@code seconds} (live), {@code 720p-pixel-seconds} (lv2v) or {@code fixed}
 */
public record MaxPrice(BigInteger priceWei, String unit) {

    /** The units go-livepeer accepts. */
    public static final Set<String> UNITS = Set.of("seconds", "720p-pixel-seconds", "fixed");

    public MaxPrice {
        if (priceWei == null || priceWei.signum() <= 0) {
            throw new IllegalArgumentException("max price must be a positive number of wei");
        }
        if (!UNITS.contains(unit)) {
            throw new IllegalArgumentException("max price unit must be one of seconds, 720p-pixel-seconds, fixed");
        }
    }

    /** The webhook's {@code maxPrice} object. */
    public ObjectNode toJson() {
        ObjectNode node = Json.mapper().createObjectNode();
        node.put("price", priceWei);
        node.put("currency", "wei");
        node.put("unit", unit);
        return node;
    }
}

package io.livepeer.clearinghouse.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.Duration;

/**
 * A conservative estimate, in wei, of the payment the remote signer is about to sign, from the webhook's
 * {@code state} (go-livepeer {@code server/remote_signer.go} {@code GenerateLivePayment}, {@code calculateFee}):
 *
 * <pre>
 *   price  = InitialPricePerUnit / InitialPixelsPerUnit     (wei per unit; the key's maxPrice when the state has none)
 *   t      = seconds since this session's previous /authorize, capped at maxInterval;
 *            the first payment of a session (no earlier hold, SequenceNumber &lt;= 1): 10 s live, 60 s lv2v;
 *            otherwise (calls skipped under a long expiry) maxInterval
 *   live   : units = ceil(t) (at least 1)                  rate = price per second
 *   lv2v   : units = 1280 × 720 × 30 × t                    rate = 1280 × 720 × 30 × price per second
 *   fixed  : units = 1                                      no rate (calls are not time-bound)
 *   ""     : unknown (the gateway's inPixels)              no estimate: the configured minimum hold applies
 *   payment = units × price (wei, rounded up to a whole wei)
 * </pre>
 *
 * <p>The bound: the signer bills {@code now − LastUpdate} at the session's initial price, so when every call of a
 * session passes through {@code /authorize} (no expiry) the estimate differs from the fee only by the rounding of
 * {@code t}, and by the cap when a gateway pauses longer than {@code maxInterval} between payments. A payment whose
 * fee exceeds its estimate overdraws the customer by at most that one payment.
 *
 * @param paymentWei  the estimated payment, wei (0 when the type is unknown or the price is absent)
 * @param weiPerSecond spend rate while the session streams, wei per second, or null for {@code fixed} and unknown
 *                    types
 * @param type        the payment type as read ({@code live}, {@code lv2v}, {@code fixed} or {@code ""})
 */
public record PaymentEstimate(BigInteger paymentWei, BigInteger weiPerSecond, String type) {

    /** Pixels per second of the signer's default lv2v segment (1280 × 720 at 30 fps, {@code defaultSegInfo}). */
    public static final BigInteger LV2V_PIXELS_PER_SECOND = BigInteger.valueOf(1280L * 720 * 30);

    /**
     * @param state         the webhook's {@code state}
     * @param maxPrice      the key's price ceiling, or null
     * @param sinceLastHold time since this session's previous reservation, or null when there was none
     * @param maxInterval   the longest gap between two payments that is estimated
     */
    public static PaymentEstimate of(JsonNode state, MaxPrice maxPrice, Duration sinceLastHold, Duration maxInterval) {
        String type = state.path("Type").asText("").trim().toLowerCase(java.util.Locale.ROOT);
        BigDecimal price = statePrice(state);
        if (price == null && maxPrice != null && maxPrice.unit().equals(unitOf(type))) {
            price = new BigDecimal(maxPrice.priceWei());
            if (type.equals("lv2v")) {
                price = price.divide(new BigDecimal(LV2V_PIXELS_PER_SECOND), 18, RoundingMode.UP);
            }
        }
        if (price == null || !(type.equals("live") || type.equals("lv2v") || type.equals("fixed"))) {
            return new PaymentEstimate(BigInteger.ZERO, null, type);
        }
        long sequence = state.path("SequenceNumber").asLong(0);
        long max = Math.max(1, maxInterval.toSeconds());
        long seconds;
        boolean first = sinceLastHold == null && sequence <= 1;
        if (first) {
            seconds = type.equals("live") ? 10 : 60;
        } else if (sinceLastHold == null) {
            seconds = max;
        } else {
            long millis = Math.max(0, sinceLastHold.toMillis());
            seconds = Math.min(max, (millis + 999) / 1000);
        }
        return switch (type) {
            case "live" ->
                new PaymentEstimate(wei(price.multiply(BigDecimal.valueOf(Math.max(1, seconds)))), wei(price), type);
            case "lv2v" -> {
                BigDecimal perSecond = price.multiply(new BigDecimal(LV2V_PIXELS_PER_SECOND));
                yield new PaymentEstimate(
                        wei(perSecond.multiply(BigDecimal.valueOf(Math.max(1, seconds)))), wei(perSecond), type);
            }
            default -> new PaymentEstimate(wei(price), null, type);
        };
    }

    /** What the session can spend in {@code window} beside this payment, wei (0 without a rate). */
    public BigInteger windowWei(Duration window) {
        if (weiPerSecond == null || window.isZero() || window.isNegative()) {
            return BigInteger.ZERO;
        }
        return weiPerSecond.multiply(BigInteger.valueOf((window.toMillis() + 999) / 1000));
    }

    /** Whether the signer's spend is bounded by time (live, lv2v), so an expiry window can be covered by a hold. */
    public boolean timeBound() {
        return weiPerSecond != null;
    }

    private static String unitOf(String type) {
        return switch (type) {
            case "live" -> "seconds";
            case "lv2v" -> "720p-pixel-seconds";
            case "fixed" -> "fixed";
            default -> "";
        };
    }

    /** InitialPricePerUnit / InitialPixelsPerUnit, or null when the state has no positive price. */
    private static BigDecimal statePrice(JsonNode state) {
        BigDecimal price = decimal(state.path("InitialPricePerUnit"));
        if (price == null || price.signum() <= 0) {
            return null;
        }
        BigDecimal pixels = decimal(state.path("InitialPixelsPerUnit"));
        if (pixels == null || pixels.signum() <= 0) {
            pixels = BigDecimal.ONE;
        }
        return price.divide(pixels, 18, RoundingMode.UP);
    }

    private static BigDecimal decimal(JsonNode node) {
        try {
            if (node.isNumber()) {
                return node.decimalValue();
            }
            if (node.isTextual() && !node.textValue().isBlank()) {
                return new BigDecimal(node.textValue().trim());
            }
        } catch (NumberFormatException e) {
            return null;
        }
        return null;
    }

    private static BigInteger wei(BigDecimal value) {
        return value.setScale(0, RoundingMode.UP).toBigIntegerExact();
    }
}

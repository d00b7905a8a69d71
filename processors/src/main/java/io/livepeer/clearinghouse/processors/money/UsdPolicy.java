package io.livepeer.clearinghouse.processors.money;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * How metering uses the two USD values of a signed ticket.
 *
 * @param source    which value bills ({@code clearinghouse.metering.usd-source})
 * @param tolerance largest relative divergence between the two that is not flagged by the price audit
 *                  ({@code clearinghouse.metering.price-audit-tolerance}, e.g. 0.02 = 2 %); not negative
 */
public record UsdPolicy(UsdSource source, BigDecimal tolerance) {

    public UsdPolicy {
        Objects.requireNonNull(source, "source");
        if (tolerance == null || tolerance.signum() < 0) {
            throw new IllegalArgumentException("price audit tolerance must not be negative: " + tolerance);
        }
    }
}

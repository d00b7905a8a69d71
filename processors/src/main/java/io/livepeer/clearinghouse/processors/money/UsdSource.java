package io.livepeer.clearinghouse.processors.money;

import java.util.Locale;

/**
 * Which USD value of a signed ticket bills ({@code clearinghouse.metering.usd-source}): {@link #ORACLE}, our own
 * conversion of the wei fee at the oracle's ETH/USD price, or {@link #SIGNER}, the signer's {@code computed_fee_usd}
 * (go-livepeer v0.9.3) where it sent one, else the oracle's.
 */
public enum UsdSource {
    /** Our conversion bills; the signer's value is only audited. */
    ORACLE,
    /** The signer's value bills where present; an event without one falls back to {@link #ORACLE}. */
    SIGNER;

    /** The lower-case name used in settings, the CloudEvent ({@code usd_source}) and the outbox. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param value {@code oracle} or {@code signer} (any case)
     * @throws IllegalArgumentException for anything else
     */
    public static UsdSource parse(String value) {
        for (UsdSource source : values()) {
            if (source.label().equalsIgnoreCase(value == null ? "" : value.trim())) {
                return source;
            }
        }
        throw new IllegalArgumentException("must be oracle or signer, got '" + value + "'");
    }
}

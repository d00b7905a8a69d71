package io.livepeer.clearinghouse.processors.orchestrators;

import java.util.regex.Pattern;
import org.web3j.crypto.Keys;

/**
 * Payout addresses of orchestrators: {@code 0x} + 40 hex digits, checked against EIP-55 (mixed-case checksum,
 * web3j's {@link Keys#toChecksumAddress}). An all-lower-case or all-upper-case address carries no checksum and is
 * accepted; a mixed-case one must match its checksum exactly (a typo in a payout address must not send money to
 * nobody). The stored form is always the checksummed one.
 */
public final class OrchestratorAddress {

    private static final Pattern SHAPE = Pattern.compile("0x[0-9a-fA-F]{40}");

    private OrchestratorAddress() {}

    /**
     * @param address as given by an operator or an import
     * @return the EIP-55 checksummed address
     * @throws IllegalArgumentException (message names the problem) for a malformed address or a wrong checksum
     */
    public static String checksummed(String address) {
        if (address == null || address.isBlank()) {
            throw new IllegalArgumentException("address is required");
        }
        String a = address.trim();
        if (a.startsWith("0X")) {
            a = "0x" + a.substring(2);
        }
        if (!SHAPE.matcher(a).matches()) {
            throw new IllegalArgumentException("address must be 0x followed by 40 hex digits");
        }
        String checksummed = Keys.toChecksumAddress(a);
        String hex = a.substring(2);
        boolean mixed = !hex.equals(hex.toLowerCase(java.util.Locale.ROOT))
                && !hex.equals(hex.toUpperCase(java.util.Locale.ROOT));
        if (mixed && !checksummed.equals(a)) {
            throw new IllegalArgumentException(
                    "address " + a + " fails its EIP-55 checksum (expected " + checksummed + "): check for a typo");
        }
        return checksummed;
    }
}

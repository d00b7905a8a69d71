package io.livepeer.clearinghouse.contracts;

import java.util.Locale;
import java.util.regex.Pattern;

/** Ethereum address checks: 20 bytes as {@code 0x} + 40 hex digits; answered lower-case. */
public final class Addresses {

    private static final Pattern ADDRESS = Pattern.compile("0x[0-9a-fA-F]{40}");

    private Addresses() {}

    /**
     * The address in lower case.
     *
     * @param field the name used in the error message
     * @throws IllegalArgumentException naming {@code field} when the value is not a 20-byte hex address
     */
    public static String normalise(String field, String address) {
        if (address == null || !ADDRESS.matcher(address).matches()) {
            throw new IllegalArgumentException(field + " must be a 0x-prefixed 20-byte hex address, got " + address);
        }
        return address.toLowerCase(Locale.ROOT);
    }

    /** True when the value is a 20-byte hex address. */
    public static boolean isAddress(String address) {
        return address != null && ADDRESS.matcher(address).matches();
    }
}

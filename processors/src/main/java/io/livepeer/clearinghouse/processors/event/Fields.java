package io.livepeer.clearinghouse.processors.event;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Lenient field readers for producer JSON: numbers accepted as strings and strings as numbers, never through a
 * {@code double}. Each reader returns {@code null} for an absent, null or blank field and throws
 * {@link IllegalArgumentException} naming the field for a value of the wrong shape.
 */
final class Fields {

    /** Integer digits and decimal places a number may have (a wei amount of 10^78 has 79). */
    static final int MAX_DIGITS = 100;

    private static final int MAX_REASON_VALUE = 64;

    /** Most decimal places of a signer USD amount (go-livepeer v0.9.3 {@code computed_fee_usd}; 10^-18 USD). */
    static final int MAX_USD_DECIMALS = 18;
    /** Most integer digits of a signer USD amount: below 10^18 USD, so its USD micros fit NUMERIC(38,12). */
    static final int MAX_USD_INTEGER_DIGITS = 18;

    private static final Pattern PLAIN_DECIMAL = Pattern.compile("[0-9]+(\\.[0-9]+)?");
    private static final Pattern ADDRESS = Pattern.compile("0x[0-9a-fA-F]{40}");

    private Fields() {}

    /** A string, or a number/boolean rendered as text. Objects and arrays are refused. */
    static String text(JsonNode parent, String field) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        if (node.isTextual()) {
            return node.textValue();
        }
        if (node.isNumber()) {
            return bounded(node.decimalValue(), field).toPlainString();
        }
        if (node.isBoolean()) {
            return node.asText();
        }
        throw new IllegalArgumentException(field + " must be a string, not " + kind(node));
    }

    /** An exact decimal from a JSON number or a numeric string. */
    static BigDecimal decimal(JsonNode parent, String field) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        if (node.isNumber()) {
            return bounded(node.decimalValue(), field);
        }
        if (node.isTextual()) {
            String text = node.textValue().trim();
            if (text.isEmpty()) {
                return null;
            }
            if (text.length() > 100) {
                throw new IllegalArgumentException(field + " is not a number: too long");
            }
            BigDecimal parsed;
            try {
                parsed = new BigDecimal(text);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(field + " is not a number: " + clip(text));
            }
            return bounded(parsed, field);
        }
        throw new IllegalArgumentException(field + " must be a number, not " + kind(node));
    }

    /**
     * {@code value} when its plain form is at most {@value #MAX_DIGITS} integer digits and {@value #MAX_DIGITS}
     * decimal places. Checked on precision and scale, which cost nothing: a short number with a huge exponent
     * ({@code 1e500000000}) would otherwise be expanded by {@code toBigIntegerExact} or {@code toPlainString} into
     * hundreds of MB, stalling the partition for minutes.
     *
     * @throws IllegalArgumentException {@code "<field> is too large"} or {@code "… has too many decimal places"}
     */
    static BigDecimal bounded(BigDecimal value, String field) {
        long integerDigits = (long) value.precision() - value.scale();
        if (integerDigits > MAX_DIGITS) {
            throw new IllegalArgumentException(field + " is too large: more than " + MAX_DIGITS + " digits");
        }
        if (value.scale() > MAX_DIGITS) {
            throw new IllegalArgumentException(field + " has too many decimal places: more than " + MAX_DIGITS);
        }
        return value;
    }

    /** A whole number (e.g. wei) from a JSON number or a numeric string; {@code "1e3"} and {@code "7.0"} are fine. */
    static BigInteger wholeNumber(JsonNode parent, String field) {
        BigDecimal value = decimal(parent, field);
        if (value == null) {
            return null;
        }
        try {
            return value.toBigIntegerExact();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(field + " is not a whole number: " + clip(value.toPlainString()));
        }
    }

    /**
     * A non-negative plain decimal <b>string</b> such as {@code "0.0123"} (go-livepeer v0.9.3 {@code computed_fee_usd},
     * contract of livepeer/clearinghouse-batteries {@code internal/store/usd_test.go}). Unlike the lenient readers,
     * this one refuses what an exact money amount must not be: a JSON number (its exponent form cannot be told from
     * the parsed value), {@code ""} or blanks, a sign, an exponent form ({@code "1e0"}), more than
     * {@value #MAX_USD_DECIMALS} decimal places or {@value #MAX_USD_INTEGER_DIGITS} integer digits, and anything
     * else that is not {@code digits[.digits]}.
     *
     * @return the exact value, or {@code null} when the field is absent or JSON {@code null} (no USD rate)
     * @throws IllegalArgumentException naming the field and the rule broken
     */
    static BigDecimal plainDecimalString(JsonNode parent, String field) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        if (!node.isTextual()) {
            throw new IllegalArgumentException(field + " must be a decimal string or null, not " + kind(node));
        }
        String text = node.textValue();
        if (text.isEmpty()) {
            throw new IllegalArgumentException(field + " is empty (null or absent means no USD rate)");
        }
        if (text.length() > 2 * MAX_DIGITS) {
            throw new IllegalArgumentException(field + " is not a number: too long");
        }
        if (text.startsWith("-")) {
            throw new IllegalArgumentException(field + " is negative: " + clip(text));
        }
        if (text.indexOf('e') >= 0 || text.indexOf('E') >= 0) {
            throw new IllegalArgumentException(field + " is in exponent form: " + clip(text));
        }
        if (!PLAIN_DECIMAL.matcher(text).matches()) {
            throw new IllegalArgumentException(field + " is not a plain decimal: " + clip(text));
        }
        int dot = text.indexOf('.');
        int integerDigits = dot < 0 ? text.length() : dot;
        if (dot >= 0 && text.length() - dot - 1 > MAX_USD_DECIMALS) {
            throw new IllegalArgumentException(
                    field + " has more than " + MAX_USD_DECIMALS + " decimal places: " + clip(text));
        }
        if (integerDigits > MAX_USD_INTEGER_DIGITS) {
            throw new IllegalArgumentException(
                    field + " is too large: more than " + MAX_USD_INTEGER_DIGITS + " integer digits");
        }
        return new BigDecimal(text);
    }

    /**
     * An Ethereum address: {@code 0x} and 40 hex digits (20 bytes), returned in lower case (the mixed case of EIP-55
     * is only a checksum, so one address has one form here). Surrounding blanks are trimmed.
     *
     * @return the address, or {@code null} when the field is absent, null or blank
     * @throws IllegalArgumentException when it is not a 0x-prefixed 20-byte hex address
     */
    static String address(JsonNode parent, String field) {
        String text = text(parent, field);
        if (text == null || text.isBlank()) {
            return null;
        }
        String trimmed = text.trim();
        if (!ADDRESS.matcher(trimmed).matches()) {
            throw new IllegalArgumentException(field + " is not a 0x-prefixed 20-byte hex address: " + clip(trimmed));
        }
        return trimmed.toLowerCase(Locale.ROOT);
    }

    /** Unix milliseconds (number or decimal string) as an instant. */
    static Instant epochMillis(JsonNode parent, String field) {
        BigInteger millis = wholeNumber(parent, field);
        if (millis == null) {
            return null;
        }
        if (millis.bitLength() > 52) {
            throw new IllegalArgumentException(field + " is out of range: " + clip(millis.toString()));
        }
        return Instant.ofEpochMilli(millis.longValueExact());
    }

    /** Shortens a value quoted in an error reason. */
    static String clip(String value) {
        if (value == null) {
            return "";
        }
        String oneLine = value.replaceAll("\\s+", " ");
        return oneLine.length() <= MAX_REASON_VALUE ? oneLine : oneLine.substring(0, MAX_REASON_VALUE) + "…";
    }

    private static String kind(JsonNode node) {
        return node.getNodeType().name().toLowerCase();
    }
}

package io.livepeer.clearinghouse.processors.metering;

import java.math.BigDecimal;
import java.util.Optional;

/**
 * What a metered event must fit before it is stored: the columns of the outbox and the ledger (ledger migrations V1
 * and V2). An event that meters fine but would overflow a column, or carries text PostgreSQL refuses, used to fail
 * its whole batch transaction, which was retried and re-read forever, stalling the partition. Checked here, in the
 * pure metering step, such an event is dead-lettered with the reason and the rest of the batch commits.
 *
 * <ul>
 *   <li>event id: at most {@value #MAX_EVENT_ID} characters, so the usage posting's transfer id
 *       {@code usage:<id>} fits its 255;</li>
 *   <li>subject (the customer key): at most {@value #MAX_SUBJECT} (the outbox column; the ledger account key
 *       {@code customer:<subject>} has room);</li>
 *   <li>pipeline and model id: at most {@value #MAX_LABEL} each;</li>
 *   <li>orchestrator address: at most {@value #MAX_ORCH_ADDRESS} (kept in the posting's metadata);</li>
 *   <li>no NUL character (PostgreSQL refuses it in text) and no unpaired UTF-16 surrogate (stored as {@code ?} but
 *       sent as is, so the local record and OpenMeter would disagree on the customer key), in any of them;</li>
 *   <li>USD micros below 10^26 (the integer part of NUMERIC(38,12)).</li>
 * </ul>
 * Lengths are Java {@code char}s, never fewer than the code points the databases count.
 */
public final class StorageBounds {

    /** Longest event id. */
    public static final int MAX_EVENT_ID = 249;
    /** Longest subject (customer key). */
    public static final int MAX_SUBJECT = 512;
    /** Longest pipeline or model id. */
    public static final int MAX_LABEL = 128;
    /** Longest orchestrator address. */
    public static final int MAX_ORCH_ADDRESS = 256;

    private static final BigDecimal MAX_MICROS = BigDecimal.TEN.pow(26);

    private StorageBounds() {}

    /** Why {@code usage} cannot be stored, or empty when it fits. */
    public static Optional<String> problem(
            String eventId,
            String subject,
            String pipeline,
            String modelId,
            String orchAddress,
            BigDecimal networkMicros,
            BigDecimal billableMicros) {
        return text("id", eventId, MAX_EVENT_ID)
                .or(() -> text("subject (customer key)", subject, MAX_SUBJECT))
                .or(() -> text("pipeline", pipeline, MAX_LABEL))
                .or(() -> text("model_id", modelId, MAX_LABEL))
                .or(() -> text("orch_address", orchAddress, MAX_ORCH_ADDRESS))
                .or(() -> micros("network_usd_micros", networkMicros))
                .or(() -> micros("billable_usd_micros", billableMicros));
    }

    /** Whether {@code text} has a NUL or an unpaired surrogate. */
    public static boolean unstorable(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\u0000') {
                return true;
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1))) {
                    return true;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    private static Optional<String> text(String field, String value, int max) {
        if (value == null) {
            return Optional.empty();
        }
        if (value.length() > max) {
            return Optional.of(field + " is longer than " + max + " characters (" + value.length() + ")");
        }
        if (unstorable(value)) {
            return Optional.of(field + " contains a NUL character or an unpaired surrogate");
        }
        return Optional.empty();
    }

    private static Optional<String> micros(String field, BigDecimal value) {
        return value != null && value.abs().compareTo(MAX_MICROS) >= 0
                ? Optional.of(field + " is too large to store: "
                        + value.toBigInteger().bitLength() + " bits")
                : Optional.empty();
    }
}

package io.livepeer.clearinghouse.ledger.earnings;

/**
 * Activity lease lengths as livepeer-ops {@code payments/activity.py} bounds them: a request may ask for 30 to 86400
 * seconds (else 400 naming {@code lease_seconds}); the lease then lasts
 * {@code max(30, min(requested or default, max))} seconds.
 *
 * @param defaultSeconds {@code PAYMENTS_ACTIVITY_LEASE_SECONDS} (900)
 * @param maxSeconds     {@code PAYMENTS_ACTIVITY_LEASE_MAX_SECONDS} (3600)
 */
public record LeaseBounds(long defaultSeconds, long maxSeconds) {

    /** Shortest lease and smallest request, in seconds. */
    public static final long MIN_SECONDS = 30;
    /** Largest request accepted, in seconds. */
    public static final long MAX_REQUEST_SECONDS = 86_400;

    public LeaseBounds {
        if (defaultSeconds < 1 || maxSeconds < 1) {
            throw new IllegalArgumentException("lease seconds must be positive");
        }
    }

    /**
     * @param requested the request's {@code lease_seconds}, or null
     * @return the lease length in seconds
     * @throws IllegalArgumentException when the request is outside 30..86400
     */
    public long seconds(Long requested) {
        if (requested != null && (requested < MIN_SECONDS || requested > MAX_REQUEST_SECONDS)) {
            throw new IllegalArgumentException(
                    "lease_seconds must be between " + MIN_SECONDS + " and " + MAX_REQUEST_SECONDS);
        }
        long wanted = requested != null ? requested : defaultSeconds;
        return Math.max(MIN_SECONDS, Math.min(wanted, maxSeconds));
    }
}

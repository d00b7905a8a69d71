package io.livepeer.clearinghouse.routes.reconcile;

/**
 * The OpenMeter meters our three totals are compared with. Defaults: the reference catalog's
 * ({@code processors/src/main/resources/clearinghouse/catalog.yaml}) meters on {@code create_signed_ticket}:
 * {@code signed_ticket_count} (COUNT), {@code network_fee_usd_micros} (SUM of {@code $.network_fee_usd_micros}),
 * {@code billable_usd_micros} (SUM of {@code $.billable_usd_micros}). A catalog that renames them needs the keys set
 * ({@code --*-meter}, {@code clearinghouse.reconcile.*-meter}); the meters must count every
 * {@code create_signed_ticket} event (no filter) or the comparison is meaningless.
 *
 * @param events   key of the COUNT meter
 * @param network  key of the SUM meter over {@code network_fee_usd_micros}
 * @param billable key of the SUM meter over {@code billable_usd_micros}
 */
public record ReconcileMeters(String events, String network, String billable) {

    public ReconcileMeters {
        for (String key : new String[] {events, network, billable}) {
            if (key == null || !key.matches("^[a-z0-9]+(?:_[a-z0-9]+)*$") || key.length() > 64) {
                throw new IllegalArgumentException("meter key must match ^[a-z0-9]+(?:_[a-z0-9]+)*$ (at most 64"
                        + " characters), got '" + key + "'");
            }
        }
    }

    /** The meter key of a measure. */
    public String of(DriftReport.Measure measure) {
        return switch (measure) {
            case EVENTS -> events;
            case NETWORK_USD_MICROS -> network;
            case BILLABLE_USD_MICROS -> billable;
        };
    }
}

package io.livepeer.clearinghouse.ledger.orchestrators;

import java.math.BigDecimal;

/**
 * One health observation of an orchestrator: a poll of its {@code health_url} or a fresh forwarder snapshot, read
 * from the orchestrator side's {@code /health} payload ({@code payments/service_monitor.py}: {@code summary.*}).
 *
 * @param source             {@code health_url} or the snapshot's source (e.g. {@code forwarder})
 * @param reachable          the payload was read and has a {@code summary} object (false: timeout, refused, not
 *                           JSON, HTTP error)
 * @param servicesUp         {@code summary.services_up}, null when unreachable
 * @param totalServices      {@code summary.total_services}, null when unreachable
 * @param overallUptime      {@code summary.overall_uptime} (percent), may be null
 * @param eligibleForPayment {@code summary.eligible_for_payment}, may be null
 * @param latencyMs          how long the poll took (null for a snapshot)
 * @param error              why it was unreachable (short, no secrets), else null
 * @param summary            the {@code summary} object as JSON text (at most 8,000 characters), may be null
 * @param contactIp          the host's address for {@code last_seen_ip} (the URL's host, or the snapshot's
 *                           {@code data.ip}), may be null
 */
public record HealthObservation(
        String source,
        boolean reachable,
        Integer servicesUp,
        Integer totalServices,
        BigDecimal overallUptime,
        Boolean eligibleForPayment,
        Long latencyMs,
        String error,
        String summary,
        String contactIp) {

    /**
     * The backend's miss: every monitored service down ({@code total_services > 0 && services_up == 0}), or (our
     * addition, docs/orchestrators.md) the payload could not be read at all.
     */
    public boolean miss() {
        if (!reachable) {
            return true;
        }
        return totalServices != null && totalServices > 0 && servicesUp != null && servicesUp == 0;
    }

    /** The backend's healthy cycle: at least one service up. */
    public boolean healthy() {
        return reachable && servicesUp != null && servicesUp > 0;
    }

    /** An unreachable observation. */
    public static HealthObservation unreachable(String source, Long latencyMs, String error, String contactIp) {
        return new HealthObservation(source, false, null, null, null, null, latencyMs, error, null, contactIp);
    }
}

package io.livepeer.clearinghouse.ledger.earnings;

import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Which orchestrator a session event belongs to, in livepeer-ops' order ({@code payments/api.py} session events):
 *
 * <ol>
 *   <li>the client session's orchestrator (this product has no client-session plane; that step is absent);
 *   <li>the payload's {@code orchestrator_id} when it is registered;
 *   <li>the registered orchestrator whose {@code host_public_ip}, {@code last_seen_ip} or
 *       {@code last_session_upstream_addr} equals {@code upstream_addr}, or whose {@code health_url} host does, or
 *       whose forwarder snapshot's {@code data.ip} does (first in registry order);
 *   <li>the most recent prior session from the same {@code upstream_addr}.
 * </ol>
 */
public final class Attribution {

    private static final Pattern IPV4 =
            Pattern.compile("^(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}$");
    private static final Pattern IPV6 = Pattern.compile("^[0-9A-Fa-f:.]+$");

    private Attribution() {}

    /**
     * The addresses of a registered orchestrator that attribution and host selection look at; null when unknown.
     *
     * @param hostName       the registry's {@code host_name}: when set, the host of its {@code /power} API
     * @param healthUrl      the registry {@code health_url}
     * @param forwarderIp    the fresh or stale forwarder snapshot's {@code data.ip}
     */
    public record Addresses(
            String orchestratorId,
            String hostName,
            String hostPublicIp,
            String lastSeenIp,
            String lastSessionUpstreamAddr,
            String healthUrl,
            String forwarderIp) {

        /** The host of {@code health_url}, or null. */
        public String healthUrlHost() {
            return hostOf(healthUrl);
        }
    }

    /** The result: who, and which rule matched ({@code payload}, {@code registry_address}, {@code prior_session}). */
    public record Attributed(String orchestratorId, String rule) {}

    /**
     * @param payloadOrchestratorId  the event's {@code orchestrator_id}, or null
     * @param upstreamAddr           the event's {@code upstream_addr}, or null
     * @param registry               the registered orchestrators
     * @param priorSessionOrchestrator the orchestrator of the most recent prior attributed session from
     *                                 {@code upstream_addr}, or null
     */
    public static Optional<Attributed> resolve(
            String payloadOrchestratorId,
            String upstreamAddr,
            List<Addresses> registry,
            String priorSessionOrchestrator) {
        if (payloadOrchestratorId != null) {
            for (Addresses a : registry) {
                if (a.orchestratorId().equals(payloadOrchestratorId)) {
                    return Optional.of(new Attributed(a.orchestratorId(), "payload"));
                }
            }
        }
        if (upstreamAddr != null && !upstreamAddr.isBlank()) {
            for (Addresses a : registry) {
                if (upstreamAddr.equals(a.hostPublicIp())
                        || upstreamAddr.equals(a.lastSeenIp())
                        || upstreamAddr.equals(a.lastSessionUpstreamAddr())
                        || upstreamAddr.equals(a.healthUrlHost())
                        || upstreamAddr.equals(a.forwarderIp())) {
                    return Optional.of(new Attributed(a.orchestratorId(), "registry_address"));
                }
            }
            if (priorSessionOrchestrator != null) {
                return Optional.of(new Attributed(priorSessionOrchestrator, "prior_session"));
            }
        }
        return Optional.empty();
    }

    /**
     * The host whose {@code /power} gates session credit ({@code _orchestrator_upstream_addr}): the first IP literal
     * among {@code host_public_ip}, {@code last_seen_ip}, {@code last_session_upstream_addr}, else the
     * {@code health_url} host, else the event's {@code upstream_addr}. An explicit {@code host_name} in the registry
     * comes first (here only: the backend has no such field in this rule).
     */
    public static String powerHost(Addresses a, String eventUpstreamAddr) {
        if (a.hostName() != null && !a.hostName().isBlank()) {
            return a.hostName();
        }
        for (String candidate : new String[] {a.hostPublicIp(), a.lastSeenIp(), a.lastSessionUpstreamAddr()}) {
            if (isIpLiteral(candidate)) {
                return candidate;
            }
        }
        String h = a.healthUrlHost();
        return h != null ? h : eventUpstreamAddr;
    }

    /**
     * The host autosleep talks to: the registry's {@code host_name} when set (here only), else as the backend: the
     * {@code health_url} host, else {@code host_public_ip}, else {@code last_seen_ip}.
     */
    public static String autosleepHost(Addresses a) {
        if (a.hostName() != null && !a.hostName().isBlank()) {
            return a.hostName();
        }
        String h = a.healthUrlHost();
        if (h != null) {
            return h;
        }
        if (a.hostPublicIp() != null && !a.hostPublicIp().isBlank()) {
            return a.hostPublicIp();
        }
        return a.lastSeenIp() != null && !a.lastSeenIp().isBlank() ? a.lastSeenIp() : null;
    }

    /** Whether the text is an IPv4 or IPv6 literal (no host names, no brackets, no ports). */
    public static boolean isIpLiteral(String s) {
        if (s == null || s.isBlank()) {
            return false;
        }
        if (IPV4.matcher(s).matches()) {
            return true;
        }
        if (!s.contains(":") || !IPV6.matcher(s).matches()) {
            return false;
        }
        try {
            // only hex digits, colons and dots reach here: parsed as a literal, never looked up
            return java.net.InetAddress.getByName(s) instanceof java.net.Inet6Address;
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    private static String hostOf(String url) {
        if (url == null || url.isBlank()) {
            return null;
        }
        try {
            String host = URI.create(url.trim()).getHost();
            if (host != null && host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            return Objects.requireNonNullElse(host, null);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}

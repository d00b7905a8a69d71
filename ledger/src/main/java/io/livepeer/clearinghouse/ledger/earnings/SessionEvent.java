package io.livepeer.clearinghouse.ledger.earnings;

import io.livepeer.clearinghouse.ledger.credit.LedgerException;
import java.util.Locale;

/**
 * A {@code POST /api/sessions/events} body (livepeer-ops {@code SessionEventPayload}, {@code payments/api.py}).
 *
 * @param sessionId      1..128 characters
 * @param orchestratorId optional; used for attribution when registered
 * @param upstreamAddr   optional IP literal (no host names)
 * @param upstreamPort   1..65535, default 8080
 * @param edgeId         optional, at most 64 characters
 * @param streamerId     optional, at most 128 characters
 * @param event          {@code start|heartbeat|end}, default {@code heartbeat}
 */
public record SessionEvent(
        String sessionId,
        String orchestratorId,
        String upstreamAddr,
        Integer upstreamPort,
        String edgeId,
        String streamerId,
        String event) {

    /** Default {@code upstream_port}. */
    public static final int DEFAULT_PORT = 8080;

    /**
     * @return the event with defaults applied and blanks as null
     * @throws LedgerException.Invalid naming the first field at fault
     */
    public SessionEvent validated() {
        String sid = blankToNull(sessionId);
        if (sid == null) {
            throw new LedgerException.Invalid("session_id", "session_id is required");
        }
        if (sid.length() > 128) {
            throw new LedgerException.Invalid("session_id", "session_id is longer than 128 characters");
        }
        String orch = blankToNull(orchestratorId);
        if (orch != null && orch.length() > 128) {
            throw new LedgerException.Invalid("orchestrator_id", "orchestrator_id is longer than 128 characters");
        }
        String addr = blankToNull(upstreamAddr);
        if (addr != null && !Attribution.isIpLiteral(addr)) {
            throw new LedgerException.Invalid(
                    "upstream_addr",
                    "upstream_addr must be an IP address (IPv4 or IPv6 literal), got '" + clip(addr) + "'");
        }
        int port = upstreamPort == null ? DEFAULT_PORT : upstreamPort;
        if (port < 1 || port > 65535) {
            throw new LedgerException.Invalid("upstream_port", "upstream_port must be between 1 and 65535");
        }
        String edge = blankToNull(edgeId);
        if (edge != null && edge.length() > 64) {
            throw new LedgerException.Invalid("edge_id", "edge_id is longer than 64 characters");
        }
        String streamer = blankToNull(streamerId);
        if (streamer != null && streamer.length() > 128) {
            throw new LedgerException.Invalid("streamer_id", "streamer_id is longer than 128 characters");
        }
        String ev = blankToNull(event) == null ? "heartbeat" : event.trim().toLowerCase(Locale.ROOT);
        if (!ev.equals("start") && !ev.equals("heartbeat") && !ev.equals("end")) {
            throw new LedgerException.Invalid("event", "event must be one of start, heartbeat, end");
        }
        return new SessionEvent(sid, orch, addr, port, edge, streamer, ev);
    }

    private static String clip(String s) {
        return s.length() > 64 ? s.substring(0, 64) + "…" : s;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}

package io.livepeer.clearinghouse.ledger.earnings;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A session segment's {@code proof_hash}, computed as livepeer-ops {@code payments/sessions.py}
 * {@code _session_proof_hash} does: {@code "sha256:" + hex(sha256(json.dumps(payload, sort_keys=True,
 * separators=(",", ":"))))} over {@code {session_id, orchestrator_id, edge_id, segment_index, segment_start,
 * segment_end, duration_ms}} plus {@code streamer_id} when set; times as {@link #isoformat(Instant)}.
 */
public final class ProofHash {

    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss");

    private ProofHash() {}

    /**
     * @param orchestratorId null when the session is not attributed (JSON null, as the backend writes None)
     * @param edgeId         null when unset
     * @param streamerId     included only when not null
     * @return {@code sha256:<64 hex>}
     */
    public static String of(
            String sessionId,
            String orchestratorId,
            String edgeId,
            String streamerId,
            int segmentIndex,
            Instant segmentStart,
            Instant segmentEnd,
            long durationMs) {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("session_id", sessionId);
        payload.put("orchestrator_id", orchestratorId);
        payload.put("edge_id", edgeId);
        payload.put("segment_index", segmentIndex);
        payload.put("segment_start", isoformat(segmentStart));
        payload.put("segment_end", isoformat(segmentEnd));
        payload.put("duration_ms", durationMs);
        if (streamerId != null) {
            payload.put("streamer_id", streamerId);
        }
        return "sha256:" + sha256Hex(PyJson.object(payload));
    }

    /**
     * Python's {@code dt.astimezone(utc).isoformat().replace("+00:00", "Z")}: seconds, then {@code .ffffff} only
     * when the microseconds are non-zero (finer digits are dropped, as a Python datetime has none).
     */
    public static String isoformat(Instant t) {
        Instant micros = t.truncatedTo(ChronoUnit.MICROS);
        String base = SECONDS.format(micros.atOffset(ZoneOffset.UTC));
        int us = micros.getNano() / 1000;
        return us == 0 ? base + "Z" : base + String.format(".%06d", us) + "Z";
    }

    static String sha256Hex(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

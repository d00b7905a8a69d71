package io.livepeer.clearinghouse.ledger.earnings;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.Rows;
import java.math.BigInteger;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * Session billing (livepeer-ops {@code SessionStore.apply_event}, {@code payments/sessions.py}) over the database:
 * each event updates the session row under a row lock, closes the segments {@link Segments} says, and credits each
 * credited segment with an idempotent transfer {@code session_time:<session_id>:<generation>:<segment_index>} in the
 * same transaction. Repeated or reordered events never credit twice: a segment is closed once (the cursor moves
 * past it in the same commit) and its transfer id is unique.
 *
 * <p>Rules kept from the backend: a {@code start} after an {@code end} opens a fresh session (here: the next
 * generation, so its transfer ids differ); a duplicate {@code end} credits nothing; {@code segment_index} advances
 * even when nothing is credited (rate 0, not awake, not eligible); {@code metered_ms} always grows,
 * {@code billed_ms}/{@code billed_wei} only with credit. One deliberate difference: a {@code heartbeat} for an ended
 * session does not reopen it (the backend would), so a heartbeat delivered after its {@code end} is stored as seen
 * and bills nothing. Rounding: whole wei per segment with the fraction carried ({@link WeiAccrual}).
 */
public final class SessionBilling {

    private final Database database;
    private final Clock clock;
    private final EarningsCredit credit;
    private final LeaseBounds leases;

    /**
     * @param leases how long the {@code session:<id>} activity lease each event renews lasts (the default length)
     */
    public SessionBilling(Database database, Clock clock, EarningsCredit credit, LeaseBounds leases) {
        this.database = database;
        this.clock = clock;
        this.credit = credit;
        this.leases = leases;
    }

    /**
     * Who gets credit for an event, decided before the transaction (attribution, eligibility, {@code /power}).
     *
     * @param orchestratorId the attributed orchestrator, or null
     * @param attribution    the attribution rule that matched, or null
     * @param weiPerMinute   the rate to credit at, or null when this event credits nothing
     * @param notCredited    why nothing is credited ({@code rate_zero}, {@code unattributed}, {@code not_eligible},
     *                       {@code not_awake}), or null when credited
     */
    public record Decision(String orchestratorId, String attribution, BigInteger weiPerMinute, String notCredited) {}

    /** A closed segment as stored. */
    public record SegmentRow(
            int generation,
            int segmentIndex,
            String orchestratorId,
            Instant startAt,
            Instant endAt,
            long durationMs,
            BigInteger creditedWei,
            String proofHash,
            String trigger,
            String notCredited,
            String transferId) {}

    /** A session row, with the backend's field names in the API. */
    public record Session(
            String sessionId,
            int generation,
            String orchestratorId,
            String attribution,
            String upstreamAddr,
            int upstreamPort,
            String edgeId,
            String streamerId,
            Instant startedAt,
            Instant lastSeenAt,
            Instant endedAt,
            Instant updatedAt,
            String lastEvent,
            Instant lastBilledAt,
            long billedMs,
            BigInteger billedWei,
            BigInteger lastCreditedWei,
            long meteredMs,
            int segmentIndex,
            int heartbeatCount,
            String lastCreditProof) {

        /** Not ended and seen within {@code idle} of {@code now} (the backend's active session). */
        public boolean activeAt(Instant now, Duration idle) {
            return endedAt == null && !lastSeenAt.isBefore(now.minus(idle));
        }
    }

    /**
     * The outcome of one event.
     *
     * @param session   the session after the event
     * @param segments  the segments this event closed
     * @param duplicate whether the event changed no billing state (a repeated {@code end}, a heartbeat after end)
     */
    public record Applied(Session session, List<SegmentRow> segments, boolean duplicate) {}

    /**
     * Applies one validated event at the clock's now.
     *
     * @param e         a {@link SessionEvent#validated()} event
     * @param decision  who is credited, at what rate
     * @param segmentMs the segment length in ms ({@code PAYMENTS_SESSION_SEGMENT_SECONDS} × 1000)
     */
    public Applied apply(SessionEvent e, Decision decision, long segmentMs) throws SQLException {
        Instant now = clock.instant();
        return database.inTransaction(h -> {
            h.createUpdate("INSERT INTO orchestrator_sessions (session_id, generation, upstream_port, started_at,"
                            + " last_seen_at, updated_at, last_event, last_billed_at) VALUES (:id, 1, :port, :now, :now,"
                            + " :now, :event, :now) ON CONFLICT DO NOTHING")
                    .bind("id", e.sessionId())
                    .bind("port", e.upstreamPort())
                    .bind("now", now)
                    .bind("event", e.event())
                    .execute();
            Session s = h.createQuery("SELECT * FROM orchestrator_sessions WHERE session_id = :id "
                            + database.dialect().rowLockForUpdate())
                    .bind("id", e.sessionId())
                    .map((rs, ctx) -> session(rs))
                    .one();
            boolean ended = s.endedAt() != null;
            String leaseId = "session:" + e.sessionId();
            if (ended && !e.event().equals("start")) {
                // a repeated end, or a heartbeat delivered after the end: seen, billed nothing
                h.createUpdate("UPDATE orchestrator_sessions SET last_seen_at = :now, updated_at = :now,"
                                + " last_credited_wei = 0 WHERE session_id = :id")
                        .bind("now", now)
                        .bind("id", e.sessionId())
                        .execute();
                return new Applied(find(h, e.sessionId()).orElseThrow(), List.of(), true);
            }
            int generation = s.generation();
            Instant startedAt = s.startedAt();
            Instant cursor = s.lastBilledAt();
            long billedMs = s.billedMs();
            BigInteger billedWei = s.billedWei();
            long meteredMs = s.meteredMs();
            int index = s.segmentIndex();
            int heartbeats = s.heartbeatCount();
            BigInteger numerator = accrued(h, e.sessionId());
            String lastProof = s.lastCreditProof();
            if (ended) { // start after end: a fresh session under the same id
                generation++;
                startedAt = now;
                cursor = now;
                billedMs = 0;
                billedWei = BigInteger.ZERO;
                meteredMs = 0;
                index = 0;
                heartbeats = 0;
                numerator = BigInteger.ZERO;
                lastProof = null;
            }
            String orch =
                    decision.orchestratorId() != null ? decision.orchestratorId() : (ended ? null : s.orchestratorId());
            String edge = e.edgeId() != null ? e.edgeId() : (ended ? null : s.edgeId());
            String streamer = e.streamerId() != null ? e.streamerId() : (ended ? null : s.streamerId());
            String attribution =
                    decision.orchestratorId() != null ? decision.attribution() : (ended ? null : s.attribution());
            boolean end = e.event().equals("end");
            Segments.Closed closed = Segments.close(cursor, now, segmentMs, end);
            BigInteger creditedNow = BigInteger.ZERO;
            List<SegmentRow> rows = new ArrayList<>();
            for (Segments.Segment seg : closed.segments()) {
                String proof = ProofHash.of(
                        e.sessionId(), orch, edge, streamer, index, seg.start(), seg.end(), seg.durationMs());
                lastProof = proof;
                meteredMs += seg.durationMs();
                BigInteger wei = BigInteger.ZERO;
                String transferId = null;
                String notCredited = decision.notCredited();
                BigInteger rate = decision.weiPerMinute();
                if (orch != null && rate != null && rate.signum() > 0) {
                    WeiAccrual.Step step = WeiAccrual.accrue(numerator, seg.durationMs(), rate);
                    numerator = step.numerator();
                    wei = step.creditWei();
                    billedMs += seg.durationMs();
                    if (wei.signum() > 0) {
                        transferId = "session_time:" + e.sessionId() + ":" + generation + ":" + index;
                        credit.credit(
                                orch, wei, transferId, "session_time", metadata(e, seg, index, proof, edge, streamer));
                        billedWei = billedWei.add(wei);
                        creditedNow = creditedNow.add(wei);
                    }
                    notCredited = null;
                } else if (notCredited == null) {
                    notCredited = orch == null ? "unattributed" : "rate_zero";
                }
                SegmentRow row = new SegmentRow(
                        generation,
                        index,
                        orch,
                        seg.start(),
                        seg.end(),
                        seg.durationMs(),
                        wei,
                        proof,
                        seg.trigger(),
                        notCredited,
                        transferId);
                insertSegment(h, e.sessionId(), row);
                rows.add(row);
                index++;
            }
            if (e.event().equals("heartbeat")) {
                heartbeats++;
            }
            h.createUpdate("UPDATE orchestrator_sessions SET generation = :gen, orchestrator_id = :orch, attribution ="
                            + " :attr, upstream_addr = COALESCE(:addr, upstream_addr), upstream_port = :port, edge_id ="
                            + " :edge, streamer_id = :streamer, started_at = :started, last_seen_at = :now, ended_at ="
                            + " :ended, updated_at = :now, last_event = :event, last_billed_at = :cursor, billed_ms ="
                            + " :billed_ms, billed_wei = :billed_wei, last_credited_wei = :last_wei, metered_ms ="
                            + " :metered, segment_index = :idx, heartbeat_count = :hb, accrued_numerator = :num,"
                            + " last_credit_proof = :proof WHERE session_id = :id")
                    .bind("gen", generation)
                    .bind("orch", orch)
                    .bind("attr", attribution)
                    .bind("addr", e.upstreamAddr())
                    .bind("port", e.upstreamPort())
                    .bind("edge", edge)
                    .bind("streamer", streamer)
                    .bind("started", startedAt)
                    .bind("now", now)
                    .bind("ended", end ? now : null)
                    .bind("event", e.event())
                    .bind("cursor", closed.cursor())
                    .bind("billed_ms", billedMs)
                    .bind("billed_wei", billedWei)
                    .bind("last_wei", creditedNow)
                    .bind("metered", meteredMs)
                    .bind("idx", index)
                    .bind("hb", heartbeats)
                    .bind("num", numerator)
                    .bind("proof", lastProof)
                    .bind("id", e.sessionId())
                    .execute();
            if (orch != null) {
                if (end) {
                    ActivityLeases.revoke(h, leaseId, now);
                } else {
                    ActivityLeases.upsert(
                            h,
                            leaseId,
                            orch,
                            e.upstreamAddr(),
                            "session",
                            null,
                            null,
                            now,
                            now.plusSeconds(leases.seconds(null)));
                }
                h.createUpdate("UPDATE orchestrators SET last_session_upstream_addr = COALESCE(:addr,"
                                + " last_session_upstream_addr), last_session_seen_at = :now, last_session_edge_id ="
                                + " COALESCE(:edge, last_session_edge_id) WHERE orchestrator_id = :orch")
                        .bind("addr", e.upstreamAddr())
                        .bind("now", now)
                        .bind("edge", e.edgeId())
                        .bind("orch", orch)
                        .execute();
            }
            return new Applied(find(h, e.sessionId()).orElseThrow(), List.copyOf(rows), false);
        });
    }

    /** The backend's ledger metadata of a session credit ({@code payments/sessions.py}). */
    private static Map<String, Object> metadata(
            SessionEvent e, Segments.Segment seg, int index, String proof, String edge, String streamer) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("session_id", e.sessionId());
        m.put("event", e.event());
        m.put("trigger", seg.trigger());
        m.put("segment_index", String.valueOf(index));
        m.put("segment_start", ProofHash.isoformat(seg.start()));
        m.put("segment_end", ProofHash.isoformat(seg.end()));
        m.put("duration_ms", String.valueOf(seg.durationMs()));
        m.put("proof_hash", proof);
        m.put("upstream_addr", e.upstreamAddr());
        m.put("upstream_port", e.upstreamPort());
        m.put("edge_id", edge);
        m.put("credit_unit", "wei");
        if (streamer != null) {
            m.put("streamer_id", streamer);
        }
        return m;
    }

    /** One session. */
    public Optional<Session> find(String sessionId) throws SQLException {
        return database.withHandle(h -> find(h, sessionId));
    }

    /** A session's segments of its current generation, in order. */
    public List<SegmentRow> segments(String sessionId) throws SQLException {
        return database.withHandle(h -> h.createQuery("SELECT s.* FROM orchestrator_session_segments s JOIN"
                        + " orchestrator_sessions o ON o.session_id = s.session_id AND o.generation = s.generation"
                        + " WHERE s.session_id = :id ORDER BY s.segment_index")
                .bind("id", sessionId)
                .map((rs, ctx) -> segment(rs))
                .list());
    }

    /**
     * Sessions, most recently seen first.
     *
     * @param orchestratorId only this orchestrator's, or null
     * @param activeOnly     only sessions not ended and seen within {@code idle}
     */
    public List<Session> list(String orchestratorId, boolean activeOnly, Duration idle, int offset, int limit)
            throws SQLException {
        Instant since = clock.instant().minus(idle);
        return database.withHandle(h -> h.createQuery("SELECT * FROM orchestrator_sessions WHERE"
                        + " (CAST(:orch AS VARCHAR(128)) IS NULL OR orchestrator_id = :orch)"
                        + " AND (:active = FALSE OR (ended_at IS NULL AND last_seen_at >= :since))"
                        + " ORDER BY last_seen_at DESC, session_id LIMIT :limit OFFSET :offset")
                .bind("orch", orchestratorId)
                .bind("active", activeOnly)
                .bind("since", since)
                .bind("limit", limit)
                .bind("offset", offset)
                .map((rs, ctx) -> session(rs))
                .list());
    }

    /** The orchestrator of the most recent attributed session from {@code upstreamAddr}, or null. */
    public String priorOrchestrator(String upstreamAddr) throws SQLException {
        if (upstreamAddr == null) {
            return null;
        }
        return database.withHandle(h -> h.createQuery("SELECT orchestrator_id FROM orchestrator_sessions WHERE"
                        + " upstream_addr = :addr AND orchestrator_id IS NOT NULL ORDER BY last_seen_at DESC LIMIT 1")
                .bind("addr", upstreamAddr)
                .mapTo(String.class)
                .findOne()
                .orElse(null));
    }

    private static BigInteger accrued(Handle h, String sessionId) {
        return h.createQuery("SELECT accrued_numerator FROM orchestrator_sessions WHERE session_id = :id")
                .bind("id", sessionId)
                .map((rs, ctx) -> Rows.integer(rs, "accrued_numerator"))
                .one();
    }

    private static void insertSegment(Handle h, String sessionId, SegmentRow r) {
        h.createUpdate("INSERT INTO orchestrator_session_segments (session_id, generation, segment_index,"
                        + " orchestrator_id, start_at, end_at, duration_ms, credited_wei, proof_hash, trig, not_credited,"
                        + " transfer_id) VALUES (:sid, :gen, :idx, :orch, :start, :end, :dur, :wei, :proof, :trig, :nc,"
                        + " :tid)")
                .bind("sid", sessionId)
                .bind("gen", r.generation())
                .bind("idx", r.segmentIndex())
                .bind("orch", r.orchestratorId())
                .bind("start", r.startAt())
                .bind("end", r.endAt())
                .bind("dur", r.durationMs())
                .bind("wei", r.creditedWei())
                .bind("proof", r.proofHash())
                .bind("trig", r.trigger())
                .bind("nc", r.notCredited())
                .bind("tid", r.transferId())
                .execute();
    }

    private static Optional<Session> find(Handle h, String sessionId) {
        return h.createQuery("SELECT * FROM orchestrator_sessions WHERE session_id = :id")
                .bind("id", sessionId)
                .map((rs, ctx) -> session(rs))
                .findOne();
    }

    private static Session session(ResultSet rs) throws SQLException {
        return new Session(
                rs.getString("session_id"),
                rs.getInt("generation"),
                rs.getString("orchestrator_id"),
                rs.getString("attribution"),
                rs.getString("upstream_addr"),
                rs.getInt("upstream_port"),
                rs.getString("edge_id"),
                rs.getString("streamer_id"),
                Rows.instant(rs, "started_at"),
                Rows.instant(rs, "last_seen_at"),
                Rows.instant(rs, "ended_at"),
                Rows.instant(rs, "updated_at"),
                rs.getString("last_event"),
                Rows.instant(rs, "last_billed_at"),
                rs.getLong("billed_ms"),
                Rows.integer(rs, "billed_wei"),
                Rows.integer(rs, "last_credited_wei"),
                rs.getLong("metered_ms"),
                rs.getInt("segment_index"),
                rs.getInt("heartbeat_count"),
                rs.getString("last_credit_proof"));
    }

    private static SegmentRow segment(ResultSet rs) throws SQLException {
        return new SegmentRow(
                rs.getInt("generation"),
                rs.getInt("segment_index"),
                rs.getString("orchestrator_id"),
                Rows.instant(rs, "start_at"),
                Rows.instant(rs, "end_at"),
                rs.getLong("duration_ms"),
                Rows.integer(rs, "credited_wei"),
                rs.getString("proof_hash"),
                rs.getString("trig"),
                rs.getString("not_credited"),
                rs.getString("transfer_id"));
    }
}

-- Completeness (issue 10): one summary row per payment session, kept up to date by the metering transaction beside
-- its ticket_events rows, so the gap read (GET /api/usage/gaps, the 60 s gauges) visits only the sessions with an
-- open gap (index on missing) instead of every ticket_events row, and ticket_events of closed sessions can be pruned.
-- Portable SQL: PostgreSQL and H2.
--   min_seq / max_seq / events: lowest and highest sequence number seen, and how many were seen (one row per sequence:
--            ticket_events' unique key), so max_seq - min_seq + 1 - events numbers are missing between them.
--   fee_wei / network_usd_micros / num_tickets: sums over the session's seen events (the estimate of a gap's value).
--   first_seen / last_seen: earliest and latest seen_at of its events.
--   missing: the sequence numbers a gap read reports: those between min_seq and max_seq not seen, plus the leading
--            ones below min_seq unless the session was first seen within an hour of the start of tracking
--            (ticket_tracking: it began before). 0 = closed session: no gap to report.
--   pruned_through: NULL, or the highest sequence number whose ticket_events row retention removed (the session was
--            closed then: every number up to it was seen); the gap read starts after it.
-- Updated in place per batch (an UPDATE, else an INSERT … ON CONFLICT DO NOTHING, else the UPDATE again), rows in key
-- order so that two instances meeting on one session wait for each other instead of deadlocking.
CREATE TABLE ticket_sessions (
    signer             VARCHAR(255)             NOT NULL,
    subject            VARCHAR(512)             NOT NULL,
    session_id         VARCHAR(255)             NOT NULL,
    min_seq            BIGINT                   NOT NULL,
    max_seq            BIGINT                   NOT NULL,
    events             BIGINT                   NOT NULL,
    fee_wei            NUMERIC(78, 0)           NOT NULL,
    network_usd_micros NUMERIC(38, 12)          NOT NULL,
    num_tickets        BIGINT                   NOT NULL,
    first_seen         TIMESTAMP WITH TIME ZONE NOT NULL,
    last_seen          TIMESTAMP WITH TIME ZONE NOT NULL,
    missing            BIGINT                   NOT NULL,
    pruned_through     BIGINT,
    CONSTRAINT ticket_sessions_pk PRIMARY KEY (signer, subject, session_id),
    CONSTRAINT ticket_sessions_missing_ck CHECK (missing >= 0)
);
CREATE INDEX ticket_sessions_missing_idx ON ticket_sessions (missing);
-- retention walks closed sessions by age
CREATE INDEX ticket_sessions_last_seen_idx ON ticket_sessions (last_seen);
-- retention of events without a session (checked for id forks only) by age
CREATE INDEX ticket_events_seen_at_idx ON ticket_events (seen_at);

-- the sessions tracked so far
INSERT INTO ticket_sessions (signer, subject, session_id, min_seq, max_seq, events, fee_wei, network_usd_micros,
                             num_tickets, first_seen, last_seen, missing)
SELECT signer, subject, session_id, MIN(sequence_number), MAX(sequence_number), COUNT(*), SUM(fee_wei),
       SUM(network_usd_micros), SUM(num_tickets), MIN(seen_at), MAX(seen_at), 0
FROM ticket_events
WHERE session_id IS NOT NULL AND sequence_number IS NOT NULL
GROUP BY signer, subject, session_id;
UPDATE ticket_sessions SET missing = max_seq - min_seq + 1 - events
    + CASE WHEN min_seq > 0 AND first_seen >= (SELECT started_at + INTERVAL '1' HOUR FROM ticket_tracking WHERE id = 1)
           THEN min_seq ELSE 0 END;

-- Orchestrator crediting and autosleep (issue 11): session billing, time workloads, the power meter, activity leases
-- and autosleep decisions, replacing the livepeer-ops backend's sessions.json, workloads.json, power_meter.json and
-- activity_leases.json (reference/ops-backend-and-payouts.md §1.5-1.7). Portable SQL: PostgreSQL and H2.
-- orchestrator_id columns name orchestrators.orchestrator_id (V11) by convention; credits themselves are ledger
-- transfers to orchestrator:<id> (wei) with idempotent transfer ids, never balances written here.
--
-- Exact crediting: a rate is whole wei per minute, so accrued_numerator = sum(duration_ms * rate_wei_per_minute) is a
-- whole number and the wei owed so far are floor(accrued_numerator / 60000). Each segment credits the growth of that
-- floor, so the fraction of a wei is carried within a session (or a power meter) and the sum of its credits is exact
-- to under 1 wei.

-- One row per session_id; generation counts the fresh sessions a 'start' after an 'end' opens under the same id.
CREATE TABLE orchestrator_sessions (
    session_id        VARCHAR(128)             NOT NULL PRIMARY KEY,
    generation        INTEGER                  NOT NULL,
    orchestrator_id   VARCHAR(128),
    attribution       VARCHAR(32),
    upstream_addr     VARCHAR(64),
    upstream_port     INTEGER                  NOT NULL,
    edge_id           VARCHAR(64),
    streamer_id       VARCHAR(128),
    started_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    last_seen_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    ended_at          TIMESTAMP WITH TIME ZONE,
    updated_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    last_event        VARCHAR(16)              NOT NULL,
    last_billed_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    billed_ms         BIGINT                   NOT NULL DEFAULT 0,
    billed_wei        NUMERIC(78, 0)           NOT NULL DEFAULT 0,
    last_credited_wei NUMERIC(78, 0)           NOT NULL DEFAULT 0,
    metered_ms        BIGINT                   NOT NULL DEFAULT 0,
    segment_index     INTEGER                  NOT NULL DEFAULT 0,
    heartbeat_count   INTEGER                  NOT NULL DEFAULT 0,
    accrued_numerator NUMERIC(90, 0)           NOT NULL DEFAULT 0,
    last_credit_proof VARCHAR(80),
    CONSTRAINT orchestrator_sessions_event_ck CHECK (last_event IN ('start', 'heartbeat', 'end'))
);
CREATE INDEX orchestrator_sessions_orch_ix ON orchestrator_sessions (orchestrator_id, last_seen_at);
CREATE INDEX orchestrator_sessions_upstream_ix ON orchestrator_sessions (upstream_addr, last_seen_at);

-- Every closed segment, credited or not (not_credited says why); transfer_id is set when wei moved.
CREATE TABLE orchestrator_session_segments (
    session_id          VARCHAR(128)             NOT NULL,
    generation          INTEGER                  NOT NULL,
    segment_index       INTEGER                  NOT NULL,
    orchestrator_id     VARCHAR(128),
    start_at            TIMESTAMP WITH TIME ZONE NOT NULL,
    end_at              TIMESTAMP WITH TIME ZONE NOT NULL,
    duration_ms         BIGINT                   NOT NULL,
    credited_wei        NUMERIC(78, 0)           NOT NULL,
    proof_hash          VARCHAR(80)              NOT NULL,
    trig                VARCHAR(16)              NOT NULL,
    not_credited        VARCHAR(64),
    transfer_id         VARCHAR(255),
    CONSTRAINT orchestrator_session_segments_pk PRIMARY KEY (session_id, generation, segment_index),
    CONSTRAINT orchestrator_session_segments_trig_ck CHECK (trig IN ('segment', 'end'))
);

-- POST /api/workloads/time; content_hash (SHA-256 of the canonical request) tells a repeat from a conflicting reuse.
CREATE TABLE orchestrator_workloads (
    workload_id           VARCHAR(255)             NOT NULL PRIMARY KEY,
    orchestrator_id       VARCHAR(128)             NOT NULL,
    kind                  VARCHAR(32)              NOT NULL,
    duration_ms           BIGINT                   NOT NULL,
    plan_id               VARCHAR(255),
    run_id                VARCHAR(255),
    artifact_hash         VARCHAR(255),
    artifact_uri          VARCHAR(2048),
    notes                 VARCHAR(2000),
    status                VARCHAR(16)              NOT NULL,
    credit_eth_per_minute VARCHAR(64)              NOT NULL,
    amount_wei            NUMERIC(78, 0)           NOT NULL,
    credited              BOOLEAN                  NOT NULL DEFAULT FALSE,
    credited_at           TIMESTAMP WITH TIME ZONE,
    transfer_id           VARCHAR(255),
    content_hash          CHAR(64)                 NOT NULL,
    created_at            TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT orchestrator_workloads_status_ck CHECK (status IN ('pending', 'verified', 'paid', 'rejected'))
);
CREATE INDEX orchestrator_workloads_orch_ix ON orchestrator_workloads (orchestrator_id, created_at);

-- Activity leases (kind 'session' for session:<session_id>, 'workload' by default).
CREATE TABLE orchestrator_activity_leases (
    lease_id        VARCHAR(160)             NOT NULL PRIMARY KEY,
    orchestrator_id VARCHAR(128)             NOT NULL,
    upstream_addr   VARCHAR(64),
    kind            VARCHAR(32)              NOT NULL,
    metadata        VARCHAR(4000),
    issued_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    last_seen_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    last_seen_ip    VARCHAR(64),
    expires_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    revoked_at      TIMESTAMP WITH TIME ZONE
);
CREATE INDEX orchestrator_activity_leases_orch_ix ON orchestrator_activity_leases (orchestrator_id, expires_at);

-- Power meter state per orchestrator: the last /power poll, and the carried fraction of power_time credit.
CREATE TABLE orchestrator_power_meter (
    orchestrator_id     VARCHAR(128)             NOT NULL PRIMARY KEY,
    last_state          VARCHAR(32),
    last_polled_at      TIMESTAMP WITH TIME ZONE,
    last_gap_skipped_at TIMESTAMP WITH TIME ZONE,
    segment_index       BIGINT                   NOT NULL DEFAULT 0,
    accrued_numerator   NUMERIC(90, 0)           NOT NULL DEFAULT 0,
    credited_wei        NUMERIC(78, 0)           NOT NULL DEFAULT 0
);

-- Every autosleep decision: slept, dry_run, skipped (reason says why) or failed.
CREATE TABLE orchestrator_autosleep_decisions (
    id              BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    orchestrator_id VARCHAR(128)             NOT NULL,
    decided_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    decision        VARCHAR(16)              NOT NULL,
    reason          VARCHAR(64)              NOT NULL,
    host            VARCHAR(255),
    power_state     VARCHAR(32),
    detail          VARCHAR(1000),
    CONSTRAINT orchestrator_autosleep_decisions_ck CHECK (decision IN ('slept', 'dry_run', 'skipped', 'failed'))
);
CREATE INDEX orchestrator_autosleep_decisions_orch_ix ON orchestrator_autosleep_decisions (orchestrator_id, id);

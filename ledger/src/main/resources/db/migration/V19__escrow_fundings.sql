-- Signer escrow monitor and TicketBroker funding (issue 12, docs/escrow.md).
--
-- escrow_fundings: one row per funding transaction (signer top-up from the treasury key, or deposit autofund of the
-- payout key), committed with the signed raw transaction BEFORE it is broadcast, so a crash re-broadcasts the same
-- bytes (same nonce, same hash) and never funds twice. Amounts in wei.
--   purpose: SIGNER_TOPUP (fundDepositAndReserveFor(beneficiary, deposit, reserve)) or PAYOUT_DEPOSIT (fundDeposit())
--   beneficiary: whose TicketBroker deposit it funds (lower-case 0x address)
--   funding_day: the UTC day it counts against the daily cap (every row not FAILED counts)
--   state: SIGNED (stored, maybe broadcast) -> BROADCAST -> CONFIRMED | FAILED
CREATE TABLE escrow_fundings (
    funding_id   VARCHAR(64)              PRIMARY KEY,
    purpose      VARCHAR(16)              NOT NULL,
    beneficiary  VARCHAR(42)              NOT NULL,
    deposit_wei  NUMERIC(78, 0)           NOT NULL,
    reserve_wei  NUMERIC(78, 0)           NOT NULL,
    value_wei    NUMERIC(78, 0)           NOT NULL,
    funding_day  DATE                     NOT NULL,
    chain_id     BIGINT                   NOT NULL,
    from_address VARCHAR(42)              NOT NULL,
    nonce        NUMERIC(78, 0)           NOT NULL,
    raw_tx       TEXT                     NOT NULL,
    tx_hash      VARCHAR(66)              NOT NULL,
    state        VARCHAR(16)              NOT NULL,
    block_number BIGINT,
    block_hash   VARCHAR(66),
    last_error   VARCHAR(2000),
    created_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    broadcast_at TIMESTAMP WITH TIME ZONE,
    confirmed_at TIMESTAMP WITH TIME ZONE,
    CONSTRAINT escrow_fundings_tx_uq UNIQUE (tx_hash),
    CONSTRAINT escrow_fundings_purpose_ck CHECK (purpose IN ('SIGNER_TOPUP', 'PAYOUT_DEPOSIT')),
    CONSTRAINT escrow_fundings_state_ck CHECK (state IN ('SIGNED', 'BROADCAST', 'CONFIRMED', 'FAILED')),
    CONSTRAINT escrow_fundings_amounts_ck CHECK (deposit_wei >= 0 AND reserve_wei >= 0
        AND value_wei = deposit_wei + reserve_wei AND value_wei > 0)
);
CREATE INDEX escrow_fundings_cap_ix ON escrow_fundings (beneficiary, purpose, funding_day);
CREATE INDEX escrow_fundings_state_ix ON escrow_fundings (state);

-- escrow_signers: the last poll of each monitored signer (one row per address, overwritten by every poll), so every
-- instance's API, health check and metrics show what the one instance running the clustered job saw.
--   burn_wei_per_hour: metered fee_wei over the burn window, per hour (rounded down)
--   runway_hours: (deposit + reserve) / burn, hours (rounded down to 2 decimals); NULL = infinite (no burn)
CREATE TABLE escrow_signers (
    signer            VARCHAR(42)              PRIMARY KEY,
    deposit_wei       NUMERIC(78, 0)           NOT NULL,
    reserve_wei       NUMERIC(78, 0)           NOT NULL,
    withdraw_round    NUMERIC(78, 0)           NOT NULL,
    burn_wei_per_hour NUMERIC(78, 0)           NOT NULL,
    runway_hours      NUMERIC(38, 2),
    last_decision     VARCHAR(2000),
    polled_at         TIMESTAMP WITH TIME ZONE NOT NULL
);

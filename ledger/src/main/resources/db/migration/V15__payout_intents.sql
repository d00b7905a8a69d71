-- Durable on-chain payouts (issue 12). An intent moves PLANNED -> SIGNED -> BROADCAST -> CONFIRMED | FAILED; the
-- signed raw transaction, its nonce, fees and hash are committed before anything is broadcast, so a crash at any
-- point re-broadcasts the same transaction (same nonce, same hash) and never pays twice. A stuck transaction is
-- replaced by another attempt with the same nonce; every attempt is kept, since any of them may be the one mined.
-- The ledger debit (a SETTLEMENT transfer whose id is the intent id) is posted in the transaction that confirms.
-- Portable SQL (PostgreSQL, H2). Wei amounts NUMERIC(78,0): room for any uint256.

CREATE TABLE payout_intents (
    intent_id          VARCHAR(64)              NOT NULL PRIMARY KEY,
    orchestrator_id    VARCHAR(255)             NOT NULL,
    -- the orchestrator id while the intent is open (not CONFIRMED/FAILED), else NULL: one open payout each
    open_orchestrator  VARCHAR(255),
    recipient          VARCHAR(42)              NOT NULL,
    amount_wei         NUMERIC(78, 0)           NOT NULL,
    strategy           VARCHAR(32)              NOT NULL,
    state              VARCHAR(16)              NOT NULL,
    plan_hash          VARCHAR(80),
    chain_id           BIGINT,
    from_address       VARCHAR(42),
    nonce              NUMERIC(78, 0),
    tx_hash            VARCHAR(66),
    block_number       BIGINT,
    block_hash         VARCHAR(66),
    replacements       INTEGER                  NOT NULL DEFAULT 0,
    failure_reason     VARCHAR(2000),
    created_at         TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at         TIMESTAMP WITH TIME ZONE NOT NULL,
    broadcast_at       TIMESTAMP WITH TIME ZONE,
    confirmed_at       TIMESTAMP WITH TIME ZONE,
    CONSTRAINT payout_intents_open_uq UNIQUE (open_orchestrator),
    CONSTRAINT payout_intents_state_ck CHECK (state IN ('PLANNED', 'SIGNED', 'BROADCAST', 'CONFIRMED', 'FAILED')),
    CONSTRAINT payout_intents_strategy_ck CHECK (strategy IN ('eth_transfer', 'livepeer_ticket')),
    CONSTRAINT payout_intents_amount_ck CHECK (amount_wei > 0),
    CONSTRAINT payout_intents_open_ck CHECK ((state IN ('CONFIRMED', 'FAILED') AND open_orchestrator IS NULL)
        OR (state NOT IN ('CONFIRMED', 'FAILED') AND open_orchestrator = orchestrator_id)),
    CONSTRAINT payout_intents_signed_ck CHECK (state IN ('PLANNED', 'FAILED')
        OR (nonce IS NOT NULL AND tx_hash IS NOT NULL AND from_address IS NOT NULL AND chain_id IS NOT NULL))
);
CREATE INDEX payout_intents_state_ix ON payout_intents (state, created_at);
CREATE INDEX payout_intents_orchestrator_ix ON payout_intents (orchestrator_id, created_at);

-- Every signed transaction of an intent: the first and each fee-bumped replacement (same nonce).
CREATE TABLE payout_transactions (
    tx_hash                  VARCHAR(66)              NOT NULL PRIMARY KEY,
    intent_id                VARCHAR(64)              NOT NULL,
    raw_tx                   VARCHAR(1000000)         NOT NULL,
    nonce                    NUMERIC(78, 0)           NOT NULL,
    gas_limit                NUMERIC(78, 0)           NOT NULL,
    max_fee_per_gas          NUMERIC(78, 0)           NOT NULL,
    max_priority_fee_per_gas NUMERIC(78, 0)           NOT NULL,
    created_at               TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT payout_transactions_intent_fk FOREIGN KEY (intent_id) REFERENCES payout_intents (intent_id)
);
CREATE INDEX payout_transactions_intent_ix ON payout_transactions (intent_id, created_at);

-- The nonce manager: the next nonce per sending key and chain, handed out under a row lock in the transaction that
-- stores the signed transaction, so one key has one writer across instances.
CREATE TABLE payout_nonces (
    chain_id     BIGINT                   NOT NULL,
    from_address VARCHAR(42)              NOT NULL,
    next_nonce   NUMERIC(78, 0)           NOT NULL,
    updated_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT payout_nonces_pk PRIMARY KEY (chain_id, from_address),
    CONSTRAINT payout_nonces_ck CHECK (next_nonce >= 0)
);

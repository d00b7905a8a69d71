-- livepeer_ticket payouts (issue 12): one always-winning ticket per payout intent, redeemed singly or in batches
-- (batchRedeemWinningTickets). The ticket (with its recipientRand and signature) is stored once and reused on every
-- retry: same hash, same sender nonce, so one intent never has a second ticket that could also be redeemed. A batch
-- is one on-chain transaction for several intents; every signed attempt of it (first and fee-bumped replacements,
-- same nonce) is committed before broadcast. Each ticket's outcome comes from its own WinningTicketRedeemed log.
-- Portable SQL (PostgreSQL, H2). Wei NUMERIC(78,0).

CREATE TABLE payout_ticket_batches (
    batch_id      VARCHAR(64)              NOT NULL PRIMARY KEY,
    chain_id      BIGINT                   NOT NULL,
    from_address  VARCHAR(42)              NOT NULL,
    broker        VARCHAR(42)              NOT NULL,
    nonce         NUMERIC(78, 0)           NOT NULL,
    -- the current attempt (the latest signed)
    tx_hash       VARCHAR(66)              NOT NULL,
    -- SIGNED -> BROADCAST -> MINED (receipt confirmed on the canonical chain; reverted = its status was 0)
    state         VARCHAR(16)              NOT NULL,
    face_value_wei NUMERIC(78, 0)          NOT NULL,
    block_number  BIGINT,
    block_hash    VARCHAR(66),
    reverted      BOOLEAN,
    replacements  INTEGER                  NOT NULL DEFAULT 0,
    created_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    broadcast_at  TIMESTAMP WITH TIME ZONE,
    CONSTRAINT payout_ticket_batches_state_ck CHECK (state IN ('SIGNED', 'BROADCAST', 'MINED'))
);
CREATE INDEX payout_ticket_batches_state_ix ON payout_ticket_batches (state, created_at);

-- Every signed attempt of a batch (same nonce): any one of them may be the one mined.
CREATE TABLE payout_ticket_batch_transactions (
    tx_hash                  VARCHAR(66)              NOT NULL PRIMARY KEY,
    batch_id                 VARCHAR(64)              NOT NULL,
    raw_tx                   VARCHAR(1000000)         NOT NULL,
    nonce                    NUMERIC(78, 0)           NOT NULL,
    gas_limit                NUMERIC(78, 0)           NOT NULL,
    max_fee_per_gas          NUMERIC(78, 0)           NOT NULL,
    max_priority_fee_per_gas NUMERIC(78, 0)           NOT NULL,
    created_at               TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT payout_ticket_batch_tx_fk FOREIGN KEY (batch_id) REFERENCES payout_ticket_batches (batch_id)
);
CREATE INDEX payout_ticket_batch_tx_ix ON payout_ticket_batch_transactions (batch_id, created_at);

-- The ticket of a livepeer_ticket intent. outcome: PENDING (not redeemed yet; waiting_reason says why it waits),
-- REDEEMED (its WinningTicketRedeemed log is in the mined batch), REFUSED (pre-check failed before it was ever sent),
-- FAILED (sent, not redeemed, and it can no longer be: expired). revealed = it was part of a signed batch, so its
-- recipientRand may be public and anyone could redeem it until it expires: such a ticket is never replaced.
CREATE TABLE payout_tickets (
    intent_id         VARCHAR(64)              NOT NULL PRIMARY KEY,
    ticket_hash       VARCHAR(66)              NOT NULL,
    recipient         VARCHAR(42)              NOT NULL,
    sender            VARCHAR(42)              NOT NULL,
    face_value_wei    NUMERIC(78, 0)           NOT NULL,
    win_prob          NUMERIC(78, 0)           NOT NULL,
    sender_nonce      NUMERIC(78, 0)           NOT NULL,
    recipient_rand    NUMERIC(78, 0)           NOT NULL,
    recipient_rand_hash VARCHAR(66)            NOT NULL,
    aux_data          VARCHAR(200)             NOT NULL,
    creation_round    NUMERIC(78, 0)           NOT NULL,
    signature         VARCHAR(200)             NOT NULL,
    outcome           VARCHAR(16)              NOT NULL,
    outcome_reason    VARCHAR(2000),
    waiting_reason    VARCHAR(2000),
    batch_id          VARCHAR(64),
    revealed          BOOLEAN                  NOT NULL DEFAULT FALSE,
    created_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT payout_tickets_intent_fk FOREIGN KEY (intent_id) REFERENCES payout_intents (intent_id),
    CONSTRAINT payout_tickets_batch_fk FOREIGN KEY (batch_id) REFERENCES payout_ticket_batches (batch_id),
    CONSTRAINT payout_tickets_hash_uq UNIQUE (ticket_hash),
    CONSTRAINT payout_tickets_outcome_ck CHECK (outcome IN ('PENDING', 'REDEEMED', 'REFUSED', 'FAILED')),
    CONSTRAINT payout_tickets_face_ck CHECK (face_value_wei > 0)
);
CREATE INDEX payout_tickets_batch_ix ON payout_tickets (batch_id);

-- Stuck escrow fundings are replaced with a fee bump (issue 12 follow-up, docs/escrow.md "Stuck fundings").
--
-- escrow_funding_attempts: every signed transaction of a funding, stored BEFORE it is broadcast. Attempt 0 is the
-- original; each replacement reuses the funding's nonce with higher fees, so at most one attempt can ever be mined,
-- and whichever is mined confirms (or fails) the funding. escrow_fundings.tx_hash / raw_tx stay the CURRENT attempt
-- (the one re-broadcast), and become the mined one on confirmation. Fees and gas are read back from raw_tx.
--   attempt: 0 = the original, 1.. = replacements, in the order they were signed
CREATE TABLE escrow_funding_attempts (
    funding_id VARCHAR(64)              NOT NULL,
    attempt    INTEGER                  NOT NULL,
    tx_hash    VARCHAR(66)              NOT NULL,
    raw_tx     TEXT                     NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT escrow_funding_attempts_pk PRIMARY KEY (funding_id, attempt),
    CONSTRAINT escrow_funding_attempts_tx_uq UNIQUE (tx_hash),
    CONSTRAINT escrow_funding_attempts_funding_fk FOREIGN KEY (funding_id) REFERENCES escrow_fundings (funding_id)
);

-- fundings stored before V24 have their one transaction as attempt 0
INSERT INTO escrow_funding_attempts (funding_id, attempt, tx_hash, raw_tx, created_at)
    SELECT funding_id, 0, tx_hash, raw_tx, created_at FROM escrow_fundings;

-- how many replacements were signed; the current attempt is number `replacements`
ALTER TABLE escrow_fundings ADD COLUMN replacements INTEGER DEFAULT 0 NOT NULL;

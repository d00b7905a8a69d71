-- The go-livepeer v0.9.3 signer contract and the price audit (issue 10). Every column is nullable: rows written
-- before this migration, and events whose signer sent no USD value or no payer, have NULL.
--
-- payer_address: the signer's payer_address (0x + 40 hex digits, lower case), NULL when absent.
-- usd_source: which USD value network_usd_micros holds, 'oracle' (our conversion of fee_wei at eth_usd_price) or
--   'signer' (the signer's computed_fee_usd); NULL before V6 (then always the oracle's).
-- oracle_usd_micros: our conversion, kept even when the signer's value bills.
-- signer_usd_micros: the signer's computed_fee_usd in USD micros (USD x 10^6, exact), NULL when it sent none.
-- usd_divergence_micros: signer_usd_micros - oracle_usd_micros, exact (negative when the signer is lower).
-- price_audit_flagged: TRUE when |divergence| > price-audit-tolerance x oracle_usd_micros, FALSE within it, NULL when
--   there was nothing to compare (no signer value).
ALTER TABLE outbox_events ADD COLUMN payer_address VARCHAR(42);
ALTER TABLE outbox_events ADD COLUMN usd_source VARCHAR(8);
ALTER TABLE outbox_events ADD COLUMN oracle_usd_micros NUMERIC(38, 12);
ALTER TABLE outbox_events ADD COLUMN signer_usd_micros NUMERIC(38, 12);
ALTER TABLE outbox_events ADD COLUMN usd_divergence_micros NUMERIC(38, 12);
ALTER TABLE outbox_events ADD COLUMN price_audit_flagged BOOLEAN;
ALTER TABLE outbox_events ADD CONSTRAINT outbox_events_usd_audit_ck CHECK (
    (usd_source IS NULL OR usd_source IN ('oracle', 'signer'))
    AND (oracle_usd_micros IS NULL OR oracle_usd_micros >= 0)
    AND (signer_usd_micros IS NULL OR signer_usd_micros >= 0));

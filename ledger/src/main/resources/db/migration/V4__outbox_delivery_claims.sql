-- Delivery claims and per-event scheduling on the pending queue (issue 9, defects 2 and 4).
--
-- claimed_by / claimed_until: a delivery pass leases the rows it sends (owner = the instance's id, until = the end of
-- the lease), so several instances on one PostgreSQL never send the same event at the same time. A pass takes its
-- rows with SELECT ... FOR UPDATE SKIP LOCKED, marks them, and clears the claim when it settles them; the rows of an
-- instance that died (SIGKILL) become claimable again when the lease runs out.
-- next_attempt_at: when a failed event may be sent again (per-event backoff), so one failing batch does not hold up
-- the rest of the backlog. NULL = now.
-- max_batch: the largest request the event may travel in after its requests failed (halved on each failure), so a
-- batch that keeps failing is split until the failing event travels alone. NULL = the configured batch size.
-- last_refused_at: when OpenMeter last refused the event alone (400/413/422) without the refusal being confirmed as
-- the event's own fault (nothing else accepted at the time): a systemic refusal is not a rejection.
ALTER TABLE outbox_pending ADD COLUMN claimed_by VARCHAR(200);
ALTER TABLE outbox_pending ADD COLUMN claimed_until TIMESTAMP WITH TIME ZONE;
ALTER TABLE outbox_pending ADD COLUMN next_attempt_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE outbox_pending ADD COLUMN max_batch INTEGER;
ALTER TABLE outbox_pending ADD COLUMN last_refused_at TIMESTAMP WITH TIME ZONE;

-- requeue (./clearinghouse outbox requeue) selects rejected events by time
CREATE INDEX outbox_rejected_rejected_at_ix ON outbox_rejected (rejected_at);

-- Issue 10, redrive: `./clearinghouse dead-letters redrive` meters a dead letter's raw record again after its cause
-- was fixed and marks the letter with the outcome of its last redrive. The original reason stays as it was.
--   redrive_outcome  metered | duplicate (its event id was already billed) | skipped (not a metered type) |
--                    dead_lettered (refused again; redrive_reason says why). NULL: never redriven.
--   redrive_reason   the reason of the last refusal when redrive_outcome = 'dead_lettered', else NULL
--   redriven_at      when the last redrive ran
-- A letter whose outcome is metered, duplicate or skipped is final: a later redrive never selects it again.
ALTER TABLE dead_letters ADD COLUMN redrive_outcome VARCHAR(16);
ALTER TABLE dead_letters ADD COLUMN redrive_reason VARCHAR(2000);
ALTER TABLE dead_letters ADD COLUMN redriven_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE dead_letters ADD CONSTRAINT dead_letters_redrive_outcome_ck
    CHECK (redrive_outcome IN ('metered', 'duplicate', 'skipped', 'dead_lettered'));

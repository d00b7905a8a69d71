-- Spend control (issue 13): the running total of a customer's open holds, kept on its spend_customers row by every
-- change of an open hold (reserve adds, settle and expiry subtract, in the same transaction), so the decision at
-- /authorize reads one locked row instead of summing the customer's open holds (thousands of rows for a busy
-- customer). Equal to SUM(remaining) of the customer's OPEN holds after every commit; SpendStore.heldDrift checks it
-- and SpendStore.reconcileHeld repairs it. Portable SQL: PostgreSQL and H2.
ALTER TABLE spend_customers ADD COLUMN held_usd_micros NUMERIC(38, 12) DEFAULT 0 NOT NULL;

UPDATE spend_customers SET held_usd_micros = (
    SELECT COALESCE(SUM(h.remaining), 0) FROM spend_holds h
    WHERE h.customer_key = spend_customers.customer_key AND h.status = 'OPEN');

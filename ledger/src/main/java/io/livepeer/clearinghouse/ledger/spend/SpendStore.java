package io.livepeer.clearinghouse.ledger.spend;

import io.livepeer.clearinghouse.ledger.Amounts;
import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.Rows;
import io.livepeer.clearinghouse.ledger.credit.Account;
import io.livepeer.clearinghouse.ledger.credit.AccountKeys;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.Query;

/**
 * Spend control's tables (V14): holds reserved at {@code /authorize}, per-customer overdraft limits, the kill switch
 * and its audit trail. Amounts are USD micros ({@code BigDecimal}, scale up to 12, never rounded here). Thread-safe.
 *
 * <p><b>Concurrency.</b> {@link #reserve} (and {@link #reserveAll}, several reservations in one transaction) locks the
 * customer's {@code spend_customers} row for the length of its transaction, so reservations of one customer are
 * decided one after the other on every instance sharing the database; the settling of holds ({@link #settle}) runs
 * inside the metering batch transaction that posts the usage, so a reservation sees a payment either as a hold or as
 * posted usage, never both or neither. Every writer locks {@code spend_customers} rows in key order.
 *
 * <p><b>Running total (V21).</b> {@code spend_customers.held_usd_micros} is the sum of the customer's open holds'
 * remaining amounts, kept in the same transaction by every change of an open hold (reserve adds, settle and expiry
 * subtract), so a reservation reads one locked row instead of summing the open holds. {@link #heldDrift} checks the
 * invariant, {@link #reconcileHeld} repairs it.
 */
public final class SpendStore {

    /** Hold status. */
    public enum HoldStatus {
        OPEN,
        SETTLED,
        EXPIRED
    }

    /** Kill switch scope. */
    public enum Scope {
        ALL,
        CLIENT,
        CUSTOMER
    }

    private static final RowMapper<Hold> HOLD = (rs, ctx) -> new Hold(
            rs.getLong("id"),
            rs.getString("customer_key"),
            rs.getString("session_id"),
            (Long) rs.getObject("sequence_number", Long.class),
            rs.getString("payment_type"),
            Rows.micros(rs, "amount"),
            Rows.micros(rs, "remaining"),
            rs.getInt("window_seconds"),
            HoldStatus.valueOf(rs.getString("status")),
            Rows.instant(rs, "created_at"),
            Rows.instant(rs, "expires_at"),
            Rows.instant(rs, "closed_at"),
            rs.getString("closed_by"));
    private static final RowMapper<Pause> PAUSE = (rs, ctx) -> new Pause(
            rs.getLong("id"),
            Scope.valueOf(rs.getString("scope")),
            rs.getString("target"),
            rs.getString("reason"),
            rs.getString("paused_by"),
            Rows.instant(rs, "paused_at"),
            Rows.instant(rs, "resumed_at"),
            rs.getString("resumed_by"));
    private static final String HOLD_COLUMNS = "id, customer_key, session_id, sequence_number, payment_type, amount,"
            + " remaining, window_seconds, status, created_at, expires_at, closed_at, closed_by";

    private final Database database;
    private final Ledger ledger;
    private final Clock clock;

    public SpendStore(Database database, Ledger ledger, Clock clock) {
        this.database = database;
        this.ledger = ledger;
        this.clock = clock;
    }

    // ---- reservations --------------------------------------------------------------------------------------------

    /**
     * Decides one reservation under the customer's lock: reads the balance, the open holds and the overdraft limit,
     * asks the planner, and stores the hold it returns, all in one transaction.
     *
     * @param customerKey      the customer key
     * @param sessionId        {@code state.StateID}, or null
     * @param sequenceNumber   {@code state.SequenceNumber}, or null
     * @param defaultOverdraft the overdraft limit (USD micros) of customers without their own
     * @param planner          the decision given the customer's position
     * @return the planner's decision; its hold (if any) is stored. A hold for the same session and sequence that is
     *         already open is not stored twice (the signer retried the call): the position then reports it as
     *         {@link Position#existing()}; one already settled or expired is opened again with the new amount
     */
    public <T> T reserve(
            String customerKey, String sessionId, Long sequenceNumber, BigDecimal defaultOverdraft, Planner<T> planner)
            throws SQLException {
        Reservation<T> r = new Reservation<>(customerKey, sessionId, sequenceNumber, defaultOverdraft, planner);
        return r.type(reserveAll(List.of(r)).get(0));
    }

    /**
     * Decides several reservations in <b>one</b> transaction (group commit, {@link GroupCommit}): locks their
     * customers' {@code spend_customers} rows in key order (so concurrent batches on any instance cannot deadlock),
     * reads each customer's balance and running open-hold total ({@code held_usd_micros}, V21) once, then decides the
     * reservations in list order exactly as {@link #reserve} would one after the other: each sees the holds of the
     * earlier ones. The customers' running totals are updated by what was held, and everything commits together.
     *
     * @param reservations what to decide, in order
     * @return the planners' decisions, in the same order (cast with {@link Reservation#type})
     * @throws SQLException when a statement or the commit fails: then nothing of the batch is stored
     */
    public List<Object> reserveAll(List<? extends Reservation<?>> reservations) throws SQLException {
        Instant now = clock.instant();
        return database.inTransaction(h -> {
            Map<String, Locked> customers = lockCustomers(h, reservations, now);
            Map<String, String> accountKeys = new HashMap<>();
            customers.keySet().forEach(c -> accountKeys.put(AccountKeys.customer(c), c));
            ledger.accounts(accountKeys.keySet())
                    .forEach((key, account) ->
                            customers.get(accountKeys.get(key)).balance = Amounts.micros(account.balance()));
            Batch batch = new Batch(h, now);
            List<Object> decisions = new ArrayList<>(reservations.size());
            Map<String, LeaseRequest> leaseRequests = new TreeMap<>();
            for (Reservation<?> r : reservations) {
                int held = batch.inserts.size() + batch.reopens.size();
                decisions.add(decide(batch, r, customers.get(r.customerKey())));
                if (r.lease() != null) {
                    r.lease().reset();
                    if (batch.inserts.size() + batch.reopens.size() > held) { // this call made a hold
                        r.lease().held = batch.lastHoldAmount();
                        leaseRequests.putIfAbsent(r.customerKey(), r.lease());
                    }
                }
            }
            batch.write(customers);
            grantLeases(h, now, customers, leaseRequests);
            return decisions;
        });
    }

    /**
     * The writes of one {@link #reserveAll}, made at its end as JDBC batches; until then the holds it decided are
     * known here, so later reservations of the batch see them as the database would (session's latest hold, the open
     * hold of a retried call).
     */
    private static final class Batch {
        final Handle h;
        final Instant now;
        final Map<List<Object>, Hold> decided = new HashMap<>(); // (customer, session, sequence) -> hold of this batch
        final Set<List<Object>> sessions = new HashSet<>(); // (customer, session) with a hold in this batch
        final List<Object[]> inserts = new ArrayList<>();
        final List<Object[]> reopens = new ArrayList<>();

        Batch(Handle h, Instant now) {
            this.h = h;
            this.now = now;
        }

        /** The amount of the hold decided last (an insert or a reopen). */
        BigDecimal lastHoldAmount() {
            Object[] last = lastWasReopen ? reopens.get(reopens.size() - 1) : inserts.get(inserts.size() - 1);
            return ((NewHold) last[lastWasReopen ? 1 : 3]).amount();
        }

        boolean lastWasReopen;

        void write(Map<String, Locked> customers) {
            if (!inserts.isEmpty()) {
                PreparedBatch insert = h.prepareBatch("INSERT INTO spend_holds (customer_key, session_id,"
                        + " sequence_number, payment_type, amount, remaining, window_seconds, status, created_at,"
                        + " expires_at) VALUES (:c, :s, :n, :type, :amount, :amount, :window, 'OPEN', :now, :expires)");
                for (Object[] i : inserts) {
                    NewHold hold = (NewHold) i[3];
                    insert.bind("c", i[0])
                            .bind("s", i[1])
                            .bind("n", i[2])
                            .bind("type", hold.paymentType())
                            .bind("amount", hold.amount())
                            .bind("window", hold.windowSeconds())
                            .bind("now", now)
                            .bind("expires", hold.expiresAt())
                            .add();
                }
                insert.execute();
            }
            if (!reopens.isEmpty()) {
                // asked again after its hold settled or expired: the same row is opened again
                PreparedBatch reopen = h.prepareBatch("UPDATE spend_holds SET payment_type = :type, amount = :amount,"
                        + " remaining = :amount, window_seconds = :window, status = 'OPEN', created_at = :now,"
                        + " expires_at = :expires, closed_at = NULL, closed_by = NULL WHERE id = :id");
                for (Object[] r : reopens) {
                    NewHold hold = (NewHold) r[1];
                    reopen.bind("id", r[0])
                            .bind("type", hold.paymentType())
                            .bind("amount", hold.amount())
                            .bind("window", hold.windowSeconds())
                            .bind("now", now)
                            .bind("expires", hold.expiresAt())
                            .add();
                }
                reopen.execute();
            }
            addToHeldTotals(h, customers);
        }
    }

    private <T> T decide(Batch batch, Reservation<T> r, Locked customer) {
        Handle h = batch.h;
        Instant now = batch.now;
        String customerKey = r.customerKey();
        String sessionId = r.sessionId();
        Long sequenceNumber = r.sequenceNumber();
        Instant lastHoldAt = null;
        Hold twin = null; // the hold of this very session and sequence, whatever its status
        List<Object> sessionKey = Arrays.asList(customerKey, sessionId);
        List<Object> holdKey = Arrays.asList(customerKey, sessionId, sequenceNumber);
        if (sessionId != null) {
            // the session's latest hold and the id of this sequence's (unique key customer_key, session_id,
            // sequence_number), in one indexed look-up
            Long twinId = null;
            var row = h.createQuery("SELECT MAX(created_at) AS last, MAX(CASE WHEN sequence_number = :n THEN id END)"
                            + " AS twin FROM spend_holds WHERE customer_key = :c AND session_id = :s")
                    .bind("c", customerKey)
                    .bind("s", sessionId)
                    .bind("n", sequenceNumber)
                    .map((rs, ctx) -> new Object[] {Rows.instant(rs, "last"), rs.getObject("twin", Long.class)})
                    .one();
            lastHoldAt = (Instant) row[0];
            twinId = (Long) row[1];
            if (batch.sessions.contains(sessionKey)) {
                lastHoldAt = now; // a hold of this batch
            }
            Hold inBatch = batch.decided.get(holdKey);
            if (sequenceNumber != null && inBatch != null) {
                twin = inBatch;
            } else if (sequenceNumber != null && twinId != null) {
                twin = h.createQuery("SELECT " + HOLD_COLUMNS + " FROM spend_holds WHERE id = :id")
                        .bind("id", twinId)
                        .map(HOLD)
                        .one();
            }
        }
        Hold existing = twin != null && twin.status() == HoldStatus.OPEN ? twin : null;
        Plan<T> plan = r.planner()
                .plan(new Position(
                        customerKey,
                        customer.balance,
                        Amounts.micros(customer.held.add(customer.added)),
                        customer.overdraft.orElse(r.defaultOverdraft()),
                        lastHoldAt,
                        existing,
                        now));
        NewHold hold = plan.hold();
        if (hold != null && existing == null) {
            if (twin != null) {
                batch.reopens.add(new Object[] {twin.id(), hold});
            } else {
                batch.inserts.add(new Object[] {customerKey, sessionId, sequenceNumber, hold});
            }
            batch.lastWasReopen = twin != null;
            customer.added = customer.added.add(hold.amount());
            if (sessionId != null) {
                batch.sessions.add(sessionKey);
                if (sequenceNumber != null) {
                    batch.decided.put(
                            holdKey,
                            new Hold(
                                    twin == null ? -1 : twin.id(),
                                    customerKey,
                                    sessionId,
                                    sequenceNumber,
                                    hold.paymentType(),
                                    hold.amount(),
                                    hold.amount(),
                                    hold.windowSeconds(),
                                    HoldStatus.OPEN,
                                    now,
                                    hold.expiresAt(),
                                    null,
                                    null));
                }
            }
        }
        return plan.decision();
    }

    /**
     * Budget leases taken in a reservation's own transaction ({@link LeaseRequest}): for each customer whose call
     * asked for one and was allowed, unless the owner already has an open lease row for it, a lease row of
     * {@code min(max(wanted, 8 × this call's hold), maxFraction × headroom)} with {@code headroom = balance − open
     * holds (this batch's included) − floor}, never the overdraft; none when that is below {@code max(minGrant,
     * this call's hold)} (close to zero). The rows are written and the running totals raised here, under the locks
     * {@link #reserveAll} already holds.
     */
    private void grantLeases(Handle h, Instant now, Map<String, Locked> customers, Map<String, LeaseRequest> requests) {
        if (requests.isEmpty()) {
            return;
        }
        Map<String, Set<String>> byOwner = new HashMap<>(); // session -> customers
        requests.forEach((c, r) -> byOwner.computeIfAbsent(leaseSession(r.owner), k -> new TreeSet<>())
                .add(c));
        Set<List<String>> open = new HashSet<>();
        for (Map.Entry<String, Set<String>> e : byOwner.entrySet()) {
            leasedRemaining(h, e.getKey(), e.getValue(), LeaseRowLock.NONE)
                    .keySet()
                    .forEach(c -> open.add(List.of(e.getKey(), c)));
        }
        PreparedBatch insert = h.prepareBatch(LEASE_INSERT);
        Map<String, BigDecimal> added = new TreeMap<>();
        boolean any = false;
        for (Map.Entry<String, LeaseRequest> e : requests.entrySet()) {
            String c = e.getKey();
            LeaseRequest r = e.getValue();
            Locked customer = customers.get(c);
            String session = leaseSession(r.owner);
            BigDecimal headroom = customer.balance
                    .subtract(customer.held)
                    .subtract(customer.added)
                    .subtract(r.floor);
            r.overdraft = customer.overdraft;
            r.headroom = headroom;
            if (open.contains(List.of(session, c))) {
                r.existing = true; // this instance's sync made one meanwhile: it tops that one up
                continue;
            }
            BigDecimal wanted = r.wanted.max(r.held.multiply(r.minHolds));
            BigDecimal cap = headroom.multiply(r.maxFraction).setScale(12, RoundingMode.DOWN);
            BigDecimal grant = wanted.min(cap);
            if (grant.signum() <= 0 || grant.compareTo(r.minGrant.max(r.held)) < 0) {
                continue; // close to zero: the exact path goes on deciding
            }
            insert.bind("c", c)
                    .bind("s", session)
                    .bind("grant", grant)
                    .bind("now", now)
                    .bind("expires", r.expiresAt)
                    .add();
            any = true;
            added.put(c, grant);
            r.granted = grant;
            r.headroom = headroom.subtract(grant);
        }
        if (any) {
            insert.execute();
            PreparedBatch held = h.prepareBatch(
                    "UPDATE spend_customers SET held_usd_micros = held_usd_micros + :d WHERE customer_key = :c");
            added.forEach((c, d) -> held.bind("d", d).bind("c", c).add());
            held.execute();
        }
    }

    /**
     * A budget lease asked for by a reservation that takes the database path ({@link Reservation#lease()}), so a
     * customer is leased on its first such call instead of after the next background sync. Written by
     * {@link #reserveAll} inside its transaction; read the results only after it returned (committed).
     */
    public static final class LeaseRequest {
        final String owner;
        final BigDecimal wanted;
        final BigDecimal minGrant;
        final BigDecimal floor;
        final BigDecimal maxFraction;
        final Instant expiresAt;
        BigDecimal minHolds = BigDecimal.valueOf(8);
        BigDecimal held = BigDecimal.ZERO;
        private volatile BigDecimal granted = BigDecimal.ZERO;
        private volatile BigDecimal headroom = BigDecimal.ZERO;
        private volatile Optional<BigDecimal> overdraft = Optional.empty();
        private volatile boolean existing;

        /**
         * @param owner       the instance's lease owner id ({@link #leaseSession})
         * @param wanted      the lease wanted (USD micros; at least 8 × the call's own hold is asked)
         * @param minGrant    no lease below this (nor below the call's own hold): the customer is close to zero
         * @param floor       the balance floor (USD micros)
         * @param maxFraction the largest part of the customer's headroom the lease takes
         * @param expiresAt   the lease row's expiry
         */
        public LeaseRequest(
                String owner,
                BigDecimal wanted,
                BigDecimal minGrant,
                BigDecimal floor,
                BigDecimal maxFraction,
                Instant expiresAt) {
            this.owner = owner;
            this.wanted = wanted;
            this.minGrant = minGrant;
            this.floor = floor;
            this.maxFraction = maxFraction;
            this.expiresAt = expiresAt;
        }

        void reset() {
            held = BigDecimal.ZERO;
            granted = BigDecimal.ZERO;
            headroom = BigDecimal.ZERO;
            overdraft = Optional.empty();
            existing = false;
        }

        /** USD micros leased (0: none, close to zero or an open lease already there). */
        public BigDecimal granted() {
            return granted;
        }

        /** {@code balance − open holds − floor} after the grant (USD micros). */
        public BigDecimal headroom() {
            return headroom;
        }

        /** The customer's own overdraft limit, or empty. */
        public Optional<BigDecimal> overdraft() {
            return overdraft;
        }

        /** The expiry of the lease row this request makes. */
        public Instant expiresAt() {
            return expiresAt;
        }

        /** Whether the owner already had an open lease row for the customer (nothing was granted). */
        public boolean existing() {
            return existing;
        }
    }

    /** A customer's row under the reservation lock, and what a batch adds to its open holds. */
    private static final class Locked {
        final Optional<BigDecimal> overdraft;
        final BigDecimal held;
        BigDecimal balance = BigDecimal.ZERO;
        BigDecimal added = BigDecimal.ZERO;

        Locked(Optional<BigDecimal> overdraft, BigDecimal held) {
            this.overdraft = overdraft;
            this.held = held;
        }
    }

    /**
     * Locks the reservations' customers' {@code spend_customers} rows in key order (one query; rows of customers not
     * seen before are inserted, in key order, then locked), reading each one's own overdraft limit (empty: the
     * default) and running open-hold total.
     */
    private Map<String, Locked> lockCustomers(Handle h, List<? extends Reservation<?>> reservations, Instant now) {
        Set<String> keys = new TreeSet<>();
        reservations.forEach(r -> keys.add(r.customerKey()));
        return lockCustomerKeys(h, keys, now);
    }

    private Map<String, Locked> lockCustomerKeys(Handle h, Set<String> keys, Instant now) {
        Map<String, Locked> locked = selectForUpdate(h, keys);
        if (locked.size() < keys.size()) {
            Set<String> missing = new TreeSet<>(keys);
            missing.removeAll(locked.keySet());
            PreparedBatch insert = h.prepareBatch(
                    "INSERT INTO spend_customers (customer_key, updated_at) VALUES (:c, :now) ON CONFLICT DO NOTHING");
            missing.forEach(c -> insert.bind("c", c).bind("now", now).add());
            insert.execute();
            locked.putAll(selectForUpdate(h, missing));
        }
        return locked;
    }

    private Map<String, Locked> selectForUpdate(Handle h, Collection<String> keys) {
        List<String> list = new ArrayList<>(keys);
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < list.size(); i++) {
            in.append(i == 0 ? ":c" : ", :c").append(i);
        }
        Query query = h.createQuery("SELECT customer_key, overdraft_usd_micros, held_usd_micros FROM spend_customers"
                + " WHERE customer_key IN (" + in + ") ORDER BY customer_key "
                + database.dialect().rowLockForUpdate());
        for (int i = 0; i < list.size(); i++) {
            query.bind("c" + i, list.get(i));
        }
        Map<String, Locked> locked = new TreeMap<>();
        query.map((rs, ctx) -> Map.entry(
                        rs.getString("customer_key"),
                        new Locked(
                                Optional.ofNullable(rs.getBigDecimal("overdraft_usd_micros"))
                                        .map(Amounts::micros),
                                Rows.micros(rs, "held_usd_micros"))))
                .forEach(e -> locked.put(e.getKey(), e.getValue()));
        return locked;
    }

    /**
     * Settles holds against metered usage. Meant to run inside the metering batch transaction (it joins it). An event
     * with a session and sequence settles the open hold of that customer, session and sequence, else the open
     * multi-payment hold (window &gt; 0) of that session with the greatest lower sequence; an event without them
     * (or metered with sequence tracking off) the customer's oldest open hold. The billable amount is taken off the hold's remaining amount;
     * a single-payment hold, or one with nothing left, is {@code SETTLED}.
     *
     * @return holds closed
     */
    public int settle(List<Settlement> settlements) throws SQLException {
        if (settlements.isEmpty()) {
            return 0;
        }
        Set<String> customers = new LinkedHashSet<>();
        settlements.forEach(s -> customers.add(s.customerKey()));
        Instant now = clock.instant();
        return database.inTransaction(h -> {
            List<String> keys = new ArrayList<>(customers);
            Query query;
            if (database.dialect() == io.livepeer.clearinghouse.ledger.SqlDialect.POSTGRESQL) {
                // one statement text whatever the batch's customers (parsed once by Jdbi, planned once per
                // connection), the keys as one array: a text per count of customers cost a parse per batch
                query = h.createQuery("SELECT " + HOLD_COLUMNS
                                + " FROM spend_holds WHERE status = 'OPEN' AND customer_key = ANY(:customers)")
                        .bindArray("customers", String.class, keys);
            } else {
                StringBuilder in = new StringBuilder();
                for (int i = 0; i < keys.size(); i++) {
                    in.append(i == 0 ? ":c" : ", :c").append(i);
                }
                query = h.createQuery("SELECT " + HOLD_COLUMNS
                        + " FROM spend_holds WHERE status = 'OPEN' AND customer_key IN (" + in + ")");
                for (int i = 0; i < keys.size(); i++) {
                    query.bind("c" + i, keys.get(i));
                }
            }
            List<Hold> open = query.map(HOLD).list();
            if (open.isEmpty()) {
                return 0;
            }
            Map<Long, Hold> changed = new HashMap<>();
            Map<Long, Hold> live = new HashMap<>();
            open.forEach(o -> live.put(o.id(), o));
            for (Settlement s : settlements) {
                Hold match = match(live.values(), s);
                if (match == null) {
                    continue;
                }
                BigDecimal remaining = match.remaining().subtract(s.billableMicros());
                if (remaining.signum() < 0) {
                    remaining = BigDecimal.ZERO;
                }
                boolean closed = match.windowSeconds() == 0 || remaining.signum() == 0;
                Hold updated = match.with(remaining, closed ? HoldStatus.SETTLED : HoldStatus.OPEN, s.eventId(), now);
                changed.put(updated.id(), updated);
                if (closed) {
                    live.remove(updated.id());
                } else {
                    live.put(updated.id(), updated);
                }
            }
            int closedCount = 0;
            Map<String, BigDecimal> released = new TreeMap<>();
            Map<Long, Hold> before = new HashMap<>();
            open.forEach(o -> before.put(o.id(), o));
            // one lock order for every writer: the customers whose holds change (key order), then the holds (id order)
            lockCustomersFirst(
                    h,
                    changed.values().stream().map(Hold::customerKey).distinct().toList());
            for (Hold u : new TreeMap<>(changed).values()) {
                int updated = h.createUpdate(
                                "UPDATE spend_holds SET remaining = :remaining, status = :status, closed_at = :closed_at,"
                                        + " closed_by = :closed_by WHERE id = :id AND status = 'OPEN'")
                        .bind("remaining", u.remaining())
                        .bind("status", u.status().name())
                        .bind("closed_at", u.status() == HoldStatus.OPEN ? null : now)
                        .bind("closed_by", u.status() == HoldStatus.OPEN ? null : u.closedBy())
                        .bind("id", u.id())
                        .execute();
                if (updated == 0) {
                    continue; // expired meanwhile: the expiry took it off the running total
                }
                // what no longer counts as held: all of a closed hold's remaining amount, else what was taken off
                BigDecimal was = before.get(u.id()).remaining();
                BigDecimal delta = u.status() == HoldStatus.OPEN ? was.subtract(u.remaining()) : was;
                released.merge(u.customerKey(), delta, BigDecimal::add);
                if (u.status() != HoldStatus.OPEN) {
                    closedCount++;
                }
            }
            release(h, released);
            return closedCount;
        });
    }

    private static Hold match(Iterable<Hold> open, Settlement s) {
        Hold best = null;
        for (Hold o : open) {
            if (!o.customerKey().equals(s.customerKey()) || LEASE_TYPE.equals(o.paymentType())) {
                continue; // a lease is not a payment: only the holds its allows are flushed into settle
            }
            if (s.sessionId() == null || s.sequenceNumber() == null) {
                if (best == null || o.createdAt().isBefore(best.createdAt())) {
                    best = o;
                }
                continue;
            }
            if (!s.sessionId().equals(o.sessionId()) || o.sequenceNumber() == null) {
                continue;
            }
            if (o.sequenceNumber().equals(s.sequenceNumber())) {
                return o;
            }
            if (o.windowSeconds() > 0
                    && o.sequenceNumber() < s.sequenceNumber()
                    && (best == null || o.sequenceNumber() > best.sequenceNumber())) {
                best = o;
            }
        }
        return best;
    }

    /**
     * Marks open holds whose {@code expires_at} has passed as {@code EXPIRED}: what they held is available again.
     *
     * @return holds expired
     */
    public int expire() throws SQLException {
        Instant now = clock.instant();
        return database.inTransaction(h -> {
            List<Hold> due = h.createQuery(
                            "SELECT " + HOLD_COLUMNS + " FROM spend_holds WHERE status = 'OPEN' AND expires_at < :now")
                    .bind("now", now)
                    .map(HOLD)
                    .list();
            if (due.isEmpty()) {
                return 0;
            }
            // one lock order for every writer: the customers (key order), then their holds (id order); updating the
            // holds first deadlocked with a lease sync or reservation holding the customer and writing one of them
            Set<String> customers = new TreeSet<>();
            due.forEach(d -> customers.add(d.customerKey()));
            lockCustomersFirst(h, customers);
            due = new ArrayList<>(due);
            due.sort(java.util.Comparator.comparingLong(Hold::id));
            PreparedBatch batch = h.prepareBatch("UPDATE spend_holds SET status = 'EXPIRED', closed_at = :now,"
                    + " closed_by = 'expiry' WHERE id = :id AND status = 'OPEN'");
            for (Hold d : due) {
                batch.bind("now", now).bind("id", d.id()).add();
            }
            int[] counts = batch.execute();
            Map<String, BigDecimal> released = new TreeMap<>();
            int expired = 0;
            for (int i = 0; i < counts.length; i++) {
                if (counts[i] > 0) { // not settled meanwhile
                    released.merge(due.get(i).customerKey(), due.get(i).remaining(), BigDecimal::add);
                    expired++;
                }
            }
            release(h, released);
            return expired;
        });
    }

    /**
     * Locks customers' {@code spend_customers} rows in the database's key order before a writer touches any of their
     * holds: the one lock order of every writer (reservations, lease syncs, settling, expiry), so none of them can
     * hold a hold row while waiting for a customer another holds while waiting for that hold row.
     */
    private void lockCustomersFirst(Handle h, Collection<String> customers) {
        if (!customers.isEmpty()) {
            selectForUpdate(h, customers);
        }
    }

    /**
     * Takes closed or drawn-down amounts off the customers' running open-hold totals, locking their rows first in
     * customer key order (the order every writer locks {@code spend_customers} rows in, so this cannot deadlock with
     * reservations).
     */
    private void release(Handle h, Map<String, BigDecimal> released) {
        if (released.isEmpty()) {
            return;
        }
        // lock in the database's order of keys, the order reservations lock in (Java's order may differ by collation)
        selectForUpdate(h, released.keySet());
        PreparedBatch batch = h.prepareBatch(
                "UPDATE spend_customers SET held_usd_micros = held_usd_micros - :d" + " WHERE customer_key = :c");
        released.forEach((customer, amount) ->
                batch.bind("d", amount).bind("c", customer).add());
        batch.execute();
    }

    /**
     * Customers whose running open-hold total ({@code spend_customers.held_usd_micros}, V21) differs from the sum of
     * their open holds' remaining amounts. Empty unless a bug or a hand edit broke the invariant. Scans all open
     * holds: run it every few minutes, not per request.
     *
     * @return per customer: the running total and the sum of open holds (USD micros)
     */
    public List<HeldDrift> heldDrift() throws SQLException {
        return database.withHandle(h -> h.createQuery("SELECT c.customer_key, c.held_usd_micros,"
                        + " COALESCE(o.held, 0) AS open_held FROM spend_customers c LEFT JOIN (SELECT customer_key,"
                        + " SUM(remaining) AS held FROM spend_holds WHERE status = 'OPEN' GROUP BY customer_key) o"
                        + " ON o.customer_key = c.customer_key WHERE c.held_usd_micros <> COALESCE(o.held, 0)"
                        + " ORDER BY c.customer_key")
                .map((rs, ctx) -> new HeldDrift(
                        rs.getString("customer_key"), Rows.micros(rs, "held_usd_micros"), Rows.micros(rs, "open_held")))
                .list());
    }

    /**
     * Repairs drifted running totals ({@link #heldDrift}): under each customer's lock, sets the total to the sum of
     * its open holds.
     *
     * @return the drifts found (and repaired), as they were
     */
    public List<HeldDrift> reconcileHeld() throws SQLException {
        List<HeldDrift> drifts = heldDrift();
        if (drifts.isEmpty()) {
            return drifts;
        }
        database.inTransaction(h -> {
            for (HeldDrift d : drifts) {
                h.createQuery("SELECT customer_key FROM spend_customers WHERE customer_key = :c "
                                + database.dialect().rowLockForUpdate())
                        .bind("c", d.customerKey())
                        .mapTo(String.class)
                        .list();
                h.createUpdate("UPDATE spend_customers SET held_usd_micros = (SELECT COALESCE(SUM(remaining), 0)"
                                + " FROM spend_holds WHERE customer_key = :c AND status = 'OPEN')"
                                + " WHERE customer_key = :c")
                        .bind("c", d.customerKey())
                        .execute();
            }
            return null;
        });
        return drifts;
    }

    /**
     * How far metering is behind the signer, measured from the holds: the age of the oldest open hold created after
     * the latest metered event (the signer signed, metering has stored nothing since), counting only holds younger
     * than {@code lookback} (older ones are left to expiry). Zero when there is none.
     */
    public Duration meteringLag(Duration lookback) throws SQLException {
        Instant now = clock.instant();
        return database.withHandle(h -> {
            Instant lastMetered = h.createQuery("SELECT created_at FROM outbox_events ORDER BY seq DESC LIMIT 1")
                    .map((rs, ctx) -> Rows.instant(rs, "created_at"))
                    .findOne()
                    .orElse(Instant.EPOCH);
            Instant after = lastMetered.isAfter(now.minus(lookback)) ? lastMetered : now.minus(lookback);
            // leases are not payments the signer made: only real holds (flushed ones keep their allow time) count
            Instant oldest = h.createQuery("SELECT MIN(created_at) AS oldest FROM spend_holds WHERE status = 'OPEN'"
                            + " AND created_at > :after AND payment_type <> '" + LEASE_TYPE + "'")
                    .bind("after", after)
                    .map((rs, ctx) -> Rows.instant(rs, "oldest"))
                    .findOne()
                    .orElse(null);
            return oldest == null || oldest.isAfter(now) ? Duration.ZERO : Duration.between(oldest, now);
        });
    }

    /**
     * Holds, newest first.
     *
     * @param customerKey only this customer's, or null
     * @param status      only this status, or null
     * @param limit       at most this many
     */
    public List<Hold> holds(String customerKey, HoldStatus status, int limit) throws SQLException {
        return database.withHandle(h -> {
            List<String> where = new ArrayList<>();
            if (customerKey != null) {
                where.add("customer_key = :c");
            }
            if (status != null) {
                where.add("status = :status");
            }
            Query q = h.createQuery("SELECT " + HOLD_COLUMNS + " FROM spend_holds"
                            + (where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where))
                            + " ORDER BY id DESC LIMIT :limit")
                    .bind("limit", limit);
            if (customerKey != null) {
                q.bind("c", customerKey);
            }
            if (status != null) {
                q.bind("status", status.name());
            }
            return q.map(HOLD).list();
        });
    }

    /** A customer's balance, open holds and overdraft limit (empty limit: the default applies). */
    public CustomerSpend customer(String customerKey) throws SQLException {
        return database.withHandle(h -> {
            BigDecimal balance = ledger.account(AccountKeys.customer(customerKey))
                    .map(Account::balance)
                    .orElse(BigDecimal.ZERO);
            // the running total /authorize decides on (V21), zero for a customer spend control has not seen
            BigDecimal held = h.createQuery("SELECT held_usd_micros FROM spend_customers WHERE customer_key = :c")
                    .bind("c", customerKey)
                    .map((rs, ctx) -> Rows.micros(rs, "held_usd_micros"))
                    .findOne()
                    .orElse(BigDecimal.ZERO);
            Optional<BigDecimal> overdraft = h.createQuery(
                            "SELECT overdraft_usd_micros FROM spend_customers WHERE customer_key = :c")
                    .bind("c", customerKey)
                    .map((rs, ctx) -> Optional.ofNullable(rs.getBigDecimal("overdraft_usd_micros"))
                            .map(Amounts::micros))
                    .findOne()
                    .flatMap(o -> o);
            return new CustomerSpend(customerKey, Amounts.micros(balance), held, overdraft);
        });
    }

    // ---- budget leases -------------------------------------------------------------------------------------------

    /** {@code spend_holds.payment_type} of a lease row: a slice of a customer's available balance one instance holds. */
    public static final String LEASE_TYPE = "lease";

    private static final String LEASE_INSERT = "INSERT INTO spend_holds (customer_key, session_id, sequence_number,"
            + " payment_type, amount, remaining, window_seconds, status, created_at, expires_at) VALUES (:c, :s, NULL,"
            + " '" + LEASE_TYPE + "', :grant, :grant, 0, 'OPEN', :now, :expires)";

    /** {@code spend_holds.session_id} of the lease rows of one owner (application instance). */
    public static String leaseSession(String owner) {
        return "lease:" + owner;
    }

    /**
     * Budget leases ({@code docs/spend-control.md#budget-leases}), one transaction for all customers of one instance:
     * for each customer, under its {@code spend_customers} lock (key order, like every writer), the holds allowed in
     * memory since the last sync are written as real hold rows (created at their allow time) and their amounts taken
     * off the owner's lease row (its {@code remaining}), so the running open-hold total does not change; a hold whose
     * session and sequence already has an open hold (the signer retried on another instance) is not written twice,
     * its amount goes back to the lease. Then the lease is released ({@code SETTLED}, its remainder no longer held),
     * or topped up by {@code min(topUp, maxFraction × headroom)} where {@code headroom = balance − open holds −
     * floor} (leases never reach into the overdraft); a top-up smaller than {@code minGrant} is not made and the
     * result says the customer is close to zero. The lease row's {@code expires_at} is set to {@code expiresAt}. A
     * lease row that is no longer open (expired by another instance after this one stopped syncing) is "lost": the
     * flushed holds then count on their own, and a top-up makes a new lease row.
     *
     * @param owner       the instance's lease owner id ({@link #leaseSession})
     * @param syncs       per customer: the holds to flush and the lease change
     * @param floor       the balance floor (USD micros)
     * @param maxFraction the largest part of a customer's headroom one top-up takes (0 &lt; f ≤ 1)
     * @param expiresAt   the lease rows' new expiry
     * @return per customer, in the order given
     * @throws SQLException when a statement or the commit fails: nothing of the sync is stored
     */
    public List<LeaseResult> syncLeases(
            String owner, List<LeaseSync> syncs, BigDecimal floor, BigDecimal maxFraction, Instant expiresAt)
            throws SQLException {
        if (syncs.isEmpty()) {
            return List.of();
        }
        Instant now = clock.instant();
        String session = leaseSession(owner);
        return database.inTransaction(h -> {
            Set<String> keys = new TreeSet<>();
            syncs.forEach(s -> keys.add(s.customerKey()));
            Map<String, Locked> customers = lockCustomerKeys(h, keys, now);
            Map<String, String> accountKeys = new HashMap<>();
            customers.keySet().forEach(c -> accountKeys.put(AccountKeys.customer(c), c));
            ledger.accounts(accountKeys.keySet())
                    .forEach((key, account) ->
                            customers.get(accountKeys.get(key)).balance = Amounts.micros(account.balance()));
            // the owner's open lease rows of these customers (their customers are locked: nothing else writes them)
            Map<String, BigDecimal> leased = leasedRemaining(h, session, keys, LeaseRowLock.NONE);
            // the holds allowed in memory: one batch, a retried session and sequence is skipped by the unique key
            Map<String, BigDecimal> written = new HashMap<>();
            Map<String, BigDecimal> returned = new HashMap<>();
            writeFlushedHolds(h, syncs, c -> true, written, returned);
            PreparedBatch leaseUpdate = h.prepareBatch("UPDATE spend_holds SET remaining = remaining - :used + :grant,"
                    + " amount = amount + :grant, expires_at = :expires WHERE customer_key = :c AND session_id = :s"
                    + " AND status = 'OPEN' AND payment_type = '" + LEASE_TYPE + "'");
            PreparedBatch leaseRelease = h.prepareBatch("UPDATE spend_holds SET remaining = 0, status = 'SETTLED',"
                    + " closed_at = :now, closed_by = 'lease-release' WHERE customer_key = :c AND session_id = :s"
                    + " AND status = 'OPEN' AND payment_type = '" + LEASE_TYPE + "'");
            PreparedBatch leaseInsert = h.prepareBatch(LEASE_INSERT);
            boolean updates = false;
            boolean releases = false;
            boolean inserts = false;
            List<LeaseResult> results = new ArrayList<>(syncs.size());
            for (LeaseSync s : syncs) {
                String c = s.customerKey();
                Locked customer = customers.get(c);
                BigDecimal used = written.getOrDefault(c, BigDecimal.ZERO);
                BigDecimal back = returned.getOrDefault(c, BigDecimal.ZERO);
                BigDecimal remaining = leased.get(c);
                boolean lost = s.leased() && remaining == null;
                if (remaining == null) {
                    customer.added = customer.added.add(used); // no lease to draw from: the holds count on their own
                }
                BigDecimal grant = BigDecimal.ZERO;
                boolean closeToZero = false;
                BigDecimal headroom = customer.balance
                        .subtract(customer.held)
                        .subtract(customer.added)
                        .subtract(floor);
                if (s.release()) {
                    if (remaining != null) {
                        BigDecimal left = remaining.subtract(used);
                        customer.added = customer.added.subtract(left);
                        leaseRelease
                                .bind("now", now)
                                .bind("c", c)
                                .bind("s", session)
                                .add();
                        releases = true;
                    }
                } else {
                    if (remaining != null && headroom.signum() < 0) {
                        // usage beyond the holds took the balance below what is held: no more in-memory allows
                        closeToZero = true;
                    } else if (s.topUp().signum() > 0) {
                        BigDecimal cap = headroom.multiply(maxFraction).setScale(12, RoundingMode.DOWN);
                        grant = s.topUp().min(cap).max(BigDecimal.ZERO);
                        if (grant.compareTo(s.minGrant()) < 0 || grant.signum() == 0) {
                            grant = BigDecimal.ZERO;
                            closeToZero = true;
                        }
                    }
                    customer.added = customer.added.add(grant);
                    if (remaining != null) {
                        leaseUpdate
                                .bind("used", used)
                                .bind("grant", grant)
                                .bind("expires", expiresAt)
                                .bind("c", c)
                                .bind("s", session)
                                .add();
                        updates = true;
                    } else if (grant.signum() > 0) {
                        leaseInsert
                                .bind("c", c)
                                .bind("s", session)
                                .bind("grant", grant)
                                .bind("now", now)
                                .bind("expires", expiresAt)
                                .add();
                        inserts = true;
                    }
                }
                boolean open = !s.release() && (remaining != null || grant.signum() > 0);
                results.add(new LeaseResult(
                        c, open, grant, back, lost, closeToZero, headroom.subtract(grant), customer.overdraft, false));
            }
            if (updates) {
                leaseUpdate.execute();
            }
            if (releases) {
                leaseRelease.execute();
            }
            if (inserts) {
                leaseInsert.execute();
            }
            addToHeldTotals(h, customers);
            return results;
        });
    }

    /**
     * The light part of a lease sync, for every lease the owner believes open: the holds allowed in memory are
     * written, drawn from the lease row, and the row renewed (top-ups and releases are left to {@link #syncLeases}).
     * The lease already counts those holds in the running open-hold total, so nothing about the customer changes: no
     * {@code spend_customers} lock and no balance read, so reservations and syncs of the same customers on the
     * database path do not wait for this transaction. It locks only this owner's lease rows, in key order and
     * {@code SKIP LOCKED}: a row another transaction holds is left out (its result says {@code skipped}), then writes
     * the holds as {@link #syncLeases} does. A customer whose lease row is no longer open is left out (its result
     * says {@code lost}): it needs the full {@link #syncLeases}, where its holds then count on their own under the
     * customer's lock.
     *
     * @param owner     the instance's lease owner id
     * @param syncs     per customer: the holds to write (each {@code leased}; {@code topUp} and {@code release} are
     *                  not acted on here)
     * @param expiresAt the lease rows' new expiry
     * @return per customer, in the order given; {@code headroom} null (not read) and {@code overdraft} empty
     * @throws SQLException when a statement or the commit fails: nothing is stored
     */
    public List<LeaseResult> flushLeases(String owner, List<LeaseSync> syncs, Instant expiresAt) throws SQLException {
        if (syncs.isEmpty()) {
            return List.of();
        }
        String session = leaseSession(owner);
        return database.inTransaction(h -> {
            Set<String> keys =
                    new TreeSet<>(syncs.stream().map(LeaseSync::customerKey).toList());
            // lock the rows this transaction can have at once; one that another transaction holds is skipped (this
            // light part never waits: its holds are written by the next sync), told apart from a row that is gone
            Map<String, BigDecimal> leased = leasedRemaining(h, session, keys, LeaseRowLock.SKIP_LOCKED);
            Set<String> busy = new HashSet<>();
            if (leased.size() < keys.size()) {
                Set<String> absent = new TreeSet<>(keys);
                absent.removeAll(leased.keySet());
                busy.addAll(
                        leasedRemaining(h, session, absent, LeaseRowLock.NONE).keySet());
            }
            Map<String, BigDecimal> written = new HashMap<>();
            Map<String, BigDecimal> returned = new HashMap<>();
            writeFlushedHolds(h, syncs, leased::containsKey, written, returned);
            PreparedBatch leaseUpdate = h.prepareBatch("UPDATE spend_holds SET remaining = remaining - :used,"
                    + " expires_at = :expires WHERE customer_key = :c AND session_id = :s AND status = 'OPEN'"
                    + " AND payment_type = '" + LEASE_TYPE + "'");
            boolean any = false;
            List<LeaseResult> results = new ArrayList<>(syncs.size());
            for (LeaseSync s : syncs) {
                String c = s.customerKey();
                if (busy.contains(c)) { // open but locked elsewhere: nothing written, retried next sync
                    results.add(new LeaseResult(
                            c, true, BigDecimal.ZERO, BigDecimal.ZERO, false, false, null, Optional.empty(), true));
                    continue;
                }
                if (!leased.containsKey(c)) {
                    results.add(new LeaseResult(
                            c, false, BigDecimal.ZERO, BigDecimal.ZERO, true, false, null, Optional.empty(), false));
                    continue;
                }
                leaseUpdate
                        .bind("used", written.getOrDefault(c, BigDecimal.ZERO))
                        .bind("expires", expiresAt)
                        .bind("c", c)
                        .bind("s", session)
                        .add();
                any = true;
                results.add(new LeaseResult(
                        c,
                        true,
                        BigDecimal.ZERO,
                        returned.getOrDefault(c, BigDecimal.ZERO),
                        false,
                        false,
                        null,
                        Optional.empty(),
                        false));
            }
            if (any) {
                leaseUpdate.execute();
            }
            return results;
        });
    }

    /** How {@link #leasedRemaining} reads the lease rows. */
    private enum LeaseRowLock {
        /** a plain read (the caller holds the customers' locks, or only needs to know which rows are open) */
        NONE,
        /** {@code FOR UPDATE SKIP LOCKED} in key order: the rows another transaction holds are left out */
        SKIP_LOCKED
    }

    /**
     * The {@code remaining} of one owner's open lease rows ({@code session_id = lease:<owner>}) of these customers:
     * the one read of lease rows that reservations ({@link #grantLeases}), full syncs and light flushes share.
     *
     * @return customer key → remaining (USD micros); customers without an open lease row (or, with
     *         {@link LeaseRowLock#SKIP_LOCKED}, whose row another transaction holds) are absent
     */
    private Map<String, BigDecimal> leasedRemaining(
            Handle h, String session, Collection<String> customers, LeaseRowLock lock) {
        Map<String, BigDecimal> leased = new HashMap<>();
        if (customers.isEmpty()) {
            return leased;
        }
        List<String> list = new ArrayList<>(customers);
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < list.size(); i++) {
            in.append(i == 0 ? ":c" : ", :c").append(i);
        }
        Query q = h.createQuery("SELECT customer_key, remaining FROM spend_holds WHERE session_id = :s"
                        + " AND status = 'OPEN' AND payment_type = '" + LEASE_TYPE + "' AND customer_key IN (" + in
                        + ")"
                        + (lock == LeaseRowLock.SKIP_LOCKED
                                ? " ORDER BY customer_key " + database.dialect().rowLockForUpdate() + " SKIP LOCKED"
                                : ""))
                .bind("s", session);
        for (int i = 0; i < list.size(); i++) {
            q.bind("c" + i, list.get(i));
        }
        q.map((rs, ctx) -> Map.entry(rs.getString("customer_key"), Rows.micros(rs, "remaining")))
                .forEach(e -> leased.merge(e.getKey(), e.getValue(), BigDecimal::add));
        return leased;
    }

    private static final String FLUSHED_HOLD_INSERT = "INSERT INTO spend_holds (customer_key, session_id,"
            + " sequence_number, payment_type, amount, remaining, window_seconds, status, created_at, expires_at)"
            + " VALUES (:c, :s, :n, :type, :amount, :amount, :window, 'OPEN', :at, :expires) ON CONFLICT DO NOTHING";

    /**
     * Writes the holds an instance allowed in memory for the customers {@code included} accepts, as one batch: a
     * retried session and sequence is skipped by the unique key (or reopened when its hold was closed). Adds each
     * customer's written amount (USD micros, drawn from the lease) to {@code written} and the amount an open hold
     * already covered to {@code returned}.
     */
    private static void writeFlushedHolds(
            Handle h,
            List<LeaseSync> syncs,
            java.util.function.Predicate<String> included,
            Map<String, BigDecimal> written,
            Map<String, BigDecimal> returned) {
        List<Object[]> flushed = new ArrayList<>(); // customer, LeasedHold
        PreparedBatch insert = h.prepareBatch(FLUSHED_HOLD_INSERT);
        for (LeaseSync s : syncs) {
            if (!included.test(s.customerKey())) {
                continue;
            }
            for (LeasedHold lh : s.holds()) {
                bindFlushed(insert, s.customerKey(), lh).add();
                flushed.add(new Object[] {s.customerKey(), lh});
            }
        }
        if (flushed.isEmpty()) {
            return;
        }
        int[] counts = insert.execute();
        for (int i = 0; i < counts.length; i++) {
            String c = (String) flushed.get(i)[0];
            LeasedHold lh = (LeasedHold) flushed.get(i)[1];
            BigDecimal amount = lh.hold().amount();
            if (counts[i] == 0 && !reopenFlushed(h, c, lh)) {
                returned.merge(c, amount, BigDecimal::add); // an open hold already covers this payment
            } else {
                written.merge(c, amount, BigDecimal::add);
            }
        }
    }

    private static PreparedBatch bindFlushed(PreparedBatch insert, String customerKey, LeasedHold lh) {
        return insert.bind("c", customerKey)
                .bind("s", lh.sessionId())
                .bind("n", lh.sequenceNumber())
                .bind("type", lh.hold().paymentType())
                .bind("amount", lh.hold().amount())
                .bind("window", lh.hold().windowSeconds())
                .bind("at", lh.allowedAt())
                .bind("expires", lh.hold().expiresAt());
    }

    /**
     * A flushed hold whose session and sequence already has a row: a settled or expired one is opened again with the
     * new amount (as a reservation would); an open one already covers the payment.
     *
     * @return whether the hold was written
     */
    private static boolean reopenFlushed(Handle h, String customerKey, LeasedHold lh) {
        int n = h.createUpdate("UPDATE spend_holds SET payment_type = :type, amount = :amount, remaining = :amount,"
                        + " window_seconds = :window, status = 'OPEN', created_at = :at, expires_at = :expires,"
                        + " closed_at = NULL, closed_by = NULL WHERE customer_key = :c AND session_id = :s AND"
                        + " sequence_number = :n AND status <> 'OPEN'")
                .bind("type", lh.hold().paymentType())
                .bind("amount", lh.hold().amount())
                .bind("window", lh.hold().windowSeconds())
                .bind("at", lh.allowedAt())
                .bind("expires", lh.hold().expiresAt())
                .bind("c", customerKey)
                .bind("s", lh.sessionId())
                .bind("n", lh.sequenceNumber())
                .execute();
        return n > 0;
    }

    /**
     * A hold allowed in memory against a lease, to be written by {@link #syncLeases}.
     *
     * @param sessionId      {@code state.StateID}, or null
     * @param sequenceNumber {@code state.SequenceNumber}, or null
     * @param hold           what was held
     * @param allowedAt      when it was allowed (the row's {@code created_at})
     */
    public record LeasedHold(String sessionId, Long sequenceNumber, NewHold hold, Instant allowedAt) {}

    /**
     * One customer's part of a {@link #syncLeases}.
     *
     * @param customerKey customer key
     * @param leased      whether the instance believes it holds an open lease row for the customer
     * @param holds       holds allowed in memory since the last sync, in order
     * @param topUp       how much to add to the lease (USD micros, 0 for none)
     * @param minGrant    a top-up smaller than this is not made (the customer is close to zero)
     * @param release     give the lease back (after flushing the holds)
     */
    public record LeaseSync(
            String customerKey,
            boolean leased,
            List<LeasedHold> holds,
            BigDecimal topUp,
            BigDecimal minGrant,
            boolean release) {}

    /**
     * The outcome of one customer's {@link LeaseSync}.
     *
     * @param customerKey  customer key
     * @param open         whether the customer's lease row is open after the sync
     * @param granted      what was added to the lease (USD micros)
     * @param returned     amounts of flushed holds that an open hold already covered, given back to the lease
     * @param lost         the lease row was no longer open (expired elsewhere)
     * @param closeToZero  a top-up was wanted but the customer's headroom is too small: use the exact path
     * @param headroom     balance − open holds − floor after the sync (USD micros; leases counted as held), null when
     *                     the sync did not read it ({@link #flushLeases})
     * @param overdraft    the customer's own overdraft limit, or empty (the default applies)
     * @param skipped      {@link #flushLeases} only: the lease row is open but another transaction held it, so
     *                     nothing of this customer was written (its holds go to the next sync)
     */
    public record LeaseResult(
            String customerKey,
            boolean open,
            BigDecimal granted,
            BigDecimal returned,
            boolean lost,
            boolean closeToZero,
            BigDecimal headroom,
            Optional<BigDecimal> overdraft,
            boolean skipped) {}

    // ---- overdraft limits ----------------------------------------------------------------------------------------

    /**
     * Sets (or, with null, removes) a customer's own overdraft limit, audited.
     *
     * @throws IllegalArgumentException for a negative limit
     */
    public void setOverdraft(String customerKey, BigDecimal overdraftMicros, String actor, String reason)
            throws SQLException {
        if (overdraftMicros != null && overdraftMicros.signum() < 0) {
            throw new IllegalArgumentException("overdraft_usd_micros must not be negative");
        }
        Instant now = clock.instant();
        database.inTransaction(h -> {
            h.createUpdate("INSERT INTO spend_customers (customer_key, updated_at) VALUES (:c, :now)"
                            + " ON CONFLICT DO NOTHING")
                    .bind("c", customerKey)
                    .bind("now", now)
                    .execute();
            h.createUpdate("UPDATE spend_customers SET overdraft_usd_micros = :o, updated_at = :now,"
                            + " updated_by = :actor WHERE customer_key = :c")
                    .bind("o", overdraftMicros)
                    .bind("now", now)
                    .bind("actor", actor)
                    .bind("c", customerKey)
                    .execute();
            audit(
                    h,
                    now,
                    actor,
                    "OVERDRAFT",
                    Scope.CUSTOMER,
                    customerKey,
                    reason,
                    overdraftMicros == null
                            ? "default"
                            : Amounts.micros(overdraftMicros).toPlainString());
            return null;
        });
    }

    // ---- kill switch ---------------------------------------------------------------------------------------------

    /**
     * Pauses signing for a scope, audited. Pausing what is already paused keeps the first pause (and is audited).
     *
     * @param target {@code ""} for {@link Scope#ALL}, the client id or the customer key
     * @return the active pause
     */
    public Pause pause(Scope scope, String target, String reason, String actor) throws SQLException {
        String t = scope == Scope.ALL ? "" : target;
        Instant now = clock.instant();
        return database.inTransaction(h -> {
            h.createUpdate("INSERT INTO spend_pauses (scope, target, reason, paused_by, paused_at, active_key)"
                            + " VALUES (:scope, :target, :reason, :actor, :now, :key) ON CONFLICT DO NOTHING")
                    .bind("scope", scope.name())
                    .bind("target", t)
                    .bind("reason", reason)
                    .bind("actor", actor)
                    .bind("now", now)
                    .bind("key", scope.name() + ":" + t)
                    .execute();
            audit(h, now, actor, "PAUSE", scope, t, reason, null);
            return h.createQuery("SELECT * FROM spend_pauses WHERE active_key = :key")
                    .bind("key", scope.name() + ":" + t)
                    .map(PAUSE)
                    .one();
        });
    }

    /**
     * Lifts the active pause of a scope, audited.
     *
     * @return the lifted pause, or empty when none was active
     */
    public Optional<Pause> resume(Scope scope, String target, String reason, String actor) throws SQLException {
        String t = scope == Scope.ALL ? "" : target;
        Instant now = clock.instant();
        return database.inTransaction(h -> {
            Optional<Pause> active = h.createQuery("SELECT * FROM spend_pauses WHERE active_key = :key")
                    .bind("key", scope.name() + ":" + t)
                    .map(PAUSE)
                    .findOne();
            if (active.isEmpty()) {
                return active;
            }
            h.createUpdate("UPDATE spend_pauses SET active_key = NULL, resumed_at = :now, resumed_by = :actor"
                            + " WHERE id = :id")
                    .bind("now", now)
                    .bind("actor", actor)
                    .bind("id", active.get().id())
                    .execute();
            audit(h, now, actor, "RESUME", scope, t, reason, null);
            return h.createQuery("SELECT * FROM spend_pauses WHERE id = :id")
                    .bind("id", active.get().id())
                    .map(PAUSE)
                    .findOne();
        });
    }

    /** The active pauses, oldest first. */
    public List<Pause> activePauses() throws SQLException {
        return database.withHandle(
                h -> h.createQuery("SELECT * FROM spend_pauses WHERE active_key IS NOT NULL" + " ORDER BY id")
                        .map(PAUSE)
                        .list());
    }

    /** The audit trail, newest first. */
    public List<AuditEntry> audit(int limit) throws SQLException {
        return database.withHandle(h -> h.createQuery("SELECT * FROM spend_audit ORDER BY id DESC LIMIT :limit")
                .bind("limit", limit)
                .map((rs, ctx) -> new AuditEntry(
                        rs.getLong("id"),
                        Rows.instant(rs, "at"),
                        rs.getString("actor"),
                        rs.getString("action"),
                        rs.getString("scope"),
                        rs.getString("target"),
                        rs.getString("reason"),
                        rs.getString("detail")))
                .list());
    }

    private static void audit(
            Handle h,
            Instant now,
            String actor,
            String action,
            Scope scope,
            String target,
            String reason,
            String detail) {
        h.createUpdate("INSERT INTO spend_audit (at, actor, action, scope, target, reason, detail) VALUES (:at, :actor,"
                        + " :action, :scope, :target, :reason, :detail)")
                .bind("at", now)
                .bind("actor", actor)
                .bind("action", action)
                .bind("scope", scope == null ? null : scope.name())
                .bind("target", target)
                .bind("reason", reason)
                .bind("detail", detail)
                .execute();
    }

    // ---- shapes --------------------------------------------------------------------------------------------------

    /**
     * One reservation to decide ({@link #reserve}, {@link #reserveAll}, {@link GroupCommit}).
     *
     * @param customerKey      the customer key
     * @param sessionId        {@code state.StateID}, or null
     * @param sequenceNumber   {@code state.SequenceNumber}, or null
     * @param defaultOverdraft the overdraft limit (USD micros) of customers without their own
     * @param planner          the decision given the customer's position (pure: it may run on another thread)
     * @param lease            a budget lease to take in the same transaction when the call is allowed, or null
     */
    public record Reservation<T>(
            String customerKey,
            String sessionId,
            Long sequenceNumber,
            BigDecimal defaultOverdraft,
            Planner<T> planner,
            LeaseRequest lease) {

        /** A reservation that asks for no budget lease. */
        public Reservation(
                String customerKey,
                String sessionId,
                Long sequenceNumber,
                BigDecimal defaultOverdraft,
                Planner<T> planner) {
            this(customerKey, sessionId, sequenceNumber, defaultOverdraft, planner, null);
        }

        /** This reservation's decision out of {@link #reserveAll}'s list. */
        @SuppressWarnings("unchecked")
        public T type(Object decision) {
            return (T) decision;
        }
    }

    /**
     * A customer whose running open-hold total differs from the sum of its open holds ({@link #heldDrift}).
     *
     * @param customerKey customer key
     * @param runningTotal {@code spend_customers.held_usd_micros}, USD micros
     * @param openHolds    the sum of its open holds' remaining amounts, USD micros
     */
    public record HeldDrift(String customerKey, BigDecimal runningTotal, BigDecimal openHolds) {}

    /** The decision of a reservation given the customer's position. */
    @FunctionalInterface
    public interface Planner<T> {
        Plan<T> plan(Position position);
    }

    /**
     * @param decision what {@link #reserve} returns
     * @param hold     the hold to store, or null (refused, or nothing to hold)
     */
    public record Plan<T>(T decision, NewHold hold) {}

    /**
     * @param paymentType   {@code state.Type} ({@code live}, {@code lv2v}, {@code fixed} or {@code ""})
     * @param amount        USD micros to hold, not negative
     * @param windowSeconds 0 for one payment, else the seconds of signing it covers (the expiry given to the signer)
     * @param expiresAt     when the hold stops counting
     */
    public record NewHold(String paymentType, BigDecimal amount, int windowSeconds, Instant expiresAt) {}

    /**
     * A customer's position under the reservation lock.
     *
     * @param customerKey customer key
     * @param balance     ledger balance, USD micros
     * @param held        open holds' remaining amounts, USD micros
     * @param overdraft   overdraft limit, USD micros
     * @param lastHoldAt  when this session's latest hold was made, or null
     * @param existing    the open hold for this very session and sequence (a retried call), or null
     * @param now         the time of the decision
     */
    public record Position(
            String customerKey,
            BigDecimal balance,
            BigDecimal held,
            BigDecimal overdraft,
            Instant lastHoldAt,
            Hold existing,
            Instant now) {

        /** balance − held + overdraft: what new holds may take (USD micros). */
        public BigDecimal available() {
            return balance.subtract(held).add(overdraft);
        }
    }

    /**
     * A metered event that may settle a hold.
     *
     * @param eventId        the event id
     * @param customerKey    the billed customer key
     * @param sessionId      {@code data.session_id}, or null
     * @param sequenceNumber {@code data.sequence_number}, or null
     * @param billableMicros billable USD micros
     */
    public record Settlement(
            String eventId, String customerKey, String sessionId, Long sequenceNumber, BigDecimal billableMicros) {}

    /** One hold (see V14). */
    public record Hold(
            long id,
            String customerKey,
            String sessionId,
            Long sequenceNumber,
            String paymentType,
            BigDecimal amount,
            BigDecimal remaining,
            int windowSeconds,
            HoldStatus status,
            Instant createdAt,
            Instant expiresAt,
            Instant closedAt,
            String closedBy) {

        Hold with(BigDecimal newRemaining, HoldStatus newStatus, String by, Instant at) {
            return new Hold(
                    id,
                    customerKey,
                    sessionId,
                    sequenceNumber,
                    paymentType,
                    amount,
                    newRemaining,
                    windowSeconds,
                    newStatus,
                    createdAt,
                    expiresAt,
                    newStatus == HoldStatus.OPEN ? null : at,
                    newStatus == HoldStatus.OPEN ? null : by);
        }
    }

    /**
     * @param customerKey customer key
     * @param balance     ledger balance, USD micros
     * @param held        open holds, USD micros
     * @param overdraft   the customer's own overdraft limit, or empty (the default applies)
     */
    public record CustomerSpend(
            String customerKey, BigDecimal balance, BigDecimal held, Optional<BigDecimal> overdraft) {}

    /** One pause of the kill switch (active while {@code resumedAt} is null). */
    public record Pause(
            long id,
            Scope scope,
            String target,
            String reason,
            String pausedBy,
            Instant pausedAt,
            Instant resumedAt,
            String resumedBy) {}

    /** One audited change. */
    public record AuditEntry(
            long id,
            Instant at,
            String actor,
            String action,
            String scope,
            String target,
            String reason,
            String detail) {}

    /** Adds each locked customer's {@code added} (USD micros) to its running open-hold total, one batched UPDATE. */
    private static void addToHeldTotals(Handle h, Map<String, Locked> customers) {
        PreparedBatch held = h.prepareBatch(
                "UPDATE spend_customers SET held_usd_micros = held_usd_micros + :d WHERE customer_key = :c");
        boolean any = false;
        for (Map.Entry<String, Locked> e : customers.entrySet()) {
            if (e.getValue().added.signum() != 0) {
                held.bind("d", e.getValue().added).bind("c", e.getKey()).add();
                any = true;
            }
        }
        if (any) {
            held.execute();
        }
    }
}

package io.livepeer.clearinghouse.bridge;

import io.livepeer.clearinghouse.ledger.spend.SpendStore;
import io.livepeer.clearinghouse.ledger.spend.SpendStore.LeaseResult;
import io.livepeer.clearinghouse.ledger.spend.SpendStore.LeaseSync;
import io.livepeer.clearinghouse.ledger.spend.SpendStore.LeasedHold;
import io.livepeer.clearinghouse.ledger.spend.SpendStore.NewHold;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-instance budget leases ({@code docs/spend-control.md#budget-leases}): this instance holds a slice of a busy
 * customer's available balance as one lease row ({@code spend_holds}, type {@code lease}, counted in the customer's
 * running open-hold total like any hold), decides that customer's reservations in memory against the slice, and a
 * background sync (every {@code flushInterval}) writes the holds allowed since the last sync as real hold rows, drawn
 * from the lease, and tops the lease up before it runs out, all in one transaction ({@link SpendStore#syncLeases}).
 *
 * <p><b>Bound.</b> An in-memory allow takes its hold out of the lease before it answers, so the lease plus the
 * customer's hold rows always cover every allowed payment, exactly as if each allow had reserved in the database:
 * the bound of {@link SpendControl} is unchanged. A lease is only granted out of {@code balance − open holds − floor}
 * (never the overdraft), at most {@code maxFraction} of it per top-up.
 *
 * <p><b>Validity.</b> A lease is usable in memory until {@code ttl} after the start of its last successful sync (or
 * the reservation that granted it), and for one more {@code ttl} while a sync is under way (waiting for the database;
 * a failed sync ends this grace). Its row expires {@code 2 × ttl + long expiry + hold TTL} after that start, so a hold
 * allowed in memory and never flushed (the instance died) is covered by the lease row as long as its own hold row
 * would have been; then any instance's hold expiry returns the slice. The light flush skips lease rows another
 * transaction holds ({@code SKIP LOCKED}): their holds wait for the next sync. Thread-safe.
 */
public final class SpendLeases implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SpendLeases.class);

    /** A lease is sized for at least this many of the customer's largest holds (bursts between two syncs). */
    static final BigDecimal MIN_HOLDS = BigDecimal.valueOf(8);

    /** The most customers one full-sync transaction locks. */
    static final int FULL_CHUNK = 32;

    /**
     * @param ttl           how long a lease stays usable in memory after its last successful sync
     * @param flushInterval how often the holds allowed in memory are written and leases topped up
     * @param cover         a lease is sized to cover this long of the customer's recent hold rate
     * @param maxFraction   the largest part of a customer's headroom ({@code balance − holds − floor}) one top-up takes
     * @param idle          a lease unused this long is given back
     */
    public record Settings(
            Duration ttl, Duration flushInterval, Duration cover, BigDecimal maxFraction, Duration idle) {}

    /** One customer's lease on this instance (guarded by itself). */
    static final class Lease {
        final String customerKey;
        boolean leased; // a lease row is believed open
        BigDecimal available = BigDecimal.ZERO; // what in-memory allows may still take (USD micros)
        List<LeasedHold> pending = new ArrayList<>();
        Instant validUntil = Instant.MIN;
        boolean releasing; // give the lease back at the next sync
        BigDecimal headroom = BigDecimal.ZERO; // balance − holds − floor at the last sync (for the expiry test)
        BigDecimal overdraft; // the customer's own overdraft limit, or null
        // demand
        int dbAllows; // reservations decided in the database since the lease was given back / never leased
        BigDecimal heldSinceSync = BigDecimal.ZERO;
        BigDecimal ratePerSecond = BigDecimal.ZERO; // held USD micros per second (moving average)
        BigDecimal largestHold = BigDecimal.ZERO;
        Instant lastAllowAt = Instant.MIN;
        Instant fullReadAt = Instant.MIN; // the last full sync (balance read) or lease grant of this customer
        int grants; // leases granted by reservations in the database (a sync that began before one keeps it leased)
        Instant askAgainAt = Instant.MIN; // a reservation's lease request found the customer close to zero
        BigDecimal topUpBelow = BigDecimal.ZERO; // the sync tops the lease up below this (half its target)

        Lease(String customerKey) {
            this.customerKey = customerKey;
        }
    }

    private final SpendStore store;
    private final Settings settings;
    private final Duration rowMargin;
    private final BigDecimal floor;
    private final Clock clock;
    private final Predicate<String> paused;
    private final String owner = UUID.randomUUID().toString();
    private final Map<String, Lease> leases = new ConcurrentHashMap<>();
    private final AtomicLong inMemoryAllows = new AtomicLong();
    private final AtomicLong fallbacks = new AtomicLong();
    private final AtomicLong syncFailures = new AtomicLong();
    private volatile Instant lastSyncAt;
    private volatile Instant previousSyncAt;
    private volatile boolean failing;
    private volatile boolean syncing; // a sync is in its database transactions
    private final AtomicLong graceAllows = new AtomicLong();
    private final AtomicLong skippedFlushes = new AtomicLong();
    private final java.util.concurrent.atomic.AtomicBoolean syncAsked = new java.util.concurrent.atomic.AtomicBoolean();
    private final AtomicLong askedSyncs = new AtomicLong();
    private volatile boolean closed;
    private ScheduledExecutorService keeper;

    /**
     * @param store     the spend tables
     * @param settings  lease settings
     * @param rowMargin how much longer than {@code ttl} a lease row lives after a sync: the longest hold lifetime
     *                  (long expiry + hold TTL), so the row outlives every hold allowed against it in memory
     * @param floor     the balance floor (USD micros)
     * @param clock     clock
     * @param paused    whether a customer is paused (for everyone or that customer): its lease is given back
     */
    public SpendLeases(
            SpendStore store,
            Settings settings,
            Duration rowMargin,
            BigDecimal floor,
            Clock clock,
            Predicate<String> paused) {
        this.store = store;
        this.settings = settings;
        this.rowMargin = rowMargin;
        this.floor = floor;
        this.clock = clock;
        this.paused = paused;
    }

    /** Starts the background sync (a daemon thread, every {@code flushInterval}). */
    public synchronized SpendLeases start() {
        if (keeper == null) {
            keeper = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "spend-lease-sync");
                t.setDaemon(true);
                return t;
            });
            long every = Math.max(1, settings.flushInterval().toMillis());
            keeper.scheduleWithFixedDelay(this::syncQuietly, every, every, TimeUnit.MILLISECONDS);
        }
        return this;
    }

    /** This instance's lease owner id (the lease rows' session is {@code lease:<owner>}). */
    public String owner() {
        return owner;
    }

    /** A planner of an in-memory decision: the position against the lease, and the available amount for the expiry. */
    @FunctionalInterface
    public interface LeasePlanner {
        SpendStore.Plan<Decision> plan(SpendStore.Position position, BigDecimal farAvailable);
    }

    /**
     * Decides a reservation in memory against the customer's lease, when it has a valid one that covers it.
     *
     * @param lastHoldAt this session's latest hold known here, or null
     * @param existing   the open hold of this very call (a retry) known here, or null
     * @return the decision, or null when the call must take the database path (no valid lease, or the lease does
     *         not cover it)
     */
    Decision tryAllow(
            String customerKey,
            String sessionId,
            Long sequence,
            Instant lastHoldAt,
            SpendStore.Hold existing,
            BigDecimal defaultOverdraft,
            LeasePlanner planner) {
        Lease lease = leases.get(customerKey);
        Instant now = clock.instant();
        if (lease == null || closed) {
            fallback(Fallback.NO_LEASE);
            return null;
        }
        synchronized (lease) {
            if (!lease.leased || lease.releasing) {
                fallback(lease.releasing ? Fallback.RELEASING : Fallback.NO_LEASE);
                return null;
            }
            if (!now.isBefore(lease.validUntil)) {
                // past ttl since its last sync: while a sync is under way (waiting for the database, not failed) the
                // lease goes on within its slice for one more ttl, which its row covers (rowExpiry); else the exact
                // path decides
                if (!syncing || !now.isBefore(lease.validUntil.plus(settings.ttl()))) {
                    fallback(Fallback.NOT_SYNCED);
                    return null;
                }
                graceAllows.incrementAndGet();
            }
            // against the lease alone: available = floor + lease, so "available − hold ≥ floor" is "hold ≤ lease"
            SpendStore.Position position = new SpendStore.Position(
                    customerKey,
                    floor.add(lease.available),
                    BigDecimal.ZERO,
                    BigDecimal.ZERO,
                    lastHoldAt,
                    existing,
                    now);
            BigDecimal overdraft = lease.overdraft != null ? lease.overdraft : defaultOverdraft;
            BigDecimal far = floor.add(lease.available).add(lease.headroom).add(overdraft);
            SpendStore.Plan<Decision> plan = planner.plan(position, far);
            if (!plan.decision().allowed()) {
                fallback(Fallback.NOT_COVERED);
                askSync(); // top it up now rather than at the next tick
                return null; // the exact path decides (and words) every refusal
            }
            NewHold hold = plan.hold();
            if (hold != null) {
                lease.available = lease.available.subtract(hold.amount());
                lease.pending.add(new LeasedHold(sessionId, sequence, hold, now));
                noteHold(lease, hold.amount(), now);
                if (lease.available.compareTo(lease.topUpBelow) < 0) {
                    askSync(); // short: the sync tops it up before the next calls find it empty
                }
            }
            inMemoryAllows.incrementAndGet();
            return plan.decision();
        }
    }

    /**
     * Runs a sync on the background thread now (once, however many calls ask before it starts), for a lease that
     * ran short: its top-up comes within one sync's time instead of up to {@code flushInterval} later.
     */
    private void askSync() {
        ScheduledExecutorService k = keeper;
        if (k == null || closed || !syncAsked.compareAndSet(false, true)) {
            return;
        }
        try {
            k.execute(() -> {
                syncAsked.set(false);
                syncQuietly();
            });
            askedSyncs.incrementAndGet();
        } catch (java.util.concurrent.RejectedExecutionException e) {
            syncAsked.set(false); // shutting down
        }
    }

    /**
     * A lease to take in the transaction of a reservation that takes the database path, when this instance holds
     * none for the customer (so the customer's next calls are decided in memory, not after two calls and a sync):
     * sized like a sync's top-up ({@code max(recent hold rate × cover, 8 × largest hold)}, at least 8 × this call's
     * hold), never below the largest hold seen. Null when a lease is open or being given back, the customer is
     * paused, or a request found it close to zero less than {@code ttl} ago.
     */
    SpendStore.LeaseRequest leaseRequest(String customerKey) {
        if (closed || paused.test(customerKey)) {
            return null;
        }
        Instant now = clock.instant();
        Lease lease = leases.computeIfAbsent(customerKey, Lease::new);
        synchronized (lease) {
            if (lease.leased || lease.releasing || now.isBefore(lease.askAgainAt)) {
                return null;
            }
            BigDecimal coverSeconds =
                    BigDecimal.valueOf(settings.cover().toMillis()).movePointLeft(3);
            BigDecimal target = lease.ratePerSecond.multiply(coverSeconds).max(lease.largestHold.multiply(MIN_HOLDS));
            return new SpendStore.LeaseRequest(
                    owner,
                    target,
                    lease.largestHold,
                    floor,
                    settings.maxFraction(),
                    rowExpiry(now.plus(settings.ttl())));
        }
    }

    /** Why a call took the database path ({@link #fallbacks(Fallback)}). */
    public enum Fallback {
        /** this instance holds no lease for the customer (first calls, given back, close to zero) */
        NO_LEASE,
        /** the lease is being given back (idle, paused, close to zero) */
        RELEASING,
        /** no successful sync within {@code ttl} (within {@code 2 × ttl} while a sync is under way) */
        NOT_SYNCED,
        /** what is left of the lease does not cover the call's hold (or the call is refused) */
        NOT_COVERED
    }

    private final AtomicLongArray fallbackReasons = new AtomicLongArray(Fallback.values().length);
    private final PathLatency syncLatency = new PathLatency();
    private final AtomicLong syncedCustomers = new AtomicLong();

    private final AtomicLongArray grantCounts = new AtomicLongArray(3);
    private final AtomicLongArray ends = new AtomicLongArray(4);

    /** Leases given back or lost: {@code [idle, close to zero, paused or shutting down, row lost]}. */
    public long[] leaseEnds() {
        return new long[] {ends.get(0), ends.get(1), ends.get(2), ends.get(3)};
    }

    /**
     * Leases asked for by reservations on the database path: {@code [granted, declined (close to zero), an open
     * lease was already there]}.
     */
    public long[] reservationLeases() {
        return new long[] {grantCounts.get(0), grantCounts.get(1), grantCounts.get(2)};
    }

    private void fallback(Fallback reason) {
        fallbacks.incrementAndGet();
        fallbackReasons.incrementAndGet(reason.ordinal());
    }

    /** Calls that took the database path for this reason. */
    public long fallbacks(Fallback reason) {
        return fallbackReasons.get(reason.ordinal());
    }

    /** How long each background sync's database transaction took. */
    public PathLatency syncLatency() {
        return syncLatency;
    }

    /** Customers written by all syncs so far (each sync counts each customer it wrote). */
    public long syncedCustomers() {
        return syncedCustomers.get();
    }

    /** Records a reservation decided in the database (demand: a customer allowed twice gets a lease). */
    void noteDatabaseAllow(String customerKey, BigDecimal held, Instant at) {
        noteDatabaseAllow(customerKey, held, at, null);
    }

    /**
     * Records a reservation decided in the database, and the lease its transaction granted (committed), if any.
     *
     * @param request the lease request of {@link #leaseRequest} the reservation carried, or null
     */
    void noteDatabaseAllow(String customerKey, BigDecimal held, Instant at, SpendStore.LeaseRequest request) {
        Lease lease = leases.computeIfAbsent(customerKey, Lease::new);
        synchronized (lease) {
            lease.dbAllows++;
            noteHold(lease, held, at);
            if (request == null) {
                return;
            }
            grantCounts.incrementAndGet(
                    request.existing() ? 2 : request.granted().signum() > 0 ? 0 : 1); // granted, declined, existing
            if (request.existing()) {
                return;
            }
            if (request.granted().signum() > 0 && !closed) {
                lease.leased = true;
                lease.grants++;
                lease.available = lease.available.add(request.granted());
                // usable until ttl after the request was made (its row expires 2 × ttl + rowMargin after that)
                Instant valid = request.expiresAt().minus(rowMargin).minus(settings.ttl());
                if (valid.isAfter(lease.validUntil)) {
                    lease.validUntil = valid;
                }
                lease.headroom = request.headroom();
                lease.overdraft = request.overdraft().orElse(null);
                lease.fullReadAt = at;
            } else if (request.granted().signum() == 0) {
                lease.askAgainAt = at.plus(settings.ttl()); // close to zero: the exact path goes on
            }
        }
    }

    private static void noteHold(Lease lease, BigDecimal amount, Instant at) {
        lease.heldSinceSync = lease.heldSinceSync.add(amount);
        lease.largestHold = lease.largestHold.max(amount);
        if (at.isAfter(lease.lastAllowAt)) {
            lease.lastAllowAt = at;
        }
    }

    /**
     * One sync: writes the holds allowed in memory, tops leases up, renews them, gives back idle, paused and
     * close-to-zero ones. Called by the background thread; tests call it directly.
     *
     * @throws SQLException when the database fails it (nothing is lost: the holds are written by the next sync, and
     *                      leases stop being used {@code ttl} after the last successful one)
     */
    public void sync() throws SQLException {
        Instant now = clock.instant();
        Instant previous = previousSyncAt;
        Duration elapsed = previous == null ? settings.flushInterval() : Duration.between(previous, now);
        if (elapsed.compareTo(settings.flushInterval()) < 0) {
            elapsed = settings.flushInterval();
        }
        BigDecimal seconds = BigDecimal.valueOf(elapsed.toMillis()).movePointLeft(3);
        BigDecimal coverSeconds =
                BigDecimal.valueOf(settings.cover().toMillis()).movePointLeft(3);
        BigDecimal weight = BigDecimal.valueOf(1
                        - Math.exp(-(double) elapsed.toMillis()
                                / Math.max(1, settings.cover().toMillis())))
                .setScale(6, RoundingMode.HALF_UP);
        List<LeaseSync> syncs = new ArrayList<>();
        List<Lease> involved = new ArrayList<>();
        List<BigDecimal> taken = new ArrayList<>(); // the lease amount a release took out of memory
        List<Integer> generation = new ArrayList<>(); // each lease's grants when the sync took it
        List<Instant> fullReadAt = new ArrayList<>(); // when each customer was last read by a full sync
        for (Lease lease : leases.values()) {
            synchronized (lease) {
                // the recent hold rate: a moving average with a time constant of `cover` (a 100 ms sample of a
                // customer paying a few times a second is mostly 0 or a burst: a short average swung with them and
                // sized the lease below the next burst)
                BigDecimal rate = lease.heldSinceSync.divide(seconds, 12, RoundingMode.UP);
                lease.ratePerSecond = lease.ratePerSecond
                        .multiply(BigDecimal.ONE.subtract(weight))
                        .add(rate.multiply(weight))
                        .setScale(12, RoundingMode.UP);
                lease.heldSinceSync = BigDecimal.ZERO;
                boolean idle = !now.isBefore(lease.lastAllowAt.plus(settings.idle()));
                boolean release = lease.leased && (closed || lease.releasing || idle || paused.test(lease.customerKey));
                if (release) {
                    ends.incrementAndGet(lease.releasing ? 1 : idle ? 0 : 2); // close to zero, idle, paused/closed
                }
                if (!lease.leased && (idle || paused.test(lease.customerKey))) {
                    if (lease.pending.isEmpty()) {
                        leases.remove(lease.customerKey, lease);
                        continue;
                    }
                }
                BigDecimal target =
                        lease.ratePerSecond.multiply(coverSeconds).max(lease.largestHold.multiply(MIN_HOLDS));
                BigDecimal topUp = BigDecimal.ZERO;
                lease.topUpBelow = target.divide(BigDecimal.valueOf(2), 12, RoundingMode.DOWN);
                boolean wanted = lease.leased || lease.dbAllows >= 2;
                if (!release
                        && !closed
                        && wanted
                        && !idle
                        && !paused.test(lease.customerKey)
                        && lease.available.compareTo(target.divide(BigDecimal.valueOf(2), 12, RoundingMode.DOWN)) < 0) {
                    topUp = target.subtract(lease.available);
                }
                boolean renew = lease.leased
                        && Duration.between(now, lease.validUntil)
                                        .compareTo(settings.ttl().dividedBy(2))
                                < 0;
                if (!release && topUp.signum() <= 0 && lease.pending.isEmpty() && !renew) {
                    continue;
                }
                List<LeasedHold> holds = lease.pending;
                lease.pending = new ArrayList<>();
                BigDecimal out = BigDecimal.ZERO;
                if (release) {
                    // no more in-memory allows from here: what is left goes back with the release
                    out = lease.available;
                    lease.available = BigDecimal.ZERO;
                    lease.releasing = true;
                }
                syncs.add(new LeaseSync(
                        lease.customerKey,
                        lease.leased,
                        holds,
                        topUp,
                        lease.largestHold.max(BigDecimal.ZERO),
                        release));
                involved.add(lease);
                taken.add(out);
                generation.add(lease.grants);
                fullReadAt.add(lease.fullReadAt);
            }
        }
        previousSyncAt = now;
        if (syncs.isEmpty()) {
            lastSyncAt = now;
            return;
        }
        Instant validUntil = now.plus(settings.ttl());
        // every lease believed open first has its holds written by the light flush (SpendStore.flushLeases: no
        // customer lock, no balance read); those that also grow, go back, or whose customer is due for a balance
        // re-read (read more than idle ago) then take the full sync with no holds left to write, so its customer
        // locks, which database-path reservations wait for, are held only for a few statements. Leases not believed
        // open (none yet, or lost) take the full sync with their holds.
        int n = syncs.size();
        List<Integer> lightIdx = new ArrayList<>();
        List<Integer> fullIdx = new ArrayList<>();
        boolean[] needsFull = new boolean[n];
        for (int i = 0; i < n; i++) {
            LeaseSync s = syncs.get(i);
            needsFull[i] = !s.leased()
                    || s.release()
                    || s.topUp().signum() > 0
                    || !now.isBefore(fullReadAt.get(i).plus(settings.idle()));
            (s.leased() ? lightIdx : fullIdx).add(i);
        }
        LeaseResult[] results = new LeaseResult[n];
        boolean[] flushed = new boolean[n]; // its holds were written (or put back)
        boolean[] done = new boolean[n]; // nothing of it is left to do
        long started = System.nanoTime();
        syncing = true;
        try {
            if (!lightIdx.isEmpty()) {
                List<LeaseSync> light = new ArrayList<>(lightIdx.size());
                lightIdx.forEach(i -> light.add(syncs.get(i)));
                List<LeaseResult> lr = store.flushLeases(owner, light, rowExpiry(validUntil));
                List<Integer> applied = new ArrayList<>();
                for (int k = 0; k < lightIdx.size(); k++) {
                    int i = lightIdx.get(k);
                    LeaseResult r = lr.get(k);
                    if (r.skipped()) {
                        // its row was held by another transaction: nothing written, the holds (and a top-up or
                        // release) wait for the next sync
                        skippedFlushes.incrementAndGet();
                        restore(involved.get(i), syncs.get(i), taken.get(i));
                        flushed[i] = true;
                        done[i] = true;
                    } else if (r.lost()) {
                        fullIdx.add(i); // its row is gone: the full sync writes its holds under the customer's lock
                    } else {
                        results[i] = r;
                        flushed[i] = true;
                        applied.add(i);
                        if (needsFull[i]) {
                            LeaseSync s = syncs.get(i);
                            syncs.set(
                                    i,
                                    new LeaseSync(
                                            s.customerKey(),
                                            s.leased(),
                                            List.of(),
                                            s.topUp(),
                                            s.minGrant(),
                                            s.release()));
                            fullIdx.add(i);
                        } else {
                            done[i] = true;
                        }
                    }
                }
                // renewed now, not after the full part (which waits for customer locks)
                apply(applied, involved, syncs, results, generation, validUntil, now);
            }
            // the full part in transactions of at most FULL_CHUNK customers (in key order): each holds its
            // customers' locks only for its own few statements, so a reservation on the database path waits for a
            // short transaction, not for one that writes every busy customer of the instance
            fullIdx.sort(
                    (x, y) -> syncs.get(x).customerKey().compareTo(syncs.get(y).customerKey()));
            for (int from = 0; from < fullIdx.size(); from += FULL_CHUNK) {
                List<Integer> chunk = fullIdx.subList(from, Math.min(fullIdx.size(), from + FULL_CHUNK));
                List<LeaseSync> full = new ArrayList<>(chunk.size());
                chunk.forEach(i -> full.add(syncs.get(i)));
                List<LeaseResult> fr =
                        store.syncLeases(owner, full, floor, settings.maxFraction(), rowExpiry(validUntil));
                for (int k = 0; k < chunk.size(); k++) {
                    results[chunk.get(k)] = fr.get(k);
                    flushed[chunk.get(k)] = true;
                    done[chunk.get(k)] = true;
                }
                apply(chunk, involved, syncs, results, generation, validUntil, now);
            }
            syncLatency.record(System.nanoTime() - started);
            syncedCustomers.addAndGet(n);
        } catch (SQLException | RuntimeException e) {
            // put the holds not written back in front (written by the next sync), and a release's amount back in
            // memory (it is still releasing: the next sync gives it back); what a committed part wrote is applied
            for (int i = 0; i < n; i++) {
                if (done[i]) {
                    continue;
                }
                if (!flushed[i]) {
                    restore(involved.get(i), syncs.get(i), taken.get(i));
                } else if (syncs.get(i).release()) {
                    Lease lease = involved.get(i);
                    synchronized (lease) {
                        lease.available = lease.available.add(taken.get(i));
                    }
                }
            }
            throw e;
        } finally {
            syncing = false;
        }
        lastSyncAt = now;
    }

    /** The expiry of lease rows renewed by a sync that began at {@code validUntil − ttl}: see {@link #rowExpiry}. */
    private Instant rowExpiry(Instant validUntil) {
        return validUntil.plus(settings.ttl()).plus(rowMargin);
    }

    /** Puts back what a sync took from a lease and did not write: its holds (in front) and a release's amount. */
    private static void restore(Lease lease, LeaseSync sync, BigDecimal taken) {
        synchronized (lease) {
            List<LeasedHold> again = new ArrayList<>(sync.holds());
            again.addAll(lease.pending);
            lease.pending = again;
            if (sync.release()) {
                lease.available = lease.available.add(taken); // still releasing: the next sync gives it back
            }
        }
    }

    private void apply(
            List<Integer> indexes,
            List<Lease> involved,
            List<LeaseSync> syncs,
            LeaseResult[] results,
            List<Integer> generation,
            Instant validUntil,
            Instant now) {
        for (int i : indexes) {
            Lease lease = involved.get(i);
            LeaseResult r = results[i];
            synchronized (lease) {
                if (syncs.get(i).release()) {
                    lease.leased = false;
                    lease.releasing = false;
                    lease.available = BigDecimal.ZERO;
                    lease.dbAllows = 0;
                    lease.validUntil = Instant.MIN;
                } else if (r.lost()) {
                    ends.incrementAndGet(3);
                    // the row expired elsewhere: nothing backs what was in memory any more
                    lease.available = r.granted();
                    lease.leased = r.open();
                } else {
                    lease.available = lease.available.add(r.granted()).add(r.returned());
                    // a reservation's transaction may have leased since this sync began (after its commit)
                    lease.leased = r.open() || lease.grants != generation.get(i);
                }
                if (lease.leased) {
                    lease.validUntil = validUntil;
                }
                if (r.closeToZero()) {
                    lease.releasing = lease.leased; // the exact path from now on; give back what is left
                    lease.dbAllows = 0;
                }
                if (r.headroom() != null) { // a full sync read the customer
                    lease.headroom = r.headroom();
                    lease.overdraft = r.overdraft().orElse(null);
                    lease.fullReadAt = now;
                }
            }
        }
    }

    private void syncQuietly() {
        try {
            sync();
            if (failing) {
                LOG.info("spend leases: syncing again");
                failing = false;
            }
        } catch (SQLException | RuntimeException e) {
            syncFailures.incrementAndGet();
            if (!failing) {
                LOG.warn(
                        "spend leases: sync failed ({}); holds allowed in memory are written by the next one, leases"
                                + " stop being used {} after the last successful sync",
                        e.toString(),
                        settings.ttl());
                failing = true;
            }
        }
    }

    /** Leases believed open on this instance. */
    public int leased() {
        int n = 0;
        for (Lease l : leases.values()) {
            synchronized (l) {
                n += l.leased ? 1 : 0;
            }
        }
        return n;
    }

    /** USD micros leased to this instance and not yet allowed. */
    public BigDecimal leasedAmount() {
        BigDecimal sum = BigDecimal.ZERO;
        for (Lease l : leases.values()) {
            synchronized (l) {
                sum = sum.add(l.available);
            }
        }
        return sum;
    }

    /**
     * Reservations decided in memory while their lease waited for a sync under way, in the second ttl after its last
     * sync (they would otherwise have taken the database path as {@link Fallback#NOT_SYNCED}).
     */
    public long graceAllows() {
        return graceAllows.get();
    }

    /** Syncs run at once because a call found its lease short (besides the periodic ones). */
    public long askedSyncs() {
        return askedSyncs.get();
    }

    /** Leases whose light flush skipped their row because another transaction held it (retried next sync). */
    public long skippedFlushes() {
        return skippedFlushes.get();
    }

    /** Whether a sync is in its database transactions now (for tests). */
    boolean syncing() {
        return syncing;
    }

    /** Reservations decided in memory against a lease. */
    public long inMemoryAllows() {
        return inMemoryAllows.get();
    }

    /** Reservations that took the database path (no valid lease, or it did not cover the call). */
    public long fallbacks() {
        return fallbacks.get();
    }

    /** Background syncs that failed. */
    public long syncFailures() {
        return syncFailures.get();
    }

    /** When the last sync completed, or null. */
    public Instant lastSyncAt() {
        return lastSyncAt;
    }

    /** The settings. */
    public Settings settings() {
        return settings;
    }

    /**
     * Stops the background sync, then writes what is pending and gives every lease back (a clean shutdown returns
     * the slices at once; a crash returns them when the rows expire).
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        stopKeeper();
        closed = true;
        for (Lease l : leases.values()) {
            synchronized (l) {
                l.releasing = l.leased;
            }
        }
        try {
            sync();
        } catch (SQLException | RuntimeException e) {
            LOG.warn("spend leases: could not give the leases back on shutdown ({}): they expire", e.toString());
        }
    }

    /** Stops the background sync without writing anything (what a crash does; for tests). */
    void abandon() {
        stopKeeper();
        leases.clear();
    }

    private synchronized void stopKeeper() {
        if (keeper != null) {
            keeper.shutdownNow();
            try {
                keeper.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            keeper = null;
        }
    }
}

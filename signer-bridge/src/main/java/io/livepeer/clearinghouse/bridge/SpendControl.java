package io.livepeer.clearinghouse.bridge;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.livepeer.clearinghouse.ledger.spend.GroupCommit;
import io.livepeer.clearinghouse.ledger.spend.SpendStore;
import io.livepeer.clearinghouse.ledger.spend.SpendStore.NewHold;
import io.livepeer.clearinghouse.ledger.spend.SpendStore.Pause;
import io.livepeer.clearinghouse.ledger.spend.SpendStore.Plan;
import io.livepeer.clearinghouse.ledger.spend.SpendStore.Position;
import io.livepeer.clearinghouse.ledger.spend.SpendStore.Reservation;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Spend control at {@code /authorize} (issue 13, {@code docs/spend-control.md}): the kill switch, the metering lag
 * policy and reservations (holds) with an overdraft limit and an expiry chosen by how far the customer is from zero.
 * Thread-safe; one per application instance, all instances share the state through the database.
 *
 * <p><b>Reservation.</b> Under the customer's lock ({@link SpendStore#reserve}):
 * {@code available = balance − open holds + overdraft}. The payment is estimated by {@link PaymentEstimate} and
 * converted to billable USD micros ({@code wei × usdPerEth / 10^12 × (1 + markup% / 100)}, the largest markup of the
 * catalog, rounded up at 12 decimals), never less than {@code minHold}. A time-bound session (live, lv2v) far from
 * zero ({@code available ≥ longCover × (payment + rate × longExpiry)}) gets {@code expiry = now + longExpiry} and a
 * hold covering that window; otherwise the short expiry (0 = none: the signer asks again before every payment) and a
 * hold for the payment and the short window. Allowed when {@code available − hold ≥ floor} (and
 * {@code available > floor}); else 483 {@code insufficient_balance}, or {@code overdraft_limit_reached} when the
 * customer is already using the overdraft. So a customer's balance never falls below {@code −(overdraft + one
 * payment's underestimate)}.
 *
 * <p><b>Kill switch.</b> Active pauses are read from the database at most every {@code refresh} (so a pause made on
 * any instance applies everywhere within that time): 403 {@code signing_paused} with the operator's reason.
 *
 * <p><b>Metering lag.</b> {@link SpendStore#meteringLag}, refreshed at most every {@code refresh}. Above
 * {@code lagThreshold}: policy {@code deny} answers 503 {@code billing_unavailable}; policy {@code allow} keeps
 * reserving (holds then stand in for the unmetered usage, and do not expire while metering lags), so spending stays
 * within balance plus overdraft.
 *
 * <p><b>Budget leases</b> ({@link #startLeases}, optional): a busy customer's reservations are decided in memory
 * against a slice of its available balance this instance leased ({@link SpendLeases}); the holds are written in the
 * background. Calls the lease cannot cover, and every refusal, take the database path above.
 */
public final class SpendControl {

    private static final Logger LOG = LoggerFactory.getLogger(SpendControl.class);
    private static final BigDecimal WEI_PER_ETH_OVER_MICROS = new BigDecimal("1000000000000");

    /** What to do while metering lags. */
    public enum LagPolicy {
        DENY,
        ALLOW
    }

    /**
     * @param reservations     whether allows reserve (off: the plain balance gate, pauses and the lag policy still
     *                         apply)
     * @param defaultOverdraft USD micros a customer without its own limit may go below zero
     * @param floor            the available amount must stay at or above this after the hold (USD micros)
     * @param minHold          the smallest hold (USD micros), also the hold of payments that cannot be estimated
     * @param shortExpiry      expiry for customers near zero (0 = none: every payment asks)
     * @param longExpiry       expiry for customers far from zero
     * @param longCover        how many times the long window's hold the available amount must cover
     * @param maxInterval      the longest gap between two payments the estimate assumes
     * @param holdTtl          how long after its window a hold waits for its events before it expires
     * @param lagThreshold     metering lag above which the lag policy applies
     * @param lagPolicy        deny or allow while metering lags
     * @param refresh          how often pauses and lag are re-read from the database
     */
    public record Policy(
            boolean reservations,
            BigDecimal defaultOverdraft,
            BigDecimal floor,
            BigDecimal minHold,
            Duration shortExpiry,
            Duration longExpiry,
            BigDecimal longCover,
            Duration maxInterval,
            Duration holdTtl,
            Duration lagThreshold,
            LagPolicy lagPolicy,
            Duration refresh) {}

    /** How a reservation was decided (for {@link #pathLatency}). */
    public enum Path {
        /** allowed in memory against a budget lease */
        MEMORY,
        /** allowed by the database path (group commit or one transaction) */
        DATABASE,
        /** refused (any path: a refusal is always worded by the database path) or failed */
        REFUSED
    }

    private final EnumMap<Path, PathLatency> pathLatency = new EnumMap<>(Path.class);

    /** The time {@link #reserve} took, per decision path (server side, from its start to its decision). */
    public PathLatency pathLatency(Path path) {
        return pathLatency.get(path);
    }

    /** The outcome of one reservation. */
    public record Outcome(Decision decision, BigDecimal hold, Duration window) {}

    private final SpendStore store;
    private final GroupCommit groupCommit;
    private final Policy policy;
    private final Clock clock;
    private final Supplier<Optional<BigDecimal>> usdPerEth;
    private final Supplier<BigDecimal> markupPercent;

    private volatile List<Pause> pauses;
    private volatile Instant pausesReadAt = Instant.MIN;
    private volatile Duration lag = Duration.ZERO;
    private volatile Instant lagReadAt = Instant.MIN;
    private volatile SpendLeases leases;
    private final AtomicBoolean refreshingPauses = new AtomicBoolean();
    private final AtomicBoolean refreshingLag = new AtomicBoolean();

    /**
     * Background re-reads of pauses (one daemon thread for all instances of this class in the JVM). Its own thread,
     * and its own lock ({@link #pausesLock}), apart from the metering lag's: a slow lag measure (a query over the
     * open holds) once held the one monitor both used, the pauses' background read could not publish, requests found
     * the pauses older than {@code 1.5 × refresh} and queued behind the lag query (profiled: 20 request threads
     * stalled 150 – 330 ms at a time).
     */
    private static final ExecutorService PAUSES_REFRESHER = refresher("spend-control-refresh-pauses");

    /** Background re-measures of the metering lag (one daemon thread for all instances of this class). */
    private static final ExecutorService LAG_REFRESHER = refresher("spend-control-refresh-lag");

    private static ExecutorService refresher(String name) {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /** Guards reading and publishing the pauses (never held while the lag is measured). */
    private final Object pausesLock = new Object();

    /** Guards measuring and publishing the metering lag (never held while the pauses are read). */
    private final Object lagLock = new Object();

    /** What this instance knows of a session's latest hold: for the estimate; a retried call takes the exact path. */
    private record SessionMemo(Instant lastAt, Long sequence, int windowSeconds) {}

    private final Cache<String, SessionMemo> sessions;

    /**
     * @param store         the spend tables
     * @param policy        settings
     * @param clock         clock
     * @param usdPerEth     the current ETH/USD price, empty when unknown
     * @param markupPercent the largest markup percent that may apply (holds are billable amounts)
     */
    public SpendControl(
            SpendStore store,
            Policy policy,
            Clock clock,
            Supplier<Optional<BigDecimal>> usdPerEth,
            Supplier<BigDecimal> markupPercent) {
        this(store, null, policy, clock, usdPerEth, markupPercent);
    }

    /**
     * @param store         the spend tables
     * @param groupCommit   decides reservations several per transaction (null: one transaction per call)
     * @param policy        settings
     * @param clock         clock
     * @param usdPerEth     the current ETH/USD price, empty when unknown
     * @param markupPercent the largest markup percent that may apply (holds are billable amounts)
     */
    public SpendControl(
            SpendStore store,
            GroupCommit groupCommit,
            Policy policy,
            Clock clock,
            Supplier<Optional<BigDecimal>> usdPerEth,
            Supplier<BigDecimal> markupPercent) {
        this.store = store;
        this.groupCommit = groupCommit;
        this.policy = policy;
        this.clock = clock;
        this.usdPerEth = usdPerEth;
        this.markupPercent = markupPercent;
        for (Path p : Path.values()) {
            pathLatency.put(p, new PathLatency());
        }
        this.sessions = Caffeine.newBuilder()
                .maximumSize(200_000)
                .expireAfterWrite(policy.maxInterval().plus(policy.longExpiry()))
                .build();
    }

    /**
     * Turns budget leases on: busy customers' reservations are decided in memory against a slice of their available
     * balance leased to this instance ({@link SpendLeases}).
     *
     * @param settings   lease settings
     * @param background whether to start the background sync (tests call {@link SpendLeases#sync()} themselves)
     * @return the leases (close them before the database: a clean close writes pending holds and gives leases back)
     */
    public synchronized SpendLeases startLeases(SpendLeases.Settings settings, boolean background) {
        if (leases != null) {
            return leases;
        }
        SpendLeases created = new SpendLeases(
                store,
                settings,
                policy.longExpiry().plus(policy.holdTtl()),
                policy.floor(),
                clock,
                this::pausedQuietly);
        if (background) {
            created.start();
        }
        leases = created;
        return created;
    }

    /** The budget leases, or null when off. */
    public SpendLeases leases() {
        return leases;
    }

    /** Whether everyone or this customer is paused, by the pauses as last read (for leases; never throws). */
    private boolean pausedQuietly(String customerKey) {
        List<Pause> current = pauses;
        if (current == null) {
            return false;
        }
        for (Pause p : current) {
            if (p.scope() == SpendStore.Scope.ALL
                    || (p.scope() == SpendStore.Scope.CUSTOMER && p.target().equals(customerKey))) {
                return true;
            }
        }
        return false;
    }

    public Policy policy() {
        return policy;
    }

    public SpendStore store() {
        return store;
    }

    /**
     * The active pause that stops this client or customer, if any.
     *
     * @throws SQLException when pauses were never read and the database does not answer
     */
    public Optional<Pause> pausedFor(String clientId, String customerKey) throws SQLException {
        List<Pause> active = pauses();
        for (Pause p : active) {
            boolean hit = switch (p.scope()) {
                case ALL -> true;
                case CLIENT -> p.target().equals(clientId);
                case CUSTOMER -> p.target().equals(customerKey);
            };
            if (hit) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    private List<Pause> pauses() throws SQLException {
        Instant now = clock.instant();
        List<Pause> current = pauses;
        if (current != null && now.isBefore(pausesReadAt.plus(policy.refresh()))) {
            return current;
        }
        if (current != null && now.isBefore(pausesReadAt.plus(staleLimit()))) {
            // due, not late: re-read in the background and decide on the pauses as read (at most staleLimit old), so
            // no request thread waits for the database (or for another request thread's read) on this path
            refreshInBackground(PAUSES_REFRESHER, refreshingPauses, this::readPausesQuietly);
            return current;
        }
        synchronized (pausesLock) {
            if (pauses == null || !now.isBefore(pausesReadAt.plus(staleLimit()))) {
                try {
                    pauses = store.activePauses();
                    pausesReadAt = now;
                } catch (SQLException e) {
                    if (pauses == null) {
                        throw e;
                    }
                    LOG.warn("kill switch: pauses cannot be re-read, keeping the last ones: {}", e.getMessage());
                }
            }
            return pauses;
        }
    }

    /**
     * How old the pauses and the lag may be before a request waits for a fresh read: {@code 1.5 × refresh} (750 ms by
     * default). Between {@code refresh} and this, requests use the last read and a background read replaces it.
     */
    private Duration staleLimit() {
        return policy.refresh().plus(policy.refresh().dividedBy(2));
    }

    private void readPausesQuietly() {
        Instant at = clock.instant();
        try {
            List<Pause> fresh = store.activePauses();
            synchronized (pausesLock) {
                if (!at.isBefore(pausesReadAt)) {
                    pauses = fresh;
                    pausesReadAt = at;
                }
            }
        } catch (SQLException | RuntimeException e) {
            LOG.warn("kill switch: pauses cannot be re-read, keeping the last ones: {}", e.getMessage());
        }
    }

    private void readLagQuietly() {
        Instant at = clock.instant();
        try {
            Duration measured = store.meteringLag(policy.holdTtl().plus(policy.longExpiry()));
            synchronized (lagLock) {
                if (!at.isBefore(lagReadAt)) {
                    lag = measured;
                    lagReadAt = at;
                }
            }
        } catch (SQLException | RuntimeException e) {
            LOG.warn("spend control: metering lag cannot be measured: {}", e.getMessage());
        }
    }

    /** Runs {@code read} on a refresher thread unless a read of the same kind is already under way. */
    private static void refreshInBackground(ExecutorService refresher, AtomicBoolean flag, Runnable read) {
        if (flag.compareAndSet(false, true)) {
            try {
                refresher.execute(() -> {
                    try {
                        read.run();
                    } finally {
                        flag.set(false);
                    }
                });
            } catch (RuntimeException e) {
                flag.set(false);
            }
        }
    }

    /** Re-reads the pauses now (after a pause on this instance, so it applies at once here). */
    public void refreshPauses() throws SQLException {
        List<Pause> fresh = store.activePauses();
        synchronized (pausesLock) {
            pauses = fresh;
            pausesReadAt = clock.instant();
        }
    }

    /**
     * The metering lag, re-measured when the last measure is older than {@code refresh} (waiting for it: the timer
     * and tests call this).
     */
    public Duration meteringLag() {
        Instant now = clock.instant();
        if (!now.isBefore(lagReadAt.plus(policy.refresh()))) {
            synchronized (lagLock) {
                if (!now.isBefore(lagReadAt.plus(policy.refresh()))) {
                    lagReadAt = now;
                    try {
                        lag = store.meteringLag(policy.holdTtl().plus(policy.longExpiry()));
                    } catch (SQLException e) {
                        LOG.warn("spend control: metering lag cannot be measured: {}", e.getMessage());
                    }
                }
            }
        }
        return lag;
    }

    /**
     * The metering lag for a request: the last measure while it is younger than {@code refresh}; up to
     * {@code 1.5 × refresh} old the last measure while a background read replaces it; older, a fresh measure.
     */
    private Duration requestLag() {
        Instant now = clock.instant();
        Instant readAt = lagReadAt;
        if (now.isBefore(readAt.plus(policy.refresh()))) {
            return lag;
        }
        if (now.isBefore(readAt.plus(staleLimit()))) {
            refreshInBackground(LAG_REFRESHER, refreshingLag, this::readLagQuietly);
            return lag;
        }
        return meteringLag();
    }

    /** The 503 of the {@code deny} lag policy while metering lags, else empty. */
    public Optional<Decision> lagRefusal() {
        if (policy.lagPolicy() == LagPolicy.DENY && requestLag().compareTo(policy.lagThreshold()) > 0) {
            return Optional.of(Decision.deny(
                    503,
                    "billing_unavailable",
                    "metering is " + lag.toSeconds() + " s behind the signer (limit "
                            + policy.lagThreshold().toSeconds() + " s): signing is held until it catches up"));
        }
        return Optional.empty();
    }

    /** Whether metering is behind by more than the threshold. */
    public boolean lagging() {
        return meteringLag().compareTo(policy.lagThreshold()) > 0;
    }

    /**
     * The metering lag as last measured, never reading the database: for health checks and metrics, which must
     * answer while the database hangs (a timer calls {@link #meteringLag()} to keep it fresh).
     */
    public Duration lastMeteringLag() {
        return lag;
    }

    /** Whether the last measured lag ({@link #lastMeteringLag()}) is above the threshold; never reads the database. */
    public boolean lastLagging() {
        return lag.compareTo(policy.lagThreshold()) > 0;
    }

    /**
     * Expires holds past their time, unless metering lags (then they keep standing in for usage not yet metered).
     *
     * @return holds expired
     */
    public int expireHolds() throws SQLException {
        if (lagging()) {
            return 0;
        }
        return store.expire();
    }

    /**
     * Reserves the next payment for a customer.
     *
     * @param customerKey the customer key
     * @param request     the webhook request (its {@code state})
     * @param maxPrice    the key's price ceiling, or null
     * @param authId      the auth id to answer with
     * @param cap         the latest expiry allowed (a JWT's exp), or null
     * @return the decision (200 with expiry, or 483/503)
     * @throws SQLException when the database does not answer (the caller answers 503)
     */
    public Decision reserve(String customerKey, WebhookRequest request, MaxPrice maxPrice, String authId, Instant cap)
            throws SQLException {
        long started = System.nanoTime();
        Path[] path = {Path.REFUSED};
        try {
            Decision d = decideReservation(customerKey, request, maxPrice, authId, cap, path);
            if (!d.allowed()) {
                path[0] = Path.REFUSED;
            }
            return d;
        } catch (SQLException | RuntimeException e) {
            path[0] = Path.REFUSED;
            throw e;
        } finally {
            pathLatency.get(path[0]).record(System.nanoTime() - started);
        }
    }

    private Decision decideReservation(
            String customerKey, WebhookRequest request, MaxPrice maxPrice, String authId, Instant cap, Path[] path)
            throws SQLException {
        Optional<Decision> refusal = lagRefusal();
        if (refusal.isPresent()) {
            return refusal.get();
        }
        String sessionId = text(request.state().path("StateID"));
        Long sequence = request.state().path("SequenceNumber").canConvertToLong()
                        && request.state().hasNonNull("SequenceNumber")
                ? request.state().path("SequenceNumber").asLong()
                : null;
        Optional<BigDecimal> price = usdPerEth.get();
        BigDecimal markup = markupPercent.get();
        Long seq = sessionId == null ? null : sequence;
        AtomicReference<Object[]> planned = new AtomicReference<>(); // the plan that decided, and its time
        SpendLeases leased = leases;
        String memoKey = sessionId == null ? null : customerKey + "\u0000" + sessionId;
        if (leased != null) {
            SessionMemo memo = memoKey == null ? null : sessions.getIfPresent(memoKey);
            // a retried call (same session and sequence) is held once only if its hold is still open, which only the
            // database knows (its event may have settled it): retries take the exact path
            boolean retry = memo != null && seq != null && seq.equals(memo.sequence());
            Decision quick = retry
                    ? null
                    : leased.tryAllow(
                            customerKey,
                            sessionId,
                            seq,
                            memo == null ? null : memo.lastAt(),
                            null,
                            policy.defaultOverdraft(),
                            (p, far) -> {
                                Plan<Decision> plan = plan(p, far, request, maxPrice, authId, cap, price, markup);
                                planned.set(new Object[] {plan, p.now()});
                                return plan;
                            });
            if (quick != null) {
                remember(memoKey, seq, planned.get());
                path[0] = Path.MEMORY;
                return quick;
            }
        }
        SpendStore.LeaseRequest leaseRequest = leased == null ? null : leased.leaseRequest(customerKey);
        Reservation<Decision> reservation = new Reservation<>(
                customerKey,
                sessionId,
                seq,
                policy.defaultOverdraft(),
                p -> {
                    Plan<Decision> plan = plan(p, null, request, maxPrice, authId, cap, price, markup);
                    planned.set(new Object[] {plan, p.now()});
                    return plan;
                },
                leaseRequest);
        try {
            Decision decided = groupCommit == null
                    ? reservation.type(store.reserveAll(List.of(reservation)).get(0))
                    : groupCommit.reserve(reservation);
            path[0] = Path.DATABASE;
            if (leased != null && decided.allowed()) {
                Object[] p = planned.get();
                remember(memoKey, seq, p);
                @SuppressWarnings("unchecked")
                Plan<Decision> plan = (Plan<Decision>) p[0];
                if (plan.hold() != null) {
                    leased.noteDatabaseAllow(customerKey, plan.hold().amount(), (Instant) p[1], leaseRequest);
                }
            }
            return decided;
        } catch (SQLException e) {
            LOG.warn("spend control: the reservation for {} failed: {}", customerKey, e.getMessage());
            throw e;
        }
    }

    private void remember(String memoKey, Long seq, Object[] planned) {
        if (memoKey == null || planned == null) {
            return;
        }
        @SuppressWarnings("unchecked")
        Plan<Decision> plan = (Plan<Decision>) planned[0];
        if (plan.hold() != null) {
            sessions.put(
                    memoKey,
                    new SessionMemo((Instant) planned[1], seq, plan.hold().windowSeconds()));
        }
    }

    /**
     * @param farAvailable the available amount for the long-expiry test, or null: the position's (an in-memory
     *                     decision's position is the lease alone, this is the customer's whole available amount)
     */
    private Plan<Decision> plan(
            Position p,
            BigDecimal farAvailable,
            WebhookRequest request,
            MaxPrice maxPrice,
            String authId,
            Instant cap,
            Optional<BigDecimal> price,
            BigDecimal markup) {
        Instant now = p.now();
        Duration since = p.lastHoldAt() == null ? null : Duration.between(p.lastHoldAt(), now);
        PaymentEstimate estimate = PaymentEstimate.of(request.state(), maxPrice, since, policy.maxInterval());
        if (estimate.paymentWei().signum() > 0 && price.isEmpty()) {
            return new Plan<>(
                    Decision.deny(503, "billing_unavailable", "no ETH/USD price to estimate the payment with"), null);
        }
        BigDecimal payment = micros(estimate.paymentWei(), price, markup).max(policy.minHold());
        BigDecimal available = p.available();
        Duration window = Duration.ZERO;
        BigDecimal hold = payment.add(micros(estimate.windowWei(policy.shortExpiry()), price, markup));
        if (estimate.timeBound()) {
            window = policy.shortExpiry();
            BigDecimal longHold = payment.add(micros(estimate.windowWei(policy.longExpiry()), price, markup));
            BigDecimal forExpiry = farAvailable == null ? available : farAvailable;
            if (forExpiry.subtract(policy.floor()).compareTo(longHold.multiply(policy.longCover())) >= 0) {
                window = policy.longExpiry();
                hold = longHold;
            }
        }
        if (p.existing() != null) {
            // the signer retried this very call: the hold is already there
            return new Plan<>(allow(now, p.existing().windowSeconds(), authId, maxPrice, cap), null);
        }
        BigDecimal after = available.subtract(hold);
        if (after.compareTo(policy.floor()) < 0 || available.compareTo(policy.floor()) <= 0) {
            boolean overdrawn =
                    p.overdraft().signum() > 0 && p.balance().subtract(p.held()).compareTo(hold) < 0;
            String amounts = "balance " + plain(p.balance()) + ", open holds " + plain(p.held()) + ", overdraft limit "
                    + plain(p.overdraft()) + ", next payment estimated at " + plain(hold) + " USD micros";
            return new Plan<>(
                    overdrawn
                            ? Decision.deny(
                                    Decision.INSUFFICIENT_BALANCE,
                                    "overdraft_limit_reached",
                                    "the overdraft limit of " + p.customerKey() + " is reached (" + amounts + ")")
                            : Decision.deny(
                                    Decision.INSUFFICIENT_BALANCE,
                                    "insufficient_balance",
                                    "the available balance of " + p.customerKey() + " cannot cover the next payment ("
                                            + amounts + ")"),
                    null);
        }
        int windowSeconds = (int) window.toSeconds();
        Instant expiresAt = now.plus(window).plus(policy.holdTtl());
        return new Plan<>(
                allow(now, windowSeconds, authId, maxPrice, cap),
                new NewHold(estimate.type(), hold, windowSeconds, expiresAt));
    }

    private static Decision allow(Instant now, int windowSeconds, String authId, MaxPrice maxPrice, Instant cap) {
        Long expiry = null;
        if (windowSeconds > 0) {
            Instant until = now.plusSeconds(windowSeconds);
            if (cap != null && cap.isBefore(until)) {
                until = cap;
            }
            expiry = until.getEpochSecond();
        }
        return new Decision(200, null, null, expiry, authId, maxPrice);
    }

    /** wei → billable USD micros: {@code wei × usdPerEth / 10^12 × (1 + markup/100)}, rounded up at 12 decimals. */
    static BigDecimal micros(BigInteger wei, Optional<BigDecimal> usdPerEth, BigDecimal markupPercent) {
        if (wei.signum() == 0 || usdPerEth.isEmpty()) {
            return BigDecimal.ZERO;
        }
        BigDecimal network = new BigDecimal(wei).multiply(usdPerEth.get());
        BigDecimal factor = BigDecimal.ONE.add(markupPercent.movePointLeft(2));
        return network.multiply(factor).divide(WEI_PER_ETH_OVER_MICROS, 12, RoundingMode.UP);
    }

    private static String plain(BigDecimal v) {
        BigDecimal s = v.stripTrailingZeros();
        return (s.scale() < 0 ? s.setScale(0) : s).toPlainString();
    }

    private static String text(com.fasterxml.jackson.databind.JsonNode node) {
        return node.isTextual() && !node.textValue().isBlank()
                ? node.textValue().trim()
                : null;
    }
}

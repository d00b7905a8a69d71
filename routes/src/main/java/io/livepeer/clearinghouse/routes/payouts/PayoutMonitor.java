package io.livepeer.clearinghouse.routes.payouts;

import io.livepeer.clearinghouse.contracts.Chain;
import io.livepeer.clearinghouse.contracts.Fees;
import io.livepeer.clearinghouse.contracts.SenderInfo;
import io.livepeer.clearinghouse.contracts.TicketBroker;
import io.livepeer.clearinghouse.ledger.payouts.PayoutIntent;
import io.livepeer.clearinghouse.ledger.payouts.PayoutIntents;
import io.livepeer.clearinghouse.ledger.payouts.PayoutState;
import io.livepeer.clearinghouse.ledger.payouts.PayoutTickets;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Payout metrics and the facts the {@code payouts} health check reports, refreshed by the {@code payouts-metrics}
 * timer on every instance (a scrape never waits for the database or the node):
 *
 * <ul>
 *   <li>{@code clearinghouse_payout_intents{state}}: intents per state;
 *   <li>{@code clearinghouse_payout_oldest_open_age_seconds}: age of the oldest open (planned, signed or broadcast)
 *       intent, 0 when none;
 *   <li>{@code clearinghouse_payout_replacements_total}: fee-bumped replacements signed;
 *   <li>{@code clearinghouse_payout_key_balance_eth}: the payout key's ETH balance (gas money);
 *   <li>{@code clearinghouse_payout_key_can_pay_gas}: 1 when that balance covers one transfer's gas at the current fee
 *       (the node's suggestion capped at {@code max-fee-per-gas-wei}), else 0;
 *   <li>{@code clearinghouse_payout_deposit_eth}, {@code clearinghouse_payout_reserve_eth}: the key's TicketBroker
 *       deposit and remaining reserve ({@code getSenderInfo});
 *   <li>{@code clearinghouse_payout_tickets_refused}, {@code clearinghouse_payout_tickets_waiting_for_coverage}:
 *       {@code livepeer_ticket} payouts refused before sending, and waiting for the deposit to cover them.
 * </ul>
 *
 * Chain values are NaN without a chain or key, or while the node (or the broker) cannot be read. ETH values are
 * wei / 10^18 as doubles, for dashboards only (rounded to 17 significant digits); the ledger and engine never use them.
 */
public final class PayoutMonitor {

    private static final Logger LOG = LoggerFactory.getLogger(PayoutMonitor.class);
    private static final BigDecimal WEI_PER_ETH = BigDecimal.TEN.pow(18);

    /**
     * The last refresh.
     *
     * @param at when it was read
     * @param byState intents per state
     * @param replacements replacements signed
     * @param overdue open intents older than the warning age, oldest first
     * @param oldestOpenAge age of the oldest open intent, or zero
     * @param keyAddress the payout key, if configured
     * @param keyBalanceWei its ETH balance, if read
     * @param gasCostWei one transfer's most possible gas cost at the current capped fee, if read
     * @param sender the key's deposit and reserve, if read
     * @param tickets {@code livepeer_ticket} counts: refused, waiting for coverage (and their face values)
     */
    public record Snapshot(
            Instant at,
            Map<PayoutState, Long> byState,
            long replacements,
            List<PayoutIntent> overdue,
            Duration oldestOpenAge,
            Optional<String> keyAddress,
            Optional<BigInteger> keyBalanceWei,
            Optional<BigInteger> gasCostWei,
            Optional<SenderInfo> sender,
            PayoutTickets.Stats tickets) {

        /** Empty when unknown; else whether the key can pay one transfer's gas. */
        public Optional<Boolean> keyCanPayGas() {
            return keyBalanceWei.flatMap(b -> gasCostWei.map(g -> b.compareTo(g) >= 0));
        }
    }

    private final PayoutIntents intents;
    private final PayoutTickets tickets;
    private final PayoutChain chain;
    private final PayoutSettings settings;
    private final Clock clock;
    private final AtomicReference<Snapshot> last = new AtomicReference<>();

    /** A monitor without ticket counts (they read as zero). */
    public PayoutMonitor(
            MeterRegistry registry, PayoutIntents intents, PayoutChain chain, PayoutSettings settings, Clock clock) {
        this(registry, intents, null, chain, settings, clock);
    }

    /** A monitor of intents, {@code livepeer_ticket} tickets (null: none), the chain and the key. */
    public PayoutMonitor(
            MeterRegistry registry,
            PayoutIntents intents,
            PayoutTickets tickets,
            PayoutChain chain,
            PayoutSettings settings,
            Clock clock) {
        this.intents = intents;
        this.tickets = tickets;
        this.chain = chain;
        this.settings = settings;
        this.clock = clock;
        for (PayoutState state : PayoutState.values()) {
            Gauge.builder("clearinghouse.payout.intents", this, m -> m.count(state))
                    .description("Payout intents per state")
                    .tag("state", state.name().toLowerCase(Locale.ROOT))
                    .register(registry);
        }
        Gauge.builder(
                        "clearinghouse.payout.oldest.open.age",
                        this,
                        m -> m.snapshot()
                                .map(s -> (double) s.oldestOpenAge().toSeconds())
                                .orElse(0.0))
                .description("Age of the oldest open payout (planned, signed or broadcast); 0 when none")
                .baseUnit("seconds")
                .register(registry);
        FunctionCounter.builder(
                        "clearinghouse.payout.replacements",
                        this,
                        m -> m.snapshot().map(s -> (double) s.replacements()).orElse(0.0))
                .description("Fee-bumped replacements of stuck payout transactions")
                .register(registry);
        Gauge.builder(
                        "clearinghouse.payout.key.balance.eth",
                        this,
                        m -> eth(m.snapshot().flatMap(Snapshot::keyBalanceWei)))
                .description("ETH balance of the payout key (gas money); NaN when unknown")
                .register(registry);
        Gauge.builder(
                        "clearinghouse.payout.key.can.pay.gas",
                        this,
                        m -> m.snapshot()
                                .flatMap(Snapshot::keyCanPayGas)
                                .map(ok -> ok ? 1.0 : 0.0)
                                .orElse(Double.NaN))
                .description("1 when the payout key can pay one transfer's gas at the current fee, 0 when not, NaN"
                        + " when unknown")
                .register(registry);
        Gauge.builder(
                        "clearinghouse.payout.deposit.eth",
                        this,
                        m -> eth(m.snapshot().flatMap(Snapshot::sender).map(SenderInfo::deposit)))
                .description("TicketBroker deposit of the payout key; NaN when unknown")
                .register(registry);
        Gauge.builder(
                        "clearinghouse.payout.reserve.eth",
                        this,
                        m -> eth(m.snapshot().flatMap(Snapshot::sender).map(SenderInfo::reserveFundsRemaining)))
                .description("TicketBroker remaining reserve of the payout key; NaN when unknown")
                .register(registry);
        Gauge.builder(
                        "clearinghouse.payout.tickets.refused",
                        this,
                        m -> m.snapshot()
                                .map(s -> (double) s.tickets().refused())
                                .orElse(0.0))
                .description("livepeer_ticket payouts refused before sending (not a registered transcoder, eth_call"
                        + " pre-check failed); their balances stay")
                .register(registry);
        Gauge.builder(
                        "clearinghouse.payout.tickets.waiting.for.coverage",
                        this,
                        m -> m.snapshot()
                                .map(s -> (double) s.tickets().waitingForCoverage())
                                .orElse(0.0))
                .description("livepeer_ticket payouts waiting because the payout key's TicketBroker deposit + reserve"
                        + " do not cover their face values")
                .register(registry);
    }

    /** The last refresh, if any. */
    public Optional<Snapshot> snapshot() {
        return Optional.ofNullable(last.get());
    }

    /** How long a payout may stay open before the health check names it. */
    public Duration openWarningAfter() {
        return settings.openWarningAfter();
    }

    /** Reads the database and, when configured, the chain. */
    public Snapshot refresh() throws SQLException {
        PayoutIntents.Stats stats = intents.stats();
        Instant now = clock.instant();
        Duration oldest = stats.open().isEmpty()
                ? Duration.ZERO
                : Duration.between(stats.open().get(0).createdAt(), now);
        List<PayoutIntent> overdue = stats.open().stream()
                .filter(i -> Duration.between(i.createdAt(), now).compareTo(settings.openWarningAfter()) > 0)
                .toList();
        Optional<String> key = chain.keyAddress();
        Optional<BigInteger> balance = Optional.empty();
        Optional<BigInteger> gasCost = Optional.empty();
        Optional<SenderInfo> sender = Optional.empty();
        if (key.isPresent()) {
            try {
                Optional<Chain> c = chain.chain();
                if (c.isPresent()) {
                    balance = Optional.of(c.get().balance(key.get()));
                    Fees fees = c.get().suggestFees();
                    BigInteger fee = fees.maxFeePerGas().min(settings.maxFeePerGasWei());
                    gasCost = Optional.of(fee.multiply(EthTransferPayouts.TRANSFER_GAS));
                    sender = senderInfo(c.get(), key.get());
                }
            } catch (RuntimeException e) {
                LOG.debug("payout metrics: the chain cannot be read: {}", e.getMessage());
            }
        }
        Snapshot s = new Snapshot(
                now,
                new EnumMap<>(stats.byState()),
                stats.replacements(),
                overdue,
                oldest,
                key,
                balance,
                gasCost,
                sender,
                tickets == null ? new PayoutTickets.Stats(0, 0, BigInteger.ZERO) : tickets.stats());
        last.set(s);
        return s;
    }

    private Optional<SenderInfo> senderInfo(Chain c, String key) {
        try {
            return Optional.of(new TicketBroker(c, settings.ticketBroker()).senderInfo(key));
        } catch (RuntimeException e) {
            // no broker at that address (a local chain without one): deposit and reserve stay unknown
            return Optional.empty();
        }
    }

    private double count(PayoutState state) {
        return snapshot().map(s -> (double) s.byState().getOrDefault(state, 0L)).orElse(0.0);
    }

    private static double eth(Optional<BigInteger> wei) {
        return wei.map(w -> new BigDecimal(w)
                        .divide(WEI_PER_ETH, MathContext.DECIMAL64)
                        .doubleValue())
                .orElse(Double.NaN);
    }
}

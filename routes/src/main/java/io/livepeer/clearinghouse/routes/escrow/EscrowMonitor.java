package io.livepeer.clearinghouse.routes.escrow;

import io.livepeer.clearinghouse.ledger.escrow.EscrowSigners;
import io.livepeer.clearinghouse.ledger.escrow.FundingState;
import io.livepeer.clearinghouse.ledger.escrow.Fundings;
import io.livepeer.clearinghouse.ledger.escrow.SignerObservation;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToDoubleFunction;

/**
 * The escrow flow's gauges and the state its health check reads, refreshed on a timer on every instance from the
 * database (the polls the clustered job stored), so a scrape or health call never waits for the node. Per configured
 * signer: {@code clearinghouse_escrow_deposit_eth}, {@code _reserve_eth}, {@code _burn_eth_per_hour},
 * {@code _runway_hours} (+Inf when nothing is spent, NaN before the first poll); always:
 * {@code clearinghouse_escrow_signers_below_warn}, {@code _signers_below_critical} and
 * {@code clearinghouse_escrow_fundings{state}}. ETH gauges are wei / 10^18 as doubles (display only; money stays
 * BigInteger wei everywhere else).
 */
public final class EscrowMonitor {

    /**
     * One refresh.
     *
     * @param polls the last poll per configured signer (absent signers were never polled)
     * @param fundingsByState fundings per state
     * @param at when refreshed
     */
    public record Snapshot(Map<String, SignerObservation> polls, Map<FundingState, Long> fundingsByState, Instant at) {

        /** The signer's runway (empty = infinite or never polled). */
        public Optional<Runway.Level> level(String signer, EscrowSettings settings) {
            SignerObservation o = polls.get(signer);
            if (o == null) {
                return Optional.empty();
            }
            return Optional.of(new Runway(
                            o.depositWei().add(o.reserveWei()),
                            o.burnWeiPerHour(),
                            Optional.ofNullable(o.runwayHours()))
                    .level(settings.runwayWarnHours(), settings.runwayCriticalHours()));
        }

        long count(Runway.Level level, EscrowSettings settings) {
            return polls.keySet().stream()
                    .filter(s -> level(s, settings).orElse(Runway.Level.OK) == level)
                    .count();
        }
    }

    private static final BigDecimal WEI_PER_ETH = BigDecimal.TEN.pow(18);

    private final EscrowSettings settings;
    private final EscrowSigners signers;
    private final Fundings fundings;
    private final Clock clock;
    private final AtomicReference<Snapshot> last = new AtomicReference<>();

    public EscrowMonitor(
            MeterRegistry registry, EscrowSettings settings, EscrowSigners signers, Fundings fundings, Clock clock) {
        this.settings = settings;
        this.signers = signers;
        this.fundings = fundings;
        this.clock = clock;
        for (String signer : settings.signers()) {
            perSigner(
                    registry,
                    "clearinghouse.escrow.deposit.eth",
                    signer,
                    "TicketBroker deposit of the signer",
                    o -> eth(o.depositWei()));
            perSigner(
                    registry,
                    "clearinghouse.escrow.reserve.eth",
                    signer,
                    "TicketBroker reserve of the signer",
                    o -> eth(o.reserveWei()));
            perSigner(
                    registry,
                    "clearinghouse.escrow.burn.eth.per.hour",
                    signer,
                    "Metered fee_wei per hour over the burn window",
                    o -> eth(o.burnWeiPerHour()));
            perSigner(
                    registry,
                    "clearinghouse.escrow.runway.hours",
                    signer,
                    "Hours until deposit + reserve no longer cover the burn; +Inf without burn",
                    o -> o.runwayHours() == null
                            ? Double.POSITIVE_INFINITY
                            : o.runwayHours().doubleValue());
        }
        Gauge.builder(
                        "clearinghouse.escrow.signers.below.warn",
                        this,
                        m -> m.snapshot()
                                .map(s -> (double) (s.count(Runway.Level.WARNING, settings)
                                        + s.count(Runway.Level.CRITICAL, settings)))
                                .orElse(0.0))
                .description("Monitored signers whose runway is below clearinghouse.escrow.runway-warn-hours")
                .register(registry);
        Gauge.builder(
                        "clearinghouse.escrow.signers.below.critical",
                        this,
                        m -> m.snapshot()
                                .map(s -> (double) s.count(Runway.Level.CRITICAL, settings))
                                .orElse(0.0))
                .description("Monitored signers whose runway is below clearinghouse.escrow.runway-critical-hours")
                .register(registry);
        for (FundingState state : FundingState.values()) {
            Gauge.builder(
                            "clearinghouse.escrow.fundings",
                            this,
                            m -> m.snapshot()
                                    .map(s -> (double) s.fundingsByState().getOrDefault(state, 0L))
                                    .orElse(0.0))
                    .description("TicketBroker funding transactions (signer top-ups, payout-key autofund) per state")
                    .tag("state", state.name().toLowerCase(Locale.ROOT))
                    .register(registry);
        }
    }

    private void perSigner(
            MeterRegistry registry,
            String name,
            String signer,
            String description,
            ToDoubleFunction<SignerObservation> value) {
        Gauge.builder(
                        name,
                        this,
                        m -> m.snapshot()
                                .map(s -> s.polls().get(signer))
                                .map(value::applyAsDouble)
                                .orElse(Double.NaN))
                .description(description)
                .tag("signer", signer)
                .register(registry);
    }

    /** The flow's settings. */
    public EscrowSettings settings() {
        return settings;
    }

    /** The last refresh, if any. */
    public Optional<Snapshot> snapshot() {
        return Optional.ofNullable(last.get());
    }

    /** Reads the stored polls (of configured signers) and the funding counts. */
    public Snapshot refresh() throws SQLException {
        Map<String, SignerObservation> polls = new LinkedHashMap<>();
        List<SignerObservation> all = signers.all();
        for (SignerObservation o : all) {
            if (settings.signers().contains(o.signer())) {
                polls.put(o.signer(), o);
            }
        }
        Snapshot s = new Snapshot(Map.copyOf(polls), fundings.countByState(), clock.instant());
        last.set(s);
        return s;
    }

    private static double eth(BigInteger wei) {
        return new BigDecimal(wei).divide(WEI_PER_ETH).doubleValue();
    }
}

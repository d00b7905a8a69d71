package io.livepeer.clearinghouse.routes.orchestrators.autosleep;

import io.livepeer.clearinghouse.ledger.earnings.Attribution;
import io.livepeer.clearinghouse.ledger.earnings.PowerMeter;
import io.livepeer.clearinghouse.ledger.orchestrators.Orchestrator;
import io.livepeer.clearinghouse.ledger.orchestrators.OrchestratorStore;
import io.livepeer.clearinghouse.routes.orchestrators.credit.CreditMetrics;
import io.livepeer.clearinghouse.routes.orchestrators.credit.CreditSettings;
import io.livepeer.clearinghouse.routes.orchestrators.credit.PowerClient;
import io.livepeer.clearinghouse.routes.orchestrators.credit.Registry;
import java.math.BigInteger;
import java.time.Clock;

/**
 * One power-meter pass (livepeer-ops {@code payments/power_meter.py}, optional): reads every orchestrator's
 * {@code /power} and records it in {@link PowerMeter}, which credits {@code power_time} for consecutive {@code awake}
 * polls of an eligible orchestrator, skipping gaps above the maximum. A failed read is recorded as no state (the next
 * awake poll starts a new interval). Run by a clustered quartz job.
 */
public final class PowerMeterJob {

    private final OrchestratorStore registry;
    private final PowerMeter meter;
    private final PowerClient power;
    private final CreditSettings settings;
    private final CreditMetrics metrics;
    private final Clock clock;

    public PowerMeterJob(
            OrchestratorStore registry,
            PowerMeter meter,
            PowerClient power,
            CreditSettings settings,
            CreditMetrics metrics,
            Clock clock) {
        this.registry = registry;
        this.meter = meter;
        this.power = power;
        this.settings = settings;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** Polls every orchestrator once; returns the wei credited. */
    public BigInteger run() throws Exception {
        BigInteger total = BigInteger.ZERO;
        for (Orchestrator o : registry.list()) {
            String host = Attribution.autosleepHost(Registry.addresses(o));
            String state = host == null ? null : power.state(host).state();
            BigInteger wei = meter.record(
                    o.orchestratorId(),
                    state,
                    o.eligible(clock.instant()),
                    settings.powerMaxGap(),
                    settings.powerWeiPerMinute());
            metrics.credited("power_time", wei);
            total = total.add(wei);
        }
        return total;
    }
}

package io.livepeer.clearinghouse.routes.payouts;

import io.livepeer.clearinghouse.contracts.Chain;
import io.livepeer.clearinghouse.contracts.PayoutKey;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.payouts.PayoutIntents;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;

/**
 * The chain and payout key of this instance, connected on first use (a node that is down at boot does not stop the
 * application; the cycle tries again next time) and closed with the Camel context.
 */
public final class PayoutChain implements PayoutCycle.EngineSource, AutoCloseable {

    private final PayoutSettings settings;
    private final Optional<PayoutKey> key;
    private final PayoutIntents intents;
    private final Ledger ledger;
    private final Clock clock;
    private Chain chain;

    public PayoutChain(
            PayoutSettings settings, Optional<PayoutKey> key, PayoutIntents intents, Ledger ledger, Clock clock) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.key = Objects.requireNonNull(key, "key");
        this.intents = Objects.requireNonNull(intents, "intents");
        this.ledger = Objects.requireNonNull(ledger, "ledger");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The payout key's address, if a key is configured. */
    public Optional<String> keyAddress() {
        return key.map(PayoutKey::address);
    }

    /**
     * The connected chain, or empty without {@code clearinghouse.payouts.rpc-url}.
     *
     * @throws io.livepeer.clearinghouse.contracts.ChainException when the node cannot be reached or serves another
     *     chain id
     */
    public synchronized Optional<Chain> chain() {
        if (settings.rpcUrl().isEmpty()) {
            return Optional.empty();
        }
        if (chain == null) {
            chain = Chain.connect(settings.rpcUrl().get(), settings.chainId(), settings.receiptPoll());
        }
        return Optional.of(chain);
    }

    @Override
    public Optional<EthTransferPayouts> engine() {
        if (key.isEmpty()) {
            return Optional.empty();
        }
        return chain().map(c -> new EthTransferPayouts(intents, ledger, c, key.get(), settings.engineOptions(), clock));
    }

    @Override
    public synchronized void close() {
        if (chain != null) {
            chain.close();
            chain = null;
        }
    }
}

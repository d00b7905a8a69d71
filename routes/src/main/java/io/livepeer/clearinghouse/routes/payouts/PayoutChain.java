package io.livepeer.clearinghouse.routes.payouts;

import io.livepeer.clearinghouse.contracts.Chain;
import io.livepeer.clearinghouse.contracts.ChainException;
import io.livepeer.clearinghouse.contracts.PayoutKey;
import io.livepeer.clearinghouse.contracts.Protocol;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.payouts.PayoutIntents;
import io.livepeer.clearinghouse.ledger.payouts.PayoutTickets;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chain and payout key of this instance, connected on first use (a node that is down at boot does not stop the
 * application; the cycle tries again next time) and closed with the Camel context.
 */
public final class PayoutChain implements PayoutCycle.EngineSource, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PayoutChain.class);

    private final PayoutSettings settings;
    private final Optional<PayoutKey> key;
    private final PayoutIntents intents;
    private final PayoutTickets tickets;
    private final Ledger ledger;
    private final Clock clock;
    private Chain chain;

    public PayoutChain(
            PayoutSettings settings,
            Optional<PayoutKey> key,
            PayoutIntents intents,
            PayoutTickets tickets,
            Ledger ledger,
            Clock clock) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.key = Objects.requireNonNull(key, "key");
        this.intents = Objects.requireNonNull(intents, "intents");
        this.tickets = Objects.requireNonNull(tickets, "tickets");
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

    /**
     * Both strategies' engines: open intents of either are carried on (the strategy setting only decides what new
     * plans use).
     */
    @Override
    public Optional<PayoutEngine> engine() {
        if (key.isEmpty()) {
            return Optional.empty();
        }
        return chain().map(c -> PayoutEngine.both(
                new EthTransferPayouts(intents, ledger, c, key.get(), settings.engineOptions(), clock),
                new TicketPayouts(
                        intents,
                        tickets,
                        ledger,
                        c,
                        key.get(),
                        settings.ticketBroker(),
                        settings.engineOptions(),
                        settings.ticketBatchMax(),
                        clock)));
    }

    /**
     * The planner's check of {@code livepeer_ticket} recipients: {@code not_registered_transcoder} unless the
     * configured TicketBroker's BondingManager says {@code isRegisteredTranscoder}. Accepts every recipient without a
     * chain, or while the node cannot be read (logged; the engine's pre-check refuses such a ticket before sending).
     */
    public PayoutPlanner.RecipientCheck recipientCheck() {
        return address -> {
            try {
                Optional<Chain> c = chain();
                if (c.isEmpty()) {
                    return Optional.empty();
                }
                boolean registered =
                        Protocol.of(c.get(), settings.ticketBroker()).isRegisteredTranscoder(address);
                return registered ? Optional.empty() : Optional.of("not_registered_transcoder");
            } catch (ChainException e) {
                LOG.warn(
                        "payouts plan: cannot check whether {} is a registered transcoder: {}",
                        address,
                        e.getMessage());
                return Optional.empty();
            }
        };
    }

    @Override
    public synchronized void close() {
        if (chain != null) {
            chain.close();
            chain = null;
        }
    }
}

package io.livepeer.clearinghouse.routes.escrow;

import io.livepeer.clearinghouse.contracts.Chain;
import io.livepeer.clearinghouse.contracts.TicketBroker;
import java.util.Objects;
import java.util.Optional;

/**
 * This instance's connection to the chain, made on first use (a node that is down at boot does not stop the
 * application; the next cycle tries again) and closed with the Camel context.
 */
public final class EscrowChain implements AutoCloseable {

    private final EscrowSettings settings;
    private Chain chain;

    public EscrowChain(EscrowSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    /**
     * The connected chain, or empty without {@code clearinghouse.escrow.rpc-url}.
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

    /** The TicketBroker on the connected chain, or empty without an RPC URL. */
    public Optional<TicketBroker> broker() {
        return chain().map(c -> new TicketBroker(c, settings.ticketBroker()));
    }

    @Override
    public synchronized void close() {
        if (chain != null) {
            chain.close();
            chain = null;
        }
    }
}

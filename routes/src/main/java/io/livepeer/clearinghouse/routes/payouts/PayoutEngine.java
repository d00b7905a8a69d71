package io.livepeer.clearinghouse.routes.payouts;

import java.sql.SQLException;

/**
 * A payout strategy's engine: moves every open intent of its strategy forward once, without blocking, so a cycle can
 * be cut at any point and the next one carries on from the stored state ({@link EthTransferPayouts},
 * {@link TicketPayouts}).
 */
@FunctionalInterface
public interface PayoutEngine {

    /**
     * One pass over the open intents of this engine's strategy.
     *
     * @throws io.livepeer.clearinghouse.contracts.ChainException when the node cannot be reached (nothing half done)
     */
    void advanceAll() throws SQLException;

    /** Both engines, one after the other: intents of either strategy are carried on whatever the setting says now. */
    static PayoutEngine both(PayoutEngine first, PayoutEngine second) {
        return () -> {
            first.advanceAll();
            second.advanceAll();
        };
    }
}

package io.livepeer.clearinghouse.routes.escrow;

import io.livepeer.clearinghouse.contracts.Chain;
import io.livepeer.clearinghouse.contracts.ChainException;
import io.livepeer.clearinghouse.contracts.Fees;
import io.livepeer.clearinghouse.contracts.PayoutKey;
import io.livepeer.clearinghouse.contracts.SignedTransaction;
import io.livepeer.clearinghouse.contracts.TicketBroker;
import io.livepeer.clearinghouse.ledger.escrow.Funding;
import io.livepeer.clearinghouse.ledger.escrow.FundingPurpose;
import io.livepeer.clearinghouse.ledger.escrow.Fundings;
import java.math.BigInteger;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.protocol.core.methods.response.TransactionReceipt;

/**
 * Sends TicketBroker funding transactions so that none is ever sent twice: {@link #fund} stores the signed raw
 * transaction (state SIGNED, nonce from the shared nonce manager, daily cap re-checked under the key's lock) and only
 * then broadcasts it; {@link #reconcile} re-broadcasts every open funding's same bytes (idempotent: same nonce, same
 * hash) and moves it to CONFIRMED after the configured confirmations in a canonical block, or FAILED when it reverted
 * or its nonce went to another transaction. Gas limit = {@code eth_estimateGas × 1.25} (L2 estimates are tight);
 * fees = the node's suggestion with the fee cap clipped to {@code maxFeePerGasWei}.
 */
public final class EscrowFunder {

    /** Runs after a funding is stored and before it is broadcast (tests simulate a crash here). */
    @FunctionalInterface
    interface BeforeBroadcast {
        void run(Funding funding);
    }

    private static final Logger LOG = LoggerFactory.getLogger(EscrowFunder.class);

    private final Fundings fundings;
    private final Chain chain;
    private final TicketBroker broker;
    private final int confirmations;
    private final BigInteger maxFeePerGasWei;
    private final BeforeBroadcast beforeBroadcast;

    /**
     * @param confirmations blocks (the receipt's included) before a funding is confirmed
     * @param maxFeePerGasWei fee cap never exceeded
     */
    public EscrowFunder(
            Fundings fundings, Chain chain, TicketBroker broker, int confirmations, BigInteger maxFeePerGasWei) {
        this(fundings, chain, broker, confirmations, maxFeePerGasWei, f -> {});
    }

    EscrowFunder(
            Fundings fundings,
            Chain chain,
            TicketBroker broker,
            int confirmations,
            BigInteger maxFeePerGasWei,
            BeforeBroadcast beforeBroadcast) {
        this.fundings = Objects.requireNonNull(fundings, "fundings");
        this.chain = Objects.requireNonNull(chain, "chain");
        this.broker = Objects.requireNonNull(broker, "broker");
        this.confirmations = confirmations;
        this.maxFeePerGasWei = Objects.requireNonNull(maxFeePerGasWei, "maxFeePerGasWei");
        this.beforeBroadcast = Objects.requireNonNull(beforeBroadcast, "beforeBroadcast");
    }

    /** The broker funded. */
    public TicketBroker broker() {
        return broker;
    }

    /**
     * Signs, stores, then broadcasts one funding: {@code fundDepositAndReserveFor(beneficiary, deposit, reserve)} for a
     * signer top-up, {@code fundDeposit()} (value = deposit) for the payout key's own deposit.
     *
     * @return the stored funding (BROADCAST, or SIGNED with {@code lastError} when the node refused it for now)
     * @throws Fundings.CapReached when the daily cap would be exceeded (nothing stored)
     * @throws ChainException when gas cannot be estimated (e.g. the call would revert): nothing stored
     */
    public Funding fund(
            FundingPurpose purpose,
            String beneficiary,
            BigInteger depositWei,
            BigInteger reserveWei,
            PayoutKey key,
            BigInteger dailyCapWei)
            throws SQLException {
        String data;
        if (purpose == FundingPurpose.SIGNER_TOPUP) {
            data = TicketBroker.encode(TicketBroker.fundDepositAndReserveFor(beneficiary, depositWei, reserveWei));
        } else {
            if (reserveWei.signum() != 0 || !beneficiary.equalsIgnoreCase(key.address())) {
                throw new IllegalArgumentException("a payout-key deposit funds the key's own deposit only");
            }
            data = TicketBroker.encode(TicketBroker.fundDeposit());
        }
        BigInteger value = depositWei.add(reserveWei);
        BigInteger estimate = chain.estimateGas(key.address(), broker.address(), value, data);
        BigInteger gasLimit = estimate.multiply(BigInteger.valueOf(125))
                .add(BigInteger.valueOf(99))
                .divide(BigInteger.valueOf(100));
        Fees fees = chain.suggestFees().cappedAt(maxFeePerGasWei);
        Funding stored = fundings.record(
                new Fundings.Request(
                        purpose,
                        beneficiary,
                        depositWei,
                        reserveWei,
                        chain.chainId(),
                        key.address(),
                        chain.pendingNonce(key.address()),
                        dailyCapWei),
                nonce -> {
                    SignedTransaction tx = chain.sign(key, nonce, broker.address(), value, data, gasLimit, fees);
                    return new Fundings.Signed(tx.raw(), tx.hash());
                });
        LOG.info(
                "Funding {} stored: {} {} wei (deposit {}, reserve {}) for {} from {}, nonce {}, tx {}",
                stored.fundingId(),
                purpose,
                value,
                depositWei,
                reserveWei,
                stored.beneficiary(),
                stored.fromAddress(),
                stored.nonce(),
                stored.txHash());
        beforeBroadcast.run(stored);
        return broadcast(stored);
    }

    /**
     * Moves every open funding on: re-broadcasts what is not mined, confirms or fails what is.
     *
     * @return the fundings as they are afterwards
     */
    public List<Funding> reconcile() throws SQLException {
        List<Funding> out = new ArrayList<>();
        for (Funding f : fundings.open()) {
            try {
                out.add(step(f));
            } catch (ChainException e) {
                LOG.warn("Funding {} (tx {}) not reconciled this time: {}", f.fundingId(), f.txHash(), e.getMessage());
                out.add(fundings.noteError(f.fundingId(), e.getMessage()));
            }
        }
        return out;
    }

    private Funding step(Funding f) throws SQLException {
        Optional<TransactionReceipt> receipt = chain.receipt(f.txHash());
        if (receipt.isEmpty()) {
            return broadcast(f);
        }
        TransactionReceipt r = receipt.get();
        long block = r.getBlockNumber().longValueExact();
        if (!r.isStatusOK()) {
            LOG.warn("Funding {} (tx {}) reverted in block {}", f.fundingId(), f.txHash(), block);
            return fundings.markFailed(f.fundingId(), block, "reverted in block " + block);
        }
        long head = chain.blockNumber();
        if (head - block + 1 < confirmations) {
            return f.state() == io.livepeer.clearinghouse.ledger.escrow.FundingState.SIGNED
                    ? fundings.markBroadcast(f.fundingId())
                    : f;
        }
        Optional<String> canonical = chain.blockHash(block);
        if (canonical.isEmpty() || !canonical.get().equalsIgnoreCase(r.getBlockHash())) {
            // the block was replaced (reorg): the receipt is stale, the transaction goes back to the pool or is
            // re-broadcast next time
            return f;
        }
        LOG.info("Funding {} confirmed in block {} (tx {})", f.fundingId(), block, f.txHash());
        return fundings.markConfirmed(f.fundingId(), block, r.getBlockHash());
    }

    private Funding broadcast(Funding f) throws SQLException {
        try {
            chain.broadcast(f.rawTx(), f.txHash());
            return fundings.markBroadcast(f.fundingId());
        } catch (ChainException e) {
            String message = e.getMessage() == null ? "" : e.getMessage();
            if (message.toLowerCase(Locale.ROOT).contains("nonce too low")) {
                // the nonce went to another transaction and this one is not mined: it can never be
                LOG.warn(
                        "Funding {} (tx {}) failed: nonce {} was used by another transaction",
                        f.fundingId(),
                        f.txHash(),
                        f.nonce());
                return fundings.markFailed(
                        f.fundingId(), null, "nonce " + f.nonce() + " was used by another transaction");
            }
            LOG.warn(
                    "Funding {} (tx {}) broadcast refused, retried next cycle: {}", f.fundingId(), f.txHash(), message);
            return fundings.noteError(f.fundingId(), message);
        }
    }
}

package io.livepeer.clearinghouse.routes.escrow;

import io.livepeer.clearinghouse.contracts.Chain;
import io.livepeer.clearinghouse.contracts.ChainException;
import io.livepeer.clearinghouse.contracts.Fees;
import io.livepeer.clearinghouse.contracts.PayoutKey;
import io.livepeer.clearinghouse.contracts.SameNonce;
import io.livepeer.clearinghouse.contracts.SignedTransaction;
import io.livepeer.clearinghouse.contracts.TicketBroker;
import io.livepeer.clearinghouse.ledger.escrow.Funding;
import io.livepeer.clearinghouse.ledger.escrow.FundingAttempt;
import io.livepeer.clearinghouse.ledger.escrow.FundingPurpose;
import io.livepeer.clearinghouse.ledger.escrow.FundingState;
import io.livepeer.clearinghouse.ledger.escrow.Fundings;
import java.math.BigInteger;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends TicketBroker funding transactions so that none is ever sent twice: {@link #fund} stores the signed raw
 * transaction (state SIGNED, nonce from the shared nonce manager, daily cap re-checked under the key's lock) and only
 * then broadcasts it; {@link #reconcile} moves every open funding on:
 *
 * <ul>
 *   <li>any of its attempts (the original and its replacements, all with the same nonce) mined with
 *       {@code confirmations} blocks in a canonical block ({@link SameNonce#standing}): status 1 confirms the funding
 *       with that attempt, status 0 fails it; whichever attempt was mined, the funding is funded once;
 *   <li>none mined and the current attempt signed at least {@code stuckAfter} ago: a replacement with the same nonce,
 *       recipient, value, calldata and gas limit and fees bumped by {@code bumpPercent} (≥ 10, or the market's if
 *       higher; {@link SameNonce#replacement}) is signed, stored as the next attempt, committed, then broadcast; never
 *       above {@code maxFeePerGasWei} (then the current attempt is re-broadcast and the funding's {@code last_error}
 *       says so), and not while the node refuses for insufficient funds (a higher fee would not help);
 *   <li>otherwise the current attempt's same bytes are re-broadcast (idempotent: same nonce, same hash).
 * </ul>
 *
 * A broadcast refused with "nonce too low" while no attempt has a receipt fails the funding (another transaction
 * used the nonce). Gas limit = {@code eth_estimateGas × 1.25} (L2 estimates are tight); fees = the node's suggestion
 * with the fee cap clipped to {@code maxFeePerGasWei}. Amounts in wei, fees in wei per gas.
 */
public final class EscrowFunder {

    /** Runs after a funding or a replacement is stored and before it is broadcast (tests simulate a crash here). */
    @FunctionalInterface
    interface BeforeBroadcast {
        void run(Funding funding);
    }

    /**
     * Funder options.
     *
     * @param confirmations blocks (the receipt's included) before a funding is confirmed (≥ 1)
     * @param maxFeePerGasWei fee cap never exceeded, by a funding or its replacement
     * @param stuckAfter a funding whose current attempt was signed this long ago and is not mined is replaced
     * @param bumpPercent fee increase of a replacement, percent (nodes require ≥ 10)
     */
    public record Options(int confirmations, BigInteger maxFeePerGasWei, Duration stuckAfter, int bumpPercent) {
        public Options {
            if (confirmations < 1) {
                throw new IllegalArgumentException("confirmations must be at least 1, got " + confirmations);
            }
            if (maxFeePerGasWei == null || maxFeePerGasWei.signum() <= 0) {
                throw new IllegalArgumentException("maxFeePerGasWei must be positive wei, got " + maxFeePerGasWei);
            }
            if (stuckAfter == null || stuckAfter.isNegative() || stuckAfter.isZero()) {
                throw new IllegalArgumentException("stuckAfter must be positive, got " + stuckAfter);
            }
            if (bumpPercent < 10) {
                throw new IllegalArgumentException("bumpPercent must be at least 10, got " + bumpPercent);
            }
        }

        /** The options of {@code settings}. */
        public static Options of(EscrowSettings settings) {
            return new Options(
                    settings.confirmations(),
                    settings.maxFeePerGasWei(),
                    settings.stuckAfter(),
                    settings.feeBumpPercent());
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(EscrowFunder.class);

    private final Fundings fundings;
    private final Chain chain;
    private final TicketBroker broker;
    private final Options options;
    private final Clock clock;
    private final BeforeBroadcast beforeBroadcast;

    public EscrowFunder(Fundings fundings, Chain chain, TicketBroker broker, Options options, Clock clock) {
        this(fundings, chain, broker, options, clock, f -> {});
    }

    EscrowFunder(
            Fundings fundings,
            Chain chain,
            TicketBroker broker,
            Options options,
            Clock clock,
            BeforeBroadcast beforeBroadcast) {
        this.fundings = Objects.requireNonNull(fundings, "fundings");
        this.chain = Objects.requireNonNull(chain, "chain");
        this.broker = Objects.requireNonNull(broker, "broker");
        this.options = Objects.requireNonNull(options, "options");
        this.clock = Objects.requireNonNull(clock, "clock");
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
        Fees fees = chain.suggestFees().cappedAt(options.maxFeePerGasWei());
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
     * Moves every open funding on: confirms or fails what is mined, replaces what is stuck, re-broadcasts the rest.
     *
     * @param keys the sending keys this instance holds (treasury, payout key): a stuck funding from a key not among
     *     them is re-broadcast, never replaced
     * @return the fundings as they are afterwards
     */
    public List<Funding> reconcile(List<PayoutKey> keys) throws SQLException {
        List<Funding> out = new ArrayList<>();
        for (Funding f : fundings.open()) {
            try {
                out.add(step(f, keys));
            } catch (ChainException e) {
                LOG.warn("Funding {} (tx {}) not reconciled this time: {}", f.fundingId(), f.txHash(), e.getMessage());
                out.add(fundings.noteError(f.fundingId(), e.getMessage()));
            }
        }
        return out;
    }

    private Funding step(Funding f, List<PayoutKey> keys) throws SQLException {
        List<FundingAttempt> attempts = fundings.attempts(f.fundingId());
        SameNonce.Standing standing = SameNonce.standing(
                chain, attempts.stream().map(FundingAttempt::txHash).toList(), options.confirmations());
        if (standing instanceof SameNonce.Unsettled) {
            // mined, not deep enough yet, or its block was replaced (reorg: it goes back to the pool or is
            // re-broadcast)
            return f.state() == FundingState.SIGNED ? fundings.markBroadcast(f.fundingId()) : f;
        }
        if (standing instanceof SameNonce.Settled mined) {
            return settle(f, attempts, mined);
        }
        FundingAttempt current = attempts.get(attempts.size() - 1);
        if (stuck(f, current)) {
            Optional<PayoutKey> key = keys.stream()
                    .filter(k -> k.address().equalsIgnoreCase(f.fromAddress()))
                    .findFirst();
            if (key.isEmpty()) {
                LOG.warn(
                        "Funding {} (tx {}) is stuck, but the key {} is not loaded here: re-broadcast only",
                        f.fundingId(),
                        f.txHash(),
                        f.fromAddress());
            } else {
                return replace(f, current, key.get());
            }
        }
        return broadcast(f);
    }

    private boolean stuck(Funding f, FundingAttempt current) {
        if (f.state() == FundingState.SIGNED && f.lastError() == null) {
            return false; // never offered to the node (a crash before broadcast): its own bytes go first
        }
        if (Duration.between(current.createdAt(), clock.instant()).compareTo(options.stuckAfter()) < 0) {
            return false;
        }
        // a higher fee only raises what the key must hold
        return f.lastError() == null || !f.lastError().toLowerCase(Locale.ROOT).contains("insufficient funds");
    }

    private Funding settle(Funding f, List<FundingAttempt> attempts, SameNonce.Settled mined) throws SQLException {
        if (!mined.succeeded()) {
            LOG.warn("Funding {} (tx {}) reverted in block {}", f.fundingId(), mined.txHash(), mined.block());
            return fundings.markFailed(
                    f.fundingId(), mined.txHash(), mined.block(), "reverted in block " + mined.block());
        }
        int attempt = attempts.stream()
                .filter(a -> a.txHash().equalsIgnoreCase(mined.txHash()))
                .findFirst()
                .orElseThrow()
                .attempt();
        LOG.info(
                "Funding {} confirmed in block {} (tx {}, attempt {} of {})",
                f.fundingId(),
                mined.block(),
                mined.txHash(),
                attempt,
                f.replacements());
        return fundings.markConfirmed(f.fundingId(), mined.txHash(), mined.block(), mined.blockHash());
    }

    private Funding replace(Funding f, FundingAttempt current, PayoutKey key) throws SQLException {
        SameNonce.Replacement r =
                SameNonce.replacement(chain, key, current.rawTx(), options.bumpPercent(), options.maxFeePerGasWei());
        if (r.transaction().isEmpty()) {
            String why = "stuck at " + r.stuck().maxFeePerGas() + " wei/gas since " + current.createdAt()
                    + "; a replacement would need " + r.wanted().maxFeePerGas() + " wei/gas, above the cap "
                    + options.maxFeePerGasWei() + " (ESCROW_MAX_FEE_PER_GAS_WEI)";
            LOG.warn("Funding {} (tx {}) {}", f.fundingId(), f.txHash(), why);
            Funding rebroadcast = broadcast(f);
            return rebroadcast.lastError() == null ? fundings.noteError(f.fundingId(), why) : rebroadcast;
        }
        SignedTransaction replacement = r.transaction().get();
        if (!replacement.nonce().equals(f.nonce())) {
            throw new IllegalStateException("funding " + f.fundingId() + " has nonce " + f.nonce() + ", its attempt "
                    + current.txHash() + " " + replacement.nonce());
        }
        Funding stored = fundings.replace(f.fundingId(), new Fundings.Signed(replacement.raw(), replacement.hash()));
        LOG.info(
                "Funding {} stuck since {} at {} wei/gas: replacement {} stored, nonce {}, {} wei/gas (tip {})",
                f.fundingId(),
                current.createdAt(),
                r.stuck().maxFeePerGas(),
                replacement.hash(),
                replacement.nonce(),
                r.wanted().maxFeePerGas(),
                r.wanted().maxPriorityFeePerGas());
        beforeBroadcast.run(stored);
        return broadcast(stored);
    }

    private Funding broadcast(Funding f) throws SQLException {
        try {
            chain.broadcast(f.rawTx(), f.txHash());
            return fundings.markBroadcast(f.fundingId());
        } catch (ChainException e) {
            String message = e.getMessage() == null ? "" : e.getMessage();
            if (message.toLowerCase(Locale.ROOT).contains("nonce too low")) {
                for (FundingAttempt attempt : fundings.attempts(f.fundingId())) {
                    if (chain.receipt(attempt.txHash()).isPresent()) {
                        // an earlier attempt was mined meanwhile: the next reconcile confirms (or fails) with it
                        LOG.info(
                                "Funding {}: attempt {} was mined, {} is not needed",
                                f.fundingId(),
                                attempt.txHash(),
                                f.txHash());
                        return f;
                    }
                }
                // the nonce went to another transaction and no attempt of ours is mined: none ever can be
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

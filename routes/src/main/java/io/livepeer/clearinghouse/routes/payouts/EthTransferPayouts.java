package io.livepeer.clearinghouse.routes.payouts;

import io.livepeer.clearinghouse.contracts.Chain;
import io.livepeer.clearinghouse.contracts.ChainException;
import io.livepeer.clearinghouse.contracts.Fees;
import io.livepeer.clearinghouse.contracts.PayoutKey;
import io.livepeer.clearinghouse.contracts.SameNonce;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.credit.LedgerException;
import io.livepeer.clearinghouse.ledger.payouts.PayoutIntent;
import io.livepeer.clearinghouse.ledger.payouts.PayoutIntents;
import io.livepeer.clearinghouse.ledger.payouts.PayoutState;
import io.livepeer.clearinghouse.ledger.payouts.SignedAttempt;
import java.math.BigInteger;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code eth_transfer} payout strategy: moves each open intent forward without blocking, so a cycle can be cut
 * at any point (crash, restart, another instance) and the next one carries on with the stored transaction.
 *
 * <ul>
 *   <li>PLANNED → SIGNED: EIP-1559 transfer of the intent's amount to its recipient, fees from the node capped at
 *       {@code maxFeePerGas}; waits (stays PLANNED) while the most the gas can cost exceeds
 *       {@code maxGasSharePercent} of the amount. The nonce comes from the database's nonce manager; the signed
 *       raw transaction is stored before it is sent.
 *   <li>SIGNED → BROADCAST: sends the stored bytes (idempotent: same nonce, same hash).
 *   <li>BROADCAST → CONFIRMED: one of the intent's attempts has a status-1 receipt with {@code confirmations}
 *       blocks on top, and the receipt's block is still the canonical block at that height (else it was reorged:
 *       wait and re-broadcast). The ledger debit is posted with the confirmation. A status-0 receipt, confirmed and
 *       canonical, fails the intent (the balance stays and the next plan retries).
 *   <li>No receipt: the current attempt is re-broadcast (a dropped or reorged-out transaction comes back); after
 *       {@code stuckAfter} since the last broadcast, a replacement with the same nonce and fees bumped by
 *       {@code bumpPercent} (≥ 10) is signed, stored and sent, as long as its fee cap stays within
 *       {@code maxFeePerGas}; never above it.
 * </ul>
 *
 * Amounts in wei; fees in wei per gas. {@link TicketPayouts} is the {@code livepeer_ticket} counterpart.
 */
public final class EthTransferPayouts implements PayoutEngine {

    private static final Logger LOG = LoggerFactory.getLogger(EthTransferPayouts.class);

    /** An ETH transfer to an externally owned account. */
    public static final BigInteger TRANSFER_GAS = BigInteger.valueOf(21_000);

    /**
     * Engine options.
     *
     * @param confirmations blocks including the receipt's own before a payout counts as paid (≥ 1)
     * @param maxFeePerGas never sign a fee cap above this, wei per gas
     * @param maxGasSharePercent a payout waits while gas limit × fee cap exceeds this share of its amount
     * @param stuckAfter replace a transaction not mined this long after its last broadcast
     * @param bumpPercent fee increase of a replacement, percent (the node requires ≥ 10)
     */
    public record Options(
            int confirmations, BigInteger maxFeePerGas, int maxGasSharePercent, Duration stuckAfter, int bumpPercent) {
        public Options {
            if (confirmations < 1) {
                throw new IllegalArgumentException("confirmations must be at least 1, got " + confirmations);
            }
            if (maxFeePerGas == null || maxFeePerGas.signum() <= 0) {
                throw new IllegalArgumentException("maxFeePerGas must be positive wei, got " + maxFeePerGas);
            }
            if (maxGasSharePercent < 1 || maxGasSharePercent > 100) {
                throw new IllegalArgumentException("maxGasSharePercent must be 1..100, got " + maxGasSharePercent);
            }
            if (bumpPercent < 10) {
                throw new IllegalArgumentException("bumpPercent must be at least 10, got " + bumpPercent);
            }
            Objects.requireNonNull(stuckAfter, "stuckAfter");
        }
    }

    private final PayoutIntents intents;
    private final Ledger ledger;
    private final Chain chain;
    private final PayoutKey key;
    private final Options options;
    private final Clock clock;

    public EthTransferPayouts(
            PayoutIntents intents, Ledger ledger, Chain chain, PayoutKey key, Options options, Clock clock) {
        this.intents = Objects.requireNonNull(intents, "intents");
        this.ledger = Objects.requireNonNull(ledger, "ledger");
        this.chain = Objects.requireNonNull(chain, "chain");
        this.key = Objects.requireNonNull(key, "key");
        this.options = Objects.requireNonNull(options, "options");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Moves every open {@code eth_transfer} intent forward once; a node error or a debit the orchestrator's balance
     * no longer covers holds that intent only (logged), not the others.
     */
    @Override
    public void advanceAll() throws SQLException {
        for (PayoutIntent intent : intents.open()) {
            if (!"eth_transfer".equals(intent.strategy())) {
                continue;
            }
            try {
                advance(intent.intentId());
            } catch (ChainException e) {
                LOG.warn("payout {} for {} waits: {}", intent.intentId(), intent.orchestratorId(), e.getMessage());
            } catch (LedgerException.InsufficientFunds e) {
                // paid on chain, but the balance no longer covers it (a credit was reversed meanwhile): the debit
                // of the whole amount waits, the intent stays open (PayoutStuck), never a smaller debit
                LOG.warn(
                        "payout {} for {} is paid on chain but cannot be debited: {}; it stays open until the"
                                + " account covers {} wei again (post an adjustment; docs/payouts.md)",
                        intent.intentId(),
                        intent.orchestratorId(),
                        e.getMessage(),
                        intent.amountWei());
            }
        }
    }

    /**
     * Moves one intent as far as it can go now (PLANNED may reach BROADCAST in one call).
     *
     * @return the intent as it now stands
     * @throws ChainException when the node cannot be reached or refuses a transaction (the intent keeps its state)
     */
    public PayoutIntent advance(String intentId) throws SQLException {
        PayoutIntent intent =
                intents.get(intentId).orElseThrow(() -> new IllegalArgumentException("no payout " + intentId));
        if (intent.state() == PayoutState.PLANNED) {
            Optional<PayoutIntent> signed = sign(intent);
            if (signed.isEmpty()) {
                return intent;
            }
            intent = signed.get();
        }
        if (intent.state() == PayoutState.SIGNED) {
            broadcastCurrent(intent);
            intent = intents.markBroadcast(intentId);
            return settle(intent);
        }
        if (intent.state() == PayoutState.BROADCAST) {
            return settle(intent);
        }
        return intent;
    }

    private Optional<PayoutIntent> sign(PayoutIntent intent) throws SQLException {
        Fees fees = chain.suggestFees().cappedAt(options.maxFeePerGas());
        BigInteger maxGasCost = fees.maxCost(TRANSFER_GAS);
        BigInteger allowed = intent.amountWei()
                .multiply(BigInteger.valueOf(options.maxGasSharePercent()))
                .divide(BigInteger.valueOf(100));
        if (maxGasCost.compareTo(allowed) > 0) {
            LOG.info(
                    "payout {} waits: gas could cost {} wei, more than {} % of {} wei",
                    intent.intentId(), maxGasCost, options.maxGasSharePercent(), intent.amountWei());
            return Optional.empty();
        }
        BigInteger pending = chain.pendingNonce(key.address());
        return Optional.of(intents.sign(
                intent.intentId(),
                chain.chainId(),
                key.address(),
                pending,
                nonce -> Attempts.of(
                        chain.sign(key, nonce, intent.recipient(), intent.amountWei(), "0x", TRANSFER_GAS, fees))));
    }

    private PayoutIntent settle(PayoutIntent intent) throws SQLException {
        List<SignedAttempt> attempts = intents.attempts(intent.intentId());
        SameNonce.Standing standing = SameNonce.standing(
                chain, attempts.stream().map(SignedAttempt::txHash).toList(), options.confirmations());
        if (standing instanceof SameNonce.Unsettled u) {
            if (u.reorged()) {
                LOG.warn(
                        "payout {}: receipt of {} names block {}, no longer canonical; waiting",
                        intent.intentId(),
                        u.txHash(),
                        u.block());
            }
            return intent; // mined, not deep enough yet, or reorged
        }
        if (standing instanceof SameNonce.Settled mined) {
            if (mined.succeeded()) {
                PayoutIntent confirmed =
                        intents.confirm(intent.intentId(), mined.txHash(), mined.block(), mined.blockHash(), ledger);
                LOG.info(
                        "payout {} paid {} wei to {} for {} in {} (block {})",
                        intent.intentId(),
                        intent.amountWei(),
                        intent.recipient(),
                        intent.orchestratorId(),
                        mined.txHash(),
                        mined.block());
                return confirmed;
            }
            LOG.warn(
                    "payout {}: {} reverted in block {}; the balance stays and the next plan retries",
                    intent.intentId(),
                    mined.txHash(),
                    mined.block());
            return intents.failReverted(intent.intentId(), mined.txHash(), "reverted in block " + mined.block());
        }
        // nothing mined: replace when stuck, else make sure the node still has the current attempt
        if (intent.broadcastAt() != null
                && Duration.between(intent.broadcastAt(), clock.instant()).compareTo(options.stuckAfter()) >= 0) {
            Optional<PayoutIntent> replaced = replace(intent, attempts.get(attempts.size() - 1));
            if (replaced.isPresent()) {
                return replaced.get();
            }
        }
        broadcastCurrent(intent);
        return intent;
    }

    private Optional<PayoutIntent> replace(PayoutIntent intent, SignedAttempt current) throws SQLException {
        SameNonce.Replacement r =
                SameNonce.replacement(chain, key, current.rawTx(), options.bumpPercent(), options.maxFeePerGas());
        if (r.transaction().isEmpty()) {
            LOG.warn(
                    "payout {} is stuck at {} wei/gas; a replacement would need {} wei/gas, above the cap {}",
                    intent.intentId(),
                    r.stuck().maxFeePerGas(),
                    r.wanted().maxFeePerGas(),
                    options.maxFeePerGas());
            return Optional.empty();
        }
        SignedAttempt replacement = Attempts.of(r.transaction().get());
        PayoutIntent stored = intents.replace(intent.intentId(), replacement);
        LOG.info(
                "payout {} stuck since {}: replaced by {} at {} wei/gas",
                intent.intentId(),
                intent.broadcastAt(),
                replacement.txHash(),
                r.wanted().maxFeePerGas());
        chain.broadcast(replacement.rawTx(), replacement.txHash());
        return Optional.of(intents.markBroadcast(stored.intentId()));
    }

    private void broadcastCurrent(PayoutIntent intent) throws SQLException {
        for (SignedAttempt attempt : intents.attempts(intent.intentId())) {
            if (attempt.txHash().equals(intent.txHash())) {
                chain.broadcast(attempt.rawTx(), attempt.txHash());
                return;
            }
        }
        throw new IllegalStateException("payout " + intent.intentId() + " has no stored attempt " + intent.txHash());
    }
}

package io.livepeer.clearinghouse.routes.payouts;

import io.livepeer.clearinghouse.contracts.Chain;
import io.livepeer.clearinghouse.contracts.ChainException;
import io.livepeer.clearinghouse.contracts.Fees;
import io.livepeer.clearinghouse.contracts.PayoutKey;
import io.livepeer.clearinghouse.contracts.Protocol;
import io.livepeer.clearinghouse.contracts.SameNonce;
import io.livepeer.clearinghouse.contracts.SignedTicket;
import io.livepeer.clearinghouse.contracts.Ticket;
import io.livepeer.clearinghouse.contracts.TicketBroker;
import io.livepeer.clearinghouse.contracts.TicketRedemption;
import io.livepeer.clearinghouse.contracts.TicketSigner;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.credit.LedgerException;
import io.livepeer.clearinghouse.ledger.payouts.PayoutIntent;
import io.livepeer.clearinghouse.ledger.payouts.PayoutIntents;
import io.livepeer.clearinghouse.ledger.payouts.PayoutState;
import io.livepeer.clearinghouse.ledger.payouts.PayoutTickets;
import io.livepeer.clearinghouse.ledger.payouts.PayoutTickets.Batch;
import io.livepeer.clearinghouse.ledger.payouts.PayoutTickets.StoredTicket;
import io.livepeer.clearinghouse.ledger.payouts.PayoutTickets.Unredeemed;
import io.livepeer.clearinghouse.ledger.payouts.SignedAttempt;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;

/**
 * The {@code livepeer_ticket} payout strategy (livepeer-ops {@code payments/livepeer_ticket_broker_client.py}, done
 * with per-ticket proof): each open intent is paid by one always-winning ticket (winProb 2^256-1, face value = the
 * intent's amount, recipient = the orchestrator's payout address, sender = the payout key, auxData = the current round
 * ‖ its block hash; TicketBroker.sol {@code MixinTicketProcessor}), redeemed singly or in batches of at most
 * {@code batchMax} with {@code batchRedeemWinningTickets}. Each pass moves everything forward without blocking:
 *
 * <ol>
 *   <li>batches in flight: a stored transaction not mined is re-broadcast (the same bytes), replaced with the same
 *       nonce and bumped fees when stuck (never above the fee cap); once mined with {@code confirmations} blocks on a
 *       still-canonical block, each ticket counts as paid only with its own {@code WinningTicketRedeemed} log
 *       ({@link TicketRedemption#redeemed}): those intents are CONFIRMED and debited; each other ticket fails
 *       (expired: it can no longer be redeemed), goes back to the pool with the same ticket (it may still be
 *       redeemed), or is held (used on chain by another transaction: never debited without proof, never paid
 *       again);
 *   <li>a PLANNED intent without a ticket gets one, stored before it can be sent and reused on every retry;
 *   <li>the pool: tickets whose face values the key's TicketBroker deposit + reserve (minus batches in flight) do
 *       not cover wait ({@code waiting_for_coverage}); the others are pre-checked one by one (registered transcoder,
 *       {@code eth_call}): a refused ticket that was never sent fails its intent with the reason; the rest are
 *       signed into batches (gas limit = sum of each ticket's estimate × 1.25), stored with their intents SIGNED in
 *       one database transaction, then broadcast.
 * </ol>
 *
 * Amounts in wei; fees in wei per gas.
 */
public final class TicketPayouts implements PayoutEngine {

    private static final Logger LOG = LoggerFactory.getLogger(TicketPayouts.class);

    /** Prefix of the waiting reason of a ticket the deposit and reserve do not cover (metrics count it). */
    public static final String WAITING_FOR_COVERAGE = "waiting_for_coverage";

    private final PayoutIntents intents;
    private final PayoutTickets tickets;
    private final Ledger ledger;
    private final Chain chain;
    private final PayoutKey key;
    private final String brokerAddress;
    private final EthTransferPayouts.Options options;
    private final int batchMax;
    private final Clock clock;
    private final TicketSigner signer;
    private Protocol protocol;

    /**
     * @param brokerAddress the TicketBroker proxy
     * @param batchMax most tickets in one redemption transaction (≥ 1)
     */
    public TicketPayouts(
            PayoutIntents intents,
            PayoutTickets tickets,
            Ledger ledger,
            Chain chain,
            PayoutKey key,
            String brokerAddress,
            EthTransferPayouts.Options options,
            int batchMax,
            Clock clock) {
        this.intents = Objects.requireNonNull(intents, "intents");
        this.tickets = Objects.requireNonNull(tickets, "tickets");
        this.ledger = Objects.requireNonNull(ledger, "ledger");
        this.chain = Objects.requireNonNull(chain, "chain");
        this.key = Objects.requireNonNull(key, "key");
        this.brokerAddress = Objects.requireNonNull(brokerAddress, "brokerAddress");
        this.options = Objects.requireNonNull(options, "options");
        if (batchMax < 1) {
            throw new IllegalArgumentException("batchMax must be at least 1, got " + batchMax);
        }
        this.batchMax = batchMax;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.signer = new TicketSigner(key, new SecureRandom());
    }

    private synchronized Protocol protocol() {
        if (protocol == null) {
            protocol = Protocol.of(chain, brokerAddress);
        }
        return protocol;
    }

    /**
     * One pass (see the class comment). A node error stops the pass where it is (logged; every step already taken is
     * stored); a debit the orchestrator's balance no longer covers holds that batch's settlement (logged).
     */
    @Override
    public void advanceAll() throws SQLException {
        try {
            for (Batch batch : tickets.openBatches()) {
                try {
                    advanceBatch(batch);
                } catch (LedgerException.InsufficientFunds e) {
                    LOG.warn(
                            "ticket batch {} is redeemed on chain but cannot be debited: {}; it stays open until the"
                                    + " accounts cover it again (post an adjustment; docs/payouts.md)",
                            batch.batchId(),
                            e.getMessage());
                }
            }
            makeTickets();
            redeemPool();
        } catch (ChainException e) {
            LOG.warn("ticket payouts wait: {}", e.getMessage());
        }
    }

    // ---- tickets ----

    private void makeTickets() throws SQLException {
        List<PayoutIntent> planned = new ArrayList<>();
        for (PayoutIntent intent : intents.open()) {
            if ("livepeer_ticket".equals(intent.strategy()) && intent.state() == PayoutState.PLANNED) {
                planned.add(intent);
            }
        }
        if (planned.isEmpty()) {
            return;
        }
        Map<String, StoredTicket> existing =
                tickets.tickets(planned.stream().map(PayoutIntent::intentId).toList());
        Protocol p = protocol();
        BigInteger round = null;
        byte[] roundHash = null;
        for (PayoutIntent intent : planned) {
            if (existing.containsKey(intent.intentId())) {
                continue;
            }
            if (round == null) {
                if (!p.currentRoundInitialized()) {
                    LOG.info("ticket payouts wait: the current round is not initialised");
                    return;
                }
                round = p.currentRound();
                roundHash = p.blockHashForRound(round);
                if (new BigInteger(1, roundHash).signum() == 0) {
                    LOG.info("ticket payouts wait: round {} has no block hash yet", round);
                    return;
                }
            }
            SignedTicket t = signer.alwaysWinning(intent.recipient(), intent.amountWei(), round, roundHash);
            StoredTicket stored = tickets.store(stored(intent.intentId(), t, round));
            LOG.info(
                    "payout {}: ticket {} for {} wei to {} (round {})",
                    intent.intentId(),
                    stored.ticketHash(),
                    intent.amountWei(),
                    intent.recipient(),
                    round);
        }
    }

    private static StoredTicket stored(String intentId, SignedTicket t, BigInteger round) {
        Ticket ticket = t.ticket();
        return new StoredTicket(
                intentId,
                Numeric.toHexString(ticket.hash()),
                ticket.recipient(),
                ticket.sender(),
                ticket.faceValue(),
                ticket.winProb(),
                ticket.senderNonce(),
                t.recipientRand(),
                Numeric.toHexString(ticket.recipientRandHash()),
                Numeric.toHexString(ticket.auxData()),
                round,
                Numeric.toHexString(t.signature()),
                PayoutTickets.Outcome.PENDING,
                null,
                null,
                null,
                false);
    }

    /** The stored ticket as the contract takes it; its hash must be the stored hash. */
    static SignedTicket signed(StoredTicket s) {
        Ticket ticket = new Ticket(
                s.recipient(),
                s.sender(),
                s.faceValueWei(),
                s.winProb(),
                s.senderNonce(),
                Numeric.hexStringToByteArray(s.recipientRandHash()),
                Numeric.hexStringToByteArray(s.auxData()));
        if (!Numeric.toHexString(ticket.hash()).equalsIgnoreCase(s.ticketHash())) {
            throw new IllegalStateException(
                    "stored ticket of payout " + s.intentId() + " does not hash to " + s.ticketHash());
        }
        return new SignedTicket(ticket, Numeric.hexStringToByteArray(s.signature()), s.recipientRand());
    }

    // ---- the pool ----

    private void redeemPool() throws SQLException {
        List<StoredTicket> pool = tickets.pool();
        if (pool.isEmpty()) {
            return;
        }
        Protocol p = protocol();
        TicketBroker broker = p.ticketBroker();
        BigInteger inFlight =
                tickets.openBatches().stream().map(Batch::faceValueWei).reduce(BigInteger.ZERO, BigInteger::add);
        BigInteger coverage = broker.senderInfo(key.address()).coverage();
        BigInteger available = coverage.subtract(inFlight).max(BigInteger.ZERO);
        Map<String, StoredTicket> byHash = new LinkedHashMap<>();
        BigInteger taken = BigInteger.ZERO;
        for (StoredTicket t : pool) {
            if (taken.add(t.faceValueWei()).compareTo(available) <= 0) {
                taken = taken.add(t.faceValueWei());
                byHash.put(t.ticketHash().toLowerCase(java.util.Locale.ROOT), t);
            } else {
                String reason = WAITING_FOR_COVERAGE + ": the TicketBroker deposit + reserve of " + key.address()
                        + " (" + coverage + " wei, " + inFlight + " wei of it in batches in flight, " + taken
                        + " wei taken this cycle) does not cover this ticket's " + t.faceValueWei()
                        + " wei; it waits until the deposit is funded";
                tickets.waiting(t.intentId(), reason);
                LOG.warn("payout {} waits: {}", t.intentId(), reason);
            }
        }
        if (byHash.isEmpty()) {
            return;
        }
        TicketRedemption redemption = new TicketRedemption(p, key.address());
        List<SignedTicket> candidates =
                byHash.values().stream().map(TicketPayouts::signed).toList();
        TicketRedemption.PreCheck checked = redemption.preCheck(candidates);
        for (TicketRedemption.Refusal refusal : checked.refused()) {
            StoredTicket t =
                    byHash.get(Numeric.toHexString(refusal.ticket().ticket().hash()));
            refused(p, t, refusal.reason());
        }
        List<SignedTicket> redeemable = checked.redeemable();
        for (int from = 0; from < redeemable.size(); from += batchMax) {
            List<SignedTicket> chunk = redeemable.subList(from, Math.min(redeemable.size(), from + batchMax));
            TicketRedemption.PreCheck chunkCheck =
                    chunk.size() == redeemable.size() ? checked : redemption.preCheck(chunk);
            if (chunkCheck.redeemable().isEmpty()) {
                continue;
            }
            List<StoredTicket> members = new ArrayList<>();
            for (SignedTicket t : chunkCheck.redeemable()) {
                members.add(byHash.get(Numeric.toHexString(t.ticket().hash())));
            }
            send(chunkCheck, members);
        }
    }

    private void refused(Protocol p, StoredTicket t, String reason) throws SQLException {
        byte[] hash = Numeric.hexStringToByteArray(t.ticketHash());
        if (p.ticketBroker().isUsed(hash)) {
            // paid on chain by a transaction that is not one of ours: never debited without our log, never paid
            // again (the intent stays open and named by the health check)
            String held = "held: ticket " + t.ticketHash() + " is already used on chain (" + reason + "), not by a"
                    + " batch of this application: not debited; check on chain before resolving by hand";
            tickets.waiting(t.intentId(), held);
            LOG.warn("payout {} {}", t.intentId(), held);
            return;
        }
        if (!t.revealed()) {
            tickets.refuse(t.intentId(), reason);
            LOG.warn("payout {}: ticket {} refused: {}; the balance stays", t.intentId(), t.ticketHash(), reason);
            return;
        }
        if (expired(p, t)) {
            tickets.failExpired(t.intentId(), "ticket expired before it was redeemed: " + reason);
            LOG.warn("payout {}: ticket {} expired unredeemed; the balance stays", t.intentId(), t.ticketHash());
            return;
        }
        tickets.waiting(t.intentId(), "pre-check: " + reason);
        LOG.warn(
                "payout {}: sent ticket {} cannot be redeemed now ({}); retried", t.intentId(), t.ticketHash(), reason);
    }

    private boolean expired(Protocol p, StoredTicket t) {
        BigInteger validity = p.ticketBroker().validityPeriod();
        return t.creationRound().add(validity).compareTo(p.currentRound()) <= 0;
    }

    private void send(TicketRedemption.PreCheck check, List<StoredTicket> members) throws SQLException {
        Fees fees = chain.suggestFees().cappedAt(options.maxFeePerGas());
        BigInteger maxGasCost = fees.maxCost(check.gasLimit());
        BigInteger allowed = check.faceValueTotal()
                .multiply(BigInteger.valueOf(options.maxGasSharePercent()))
                .divide(BigInteger.valueOf(100));
        if (maxGasCost.compareTo(allowed) > 0) {
            for (StoredTicket t : members) {
                tickets.waiting(
                        t.intentId(),
                        "waiting_for_gas_share: redeeming could cost " + maxGasCost + " wei of gas, more than "
                                + options.maxGasSharePercent() + " % of " + check.faceValueTotal() + " wei");
            }
            return;
        }
        String data = TicketBroker.encode(check.call());
        String batchId = UUID.randomUUID().toString();
        Batch batch = tickets.signBatch(
                batchId,
                chain.chainId(),
                key.address(),
                brokerAddress,
                chain.pendingNonce(key.address()),
                members.stream().map(StoredTicket::intentId).toList(),
                nonce -> Attempts.of(
                        chain.sign(key, nonce, brokerAddress, BigInteger.ZERO, data, check.gasLimit(), fees)));
        LOG.info(
                "ticket batch {}: {} ticket(s), {} wei, gas limit {}, transaction {} stored",
                batchId,
                members.size(),
                check.faceValueTotal(),
                check.gasLimit(),
                batch.txHash());
        advanceBatch(batch);
    }

    // ---- batches in flight ----

    private void advanceBatch(Batch batch) throws SQLException {
        if (batch.state().equals("SIGNED")) {
            broadcastCurrent(batch);
            batch = tickets.markBroadcast(batch.batchId());
        }
        settle(batch);
    }

    private void settle(Batch batch) throws SQLException {
        List<SignedAttempt> attempts = tickets.attempts(batch.batchId());
        SameNonce.Standing standing = SameNonce.standing(
                chain, attempts.stream().map(SignedAttempt::txHash).toList(), options.confirmations());
        if (standing instanceof SameNonce.Unsettled u) {
            if (u.reorged()) {
                LOG.warn(
                        "ticket batch {}: receipt of {} names block {}, no longer canonical; waiting",
                        batch.batchId(),
                        u.txHash(),
                        u.block());
            }
            return;
        }
        if (standing instanceof SameNonce.Settled mined) {
            applyMined(batch, mined.txHash(), mined.receipt(), mined.block());
            return;
        }
        if (batch.broadcastAt() != null
                && Duration.between(batch.broadcastAt(), clock.instant()).compareTo(options.stuckAfter()) >= 0
                && replace(batch, attempts.get(attempts.size() - 1))) {
            return;
        }
        broadcastCurrent(batch);
    }

    private void applyMined(Batch batch, String txHash, TransactionReceipt mined, long block) throws SQLException {
        Protocol p = protocol();
        List<StoredTicket> members = tickets.batchTickets(batch.batchId()).stream()
                .filter(t -> t.outcome() == PayoutTickets.Outcome.PENDING)
                .toList();
        Map<String, StoredTicket> byHash = new HashMap<>();
        List<SignedTicket> sent = new ArrayList<>();
        for (StoredTicket t : members) {
            SignedTicket s = signed(t);
            sent.add(s);
            byHash.put(Numeric.toHexString(s.ticket().hash()), t);
        }
        Set<String> redeemed = new HashSet<>();
        for (SignedTicket s : TicketRedemption.redeemed(mined, batch.broker(), sent)) {
            redeemed.add(byHash.get(Numeric.toHexString(s.ticket().hash())).intentId());
        }
        Map<String, Unredeemed> others = new HashMap<>();
        Map<String, String> reasons = new HashMap<>();
        String why = mined.isStatusOK()
                ? "no WinningTicketRedeemed log for it in " + txHash + " (block " + block + ")"
                : txHash + " reverted in block " + block;
        for (StoredTicket t : members) {
            if (redeemed.contains(t.intentId())) {
                continue;
            }
            if (p.ticketBroker().isUsed(Numeric.hexStringToByteArray(t.ticketHash()))) {
                others.put(t.intentId(), Unredeemed.HOLD);
                reasons.put(t.intentId(), why + ", yet the ticket is used on chain: not debited; check by hand");
            } else if (expired(p, t)) {
                others.put(t.intentId(), Unredeemed.FAIL);
                reasons.put(t.intentId(), why + "; the ticket has expired");
            } else {
                others.put(t.intentId(), Unredeemed.RETRY);
                reasons.put(t.intentId(), why);
            }
        }
        tickets.settle(
                batch.batchId(),
                txHash,
                block,
                mined.getBlockHash(),
                !mined.isStatusOK(),
                redeemed,
                others,
                reasons,
                ledger);
        LOG.info(
                "ticket batch {} mined in {} (block {}): {} of {} ticket(s) redeemed and debited; others: {}",
                batch.batchId(),
                txHash,
                block,
                redeemed.size(),
                members.size(),
                others);
    }

    private boolean replace(Batch batch, SignedAttempt current) throws SQLException {
        SameNonce.Replacement r =
                SameNonce.replacement(chain, key, current.rawTx(), options.bumpPercent(), options.maxFeePerGas());
        if (r.transaction().isEmpty()) {
            LOG.warn(
                    "ticket batch {} is stuck at {} wei/gas; a replacement would need {} wei/gas, above the cap {}",
                    batch.batchId(),
                    r.stuck().maxFeePerGas(),
                    r.wanted().maxFeePerGas(),
                    options.maxFeePerGas());
            return false;
        }
        SignedAttempt replacement = Attempts.of(r.transaction().get());
        tickets.replace(batch.batchId(), replacement);
        LOG.info(
                "ticket batch {} stuck since {}: replaced by {} at {} wei/gas",
                batch.batchId(),
                batch.broadcastAt(),
                replacement.txHash(),
                r.wanted().maxFeePerGas());
        chain.broadcast(replacement.rawTx(), replacement.txHash());
        tickets.markBroadcast(batch.batchId());
        return true;
    }

    private void broadcastCurrent(Batch batch) throws SQLException {
        for (SignedAttempt attempt : tickets.attempts(batch.batchId())) {
            if (attempt.txHash().equals(batch.txHash())) {
                chain.broadcast(attempt.rawTx(), attempt.txHash());
                return;
            }
        }
        throw new IllegalStateException("ticket batch " + batch.batchId() + " has no stored attempt " + batch.txHash());
    }
}

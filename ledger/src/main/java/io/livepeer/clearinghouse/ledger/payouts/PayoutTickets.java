package io.livepeer.clearinghouse.ledger.payouts;

import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.Rows;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

/**
 * The store of {@code livepeer_ticket} payouts (tables of V18): one always-winning ticket per intent and the batches
 * (one on-chain transaction each) that redeem them. It keeps {@link PayoutIntents}' rules and adds:
 *
 * <ul>
 *   <li>an intent's ticket is stored once ({@link #store}) and reused on every retry (same hash, same sender nonce);
 *       it is only ever replaced by nothing: a ticket refused before it was sent fails its intent
 *       ({@link #refuse});
 *   <li>{@link #signBatch} takes the key's nonce from {@link Nonces}, stores the signed transaction, links the
 *       tickets to the batch (marking them revealed) and moves their intents to SIGNED, in one database transaction,
 *       before anything is broadcast;
 *   <li>{@link #settle} applies a mined batch per ticket in one database transaction: a ticket with its own
 *       {@code WinningTicketRedeemed} log confirms its intent and posts its debit (the {@code SETTLEMENT} transfer
 *       whose id is the intent id); any other ticket is failed (it can no longer be redeemed), returned to the pool
 *       (it may still be redeemed: never replaced) or held (used on chain by another transaction: not debited,
 *       left for an operator), each with its reason; the balance stays for every ticket not redeemed.
 * </ul>
 *
 * Amounts in wei. Thread-safe; each method is one database transaction.
 */
public final class PayoutTickets {

    /** Ticket outcomes (column {@code outcome}). */
    public enum Outcome {
        /** not redeemed yet; {@code waitingReason} says why it waits, if it does */
        PENDING,
        /** its {@code WinningTicketRedeemed} log is in a mined, confirmed batch; its intent is CONFIRMED */
        REDEEMED,
        /** refused by the pre-check before it was ever sent; its intent is FAILED */
        REFUSED,
        /** sent, not redeemed, and it can no longer be (expired or reverted for good); its intent is FAILED */
        FAILED
    }

    /**
     * A stored ticket; hex values {@code 0x}-prefixed, amounts in wei.
     *
     * @param intentId the payout intent it pays
     * @param ticketHash TicketBroker {@code getTicketHash}
     * @param recipient orchestrator's payout address (a registered transcoder)
     * @param sender the payout key's address
     * @param faceValueWei the intent's amount
     * @param winProb 2^256-1 (always wins)
     * @param senderNonce random 256-bit sender nonce
     * @param recipientRand random 256-bit value revealed at redemption
     * @param recipientRandHash keccak256 of {@code recipientRand}
     * @param auxData creation round ‖ its block hash, 64 bytes
     * @param creationRound the round the ticket was created in
     * @param signature 65-byte EIP-191 signature
     * @param outcome see {@link Outcome}
     * @param outcomeReason why it was refused or failed, or the transaction that redeemed it
     * @param waitingReason why a PENDING ticket waits ({@code waiting_for_coverage: …}, a pre-check refusal of a
     *     revealed ticket, a retry), else null
     * @param batchId the batch it is (or was last) part of, else null
     * @param revealed true once it was in a signed batch (its recipientRand may be public)
     */
    public record StoredTicket(
            String intentId,
            String ticketHash,
            String recipient,
            String sender,
            BigInteger faceValueWei,
            BigInteger winProb,
            BigInteger senderNonce,
            BigInteger recipientRand,
            String recipientRandHash,
            String auxData,
            BigInteger creationRound,
            String signature,
            Outcome outcome,
            String outcomeReason,
            String waitingReason,
            String batchId,
            boolean revealed) {}

    /**
     * A batch: one redemption transaction for one or more tickets.
     *
     * @param batchId id
     * @param chainId chain it is signed for
     * @param fromAddress paying key
     * @param broker TicketBroker address it calls
     * @param nonce nonce of all its attempts
     * @param txHash current attempt
     * @param state {@code SIGNED}, {@code BROADCAST} or {@code MINED}
     * @param faceValueWei sum of its tickets' face values (what the deposit + reserve must cover)
     * @param broadcastAt last broadcast, else null
     */
    public record Batch(
            String batchId,
            long chainId,
            String fromAddress,
            String broker,
            BigInteger nonce,
            String txHash,
            String state,
            BigInteger faceValueWei,
            Instant broadcastAt) {}

    /** What happens to a ticket of a mined batch that has no {@code WinningTicketRedeemed} log. */
    public enum Unredeemed {
        /** it can no longer be redeemed: the intent fails, the balance stays for the next plan */
        FAIL,
        /** it may still be redeemed: back to the pool with the same ticket, the intent stays open */
        RETRY,
        /** used on chain by another transaction: not debited, intent stays open for an operator */
        HOLD
    }

    private static final String TICKET_COLUMNS = "intent_id, ticket_hash, recipient, sender, face_value_wei,"
            + " win_prob, sender_nonce, recipient_rand, recipient_rand_hash, aux_data, creation_round, signature,"
            + " outcome, outcome_reason, waiting_reason, batch_id, revealed";

    private static final RowMapper<StoredTicket> TICKET = (rs, ctx) -> new StoredTicket(
            rs.getString("intent_id"),
            rs.getString("ticket_hash"),
            rs.getString("recipient"),
            rs.getString("sender"),
            Rows.integer(rs, "face_value_wei"),
            Rows.integer(rs, "win_prob"),
            Rows.integer(rs, "sender_nonce"),
            Rows.integer(rs, "recipient_rand"),
            rs.getString("recipient_rand_hash"),
            rs.getString("aux_data"),
            Rows.integer(rs, "creation_round"),
            rs.getString("signature"),
            Outcome.valueOf(rs.getString("outcome")),
            rs.getString("outcome_reason"),
            rs.getString("waiting_reason"),
            rs.getString("batch_id"),
            rs.getBoolean("revealed"));

    private static final String BATCH_COLUMNS =
            "batch_id, chain_id, from_address, broker, nonce, tx_hash, state, face_value_wei, broadcast_at";

    private static final RowMapper<Batch> BATCH = (rs, ctx) -> new Batch(
            rs.getString("batch_id"),
            rs.getLong("chain_id"),
            rs.getString("from_address"),
            rs.getString("broker"),
            Rows.integer(rs, "nonce"),
            rs.getString("tx_hash"),
            rs.getString("state"),
            Rows.integer(rs, "face_value_wei"),
            Rows.instant(rs, "broadcast_at"));

    private final Database database;
    private final Clock clock;
    private final PayoutIntents intents;
    private final Nonces nonces;

    /** Tickets kept in {@code database}, beside the intents of {@code intents}. */
    public PayoutTickets(Database database, Clock clock) {
        this.database = Objects.requireNonNull(database, "database");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.intents = new PayoutIntents(database, clock);
        this.nonces = new Nonces(database, clock);
    }

    /** The ticket of an intent, if one was made. */
    public Optional<StoredTicket> ticket(String intentId) throws SQLException {
        return database.withHandle(
                h -> h.createQuery("SELECT " + TICKET_COLUMNS + " FROM payout_tickets" + " WHERE intent_id = :id")
                        .bind("id", intentId)
                        .map(TICKET)
                        .findOne());
    }

    /** The tickets of these intents, by intent id (intents without a ticket are absent). */
    public Map<String, StoredTicket> tickets(Collection<String> intentIds) throws SQLException {
        Map<String, StoredTicket> out = new HashMap<>();
        if (intentIds.isEmpty()) {
            return out;
        }
        List<String> ids = List.copyOf(intentIds);
        String marks = String.join(", ", java.util.Collections.nCopies(ids.size(), "?"));
        database.withHandle(h -> {
                    var query = h.createQuery(
                            "SELECT " + TICKET_COLUMNS + " FROM payout_tickets WHERE intent_id IN (" + marks + ")");
                    for (int i = 0; i < ids.size(); i++) {
                        query.bind(i, ids.get(i));
                    }
                    return query.map(TICKET).list();
                })
                .forEach(t -> out.put(t.intentId(), t));
        return out;
    }

    /**
     * Stores the ticket of a PLANNED {@code livepeer_ticket} intent, unless it already has one: then the stored one is
     * returned and {@code ticket} is dropped (never two tickets for one intent).
     *
     * @throws PayoutIntents.InvalidTransition when the intent is not PLANNED or not a {@code livepeer_ticket} payout
     * @throws IllegalArgumentException when the ticket's face value or recipient differ from the intent's
     */
    public StoredTicket store(StoredTicket ticket) throws SQLException {
        Instant now = clock.instant();
        return database.inTransaction(h -> {
            PayoutIntent intent = intents.lock(h, ticket.intentId());
            Optional<StoredTicket> existing = load(h, ticket.intentId());
            if (existing.isPresent()) {
                return existing.get();
            }
            if (intent.state() != PayoutState.PLANNED || !"livepeer_ticket".equals(intent.strategy())) {
                throw new PayoutIntents.InvalidTransition("payout " + intent.intentId() + " is " + intent.strategy()
                        + " " + intent.state() + ": a ticket is made only for a PLANNED livepeer_ticket payout");
            }
            if (!intent.amountWei().equals(ticket.faceValueWei())
                    || !intent.recipient().equalsIgnoreCase(ticket.recipient())) {
                throw new IllegalArgumentException(
                        "ticket for payout " + intent.intentId() + " must pay its amount to its recipient");
            }
            h.createUpdate("INSERT INTO payout_tickets (" + TICKET_COLUMNS + ", created_at, updated_at) VALUES (:id,"
                            + " :hash, :r, :s, :fv, :wp, :sn, :rr, :rrh, :aux, :round, :sig, 'PENDING', NULL, NULL,"
                            + " NULL, FALSE, :now, :now)")
                    .bind("id", ticket.intentId())
                    .bind("hash", ticket.ticketHash())
                    .bind("r", ticket.recipient().toLowerCase(Locale.ROOT))
                    .bind("s", ticket.sender().toLowerCase(Locale.ROOT))
                    .bind("fv", new BigDecimal(ticket.faceValueWei()))
                    .bind("wp", new BigDecimal(ticket.winProb()))
                    .bind("sn", new BigDecimal(ticket.senderNonce()))
                    .bind("rr", new BigDecimal(ticket.recipientRand()))
                    .bind("rrh", ticket.recipientRandHash())
                    .bind("aux", ticket.auxData())
                    .bind("round", new BigDecimal(ticket.creationRound()))
                    .bind("sig", ticket.signature())
                    .bind("now", now)
                    .execute();
            return load(h, ticket.intentId()).orElseThrow();
        });
    }

    /**
     * Tickets waiting to be redeemed: PENDING, in no batch, their intent open; oldest intent first. A ticket returned
     * from a mined batch ({@link Unredeemed#RETRY}) is among them, revealed, with its intent still SIGNED/BROADCAST; a
     * held one ({@code held: …}, used on chain by another transaction) is not: it is left for an operator and takes
     * no coverage from the others.
     */
    public List<StoredTicket> pool() throws SQLException {
        return database.withHandle(h -> h.createQuery("SELECT " + prefixed("t") + " FROM payout_tickets t JOIN"
                        + " payout_intents i ON i.intent_id = t.intent_id WHERE t.outcome = 'PENDING' AND"
                        + " i.state IN ('PLANNED', 'SIGNED', 'BROADCAST') AND t.batch_id IS NULL AND (t.waiting_reason IS NULL OR"
                        + " t.waiting_reason NOT LIKE 'held:%')"
                        + " ORDER BY i.created_at, i.intent_id")
                .map(TICKET)
                .list());
    }

    /** Records why a PENDING ticket waits (null clears it); shown by the API and counted by the metrics. */
    public void waiting(String intentId, String reason) throws SQLException {
        database.withHandle(h -> h.createUpdate("UPDATE payout_tickets SET waiting_reason = :r, updated_at = :now"
                        + " WHERE intent_id = :id AND outcome = 'PENDING'")
                .bind("r", truncate(reason))
                .bind("now", clock.instant())
                .bind("id", intentId)
                .execute());
    }

    /**
     * Refuses a ticket that was never sent (pre-check failed: recipient not a registered transcoder, eth_call
     * reverted...): the ticket is REFUSED and its PLANNED intent FAILED with {@code reason}, in one transaction; the
     * balance stays.
     *
     * @throws PayoutIntents.InvalidTransition when the ticket was revealed (it may still be redeemed) or the intent is
     *     not PLANNED
     */
    public PayoutIntent refuse(String intentId, String reason) throws SQLException {
        Instant now = clock.instant();
        return database.inTransaction(h -> {
            PayoutIntent intent = intents.lock(h, intentId);
            StoredTicket ticket = load(h, intentId)
                    .orElseThrow(() -> new IllegalArgumentException("payout " + intentId + " has no ticket"));
            if (ticket.revealed() || intent.state() != PayoutState.PLANNED) {
                throw new PayoutIntents.InvalidTransition("payout " + intentId + " (" + intent.state()
                        + ") has a ticket that was sent: it is never refused, only failed once it cannot be redeemed");
            }
            h.createUpdate("UPDATE payout_tickets SET outcome = 'REFUSED', outcome_reason = :r, waiting_reason = NULL,"
                            + " updated_at = :now WHERE intent_id = :id")
                    .bind("r", truncate(reason))
                    .bind("now", now)
                    .bind("id", intentId)
                    .execute();
            return intents.finish(h, intentId, null, "ticket refused: " + reason);
        });
    }

    /**
     * Fails a revealed ticket that can no longer be redeemed (e.g. expired), outside a batch settlement: ticket and
     * intent FAILED with {@code reason}; the balance stays.
     */
    public PayoutIntent failExpired(String intentId, String reason) throws SQLException {
        return database.inTransaction(h -> {
            intents.lock(h, intentId);
            failTicket(h, intentId, reason);
            return intents.finish(h, intentId, null, reason);
        });
    }

    /** Signs the batch transaction for a nonce; called inside the storing database transaction. Must not broadcast. */
    @FunctionalInterface
    public interface BatchSigner {
        /** The signed redemption of the batch's tickets, carrying {@code nonce}. */
        SignedAttempt sign(BigInteger nonce);
    }

    /**
     * Creates a batch: takes the key's next nonce ({@link Nonces}), asks {@code signer} for the transaction, stores
     * it, links the tickets (now revealed) and moves their intents to SIGNED with that nonce and hash, all in one
     * database transaction. If {@code signer} throws nothing is stored and no nonce is used.
     *
     * @param intentIds the intents whose tickets the transaction redeems, in its order
     * @throws PayoutIntents.InvalidTransition when one of them is not open or its ticket not PENDING in the pool
     */
    public Batch signBatch(
            String batchId,
            long chainId,
            String fromAddress,
            String broker,
            BigInteger chainPendingNonce,
            List<String> intentIds,
            BatchSigner signer)
            throws SQLException {
        if (intentIds.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one ticket");
        }
        String from = fromAddress.toLowerCase(Locale.ROOT);
        nonces.ensure(chainId, from, chainPendingNonce);
        Instant now = clock.instant();
        return database.inTransaction(h -> {
            BigInteger faceValues = BigInteger.ZERO;
            for (String id : intentIds) {
                PayoutIntent intent = intents.lock(h, id);
                StoredTicket ticket = load(h, id)
                        .orElseThrow(() -> new PayoutIntents.InvalidTransition("payout " + id + " has no ticket"));
                boolean open = intent.state() == PayoutState.PLANNED
                        || intent.state() == PayoutState.SIGNED
                        || intent.state() == PayoutState.BROADCAST;
                if (!open || ticket.outcome() != Outcome.PENDING || inOpenBatch(h, ticket)) {
                    throw new PayoutIntents.InvalidTransition("payout " + id + " (" + intent.state() + ", ticket "
                            + ticket.outcome() + ") cannot join a batch");
                }
                faceValues = faceValues.add(ticket.faceValueWei());
            }
            BigInteger nonce = nonces.take(h, chainId, from, chainPendingNonce);
            SignedAttempt attempt = signer.sign(nonce);
            if (!nonce.equals(attempt.nonce())) {
                throw new IllegalStateException("signer used nonce " + attempt.nonce() + ", handed out " + nonce);
            }
            h.createUpdate(
                            "INSERT INTO payout_ticket_batches (batch_id, chain_id, from_address, broker, nonce, tx_hash,"
                                    + " state, face_value_wei, replacements, created_at, updated_at) VALUES (:b, :c, :f, :br,"
                                    + " :n, :tx, 'SIGNED', :fv, 0, :now, :now)")
                    .bind("b", batchId)
                    .bind("c", chainId)
                    .bind("f", from)
                    .bind("br", broker.toLowerCase(Locale.ROOT))
                    .bind("n", new BigDecimal(nonce))
                    .bind("tx", attempt.txHash())
                    .bind("fv", new BigDecimal(faceValues))
                    .bind("now", now)
                    .execute();
            insertAttempt(h, batchId, attempt, now);
            nonces.advance(h, chainId, from, nonce);
            for (String id : intentIds) {
                h.createUpdate("UPDATE payout_tickets SET batch_id = :b, revealed = TRUE, waiting_reason = NULL,"
                                + " updated_at = :now WHERE intent_id = :id")
                        .bind("b", batchId)
                        .bind("now", now)
                        .bind("id", id)
                        .execute();
                h.createUpdate("UPDATE payout_intents SET state = 'SIGNED', chain_id = :c, from_address = :f,"
                                + " nonce = :n, tx_hash = :tx, updated_at = :now WHERE intent_id = :id")
                        .bind("c", chainId)
                        .bind("f", from)
                        .bind("n", new BigDecimal(nonce))
                        .bind("tx", attempt.txHash())
                        .bind("now", now)
                        .bind("id", id)
                        .execute();
            }
            return loadBatch(h, batchId);
        });
    }

    /** Batches not mined yet (SIGNED or BROADCAST), oldest first. */
    public List<Batch> openBatches() throws SQLException {
        return database.withHandle(h -> h.createQuery("SELECT " + BATCH_COLUMNS + " FROM payout_ticket_batches"
                        + " WHERE state IN ('SIGNED', 'BROADCAST') ORDER BY created_at, batch_id")
                .map(BATCH)
                .list());
    }

    /** The batch. */
    public Optional<Batch> batch(String batchId) throws SQLException {
        return database.withHandle(
                h -> h.createQuery("SELECT " + BATCH_COLUMNS + " FROM payout_ticket_batches WHERE batch_id = :b")
                        .bind("b", batchId)
                        .map(BATCH)
                        .findOne());
    }

    /** The tickets a batch's transaction carries, in intent creation order. */
    public List<StoredTicket> batchTickets(String batchId) throws SQLException {
        return database.withHandle(h -> h.createQuery("SELECT " + prefixed("t") + " FROM payout_tickets t JOIN"
                        + " payout_intents i ON i.intent_id = t.intent_id WHERE t.batch_id = :b"
                        + " ORDER BY i.created_at, i.intent_id")
                .bind("b", batchId)
                .map(TICKET)
                .list());
    }

    /** Every signed attempt of a batch, oldest first. */
    public List<SignedAttempt> attempts(String batchId) throws SQLException {
        return database.withHandle(h -> h.createQuery("SELECT tx_hash, raw_tx, nonce, gas_limit, max_fee_per_gas,"
                        + " max_priority_fee_per_gas FROM payout_ticket_batch_transactions WHERE batch_id = :b"
                        + " ORDER BY created_at, tx_hash")
                .bind("b", batchId)
                .map((rs, ctx) -> new SignedAttempt(
                        rs.getString("tx_hash"),
                        rs.getString("raw_tx"),
                        Rows.integer(rs, "nonce"),
                        Rows.integer(rs, "gas_limit"),
                        Rows.integer(rs, "max_fee_per_gas"),
                        Rows.integer(rs, "max_priority_fee_per_gas")))
                .list());
    }

    /** Records a (re-)broadcast of the batch's current attempt: batch and its open intents BROADCAST. */
    public Batch markBroadcast(String batchId) throws SQLException {
        Instant now = clock.instant();
        return database.inTransaction(h -> {
            Batch batch = lockBatch(h, batchId);
            if (batch.state().equals("MINED")) {
                throw new PayoutIntents.InvalidTransition("batch " + batchId + " is mined, cannot broadcast");
            }
            h.createUpdate("UPDATE payout_ticket_batches SET state = 'BROADCAST', broadcast_at = :now, updated_at ="
                            + " :now WHERE batch_id = :b")
                    .bind("now", now)
                    .bind("b", batchId)
                    .execute();
            h.createUpdate("UPDATE payout_intents SET state = 'BROADCAST', broadcast_at = :now, updated_at = :now"
                            + " WHERE state IN ('SIGNED', 'BROADCAST') AND intent_id IN (SELECT intent_id FROM"
                            + " payout_tickets WHERE batch_id = :b AND outcome = 'PENDING')")
                    .bind("now", now)
                    .bind("b", batchId)
                    .execute();
            return loadBatch(h, batchId);
        });
    }

    /**
     * Stores a fee-bumped replacement of the batch's transaction (same nonce); it becomes the current attempt of the
     * batch and of its intents.
     */
    public Batch replace(String batchId, SignedAttempt attempt) throws SQLException {
        Instant now = clock.instant();
        return database.inTransaction(h -> {
            Batch batch = lockBatch(h, batchId);
            if (batch.state().equals("MINED")) {
                throw new PayoutIntents.InvalidTransition("batch " + batchId + " is mined, cannot replace");
            }
            if (!batch.nonce().equals(attempt.nonce())) {
                throw new IllegalArgumentException(
                        "a replacement must reuse nonce " + batch.nonce() + ", got " + attempt.nonce());
            }
            insertAttempt(h, batchId, attempt, now);
            h.createUpdate("UPDATE payout_ticket_batches SET tx_hash = :tx, replacements = replacements + 1,"
                            + " updated_at = :now WHERE batch_id = :b")
                    .bind("tx", attempt.txHash())
                    .bind("now", now)
                    .bind("b", batchId)
                    .execute();
            h.createUpdate("UPDATE payout_intents SET tx_hash = :tx, replacements = replacements + 1, updated_at ="
                            + " :now WHERE intent_id IN (SELECT intent_id FROM payout_tickets WHERE batch_id = :b)")
                    .bind("tx", attempt.txHash())
                    .bind("now", now)
                    .bind("b", batchId)
                    .execute();
            return loadBatch(h, batchId);
        });
    }

    /**
     * Applies a mined, confirmed, canonical batch transaction, per ticket, in one database transaction: the batch
     * becomes MINED; each intent in {@code redeemed} (its ticket's {@code WinningTicketRedeemed} log is in the receipt)
     * is CONFIRMED with its debit and its ticket REDEEMED; every other ticket of the batch is handled as
     * {@code unredeemed} says (with {@code reasons}). Settling a MINED batch again changes nothing.
     *
     * @param txHash the mined attempt (one of the batch's)
     * @param redeemed intent ids whose tickets were redeemed by it
     * @param unredeemed what to do with each other intent of the batch (missing = {@link Unredeemed#RETRY})
     * @param reasons the reason per other intent, shown in the API
     */
    public void settle(
            String batchId,
            String txHash,
            long blockNumber,
            String blockHash,
            boolean reverted,
            Collection<String> redeemed,
            Map<String, Unredeemed> unredeemed,
            Map<String, String> reasons,
            Ledger ledger)
            throws SQLException {
        Instant now = clock.instant();
        database.inTransaction(h -> {
            Batch batch = lockBatch(h, batchId);
            if (batch.state().equals("MINED")) {
                return null;
            }
            long known = h.createQuery("SELECT COUNT(*) FROM payout_ticket_batch_transactions WHERE batch_id = :b"
                            + " AND tx_hash = :tx")
                    .bind("b", batchId)
                    .bind("tx", txHash)
                    .mapTo(Long.class)
                    .one();
            if (known == 0) {
                throw new IllegalArgumentException("transaction " + txHash + " is not an attempt of batch " + batchId);
            }
            h.createUpdate("UPDATE payout_ticket_batches SET state = 'MINED', tx_hash = :tx, block_number = :bn,"
                            + " block_hash = :bh, reverted = :rv, updated_at = :now WHERE batch_id = :b")
                    .bind("tx", txHash)
                    .bind("bn", blockNumber)
                    .bind("bh", blockHash)
                    .bind("rv", reverted)
                    .bind("now", now)
                    .bind("b", batchId)
                    .execute();
            List<StoredTicket> tickets = h.createQuery("SELECT " + TICKET_COLUMNS
                            + " FROM payout_tickets WHERE batch_id = :b AND outcome = 'PENDING'")
                    .bind("b", batchId)
                    .map(TICKET)
                    .list();
            for (StoredTicket ticket : tickets) {
                String id = ticket.intentId();
                PayoutIntent intent = intents.lock(h, id);
                if (redeemed.contains(id)) {
                    h.createUpdate("UPDATE payout_tickets SET outcome = 'REDEEMED', outcome_reason = :r,"
                                    + " waiting_reason = NULL, updated_at = :now WHERE intent_id = :id")
                            .bind("r", "WinningTicketRedeemed in " + txHash + " (block " + blockNumber + ")")
                            .bind("now", now)
                            .bind("id", id)
                            .execute();
                    h.createUpdate("UPDATE payout_intents SET state = 'CONFIRMED', open_orchestrator = NULL,"
                                    + " tx_hash = :tx, block_number = :bn, block_hash = :bh, confirmed_at = :now,"
                                    + " updated_at = :now WHERE intent_id = :id")
                            .bind("tx", txHash)
                            .bind("bn", blockNumber)
                            .bind("bh", blockHash)
                            .bind("now", now)
                            .bind("id", id)
                            .execute();
                    PayoutIntents.postDebit(ledger, intent, txHash, blockNumber);
                    continue;
                }
                String reason = reasons.getOrDefault(id, "no WinningTicketRedeemed log in " + txHash);
                switch (unredeemed.getOrDefault(id, Unredeemed.RETRY)) {
                    case FAIL -> {
                        failTicket(h, id, reason);
                        intents.finish(h, id, txHash, reason);
                    }
                    case RETRY ->
                        h.createUpdate("UPDATE payout_tickets SET batch_id = NULL, waiting_reason = :r,"
                                        + " updated_at = :now WHERE intent_id = :id")
                                .bind("r", truncate("retry: " + reason))
                                .bind("now", now)
                                .bind("id", id)
                                .execute();
                    case HOLD ->
                        h.createUpdate("UPDATE payout_tickets SET waiting_reason = :r, updated_at = :now"
                                        + " WHERE intent_id = :id")
                                .bind("r", truncate("held: " + reason))
                                .bind("now", now)
                                .bind("id", id)
                                .execute();
                }
            }
            return null;
        });
    }

    /**
     * Counts for metrics.
     *
     * @param refused tickets refused before sending, over all time
     * @param waitingForCoverage PENDING tickets waiting because deposit + reserve do not cover them
     * @param waitingFaceValueWei face values of those
     */
    public record Stats(long refused, long waitingForCoverage, BigInteger waitingFaceValueWei) {}

    /** Counts for metrics and health. */
    public Stats stats() throws SQLException {
        return database.withHandle(h -> {
            long refused = h.createQuery("SELECT COUNT(*) FROM payout_tickets WHERE outcome = 'REFUSED'")
                    .mapTo(Long.class)
                    .one();
            return h.createQuery("SELECT COUNT(*) AS n, COALESCE(SUM(face_value_wei), 0) AS fv FROM payout_tickets"
                            + " WHERE outcome = 'PENDING' AND waiting_reason LIKE 'waiting_for_coverage%'")
                    .map((rs, ctx) -> new Stats(refused, rs.getLong("n"), Rows.integer(rs, "fv")))
                    .one();
        });
    }

    private void failTicket(Handle h, String intentId, String reason) {
        h.createUpdate("UPDATE payout_tickets SET outcome = 'FAILED', outcome_reason = :r, waiting_reason = NULL,"
                        + " updated_at = :now WHERE intent_id = :id")
                .bind("r", truncate(reason))
                .bind("now", clock.instant())
                .bind("id", intentId)
                .execute();
    }

    private static boolean inOpenBatch(Handle h, StoredTicket ticket) {
        if (ticket.batchId() == null) {
            return false;
        }
        return h.createQuery("SELECT COUNT(*) FROM payout_ticket_batches WHERE batch_id = :b AND state <> 'MINED'")
                        .bind("b", ticket.batchId())
                        .mapTo(Long.class)
                        .one()
                > 0;
    }

    private static void insertAttempt(Handle h, String batchId, SignedAttempt attempt, Instant now) {
        h.createUpdate("INSERT INTO payout_ticket_batch_transactions (tx_hash, batch_id, raw_tx, nonce, gas_limit,"
                        + " max_fee_per_gas, max_priority_fee_per_gas, created_at) VALUES (:tx, :b, :raw, :n, :g,"
                        + " :mf, :mp, :now)")
                .bind("tx", attempt.txHash())
                .bind("b", batchId)
                .bind("raw", attempt.rawTx())
                .bind("n", new BigDecimal(attempt.nonce()))
                .bind("g", new BigDecimal(attempt.gasLimit()))
                .bind("mf", new BigDecimal(attempt.maxFeePerGas()))
                .bind("mp", new BigDecimal(attempt.maxPriorityFeePerGas()))
                .bind("now", now)
                .execute();
    }

    private Batch lockBatch(Handle h, String batchId) {
        return h.createQuery("SELECT " + BATCH_COLUMNS + " FROM payout_ticket_batches WHERE batch_id = :b "
                        + database.dialect().rowLockForUpdate())
                .bind("b", batchId)
                .map(BATCH)
                .findOne()
                .orElseThrow(() -> new IllegalArgumentException("no batch " + batchId));
    }

    private static Batch loadBatch(Handle h, String batchId) {
        return h.createQuery("SELECT " + BATCH_COLUMNS + " FROM payout_ticket_batches WHERE batch_id = :b")
                .bind("b", batchId)
                .map(BATCH)
                .one();
    }

    private static Optional<StoredTicket> load(Handle h, String intentId) {
        return h.createQuery("SELECT " + TICKET_COLUMNS + " FROM payout_tickets WHERE intent_id = :id")
                .bind("id", intentId)
                .map(TICKET)
                .findOne();
    }

    private static String prefixed(String alias) {
        StringBuilder out = new StringBuilder();
        for (String column : TICKET_COLUMNS.split(",")) {
            if (out.length() > 0) {
                out.append(", ");
            }
            out.append(alias).append('.').append(column.strip());
        }
        return out.toString();
    }

    private static String truncate(String reason) {
        if (reason == null) {
            return null;
        }
        return reason.length() > 2000 ? reason.substring(0, 2000) : reason;
    }
}

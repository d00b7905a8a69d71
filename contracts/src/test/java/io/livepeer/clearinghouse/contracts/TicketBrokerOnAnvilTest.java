package io.livepeer.clearinghouse.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.testing.Anvil;
import io.livepeer.clearinghouse.testing.AnvilExtension;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;

/**
 * The real TicketBroker bytecode on anvil (skipped with a message when ../shared/contracts is absent): funding,
 * sender info, on-chain ticket hash, single and batch redemption verified ticket by ticket, refusals up front.
 */
@ExtendWith(AnvilExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TicketBrokerOnAnvilTest {

    private static final BigInteger FACE_VALUE = BigInteger.TEN.pow(15); // 0.001 ETH

    private LivepeerTestChain net;
    private Protocol protocol;
    private PayoutKey sender;
    private TicketSigner signer;
    private String orchestratorA;
    private String orchestratorB;
    private String unregistered;

    @BeforeAll
    void deploy(Anvil anvil) {
        net = LivepeerTestChain.deploy(anvil, SharedContracts.require(), 0);
        protocol = Protocol.of(net.chain, net.broker);
        sender = LivepeerTestChain.devKey(1);
        signer = new TicketSigner(sender, new SecureRandom());
        orchestratorA = Anvil.DEV_ADDRESSES.get(2);
        orchestratorB = Anvil.DEV_ADDRESSES.get(3);
        unregistered = Anvil.DEV_ADDRESSES.get(4);
        net.registerTranscoder(orchestratorA);
        net.registerTranscoder(orchestratorB);
        // the treasury (owner) funds the payout key's deposit and reserve
        net.transact(
                net.owner,
                net.broker,
                FACE_VALUE.multiply(BigInteger.valueOf(30)),
                TicketBroker.fundDepositAndReserveFor(
                        sender.address(),
                        FACE_VALUE.multiply(BigInteger.valueOf(20)),
                        FACE_VALUE.multiply(BigInteger.TEN)));
    }

    @AfterAll
    void close() {
        if (net != null) {
            net.chain.close();
        }
    }

    private SignedTicket ticketTo(String recipient) {
        BigInteger round = protocol.currentRound();
        return signer.alwaysWinning(recipient, FACE_VALUE, round, protocol.blockHashForRound(round));
    }

    @Test
    void the_protocol_is_found_through_the_brokers_controller() {
        assertThat(protocol.controller()).isEqualTo(net.controller);
        assertThat(protocol.bondingManager()).isEqualTo(net.bondingManager);
        assertThat(protocol.roundsManager()).isEqualTo(net.roundsManager);
        assertThat(protocol.currentRoundInitialized()).isTrue();
        assertThat(protocol.ticketBroker().validityPeriod()).isEqualTo(2);
        assertThat(protocol.isRegisteredTranscoder(orchestratorA)).isTrue();
        assertThat(protocol.isRegisteredTranscoder(unregistered)).isFalse();
    }

    @Test
    void funding_a_senders_deposit_and_reserve_shows_in_getSenderInfo_and_in_the_events() {
        PayoutKey other = LivepeerTestChain.devKey(5);
        SenderInfo before = protocol.ticketBroker().senderInfo(other.address());
        assertThat(before.deposit()).isZero();

        TransactionReceipt receipt = net.transact(
                net.owner,
                net.broker,
                BigInteger.valueOf(7_000),
                TicketBroker.fundDepositAndReserveFor(
                        other.address(), BigInteger.valueOf(5_000), BigInteger.valueOf(2_000)));

        SenderInfo after = protocol.ticketBroker().senderInfo(other.address());
        assertThat(after.deposit()).isEqualTo(5_000);
        assertThat(after.reserveFundsRemaining()).isEqualTo(2_000);
        assertThat(after.withdrawRound()).isZero();
        assertThat(after.coverage()).isEqualTo(7_000);
        assertThat(TicketBrokerEvents.depositsFunded(receipt, net.broker))
                .containsExactly(new TicketBrokerEvents.Funded(other.address(), BigInteger.valueOf(5_000)));
        assertThat(TicketBrokerEvents.reservesFunded(receipt, net.broker))
                .containsExactly(new TicketBrokerEvents.Funded(other.address(), BigInteger.valueOf(2_000)));
    }

    @Test
    void the_java_ticket_hash_equals_the_brokers_getTicketHash() {
        SignedTicket ticket = ticketTo(orchestratorA);
        assertThat(Numeric.toHexString(protocol.ticketBroker().ticketHash(ticket.ticket())))
                .isEqualTo(Numeric.toHexString(ticket.ticket().hash()));
    }

    @Test
    void a_single_redemption_pays_the_orchestrators_fee_pool_proven_by_its_WinningTicketRedeemed_log() {
        SignedTicket ticket = ticketTo(orchestratorA);
        BigInteger feesBefore = net.feesOf(orchestratorA);
        BigInteger walletBefore = net.chain.balance(orchestratorA);
        BigInteger depositBefore =
                protocol.ticketBroker().senderInfo(sender.address()).deposit();
        TicketRedemption redemption = new TicketRedemption(protocol, sender.address());

        TicketRedemption.PreCheck check = redemption.preCheck(List.of(ticket));
        assertThat(check.refused()).isEmpty();
        assertThat(check.faceValueTotal()).isEqualTo(FACE_VALUE);
        TransactionReceipt receipt =
                net.send(sender, net.broker, BigInteger.ZERO, TicketBroker.encode(check.call()), check.gasLimit());

        assertThat(receipt.isStatusOK()).isTrue();
        List<TicketBrokerEvents.WinningTicketRedeemed> logs =
                TicketBrokerEvents.winningTicketsRedeemed(receipt, net.broker);
        assertThat(logs).hasSize(1);
        assertThat(logs.get(0).ticket()).isEqualTo(ticket.ticket());
        assertThat(logs.get(0).recipientRand()).isEqualTo(ticket.recipientRand());
        assertThat(TicketBrokerEvents.winningTicketTransfers(receipt, net.broker))
                .containsExactly(
                        new TicketBrokerEvents.WinningTicketTransfer(sender.address(), orchestratorA, FACE_VALUE));
        assertThat(TicketRedemption.redeemed(receipt, net.broker, List.of(ticket)))
                .containsExactly(ticket);
        assertThat(net.feesOf(orchestratorA)).isEqualTo(feesBefore.add(FACE_VALUE));
        assertThat(net.chain.balance(orchestratorA))
                .as("paid to the fee pool, not the wallet")
                .isEqualTo(walletBefore);
        assertThat(protocol.ticketBroker().senderInfo(sender.address()).deposit())
                .isEqualTo(depositBefore.subtract(FACE_VALUE));
        assertThat(protocol.ticketBroker().isUsed(ticket.ticket().hash())).isTrue();
    }

    @Test
    void a_replayed_ticket_is_refused_by_the_pre_check_and_never_mined() {
        SignedTicket ticket = ticketTo(orchestratorA);
        TicketRedemption redemption = new TicketRedemption(protocol, sender.address());
        TicketRedemption.PreCheck first = redemption.preCheck(List.of(ticket));
        net.send(sender, net.broker, BigInteger.ZERO, TicketBroker.encode(first.call()), first.gasLimit());
        BigInteger nonce = net.chain.pendingNonce(sender.address());

        TicketRedemption.PreCheck replay = redemption.preCheck(List.of(ticket));

        assertThat(replay.redeemable()).isEmpty();
        assertThat(replay.refused())
                .singleElement()
                .satisfies(r -> assertThat(r.reason()).contains("ticket is used"));
        assertThat(net.chain.pendingNonce(sender.address())).as("nothing sent").isEqualTo(nonce);
    }

    @Test
    void an_unregistered_recipient_is_refused_up_front_with_that_reason() {
        SignedTicket ticket = ticketTo(unregistered);
        BigInteger nonce = net.chain.pendingNonce(sender.address());

        TicketRedemption.PreCheck check = new TicketRedemption(protocol, sender.address()).preCheck(List.of(ticket));

        assertThat(check.redeemable()).isEmpty();
        assertThat(check.refused())
                .singleElement()
                .satisfies(r -> assertThat(r.reason()).contains(unregistered).contains("not a registered transcoder"));
        assertThat(protocol.ticketBroker().checkRedeem(sender.address(), ticket).revertReason())
                .as("the broker itself would revert")
                .contains("transcoder must be registered");
        assertThat(net.chain.pendingNonce(sender.address())).isEqualTo(nonce);
    }

    @Test
    void a_batch_is_verified_ticket_by_ticket_and_only_redeemed_tickets_count() {
        SignedTicket used = ticketTo(orchestratorB);
        TicketRedemption redemption = new TicketRedemption(protocol, sender.address());
        TicketRedemption.PreCheck single = redemption.preCheck(List.of(used));
        net.send(sender, net.broker, BigInteger.ZERO, TicketBroker.encode(single.call()), single.gasLimit());
        SignedTicket a = ticketTo(orchestratorA);
        SignedTicket b = ticketTo(orchestratorB);
        SignedTicket toUnregistered = ticketTo(unregistered);

        TicketRedemption.PreCheck check = redemption.preCheck(List.of(a, used, toUnregistered, b, a));
        assertThat(check.redeemable()).containsExactly(a, b);
        assertThat(check.refused())
                .extracting(TicketRedemption.Refusal::reason)
                .satisfiesExactly(
                        r -> assertThat(r).contains("ticket is used"),
                        r -> assertThat(r).contains("not a registered transcoder"),
                        r -> assertThat(r).contains("duplicate"));
        BigInteger feesA = net.feesOf(orchestratorA);
        BigInteger feesB = net.feesOf(orchestratorB);

        TransactionReceipt receipt =
                net.send(sender, net.broker, BigInteger.ZERO, TicketBroker.encode(check.call()), check.gasLimit());

        assertThat(TicketRedemption.redeemed(receipt, net.broker, check.redeemable()))
                .containsExactly(a, b);
        assertThat(net.feesOf(orchestratorA)).isEqualTo(feesA.add(FACE_VALUE));
        assertThat(net.feesOf(orchestratorB)).isEqualTo(feesB.add(FACE_VALUE));
    }

    @Test
    void a_batch_forced_through_with_bad_tickets_is_mined_ok_but_only_the_good_tickets_are_redeemed() {
        SignedTicket used = ticketTo(orchestratorA);
        TicketRedemption redemption = new TicketRedemption(protocol, sender.address());
        TicketRedemption.PreCheck single = redemption.preCheck(List.of(used));
        net.send(sender, net.broker, BigInteger.ZERO, TicketBroker.encode(single.call()), single.gasLimit());
        SignedTicket good = ticketTo(orchestratorB);
        SignedTicket toUnregistered = ticketTo(unregistered);
        List<SignedTicket> sent = List.of(used, good, toUnregistered);

        // what the livepeer-ops backend does: no pre-check, trust the status
        TransactionReceipt receipt = net.send(
                sender,
                net.broker,
                BigInteger.ZERO,
                TicketBroker.encode(TicketBroker.batchRedeemWinningTickets(sent)),
                BigInteger.valueOf(1_500_000));

        assertThat(receipt.isStatusOK())
                .as("the batch call swallows per-ticket failures")
                .isTrue();
        assertThat(TicketBrokerEvents.winningTicketsRedeemed(receipt, net.broker))
                .hasSize(1);
        assertThat(TicketRedemption.redeemed(receipt, net.broker, sent)).containsExactly(good);
    }

    @Test
    void a_paused_system_refuses_redemption_in_the_pre_check() {
        SignedTicket ticket = ticketTo(orchestratorA);
        net.pause(true);
        try {
            TicketRedemption.PreCheck check =
                    new TicketRedemption(protocol, sender.address()).preCheck(List.of(ticket));
            assertThat(check.refused())
                    .singleElement()
                    .satisfies(r -> assertThat(r.reason()).contains("system is paused"));
        } finally {
            net.pause(false);
        }
    }
}

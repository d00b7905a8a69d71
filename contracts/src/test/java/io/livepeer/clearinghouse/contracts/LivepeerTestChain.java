package io.livepeer.clearinghouse.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.testing.Anvil;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Bool;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Bytes20;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.protocol.core.methods.response.TransactionReceipt;

/**
 * The real TicketBroker (TicketBrokerTarget behind a ManagerProxy, bytecode from {@code ../shared/contracts}) deployed
 * on anvil against the test stand-ins of {@code src/test/solidity/StandIns.sol}, set up as the protocol's deploy
 * script does (reference/ops-backend-and-payouts.md §4.3): broker registered as both "TicketBroker" and
 * "JobsManager", round 1 initialised, ticket validity period 2 rounds.
 */
public final class LivepeerTestChain {

    public final Chain chain;
    public final PayoutKey owner;
    public final String controller;
    public final String roundsManager;
    public final String bondingManager;
    public final String minter;
    public final String broker;

    private LivepeerTestChain(
            Chain chain,
            PayoutKey owner,
            String controller,
            String roundsManager,
            String bondingManager,
            String minter,
            String broker) {
        this.chain = chain;
        this.owner = owner;
        this.controller = controller;
        this.roundsManager = roundsManager;
        this.bondingManager = bondingManager;
        this.minter = minter;
        this.broker = broker;
    }

    public static Chain connect(Anvil anvil) {
        return Chain.connect(anvil.rpcUrl(), Anvil.CHAIN_ID, Duration.ofMillis(50));
    }

    public static PayoutKey devKey(int index) {
        return PayoutKey.ofHex(Anvil.DEV_KEYS.get(index), "anvil dev account " + index);
    }

    /**
     * A new random key holding {@code wei}, sent from anvil dev account 8 (nothing sent when zero), so a test's key
     * shares no nonces with other tests.
     */
    public static PayoutKey freshKey(Chain chain, BigInteger wei) {
        PayoutKey key = PayoutKey.ofHex(
                "0x" + java.util.UUID.randomUUID().toString().replace("-", "").repeat(2), "test key");
        if (wei.signum() > 0) {
            PayoutKey bank = devKey(8);
            SignedTransaction tx = chain.sign(
                    bank,
                    chain.pendingNonce(bank.address()),
                    key.address(),
                    wei,
                    "0x",
                    BigInteger.valueOf(21_000),
                    chain.suggestFees());
            TransactionReceipt receipt = chain.awaitReceipt(chain.broadcast(tx), Duration.ofSeconds(10));
            if (!receipt.isStatusOK()) {
                throw new IllegalStateException("funding a test key failed: " + receipt);
            }
        }
        return key;
    }

    /** Deploys a fresh protocol owned by dev account {@code ownerIndex}. */
    public static LivepeerTestChain deploy(Anvil anvil, Path contracts, int ownerIndex) {
        Chain chain = connect(anvil);
        PayoutKey owner = devKey(ownerIndex);
        String controller = deploy(chain, owner, standIn("TestController"), List.of());
        String rounds = deploy(chain, owner, standIn("TestRoundsManager"), List.of());
        String bonding = deploy(chain, owner, standIn("TestBondingManager"), List.of(new Address(controller)));
        String minter = deploy(chain, owner, standIn("TestMinter"), List.of(new Address(controller)));
        String target = deploy(
                chain,
                owner,
                SharedContracts.read(contracts, "TicketBrokerTarget.bin"),
                List.of(new Address(controller)));
        String proxy = deploy(
                chain,
                owner,
                SharedContracts.read(contracts, "ManagerProxy.bin"),
                List.of(new Address(controller), new Bytes32(Protocol.contractId("TicketBrokerTarget"))));
        register(chain, owner, controller, "TicketBrokerTarget", target);
        register(chain, owner, controller, "TicketBroker", proxy);
        register(chain, owner, controller, "JobsManager", proxy);
        register(chain, owner, controller, "RoundsManager", rounds);
        register(chain, owner, controller, "BondingManager", bonding);
        register(chain, owner, controller, "Minter", minter);
        LivepeerTestChain deployed = new LivepeerTestChain(chain, owner, controller, rounds, bonding, minter, proxy);
        deployed.initializeRound(1);
        deployed.transact(owner, proxy, BigInteger.ZERO, TicketBroker.setTicketValidityPeriod(BigInteger.TWO));
        return deployed;
    }

    /** Starts round {@code round} (its block hash is the previous block's). */
    public void initializeRound(long round) {
        transact(
                owner,
                roundsManager,
                BigInteger.ZERO,
                new Function("initializeRound", List.of(new Uint256(round)), List.of()));
    }

    /** Registers {@code address} as a transcoder in the stand-in BondingManager. */
    public void registerTranscoder(String address) {
        transact(
                owner,
                bondingManager,
                BigInteger.ZERO,
                new Function("register", List.of(new Address(address)), List.of()));
    }

    /** Fees the stand-in BondingManager credited to {@code transcoder}, wei. */
    public BigInteger feesOf(String transcoder) {
        return (BigInteger) chain.callView(
                        bondingManager,
                        new Function(
                                "fees",
                                List.of(new Address(transcoder)),
                                List.of(new org.web3j.abi.TypeReference<Uint256>() {})))
                .get(0)
                .getValue();
    }

    public void pause(boolean paused) {
        transact(owner, controller, BigInteger.ZERO, new Function("setPaused", List.of(new Bool(paused)), List.of()));
    }

    /** Signs, sends and mines a call from {@code from}; asserts it succeeded. */
    public TransactionReceipt transact(PayoutKey from, String to, BigInteger value, Function function) {
        TransactionReceipt receipt = send(from, to, value, FunctionEncoder.encode(function), null);
        assertThat(receipt.isStatusOK()).as("%s succeeded", function.getName()).isTrue();
        return receipt;
    }

    /** Signs, sends and mines a call with a given gas limit (estimated when null); answers the receipt as mined. */
    public TransactionReceipt send(PayoutKey from, String to, BigInteger value, String data, BigInteger gasLimit) {
        BigInteger gas = gasLimit != null ? gasLimit : chain.estimateGas(from.address(), to, value, data);
        SignedTransaction tx =
                chain.sign(from, chain.pendingNonce(from.address()), to, value, data, gas, chain.suggestFees());
        return chain.awaitReceipt(chain.broadcast(tx), Duration.ofSeconds(10));
    }

    private static void register(Chain chain, PayoutKey owner, String controller, String name, String address) {
        TransactionReceipt receipt = send(
                chain,
                owner,
                controller,
                FunctionEncoder.encode(new Function(
                        "setContractInfo",
                        List.of(
                                new Bytes32(Protocol.contractId(name)),
                                new Address(address),
                                new Bytes20(new byte[20])),
                        List.of())));
        assertThat(receipt.isStatusOK()).as("register %s", name).isTrue();
    }

    private static TransactionReceipt send(Chain chain, PayoutKey from, String to, String data) {
        BigInteger gas = chain.estimateGas(from.address(), to, BigInteger.ZERO, data);
        SignedTransaction tx = chain.sign(
                from, chain.pendingNonce(from.address()), to, BigInteger.ZERO, data, gas, chain.suggestFees());
        return chain.awaitReceipt(chain.broadcast(tx), Duration.ofSeconds(10));
    }

    @SuppressWarnings("rawtypes")
    private static String deploy(Chain chain, PayoutKey owner, String bytecode, List<Type> constructorArgs) {
        String code = bytecode.startsWith("0x") ? bytecode.substring(2) : bytecode;
        String initCode = "0x" + code + FunctionEncoder.encodeConstructor(constructorArgs);
        SignedTransaction tx = chain.signDeployment(
                owner,
                chain.pendingNonce(owner.address()),
                initCode,
                BigInteger.valueOf(6_000_000),
                chain.suggestFees());
        TransactionReceipt receipt = chain.awaitReceipt(chain.broadcast(tx), Duration.ofSeconds(10));
        assertThat(receipt.isStatusOK()).as("deployment succeeded").isTrue();
        return receipt.getContractAddress().toLowerCase(Locale.ROOT);
    }

    private static String standIn(String name) {
        try (InputStream in = LivepeerTestChain.class.getResourceAsStream("/standins/" + name + ".bin")) {
            if (in == null) {
                throw new IllegalStateException("missing stand-in " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package io.livepeer.clearinghouse.routes.escrow;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.contracts.Chain;
import io.livepeer.clearinghouse.contracts.PayoutKey;
import io.livepeer.clearinghouse.contracts.Protocol;
import io.livepeer.clearinghouse.contracts.SignedTransaction;
import io.livepeer.clearinghouse.contracts.TicketBroker;
import io.livepeer.clearinghouse.testing.Anvil;
import io.livepeer.clearinghouse.testing.OpenApiContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Bytes20;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.protocol.core.methods.response.TransactionReceipt;

/**
 * The real TicketBroker (TicketBrokerTarget behind a ManagerProxy, bytecode read from {@code ../shared/contracts}) on
 * anvil, against the committed test stand-ins of {@code contracts/src/test/resources/standins} (read from the source
 * tree), set up as the protocol's deploy script does: broker registered as "TicketBroker" and "JobsManager", round 1
 * initialised, tickets valid 2 rounds. The same set-up as the contracts module's {@code LivepeerTestChain}, which is
 * package-private to that module's tests. Skips the calling test with a message when the contracts are absent. Owned
 * by a fresh key funded from anvil dev account 8, so it shares no nonces with other test classes.
 */
final class EscrowTestChain {

    static final Duration RECEIPT = Duration.ofSeconds(10);

    final Chain chain;
    final PayoutKey owner;
    final String bondingManager;
    final String broker;
    final Protocol protocol;

    private EscrowTestChain(Chain chain, PayoutKey owner, String bondingManager, String broker) {
        this.chain = chain;
        this.owner = owner;
        this.bondingManager = bondingManager;
        this.broker = broker;
        this.protocol = Protocol.of(chain, broker);
    }

    static EscrowTestChain deploy(Anvil anvil) {
        Optional<Path> shared = OpenApiContract.contractsDir()
                .filter(dir -> Files.isRegularFile(dir.resolve("TicketBrokerTarget.bin")));
        Assumptions.assumeTrue(
                shared.isPresent(),
                "../shared/contracts (TicketBroker ABI and bytecode) is absent: escrow tests on anvil skipped");
        Path standIns = standInsDir();
        Chain chain = Chain.connect(anvil.rpcUrl(), Anvil.CHAIN_ID, Duration.ofMillis(50));
        PayoutKey owner = freshKey(chain, BigInteger.TEN.pow(20)); // 100 ETH
        String controller = deploy(chain, owner, read(standIns, "TestController.bin"), List.of());
        String rounds = deploy(chain, owner, read(standIns, "TestRoundsManager.bin"), List.of());
        String bonding =
                deploy(chain, owner, read(standIns, "TestBondingManager.bin"), List.of(new Address(controller)));
        String minter = deploy(chain, owner, read(standIns, "TestMinter.bin"), List.of(new Address(controller)));
        String target =
                deploy(chain, owner, read(shared.get(), "TicketBrokerTarget.bin"), List.of(new Address(controller)));
        String proxy = deploy(
                chain,
                owner,
                read(shared.get(), "ManagerProxy.bin"),
                List.of(new Address(controller), new Bytes32(Protocol.contractId("TicketBrokerTarget"))));
        register(chain, owner, controller, "TicketBrokerTarget", target);
        register(chain, owner, controller, "TicketBroker", proxy);
        register(chain, owner, controller, "JobsManager", proxy);
        register(chain, owner, controller, "RoundsManager", rounds);
        register(chain, owner, controller, "BondingManager", bonding);
        register(chain, owner, controller, "Minter", minter);
        EscrowTestChain net = new EscrowTestChain(chain, owner, bonding, proxy);
        net.transact(
                owner, rounds, BigInteger.ZERO, new Function("initializeRound", List.of(new Uint256(1)), List.of()));
        net.transact(owner, proxy, BigInteger.ZERO, TicketBroker.setTicketValidityPeriod(BigInteger.TWO));
        return net;
    }

    /** A new random key holding {@code wei}, sent from anvil dev account 8. */
    static PayoutKey freshKey(Chain chain, BigInteger wei) {
        PayoutKey key = PayoutKey.ofHex(
                "0x" + UUID.randomUUID().toString().replace("-", "").repeat(2), "test key");
        PayoutKey bank = PayoutKey.ofHex(Anvil.DEV_KEYS.get(8), "anvil dev account 8");
        if (wei.signum() > 0) {
            SignedTransaction tx = chain.sign(
                    bank,
                    chain.pendingNonce(bank.address()),
                    key.address(),
                    wei,
                    "0x",
                    BigInteger.valueOf(21_000),
                    chain.suggestFees());
            assertThat(chain.awaitReceipt(chain.broadcast(tx), RECEIPT).isStatusOK())
                    .isTrue();
        }
        return key;
    }

    /** Registers {@code address} as a transcoder in the stand-in BondingManager. */
    void registerTranscoder(String address) {
        transact(
                owner,
                bondingManager,
                BigInteger.ZERO,
                new Function("register", List.of(new Address(address)), List.of()));
    }

    /** Signs, sends and mines a call from {@code from}; asserts it succeeded. */
    TransactionReceipt transact(PayoutKey from, String to, BigInteger value, Function function) {
        String data = FunctionEncoder.encode(function);
        BigInteger gas = chain.estimateGas(from.address(), to, value, data);
        SignedTransaction tx = chain.sign(
                from,
                chain.pendingNonce(from.address()),
                to,
                value,
                data,
                gas.multiply(BigInteger.TWO),
                chain.suggestFees());
        TransactionReceipt receipt = chain.awaitReceipt(chain.broadcast(tx), RECEIPT);
        assertThat(receipt.isStatusOK()).as("%s succeeded", function.getName()).isTrue();
        return receipt;
    }

    private static void register(Chain chain, PayoutKey owner, String controller, String name, String address) {
        String data = FunctionEncoder.encode(new Function(
                "setContractInfo",
                List.of(new Bytes32(Protocol.contractId(name)), new Address(address), new Bytes20(new byte[20])),
                List.of()));
        BigInteger gas = chain.estimateGas(owner.address(), controller, BigInteger.ZERO, data);
        SignedTransaction tx = chain.sign(
                owner,
                chain.pendingNonce(owner.address()),
                controller,
                BigInteger.ZERO,
                data,
                gas,
                chain.suggestFees());
        assertThat(chain.awaitReceipt(chain.broadcast(tx), RECEIPT).isStatusOK())
                .as("register %s", name)
                .isTrue();
    }

    @SuppressWarnings("rawtypes")
    private static String deploy(Chain chain, PayoutKey owner, String bytecode, List<Type> constructorArgs) {
        String code = bytecode.startsWith("0x") ? bytecode.substring(2) : bytecode;
        SignedTransaction tx = chain.signDeployment(
                owner,
                chain.pendingNonce(owner.address()),
                "0x" + code + FunctionEncoder.encodeConstructor(constructorArgs),
                BigInteger.valueOf(6_000_000),
                chain.suggestFees());
        TransactionReceipt receipt = chain.awaitReceipt(chain.broadcast(tx), RECEIPT);
        assertThat(receipt.isStatusOK()).as("deployment succeeded").isTrue();
        return receipt.getContractAddress().toLowerCase(Locale.ROOT);
    }

    private static Path standInsDir() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("contracts/src/test/resources/standins");
            if (Files.isRegularFile(candidate.resolve("TestController.bin"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("contracts/src/test/resources/standins not found above the working directory");
    }

    private static String read(Path dir, String file) {
        try {
            return Files.readString(dir.resolve(file)).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

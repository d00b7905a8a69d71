package io.livepeer.clearinghouse.contracts;

import java.io.IOException;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.crypto.Hash;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.SignedRawTransaction;
import org.web3j.crypto.TransactionDecoder;
import org.web3j.crypto.transaction.type.Transaction1559;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.core.methods.response.EthCall;
import org.web3j.protocol.core.methods.response.EthEstimateGas;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.exceptions.TransactionException;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.response.PollingTransactionReceiptProcessor;
import org.web3j.utils.Numeric;

/**
 * One EVM chain over JSON-RPC (web3j 4.13.0): EIP-1559 signing with a configured chain id, broadcast, receipts,
 * {@code eth_call}, gas estimates, nonces and balances. All amounts in wei; gas in gas units; fees in wei per gas.
 * Every failure is a {@link ChainException} carrying the node's message.
 */
public final class Chain implements AutoCloseable {

    private final Web3j web3j;
    private final long chainId;
    private final Duration receiptPoll;

    /**
     * Wraps a web3j client.
     *
     * @param chainId signed into every transaction (Arbitrum One: 42161)
     * @param receiptPoll how often {@link #awaitReceipt} polls (web3j's default 15 s is far too slow on L2s)
     */
    public Chain(Web3j web3j, long chainId, Duration receiptPoll) {
        this.web3j = Objects.requireNonNull(web3j, "web3j");
        this.chainId = chainId;
        this.receiptPoll = Objects.requireNonNull(receiptPoll, "receiptPoll");
    }

    /**
     * Connects over HTTP and checks that the node serves {@code chainId}.
     *
     * @throws ChainException when the node is unreachable or on another chain
     */
    public static Chain connect(String rpcUrl, long chainId, Duration receiptPoll) {
        Chain chain = new Chain(Web3j.build(new HttpService(rpcUrl)), chainId, receiptPoll);
        long served = send("eth_chainId", () -> chain.web3j.ethChainId().send())
                .getChainId()
                .longValueExact();
        if (served != chainId) {
            chain.close();
            throw new ChainException("node serves chain id " + served + ", configured chain id is " + chainId);
        }
        return chain;
    }

    /** The chain id signed into transactions. */
    public long chainId() {
        return chainId;
    }

    /** The underlying client, for calls this class does not wrap. */
    public Web3j web3j() {
        return web3j;
    }

    /** The account's balance in wei at the latest block. */
    public BigInteger balance(String address) {
        return send(
                        "eth_getBalance",
                        () -> web3j.ethGetBalance(address, DefaultBlockParameterName.LATEST)
                                .send())
                .getBalance();
    }

    /** The next nonce counting pending transactions. */
    public BigInteger pendingNonce(String address) {
        return send(
                        "eth_getTransactionCount",
                        () -> web3j.ethGetTransactionCount(address, DefaultBlockParameterName.PENDING)
                                .send())
                .getTransactionCount();
    }

    /** The number of transactions from {@code address} mined in the latest block (the next unmined nonce). */
    public BigInteger latestNonce(String address) {
        return send(
                        "eth_getTransactionCount",
                        () -> web3j.ethGetTransactionCount(address, DefaultBlockParameterName.LATEST)
                                .send())
                .getTransactionCount();
    }

    /** The latest block number. */
    public long blockNumber() {
        return send("eth_blockNumber", () -> web3j.ethBlockNumber().send())
                .getBlockNumber()
                .longValueExact();
    }

    /** The hash of the canonical block at {@code number}, empty when there is none (yet). */
    public Optional<String> blockHash(long number) {
        EthBlock.Block block = send(
                        "eth_getBlockByNumber",
                        () -> web3j.ethGetBlockByNumber(
                                        DefaultBlockParameter.valueOf(BigInteger.valueOf(number)), false)
                                .send())
                .getBlock();
        return Optional.ofNullable(block).map(EthBlock.Block::getHash);
    }

    /** Fee suggestion: {@code maxFeePerGas = 2 × latest base fee + eth_maxPriorityFeePerGas}. */
    public Fees suggestFees() {
        EthBlock.Block latest = send(
                        "eth_getBlockByNumber",
                        () -> web3j.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false)
                                .send())
                .getBlock();
        BigInteger baseFee = latest.getBaseFeePerGas() == null ? BigInteger.ZERO : latest.getBaseFeePerGas();
        BigInteger tip = send(
                        "eth_maxPriorityFeePerGas",
                        () -> web3j.ethMaxPriorityFeePerGas().send())
                .getMaxPriorityFeePerGas();
        return Fees.suggest(baseFee, tip);
    }

    /**
     * Signs an EIP-1559 transaction (type 2) with this chain's id. Nothing is sent.
     *
     * @param data calldata ({@code 0x} hex), {@code "0x"} or empty for a plain transfer
     */
    public SignedTransaction sign(
            PayoutKey key, BigInteger nonce, String to, BigInteger value, String data, BigInteger gasLimit, Fees fees) {
        String recipient = Addresses.normalise("to", to);
        Uint.check("nonce", nonce);
        Uint.check("value", value);
        Uint.check("gasLimit", gasLimit);
        RawTransaction raw = data == null || data.isEmpty() || "0x".equals(data)
                ? RawTransaction.createEtherTransaction(
                        chainId, nonce, gasLimit, recipient, value, fees.maxPriorityFeePerGas(), fees.maxFeePerGas())
                : RawTransaction.createTransaction(
                        chainId,
                        nonce,
                        gasLimit,
                        recipient,
                        value,
                        data,
                        fees.maxPriorityFeePerGas(),
                        fees.maxFeePerGas());
        byte[] signed = key.sign(raw);
        return new SignedTransaction(
                Numeric.toHexString(signed),
                Numeric.toHexString(Hash.sha3(signed)),
                chainId,
                key.address(),
                recipient,
                nonce,
                value,
                gasLimit,
                fees);
    }

    /**
     * Reads back a stored signed EIP-1559 transaction ({@code 0x} hex, as {@link SignedTransaction#raw()}): chain id,
     * sender (recovered from the signature), recipient, nonce, value, gas limit and fees; the hash is keccak256 of the
     * bytes. Nothing is sent.
     *
     * @throws IllegalArgumentException when {@code raw} is not a signed type-2 transaction to an address
     */
    public static SignedTransaction decode(String raw) {
        Decoded d = decoded(raw);
        return new SignedTransaction(
                raw,
                Numeric.toHexString(Hash.sha3(Numeric.hexStringToByteArray(raw))),
                d.tx().getChainId(),
                d.from(),
                d.to(),
                d.raw().getNonce(),
                d.raw().getValue(),
                d.raw().getGasLimit(),
                new Fees(d.tx().getMaxPriorityFeePerGas(), d.tx().getMaxFeePerGas()));
    }

    /**
     * Signs a same-nonce replacement of the stored signed transaction {@code raw}: the same recipient, value, calldata
     * and gas limit with {@code fees} (a node takes it in place of the original only when both fee fields are ≥ 10 %
     * higher, see {@link Fees#replacing}). Nothing is sent.
     *
     * @throws IllegalArgumentException when {@code raw} is not a signed EIP-1559 transaction of {@code key} on this
     *     chain
     */
    public SignedTransaction resign(PayoutKey key, String raw, Fees fees) {
        Decoded d = decoded(raw);
        if (d.tx().getChainId() != chainId) {
            throw new IllegalArgumentException(
                    "transaction signed for chain " + d.tx().getChainId() + ", this chain is " + chainId);
        }
        if (!d.from().equalsIgnoreCase(key.address())) {
            throw new IllegalArgumentException(
                    "transaction signed by " + d.from() + ", not by the key " + key.address());
        }
        return sign(
                key,
                d.raw().getNonce(),
                d.to(),
                d.raw().getValue(),
                d.raw().getData(),
                d.raw().getGasLimit(),
                fees);
    }

    private record Decoded(RawTransaction raw, Transaction1559 tx, String from, String to) {}

    private static Decoded decoded(String raw) {
        RawTransaction decoded;
        try {
            decoded = TransactionDecoder.decode(raw);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a signed transaction: " + e.getMessage(), e);
        }
        if (!(decoded instanceof SignedRawTransaction signed)
                || !(decoded.getTransaction() instanceof Transaction1559 tx)) {
            throw new IllegalArgumentException("not a signed EIP-1559 transaction");
        }
        if (decoded.getTo() == null || decoded.getTo().isEmpty() || "0x".equals(decoded.getTo())) {
            throw new IllegalArgumentException("a contract creation is not replaced");
        }
        String from;
        try {
            from = signed.getFrom();
        } catch (java.security.SignatureException e) {
            throw new IllegalArgumentException("signature does not recover a sender: " + e.getMessage(), e);
        }
        return new Decoded(decoded, tx, Addresses.normalise("from", from), Addresses.normalise("to", decoded.getTo()));
    }

    /**
     * Signs a contract-creation transaction (no recipient). For test deployments and tooling.
     *
     * @param initCode creation bytecode followed by the ABI-encoded constructor arguments, {@code 0x} hex
     */
    public SignedTransaction signDeployment(
            PayoutKey key, BigInteger nonce, String initCode, BigInteger gasLimit, Fees fees) {
        RawTransaction raw = RawTransaction.createTransaction(
                chainId,
                nonce,
                gasLimit,
                "",
                BigInteger.ZERO,
                initCode,
                fees.maxPriorityFeePerGas(),
                fees.maxFeePerGas());
        byte[] signed = key.sign(raw);
        return new SignedTransaction(
                Numeric.toHexString(signed),
                Numeric.toHexString(Hash.sha3(signed)),
                chainId,
                key.address(),
                "0x0000000000000000000000000000000000000000",
                nonce,
                BigInteger.ZERO,
                gasLimit,
                fees);
    }

    /**
     * Broadcasts a signed transaction. Idempotent: a node that already has it ("already known") answers as accepted,
     * and so does one where this very transaction was already mined.
     *
     * @return the transaction hash
     * @throws ChainException with the node's reason when refused (e.g. nonce too low for another transaction,
     *     replacement underpriced, insufficient funds)
     */
    public String broadcast(SignedTransaction transaction) {
        return broadcast(transaction.raw(), transaction.hash());
    }

    /**
     * Broadcasts a stored signed transaction (raw {@code 0x} hex with its hash), idempotently as
     * {@link #broadcast(SignedTransaction)}.
     */
    public String broadcast(String raw, String hash) {
        EthSendTransaction sent;
        try {
            sent = web3j.ethSendRawTransaction(raw).send();
        } catch (IOException e) {
            throw new ChainException("eth_sendRawTransaction failed for " + hash, e);
        }
        if (!sent.hasError()) {
            return hash;
        }
        String message = sent.getError().getMessage();
        String lower = message == null ? "" : message.toLowerCase(java.util.Locale.ROOT);
        if (lower.contains("already known")
                || lower.contains("already imported")
                || lower.contains("known transaction")) {
            return hash;
        }
        if (lower.contains("nonce too low") && receipt(hash).isPresent()) {
            return hash;
        }
        throw new ChainException("eth_sendRawTransaction refused " + hash + ": " + message);
    }

    /** The receipt if the transaction is mined, without waiting. */
    public Optional<TransactionReceipt> receipt(String transactionHash) {
        return send(
                        "eth_getTransactionReceipt",
                        () -> web3j.ethGetTransactionReceipt(transactionHash).send())
                .getTransactionReceipt();
    }

    /**
     * Waits for the receipt, polling every {@code receiptPoll}.
     *
     * @throws ChainException when not mined within {@code timeout}
     */
    public TransactionReceipt awaitReceipt(String transactionHash, Duration timeout) {
        int attempts = (int) Math.max(1, timeout.toMillis() / Math.max(1, receiptPoll.toMillis()));
        try {
            return new PollingTransactionReceiptProcessor(web3j, receiptPoll.toMillis(), attempts)
                    .waitForTransactionReceipt(transactionHash);
        } catch (IOException | TransactionException e) {
            throw new ChainException("no receipt for " + transactionHash + " within " + timeout, e);
        }
    }

    /**
     * {@code eth_estimateGas} for a call from {@code from}.
     *
     * @throws ChainException when the call would revert (the message carries the reason)
     */
    public BigInteger estimateGas(String from, String to, BigInteger value, String data) {
        EthEstimateGas estimate = send(
                "eth_estimateGas",
                () -> web3j.ethEstimateGas(new Transaction(from, null, null, null, to, value, data))
                        .send());
        return estimate.getAmountUsed();
    }

    /** {@code eth_call} at the latest block, as {@code from}; a revert is an answer, not an exception. */
    public CallResult call(String from, String to, String data) {
        EthCall result;
        try {
            result = web3j.ethCall(
                            Transaction.createEthCallTransaction(from, to, data), DefaultBlockParameterName.LATEST)
                    .send();
        } catch (IOException e) {
            throw new ChainException("eth_call to " + to + " failed", e);
        }
        if (result.hasError()) {
            String message = result.getError().getMessage();
            if (message != null && message.toLowerCase(java.util.Locale.ROOT).contains("revert")) {
                return CallResult.revert(message);
            }
            throw new ChainException("eth_call to " + to + " failed: " + message);
        }
        if (result.isReverted()) {
            return CallResult.revert(result.getRevertReason());
        }
        return CallResult.ok(result.getValue());
    }

    /**
     * Calls a view function and decodes its outputs.
     *
     * @throws ChainException when the call reverts
     */
    @SuppressWarnings("rawtypes")
    public List<Type> callView(String to, Function function) {
        CallResult result = call(null, to, FunctionEncoder.encode(function));
        if (result.reverted()) {
            throw new ChainException(function.getName() + " on " + to + " reverted: " + result.revertReason());
        }
        return FunctionReturnDecoder.decode(result.returnData(), function.getOutputParameters());
    }

    @Override
    public void close() {
        web3j.shutdown();
    }

    @FunctionalInterface
    private interface Rpc<T extends Response<?>> {
        T send() throws IOException;
    }

    private static <T extends Response<?>> T send(String method, Rpc<T> rpc) {
        T response;
        try {
            response = rpc.send();
        } catch (IOException e) {
            throw new ChainException(method + " failed", e);
        }
        if (response.hasError()) {
            throw new ChainException(method + " failed: " + response.getError().getMessage());
        }
        return response;
    }
}

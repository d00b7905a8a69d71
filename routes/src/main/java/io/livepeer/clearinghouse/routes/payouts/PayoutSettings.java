package io.livepeer.clearinghouse.routes.payouts;

import io.livepeer.clearinghouse.contracts.PayoutKey;
import io.livepeer.clearinghouse.routes.core.SettingsReader;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Payouts ({@code clearinghouse.payouts.*}, docs/configuration.md). Amounts in wei, fees in wei per gas. The key is
 * never a setting value: settings name a keystore and password file, a key file, or the environment variable that
 * holds a raw key.
 *
 * @param thresholdWei smallest balance paid out (livepeer-ops {@code PAYMENT_PAYOUT_THRESHOLD_ETH} 0.001)
 * @param strategy payout strategy of new plans: {@code eth_transfer} (EIP-1559 transfer) or {@code livepeer_ticket}
 *     (an always-winning TicketBroker ticket, redeemed singly or in batches)
 * @param rpcUrl the chain's JSON-RPC URL; empty = no chain configured (plans only)
 * @param chainId chain id signed into every transaction (Arbitrum One 42161)
 * @param confirmations blocks (the receipt's included) before a payout counts as paid and is debited
 * @param maxFeePerGasWei never sign a fee cap above this
 * @param maxGasSharePercent a payout waits while its most possible gas cost exceeds this share of its amount
 * @param stuckAfter replace a transaction not mined this long after its last broadcast
 * @param feeBumpPercent fee increase of a replacement (≥ 10, the node's minimum)
 * @param receiptPoll how often receipts are polled
 * @param keystoreFile V3 keystore of the payout key, with {@code keystorePasswordFile}
 * @param keystorePasswordFile file holding the keystore password
 * @param keyFile file holding the raw payout key (64 hex digits)
 * @param keyEnvironmentVariable environment variable that may hold the raw payout key
 * @param scheduled whether the clustered {@code payouts-cycle} job runs at all
 * @param unattended whether the scheduled cycle pays (approves its own plan and sends); false = dry run: the plan is
 *     logged and kept, nothing is recorded as an intent and nothing is sent
 * @param interval period of the scheduled cycle (livepeer-ops {@code PAYMENT_INTERVAL_SECONDS}, 3600)
 * @param openWarningAfter the {@code payouts} health check warns about a payout open longer than this
 * @param ticketBroker the TicketBroker proxy whose deposit and reserve of the payout key are exported (Arbitrum One
 *     {@code 0xa8bB618B1520E284046F3dFc448851A1Ff26e41B}); {@code livepeer_ticket} payouts redeem there
 * @param ticketBatchMax most tickets in one {@code batchRedeemWinningTickets} transaction (livepeer-ops
 *     {@code PAYMENTS_LIVEPEER_BATCH_MAX_TICKETS}, 20)
 */
public record PayoutSettings(
        BigInteger thresholdWei,
        String strategy,
        Optional<String> rpcUrl,
        long chainId,
        int confirmations,
        BigInteger maxFeePerGasWei,
        int maxGasSharePercent,
        Duration stuckAfter,
        int feeBumpPercent,
        Duration receiptPoll,
        Optional<Path> keystoreFile,
        Optional<Path> keystorePasswordFile,
        Optional<Path> keyFile,
        String keyEnvironmentVariable,
        boolean scheduled,
        boolean unattended,
        Duration interval,
        Duration openWarningAfter,
        String ticketBroker,
        int ticketBatchMax) {

    /** @throws IllegalArgumentException naming the key of a missing or malformed value */
    public static PayoutSettings from(SettingsReader r) {
        String strategy = r.required("clearinghouse.payouts.strategy");
        if (!"eth_transfer".equals(strategy) && !"livepeer_ticket".equals(strategy)) {
            throw new IllegalArgumentException(
                    "clearinghouse.payouts.strategy must be eth_transfer or livepeer_ticket, got '" + strategy + "'");
        }
        int share = r.positiveInt("clearinghouse.payouts.max-gas-share-percent");
        if (share > 100) {
            throw new IllegalArgumentException(
                    "clearinghouse.payouts.max-gas-share-percent must be 1..100, got " + share);
        }
        int bump = r.positiveInt("clearinghouse.payouts.fee-bump-percent");
        if (bump < 10) {
            throw new IllegalArgumentException(
                    "clearinghouse.payouts.fee-bump-percent must be at least 10 (the node's minimum), got " + bump);
        }
        return new PayoutSettings(
                wei(r, "clearinghouse.payouts.threshold-wei"),
                strategy,
                r.optionalHttpUrl("clearinghouse.payouts.rpc-url"),
                r.positiveInt("clearinghouse.payouts.chain-id"),
                r.positiveInt("clearinghouse.payouts.confirmations"),
                wei(r, "clearinghouse.payouts.max-fee-per-gas-wei"),
                share,
                positive(r, "clearinghouse.payouts.stuck-after"),
                bump,
                positive(r, "clearinghouse.payouts.receipt-poll"),
                r.optional("clearinghouse.payouts.keystore-file").map(Path::of),
                r.optional("clearinghouse.payouts.keystore-password-file").map(Path::of),
                r.optional("clearinghouse.payouts.key-file").map(Path::of),
                r.required("clearinghouse.payouts.key-env"),
                r.bool("clearinghouse.payouts.scheduled"),
                r.bool("clearinghouse.payouts.unattended"),
                positive(r, "clearinghouse.payouts.interval"),
                positive(r, "clearinghouse.payouts.open-warning-after"),
                address(r, "clearinghouse.payouts.ticket-broker"),
                r.positiveInt("clearinghouse.payouts.ticket-batch-max"));
    }

    /** The engine's options. */
    public EthTransferPayouts.Options engineOptions() {
        return new EthTransferPayouts.Options(
                confirmations, maxFeePerGasWei, maxGasSharePercent, stuckAfter, feeBumpPercent);
    }

    /**
     * The payout key: the keystore (with its password file), else the key file, else the environment variable;
     * empty when none is configured.
     *
     * @throws IllegalArgumentException naming the setting or file when a configured key cannot be read
     */
    public Optional<PayoutKey> key(Map<String, String> environment) {
        if (keystoreFile.isPresent()) {
            Path password = keystorePasswordFile.orElseThrow(() -> new IllegalArgumentException(
                    "clearinghouse.payouts.keystore-password-file is required with a keystore"));
            return Optional.of(PayoutKey.fromKeystore(keystoreFile.get(), password));
        }
        if (keyFile.isPresent()) {
            return Optional.of(PayoutKey.fromKeyFile(keyFile.get()));
        }
        String raw = environment.get(keyEnvironmentVariable);
        if (raw != null && !raw.isBlank()) {
            return Optional.of(PayoutKey.fromEnvironment(keyEnvironmentVariable, environment));
        }
        return Optional.empty();
    }

    private static BigInteger wei(SettingsReader r, String key) {
        String value = r.required(key);
        try {
            BigInteger wei = new BigInteger(value);
            if (wei.signum() <= 0) {
                throw new IllegalArgumentException(key + " must be a positive whole number of wei, got " + value);
            }
            return wei;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a whole number of wei, got '" + value + "'");
        }
    }

    private static String address(SettingsReader r, String key) {
        String value = r.required(key);
        if (!value.matches("0x[0-9a-fA-F]{40}")) {
            throw new IllegalArgumentException(key + " must be a 0x-prefixed 20-byte hex address, got '" + value + "'");
        }
        return value;
    }

    private static Duration positive(SettingsReader r, String key) {
        Duration d = r.duration(key);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(key + " must be positive, got " + d);
        }
        return d;
    }

    @Override
    public String toString() {
        return "PayoutSettings[" + strategy + ", threshold " + thresholdWei + " wei, chain " + chainId + " at "
                + rpcUrl.map(SettingsReader::host).orElse("(none)") + ", " + confirmations
                + " confirmation(s), fee cap "
                + maxFeePerGasWei + " wei/gas, "
                + (scheduled ? (unattended ? "unattended" : "dry run") + " every " + interval : "not scheduled") + "]";
    }
}

package io.livepeer.clearinghouse.routes.escrow;

import io.livepeer.clearinghouse.contracts.KeySource;
import io.livepeer.clearinghouse.routes.core.SettingsReader;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The escrow flow ({@code clearinghouse.escrow.*}, docs/escrow.md and docs/configuration.md). Amounts in wei, fees in
 * wei per gas, runways in whole hours. Keys are never setting values: settings name a keystore and password file, a
 * key file, or the environment variable holding a raw key.
 *
 * @param signers monitored signer addresses (the remote signers' {@code -ethAcctAddr}), lower case; empty = idle
 * @param rpcUrl the chain's JSON-RPC URL ({@code ETH_RPC_URL}, shared with payouts); empty = nothing is polled
 * @param chainId chain id signed into every transaction (Arbitrum One 42161)
 * @param ticketBroker the TicketBroker proxy ({@code TICKET_BROKER_ADDRESS}, shared with payouts)
 * @param receiptPoll how often receipts are polled
 * @param interval period of the clustered {@code escrow-cycle} job
 * @param burnWindow the metered {@code fee_wei} of this window, per hour, is the burn rate
 * @param runwayWarnHours below this runway the {@code escrow} check warns (alert EscrowRunwayLow)
 * @param runwayCriticalHours below this runway the check is DOWN (alert EscrowRunwayCritical)
 * @param dryRun when true (the default) fundings are decided and logged, never signed or sent
 * @param confirmations blocks (the receipt's included) before a funding counts as confirmed
 * @param maxFeePerGasWei never sign a fee cap above this (the fee suggestion is clipped to it, and a replacement
 *     that would need more is not signed)
 * @param stuckAfter a funding not mined this long after its current transaction was signed is replaced (same nonce)
 * @param feeBumpPercent fee increase of a replacement, percent (at least 10: nodes refuse less)
 * @param topUpEnabled whether signers are topped up from the treasury key
 * @param topUpBelowHours a signer whose runway is below this is topped up
 * @param topUpTargetHours a top-up brings deposit + reserve to cover this many hours of burn
 * @param topUpReserveTargetWei a top-up also brings the reserve up to this (0 = deposit only)
 * @param topUpDailyCapWei the most all of one signer's top-ups not FAILED may add up to per UTC day
 * @param treasury where the treasury key is configured
 * @param autofundEnabled whether the payout key's own deposit is kept funded
 * @param autofundLowWatermarkWei autofund when the payout key's deposit is below this
 * @param autofundTargetWei autofund brings the deposit to this
 * @param autofundDailyCapWei the most all of the payout key's autofunds not FAILED may add up to per UTC day
 * @param payoutKey where the payout key is configured (the payouts flow's env names)
 */
public record EscrowSettings(
        List<String> signers,
        Optional<String> rpcUrl,
        long chainId,
        String ticketBroker,
        Duration receiptPoll,
        Duration interval,
        Duration burnWindow,
        int runwayWarnHours,
        int runwayCriticalHours,
        boolean dryRun,
        int confirmations,
        BigInteger maxFeePerGasWei,
        Duration stuckAfter,
        int feeBumpPercent,
        boolean topUpEnabled,
        int topUpBelowHours,
        int topUpTargetHours,
        BigInteger topUpReserveTargetWei,
        BigInteger topUpDailyCapWei,
        KeySource treasury,
        boolean autofundEnabled,
        BigInteger autofundLowWatermarkWei,
        BigInteger autofundTargetWei,
        BigInteger autofundDailyCapWei,
        KeySource payoutKey) {

    private static final String P = "clearinghouse.escrow.";

    /** @throws IllegalArgumentException naming the key of a missing or malformed value */
    public static EscrowSettings from(SettingsReader r) {
        List<String> signers = r.list(P + "signers").stream()
                .map(s -> address(P + "signers", s))
                .distinct()
                .toList();
        int warn = r.positiveInt(P + "runway-warn-hours");
        int critical = r.positiveInt(P + "runway-critical-hours");
        if (critical > warn) {
            throw new IllegalArgumentException(P + "runway-critical-hours (" + critical + ") must not exceed " + P
                    + "runway-warn-hours (" + warn + ")");
        }
        int below = r.positiveInt(P + "topup.below-hours");
        int target = r.positiveInt(P + "topup.target-hours");
        if (target <= below) {
            throw new IllegalArgumentException(
                    P + "topup.target-hours (" + target + ") must be above " + P + "topup.below-hours (" + below + ")");
        }
        BigInteger low = wei(r, P + "autofund.low-watermark-wei", true);
        BigInteger autofundTarget = wei(r, P + "autofund.target-wei", false);
        if (low.compareTo(autofundTarget) > 0) {
            throw new IllegalArgumentException(P + "autofund.low-watermark-wei (" + low + ") must not exceed " + P
                    + "autofund.target-wei (" + autofundTarget + ")");
        }
        return new EscrowSettings(
                signers,
                r.optionalHttpUrl(P + "rpc-url"),
                r.positiveInt(P + "chain-id"),
                address(P + "ticket-broker", r.required(P + "ticket-broker")),
                positive(r, P + "receipt-poll"),
                positive(r, P + "interval"),
                positive(r, P + "burn-window"),
                warn,
                critical,
                r.bool(P + "dry-run"),
                r.positiveInt(P + "confirmations"),
                wei(r, P + "max-fee-per-gas-wei", false),
                positive(r, P + "stuck-after"),
                bump(r, P + "fee-bump-percent"),
                r.bool(P + "topup.enabled"),
                below,
                target,
                wei(r, P + "topup.reserve-target-wei", true),
                wei(r, P + "topup.daily-cap-wei", false),
                keySource(r, P + "treasury"),
                r.bool(P + "autofund.enabled"),
                low,
                autofundTarget,
                wei(r, P + "autofund.daily-cap-wei", false),
                keySource(r, P + "autofund"));
    }

    /** Whether the clustered job has anything to do: signers to watch, or the payout key's deposit to keep funded. */
    public boolean active() {
        return !signers.isEmpty() || autofundEnabled;
    }

    private static KeySource keySource(SettingsReader r, String prefix) {
        return new KeySource(
                r.optional(prefix + ".keystore-file").map(Path::of),
                r.optional(prefix + ".keystore-password-file").map(Path::of),
                r.optional(prefix + ".key-file").map(Path::of),
                r.required(prefix + ".key-env"),
                prefix);
    }

    private static BigInteger wei(SettingsReader r, String key, boolean zeroAllowed) {
        String value = r.required(key);
        BigInteger wei;
        try {
            wei = new BigInteger(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a whole number of wei, got '" + value + "'");
        }
        if (wei.signum() < 0 || (!zeroAllowed && wei.signum() == 0)) {
            throw new IllegalArgumentException(
                    key + " must be a " + (zeroAllowed ? "non-negative" : "positive") + " number of wei, got " + value);
        }
        return wei;
    }

    private static String address(String key, String value) {
        if (!value.matches("0x[0-9a-fA-F]{40}")) {
            throw new IllegalArgumentException(
                    key + " must hold 0x-prefixed 20-byte hex addresses, got '" + value + "'");
        }
        return value.toLowerCase(Locale.ROOT);
    }

    private static int bump(SettingsReader r, String key) {
        int percent = r.positiveInt(key);
        if (percent < 10) {
            throw new IllegalArgumentException(
                    key + " must be at least 10 (nodes refuse a smaller bump), got " + percent);
        }
        return percent;
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
        return "EscrowSettings[" + signers.size() + " signer(s), chain " + chainId + " at "
                + rpcUrl.map(SettingsReader::host).orElse("(none)") + ", every " + interval + ", burn window "
                + burnWindow + ", warn < " + runwayWarnHours + " h, critical < " + runwayCriticalHours + " h, top-up "
                + (topUpEnabled ? "on (" + treasury + ")" : "off") + ", autofund "
                + (autofundEnabled ? "on (" + payoutKey + ")" : "off") + (dryRun ? ", dry run" : "") + "]";
    }
}

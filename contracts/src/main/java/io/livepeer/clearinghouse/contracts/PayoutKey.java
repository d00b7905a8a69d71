package io.livepeer.clearinghouse.contracts;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.Sign;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.crypto.WalletUtils;
import org.web3j.crypto.exception.CipherException;

/**
 * A private key that signs payouts and tickets. It is read from a V3 keystore file plus a password file, from a file
 * holding the raw hex key, or from an environment variable holding it; never from a command-line argument. The key
 * never leaves this object: callers get signatures and the address, {@link #toString()} shows only the address and
 * where the key came from, and error messages name the file or variable, never its content.
 */
public final class PayoutKey {

    private static final Pattern RAW_KEY = Pattern.compile("(0x)?[0-9a-fA-F]{64}");

    private final Credentials credentials;
    private final String source;

    private PayoutKey(Credentials credentials, String source) {
        this.credentials = credentials;
        this.source = source;
    }

    /**
     * Decrypts a V3 (geth/web3 "UTC--…") keystore with the password in {@code passwordFile} (one line; a trailing
     * newline is ignored).
     *
     * @throws IllegalArgumentException naming the file when a file is unreadable or the password is wrong
     */
    public static PayoutKey fromKeystore(Path keystore, Path passwordFile) {
        String password = readSecret("password file", passwordFile);
        try {
            Credentials credentials = WalletUtils.loadCredentials(password, keystore.toFile());
            return new PayoutKey(credentials, "keystore " + keystore);
        } catch (CipherException e) {
            throw new IllegalArgumentException("cannot decrypt keystore " + keystore + ": wrong password (from "
                    + passwordFile + ") or a damaged keystore");
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(
                    "cannot read keystore " + keystore + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    /**
     * Reads a raw 32-byte private key (64 hex digits, optional {@code 0x}, surrounding whitespace ignored) from a file.
     *
     * @throws IllegalArgumentException naming the file when it is unreadable or not a key
     */
    public static PayoutKey fromKeyFile(Path keyFile) {
        return fromRaw(readSecret("key file", keyFile), "key file " + keyFile);
    }

    /**
     * Reads a raw private key from the environment variable {@code variable} of {@code environment} (pass
     * {@code System.getenv()}).
     *
     * @throws IllegalArgumentException naming the variable when it is unset or not a key
     */
    public static PayoutKey fromEnvironment(String variable, Map<String, String> environment) {
        String value = environment.get(Objects.requireNonNull(variable, "variable"));
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("environment variable " + variable + " is not set");
        }
        return fromRaw(value, "environment variable " + variable);
    }

    /**
     * A key given as hex in code. For tests and dev chains only (e.g. anvil's published dev keys); production keys
     * come from files or the environment.
     */
    public static PayoutKey ofHex(String hexKey, String source) {
        return fromRaw(hexKey, source);
    }

    private static PayoutKey fromRaw(String value, String source) {
        String key = value.strip();
        if (!RAW_KEY.matcher(key).matches()) {
            throw new IllegalArgumentException(source + " does not hold a private key (64 hex digits, optional 0x)");
        }
        BigInteger secret = new BigInteger(key.startsWith("0x") ? key.substring(2) : key, 16);
        if (secret.signum() == 0 || secret.compareTo(Sign.CURVE_PARAMS.getN()) >= 0) {
            throw new IllegalArgumentException(source + " does not hold a valid secp256k1 private key");
        }
        return new PayoutKey(Credentials.create(key), source);
    }

    private static String readSecret(String what, Path file) {
        try {
            return Files.readString(Objects.requireNonNull(file, what), StandardCharsets.UTF_8)
                    .strip();
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "cannot read " + what + " " + file + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** The key's address, lower-case {@code 0x} hex. */
    public String address() {
        return credentials.getAddress().toLowerCase(java.util.Locale.ROOT);
    }

    /** Where the key came from (a path or variable name), for logs. */
    public String source() {
        return source;
    }

    /**
     * Signs a transaction. EIP-1559 transactions carry their chain id; legacy ones are signed without EIP-155 (do not
     * use them).
     *
     * @return the signed raw transaction bytes, ready for {@code eth_sendRawTransaction}
     */
    public byte[] sign(RawTransaction transaction) {
        return TransactionEncoder.signMessage(transaction, credentials);
    }

    /**
     * Signs {@code message} the eth_sign / EIP-191 way (keccak256 of {@code "\x19Ethereum Signed Message:\n" + len}
     * ‖ message): for tickets pass the 32-byte ticket hash.
     *
     * @return 65 bytes r ‖ s ‖ v with v 27/28 and low s (RFC 6979, deterministic)
     */
    public byte[] signPrefixed(byte[] message) {
        Sign.SignatureData signature = Sign.signPrefixedMessage(message, credentials.getEcKeyPair());
        byte[] out = new byte[65];
        System.arraycopy(signature.getR(), 0, out, 0, 32);
        System.arraycopy(signature.getS(), 0, out, 32, 32);
        out[64] = signature.getV()[0];
        return out;
    }

    /** Only the address and the source: the key is never printed. */
    @Override
    public String toString() {
        return "PayoutKey[address=" + address() + ", source=" + source + ", key=<redacted>]";
    }
}

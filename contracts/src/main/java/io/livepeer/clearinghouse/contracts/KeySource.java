package io.livepeer.clearinghouse.contracts;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a sending key is configured, in the order it is looked for: a V3 keystore with its password file, else a
 * file with the raw key, else an environment variable holding the raw key. Only paths and the variable's name are
 * settings; the key itself never is, and is never logged ({@link PayoutKey}).
 *
 * @param keystoreFile V3 keystore file
 * @param keystorePasswordFile file with its password (required with a keystore)
 * @param keyFile file with the raw key (64 hex digits)
 * @param environmentVariable name of the variable that may hold the raw key
 * @param setting the settings prefix, named in errors (e.g. {@code clearinghouse.escrow.treasury})
 */
public record KeySource(
        Optional<Path> keystoreFile,
        Optional<Path> keystorePasswordFile,
        Optional<Path> keyFile,
        String environmentVariable,
        String setting) {

    public KeySource {
        Objects.requireNonNull(keystoreFile, "keystoreFile");
        Objects.requireNonNull(keystorePasswordFile, "keystorePasswordFile");
        Objects.requireNonNull(keyFile, "keyFile");
        Objects.requireNonNull(environmentVariable, "environmentVariable");
    }

    /**
     * Loads the key; empty when none is configured.
     *
     * @throws IllegalArgumentException naming the setting, file or variable when a configured key cannot be read
     */
    public Optional<PayoutKey> load(Map<String, String> environment) {
        if (keystoreFile.isPresent()) {
            Path password = keystorePasswordFile.orElseThrow(() ->
                    new IllegalArgumentException(setting + ".keystore-password-file is required with a keystore"));
            return Optional.of(PayoutKey.fromKeystore(keystoreFile.get(), password));
        }
        if (keyFile.isPresent()) {
            return Optional.of(PayoutKey.fromKeyFile(keyFile.get()));
        }
        String raw = environment.get(environmentVariable);
        if (raw != null && !raw.isBlank()) {
            return Optional.of(PayoutKey.fromEnvironment(environmentVariable, environment));
        }
        return Optional.empty();
    }

    /** Whether any source is configured (a keystore, a key file, or the variable set in {@code environment}). */
    public boolean configured(Map<String, String> environment) {
        String raw = environment.get(environmentVariable);
        return keystoreFile.isPresent() || keyFile.isPresent() || (raw != null && !raw.isBlank());
    }

    /** Paths and the variable name only. */
    @Override
    public String toString() {
        return keystoreFile
                .map(p -> "keystore " + p)
                .or(() -> keyFile.map(p -> "key file " + p))
                .orElse("environment variable " + environmentVariable);
    }
}

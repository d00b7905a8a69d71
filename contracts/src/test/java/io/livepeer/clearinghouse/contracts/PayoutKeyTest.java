package io.livepeer.clearinghouse.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.WalletUtils;
import org.web3j.utils.Numeric;

/** Payout keys load from a keystore + password file, a key file or an environment variable, and never show. */
class PayoutKeyTest {

    private static final String KEY = "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
    private static final String ADDRESS = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";

    @TempDir
    Path dir;

    @Test
    void a_v3_keystore_opens_with_its_password_file() throws Exception {
        String file = WalletUtils.generateWalletFile(
                "correct horse", ECKeyPair.create(Numeric.toBigInt(KEY)), dir.toFile(), false);
        Path password = Files.writeString(dir.resolve("password"), "correct horse\n");

        PayoutKey key = PayoutKey.fromKeystore(dir.resolve(file), password);

        assertThat(key.address()).isEqualTo(ADDRESS);
        assertThat(key.source()).contains(file);
    }

    @Test
    void a_wrong_keystore_password_is_refused_without_showing_it() throws Exception {
        String file = WalletUtils.generateWalletFile(
                "correct horse", ECKeyPair.create(Numeric.toBigInt(KEY)), dir.toFile(), false);
        Path password = Files.writeString(dir.resolve("password"), "battery staple");

        assertThatThrownBy(() -> PayoutKey.fromKeystore(dir.resolve(file), password))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("wrong password")
                .hasMessageNotContaining("battery staple");
    }

    @Test
    void a_raw_key_file_with_or_without_0x_and_a_newline_loads() throws Exception {
        assertThat(PayoutKey.fromKeyFile(Files.writeString(dir.resolve("a"), KEY + "\n"))
                        .address())
                .isEqualTo(ADDRESS);
        assertThat(PayoutKey.fromKeyFile(Files.writeString(dir.resolve("b"), "0x" + KEY))
                        .address())
                .isEqualTo(ADDRESS);
    }

    @Test
    void an_environment_variable_holds_a_raw_key() {
        assertThat(PayoutKey.fromEnvironment("PAYOUT_KEY", Map.of("PAYOUT_KEY", "0x" + KEY))
                        .address())
                .isEqualTo(ADDRESS);
        assertThatThrownBy(() -> PayoutKey.fromEnvironment("PAYOUT_KEY", Map.of()))
                .hasMessageContaining("PAYOUT_KEY")
                .hasMessageContaining("not set");
    }

    @Test
    void malformed_keys_are_refused_naming_the_source_but_not_the_content() throws Exception {
        Path file = Files.writeString(dir.resolve("bad"), KEY.substring(0, 60) + "zzzz");
        assertThatThrownBy(() -> PayoutKey.fromKeyFile(file))
                .hasMessageContaining(file.toString())
                .hasMessageNotContaining(KEY.substring(0, 20));
        assertThatThrownBy(() -> PayoutKey.fromKeyFile(dir.resolve("missing"))).hasMessageContaining("missing");
        assertThatThrownBy(() -> PayoutKey.fromEnvironment("K", Map.of("K", "0".repeat(64))))
                .hasMessageContaining("K");
    }

    @Test
    void to_string_shows_the_address_and_source_but_never_the_key() throws Exception {
        PayoutKey key = PayoutKey.fromKeyFile(Files.writeString(dir.resolve("k"), KEY));
        assertThat(key.toString())
                .contains(ADDRESS)
                .contains("redacted")
                .doesNotContain(KEY)
                .doesNotContain(KEY.substring(0, 16));
    }
}

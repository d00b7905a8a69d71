package io.livepeer.clearinghouse.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where a sending key is configured: keystore, else key file, else environment; never shown. */
class KeySourceTest {

    static final String KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
    static final String ADDRESS = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";

    @Test
    void a_key_file_wins_over_the_environment_and_nothing_configured_is_empty(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("key");
        Files.writeString(file, KEY + "\n");
        KeySource fromFile = new KeySource(Optional.empty(), Optional.empty(), Optional.of(file), "K", "test.key");
        KeySource fromEnv = new KeySource(Optional.empty(), Optional.empty(), Optional.empty(), "K", "test.key");

        assertThat(fromFile.load(Map.of("K", "0x" + "11".repeat(32))))
                .hasValueSatisfying(k -> assertThat(k.address()).isEqualTo(ADDRESS));
        assertThat(fromEnv.load(Map.of("K", KEY)))
                .hasValueSatisfying(k -> assertThat(k.address()).isEqualTo(ADDRESS));
        assertThat(fromEnv.load(Map.of())).isEmpty();
        assertThat(fromEnv.configured(Map.of())).isFalse();
        assertThat(fromEnv.configured(Map.of("K", KEY))).isTrue();
        assertThat(fromFile + " " + fromEnv)
                .doesNotContain(KEY.substring(2))
                .contains("key file")
                .contains("K");
    }

    @Test
    void a_keystore_without_its_password_file_names_the_setting(@TempDir Path dir) {
        KeySource source = new KeySource(
                Optional.of(dir.resolve("UTC--x")), Optional.empty(), Optional.empty(), "K", "clearinghouse.x");

        assertThatThrownBy(() -> source.load(Map.of())).hasMessageContaining("clearinghouse.x.keystore-password-file");
    }
}

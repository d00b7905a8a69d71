package io.livepeer.clearinghouse.routes.payouts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepeer.clearinghouse.routes.core.SettingsReader;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PayoutSettingsTest {

    static final String KEY = "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

    @TempDir
    Path dir;

    static PayoutSettings settings(Map<String, String> overrides) throws Exception {
        Properties props = new Properties();
        try (var in = PayoutSettingsTest.class.getClassLoader().getResourceAsStream("application.properties")) {
            props.load(in);
        }
        props.putAll(overrides);
        CamelContext context = new DefaultCamelContext();
        context.getPropertiesComponent().setInitialProperties(props);
        ((org.apache.camel.component.properties.PropertiesComponent) context.getPropertiesComponent())
                .setEnvironmentVariableMode(0);
        return PayoutSettings.from(SettingsReader.of(context));
    }

    @Test
    void the_shipped_defaults_pay_eth_transfers_on_arbitrum_one_and_configure_no_chain_or_key() throws Exception {
        PayoutSettings s = settings(Map.of());
        assertThat(s.thresholdWei()).isEqualTo(BigInteger.TEN.pow(15));
        assertThat(s.strategy()).isEqualTo("eth_transfer");
        assertThat(s.chainId()).isEqualTo(42161);
        assertThat(s.confirmations()).isEqualTo(1);
        assertThat(s.rpcUrl()).isEmpty();
        assertThat(s.stuckAfter()).isEqualTo(Duration.ofMinutes(5));
        assertThat(s.key(Map.of())).isEmpty();
        assertThat(s.engineOptions().bumpPercent()).isEqualTo(12);
    }

    @Test
    void the_key_comes_from_a_file_or_the_named_environment_variable_and_is_never_shown() throws Exception {
        Path file = Files.writeString(dir.resolve("key"), KEY);
        PayoutSettings fromFile = settings(Map.of("clearinghouse.payouts.key-file", file.toString()));
        assertThat(fromFile.key(Map.of()).orElseThrow().address())
                .isEqualTo("0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
        assertThat(settings(Map.of())
                        .key(Map.of("PAYOUT_PRIVATE_KEY", KEY))
                        .orElseThrow()
                        .toString())
                .contains("PAYOUT_PRIVATE_KEY")
                .doesNotContain(KEY);
        assertThat(fromFile.toString()).doesNotContain(KEY);
    }

    @Test
    void livepeer_ticket_is_a_strategy_with_a_batch_size_of_twenty_by_default() throws Exception {
        PayoutSettings tickets = settings(Map.of("clearinghouse.payouts.strategy", "livepeer_ticket"));
        assertThat(tickets.strategy()).isEqualTo("livepeer_ticket");
        assertThat(tickets.ticketBatchMax()).isEqualTo(20);
    }

    @Test
    void bad_values_are_refused_naming_the_key() {
        assertThatThrownBy(() -> settings(Map.of("clearinghouse.payouts.threshold-wei", "0.001")))
                .hasMessageContaining("clearinghouse.payouts.threshold-wei");
        assertThatThrownBy(() -> settings(Map.of("clearinghouse.payouts.fee-bump-percent", "5")))
                .hasMessageContaining("clearinghouse.payouts.fee-bump-percent");
        assertThatThrownBy(() -> settings(Map.of("clearinghouse.payouts.strategy", "ticket")))
                .hasMessageContaining("clearinghouse.payouts.strategy");
        assertThatThrownBy(() -> settings(Map.of("clearinghouse.payouts.ticket-batch-max", "0")))
                .hasMessageContaining("clearinghouse.payouts.ticket-batch-max");
        assertThatThrownBy(() -> settings(Map.of("clearinghouse.payouts.rpc-url", "ftp://node")))
                .hasMessageContaining("clearinghouse.payouts.rpc-url");
    }
}

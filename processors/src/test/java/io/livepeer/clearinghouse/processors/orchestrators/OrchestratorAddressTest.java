package io.livepeer.clearinghouse.processors.orchestrators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class OrchestratorAddressTest {

    // EIP-55's own test vectors
    static final String[] VECTORS = {
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"
    };

    @Test
    void checksummed_addresses_pass_unchanged_and_single_case_ones_are_checksummed() {
        for (String v : VECTORS) {
            assertThat(OrchestratorAddress.checksummed(v)).isEqualTo(v);
            assertThat(OrchestratorAddress.checksummed(v.toLowerCase())).isEqualTo(v);
            assertThat(OrchestratorAddress.checksummed("0x" + v.substring(2).toUpperCase()))
                    .isEqualTo(v);
        }
    }

    @Test
    void a_mixed_case_typo_or_a_malformed_address_is_refused() {
        assertThatThrownBy(() -> OrchestratorAddress.checksummed("0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"))
                .hasMessageContaining("EIP-55");
        assertThatThrownBy(() -> OrchestratorAddress.checksummed("0x123")).hasMessageContaining("40 hex digits");
        assertThatThrownBy(() -> OrchestratorAddress.checksummed("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"))
                .hasMessageContaining("0x");
        assertThatThrownBy(() -> OrchestratorAddress.checksummed(null)).hasMessageContaining("required");
    }
}

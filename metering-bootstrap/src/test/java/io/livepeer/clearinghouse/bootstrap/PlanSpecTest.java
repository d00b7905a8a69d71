package io.livepeer.clearinghouse.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Plan content as the bootstrap compares it (problem details and the URL rule are tested in the openmeter module). */
class PlanSpecTest {

    @Test
    void amounts_compare_as_numbers_not_as_text() {
        assertThat(PlanSpec.decimal("0.0000010")).isEqualTo("0.000001");
        assertThat(PlanSpec.decimal("0.0000001")).isEqualTo("0.0000001");
        assertThat(PlanSpec.decimal("100")).isEqualTo("100");
        assertThat(PlanSpec.decimal("1E+2")).isEqualTo("100");
        assertThat(PlanSpec.decimal("0.00")).isEqualTo("0");
    }
}

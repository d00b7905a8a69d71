package io.livepeer.clearinghouse.processors;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.processors.identity.Identity;
import io.livepeer.clearinghouse.processors.identity.IdentityResolver;
import org.junit.jupiter.api.Test;

class IdentityResolverTest {

    @Test
    void an_m2m_auth_id_is_the_subject_and_splits_at_the_first_colon() {
        Identity id = IdentityResolver.resolve("demo-client:demo-user", null, null, null)
                .orElseThrow();
        assertThat(id.subject()).isEqualTo("demo-client:demo-user");
        assertThat(id.clientId()).isEqualTo("demo-client");
        assertThat(id.usageSubject()).isEqualTo("demo-user");
        assertThat(id.usageSubjectType()).isEqualTo("external_user_id");
        assertThat(id.owner()).isFalse();

        Identity nested = IdentityResolver.resolve("a:b:c", null, null, null).orElseThrow();
        assertThat(nested.clientId()).isEqualTo("a");
        assertThat(nested.usageSubject()).isEqualTo("b:c");
        assertThat(nested.subject()).isEqualTo("a:b:c");
    }

    @Test
    void an_owner_auth_id_bills_the_bare_owner_id_as_app_owner() {
        Identity id = IdentityResolver.resolve(
                        "app_abc:owner:2e51154b-d296-4015-990c-02d5f16ecf1e", null, null, "oidc_user")
                .orElseThrow();
        assertThat(id.subject()).isEqualTo("2e51154b-d296-4015-990c-02d5f16ecf1e");
        assertThat(id.usageSubjectType()).isEqualTo("app_owner");
        assertThat(id.clientId()).isEqualTo("app_abc");
        assertThat(id.owner()).isTrue();
    }

    @Test
    void an_owner_id_with_spaces_is_trimmed() {
        assertThat(IdentityResolver.resolve("  app_abc:owner:  user-42  ", null, null, null)
                        .orElseThrow()
                        .subject())
                .isEqualTo("user-42");
    }

    @Test
    void an_empty_owner_id_is_not_billable() {
        assertThat(IdentityResolver.resolve("app_x:owner:", null, null, null)).isEmpty();
        assertThat(IdentityResolver.resolve("app_x:owner:   ", null, null, null))
                .isEmpty();
    }

    @Test
    void the_event_usage_subject_type_passes_through_for_non_owners() {
        assertThat(IdentityResolver.resolve("c:u", null, null, " oidc_user ")
                        .orElseThrow()
                        .usageSubjectType())
                .isEqualTo("oidc_user");
    }

    @Test
    void client_id_and_usage_subject_stand_in_for_an_empty_auth_id() {
        Identity id = IdentityResolver.resolve("  ", "acme", "alice", null).orElseThrow();
        assertThat(id.authId()).isEqualTo("acme:alice");
        assertThat(id.subject()).isEqualTo("acme:alice");
        assertThat(IdentityResolver.resolve("", "acme", null, null)).isEmpty();
        assertThat(IdentityResolver.resolve(null, null, null, null)).isEmpty();
    }

    @Test
    void a_colon_at_either_end_does_not_make_an_auth_id_compound() {
        Identity leading =
                IdentityResolver.resolve(":owner:x", null, null, null).orElseThrow();
        assertThat(leading.owner()).isFalse();
        assertThat(leading.subject()).isEqualTo(":owner:x");
        assertThat(leading.clientId()).isEqualTo(":owner:x");
        Identity trailing =
                IdentityResolver.resolve("client:", null, null, null).orElseThrow();
        assertThat(trailing.clientId()).isEqualTo("client:");
        assertThat(trailing.usageSubject()).isEqualTo("client:");
    }
}

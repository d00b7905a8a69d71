package io.livepeer.clearinghouse.bridge;

import io.livepeer.clearinghouse.processors.identity.Identity;
import java.time.Instant;

/**
 * Who a credential belongs to.
 *
 * @param clientId            the application / API client
 * @param usageSubject        the end user (or, for app owners, the owner's user id)
 * @param subjectType         {@code external_user_id}, {@code app_owner}, {@code oidc_user}, ...
 * @param credentialExpiresAt when the credential stops being valid (a JWT's {@code exp}), or null
 * @param maxPrice            price ceiling for this customer, or null
 */
public record Principal(
        String clientId, String usageSubject, String subjectType, Instant credentialExpiresAt, MaxPrice maxPrice) {

    /** Whether this is an app owner (billed by bare user id). */
    public boolean owner() {
        return Identity.APP_OWNER.equals(subjectType);
    }

    /**
     * The {@code auth_id} the signer stamps into every event: {@code <client_id>:<usage_subject>}, or
     * {@code <client_id>:owner:<user id>} for app owners, so that metering's identity rules (DESIGN.md §5) yield the
     * customer key.
     */
    public String authId() {
        return owner() ? clientId + ":owner:" + usageSubject : clientId + ":" + usageSubject;
    }
}

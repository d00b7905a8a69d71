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

    /** @throws IllegalArgumentException with {@link #identityProblem}'s reason */
    public Principal {
        String problem = identityProblem(clientId, usageSubject, subjectType);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    /**
     * Why these values cannot be a principal, or null when they can. The {@code auth_id} is split at its first colon
     * and {@code owner:} after it bills the bare id that follows (DESIGN.md §5), so a client id with a colon, or a
     * subject that starts with {@code owner:} without being an app owner, would bill and gate <em>another</em>
     * customer: an identity injection through a key's fields or a JWT's {@code sub}.
     */
    public static String identityProblem(String clientId, String usageSubject, String subjectType) {
        if (clientId != null && clientId.contains(":")) {
            return "client id must not contain ':' (it separates the client from the subject in auth_id)";
        }
        if (!Identity.APP_OWNER.equals(subjectType)
                && usageSubject != null
                && usageSubject.trim().regionMatches(true, 0, "owner:", 0, 6)) {
            return "a usage subject starting with 'owner:' is reserved for app owners (subject type app_owner):"
                    + " it would bill another customer";
        }
        return null;
    }

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

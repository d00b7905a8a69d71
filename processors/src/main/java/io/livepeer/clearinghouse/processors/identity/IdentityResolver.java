package io.livepeer.clearinghouse.processors.identity;

import java.util.Optional;

/**
 * Resolves the billing identity of a signed ticket (DESIGN.md §5).
 *
 * <ol>
 *   <li>{@code auth_id} trimmed; if empty and both {@code client_id} and {@code usage_subject} are present,
 *       {@code auth_id = client_id + ":" + usage_subject}.</li>
 *   <li>Split at the <b>first</b> colon; compound only when that colon is neither first nor last.</li>
 *   <li>Owner form: compound and the rest starts with {@code owner:} → subject is the trimmed id after
 *       {@code owner:}, type {@code app_owner}. An empty owner id is not billable.</li>
 *   <li>Otherwise subject = the full {@code auth_id}, type = the event's {@code usage_subject_type} or
 *       {@code external_user_id}.</li>
 * </ol>
 */
public final class IdentityResolver {

    private static final String OWNER_PREFIX = "owner:";

    private IdentityResolver() {}

    /**
     * @param authId           {@code data.auth_id}, may be null
     * @param clientId         {@code data.client_id}, may be null
     * @param usageSubject     {@code data.usage_subject}, may be null
     * @param usageSubjectType {@code data.usage_subject_type}, may be null
     * @return the identity, or empty when the event cannot be attributed to anyone (not billable)
     */
    public static Optional<Identity> resolve(
            String authId, String clientId, String usageSubject, String usageSubjectType) {
        String id = trim(authId);
        if (id.isEmpty()) {
            String client = trim(clientId);
            String subject = trim(usageSubject);
            if (client.isEmpty() || subject.isEmpty()) {
                return Optional.empty();
            }
            id = client + ":" + subject;
        }
        int colon = id.indexOf(':');
        boolean compound = colon > 0 && colon < id.length() - 1;
        String client = compound ? id.substring(0, colon) : id;
        String rest = compound ? id.substring(colon + 1) : id;
        if (compound && rest.startsWith(OWNER_PREFIX)) {
            String ownerId = rest.substring(OWNER_PREFIX.length()).trim();
            if (ownerId.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new Identity(id, client, rest, Identity.APP_OWNER, ownerId, true));
        }
        String type = trim(usageSubjectType);
        return Optional.of(
                new Identity(id, client, rest, type.isEmpty() ? Identity.EXTERNAL_USER_ID : type, id, false));
    }

    private static String trim(String value) {
        return value == null ? "" : value.trim();
    }
}

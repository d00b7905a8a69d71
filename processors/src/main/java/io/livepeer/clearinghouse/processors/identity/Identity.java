package io.livepeer.clearinghouse.processors.identity;

/**
 * Who a signed ticket is billed to (DESIGN.md §5, the identity contract of livepeer/clearinghouse).
 *
 * @param authId           the trimmed {@code auth_id} (or {@code client_id:usage_subject} when it was empty)
 * @param clientId         text before the first colon of a compound {@code auth_id}, else the whole {@code auth_id}
 * @param usageSubject     text after the first colon of a compound {@code auth_id}, else the whole {@code auth_id}
 * @param usageSubjectType {@code app_owner} for owners, else the event's value, else {@code external_user_id}
 * @param subject          the CloudEvent subject, equal to the OpenMeter/Konnect <b>customer key</b>: the bare owner
 *                         id for owners, else the full {@code auth_id}
 * @param owner            whether the {@code <client>:owner:<id>} form matched
 */
public record Identity(
        String authId, String clientId, String usageSubject, String usageSubjectType, String subject, boolean owner) {

    /** {@code usage_subject_type} of an app owner. */
    public static final String APP_OWNER = "app_owner";
    /** Default {@code usage_subject_type}. */
    public static final String EXTERNAL_USER_ID = "external_user_id";
}

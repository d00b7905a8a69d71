package io.livepeer.clearinghouse.bootstrap;

import io.livepeer.clearinghouse.openmeter.ApiProblem;
import io.livepeer.clearinghouse.openmeter.Dialect;
import io.livepeer.clearinghouse.openmeter.OpenMeterClient;
import io.livepeer.clearinghouse.processors.catalog.Catalog;
import java.util.List;
import java.util.Optional;

/**
 * The OpenMeter operations the bootstrap needs, in one shape for both dialects ({@link V1Api}: self-hosted
 * {@code /api/v1}; {@link V3Api}: Konnect and OpenMeter {@code /v3/openmeter}), over the {@code openmeter} module's
 * {@link OpenMeterClient}. Specs: {@code ../shared/contracts}
 * {@code openmeter-openapi.yaml} and {@code openmeter-openapi-v3.yaml}. Creates answered 409 ("exists") are
 * resolved by re-reading the object. Every method throws {@link ApiProblem} on an error answer.
 */
public interface OpenMeterApi {

    /**
     * The API of the client's dialect ({@link V1Api} or {@link V3Api}); nothing is sent yet.
     *
     * @param client a client of the resolved endpoint
     */
    static OpenMeterApi of(OpenMeterClient client) {
        return client.dialect() == Dialect.V3 ? new V3Api(client) : new V1Api(client);
    }

    /** The dialect spoken. */
    Dialect dialect();

    /** Meters that are not deleted. */
    List<Remote.Meter> meters();

    /** Creates a meter (marked as managed); on 409 returns the existing one. */
    Remote.Meter createMeter(Catalog.Meter meter);

    /** Updates a meter's mutable fields (name, description, dimensions) and marks it managed. */
    Remote.Meter updateMeter(Remote.Meter current, Catalog.Meter desired);

    /** Deletes (soft-deletes) a meter. */
    void deleteMeter(Remote.Meter meter);

    /** Features that are not archived; call after {@link #meters()} (v3 resolves meter ids to keys). */
    List<Remote.Feature> features();

    /** Creates a feature on a meter (marked as managed); on 409 returns the existing one. */
    Remote.Feature createFeature(Catalog.Feature feature, Remote.Meter meter);

    /** Archives a feature. */
    void archiveFeature(Remote.Feature feature);

    /** Every version of every plan that is not deleted; call after {@link #features()}. */
    List<Remote.Plan> plans();

    /** Creates a draft: version 1 of a new key, or the next version of an existing key (no draft may exist). */
    Remote.Plan createDraft(String key, PlanSpec spec);

    /** Whether {@link #updateDraft} can turn this draft into {@code spec} (some fields are immutable). */
    boolean canUpdateDraft(Remote.Plan draft, PlanSpec spec);

    /** Replaces a draft's content. */
    Remote.Plan updateDraft(Remote.Plan draft, PlanSpec spec);

    /** Starts a new draft version from the active one, with this content. */
    Remote.Plan nextDraft(Remote.Plan active, PlanSpec spec);

    /** Publishes a draft: it becomes the active version and the previous active version is archived. */
    Remote.Plan publish(Remote.Plan draft);

    /** Deletes a draft. */
    void deleteDraft(Remote.Plan draft);

    /** Archives the active version of a plan. */
    Remote.Plan archive(Remote.Plan active);

    /** The customer with exactly this key. */
    Optional<Remote.Customer> customer(String key);

    /** Creates a customer whose key (and usage attribution subject) is {@code key}; on 409 returns the existing one. */
    Remote.Customer createCustomer(String key, String name, String email);

    /** The customer's subscriptions. */
    List<Remote.Subscription> subscriptions(Remote.Customer customer);

    /** Subscribes the customer to the active version of a plan, starting now. */
    Remote.Subscription subscribe(Remote.Customer customer, String planKey);
}

package io.livepeer.clearinghouse.bootstrap;

import io.livepeer.clearinghouse.openmeter.ApiProblem;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Ensures that each customer exists in OpenMeter, keyed by its metering subject (DESIGN.md §5: the CloudEvent
 * {@code subject} equals the customer key, which attributes usage automatically), and is subscribed to a plan.
 * A customer already subscribed to another plan is left alone and reported. One customer's failure does not stop
 * the others.
 */
public final class CustomerSync {

    /** Subscription states that count as subscribed. */
    static final Set<String> LIVE = Set.of("active", "scheduled");

    /**
     * A customer to provision.
     *
     * @param key   customer key = metering subject (e.g. {@code acme:alice})
     * @param name  display name, the key when null
     * @param email primary email, may be null
     */
    public record Customer(String key, String name, String email) {}

    /** What happened to one customer. */
    public enum Outcome {
        CREATED_AND_SUBSCRIBED,
        SUBSCRIBED,
        IN_SYNC,
        OTHER_PLAN,
        FAILED
    }

    /**
     * @param key     customer key
     * @param outcome what happened
     * @param detail  readable detail (the other plan, the error), may be empty
     */
    public record Result(String key, Outcome outcome, String detail) {}

    private final OpenMeterApi api;
    private final Consumer<String> progress;

    public CustomerSync(OpenMeterApi api, Consumer<String> progress) {
        this.api = api;
        this.progress = progress;
    }

    /**
     * @param customers who
     * @param planKey   the plan to subscribe them to (the catalog's {@code default_plan})
     * @return one result per customer, in input order
     */
    public List<Result> sync(List<Customer> customers, String planKey) {
        List<Result> results = new ArrayList<>();
        for (Customer c : customers) {
            Result r;
            try {
                r = one(c, planKey);
            } catch (ApiProblem e) {
                r = new Result(c.key(), Outcome.FAILED, e.getMessage());
            }
            progress.accept(String.format(
                    "  %-24s %s%s",
                    r.outcome().name().toLowerCase().replace('_', ' '),
                    r.key(),
                    r.detail().isEmpty() ? "" : "  (" + r.detail() + ")"));
            results.add(r);
        }
        return results;
    }

    private Result one(Customer c, String planKey) {
        Optional<Remote.Customer> existing = api.customer(c.key());
        Remote.Customer customer = existing.orElseGet(() -> api.createCustomer(c.key(), c.name(), c.email()));
        List<Remote.Subscription> live = api.subscriptions(customer).stream()
                .filter(s -> LIVE.contains(s.status()))
                .toList();
        if (live.stream().anyMatch(s -> planKey.equals(s.planKey()))) {
            return new Result(c.key(), Outcome.IN_SYNC, "");
        }
        if (!live.isEmpty()) {
            return new Result(
                    c.key(),
                    Outcome.OTHER_PLAN,
                    "subscribed to "
                            + live.stream()
                                    .map(s -> s.planKey() == null ? "a custom plan" : s.planKey())
                                    .distinct()
                                    .toList()
                            + ", left alone");
        }
        api.subscribe(customer, planKey);
        return new Result(c.key(), existing.isPresent() ? Outcome.SUBSCRIBED : Outcome.CREATED_AND_SUBSCRIBED, "");
    }
}

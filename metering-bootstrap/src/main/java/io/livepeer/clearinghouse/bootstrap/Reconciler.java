package io.livepeer.clearinghouse.bootstrap;

import io.livepeer.clearinghouse.openmeter.ApiProblem;
import io.livepeer.clearinghouse.openmeter.OpenMeterClient;
import io.livepeer.clearinghouse.processors.catalog.Catalog;
import io.livepeer.clearinghouse.processors.catalog.CatalogValidator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Makes OpenMeter match the catalog: reads the remote meters, features and plans, works out what to create, update,
 * keep or prune, and (for {@link #apply}) does it in dependency order: meters, features, plans, then pruning in
 * reverse. Idempotent by construction: everything is looked up by key first, and a remote that already matches
 * causes no write at all.
 *
 * <ul>
 *   <li>Meters: name, description and dimensions are updated in place; a different event type, aggregation or
 *       value property is a {@link Action#CONFLICT} (OpenMeter cannot change them; nothing is deleted).</li>
 *   <li>Features: created when missing; a different meter or name is a conflict (features cannot be updated).</li>
 *   <li>Plans: compared with the active version; a difference updates the existing draft, or starts the next
 *       version, and publishes it (which archives the previous version). A plan is never blindly POSTed twice.</li>
 *   <li>Pruning ({@code prune}): only objects carrying the ownership marker ({@link Remote#MANAGED_BY_KEY}) and
 *       absent from the catalog: plans archived, features archived, meters deleted. Without it they are listed as
 *       {@link Action#WOULD_PRUNE}.</li>
 * </ul>
 */
public final class Reconciler {

    /** What kind of object. */
    public enum Kind {
        METER,
        FEATURE,
        PLAN
    }

    /** What happens to it. */
    public enum Action {
        CREATE,
        UPDATE,
        KEEP,
        PRUNE,
        WOULD_PRUNE,
        CONFLICT
    }

    /**
     * One line of the difference.
     *
     * @param kind    meter, feature or plan
     * @param key     its key
     * @param action  what happens
     * @param details what differs or what is done, readable
     */
    public record Change(Kind kind, String key, Action action, List<String> details) {
        public Change {
            details = List.copyOf(details);
        }
    }

    /**
     * The outcome.
     *
     * @param changes one per object, in catalog order then pruned objects
     * @param writes  POST/PUT/DELETE requests made (0 for {@code plan})
     */
    public record Report(List<Change> changes, int writes) {

        /** How many changes have this action. */
        public long count(Action action) {
            return changes.stream().filter(c -> c.action() == action).count();
        }

        /** Whether anything would be (or was) created, updated or pruned. */
        public boolean pending() {
            return count(Action.CREATE) + count(Action.UPDATE) + count(Action.PRUNE) > 0;
        }

        /** Whether the catalog asks for changes OpenMeter cannot make. */
        public boolean conflicts() {
            return count(Action.CONFLICT) > 0;
        }
    }

    private record Step(Change change, Runnable execute) {}

    private final OpenMeterApi api;
    private final Catalog catalog;
    private final Consumer<String> progress;

    /**
     * @param api      the remote
     * @param catalog  a valid catalog (see {@link CatalogValidator})
     * @param progress where each executed step is reported (one line each)
     */
    public Reconciler(OpenMeterApi api, Catalog catalog, Consumer<String> progress) {
        this.api = api;
        this.catalog = catalog;
        this.progress = progress;
    }

    /**
     * Works out the difference without changing anything.
     *
     * @param prune whether objects removed from the catalog would be pruned
     * @throws ApiProblem when OpenMeter cannot be read
     */
    public Report plan(boolean prune) {
        return new Report(steps(prune).stream().map(Step::change).toList(), 0);
    }

    /**
     * Makes the remote match the catalog. Conflicts are reported, not forced; everything else is done.
     *
     * @param prune whether to prune managed objects removed from the catalog
     * @param http  the client, to count the writes made
     * @throws ApiProblem on the first refused write (what was done before it stays done; re-run after fixing)
     */
    public Report apply(boolean prune, OpenMeterClient http) {
        int before = http.writes();
        List<Step> steps = steps(prune);
        for (Step step : steps) {
            if (step.execute() != null) {
                Change c = step.change();
                progress.accept(String.format(
                        "  %-7s %-8s %s",
                        c.action().name().toLowerCase().replace('_', ' '),
                        c.kind().name().toLowerCase(),
                        c.key()));
                step.execute().run();
            }
        }
        return new Report(steps.stream().map(Step::change).toList(), http.writes() - before);
    }

    private List<Step> steps(boolean prune) {
        List<Remote.Meter> remoteMeters = api.meters();
        List<Remote.Feature> remoteFeatures = api.features();
        List<Remote.Plan> remotePlans = api.plans();
        Map<String, Remote.Meter> meters = new HashMap<>();
        remoteMeters.forEach(m -> meters.put(m.key(), m));
        Map<String, Remote.Feature> features = new HashMap<>();
        remoteFeatures.forEach(f -> features.put(f.key(), f));
        Map<String, List<Remote.Plan>> plans = remotePlans.stream()
                .collect(Collectors.groupingBy(Remote.Plan::key, LinkedHashMap::new, Collectors.toList()));

        List<Step> steps = new ArrayList<>();
        for (Catalog.Meter m : catalog.meters()) {
            steps.add(meter(m, meters));
        }
        for (Catalog.Feature f : catalog.features()) {
            steps.add(feature(f, features, meters));
        }
        for (Catalog.Plan p : catalog.plans()) {
            steps.add(plan(p, plans.getOrDefault(p.key(), List.of())));
        }
        Action pruneAction = prune ? Action.PRUNE : Action.WOULD_PRUNE;
        Set<String> catalogPlans =
                catalog.plans().stream().map(Catalog.Plan::key).collect(Collectors.toSet());
        plans.forEach((key, versions) -> {
            if (!catalogPlans.contains(key)) {
                List<Remote.Plan> live = versions.stream()
                        .filter(Remote.Plan::managed)
                        .filter(v -> !v.status().equals("archived"))
                        .toList();
                if (!live.isEmpty()) {
                    List<String> details = live.stream()
                            .map(v -> (v.status().equals("draft") ? "delete" : "archive") + " " + v.status() + " v"
                                    + v.version())
                            .toList();
                    steps.add(new Step(
                            new Change(Kind.PLAN, key, pruneAction, details),
                            !prune
                                    ? null
                                    : () -> {
                                        for (Remote.Plan v : live) {
                                            if (v.status().equals("draft")) {
                                                api.deleteDraft(v);
                                            } else {
                                                api.archive(v);
                                            }
                                        }
                                    }));
                }
            }
        });
        for (Remote.Feature f : remoteFeatures) {
            if (f.managed() && catalog.feature(f.key()).isEmpty()) {
                steps.add(new Step(
                        new Change(Kind.FEATURE, f.key(), pruneAction, List.of("archive")),
                        !prune ? null : () -> api.archiveFeature(f)));
            }
        }
        for (Remote.Meter m : remoteMeters) {
            if (m.managed() && catalog.meter(m.key()).isEmpty()) {
                steps.add(new Step(
                        new Change(Kind.METER, m.key(), pruneAction, List.of("delete")),
                        !prune ? null : () -> api.deleteMeter(m)));
            }
        }
        return steps;
    }

    private Step meter(Catalog.Meter m, Map<String, Remote.Meter> meters) {
        Remote.Meter remote = meters.get(m.key());
        if (remote == null) {
            return new Step(
                    new Change(
                            Kind.METER,
                            m.key(),
                            Action.CREATE,
                            List.of(CatalogValidator.aggregation(m)
                                    + (m.valueProperty() == null ? "" : " of " + m.valueProperty()) + " on "
                                    + m.eventType())),
                    () -> meters.put(m.key(), api.createMeter(m)));
        }
        List<String> immutable = new ArrayList<>();
        diff(immutable, "event type", remote.eventType(), m.eventType());
        diff(immutable, "aggregation", remote.aggregation(), CatalogValidator.aggregation(m));
        diff(immutable, "value property", blank(remote.valueProperty()), blank(m.valueProperty()));
        if (!immutable.isEmpty()) {
            immutable.add("OpenMeter cannot change these: give the meter a new key in the catalog, or delete this "
                    + "meter in OpenMeter first (its usage history goes with it)");
            return new Step(new Change(Kind.METER, m.key(), Action.CONFLICT, immutable), null);
        }
        List<String> mutable = new ArrayList<>();
        diff(mutable, "name", remote.name(), m.name() == null ? m.key() : m.name());
        diff(mutable, "description", blank(remote.description()), blank(m.description()));
        if (!remote.dimensions().equals(m.dimensions())) {
            mutable.add("dimensions: " + remote.dimensions().keySet() + " → "
                    + m.dimensions().keySet());
        }
        if (!remote.managed()) {
            mutable.add("mark as managed by the bootstrap");
        }
        if (mutable.isEmpty()) {
            return new Step(new Change(Kind.METER, m.key(), Action.KEEP, List.of()), null);
        }
        return new Step(
                new Change(Kind.METER, m.key(), Action.UPDATE, mutable),
                () -> meters.put(m.key(), api.updateMeter(remote, m)));
    }

    private Step feature(Catalog.Feature f, Map<String, Remote.Feature> features, Map<String, Remote.Meter> meters) {
        Remote.Feature remote = features.get(f.key());
        if (remote == null) {
            return new Step(new Change(Kind.FEATURE, f.key(), Action.CREATE, List.of("on meter " + f.meter())), () -> {
                Remote.Meter meter = Optional.ofNullable(meters.get(f.meter()))
                        .orElseThrow(() -> new IllegalStateException(
                                "meter " + f.meter() + " of feature " + f.key() + " is missing"));
                features.put(f.key(), api.createFeature(f, meter));
            });
        }
        List<String> differences = new ArrayList<>();
        diff(differences, "meter", remote.meterKey(), f.meter());
        diff(differences, "name", remote.name(), f.name() == null ? f.key() : f.name());
        if (!differences.isEmpty()) {
            differences.add("OpenMeter cannot update a feature: give it a new key in the catalog (and its rate cards), "
                    + "or archive this feature in OpenMeter first");
            return new Step(new Change(Kind.FEATURE, f.key(), Action.CONFLICT, differences), null);
        }
        return new Step(
                new Change(
                        Kind.FEATURE,
                        f.key(),
                        Action.KEEP,
                        remote.managed()
                                ? List.of()
                                : List.of("created outside the bootstrap (no marker): --prune will never remove it")),
                null);
    }

    private Step plan(Catalog.Plan p, List<Remote.Plan> versions) {
        PlanSpec desired = PlanSpec.of(p);
        Optional<Remote.Plan> draft =
                versions.stream().filter(v -> v.status().equals("draft")).findFirst();
        Optional<Remote.Plan> active = versions.stream()
                .filter(v -> v.status().equals("active"))
                .max((a, b) -> Integer.compare(a.version(), b.version()));
        if (active.isPresent() && active.get().spec().equals(desired)) {
            return new Step(
                    new Change(
                            Kind.PLAN,
                            p.key(),
                            Action.KEEP,
                            draft.map(d -> List.of("a draft v" + d.version() + " exists and is left alone"))
                                    .orElse(List.of())),
                    null);
        }
        if (draft.isPresent()) {
            Remote.Plan d = draft.get();
            List<String> details =
                    new ArrayList<>(desired.differences(active.orElse(d).spec()));
            if (api.canUpdateDraft(d, desired)) {
                details.add(0, "update draft v" + d.version() + " and publish it");
                return new Step(new Change(Kind.PLAN, p.key(), Action.UPDATE, details), () -> {
                    Remote.Plan updated = d.spec().equals(desired) ? d : api.updateDraft(d, desired);
                    api.publish(updated);
                });
            }
            details.add(0, "replace draft v" + d.version() + " (its currency or cadence cannot change) and publish");
            return new Step(new Change(Kind.PLAN, p.key(), Action.UPDATE, details), () -> {
                api.deleteDraft(d);
                api.publish(api.createDraft(p.key(), desired));
            });
        }
        if (active.isPresent()) {
            Remote.Plan a = active.get();
            List<String> details = new ArrayList<>(desired.differences(a.spec()));
            details.add(0, "new version v" + (a.version() + 1) + " replacing active v" + a.version() + ", published");
            return new Step(
                    new Change(Kind.PLAN, p.key(), Action.UPDATE, details),
                    () -> api.publish(
                            api.canUpdateDraft(a, desired)
                                    ? api.nextDraft(a, desired)
                                    : api.createDraft(p.key(), desired)));
        }
        return new Step(
                new Change(
                        Kind.PLAN,
                        p.key(),
                        Action.CREATE,
                        List.of("create and publish " + p.currency() + " every " + p.billingCadence())),
                () -> api.publish(api.createDraft(p.key(), desired)));
    }

    private static void diff(List<String> out, String what, String remote, String desired) {
        if (!Objects.equals(remote, desired)) {
            out.add(what + ": " + (remote == null ? "(none)" : "'" + remote + "'") + " → "
                    + (desired == null ? "(none)" : "'" + desired + "'"));
        }
    }

    private static String blank(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}

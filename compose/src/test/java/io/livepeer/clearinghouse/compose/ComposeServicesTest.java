package io.livepeer.clearinghouse.compose;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The rules every service of {@code compose.yaml} follows: a healthcheck (or it is a one-shot that others wait
 * for), profiles that start it with whatever depends on it, start order by health, pinned images and ports that
 * stay on loopback unless the operator says otherwise.
 */
class ComposeServicesTest {

    private static final Set<String> EXPECTED_SERVICES =
            Set.of("postgres", "redpanda", "redpanda-init", "clearinghouse", "remote-signer", "prometheus", "grafana");

    /** {@code name:tag} or {@code name@sha256:…}, optionally behind {@code ${VAR:-…}}. */
    private static final Pattern IMAGE_DEFAULT = Pattern.compile("^\\$\\{[A-Z0-9_]+:-(?<image>[^}]+)}$");

    private static Map<String, JsonNode> services(JsonNode compose) {
        Map<String, JsonNode> services = new LinkedHashMap<>();
        compose.path("services").properties().forEach(e -> services.put(e.getKey(), e.getValue()));
        return services;
    }

    private static Map<String, String> dependencies(JsonNode service) {
        Map<String, String> conditions = new LinkedHashMap<>();
        JsonNode dependsOn = service.path("depends_on");
        if (dependsOn.isArray()) {
            dependsOn.values().forEach(d -> conditions.put(d.asString(), "service_started"));
        } else {
            dependsOn
                    .properties()
                    .forEach(e -> conditions.put(
                            e.getKey(), e.getValue().path("condition").asString("service_started")));
        }
        return conditions;
    }

    /** One-shot: no healthcheck, never restarted, and some service waits for it to complete. */
    private static boolean isOneShot(String name, Map<String, JsonNode> services) {
        JsonNode service = services.get(name);
        return !ComposeProject.hasHealthcheck(service)
                && "no".equals(service.path("restart").asString())
                && services.values().stream()
                        .anyMatch(s -> "service_completed_successfully"
                                .equals(dependencies(s).get(name)));
    }

    @Test
    void theStackHasEveryPartOfTheReferenceStack() {
        assertThat(services(ComposeProject.compose()).keySet()).containsExactlyInAnyOrderElementsOf(EXPECTED_SERVICES);
    }

    @Test
    void everyServiceHasAHealthcheckOrIsAOneShotOthersWaitFor() {
        Map<String, JsonNode> services = services(ComposeProject.compose());

        assertThat(services.keySet())
                .allSatisfy(name -> assertThat(
                                ComposeProject.hasHealthcheck(services.get(name)) || isOneShot(name, services))
                        .as("%s has a healthcheck or is a one-shot awaited with service_completed_successfully", name)
                        .isTrue());
        assertThat(services.keySet())
                .filteredOn(name -> isOneShot(name, services))
                .containsExactly("redpanda-init");
    }

    @Test
    void healthcheckTimingsAreDurationsComposeReads() {
        // the schema leaves `format: duration` unchecked, so a typo would only surface at `docker compose up`
        services(ComposeProject.compose())
                .forEach((name, service) -> service.path("healthcheck").properties().stream()
                        .filter(e ->
                                List.of("interval", "timeout", "start_period").contains(e.getKey()))
                        .forEach(e -> assertThat(e.getValue().asString())
                                .as("healthcheck %s of %s", e.getKey(), name)
                                .matches("(\\d+(us|ms|s|m|h))+")));
    }

    @Test
    void everyServiceIsInAProfileAndInProfileAll() {
        services(ComposeProject.compose())
                .forEach((name, service) -> assertThat(ComposeProject.profiles(service))
                        .as("profiles of %s", name)
                        .contains("all")
                        .hasSizeGreaterThan(1));
    }

    @Test
    void aServiceIsInEveryProfileOfTheServicesThatDependOnIt() {
        Map<String, JsonNode> services = services(ComposeProject.compose());

        services.forEach((name, service) -> dependencies(service)
                .keySet()
                .forEach(dependency -> assertThat(ComposeProject.profiles(services.get(dependency)))
                        .as("profiles of %s, which %s depends on", dependency, name)
                        .containsAll(ComposeProject.profiles(service))));
    }

    @Test
    void servicesWaitForTheHealthOrCompletionOfWhatTheyDependOn() {
        Map<String, JsonNode> services = services(ComposeProject.compose());

        services.forEach((name, service) -> dependencies(service).forEach((dependency, condition) -> {
            assertThat(services)
                    .as("%s depends on a service of this file", name)
                    .containsKey(dependency);
            if (isOneShot(dependency, services)) {
                assertThat(condition)
                        .as("%s waits for %s", name, dependency)
                        .isEqualTo("service_completed_successfully");
            } else {
                assertThat(condition).as("%s waits for %s", name, dependency).isEqualTo("service_healthy");
                assertThat(ComposeProject.hasHealthcheck(services.get(dependency)))
                        .as("%s has the healthcheck %s waits for", dependency, name)
                        .isTrue();
            }
        }));
        assertThat(dependencies(services.get("clearinghouse")))
                .containsEntry("postgres", "service_healthy")
                .containsEntry("redpanda-init", "service_completed_successfully");
        assertThat(dependencies(services.get("remote-signer"))).containsEntry("clearinghouse", "service_healthy");
        assertThat(dependencies(services.get("redpanda-init"))).containsEntry("redpanda", "service_healthy");
        assertThat(dependencies(services.get("grafana"))).containsEntry("prometheus", "service_healthy");
    }

    @Test
    void imagesArePinnedToAVersion() {
        services(ComposeProject.compose()).forEach((name, service) -> {
            if (service.has("build")) {
                return; // built from this repository (compose/Dockerfile), whose base images are pinned
            }
            String image = service.path("image").asString();
            var defaulted = IMAGE_DEFAULT.matcher(image);
            String effective = defaulted.matches() ? defaulted.group("image") : image;
            assertThat(effective)
                    .as("image of %s", name)
                    .matches("[a-z0-9./_-]+(:[A-Za-z0-9._-]+|@sha256:[0-9a-f]{64})")
                    .doesNotEndWith(":latest")
                    .doesNotEndWith(":main")
                    .doesNotEndWith(":master")
                    .doesNotEndWith(":stable");
        });
    }

    @Test
    void publishedPortsListenOnLoopbackUnlessTheOperatorChoosesAnAddress() {
        services(ComposeProject.compose())
                .forEach((name, service) -> service.path("ports")
                        .values()
                        .forEach(port -> assertThat(port.asString())
                                .as("published port of %s", name)
                                .matches("^\\$\\{(PUBLISH_ADDR|SIGNER_PUBLISH_ADDR):-127\\.0\\.0\\.1}:.+:\\d+$")));
    }

    @Test
    void theSignerCallsTheClearinghouseWebhookWithTheSharedSecretAndPublishesToTheMeteredTopic() {
        List<String> flags = services(ComposeProject.compose()).get("remote-signer").path("command").values().stream()
                .map(JsonNode::asString)
                .toList();

        assertThat(flags)
                .contains(
                        "-remoteSigner",
                        "-monitor",
                        "-kafkaBootstrapServers=redpanda:9092",
                        "-kafkaGatewayTopic=${KAFKA_GATEWAY_TOPIC:-livepeer-gateway-events}",
                        "-remoteSignerWebhookUrl=http://clearinghouse:8080/authorize")
                .anySatisfy(f ->
                        assertThat(f).startsWith("-remoteSignerWebhookHeaders=Authorization:Bearer ${WEBHOOK_SECRET"));
        JsonNode clearinghouse = services(ComposeProject.compose()).get("clearinghouse");
        assertThat(clearinghouse.path("environment").path("KAFKA_GATEWAY_TOPIC").asString())
                .isEqualTo("${KAFKA_GATEWAY_TOPIC:-livepeer-gateway-events}");
        assertThat(clearinghouse.path("environment").path("WEBHOOK_SECRET").asString())
                .startsWith("${WEBHOOK_SECRET");
    }

    /**
     * The billing-completeness settings (issue 10) reach the container, each with the application's own default (read
     * from routes' application.properties, so the stack and the jar never disagree).
     */
    @Test
    void theCompletenessOperationsAndSpendSettingsArePassedThroughWithTheApplicationsDefaults() {
        Map<String, String> appDefaults = new LinkedHashMap<>();
        java.util.regex.Matcher m = Pattern.compile("\\{\\{env:([A-Z0-9_]+):([^}]*)}}")
                .matcher(ComposeProject.read(
                        ComposeProject.dir().resolve("../routes/src/main/resources/application.properties")));
        while (m.find()) {
            appDefaults.put(m.group(1), m.group(2));
        }
        List<String> names = new java.util.ArrayList<>(
                List.of("METERING_USD_SOURCE", "PRICE_AUDIT_TOLERANCE", "METERING_TRACK_SEQUENCES"));
        appDefaults.keySet().stream().filter(n -> n.startsWith("RECONCILE_")).forEach(names::add);
        // the operations half's main settings (orchestrators, payouts, escrow, spend control)
        names.addAll(List.of(
                "ORCHESTRATOR_HEALTH_POLL_INTERVAL",
                "PAYMENTS_SESSION_CREDIT_ETH_PER_MINUTE",
                "PAYMENTS_AUTOSLEEP_ENABLED",
                "ETH_CHAIN_ID",
                "PAYMENTS_STRATEGY",
                "PAYMENT_PAYOUT_THRESHOLD_WEI",
                "PAYOUT_CONFIRMATIONS",
                "PAYOUT_MAX_FEE_PER_GAS_WEI",
                "PAYOUTS_UNATTENDED",
                "PAYOUTS_TICKET_BATCH_MAX",
                "TICKET_BROKER_ADDRESS",
                "PAYOUT_KEYSTORE_PATH",
                "PAYOUT_PRIVATE_KEY_FILE",
                "SPEND_RESERVATIONS",
                "SPEND_DEFAULT_OVERDRAFT_USD_MICROS",
                "SPEND_METERING_LAG_POLICY",
                "SPEND_ALERTS_WEBHOOK_URL",
                "ESCROW_SIGNERS",
                "ESCROW_FUNDING_DRY_RUN",
                "ESCROW_TOPUP_ENABLED",
                "ESCROW_AUTOFUND_ENABLED"));
        JsonNode environment =
                services(ComposeProject.compose()).get("clearinghouse").path("environment");

        assertThat(names).contains("RECONCILE_ENABLED", "RECONCILE_TOLERANCE");
        assertThat(names)
                .allSatisfy(name -> assertThat(environment.path(name).asString())
                        .as("clearinghouse environment %s", name)
                        .isEqualTo("${" + name + ":-" + appDefaults.get(name) + "}"));
    }

    @Test
    void theClearinghouseIsHealthyOnlyWhenReady() {
        JsonNode test = services(ComposeProject.compose())
                .get("clearinghouse")
                .path("healthcheck")
                .path("test");

        assertThat(test.toString()).contains("http://127.0.0.1:9876/observe/health/ready");
    }

    @Test
    void everyBindMountedConfigFileOfTheRepositoryExists() {
        // a mount of a missing path makes Docker create an empty directory: Prometheus would start without rules
        List<String> missing = new java.util.ArrayList<>();
        int checked = 0;
        for (var service : services(ComposeProject.compose()).entrySet()) {
            for (JsonNode volume : service.getValue().path("volumes")) {
                String source = volume.isTextual()
                        ? volume.asString().split(":")[0]
                        : volume.path("source").asString();
                if (source.startsWith("./")) {
                    checked++;
                    if (!java.nio.file.Files.exists(ComposeProject.dir().resolve(source))) {
                        missing.add(service.getKey() + ": " + source);
                    }
                }
            }
        }
        assertThat(checked).isGreaterThanOrEqualTo(4);
        assertThat(missing).isEmpty();
    }
}

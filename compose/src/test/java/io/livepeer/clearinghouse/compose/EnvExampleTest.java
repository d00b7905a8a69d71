package io.livepeer.clearinghouse.compose;

import static org.assertj.core.api.Assertions.assertThat;

import io.livepeer.clearinghouse.compose.ComposeProject.Assignment;
import io.livepeer.clearinghouse.compose.ComposeProject.Reference;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code .env.example} documents exactly the variables {@code compose.yaml} reads, and holds no secret. */
class EnvExampleTest {

    /** Names whose values are secrets: they stay empty in the example (a {@code _FILE} names a file, not a secret). */
    private static final Pattern SECRET_NAME = Pattern.compile(".*(SECRET|TOKEN|PASSWORD|API_KEY)$");

    @Test
    void everyVariableComposeReadsIsAssignedInEnvExampleUnderAComment() {
        Map<String, Assignment> documented = ComposeProject.envExample();

        assertThat(ComposeProject.referencedNames(ComposeProject.composeText()))
                .isNotEmpty()
                .allSatisfy(name -> {
                    assertThat(documented).as(".env.example assigns %s", name).containsKey(name);
                    assertThat(documented.get(name).comment())
                            .as("the comment right above %s in .env.example", name)
                            .anySatisfy(line -> assertThat(line).isNotBlank());
                });
    }

    @Test
    void everyVariableOfEnvExampleIsReadByCompose() {
        Set<String> referenced = ComposeProject.referencedNames(ComposeProject.composeText());

        assertThat(ComposeProject.envExample().keySet())
                .as("variables of .env.example that compose.yaml never reads (stale documentation)")
                .allSatisfy(name -> assertThat(referenced).contains(name));
    }

    @Test
    void exampleValuesAgreeWithTheDefaultsOfCompose() {
        Map<String, Assignment> documented = ComposeProject.envExample();
        List<Reference> withDefaults = ComposeProject.references(ComposeProject.composeText()).stream()
                .filter(r -> r.defaultValue().filter(d -> !d.isEmpty()).isPresent())
                .toList();

        assertThat(withDefaults).isNotEmpty().allSatisfy(r -> {
            String example = documented.get(r.name()).value();
            assertThat(example)
                    .as("%s in .env.example: empty or the default of compose.yaml", r.name())
                    .isIn("", r.defaultValue().orElseThrow());
        });
    }

    @Test
    void secretsAreLeftEmptyInTheExample() {
        List<Assignment> secrets = ComposeProject.envExample().values().stream()
                .filter(a -> SECRET_NAME.matcher(a.name()).matches())
                .toList();

        assertThat(secrets)
                .extracting(Assignment::name)
                .contains("WEBHOOK_SECRET", "CLEARINGHOUSE_ADMIN_TOKEN", "JDBC_PASSWORD", "OPENMETER_API_KEY");
        assertThat(secrets)
                .allSatisfy(a -> assertThat(a.value())
                        .as("%s in .env.example (line %d)", a.name(), a.line())
                        .isEmpty());
    }

    @Test
    void theSecretsTheStackCannotRunWithoutAreRequiredByCompose() {
        List<String> required = ComposeProject.references(ComposeProject.composeText()).stream()
                .filter(Reference::required)
                .map(Reference::name)
                .distinct()
                .toList();

        assertThat(required)
                .containsExactlyInAnyOrder(
                        "JDBC_PASSWORD", "WEBHOOK_SECRET", "CLEARINGHOUSE_ADMIN_TOKEN", "GRAFANA_ADMIN_PASSWORD");
    }

    @Test
    void referencesAreFoundInEveryFormComposeInterpolatesButNotInEscapedDollars() {
        String text = "a: ${ONE}\nb: ${TWO:-x}\nc: ${THREE:?set it}\nd: $FOUR\ne: $$NOT_ME ${FIVE-y} $${NOR_ME}\n";

        assertThat(ComposeProject.references(text))
                .extracting(Reference::name)
                .containsExactly("ONE", "TWO", "THREE", "FOUR", "FIVE");
        assertThat(ComposeProject.references(text).get(1).defaultValue()).contains("x");
        assertThat(ComposeProject.references(text).get(2).required()).isTrue();
    }

    @Test
    void anAssignmentWithoutACommentRightAboveItHasNoComment() {
        Map<String, Assignment> parsed = ComposeProject.assignments("# about A\nA=1\n\nB=2\n# about C\n# more\nC=\n");

        assertThat(parsed.get("A").comment()).containsExactly("about A");
        assertThat(parsed.get("B").comment()).isEmpty();
        assertThat(parsed.get("C").comment()).containsExactly("about C", "more");
        assertThat(parsed.get("C").value()).isEmpty();
    }
}

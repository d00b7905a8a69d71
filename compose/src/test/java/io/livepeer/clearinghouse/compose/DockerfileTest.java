package io.livepeer.clearinghouse.compose;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The image definition, read as text (no Docker engine here): the application's {@code run} distribution only, on
 * pinned base images, as a non-root user, with a healthcheck on readiness; secrets and build output stay out of the
 * build context.
 */
class DockerfileTest {

    private static final String DOCKERFILE =
            ComposeProject.read(ComposeProject.dir().resolve("Dockerfile"));

    private static List<String> instructions(String keyword) {
        // join continuation lines, then pick the instructions
        return Arrays.stream(DOCKERFILE.replaceAll("\\\\\\r?\\n", " ").split("\\r?\\n"))
                .map(String::strip)
                .filter(l -> l.regionMatches(true, 0, keyword + " ", 0, keyword.length() + 1))
                .toList();
    }

    @Test
    void buildsOnlyTheApplicationModuleWithTheMavenWrapper() {
        assertThat(instructions("RUN"))
                .anySatisfy(run -> assertThat(run).contains("./mvnw -B -ntp -DskipTests -pl routes -am package"));
        assertThat(instructions("COPY"))
                .anySatisfy(c -> assertThat(c).contains("routes/target/clearinghouse.jar"))
                .anySatisfy(c -> assertThat(c).contains("routes/target/lib"))
                .noneSatisfy(c -> assertThat(c).contains("cli/target"));
    }

    @Test
    void baseImagesArePinnedJdkAndJre17() {
        Matcher args = Pattern.compile("(?m)^ARG (JDK|JRE)_IMAGE=(\\S+)$").matcher(DOCKERFILE);
        List<String> images = args.results().map(m -> m.group(2)).toList();

        assertThat(images)
                .hasSize(2)
                .allSatisfy(
                        image -> assertThat(image).matches("eclipse-temurin:17\\.\\d+\\.\\d+_\\d+-(jdk|jre)-[a-z]+"));
        assertThat(instructions("FROM")).hasSize(2);
    }

    @Test
    void runsAsAUserThatIsNotRoot() {
        List<String> users = instructions("USER");

        assertThat(users).isNotEmpty();
        assertThat(users.get(users.size() - 1))
                .doesNotContainIgnoringCase("root")
                .doesNotMatch("USER 0(:.*)?");
    }

    @Test
    void healthcheckAsksTheReadinessEndpointAndPortsAreExposed() {
        assertThat(instructions("HEALTHCHECK"))
                .singleElement()
                .satisfies(h -> assertThat(h).contains("wget").contains("/observe/health/ready"));
        assertThat(instructions("EXPOSE")).containsExactly("EXPOSE 8080 9876");
        assertThat(instructions("ENTRYPOINT"))
                .singleElement()
                .satisfies(e -> assertThat(e).contains("\"-jar\"").contains("clearinghouse.jar"));
    }

    @Test
    void theBuildContextLeavesOutSecretsAndBuildOutput() {
        List<String> ignored = ComposeProject.read(
                        ComposeProject.dir().getParent().resolve(".dockerignore"))
                .lines()
                .map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#"))
                .toList();

        assertThat(ignored).contains(".git", "**/target", "compose/.env", "compose/secrets", "compose/signer-data");
        assertThat(ignored).noneMatch(l -> l.equals("compose") || l.equals("compose/") || l.equals("**/pom.xml"));
    }
}

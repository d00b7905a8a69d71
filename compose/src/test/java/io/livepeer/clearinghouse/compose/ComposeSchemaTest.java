package io.livepeer.clearinghouse.compose;

import static org.assertj.core.api.Assertions.assertThat;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code compose.yaml} against the JSON schema of the Compose specification (see
 * {@code src/test/resources/compose-spec/SOURCE.md}), with controls that show the schema does refuse bad files.
 */
class ComposeSchemaTest {

    private static final Schema SCHEMA = loadSchema();

    private static Schema loadSchema() {
        try (InputStream in = ComposeSchemaTest.class.getResourceAsStream("/compose-spec/compose-spec.json")) {
            ObjectNode schema = (ObjectNode)
                    JsonMapper.builder().build().readTree(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            // The file says "http://json-schema.org/draft/2019-09/schema#", which is no meta-schema id a validator
            // knows (it would be fetched from the network); read it as the draft it names.
            schema.remove("$schema");
            dropDraft4Ids(schema);
            return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2019_09)
                    .getSchema(schema);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Removes the draft-4 style {@code "id": "#/definitions/service"} annotations. Draft 2019-09 has no {@code id}
     * keyword (it is {@code $id}, and a fragment is not allowed there), so they mean nothing to the dialect the file
     * names, but the validator refuses a schema that carries them. Names of properties are left alone.
     */
    private static void dropDraft4Ids(JsonNode node) {
        if (node instanceof ObjectNode object) {
            if (object.path("id").isString()) {
                object.remove("id");
            }
            object.properties().forEach(e -> {
                if (e.getKey().equals("properties")
                        || e.getKey().equals("patternProperties")
                        || e.getKey().equals("definitions")) {
                    e.getValue().values().forEach(ComposeSchemaTest::dropDraft4Ids);
                } else {
                    dropDraft4Ids(e.getValue());
                }
            });
        } else if (node.isArray()) {
            node.values().forEach(ComposeSchemaTest::dropDraft4Ids);
        }
    }

    private static List<String> errors(JsonNode composeFile) {
        List<Error> errors = SCHEMA.validate(composeFile);
        return errors.stream()
                .map(e -> e.getInstanceLocation() + ": " + e.getMessage())
                .toList();
    }

    @Test
    void composeYamlFollowsTheComposeSpecification() {
        assertThat(errors(ComposeProject.compose())).isEmpty();
    }

    @Test
    void theSchemaRefusesAServiceKeyComposeDoesNotKnow() {
        ObjectNode broken = (ObjectNode) ComposeProject.compose().deepCopy();
        ((ObjectNode) broken.path("services").path("postgres")).put("helthcheck", "pg_isready");

        assertThat(errors(broken)).anySatisfy(e -> assertThat(e).contains("helthcheck"));
    }

    @Test
    void theSchemaRefusesADependencyConditionComposeDoesNotKnow() {
        ObjectNode broken = (ObjectNode) ComposeProject.compose().deepCopy();
        ((ObjectNode) broken.path("services")
                        .path("clearinghouse")
                        .path("depends_on")
                        .path("postgres"))
                .put("condition", "service_ready");

        assertThat(errors(broken)).isNotEmpty();
    }

    @Test
    void theSchemaRefusesAHealthcheckThatIsNotAnObject() {
        ObjectNode broken = (ObjectNode) ComposeProject.compose().deepCopy();
        ((ObjectNode) broken.path("services").path("grafana")).put("healthcheck", "wget localhost:3000");

        assertThat(errors(broken)).isNotEmpty();
    }
}

package io.livepeer.clearinghouse.compose;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The files of the Compose stack as the checks read them: {@code compose.yaml} as a tree, the variables it
 * interpolates, and the assignments of {@code .env.example}.
 */
final class ComposeProject {

    /** {@code ${NAME}}, {@code ${NAME:-default}}, {@code ${NAME-default}}, {@code ${NAME:?message}}, or {@code $NAME}. */
    private static final Pattern REFERENCE = Pattern.compile(
            "\\$(?:\\{(?<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?<op>:?[-?+])(?<arg>[^}]*))?}|(?<bare>[A-Za-z_][A-Za-z0-9_]*))");

    private static final Pattern ASSIGNMENT = Pattern.compile("^([A-Za-z_][A-Za-z0-9_]*)=(.*)$");

    private static final YAMLMapper YAML = YAMLMapper.builder().build();

    private ComposeProject() {}

    /** The directory of the module, which holds {@code compose.yaml} (Surefire sets {@code basedir}). */
    static Path dir() {
        return Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String composeText() {
        return read(dir().resolve("compose.yaml"));
    }

    static JsonNode compose() {
        return yaml(composeText());
    }

    static JsonNode yaml(String text) {
        return YAML.readTree(text);
    }

    /** A variable Compose substitutes, with the default it falls back to when unset or empty (if any). */
    record Reference(String name, Optional<String> defaultValue, boolean required) {}

    /**
     * Every substitution in a Compose file, in order of appearance. {@code $$} is Compose's escape for a literal
     * {@code $} (a shell variable inside the container), so it is not a reference.
     */
    static List<Reference> references(String composeText) {
        String unescaped = composeText.replace("$$", "");
        List<Reference> references = new ArrayList<>();
        Matcher m = REFERENCE.matcher(unescaped);
        while (m.find()) {
            if (m.group("bare") != null) {
                references.add(new Reference(m.group("bare"), Optional.empty(), false));
                continue;
            }
            String op = m.group("op");
            Optional<String> defaultValue =
                    op != null && op.endsWith("-") ? Optional.of(m.group("arg")) : Optional.empty();
            boolean required = op != null && op.endsWith("?");
            references.add(new Reference(m.group("braced"), defaultValue, required));
        }
        return references;
    }

    static Set<String> referencedNames(String composeText) {
        Set<String> names = new LinkedHashSet<>();
        references(composeText).forEach(r -> names.add(r.name()));
        return names;
    }

    /** One {@code NAME=value} line of an env file and the comment lines right above it. */
    record Assignment(String name, String value, int line, List<String> comment) {}

    /** The assignments of an env file (commented-out examples are not assignments), by name. */
    static Map<String, Assignment> assignments(String envText) {
        Map<String, Assignment> assignments = new LinkedHashMap<>();
        List<String> comment = new ArrayList<>();
        String[] lines = envText.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.startsWith("#")) {
                comment.add(line.substring(1).strip());
                continue;
            }
            Matcher m = ASSIGNMENT.matcher(line);
            if (m.matches()) {
                assignments.put(m.group(1), new Assignment(m.group(1), m.group(2), i + 1, List.copyOf(comment)));
            }
            comment.clear();
        }
        return assignments;
    }

    static Map<String, Assignment> envExample() {
        return assignments(read(dir().resolve(".env.example")));
    }

    /** Whether a service defines a healthcheck that is not switched off. */
    static boolean hasHealthcheck(JsonNode service) {
        JsonNode healthcheck = service.path("healthcheck");
        if (!healthcheck.isObject() || healthcheck.path("disable").asBoolean(false)) {
            return false;
        }
        JsonNode test = healthcheck.path("test");
        if (test.isString()) {
            return !test.stringValue().isBlank();
        }
        return test.isArray() && !test.isEmpty() && !"NONE".equals(test.get(0).asString());
    }

    /** The names in a service's {@code profiles}. */
    static Set<String> profiles(JsonNode service) {
        Set<String> profiles = new LinkedHashSet<>();
        service.path("profiles").values().forEach(p -> profiles.add(p.asString()));
        return profiles;
    }
}

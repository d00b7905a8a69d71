package io.livepeer.clearinghouse.cli.bootstrap;

import io.livepeer.clearinghouse.bootstrap.OpenMeterApi;
import io.livepeer.clearinghouse.bootstrap.V1Api;
import io.livepeer.clearinghouse.bootstrap.V3Api;
import io.livepeer.clearinghouse.openmeter.Dialect;
import io.livepeer.clearinghouse.openmeter.OpenMeterClient;
import io.livepeer.clearinghouse.openmeter.OpenMeterUrl;
import io.livepeer.clearinghouse.openmeter.Retries;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * Where OpenMeter is and how to authenticate. The bearer token is read from an environment variable
 * ({@code $OPENMETER_API_KEY} by default) or a file, never from a plain command-line argument (other users of the
 * machine can read those), and never printed.
 */
public final class RemoteOptions {

    @Option(
            names = "--url",
            paramLabel = "URL",
            description = "OpenMeter URL (default: $OPENMETER_URL): "
                    + "https://us.api.konghq.com/v3/openmeter (Konnect), http://openmeter:8888 (self-hosted v1), "
                    + "http://openmeter:8888/api/v3/openmeter (self-hosted v3)")
    String url;

    @Option(
            names = "--dialect",
            paramLabel = "auto|v1|v3",
            defaultValue = "auto",
            description = "API dialect (default: from the URL: /v3 means v3)")
    String dialect;

    @Option(
            names = "--token-env",
            paramLabel = "NAME",
            defaultValue = "OPENMETER_API_KEY",
            description = "environment variable holding the bearer token (default: ${DEFAULT-VALUE})")
    String tokenEnv;

    @Option(
            names = "--token-file",
            paramLabel = "FILE",
            description = "file holding the bearer token (default: $OPENMETER_API_KEY_FILE); wins over --token-env")
    Path tokenFile;

    @Option(
            names = "--timeout",
            paramLabel = "SECONDS",
            defaultValue = "30",
            description = "timeout of each request in seconds (default: ${DEFAULT-VALUE})")
    int timeoutSeconds;

    @Option(
            names = "--retries",
            paramLabel = "N",
            defaultValue = "5",
            description = "retries of connection errors, timeouts, 429 and 5xx, with backoff "
                    + "(default: ${DEFAULT-VALUE})")
    int retries;

    private final Map<String, String> environment = System.getenv();

    /** The resolved endpoint. */
    public OpenMeterUrl endpoint() {
        String u = url != null ? url : environment.get("OPENMETER_URL");
        if (u == null || u.isBlank()) {
            throw new IllegalArgumentException("no OpenMeter URL: pass --url or set OPENMETER_URL");
        }
        return OpenMeterUrl.resolve(u, dialect);
    }

    /**
     * The HTTP client for the endpoint.
     *
     * @param log where retry notices go
     * @throws IllegalArgumentException when the token file cannot be read or the URL is missing
     */
    public OpenMeterClient http(PrintWriter log) {
        return new OpenMeterClient(
                endpoint(),
                token(),
                Duration.ofSeconds(timeoutSeconds),
                Retries.of(retries, Duration.ofMillis(500), Duration.ofSeconds(20)),
                line -> {
                    log.println(line);
                    log.flush();
                });
    }

    /** The API of the endpoint's dialect. */
    public static OpenMeterApi api(Dialect dialect, OpenMeterClient http) {
        return dialect == Dialect.V3 ? new V3Api(http) : new V1Api(http);
    }

    /** Where the token comes from, for messages (never the token itself). */
    public String tokenSource() {
        Path file = tokenPath();
        if (file != null) {
            return "token from file " + file;
        }
        String value = environment.get(tokenEnv);
        return value == null || value.isBlank() ? "no token ($" + tokenEnv + " is not set)" : "token from $" + tokenEnv;
    }

    Optional<String> token() {
        Path file = tokenPath();
        if (file != null) {
            try {
                String token = Files.readString(file, StandardCharsets.UTF_8).trim();
                if (token.isEmpty()) {
                    throw new IllegalArgumentException("token file " + file + " is empty");
                }
                return Optional.of(token);
            } catch (IOException e) {
                throw new IllegalArgumentException("token file " + file + " cannot be read: " + e.getMessage(), e);
            }
        }
        return Optional.ofNullable(environment.get(tokenEnv)).map(String::trim).filter(t -> !t.isEmpty());
    }

    private Path tokenPath() {
        if (tokenFile != null) {
            return tokenFile;
        }
        String env = environment.get("OPENMETER_API_KEY_FILE");
        return env == null || env.isBlank() ? null : Path.of(env);
    }
}

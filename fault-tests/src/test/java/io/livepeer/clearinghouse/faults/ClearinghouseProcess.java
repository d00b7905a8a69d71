package io.livepeer.clearinghouse.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The real application ({@code io.livepeer.clearinghouse.routes.ClearinghouseMain}, production mode) as a child JVM
 * on this module's test classpath, configured only by environment variables (docs/configuration.md). Its output goes
 * to {@code <log dir>/<name>.log}. {@link #kill()} is SIGKILL ({@link Process#destroyForcibly()} on Linux): no
 * shutdown hook, no flush, no offset commit; {@link #stop()} is SIGTERM, the graceful stop.
 */
final class ClearinghouseProcess implements AutoCloseable {

    private static final String MAIN = "io.livepeer.clearinghouse.routes.ClearinghouseMain";
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private final String name;
    private final Process process;
    private final int managementPort;

    private ClearinghouseProcess(String name, Process process, int managementPort) {
        this.name = name;
        this.process = process;
        this.managementPort = managementPort;
    }

    /**
     * Starts the application with exactly these settings on top of a cleaned parent environment (no
     * {@code JDBC_URL}, {@code KAFKA_*}, {@code CAMEL_*}, {@code CLEARINGHOUSE_*} … leaks in from the build).
     *
     * @param name    for the log file and messages
     * @param env     environment variables (HTTP and management ports are chosen here unless given)
     * @param workDir working directory (the H2 default {@code ./data} would land there)
     * @param logDir  where {@code <name>.log} is appended to
     */
    static ClearinghouseProcess start(String name, Map<String, String> env, Path workDir, Path logDir) {
        try {
            Files.createDirectories(workDir);
            Files.createDirectories(logDir);
            String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx512m",
                    "-XX:+UseSerialGC",
                    // start-up dominates a run of many short lives: C1 only starts faster
                    "-XX:TieredStopAtLevel=1",
                    "-Dlog4j2.configurationFile=classpath:fault-child-log4j2.properties",
                    "-cp",
                    classpath,
                    MAIN));
            ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile());
            Map<String, String> environment = builder.environment();
            environment.keySet().removeIf(key -> !key.equals("PATH") && !key.equals("HOME") && !key.equals("TMPDIR"));
            int managementPort = Integer.parseInt(env.getOrDefault("MANAGEMENT_PORT", String.valueOf(freePort())));
            environment.put("HTTP_PORT", String.valueOf(freePort()));
            environment.put("MANAGEMENT_PORT", String.valueOf(managementPort));
            environment.put("LOG_LEVEL", "warn");
            environment.putAll(env);
            builder.redirectErrorStream(true);
            builder.redirectOutput(
                    Redirect.appendTo(logDir.resolve(name + ".log").toFile()));
            return new ClearinghouseProcess(name, builder.start(), managementPort);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + name, e);
        }
    }

    /** A free loopback TCP port (free when asked; good enough for a test machine). */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL, then waits until the process is gone. */
    void kill() {
        process.destroyForcibly();
        waitFor(Duration.ofSeconds(30));
    }

    /** SIGTERM (graceful stop), then waits for the exit; SIGKILL after 60 s. */
    void stop() {
        process.destroy();
        if (!waitFor(Duration.ofSeconds(60))) {
            kill();
        }
    }

    private boolean waitFor(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The body of {@code /observe/health?data=true}, or empty while the management port does not answer. */
    Optional<String> health() {
        try {
            HttpResponse<String> response = HTTP.send(
                    HttpRequest.newBuilder(
                                    URI.create("http://127.0.0.1:" + managementPort + "/observe/health?data=true"))
                            .timeout(Duration.ofSeconds(3))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return Optional.of(response.body());
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ")";
    }
}

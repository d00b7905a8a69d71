package io.livepeer.clearinghouse.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A local anvil chain (foundry) on a free port, for tests that need a real EVM: chain id 42161 (Arbitrum One's, so
 * transactions are signed as in production), ten funded dev accounts, instant mining.
 *
 * <p>The binary comes from the build: {@code maven-antrun-plugin}'s {@code fetch-anvil} execution downloads
 * {@code @foundry-rs/anvil-linux-amd64} from the npm registry into a cache under the local Maven repository and passes
 * its path as the {@code anvil.binary} system property. anvil with chain id 42161 is not Arbitrum (no ArbOS
 * precompiles, no L1 data gas): never take gas figures from it.
 *
 * <p>Use {@link AnvilExtension} rather than starting one per test: one anvil serves a whole test JVM.
 */
public final class Anvil implements AutoCloseable {

    /** Chain id anvil is started with (Arbitrum One). */
    public static final long CHAIN_ID = 42161;

    /** Dev account private keys (hex) anvil funds with 10,000 ETH each; public knowledge, test use only. */
    public static final List<String> DEV_KEYS = List.of(
            "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
            "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
            "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
            "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
            "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
            "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
            "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
            "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
            "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
            "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6");

    /** Dev account addresses (lower-case hex) in the order of {@link #DEV_KEYS}. */
    public static final List<String> DEV_ADDRESSES = List.of(
            "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
            "0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
            "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc",
            "0x90f79bf6eb2c4f870365e785982e1f101e93b906",
            "0x15d34aaf54267db7d7c367839aaf71a00a2c6a65",
            "0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc",
            "0x976ea74026e726554db657fa54763abd0c3a0aa9",
            "0x14dc79964da2c08b23698b3d3cc7ca32193d9955",
            "0x23618e81e3f5cdf7f54c3d65f7fbc0abf5b21e8f",
            "0xa0ee7a142d267c1f36714e4a8f75612f20a79720");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final URI rpc;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final AtomicLong ids = new AtomicLong();

    private Anvil(Process process, URI rpc) {
        this.process = process;
        this.rpc = rpc;
    }

    /**
     * Starts anvil on a free port and waits (at most 20 s) until it answers {@code eth_chainId}.
     *
     * @throws IllegalStateException when the binary is missing or anvil does not come up
     */
    public static Anvil start() {
        Path binary = binary();
        int port = freePort();
        List<String> command = new ArrayList<>(Arrays.asList(
                binary.toString(),
                "--host",
                "127.0.0.1",
                "--port",
                Integer.toString(port),
                "--chain-id",
                Long.toString(CHAIN_ID),
                "--silent"));
        try {
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            Anvil anvil = new Anvil(process, URI.create("http://127.0.0.1:" + port));
            anvil.awaitReady(Duration.ofSeconds(20));
            return anvil;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start anvil at " + binary, e);
        }
    }

    /** The anvil binary: the {@code anvil.binary} system property (set by the build). */
    static Path binary() {
        String configured = System.getProperty("anvil.binary");
        if (configured == null || configured.isBlank()) {
            throw new IllegalStateException("system property anvil.binary is not set: run the tests through Maven,"
                    + " whose fetch-anvil step downloads anvil (see contracts/pom.xml)");
        }
        Path path = Path.of(configured);
        if (!Files.isExecutable(path)) {
            throw new IllegalStateException(
                    "anvil.binary " + path + " is not an executable file: the fetch-anvil build step did not run");
        }
        return path;
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void awaitReady(Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        RuntimeException last = null;
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("anvil exited with " + process.exitValue());
            }
            try {
                rpc("eth_chainId");
                return;
            } catch (RuntimeException e) {
                last = e;
                try {
                    // waiting for an external process to open its port: a bounded poll, not test timing
                    process.waitFor(50, TimeUnit.MILLISECONDS);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(interrupted);
                }
            }
        }
        close();
        throw new IllegalStateException("anvil did not answer within " + timeout, last);
    }

    /** The JSON-RPC URL, e.g. {@code http://127.0.0.1:40123}. */
    public String rpcUrl() {
        return rpc.toString();
    }

    /**
     * Calls a JSON-RPC method and answers its {@code result}.
     *
     * @throws IllegalStateException on a JSON-RPC error or an I/O failure
     */
    public JsonNode rpc(String method, Object... params) {
        try {
            String body = JSON.writeValueAsString(
                    new Request("2.0", ids.incrementAndGet(), method, params == null ? new Object[0] : params));
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(rpc)
                            .timeout(Duration.ofSeconds(10))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode reply = JSON.readTree(response.body());
            if (reply.hasNonNull("error")) {
                throw new IllegalStateException(method + " failed: " + reply.get("error"));
            }
            return reply.get("result");
        } catch (IOException e) {
            throw new IllegalStateException(method + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(method + " interrupted", e);
        }
    }

    /** Takes a snapshot of the chain state ({@code evm_snapshot}); answers its id for {@link #revert}. */
    public String snapshot() {
        return rpc("evm_snapshot").asText();
    }

    /** Restores a snapshot ({@code evm_revert}); blocks mined since are dropped, as in a reorg. */
    public void revert(String snapshotId) {
        rpc("evm_revert", snapshotId);
    }

    /** Mines {@code blocks} blocks now. */
    public void mine(int blocks) {
        rpc("anvil_mine", "0x" + Integer.toHexString(blocks));
    }

    /** Turns instant mining on or off (off: transactions wait in the mempool, as when a chain is congested). */
    public void automine(boolean on) {
        rpc("evm_setAutomine", on);
    }

    /** The latest block number. */
    public long blockNumber() {
        return Long.decode(rpc("eth_blockNumber").asText());
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    private record Request(String jsonrpc, long id, String method, Object[] params) {}
}

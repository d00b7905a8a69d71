package io.livepeer.clearinghouse.contracts;

import io.livepeer.clearinghouse.testing.OpenApiContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * The contract data in {@code ../shared/contracts} (TicketBroker ABI, TicketBrokerTarget and ManagerProxy creation
 * bytecode), read where it lies and never copied into the project. Found via the {@code clearinghouse.contracts.dir}
 * system property (set by the build) or as {@code shared/contracts} beside a parent of the working directory. Where
 * it is absent, tests that need it are skipped with a message.
 */
public final class SharedContracts {

    private SharedContracts() {}

    public static Optional<Path> dir() {
        return OpenApiContract.contractsDir().filter(dir -> Files.isRegularFile(dir.resolve("TicketBrokerTarget.bin")));
    }

    /** The folder, or skips the calling test with a message. */
    public static Path require() {
        Optional<Path> dir = dir();
        Assumptions.assumeTrue(
                dir.isPresent(),
                "../shared/contracts (TicketBroker ABI and bytecode) is absent: TicketBroker tests skipped");
        return dir.get();
    }

    public static String read(Path dir, String file) {
        try {
            return Files.readString(dir.resolve(file)).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

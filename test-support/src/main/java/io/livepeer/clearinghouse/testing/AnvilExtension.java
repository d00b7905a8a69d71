package io.livepeer.clearinghouse.testing;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that hands tests a running {@link Anvil}: {@code @ExtendWith(AnvilExtension.class)}, then take an
 * {@code Anvil} parameter (constructor, lifecycle or test method). One anvil per test JVM, started on first use on a
 * free port and stopped when the run ends (root store). Tests share its chain: isolate by fresh accounts or contract
 * instances, or by {@link Anvil#snapshot()}/{@link Anvil#revert(String)}.
 */
public final class AnvilExtension implements ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(Anvil.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Anvil.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot()
                .getStore(NAMESPACE)
                .getOrComputeIfAbsent("anvil", key -> new Running(Anvil.start()), Running.class)
                .anvil();
    }

    /** Closes anvil when the root store is closed (end of the test run). */
    private record Running(Anvil anvil) implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        @Override
        public void close() {
            anvil.close();
        }
    }
}

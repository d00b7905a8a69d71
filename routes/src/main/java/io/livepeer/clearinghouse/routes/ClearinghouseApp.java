package io.livepeer.clearinghouse.routes;

import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;

/**
 * The clearinghouse as a camel-main application: {@code application.properties}, then
 * {@code application-<profile>.properties} when the overrides name a profile ({@value #PROFILE_KEY}), then
 * environment variables, then the given override properties (highest priority). {@link #start} returns once the context is started;
 * {@link #close} stops it gracefully (in-flight batches finish, offsets are committed).
 */
public final class ClearinghouseApp implements AutoCloseable {

    /** The camel-main profile key; {@code dev} loads {@code application-dev.properties} over the defaults. */
    public static final String PROFILE_KEY = "camel.main.profile";

    private final Main main;

    private ClearinghouseApp(Main main) {
        this.main = main;
    }

    /**
     * Starts the application and returns.
     *
     * @param overrides properties that win over the file and the environment (e.g. the dev broker address)
     * @throws Exception when the configuration is invalid or a dependency (database) is unreachable
     */
    public static ClearinghouseApp start(Map<String, String> overrides) throws Exception {
        return start(overrides, java.time.Clock.systemUTC());
    }

    /**
     * Starts the application with a clock of the caller's (tests move a mutable clock through segment and idle
     * times) and returns.
     *
     * @throws Exception as {@link #start(Map)}
     */
    public static ClearinghouseApp start(Map<String, String> overrides, java.time.Clock clock) throws Exception {
        Main main = create(overrides, clock);
        main.start();
        if (main.getCamelContext() == null || !main.getCamelContext().isStarted()) {
            main.stop();
            throw new IllegalStateException("the Camel context did not start");
        }
        return new ClearinghouseApp(main);
    }

    /** Runs until the JVM is asked to stop (SIGTERM, Ctrl-C). */
    public static void run(Map<String, String> overrides) throws Exception {
        create(overrides, java.time.Clock.systemUTC()).run();
    }

    private static Main create(Map<String, String> overrides, java.time.Clock clock) {
        Main main = new Main();
        // camel-main loads application-<profile>.properties only for a profile set before start; as an override
        // property the profile would switch Camel's dev features on but leave the file unread
        String profile = overrides.get(PROFILE_KEY);
        if (profile != null && !profile.isBlank()) {
            main.configure().setProfile(profile.trim());
        }
        main.configure().addConfiguration(new ClearinghouseConfiguration(clock));
        overrides.forEach(main::addOverrideProperty);
        return main;
    }

    /** The Camel context. */
    public CamelContext context() {
        return main.getCamelContext();
    }

    /** The application's services. */
    public Clearinghouse services() {
        return Clearinghouse.in(main.getCamelContext());
    }

    @Override
    public void close() throws Exception {
        main.stop();
    }
}

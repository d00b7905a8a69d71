package io.livepeer.clearinghouse.routes.metering;

import io.livepeer.clearinghouse.routes.core.PriceService;
import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the metering route once both the Camel context is fully started and an ETH/USD price is known, in whichever
 * order they happen, exactly once.
 */
final class MeteringGate {

    private static final Logger LOG = LoggerFactory.getLogger(MeteringGate.class);

    private final CamelContext context;
    private final PriceService price;
    private final String routeId;
    private boolean contextStarted;
    private boolean priceKnown;
    private boolean started;

    MeteringGate(CamelContext context, PriceService price, String routeId) {
        this.context = context;
        this.price = price;
        this.routeId = routeId;
    }

    void install() throws Exception {
        context.addStartupListener(new StartupListener() {
            @Override
            public void onCamelContextStarted(CamelContext ctx, boolean alreadyStarted) {
                // wait for fully started
            }

            @Override
            public void onCamelContextFullyStarted(CamelContext ctx, boolean alreadyStarted) {
                contextReady();
            }
        });
        price.whenAvailable(this::priceReady);
    }

    private void contextReady() {
        synchronized (this) {
            contextStarted = true;
        }
        maybeStart();
    }

    private void priceReady() {
        synchronized (this) {
            priceKnown = true;
        }
        maybeStart();
    }

    private void maybeStart() {
        synchronized (this) {
            if (started || !contextStarted || !priceKnown) {
                return;
            }
            started = true;
        }
        // not on the caller's thread: it may be a route's own thread (the price oracle)
        Thread starter = new Thread(
                () -> {
                    try {
                        context.getRouteController().startRoute(routeId);
                        LOG.info("Metering route {} started", routeId);
                    } catch (Exception e) {
                        LOG.error("Metering route {} could not be started", routeId, e);
                    }
                },
                "metering-gate");
        starter.setDaemon(true);
        starter.start();
    }
}

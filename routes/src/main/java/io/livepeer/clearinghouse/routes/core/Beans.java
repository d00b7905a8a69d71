package io.livepeer.clearinghouse.routes.core;

import org.apache.camel.CamelContext;

/** How flows find what another configuration bound before them: by type, in the Camel registry. */
public final class Beans {

    private Beans() {}

    /**
     * The one bean of {@code type}.
     *
     * @throws IllegalStateException when none (or more than one) is bound: a configuration ran out of order
     */
    public static <T> T require(CamelContext context, Class<T> type) {
        T bean = context.getRegistry().findSingleByType(type);
        if (bean == null) {
            throw new IllegalStateException("no " + type.getSimpleName() + " in the Camel registry: the configuration"
                    + " that binds it must run first (see ClearinghouseConfiguration)");
        }
        return bean;
    }

    /** Binds {@code bean} under its simple class name (decapitalised) and returns it. */
    public static <T> T bind(CamelContext context, T bean) {
        String name = bean.getClass().getSimpleName();
        context.getRegistry().bind(Character.toLowerCase(name.charAt(0)) + name.substring(1), bean);
        return bean;
    }
}

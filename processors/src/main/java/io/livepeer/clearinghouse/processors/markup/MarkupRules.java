package io.livepeer.clearinghouse.processors.markup;

import io.livepeer.clearinghouse.processors.money.FeeConverter;
import java.math.BigDecimal;
import java.util.List;

/**
 * The catalog's markup rules. The rule with the most specific match wins (pipeline counts 2, model 1, {@code *}
 * matches anything); on a tie the first rule in catalog order wins; no match means 0%. Immutable and thread-safe.
 */
public final class MarkupRules {

    private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);

    private final List<MarkupRule> rules;

    /** @param rules rules in catalog order */
    public MarkupRules(List<MarkupRule> rules) {
        this.rules = List.copyOf(rules);
    }

    /** No markup at all. */
    public static MarkupRules none() {
        return new MarkupRules(List.of());
    }

    /** The rules in catalog order. */
    public List<MarkupRule> rules() {
        return rules;
    }

    /**
     * @param pipeline normalised pipeline ({@code unknown} when the event had none)
     * @param modelId  normalised model id ({@code unknown} when absent)
     * @return the markup percent that applies (0 when no rule matches)
     */
    public BigDecimal percentFor(String pipeline, String modelId) {
        MarkupRule best = null;
        for (MarkupRule rule : rules) {
            if (rule.matches(pipeline, modelId) && (best == null || rule.specificity() > best.specificity())) {
                best = rule;
            }
        }
        return best == null ? BigDecimal.ZERO : best.percent();
    }

    /**
     * Applies a markup: {@code network × (1 + percent/100)}, rounded like {@link FeeConverter#normalize}.
     *
     * @param networkMicros network fee in USD micros
     * @param percent       markup percent
     * @return billable USD micros; 1000000 at 15% → 1150000
     */
    public static BigDecimal apply(BigDecimal networkMicros, BigDecimal percent) {
        BigDecimal factor = BigDecimal.ONE.add(percent.divide(HUNDRED));
        return FeeConverter.normalize(networkMicros.multiply(factor));
    }
}

package io.livepeer.clearinghouse.processors.markup;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.math.BigDecimal;

/**
 * One markup rule of the catalog: {@code billable = network × (1 + percent/100)} for usage whose pipeline and model
 * match. {@code *} matches anything.
 *
 * @param pipeline pipeline to match, or {@code *}
 * @param modelId  model id to match, or {@code *}
 * @param percent  markup in percent (e.g. 15 for +15%), not negative; {@link
 *                 io.livepeer.clearinghouse.processors.catalog.Catalog#parse} refuses a rule without one
 */
public record MarkupRule(String pipeline, String modelId, BigDecimal percent) {

    /** Wildcard that matches any pipeline or model. */
    public static final String ANY = "*";

    @JsonCreator
    public MarkupRule(
            @JsonProperty("pipeline") String pipeline,
            @JsonProperty("model_id") String modelId,
            @JsonProperty("percent") BigDecimal percent) {
        this.pipeline = pipeline == null || pipeline.isBlank() ? ANY : pipeline.trim();
        this.modelId = modelId == null || modelId.isBlank() ? ANY : modelId.trim();
        this.percent = percent;
    }

    @Override
    @JsonProperty("model_id")
    public String modelId() {
        return modelId;
    }

    /** 2 for a specific pipeline plus 1 for a specific model: the most specific matching rule wins. */
    public int specificity() {
        return (ANY.equals(pipeline) ? 0 : 2) + (ANY.equals(modelId) ? 0 : 1);
    }

    /** Whether this rule applies to usage of the given (normalised) pipeline and model. */
    public boolean matches(String usagePipeline, String usageModelId) {
        return (ANY.equals(pipeline) || pipeline.equals(usagePipeline))
                && (ANY.equals(modelId) || modelId.equals(usageModelId));
    }
}

package io.livepeer.clearinghouse.processors.cloudevent;

/**
 * The pipeline and model id of a signed ticket as metering sees them. A pending go-livepeer change
 * ({@code feat/add-model-id-signer-kafka}) sends the model inside the pipeline as {@code "base:model"} and no
 * {@code model_id}; the OpenMeter collector splits it at the first colon, and so do we, before markup rules are
 * matched (a rule keyed on the base pipeline would otherwise never match).
 *
 * <p>The split happens only when {@code model_id} is absent or blank and the pipeline's first colon is neither its
 * first nor its last character ({@code "live-video-to-video:streamdiffusion"} → {@code live-video-to-video} and
 * {@code streamdiffusion}; {@code "a:b:c"} → {@code a} and {@code b:c}). Both parts are trimmed. Empty values become
 * {@value UsageCloudEventMapper#UNKNOWN}.
 *
 * @param pipeline the pipeline, never blank
 * @param modelId  the model id, never blank
 */
public record PipelineModel(String pipeline, String modelId) {

    /**
     * @param pipeline the event's {@code pipeline}, may be null
     * @param modelId  the event's {@code model_id}, may be null
     */
    public static PipelineModel of(String pipeline, String modelId) {
        String p = pipeline == null ? "" : pipeline.trim();
        String m = modelId == null ? "" : modelId.trim();
        if (m.isEmpty()) {
            int colon = p.indexOf(':');
            if (colon > 0 && colon < p.length() - 1) {
                String base = p.substring(0, colon).trim();
                String model = p.substring(colon + 1).trim();
                if (!base.isEmpty() && !model.isEmpty()) {
                    p = base;
                    m = model;
                }
            }
        }
        return new PipelineModel(orUnknown(p), orUnknown(m));
    }

    private static String orUnknown(String value) {
        return value.isEmpty() ? UsageCloudEventMapper.UNKNOWN : value;
    }
}

package io.livepeer.clearinghouse.routes.bridge;

import io.livepeer.clearinghouse.bridge.ApiKeyVerifier;
import io.livepeer.clearinghouse.bridge.ApiKeys;
import io.livepeer.clearinghouse.bridge.Authorizer;
import io.livepeer.clearinghouse.bridge.SignerStatus;

/**
 * The signer bridge's running services.
 *
 * @param settings    configuration
 * @param keys        API key store
 * @param keyVerifier API key verifier (cache)
 * @param authorizer  the webhook decision
 * @param signer      the remote signer's last probe
 * @param metrics     metrics
 */
public record BridgeServices(
        BridgeSettings settings,
        ApiKeys keys,
        ApiKeyVerifier keyVerifier,
        Authorizer authorizer,
        SignerStatus signer,
        BridgeMetrics metrics) {}

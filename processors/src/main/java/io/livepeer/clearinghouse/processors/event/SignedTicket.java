package io.livepeer.clearinghouse.processors.event;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;

/**
 * The {@code data} of a {@code create_signed_ticket} event (go-livepeer {@code server/remote_signer.go}, v0.9.1+),
 * after lenient type coercion. String fields are {@code null} when absent; numeric fields default to zero where the
 * signer would have sent zero.
 *
 * @param sessionId        {@code session_id}, 8 hex characters per payment session
 * @param sessionStatus    {@code session_status}: {@code new} or {@code continuing}
 * @param app              {@code app} (v0.9.1+), may be empty
 * @param pipeline         {@code pipeline}: {@code live-video-to-video}, {@code live}, {@code fixed} or empty
 * @param requestId        {@code request_id}, 8 random hex characters per call (never an identity: 32 bits collide)
 * @param orchAddress      {@code orch_address}, the orchestrator's checksummed ETH address
 * @param orchUrl          {@code orch_url}
 * @param manifestId       {@code manifest_id}
 * @param pmSessionId      {@code pm_session_id}
 * @param currentTime      {@code current_time} (RFC 3339, UTC), else {@code current_time_unix} (ms); may be null
 * @param previousTime     {@code previous_time}, else {@code previous_time_unix}; may be null
 * @param sessionBalanceWei {@code session_balance} in wei, may be null
 * @param computedFeeWei   {@code computed_fee}: the fee in <b>wei</b>, exact; never null on a parsed ticket
 * @param cost             {@code cost} (named {@code cost_per_pixel} up to v0.8.11): price per unit, may be null
 * @param billableSecs     {@code billable_secs}, seconds (float on the wire, kept exact here)
 * @param pixels           {@code pixels} (non-zero only for live-video-to-video)
 * @param sequenceNumber   {@code sequence_number}
 * @param numTickets       {@code num_tickets}
 * @param authId           {@code auth_id} as sent (untrimmed), may be null
 * @param modelId          {@code model_id} (not sent by go-livepeer; other producers may), may be null
 * @param clientId         {@code client_id} (other producers), may be null
 * @param usageSubject     {@code usage_subject} (other producers), may be null
 * @param usageSubjectType {@code usage_subject_type} (other producers), may be null
 * @param computedFeeUsd   {@code computed_fee_usd} (v0.9.3): the signer's own conversion of the fee, in <b>USD</b>
 *                         (not micros), exact, at most 18 decimal places; null when the signer had no USD rate
 * @param payerAddress     {@code payer_address} (v0.9.3): the paying signer's ETH address, lower case; null when
 *                         absent or blank
 */
public record SignedTicket(
        String sessionId,
        String sessionStatus,
        String app,
        String pipeline,
        String requestId,
        String orchAddress,
        String orchUrl,
        String manifestId,
        String pmSessionId,
        Instant currentTime,
        Instant previousTime,
        BigInteger sessionBalanceWei,
        BigInteger computedFeeWei,
        BigDecimal cost,
        BigDecimal billableSecs,
        BigInteger pixels,
        BigInteger sequenceNumber,
        BigInteger numTickets,
        String authId,
        String modelId,
        String clientId,
        String usageSubject,
        String usageSubjectType,
        BigDecimal computedFeeUsd,
        String payerAddress) {}

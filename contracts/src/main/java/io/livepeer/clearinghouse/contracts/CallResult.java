package io.livepeer.clearinghouse.contracts;

/**
 * The outcome of an {@code eth_call}.
 *
 * @param reverted whether the call reverted
 * @param returnData the returned bytes ({@code 0x} hex), empty when reverted
 * @param revertReason the node's revert message (e.g. {@code "execution reverted: ticket is used"}), empty when not
 *     reverted
 */
public record CallResult(boolean reverted, String returnData, String revertReason) {

    static CallResult ok(String returnData) {
        return new CallResult(false, returnData == null ? "0x" : returnData, "");
    }

    static CallResult revert(String reason) {
        return new CallResult(true, "0x", reason == null ? "execution reverted" : reason);
    }
}

// SPDX-License-Identifier: MIT
// Test stand-ins for the parts of the Livepeer protocol that the real TicketBroker bytecode calls
// (reference/ops-backend-and-payouts.md §4.3). They answer only what TicketBroker.sol asks of them; they are
// not the protocol's contracts. Compiled output is committed beside this file (see README.md there) so the
// build needs no compiler.
pragma solidity 0.8.26;

/// Controller: registry of contract ids, owner, pause switch.
contract TestController {
    address public owner;
    bool public paused;
    mapping(bytes32 => address) private contracts;

    constructor() {
        owner = msg.sender;
    }

    modifier onlyOwner() {
        require(msg.sender == owner, "caller must be owner");
        _;
    }

    function setContractInfo(bytes32 _id, address _contractAddress, bytes20) external onlyOwner {
        contracts[_id] = _contractAddress;
    }

    function getContract(bytes32 _id) external view returns (address) {
        return contracts[_id];
    }

    function setPaused(bool _paused) external onlyOwner {
        paused = _paused;
    }
}

/// RoundsManager: a current round that the test advances, with the block hash stored for each round.
contract TestRoundsManager {
    uint256 public currentRound;
    bool public currentRoundInitialized;
    mapping(uint256 => bytes32) private hashes;

    /// Starts round `_round` and stores the previous block's hash for it (as the real initializeRound does).
    function initializeRound(uint256 _round) external {
        currentRound = _round;
        currentRoundInitialized = true;
        hashes[_round] = blockhash(block.number - 1);
    }

    function blockHashForRound(uint256 _round) external view returns (bytes32) {
        return hashes[_round];
    }
}

/// BondingManager: registered transcoders and the fees credited to them by the TicketBroker.
contract TestBondingManager {
    TestController public controller;
    mapping(address => bool) private registered;
    mapping(address => uint256) public fees;
    uint256 public transcoderPoolSize;

    constructor(TestController _controller) {
        controller = _controller;
    }

    function register(address _transcoder) external {
        if (!registered[_transcoder]) {
            registered[_transcoder] = true;
            transcoderPoolSize += 1;
        }
    }

    function isRegisteredTranscoder(address _transcoder) public view returns (bool) {
        return registered[_transcoder];
    }

    function isActiveTranscoder(address _transcoder) external view returns (bool) {
        return registered[_transcoder];
    }

    function getTranscoderPoolSize() external view returns (uint256) {
        return transcoderPoolSize;
    }

    function updateTranscoderWithFees(address _transcoder, uint256 _fees, uint256) external {
        require(msg.sender == controller.getContract(keccak256("TicketBroker")), "caller must be TicketBroker");
        require(isRegisteredTranscoder(_transcoder), "transcoder must be registered");
        fees[_transcoder] += _fees;
    }
}

/// Minter: holds the ETH deposited through the TicketBroker.
contract TestMinter {
    TestController public controller;

    constructor(TestController _controller) {
        controller = _controller;
    }

    function depositETH() external payable returns (bool) {
        require(
            msg.sender == controller.getContract(keccak256("Minter"))
                || msg.sender == controller.getContract(keccak256("JobsManager")),
            "msg.sender not Minter or JobsManager"
        );
        return true;
    }

    function trustedWithdrawETH(address payable _to, uint256 _amount) external {
        require(
            msg.sender == controller.getContract(keccak256("BondingManager"))
                || msg.sender == controller.getContract(keccak256("JobsManager")),
            "caller must be BondingManager or JobsManager"
        );
        _to.transfer(_amount);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

/// @title Storage of the insurance module (ERC-7201 namespace `finsuite.insurance`). Append-only.
library InsuranceStorage {
    /// @dev Opens pools, defines products and risks, withdraws the institution's fees.
    bytes32 internal constant INSURER_ROLE = keccak256("finsuite.role.insurer");
    /// @dev Reports the readings that trigger parametric risks (an oracle contract).
    bytes32 internal constant ORACLE_ROLE = keccak256("finsuite.role.insurance-oracle");
    /// @dev Confirms or declines claims on assessed products.
    bytes32 internal constant ASSESSOR_ROLE = keccak256("finsuite.role.claim-assessor");

    uint16 internal constant BPS = 10_000;
    uint16 internal constant MAX_COLLATERAL_BPS = 50_000;
    uint16 internal constant MAX_FEE_BPS = 5_000;
    uint8 internal constant MAX_TIERS = 4;
    /// @dev Policies one upkeep perform pays: about 3,000,000 gas, under Chainlink
    /// Automation's 5,000,000 per perform.
    uint256 internal constant MAX_UPKEEP_BATCH = 100;

    /// @dev Policy status as stored (the enum's values; `Expired` is derived).
    uint8 internal constant ACTIVE = 1;
    uint8 internal constant CANCELLED = 2;
    uint8 internal constant PAID = 3;

    struct Pool {
        // word 0
        address asset;
        // word 1: what a purchase, a trigger and a withdrawal read (bounded: deposits stop
        // at a uint96 cap, and premiums are shares of uint96 sums)
        uint112 capital;
        uint112 locked;
        uint16 collateralBps;
        // word 2. What triggered risks still owe is theirs (`Risk.owedLeft`): a trigger and a
        // payout batch write no pool word for it.
        uint128 fees;
        // word 3: what a deposit reads with `capital`
        address vault;
        uint96 depositCap;
        // word 4
        uint256 totalShares;
        mapping(address holder => uint256 shares) sharesOf;
    }

    /// @dev A product's terms: word 0 is what a purchase reads besides the sums.
    struct Product {
        // word 0
        uint32 poolId;
        uint8 kind;
        uint8 direction;
        uint16 premiumBps;
        uint16 feeBps;
        bool open;
        uint8 tierCount;
        uint32 minCover;
        uint32 maxCover;
        uint32 purchaseCutoff;
        uint32 maxReadingAge;
        uint32 claimWindow;
        // word 1
        uint96 minSumInsured;
        uint96 maxSumInsured;
        // word 2
        uint96 maxAggregatePerRisk;
        mapping(uint8 index => Tier) tiers;
    }

    struct Tier {
        int96 threshold;
        uint16 payoutBps;
    }

    /// @dev Every word a trigger writes is already non-zero when the risk is created, and
    /// the keeper's queue of triggered risks is threaded through word 1: a trigger writes no
    /// new storage slot. The capital a risk locks is `lockOf(activeSum)` while it is open.
    struct Risk {
        // word 0: what a purchase reads and writes
        uint32 productId;
        uint8 state;
        uint32 policyCount;
        uint32 pendingClaims;
        /// Policies processed by payout batches so far.
        uint32 cursor;
        uint96 activeSum;
        // word 1: the window, what a trigger reserved, and the links of the queue of
        // triggered risks with payouts left
        uint40 start;
        uint40 end;
        uint96 owedLeft;
        uint32 nextPending;
        uint32 previousPending;
        // word 2: the feed, the pool, and the last accepted reading (the trigger's once
        // triggered; its value is in the event)
        address feed;
        uint32 poolId;
        uint40 observedAt;
        uint8 tier;
        uint16 payoutBps;
        // word 3
        bytes32 key;
    }

    /// @dev Two words: a payout reads both and writes word 1 (the status).
    struct Policy {
        address beneficiary;
        uint96 sumInsured;
        address holder;
        uint40 coverStart;
        uint40 coverEnd;
        uint8 status;
    }

    /// @dev Assessed policies only: what was paid, and the claim being assessed.
    struct PolicyClaims {
        uint96 paid;
        uint64 openClaim;
        uint32 claimCount;
    }

    struct Claim {
        uint96 policyId;
        uint96 requested;
        uint8 state;
        uint16 reason;
        uint96 confirmed;
        bytes32 evidence;
    }

    /// @custom:storage-location erc7201:finsuite.insurance
    struct Layout {
        /// The implementation every pool vault clones (set by the module's init).
        address vaultImplementation;
        uint32 poolCount;
        uint32 productCount;
        // One word, non-zero once a risk exists: a trigger queues its risk without a new slot.
        uint64 claimCount;
        uint32 riskCount;
        /// The queue of triggered risks with payouts left (the keeper's work), oldest first.
        uint32 pendingHead;
        uint32 pendingTail;
        uint32 pendingCount;
        mapping(uint256 poolId => Pool) pools;
        mapping(uint256 productId => Product) products;
        mapping(uint256 riskId => Risk) risks;
        mapping(uint256 policyId => Policy) policies;
        mapping(uint256 policyId => PolicyClaims) policyClaims;
        mapping(uint256 claimId => Claim) claims;
    }

    // keccak256(abi.encode(uint256(keccak256("finsuite.insurance")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant LAYOUT_SLOT = 0x22fe1794bb3835b3646496302c2bda12dd9ccea31cadb92dabc0e2e556d65100;

    function layout() internal pure returns (Layout storage $) {
        assembly {
            $.slot := LAYOUT_SLOT
        }
    }
}

/// @title Storage-layout probe of `finsuite.insurance` (see contracts/layout/). Never deployed.
contract InsuranceStorageLayout {
    InsuranceStorage.Layout internal finsuite_insurance;
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IAssetOffering} from "./IAssetOffering.sol";

/// @title Storage of the asset module (ERC-7201 namespace `finsuite.asset`). Append-only.
library AssetStorage {
    /// @dev Creates assets and manages its own: rules, document, offerings, distributions, redemptions.
    bytes32 internal constant ASSET_ISSUER_ROLE = keccak256("finsuite.role.asset-issuer");
    /// @dev Mints, burns, freezes, forces transfers, pauses.
    bytes32 internal constant ASSET_AGENT_ROLE = keccak256("finsuite.role.asset-agent");

    /// @dev Allowed jurisdictions per asset: the receiver check finds them in word 1.
    uint256 internal constant MAX_JURISDICTIONS = 10;
    /// @dev Wallets one `settleOffering` call may list. A delivery to a new holder costs
    /// about 98,000 gas (145,000 after a snapshot): 50 stay under 7,300,000. The keeper's
    /// batches are smaller (`LibOffering.UPKEEP_SETTLE_BATCH`) to fit a 5,000,000-gas perform.
    uint256 internal constant MAX_SETTLE_BATCH = 50;
    uint40 internal constant MIN_CLAIM_PERIOD = 1 days;
    uint256 internal constant MAX_BALANCE = type(uint112).max;
    uint256 internal constant MAX_FROZEN = type(uint104).max;

    // Flags of an asset's word 0.
    uint8 internal constant PAUSED = 1;
    uint8 internal constant JURISDICTION_RULE = 2;
    /// @dev Per-identity balances are kept (the asset was created with a per-identity limit).
    uint8 internal constant IDENTITY_BOOKS = 4;

    // Flags of a holding.
    uint8 internal constant WALLET_FROZEN = 1;
    uint8 internal constant HAS_LOCK = 2;

    /// @dev One asset. Word 0 is what every transfer reads; word 1 what a transfer reads
    /// when a rule needs it (the jurisdiction rule, a new holder).
    struct Asset {
        // word 0
        address token;
        uint32 snapshotId;
        uint16 investorClasses;
        uint8 flags;
        uint32 holderCount;
        // word 1: the allowed jurisdictions (10 × 16 bits) and how many
        uint32 maxHolders;
        uint40 lockupSeconds;
        uint8 decimals;
        uint8 jurisdictionCount;
        uint160 jurisdictions;
        // word 2
        uint128 totalSupply;
        uint128 cap;
        // word 3
        uint128 maxBalancePerIdentity;
        // word 4..
        address issuer;
        bytes32 documentHash;
        string documentUri;
        mapping(address wallet => Holding) holdings;
        mapping(address wallet => Lock) locks;
        /// Wallets of an identity holding a non-zero balance: the holder count moves when it
        /// goes 0 ↔ 1.
        mapping(uint64 ref => uint256 wallets) walletsHolding;
        /// Kept only with `IDENTITY_BOOKS`.
        mapping(uint64 ref => uint256 balance) identityBalance;
        /// A wallet's balance before its first change after each snapshot (ERC-20 snapshot
        /// checkpoints), ascending: `snapshotId << 112 | balance`, one word each.
        mapping(address wallet => uint256[] packed) checkpoints;
        /// Which distributions a wallet claimed: bit `snapshotId % 256` of word `snapshotId / 256`
        /// (a holder's next claims rewrite the word its first claim created).
        mapping(address wallet => mapping(uint256 word => uint256 bits)) distributionClaims;
    }

    /// @dev A wallet's holding of one asset: one word.
    struct Holding {
        uint112 balance;
        uint104 frozen;
        /// The last snapshot id this holding was checkpointed for.
        uint32 checkpointed;
        uint8 flags;
    }

    /// @dev Tokens an offering delivered, locked until `until`.
    struct Lock {
        uint128 amount;
        uint40 until;
    }

    /// @dev An identity's subscription to an offering: one word, the one new slot a new
    /// subscribing identity writes. What it paid is derived (`LibOffering.cost(amount)`).
    struct Subscription {
        /// The identity's first subscribing wallet: deliveries and refunds go to it.
        address wallet;
        uint88 amount;
        IAssetOffering.SubscriptionStatus status;
    }

    /// @dev What every subscription moves, in one word: subscribed <= hardCap < 2^112; held <
    /// 2^112 (a subscription refuses more).
    struct OfferingTotals {
        uint112 subscribed;
        uint112 held;
        /// Identities that subscribed.
        uint32 subscriberCount;
    }

    /// @dev One offering. A subscription reads words 0, 1, 2 and 4, words 3 and 5 when the
    /// offering has bounds and an allow-list, and writes word 1 only (the totals and the
    /// identity count move together); settlement uses the others.
    struct Offering {
        // word 0
        uint64 assetId;
        uint40 start;
        uint40 end;
        IAssetOffering.OfferingState state;
        /// Subscriptions settled, by batches and one at a time alike.
        uint32 settledCount;
        /// Whether words 3 and 5 are read (`LibOffering.HAS_BOUNDS`, `HAS_ALLOW_LIST`).
        uint8 flags;
        // word 1
        OfferingTotals totals;
        // word 2
        uint128 hardCap;
        uint128 price;
        // word 3
        uint128 minPerIdentity;
        uint128 maxPerIdentity;
        // word 4
        address paymentToken;
        // word 5
        bytes32 allowListRoot;
        // word 6
        uint128 softCap;
        /// <= held.
        uint112 proceedsDue;
        // word 7
        address treasury;
        mapping(uint64 ref => Subscription) subscriptions;
    }

    /// @dev One distribution, one word: its id carries the payment token, the asset and the
    /// snapshot (`IAssetDistribution`), so a deposit writes this word and nothing else new.
    struct Distribution {
        uint96 amount;
        uint112 eligibleSupply;
        uint40 expiresAt;
        bool reclaimed;
    }

    struct Redemption {
        // word 0
        uint64 assetId;
        uint40 start;
        uint40 end;
        bool closed;
        // word 1
        address paymentToken;
        // word 2
        uint128 price;
        // word 3
        uint128 funds;
        uint128 redeemed;
    }

    /// @custom:storage-location erc7201:finsuite.asset
    struct Layout {
        /// The implementation every asset token clones (set by the module's init).
        address tokenImplementation;
        uint256 assetCount;
        mapping(uint256 assetId => Asset) assets;
        uint256 offeringCount;
        mapping(uint256 offeringId => Offering) offerings;
        mapping(uint256 distributionId => Distribution) distributions;
        /// What each distribution has paid out (written by claims, not by the deposit).
        mapping(uint256 distributionId => uint256 claimed) distributionClaimed;
        uint256 redemptionCount;
        mapping(uint256 redemptionId => Redemption) redemptions;
        /// What the module holds per payment token (see `IAsset.assetBooks`).
        mapping(address token => uint256 amount) books;
    }

    // keccak256(abi.encode(uint256(keccak256("finsuite.asset")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant LAYOUT_SLOT = 0x53934a218307fb1222a7c1b03fde036aa3cff584c490b4394090d2462e225c00;

    function layout() internal pure returns (Layout storage $) {
        assembly {
            $.slot := LAYOUT_SLOT
        }
    }
}

/// @title Storage-layout probe of `finsuite.asset` (see contracts/layout/). Never deployed.
contract AssetStorageLayout {
    AssetStorage.Layout internal finsuite_asset;
}

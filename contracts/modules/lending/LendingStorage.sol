// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

/// @title Storage of the lending module (ERC-7201 namespace `finsuite.lending`). Append-only.
library LendingStorage {
    /// @dev Creates pools, sets limits, lowers risk, withdraws reserves.
    bytes32 internal constant LENDING_ADMIN_ROLE = keccak256("finsuite.role.lending-admin");

    uint256 internal constant WAD = 1e18;
    uint16 internal constant BPS = 10_000;
    uint16 internal constant MAX_RESERVE_FACTOR_BPS = 5_000;
    /// @dev Half the debt per liquidation, unless the other half would be dust (then all of it).
    uint16 internal constant CLOSE_FACTOR_BPS = 5_000;
    /// @dev Collateral assets per pool: every limit check reads the borrower's balance of each.
    uint8 internal constant MAX_COLLATERALS = 8;
    /// @dev 1,000 % a year, per second: no model answer above it is used.
    uint256 internal constant MAX_RATE_PER_SECOND = 317_097_919_837;
    /// @dev Gas a model call may use; enough for any honest model, not enough to grief.
    uint256 internal constant MODEL_GAS = 100_000;
    /// @dev Positions one upkeep call may liquidate: a batch stays far below 5,000,000 gas.
    uint256 internal constant MAX_UPKEEP_BATCH = 20;
    /// @dev After a credit-model swap, how long the previous model still protects positions.
    uint64 internal constant CREDIT_MODEL_GRACE = 7 days;

    /// @dev One pool. Words 0-3 are what a supply, borrow or repay reads; word 0 is only
    /// written by the admin, and an accrual writes words 2 and 3 only.
    struct Pool {
        // word 0: configuration
        address asset;
        uint16 reserveFactorBps;
        bool supplyPaused;
        bool borrowPaused;
        uint8 collateralCount;
        uint8 assetDecimals;
        uint8 priceFeedDecimals;
        uint32 priceMaxAge;
        // word 1: what the diamond holds for the pool, and the vault's total supply (the
        // shares are booked here, per holder in `sharesOf`)
        uint128 cash;
        uint128 totalShares;
        // word 2: borrows = totalScaledDebt * borrowIndex / WAD
        uint128 totalScaledDebt;
        uint128 borrowIndex;
        // word 3: interest state
        uint128 reserves;
        /// The last rate the model gave: used when it fails.
        uint64 ratePerSecond;
        uint40 lastAccrual;
        // word 4.. (read when needed)
        // Each address shares its word with the limit read with it: a supply reads the
        // vault and the supply cap, a borrow the rate model (to accrue) and the borrow cap.
        address vault;
        uint96 supplyCap;
        address rateModel;
        uint96 borrowCap;
        address creditModel;
        uint96 dustThreshold;
        address priceFeed;
        /// Debt written off so far (reporting).
        uint128 badDebt;
        mapping(uint8 index => address token) collateralAt;
        mapping(address token => Collateral) collateral;
        /// A borrower's debt divided by the borrow index (rounded up when it grows).
        mapping(address borrower => uint256 scaled) scaledDebtOf;
        mapping(address borrower => mapping(address token => uint256 amount)) collateralOf;
        /// The credit model before the last swap, and until when it still protects positions.
        address previousCreditModel;
        uint64 creditGraceUntil;
        /// Vault shares per holder: the vault (a `DiamondToken`) reads its balances here.
        mapping(address holder => uint256 shares) sharesOf;
    }

    /// @dev A collateral asset's parameters (word 0) and totals (word 1).
    struct Collateral {
        address feed;
        uint24 maxPriceAge;
        uint16 ltvBps;
        uint16 liquidationThresholdBps;
        uint16 liquidationBonusBps;
        uint8 feedDecimals;
        uint8 tokenDecimals;
        /// Position in the pool's list, from 1; 0: not a collateral of the pool.
        uint8 index;
        uint128 supplyCap;
        uint128 total;
    }

    /// @custom:storage-location erc7201:finsuite.lending
    struct Layout {
        /// The implementation every pool vault clones (set by the module's init).
        address vaultImplementation;
        uint256 poolCount;
        mapping(uint256 poolId => Pool) pools;
    }

    // keccak256(abi.encode(uint256(keccak256("finsuite.lending")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant LAYOUT_SLOT = 0xdabd88cb57c423ee5a79194db3ceb5a91fc527b4924fd26afd36b542d8829c00;

    function layout() internal pure returns (Layout storage $) {
        assembly {
            $.slot := LAYOUT_SLOT
        }
    }
}

/// @title Storage-layout probe of `finsuite.lending` (see contracts/layout/). Never deployed.
contract LendingStorageLayout {
    LendingStorage.Layout internal finsuite_lending;
}

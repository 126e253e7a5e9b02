// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

// Test-only helpers that let the benchmark open a Morpho Blue market (its lending peer).
// They match Morpho's IIrm and IOracle by ABI instead of importing them: an import of a
// new npm package adds a remapping to the one compilation job all our contracts share,
// which changes every contract's metadata hash, so their deployment gas, by a few units.
// A mismatch cannot go unnoticed: Morpho calls both on every accruing action of the bench.

/// @dev Morpho Blue's `MarketParams` and `Market`, as its IRMs receive them.
struct BenchMarketParams {
    address loanToken;
    address collateralToken;
    address oracle;
    address irm;
    uint256 lltv;
}

struct BenchMarket {
    uint128 totalSupplyAssets;
    uint128 totalSupplyShares;
    uint128 totalBorrowAssets;
    uint128 totalBorrowShares;
    uint128 lastUpdate;
    uint128 fee;
}

/// @dev Morpho's `IIrm` with one fixed borrow rate per second (WAD), so interest accrues
/// without the rate depending on utilisation. Immutable rate and calldata arguments keep
/// the model's own cost near zero: Morpho's figures measured with it are a floor for
/// markets with a real model, which reads and writes storage.
contract BenchFixedRateIrm {
    uint256 public immutable RATE_PER_SECOND;

    constructor(uint256 ratePerSecond) {
        RATE_PER_SECOND = ratePerSecond;
    }

    function borrowRate(BenchMarketParams calldata, BenchMarket calldata) external view returns (uint256) {
        return RATE_PER_SECOND;
    }

    function borrowRateView(BenchMarketParams calldata, BenchMarket calldata) external view returns (uint256) {
        return RATE_PER_SECOND;
    }
}

/// @dev Morpho's `IOracle` with a settable price: one collateral unit quoted in loan units,
/// scaled by 1e36 (so 10 ** (36 + loan decimals - collateral decimals) per whole token at par).
contract BenchSettableOracle {
    uint256 public price;

    constructor(uint256 price_) {
        price = price_;
    }

    function setPrice(uint256 price_) external {
        price = price_;
    }
}

/// @dev Plain ERC-20, 18 decimals, open mint: a collateral token whose transfers cost what
/// an ordinary token's do. The other 18-decimal mocks add a fee, a re-entry hook or a
/// blocklist lookup to every transfer, which would inflate a peer's figures.
contract BenchPlainToken is ERC20 {
    constructor() ERC20("Bench Collateral", "bCOL") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}

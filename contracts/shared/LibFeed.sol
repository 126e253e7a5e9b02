// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IFeedErrors, IPriceFeed} from "./IPriceFeed.sol";

/// @title Reads Chainlink-compatible feeds with the same checks and errors in every module.
/// @notice Payment's cross-currency invoices, lending's collateral values and insurance's
/// parametric triggers all read prices here: zero and negative answers, stale and
/// future-dated updates and unsupported decimals are refused with {IFeedErrors}.
library LibFeed {
    /// @dev Above this, 10 ** decimals times a realistic amount risks overflow.
    uint8 internal constant MAX_DECIMALS = 36;

    /// @dev The latest answer of `feed`, refused when it is not positive or when its update
    /// is in the future or more than `maxAge` seconds old.
    function read(address feed, uint256 maxAge) internal view returns (uint256 price, uint256 updatedAt) {
        int256 answer;
        (, answer, , updatedAt, ) = IPriceFeed(feed).latestRoundData();
        if (answer <= 0) revert IFeedErrors.FeedPriceInvalid(feed, answer);
        // A reading from the future is as unusable as a stale one.
        if (updatedAt > block.timestamp || block.timestamp - updatedAt > maxAge) {
            revert IFeedErrors.FeedPriceStale(feed, updatedAt, maxAge);
        }
        price = uint256(answer);
    }

    /// @dev The latest answer and update time of an index feed (rainfall, a delay, a price),
    /// without judging them: `ok` is false when the feed reverted or answered malformed data
    /// (a keeper's check must not revert on a broken feed). The caller applies its own
    /// rules to the value; for the update time it refuses future and stale readings as
    /// `read` does.
    function latest(address feed) internal view returns (bool ok, int256 answer, uint256 updatedAt) {
        // A low-level call: `try` lets a call to an address without code, or an answer
        // that does not decode, revert the caller.
        (bool success, bytes memory data) = feed.staticcall(abi.encodeCall(IPriceFeed.latestRoundData, ()));
        if (!success || data.length != 160) return (false, 0, 0);
        (, answer, , updatedAt, ) = abi.decode(data, (uint80, int256, uint256, uint256, uint80));
        return (true, answer, updatedAt);
    }

    /// @dev The feed's decimals, read once when a feed is configured and stored with it.
    function decimalsOf(address feed) internal view returns (uint8 decimals) {
        decimals = IPriceFeed(feed).decimals();
        if (decimals > MAX_DECIMALS) revert IFeedErrors.FeedDecimalsInvalid(feed, decimals);
    }

    /// @dev Converts `amount` (with `fromDecimals`) at `price` (with `priceDecimals`, quote
    /// per unit) into the quote's units (with `toDecimals`):
    /// amount * price * 10^toDecimals / (10^fromDecimals * 10^priceDecimals).
    function convert(
        uint256 amount,
        uint256 price,
        uint8 priceDecimals,
        uint8 fromDecimals,
        uint8 toDecimals,
        Math.Rounding rounding
    ) internal pure returns (uint256) {
        return Math.mulDiv(amount * price, 10 ** toDecimals, 10 ** (uint256(fromDecimals) + priceDecimals), rounding);
    }

    /// @dev The inverse of `convert`: how much of the base (with `toDecimals`) is worth
    /// `amount` of the quote (with `fromDecimals`) at `price`.
    function convertBack(
        uint256 amount,
        uint256 price,
        uint8 priceDecimals,
        uint8 fromDecimals,
        uint8 toDecimals,
        Math.Rounding rounding
    ) internal pure returns (uint256) {
        return Math.mulDiv(amount * 10 ** priceDecimals, 10 ** toDecimals, price * 10 ** fromDecimals, rounding);
    }
}

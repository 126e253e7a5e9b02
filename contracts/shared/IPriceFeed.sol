// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

/// @notice The subset of Chainlink's AggregatorV3Interface the suite reads. Declared here
/// because Chainlink's npm package depends on a git URL and cannot be installed offline;
/// any Chainlink-compatible feed works.
interface IPriceFeed {
    function decimals() external view returns (uint8);

    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
}

/// @notice Errors of `LibFeed`, the same in every module that reads a feed.
interface IFeedErrors {
    /// @notice The feed answered zero or a negative price.
    error FeedPriceInvalid(address feed, int256 answer);
    /// @notice The feed's last update is older than `maxAge` seconds, or in the future.
    error FeedPriceStale(address feed, uint256 updatedAt, uint256 maxAge);
    /// @notice A feed (or token) with more than 36 decimals cannot be normalized safely.
    error FeedDecimalsInvalid(address feed, uint8 decimals);
}

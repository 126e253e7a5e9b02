// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @dev Test-only Chainlink-style index feed that can be broken: while `broken`,
/// `latestRoundData` reverts (a feed the insurance module must report as unreadable); while
/// `malformed`, it answers one word instead of five.
contract MockInsuranceFeed {
    error MockFeedBroken();

    int256 public answer;
    uint256 public updatedAt;
    bool public broken;
    bool public malformed;

    constructor(int256 answer_, uint256 updatedAt_) {
        set(answer_, updatedAt_);
    }

    function decimals() external pure returns (uint8) {
        return 0;
    }

    function set(int256 answer_, uint256 updatedAt_) public {
        answer = answer_;
        updatedAt = updatedAt_;
    }

    function setBroken(bool broken_) external {
        broken = broken_;
    }

    /// @dev While set, `latestRoundData` returns one word instead of five (malformed data).
    function setMalformed(bool malformed_) external {
        malformed = malformed_;
    }

    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        if (broken) revert MockFeedBroken();
        if (malformed) {
            assembly ("memory-safe") {
                mstore(0x00, 1)
                return(0x00, 0x20)
            }
        }
        return (1, answer, updatedAt, updatedAt, 1);
    }
}

/// @dev Test-only token whose transfer fee can be switched on after setup: exact while
/// `feeBps` is 0 (capital can be deposited), then burns `feeBps` of every transfer.
contract MockSwitchableFeeToken is ERC20 {
    uint256 public feeBps;

    constructor() ERC20("Switchable Fee", "SFEE") {}

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setFeeBps(uint256 feeBps_) external {
        feeBps = feeBps_;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0) || feeBps == 0) {
            super._update(from, to, value);
            return;
        }
        uint256 burned = (value * feeBps) / 10_000;
        super._update(from, to, value - burned);
        if (burned != 0) super._update(from, address(0), burned);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {ICreditModel} from "../modules/lending/ICreditModel.sol";

/// @dev A hostile or expensive credit model: burns all the gas it is given, reverts with a
/// return-data bomb, answers the wrong number of bytes, or needs `heavyRounds` rounds of
/// work before granting fixed limits (to try starving it of gas from outside).
contract GasBurningCreditModel is ICreditModel {
    enum Mode {
        Burn,
        ReturnBomb,
        WrongLength,
        Heavy
    }

    /// @dev Bytes of revert data in ReturnBomb mode: about what 100,000 gas of memory buys.
    uint256 public constant BOMB_SIZE = 200_000;

    Mode public mode;
    uint256 public heavyRounds;
    uint256 public borrowLimit;
    uint256 public liquidationLimit;

    function set(Mode mode_, uint256 heavyRounds_, uint256 borrowLimit_, uint256 liquidationLimit_) external {
        (mode, heavyRounds, borrowLimit, liquidationLimit) = (mode_, heavyRounds_, borrowLimit_, liquidationLimit_);
    }

    function creditLimits(uint256, address, uint256, uint256, uint256) external view returns (uint256, uint256) {
        Mode m = mode;
        if (m == Mode.Burn) {
            while (true) {}
        }
        if (m == Mode.ReturnBomb) {
            assembly {
                revert(0, BOMB_SIZE)
            }
        }
        if (m == Mode.WrongLength) {
            assembly {
                mstore(0, 1)
                return(0, 32)
            }
        }
        // Heavy: work the optimizer cannot drop, since the answer depends on it.
        bytes32 acc;
        uint256 rounds = heavyRounds;
        for (uint256 i; i < rounds; ++i) acc = keccak256(abi.encode(acc, i));
        if (acc == bytes32(uint256(1))) return (0, 0);
        return (borrowLimit, liquidationLimit);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

import {ICreditModel} from "../modules/lending/ICreditModel.sol";
import {IRateModel} from "../modules/lending/IRateModel.sol";

/// @dev An ERC-20 with chosen decimals that anyone may mint (collateral in tests).
contract MockToken is ERC20 {
    uint8 private immutable _DECIMALS;

    constructor(string memory name_, string memory symbol_, uint8 decimals_) ERC20(name_, symbol_) {
        _DECIMALS = decimals_;
    }

    function decimals() public view override returns (uint8) {
        return _DECIMALS;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}

/// @dev A rate model a test can make answer a rate, revert, answer garbage or burn gas.
contract MockRateModel is IRateModel {
    error MockRateModelDown();

    enum Mode {
        Answer,
        Revert,
        Garbage,
        BurnGas
    }

    Mode public mode;
    uint256 public answer;

    function set(Mode mode_, uint256 answer_) external {
        (mode, answer) = (mode_, answer_);
    }

    function borrowRatePerSecond(uint256, uint256) external view returns (uint256) {
        if (mode == Mode.Revert) revert MockRateModelDown();
        if (mode == Mode.Garbage) {
            assembly {
                return(0, 0)
            }
        }
        if (mode == Mode.BurnGas) {
            while (true) {}
        }
        return answer;
    }
}

/// @dev A credit model a test drives: a fixed grant per borrower, or the collateral
/// figures, or a failure.
contract MockCreditModel is ICreditModel {
    error MockCreditModelDown();

    enum Mode {
        Collateral,
        Fixed,
        Revert,
        Inverted
    }

    Mode public mode;
    mapping(address borrower => uint256) public borrowLimitOf;
    mapping(address borrower => uint256) public liquidationLimitOf;

    function setMode(Mode mode_) external {
        mode = mode_;
    }

    function setLimits(address borrower, uint256 borrowLimit, uint256 liquidationLimit) external {
        borrowLimitOf[borrower] = borrowLimit;
        liquidationLimitOf[borrower] = liquidationLimit;
    }

    function creditLimits(
        uint256,
        address borrower,
        uint256,
        uint256 collateralBorrowLimit,
        uint256 collateralLiquidationLimit
    ) external view returns (uint256, uint256) {
        if (mode == Mode.Revert) revert MockCreditModelDown();
        if (mode == Mode.Fixed) return (borrowLimitOf[borrower], liquidationLimitOf[borrower]);
        // A liquidation limit below the borrow limit: refused by the pool as garbage.
        if (mode == Mode.Inverted) return (collateralLiquidationLimit, collateralBorrowLimit);
        return (collateralBorrowLimit, collateralLiquidationLimit);
    }
}

/// @dev A contract issuer (ERC-1271), like a Safe: a signature is valid when its owner signed the hash.
contract MockERC1271Wallet is IERC1271 {
    address public immutable OWNER;

    constructor(address owner_) {
        OWNER = owner_;
    }

    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address signer, ECDSA.RecoverError error, ) = ECDSA.tryRecover(hash, signature);
        return error == ECDSA.RecoverError.NoError && signer == OWNER ? IERC1271.isValidSignature.selector : bytes4(0);
    }
}

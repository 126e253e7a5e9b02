// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {IPayment} from "../modules/payment/IPayment.sol";

/// @dev Test-only stablecoin: 6 decimals, EIP-2612 permit, open mint.
contract MockStablecoin is ERC20, ERC20Permit {
    constructor() ERC20("Mock USD", "mUSD") ERC20Permit("Mock USD") {}

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}

/// @dev Test-only token that burns 1 % of every transfer (mints and burns are exact).
contract MockFeeOnTransferToken is ERC20 {
    constructor() ERC20("Fee On Transfer", "FOT") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) {
            super._update(from, to, value);
            return;
        }
        uint256 burned = value / 100;
        super._update(from, to, value - burned);
        if (burned != 0) super._update(from, address(0), burned);
    }
}

/// @dev Records the outcome of a call into a target (the diamond): whether it succeeded,
/// the revert selector if it did not, and how many attempts were made.
abstract contract ReentryRecorder {
    address public reentryTarget;
    bytes public reentryData;
    uint256 public reentryValue;
    bool public reentryArmed;

    uint256 public reentryAttempts;
    bool public lastReentrySucceeded;
    bytes4 public lastReentryError;

    function _configure(address target, bytes calldata data, uint256 value) internal {
        reentryTarget = target;
        reentryData = data;
        reentryValue = value;
        reentryArmed = true;
    }

    function disarm() external {
        reentryArmed = false;
    }

    /// @dev Calls the target; returns the success flag and the revert data.
    function _reenter() internal returns (bool ok, bytes memory ret) {
        ++reentryAttempts;
        (ok, ret) = reentryTarget.call{value: reentryValue}(reentryData);
        lastReentrySucceeded = ok;
        lastReentryError = !ok && ret.length >= 4 ? bytes4(ret) : bytes4(0);
    }
}

/// @dev Test-only token whose `transfer`/`transferFrom` first try to call a configured
/// target (e.g. the diamond's `pay`) with configured calldata, record the outcome, and
/// then carry on with the transfer.
contract MockReentrantToken is ERC20, ReentryRecorder {
    constructor() ERC20("Reentrant", "RE") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function arm(address target, bytes calldata data) external {
        _configure(target, data, 0);
    }

    function transfer(address to, uint256 value) public override returns (bool) {
        if (reentryArmed) _reenter();
        return super.transfer(to, value);
    }

    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        if (reentryArmed) _reenter();
        return super.transferFrom(from, to, value);
    }
}

/// @dev Test-only native-currency receiver: accepts, rejects (revert without data), or
/// calls back into a target on receipt, either recording the outcome and accepting, or
/// bubbling the callback's revert up.
contract MockNativeReceiver is ReentryRecorder {
    enum Mode {
        Accept,
        Reject,
        ReenterAndRecord,
        ReenterAndBubble,
        RejectWithLongData,
        BurnAllGas
    }

    Mode public mode;
    uint256 public received;
    /// @dev Bytes of revert data in mode RejectWithLongData.
    uint256 public revertSize;

    function setMode(Mode newMode) external {
        mode = newMode;
    }

    /// @dev Rejects with `size` bytes of revert data (a sender that copies them pays for it).
    function setRejectWithLongData(uint256 size) external {
        revertSize = size;
        mode = Mode.RejectWithLongData;
    }

    /// @dev Re-enters `target` with `data` (and `value` wei from this contract's balance).
    function setReentry(address target, bytes calldata data, uint256 value, bool bubble) external {
        _configure(target, data, value);
        mode = bubble ? Mode.ReenterAndBubble : Mode.ReenterAndRecord;
    }

    receive() external payable {
        Mode m = mode;
        if (m == Mode.Reject) {
            assembly {
                revert(0, 0)
            }
        }
        if (m == Mode.BurnAllGas) {
            // solhint-disable-next-line no-empty-blocks
            while (true) {}
        }
        if (m == Mode.RejectWithLongData) {
            uint256 size = revertSize;
            assembly {
                revert(0, size)
            }
        }
        if (m == Mode.ReenterAndRecord || m == Mode.ReenterAndBubble) {
            (bool ok, bytes memory ret) = _reenter();
            if (!ok && m == Mode.ReenterAndBubble) {
                assembly {
                    revert(add(ret, 0x20), mload(ret))
                }
            }
        }
        received += msg.value;
    }
}

/// @dev Test-only token with a USDC-style blocklist: transfers to or from a blocked
/// address revert.
contract MockBlocklistToken is ERC20 {
    error MockBlocked(address account);

    mapping(address account => bool) public blocked;

    constructor() ERC20("Blocklist USD", "bUSD") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setBlocked(address account, bool isBlocked) external {
        blocked[account] = isBlocked;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (blocked[from]) revert MockBlocked(from);
        if (blocked[to]) revert MockBlocked(to);
        super._update(from, to, value);
    }
}

/// @dev The least a payment with a reference routed through the diamond can cost, for
/// the benchmark: `pay`'s calldata, its event and the token transfer, with no rail, no
/// fee, no checks and no measurement. Never part of a module set.
contract BenchPayFloorFacet {
    using SafeERC20 for IERC20;

    function payFloor(bytes32 channel, address token, address payee, uint256 amount, bytes32 paymentRef) external {
        emit IPayment.PaymentSent(paymentRef, msg.sender, payee, channel, token, amount, 0);
        IERC20(token).safeTransferFrom(msg.sender, payee, amount);
    }
}

/// @dev Test-only Chainlink-style price feed with a settable answer and update time.
contract MockPriceFeed {
    uint8 private immutable _DECIMALS;
    int256 public answer;
    uint256 public updatedAt;

    constructor(uint8 decimals_, int256 answer_) {
        _DECIMALS = decimals_;
        set(answer_, block.timestamp);
    }

    function decimals() external view returns (uint8) {
        return _DECIMALS;
    }

    function set(int256 answer_, uint256 updatedAt_) public {
        answer = answer_;
        updatedAt = updatedAt_;
    }

    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        return (1, answer, updatedAt, updatedAt, 1);
    }
}

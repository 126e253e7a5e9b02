// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {LibCore} from "../diamond/libraries/LibCore.sol";

/// @dev Test-only module storage.
library MockStorage {
    /// @custom:storage-location erc7201:finsuite.mock
    struct Layout {
        uint256 value;
        uint256 initCount;
    }

    // keccak256(abi.encode(uint256(keccak256("finsuite.mock")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant LAYOUT_SLOT = 0xdd2080ea5ba2d2f4260ef07f92e1319c6d5fa903b1ccee1ba93dd0b4e89adf00;

    function layout() internal pure returns (Layout storage $) {
        assembly {
            $.slot := LAYOUT_SLOT
        }
    }
}

/// @dev Version 1 of a test module: a value, a setter and `mockPing`.
contract MockFacetV1 {
    event MockValueSet(uint256 value);

    function mockValue() external view returns (uint256) {
        return MockStorage.layout().value;
    }

    function setMockValue(uint256 value) external {
        MockStorage.layout().value = value;
        emit MockValueSet(value);
    }

    function mockPing() external pure returns (uint256) {
        return 1;
    }
}

/// @dev Version 2: keeps `mockValue`/`setMockValue` (new code), drops `mockPing`, adds `mockPong`.
contract MockFacetV2 {
    function mockValue() external view returns (uint256) {
        return MockStorage.layout().value + 1000;
    }

    function setMockValue(uint256 value) external {
        MockStorage.layout().value = value;
    }

    function mockPong() external pure returns (uint256) {
        return 2;
    }
}

/// @dev A second, unrelated test module.
contract MockOtherFacet {
    function otherPing() external pure returns (uint256) {
        return 3;
    }
}

/// @dev Init contract for module tests.
contract MockInit {
    error MockInitRejected(uint256 code);

    function init(uint256 value) external {
        MockStorage.Layout storage $ = MockStorage.layout();
        $.value = value;
        ++$.initCount;
    }

    function initCount() external view returns (uint256) {
        return MockStorage.layout().initCount;
    }

    function rejectWithReason(uint256 code) external pure {
        revert MockInitRejected(code);
    }

    function rejectSilently() external pure {
        // solhint-disable-next-line gas-custom-errors
        revert();
    }
}

/// @dev Two facets sharing OpenZeppelin's transient reentrancy guard slot.
contract MockGuardedFacet is ReentrancyGuardTransient {
    function guardedCall(address target, bytes calldata data) external nonReentrant returns (bytes memory) {
        (bool ok, bytes memory ret) = target.call(data);
        if (!ok) {
            assembly {
                revert(add(ret, 0x20), mload(ret))
            }
        }
        return ret;
    }
}

contract MockGuardedOtherFacet is ReentrancyGuardTransient {
    function guardedOther() external nonReentrant returns (uint256) {
        return 7;
    }
}

/// @dev Counter used by the dispatch benchmark: the same code called directly, through
/// the diamond and through an ERC-1967 proxy.
contract BenchCounterFacet {
    function increment() external returns (uint256 next) {
        MockStorage.Layout storage $ = MockStorage.layout();
        next = $.value + 1;
        $.value = next;
    }
}

/// @dev A module of ten selectors for the install-cost benchmark.
contract TenSelectorFacet {
    function ten0() external pure returns (uint256) {
        return 0;
    }

    function ten1() external pure returns (uint256) {
        return 1;
    }

    function ten2() external pure returns (uint256) {
        return 2;
    }

    function ten3() external pure returns (uint256) {
        return 3;
    }

    function ten4() external pure returns (uint256) {
        return 4;
    }

    function ten5() external pure returns (uint256) {
        return 5;
    }

    function ten6() external pure returns (uint256) {
        return 6;
    }

    function ten7() external pure returns (uint256) {
        return 7;
    }

    function ten8() external pure returns (uint256) {
        return 8;
    }

    function ten9() external pure returns (uint256) {
        return 9;
    }
}

/// @dev Layout probe of the mock module's namespace (see contracts/layout/CoreStorageLayouts.sol).
contract MockStorageLayouts {
    MockStorage.Layout internal finsuite_mock;
}

/// @dev Exposes LibCore's two views of the core selectors, so a test can check they agree.
contract LibCoreHarness {
    function facetIndexOf(bytes4 selector) external pure returns (uint256) {
        return LibCore.facetIndexOf(selector);
    }

    function selectorsOf(uint256 facetIndex) external pure returns (bytes4[] memory) {
        return LibCore.selectorsOf(facetIndex);
    }
}

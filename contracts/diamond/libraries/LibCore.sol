// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {IDiamondCut} from "../../interfaces/IDiamondCut.sol";
import {IDiamondLoupe} from "../../interfaces/IDiamondLoupe.sol";
import {IERC173, IERC173TwoStep} from "../../interfaces/IERC173.sol";
import {IModuleRegistry} from "../../interfaces/IModuleRegistry.sol";
import {IPause} from "../../interfaces/IPause.sol";
import {ITimelock} from "../../interfaces/ITimelock.sol";
import {FacetSelectors, SemVer} from "../../types/ModuleTypes.sol";

/// @notice The shared facets that serve the diamond's built-in `core` module.
struct CoreFacets {
    address diamondCut;
    address diamondLoupe;
    address ownership;
    address accessControl;
    address pause;
    address timelock;
    address moduleRegistry;
}

/// @title The `core` module: the diamond's own functions, listed explicitly.
/// @notice The core lives in code, not in the selector table: a new diamond stores only
/// the seven facet addresses, and the dispatcher routes a selector it does not find to the
/// loupe facet, which finds core selectors here. No cut, install or upgrade can add,
/// replace or remove them. A test checks these lists against the facets' ABIs.
library LibCore {
    uint256 internal constant FACET_COUNT = 7;
    /// @dev `facetIndexOf` of a selector that is not a core function.
    uint256 internal constant NOT_CORE = type(uint256).max;

    function version() internal pure returns (SemVer memory) {
        return SemVer(1, 0, 0);
    }

    function interfaceIds() internal pure returns (bytes4[] memory ids) {
        ids = new bytes4[](8);
        ids[0] = type(IERC165).interfaceId;
        ids[1] = type(IDiamondCut).interfaceId;
        ids[2] = type(IDiamondLoupe).interfaceId;
        ids[3] = type(IERC173).interfaceId;
        ids[4] = type(IAccessControl).interfaceId;
        ids[5] = type(IPause).interfaceId;
        ids[6] = type(ITimelock).interfaceId;
        ids[7] = type(IModuleRegistry).interfaceId;
    }

    function isCoreInterface(bytes4 id) internal pure returns (bool) {
        return
            id == type(IERC165).interfaceId ||
            id == type(IDiamondCut).interfaceId ||
            id == type(IDiamondLoupe).interfaceId ||
            id == type(IERC173).interfaceId ||
            id == type(IAccessControl).interfaceId ||
            id == type(IPause).interfaceId ||
            id == type(ITimelock).interfaceId ||
            id == type(IModuleRegistry).interfaceId;
    }

    function toArray(CoreFacets memory f) internal pure returns (address[7] memory a) {
        a = [f.diamondCut, f.diamondLoupe, f.ownership, f.accessControl, f.pause, f.timelock, f.moduleRegistry];
    }

    /// @dev The facets with their selectors, in `CoreFacets` order.
    function facets(address[7] memory addresses) internal pure returns (FacetSelectors[] memory out) {
        out = new FacetSelectors[](FACET_COUNT);
        for (uint256 i; i < FACET_COUNT; ++i) {
            out[i] = FacetSelectors(addresses[i], selectorsOf(i));
        }
    }

    /// @dev Every core selector, in `CoreFacets` order.
    function allSelectors() internal pure returns (bytes4[] memory all) {
        all = new bytes4[](39);
        uint256 k;
        for (uint256 i; i < FACET_COUNT; ++i) {
            bytes4[] memory s = selectorsOf(i);
            for (uint256 j; j < s.length; ++j) all[k++] = s[j];
        }
    }

    /// @dev Index (in `CoreFacets` order) of the facet serving `s`, or `NOT_CORE`. Runs on
    /// every core call and every selector a cut adds, so it compares constants instead of
    /// building `selectorsOf` lists; a test checks that the two agree.
    // solhint-disable-next-line code-complexity, function-max-lines
    function facetIndexOf(bytes4 s) internal pure returns (uint256) {
        if (s == IDiamondCut.diamondCut.selector) return 0;
        if (
            s == IDiamondLoupe.facets.selector ||
            s == IDiamondLoupe.facetFunctionSelectors.selector ||
            s == IDiamondLoupe.facetAddresses.selector ||
            s == IDiamondLoupe.facetAddress.selector ||
            s == IERC165.supportsInterface.selector
        ) return 1;
        if (
            s == IERC173.owner.selector ||
            s == IERC173.transferOwnership.selector ||
            s == IERC173TwoStep.pendingOwner.selector ||
            s == IERC173TwoStep.acceptOwnership.selector
        ) return 2;
        if (
            s == IAccessControl.hasRole.selector ||
            s == IAccessControl.getRoleAdmin.selector ||
            s == IAccessControl.grantRole.selector ||
            s == IAccessControl.revokeRole.selector ||
            s == IAccessControl.renounceRole.selector
        ) return 3;
        if (
            s == IPause.pause.selector ||
            s == IPause.unpause.selector ||
            s == IPause.pauseModule.selector ||
            s == IPause.unpauseModule.selector ||
            s == IPause.paused.selector ||
            s == IPause.isModulePaused.selector
        ) return 4;
        if (
            s == ITimelock.schedule.selector ||
            s == ITimelock.execute.selector ||
            s == ITimelock.cancel.selector ||
            s == ITimelock.setTimelockDelay.selector ||
            s == ITimelock.timelockDelay.selector ||
            s == ITimelock.hashOperation.selector ||
            s == ITimelock.getOperationState.selector ||
            s == ITimelock.getOperationReadyAt.selector
        ) return 5;
        if (
            s == IModuleRegistry.installModule.selector ||
            s == IModuleRegistry.upgradeModule.selector ||
            s == IModuleRegistry.removeModule.selector ||
            s == IModuleRegistry.getModules.selector ||
            s == IModuleRegistry.getModule.selector ||
            s == IModuleRegistry.moduleIds.selector ||
            s == IModuleRegistry.moduleOfSelector.selector ||
            s == IModuleRegistry.isModuleInstalled.selector ||
            s == IModuleRegistry.moduleVersion.selector ||
            s == IModuleRegistry.moduleInitRun.selector
        ) return 6;
        return NOT_CORE;
    }

    // solhint-disable-next-line function-max-lines
    function selectorsOf(uint256 facetIndex) internal pure returns (bytes4[] memory s) {
        if (facetIndex == 0) {
            s = new bytes4[](1);
            s[0] = IDiamondCut.diamondCut.selector;
        } else if (facetIndex == 1) {
            s = new bytes4[](5);
            s[0] = IDiamondLoupe.facets.selector;
            s[1] = IDiamondLoupe.facetFunctionSelectors.selector;
            s[2] = IDiamondLoupe.facetAddresses.selector;
            s[3] = IDiamondLoupe.facetAddress.selector;
            s[4] = IERC165.supportsInterface.selector;
        } else if (facetIndex == 2) {
            s = new bytes4[](4);
            s[0] = IERC173.owner.selector;
            s[1] = IERC173.transferOwnership.selector;
            s[2] = IERC173TwoStep.pendingOwner.selector;
            s[3] = IERC173TwoStep.acceptOwnership.selector;
        } else if (facetIndex == 3) {
            s = new bytes4[](5);
            s[0] = IAccessControl.hasRole.selector;
            s[1] = IAccessControl.getRoleAdmin.selector;
            s[2] = IAccessControl.grantRole.selector;
            s[3] = IAccessControl.revokeRole.selector;
            s[4] = IAccessControl.renounceRole.selector;
        } else if (facetIndex == 4) {
            s = new bytes4[](6);
            s[0] = IPause.pause.selector;
            s[1] = IPause.unpause.selector;
            s[2] = IPause.pauseModule.selector;
            s[3] = IPause.unpauseModule.selector;
            s[4] = IPause.paused.selector;
            s[5] = IPause.isModulePaused.selector;
        } else if (facetIndex == 5) {
            s = new bytes4[](8);
            s[0] = ITimelock.schedule.selector;
            s[1] = ITimelock.execute.selector;
            s[2] = ITimelock.cancel.selector;
            s[3] = ITimelock.setTimelockDelay.selector;
            s[4] = ITimelock.timelockDelay.selector;
            s[5] = ITimelock.hashOperation.selector;
            s[6] = ITimelock.getOperationState.selector;
            s[7] = ITimelock.getOperationReadyAt.selector;
        } else if (facetIndex == 6) {
            s = new bytes4[](10);
            s[0] = IModuleRegistry.installModule.selector;
            s[1] = IModuleRegistry.upgradeModule.selector;
            s[2] = IModuleRegistry.removeModule.selector;
            s[3] = IModuleRegistry.getModules.selector;
            s[4] = IModuleRegistry.getModule.selector;
            s[5] = IModuleRegistry.moduleIds.selector;
            s[6] = IModuleRegistry.moduleOfSelector.selector;
            s[7] = IModuleRegistry.isModuleInstalled.selector;
            s[8] = IModuleRegistry.moduleVersion.selector;
            s[9] = IModuleRegistry.moduleInitRun.selector;
        }
    }
}

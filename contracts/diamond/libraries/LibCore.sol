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
/// @notice These selectors are registered by the diamond's constructor and can never be
/// replaced or removed. A test checks this list against the facets' ABIs.
library LibCore {
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

    // solhint-disable-next-line function-max-lines
    function facets(CoreFacets memory f) internal pure returns (FacetSelectors[] memory out) {
        out = new FacetSelectors[](7);

        bytes4[] memory s = new bytes4[](1);
        s[0] = IDiamondCut.diamondCut.selector;
        out[0] = FacetSelectors(f.diamondCut, s);

        s = new bytes4[](5);
        s[0] = IDiamondLoupe.facets.selector;
        s[1] = IDiamondLoupe.facetFunctionSelectors.selector;
        s[2] = IDiamondLoupe.facetAddresses.selector;
        s[3] = IDiamondLoupe.facetAddress.selector;
        s[4] = IERC165.supportsInterface.selector;
        out[1] = FacetSelectors(f.diamondLoupe, s);

        s = new bytes4[](4);
        s[0] = IERC173.owner.selector;
        s[1] = IERC173.transferOwnership.selector;
        s[2] = IERC173TwoStep.pendingOwner.selector;
        s[3] = IERC173TwoStep.acceptOwnership.selector;
        out[2] = FacetSelectors(f.ownership, s);

        s = new bytes4[](5);
        s[0] = IAccessControl.hasRole.selector;
        s[1] = IAccessControl.getRoleAdmin.selector;
        s[2] = IAccessControl.grantRole.selector;
        s[3] = IAccessControl.revokeRole.selector;
        s[4] = IAccessControl.renounceRole.selector;
        out[3] = FacetSelectors(f.accessControl, s);

        s = new bytes4[](6);
        s[0] = IPause.pause.selector;
        s[1] = IPause.unpause.selector;
        s[2] = IPause.pauseModule.selector;
        s[3] = IPause.unpauseModule.selector;
        s[4] = IPause.paused.selector;
        s[5] = IPause.isModulePaused.selector;
        out[4] = FacetSelectors(f.pause, s);

        s = new bytes4[](8);
        s[0] = ITimelock.schedule.selector;
        s[1] = ITimelock.execute.selector;
        s[2] = ITimelock.cancel.selector;
        s[3] = ITimelock.setTimelockDelay.selector;
        s[4] = ITimelock.timelockDelay.selector;
        s[5] = ITimelock.hashOperation.selector;
        s[6] = ITimelock.getOperationState.selector;
        s[7] = ITimelock.getOperationReadyAt.selector;
        out[5] = FacetSelectors(f.timelock, s);

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
        out[6] = FacetSelectors(f.moduleRegistry, s);
    }
}

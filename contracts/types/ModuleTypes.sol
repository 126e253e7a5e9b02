// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

/// @notice Identifier of a module: a short ASCII name, left-aligned and zero-padded
/// (ethers: `encodeBytes32String("payment")`). Zero is never a valid id.
type ModuleId is bytes32;

/// @notice Semantic version of a module. Ordered by (major, minor, patch).
struct SemVer {
    uint16 major;
    uint16 minor;
    uint16 patch;
}

/// @notice One facet and the selectors it serves (the EIP-2535 loupe's `Facet` shape).
struct FacetSelectors {
    address facetAddress;
    bytes4[] functionSelectors;
}

/// @notice What a module declares when it is installed or upgraded.
/// @param id Module id; `core` and `unmanaged` are reserved.
/// @param version Must be newer than the installed one on upgrade.
/// @param facets Facets and the selectors each serves; every selector must be free or
///        already owned by this module.
/// @param interfaceIds ERC-165 interface ids the module implements.
/// @param dependencies Modules that must stay installed while this one is.
struct ModuleSpec {
    ModuleId id;
    SemVer version;
    FacetSelectors[] facets;
    bytes4[] interfaceIds;
    ModuleId[] dependencies;
}

enum ModuleStatus {
    None,
    Installed,
    Removed
}

/// @notice A module as the registry reports it. `facets` is derived from the loupe.
struct ModuleInfo {
    ModuleId id;
    SemVer version;
    ModuleStatus status;
    bool paused;
    FacetSelectors[] facets;
    bytes4[] interfaceIds;
    ModuleId[] dependencies;
}

/// @dev Ids of the two built-in modules. `core` owns the diamond's own immutable
/// functions; `unmanaged` owns selectors added by a raw `diamondCut`.
ModuleId constant CORE_MODULE = ModuleId.wrap("core");
ModuleId constant UNMANAGED_MODULE = ModuleId.wrap("unmanaged");

function eq(ModuleId a, ModuleId b) pure returns (bool) {
    return ModuleId.unwrap(a) == ModuleId.unwrap(b);
}

function neq(ModuleId a, ModuleId b) pure returns (bool) {
    return ModuleId.unwrap(a) != ModuleId.unwrap(b);
}

using {eq as ==, neq as !=} for ModuleId global;

/// @dev Packs a version into one comparable integer.
function packVersion(SemVer memory v) pure returns (uint48) {
    return (uint48(v.major) << 32) | (uint48(v.minor) << 16) | uint48(v.patch);
}

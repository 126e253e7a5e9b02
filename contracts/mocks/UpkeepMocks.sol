// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {LibUpkeep} from "../shared/upkeep/LibUpkeep.sol";
import {ModuleId} from "../types/ModuleTypes.sol";

/// @dev Test-only storage of the two upkeep provider modules below.
library MockUpkeepStorage {
    /// @custom:storage-location erc7201:finsuite.mock.upkeep
    struct Layout {
        /// The queue of module `jobs`: jobs [head, tail) wait, in order.
        uint256 head;
        uint256 tail;
        mapping(uint256 job => address keeper) processedBy;
        /// Module `alarm`: 0 quiet, 1 raised, 2 check reverts, 3 raised but perform reverts.
        uint8 alarm;
        uint256 alarmsCleared;
    }

    // keccak256(abi.encode(uint256(keccak256("finsuite.mock.upkeep")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant LAYOUT_SLOT = 0x570f48c25e4d996004d01bf285857916e84a9aa4a2278bb62478bf2bed6d6200;

    function layout() internal pure returns (Layout storage $) {
        assembly {
            $.slot := LAYOUT_SLOT
        }
    }
}

/// @dev Storage-layout probe of `finsuite.mock.upkeep`.
contract MockUpkeepStorageLayout {
    MockUpkeepStorage.Layout internal finsuite_mock_upkeep;
}

/// @dev Module `jobs`: a queue anyone fills; perform processes at most MAX_PER_CALL jobs in
/// order, re-validating its data against the queue, so stale, repeated or forged data does
/// at most the work that is really due.
contract MockJobsFacet {
    uint256 public constant MOCK_JOBS_MAX_PER_CALL = 10;

    event MockJobsAdded(uint256 from, uint256 count);
    event MockJobsProcessed(uint256 from, uint256 count, address indexed keeper);

    function addMockJobs(uint256 count) external {
        MockUpkeepStorage.Layout storage $ = MockUpkeepStorage.layout();
        emit MockJobsAdded($.tail, count);
        $.tail += count;
    }

    /// @dev data: empty, or abi.encode(uint256 max). performData: abi.encode(from, count).
    function mockJobsCheck(bytes calldata data) external view returns (bool, bytes memory) {
        MockUpkeepStorage.Layout storage $ = MockUpkeepStorage.layout();
        uint256 max = data.length == 0 ? MOCK_JOBS_MAX_PER_CALL : abi.decode(data, (uint256));
        if (max > MOCK_JOBS_MAX_PER_CALL) max = MOCK_JOBS_MAX_PER_CALL;
        uint256 pending = $.tail - $.head;
        if (pending == 0 || max == 0) return (false, "");
        return (true, abi.encode($.head, pending < max ? pending : max));
    }

    function mockJobsPerform(bytes calldata data) external {
        (uint256 from, uint256 count) = abi.decode(data, (uint256, uint256));
        MockUpkeepStorage.Layout storage $ = MockUpkeepStorage.layout();
        uint256 start = $.head;
        // Forged values cannot overflow: both are capped before they are added.
        uint256 end = _min(_min(from, $.tail) + _min(count, MOCK_JOBS_MAX_PER_CALL), $.tail);
        end = _min(end, start + MOCK_JOBS_MAX_PER_CALL);
        if (end <= start) return;
        for (uint256 job = start; job < end; ++job) {
            $.processedBy[job] = msg.sender;
        }
        $.head = end;
        emit MockJobsProcessed(start, end - start, msg.sender);
    }

    function mockJobsPending() external view returns (uint256) {
        MockUpkeepStorage.Layout storage $ = MockUpkeepStorage.layout();
        return $.tail - $.head;
    }

    function mockJobProcessedBy(uint256 job) external view returns (address) {
        return MockUpkeepStorage.layout().processedBy[job];
    }

    function _min(uint256 a, uint256 b) private pure returns (uint256) {
        return a < b ? a : b;
    }
}

/// @dev Module `alarm`: a flag anyone raises; perform clears it once.
contract MockAlarmFacet {
    event MockAlarmCleared(address indexed keeper);

    error MockAlarmBroken(uint8 state);

    function setMockAlarm(uint8 state) external {
        MockUpkeepStorage.layout().alarm = state;
    }

    function mockAlarmCheck(bytes calldata) external view returns (bool, bytes memory) {
        uint8 state = MockUpkeepStorage.layout().alarm;
        if (state == 2) revert MockAlarmBroken(state);
        return (state == 1 || state == 3, abi.encode(state));
    }

    function mockAlarmPerform(bytes calldata) external {
        MockUpkeepStorage.Layout storage $ = MockUpkeepStorage.layout();
        if ($.alarm == 3) revert MockAlarmBroken(3);
        if ($.alarm != 1) return;
        $.alarm = 0;
        ++$.alarmsCleared;
        emit MockAlarmCleared(msg.sender);
    }

    function mockAlarmsCleared() external view returns (uint256) {
        return MockUpkeepStorage.layout().alarmsCleared;
    }
}

/// @dev Install inits of the two modules, and raw access to LibUpkeep for tests (run as the
/// init of a timelocked `diamondCut` without cuts).
contract MockUpkeepInit {
    function registerJobs() external {
        LibUpkeep.register(
            ModuleId.wrap("jobs"),
            MockJobsFacet.mockJobsCheck.selector,
            MockJobsFacet.mockJobsPerform.selector
        );
    }

    function registerAlarm() external {
        LibUpkeep.register(
            ModuleId.wrap("alarm"),
            MockAlarmFacet.mockAlarmCheck.selector,
            MockAlarmFacet.mockAlarmPerform.selector
        );
    }

    function registerProvider(ModuleId moduleId, bytes4 check, bytes4 perform) external {
        LibUpkeep.register(moduleId, check, perform);
    }

    function unregisterProvider(ModuleId moduleId) external {
        LibUpkeep.unregister(moduleId);
    }
}

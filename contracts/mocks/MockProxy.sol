// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

// Brings OpenZeppelin's ERC-1967 proxy into the build as the benchmark's peer.
import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";

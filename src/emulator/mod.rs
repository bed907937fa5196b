//! The simulated twin: a world model plus AWS protocol front ends on loopback.
//! Depends only on `model` and `config`; production code never reaches into it.

pub mod scenario;
pub mod world;

//! The simulated twin: a world model plus AWS protocol front ends on loopback.
//! Depends only on `model` and `config`; production code never reaches into it.

pub mod clock;
pub mod scenario;
pub mod server;
pub mod wire;
pub mod world;

pub use server::{
    Emulator, EmulatorError, EmulatorOptions, FAULTS_PATH, Listener, RequestOutcome, RequestRecord,
    start,
};

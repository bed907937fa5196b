//! Monitor (in progress).

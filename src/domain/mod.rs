//! The real logic of the domain, as pure functions: periods, indicator
//! performance, risk bands.

pub mod collection;
pub mod deliverable;
pub mod performance;
pub mod period;
pub mod risk;
pub mod significance;

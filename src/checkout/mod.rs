//! The payment flow: orders, the pure state machine, and the async driver that runs it against WooshPay.

pub mod machine;
pub mod order;

pub use machine::{
    AlreadyInProgress, CloseReason, FailureReason, Observation, Outcome, PaymentMachine, Phase, RequestFailure,
    SessionInfo, Step, Timing,
};
pub use order::{Order, OrderError, OrderLine};

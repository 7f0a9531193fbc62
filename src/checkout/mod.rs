//! The payment flow: carts, the pure state machine, and the engine that runs it against WooshPay.
//!
//! Rooms, from the outside in: `engine` (the front door) starts a `sale_run` (which does its `create_session`
//! step and reads WooshPay through `observation`), or hands the journal's pending sales to `recovery`; `recheck`
//! answers staff. All of them share `shared`; `events` is what the outside hears. `machine` is pure and knows
//! none of them.

pub mod adoption;
pub mod cart;
mod create_session;
pub mod engine;
pub mod events;
pub mod machine;
mod observation;
pub mod prices;
pub mod recheck;
pub mod reconcile;
pub mod recovery;
pub mod refund_reconcile;
pub mod request;
mod sale_run;
mod shared;

pub use crate::order::{Order, OrderError, OrderLine};
pub use cart::Cart;
pub use engine::CheckoutEngine;
pub use events::{Canceller, ChargeHandle, CheckoutEvent, GatewayStatus, StartError};
pub use machine::{
    AlreadyInProgress, CloseReason, FailureReason, IntentRead, Observation, Outcome,
    PaymentMachine, Phase, RequestFailure, SessionInfo, Step, Timing,
};
pub use prices::{PriceBook, PriceBookStore, SyncedPrice};
pub use recheck::RecheckAnswer;
pub use recovery::{PendingSale, Recovered};
pub use request::{ReturnUrls, SaleRef, session_params};
pub use shared::EngineSettings;

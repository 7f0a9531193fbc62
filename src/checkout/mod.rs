//! The payment flow: orders, the pure state machine, and the engine that runs it against WooshPay.

pub mod adoption;
pub mod cart;
pub mod engine;
pub mod machine;
pub mod order;
pub mod prices;
pub mod recovery;
pub mod request;

pub use cart::Cart;
pub use engine::{
    Canceller, ChargeHandle, CheckoutEngine, CheckoutEvent, EngineSettings, GatewayStatus,
    StartError,
};
pub use machine::{
    AlreadyInProgress, CloseReason, FailureReason, Observation, Outcome, PaymentMachine, Phase,
    RequestFailure, SessionInfo, Step, Timing,
};
pub use order::{Order, OrderError, OrderLine};
pub use prices::{PriceBook, PriceBookStore, SyncedPrice};
pub use recovery::{PendingSale, RecheckAnswer, Recovered};
pub use request::{ReturnUrls, SaleRef, session_params};
